"""Checklists done with her: every question once, bands at their thresholds, judgement
that raises and never lowers, and the referral proposal a high band opens."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.risk.steps import (
    CANARY,
    answers,
    get,
    load_checklist,
    questions,
    record,
    risk_url,
)

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def checklist_flow(app: Litestar, client: AsyncTestClient[Litestar]) -> tuple[Flow, str]:
    flow = await make_flow(app, client)
    checklist = await load_checklist(flow)
    return flow, checklist["id"]


async def test_with_no_checklist_loaded_nothing_can_be_recorded(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    problem = await record(flow, UNKNOWN_ID, 3, status=409)
    assert problem["code"] == "no_checklist"
    assert await table_rows(app, "risk_checklist_record", "id") == []


# (case, request body, status, the fields its problem names)
INVALID: list[tuple[str, dict[str, Any], int, list[str]]] = [
    ("one-missing", {"answers": answers(3, total=15)}, 422, ["answers.q16"]),
    ("none", {"answers": {}}, 422, [f"answers.q{n:02}" for n in range(1, 17)]),
    ("unknown-key", {"answers": {**answers(3), "canary_key": "yes"}}, 422, ["answers"]),
    ("value", {"answers": {**answers(3), "q01": "maybe"}}, 400, ["answers[...]"]),
    ("answers-not-an-object", {"answers": [1, 2]}, 400, ["answers"]),
    ("checklist-unknown", {"checklist_id": UNKNOWN_ID}, 422, ["checklist_id"]),
    ("checklist-not-a-uuid", {"checklist_id": "x"}, 400, ["checklist_id"]),
    ("no-band", {"worker_judgement": "extreme"}, 422, ["worker_judgement"]),
    ("band-not-text", {"worker_judgement": 3}, 400, ["worker_judgement"]),
    ("reason-no-judgement", {"judgement_reason": CANARY}, 422, ["judgement_reason"]),
    (
        "reason-blank",
        {"worker_judgement": "high", "judgement_reason": " "},
        422,
        ["judgement_reason"],
    ),
    (
        "reason-too-long",
        {"worker_judgement": "high", "judgement_reason": CANARY * 100},
        400,
        ["judgement_reason"],
    ),
    ("may-share-not-bool", {"may_share": "yes"}, 400, ["may_share"]),
    ("outreach-not-hers", {"outreach_id": UNKNOWN_ID}, 422, ["outreach_id"]),
    ("unknown-field", {"yes_count": 20}, 400, ["yes_count"]),
]


async def test_each_field_of_a_checklist_record_is_checked(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow, checklist_id = await checklist_flow(app, client)
    for case, body, status, fields in INVALID:
        problem = await record(flow, checklist_id, 3, status=status, **body)
        assert [error["field"] for error in problem["errors"]] == fields, case
        assert "canary" not in str(problem), case
    assert await table_rows(app, "risk_checklist_record", "id") == []
    assert await table_rows(app, "risk_referral_proposal", "id") == []


async def test_default_bands_at_each_threshold_and_only_high_proposes_a_referral(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow, checklist_id = await checklist_flow(app, client)
    seen = []
    for yes in (0, 9, 10, 13):
        done = await record(flow, checklist_id, yes)
        seen.append((done["yes_count"], done["computed_band"], done["final_band"]))
        assert done["referral_proposal_id"] is None
    assert seen == [(0, "standard", "standard"), (9, "standard", "standard"),
                    (10, "medium", "medium"), (13, "medium", "medium")]  # fmt: skip
    assert await table_rows(app, "risk_referral_proposal", "id") == []
    # "not known" is not "yes": 13 yes and 3 not known stays medium.
    unknown = await record(
        flow, checklist_id, 13, answers=answers(13, rest="not_known"), may_share=True
    )
    assert (unknown["yes_count"], unknown["final_band"], unknown["may_share"]) == (
        13,
        "medium",
        True,
    )

    high = await record(flow, checklist_id, 14)
    assert (high["computed_band"], high["final_band"]) == ("high", "high")
    assert high["referral_proposal_id"] is not None
    (proposal,) = await get(flow, risk_url(flow, "referral-proposals"))
    assert proposal["id"] == high["referral_proposal_id"]
    assert (proposal["reason"], proposal["status"], proposal["her_consent"]) == (
        "checklist_band",
        "proposed",
        "not_asked_yet",
    )
    assert proposal["she_was_told"] is False

    await flow.advance(hours=1)
    again = await record(flow, checklist_id, 16)
    assert again["referral_proposal_id"] == proposal["id"]  # joins the open one
    (joined,) = await get(flow, risk_url(flow, "referral-proposals"))
    assert joined["checklist_record_ids"] == [high["id"], again["id"]]
    assert len(await table_rows(app, "risk_referral_proposal", "id")) == 1


async def test_custom_bands_follow_their_own_thresholds(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    bands = [
        {"name": "low", "min_yes": 0},
        {"name": "elevated", "min_yes": 2, "proposes_referral": True},
        {"name": "severe", "min_yes": 4, "proposes_referral": True},
    ]
    checklist = await load_checklist(flow, questions=questions(4), bands=bands)

    async def band_of(yes: int) -> Any:
        return await record(flow, checklist["id"], 0, answers=answers(yes, total=4))

    assert [(await band_of(yes))["final_band"] for yes in range(5)] == [
        "low", "low", "elevated", "elevated", "severe"
    ]  # fmt: skip
    assert len(await table_rows(app, "risk_referral_proposal", "id")) == 1


async def test_professional_judgement_raises_the_band_but_never_lowers_it(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow, checklist_id = await checklist_flow(app, client)
    same = await record(flow, checklist_id, 10, worker_judgement="medium")
    assert (same["computed_band"], same["final_band"]) == ("medium", "medium")
    lower = await record(flow, checklist_id, 10, status=422, worker_judgement="standard")
    assert [error["field"] for error in lower["errors"]] == ["worker_judgement"]
    assert await table_rows(app, "risk_referral_proposal", "id") == []

    await flow.advance(hours=1)
    raised = await record(
        flow, checklist_id, 2, worker_judgement="high", judgement_reason=f" {CANARY} "
    )
    assert (raised["yes_count"], raised["computed_band"]) == (2, "standard")
    assert (raised["worker_judgement"], raised["final_band"]) == ("high", "high")
    assert raised["referral_proposal_id"] is not None  # the final band counts
    (proposal,) = await get(flow, risk_url(flow, "referral-proposals"))
    assert proposal["reason"] == "professional_judgement"  # the count alone proposed nothing
    assert "canary" not in str(raised)
    history = await get(flow, risk_url(flow, "checklists"))
    assert history[0]["judgement_reason"] == CANARY
    assert history[1]["judgement_reason"] is None
    assert len(history) == 2  # the refused one left nothing behind


async def test_answers_are_sealed_history_is_newest_first_and_reads_are_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow, checklist_id = await checklist_flow(app, client)
    first = await record(flow, checklist_id, 3, worker_judgement="medium", judgement_reason=CANARY)
    await flow.advance(hours=3)
    second = await record(flow, checklist_id, 11)
    assert "answers" not in first
    stored = await table_rows(app, "risk_checklist_record", "answers, judgement_reason")
    for sealed_answers, reason in stored:
        assert b'"yes"' not in bytes(sealed_answers)
        assert b"canary" not in bytes(reason or b"")
    history = await get(flow, risk_url(flow, "checklists"))
    assert [item["id"] for item in history] == [second["id"], first["id"]]
    assert history[1]["answers"] == answers(3)
    assert history[0]["answers"] == answers(11)
    assert history[0]["checklist_id"] == checklist_id
    patched = await client.patch(
        f"{risk_url(flow, 'checklists')}", json={"answers": {}}, headers=flow.headers
    )
    assert patched.status_code == 405  # a record never changes
    log = await table_rows(app, "access_log", "action, purpose")
    assert [row for row in log if row[0].startswith("risk.")] == [
        ("risk.checklist.load", "administration"),
        ("risk.checklist.record", None),
        ("risk.checklist.record", None),
        ("risk.checklist.read", "call"),
    ]


async def test_a_superseded_checklist_version_is_refused(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow, old_id = await checklist_flow(app, client)
    await load_checklist(flow, name="Revised")
    problem = await record(flow, old_id, 1, status=409)
    assert problem["code"] == "checklist_superseded"
