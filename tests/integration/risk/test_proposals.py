"""Multi-agency referral proposals: one open at a time, her consent and "she was told"
recorded, and a referral without her agreement only with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.risk.steps import (
    CANARY,
    get,
    load_checklist,
    post,
    proposal_url,
    record,
    risk_url,
)


async def propose(flow: Flow, status: int = 201, **body: Any) -> Any:
    payload = {"reason": "professional_judgement", **body}
    return await post(flow, risk_url(flow, "referral-proposals"), payload, status)


async def proposals(flow: Flow) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = await get(flow, risk_url(flow, "referral-proposals"))
    return listed


# (case, action, request body, status, the field its problem names)
INVALID: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("consent-missing", "decision", {"she_was_told": True}, 400, "her_consent"),
    ("c", "decision", {"her_consent": "maybe", "she_was_told": True}, 400, "her_consent"),
    ("told-missing", "decision", {"her_consent": "agreed"}, 400, "she_was_told"),
    (
        "note-too-long",
        "decision",
        {"her_consent": "agreed", "she_was_told": True, "note": CANARY * 100},
        400,
        "note",
    ),
    (
        "note-control",
        "decision",
        {"her_consent": "agreed", "she_was_told": True, "note": "\x00" + CANARY},
        422,
        "note",
    ),
    ("outcome-missing", "close", {}, 400, "outcome"),
    ("outcome-unknown", "close", {"outcome": "maybe"}, 400, "outcome"),
    (
        "reason-without-referral",
        "close",
        {"outcome": "not_referred", "without_consent_reason": CANARY},
        422,
        "without_consent_reason",
    ),
]


async def test_each_field_of_a_decision_and_a_closing_is_checked(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    proposed = await propose(flow)
    for case, action, body, status, field in INVALID:
        problem = await post(flow, proposal_url(proposed["id"], action), body, status)
        assert [error["field"] for error in problem["errors"]] == [field], case
        assert "canary" not in str(problem), case
    (unchanged,) = await proposals(flow)
    assert (unchanged["status"], unchanged["decided_at"]) == ("proposed", None)


async def test_a_worker_proposes_on_judgement_and_only_one_is_open_at_a_time(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    automatic = await propose(flow, 422, reason="checklist_band")
    assert [error["field"] for error in automatic["errors"]] == ["reason"]
    assert (await propose(flow, 400, reason="gut_feeling"))["errors"][0]["field"] == "reason"
    assert (await propose(flow, 422, note=" "))["errors"][0]["field"] == "note"

    proposed = await propose(flow, note=CANARY)
    assert (proposed["reason"], proposed["status"]) == ("professional_judgement", "proposed")
    assert "canary" not in str(proposed)
    twice = await propose(flow, 409)
    assert twice["code"] == "referral_proposal_open"
    # A high checklist while it is open joins it.
    checklist = await load_checklist(flow)
    high = await record(flow, checklist["id"], 15)
    assert high["referral_proposal_id"] == proposed["id"]
    (listed,) = await proposals(flow)
    assert listed["note"] == CANARY
    assert listed["checklist_record_ids"] == [high["id"]]
    (stored,) = await table_rows(app, "risk_referral_proposal", "note")
    assert b"canary" not in bytes(stored[0])

    await post(flow, proposal_url(proposed["id"], "close"), {"outcome": "not_referred"}, 200)
    await flow.advance(hours=1)
    after = await record(flow, checklist["id"], 14)
    assert after["referral_proposal_id"] not in (None, proposed["id"])  # a new one opens
    newest, closed = await proposals(flow)
    assert (newest["id"], newest["reason"]) == (after["referral_proposal_id"], "checklist_band")
    assert (closed["status"], closed["outcome"]) == ("closed", "not_referred")


async def test_her_consent_and_being_told_are_recorded_and_she_may_change_her_mind(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    proposed = await propose(flow)
    decision = proposal_url(proposed["id"], "decision")
    not_yet = await post(
        flow, decision, {"her_consent": "not_asked_yet", "she_was_told": True}, 200
    )
    assert (not_yet["status"], not_yet["she_was_told"]) == ("proposed", True)
    await flow.advance(minutes=30)
    declined = await post(
        flow, decision, {"her_consent": "declined", "she_was_told": True, "note": CANARY}, 200
    )
    assert (declined["status"], declined["her_consent"]) == ("declined", "declined")
    assert declined["decided_by"] == str(flow.case.worker.user.id)
    await flow.advance(minutes=30)
    agreed = await post(flow, decision, {"her_consent": "agreed", "she_was_told": False}, 200)
    assert (agreed["status"], agreed["her_consent"], agreed["she_was_told"]) == (
        "agreed",
        "agreed",
        False,
    )
    assert agreed["decided_at"] != declined["decided_at"]
    reason = {"outcome": "referred", "without_consent_reason": CANARY}
    refused = await post(flow, proposal_url(proposed["id"], "close"), reason, 422)
    assert refused["errors"][0]["field"] == "without_consent_reason"

    referred = await post(flow, proposal_url(proposed["id"], "close"), {"outcome": "referred"}, 200)
    assert (referred["status"], referred["outcome"]) == ("referred", "referred")
    assert referred["referred_without_consent"] is False
    for action, body in (
        ("decision", {"her_consent": "declined", "she_was_told": True}),
        ("close", {"outcome": "not_referred"}),
    ):
        closed = await post(flow, proposal_url(proposed["id"], action), body, 409)
        assert closed["code"] == "referral_proposal_closed"
    (listed,) = await proposals(flow)
    assert listed["decision_note"] is None  # the latest decision replaced the earlier note
    log = await table_rows(app, "access_log", "action, purpose")
    assert [row for row in log if row[0].startswith("risk.proposal")] == [
        ("risk.proposal.create", None),
        ("risk.proposal.decision", None),
        ("risk.proposal.decision", None),
        ("risk.proposal.decision", None),
        ("risk.proposal.close", None),
        ("risk.proposal.read", "referral"),
    ]


@pytest.mark.parametrize("consent", ["declined", "not_asked_yet"])
async def test_referring_without_her_agreement_needs_a_sealed_reason(
    app: Litestar, client: AsyncTestClient[Litestar], consent: str
) -> None:
    flow = await make_flow(app, client)
    proposed = await propose(flow)
    await post(
        flow,
        proposal_url(proposed["id"], "decision"),
        {"her_consent": consent, "she_was_told": False},
        200,
    )
    close = proposal_url(proposed["id"], "close")
    refused = await post(flow, close, {"outcome": "referred"}, 409)
    assert refused["code"] == "consent_required"
    referred = await post(
        flow, close, {"outcome": "referred", "without_consent_reason": f" {CANARY}"}, 200
    )
    assert (referred["status"], referred["referred_without_consent"]) == ("referred", True)
    assert "canary" not in str(referred)
    (stored,) = await table_rows(app, "risk_referral_proposal", "without_consent_reason")
    assert b"canary" not in bytes(stored[0])
    (listed,) = await proposals(flow)
    assert listed["without_consent_reason"] == CANARY
    assert listed["her_consent"] == consent


async def test_being_told_of_a_referral_made_without_her_agreement_is_recorded_after_it(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    proposed = await propose(flow)
    await post(
        flow,
        proposal_url(proposed["id"], "close"),
        {"outcome": "referred", "without_consent_reason": CANARY},
        200,
    )
    # A closed proposal takes no decision any more, but she can still be told of it.
    refused = await post(
        flow,
        proposal_url(proposed["id"], "decision"),
        {"her_consent": "agreed", "she_was_told": True},
        409,
    )
    assert refused["code"] == "referral_proposal_closed"
    told = proposal_url(proposed["id"], "she-was-told")
    for _ in range(2):
        summary = await post(flow, told, {}, 200)
        assert (summary["status"], summary["she_was_told"]) == ("referred", True)
        assert "canary" not in str(summary)
    (listed,) = await proposals(flow)
    assert listed["she_was_told"] is True
    assert listed["her_consent"] == "not_asked_yet"
    log = await table_rows(app, "access_log", "action, object_id")
    assert [row for row in log if row[0] == "risk.proposal.told"] == [
        ("risk.proposal.told", proposed["id"])
    ] * 2

    other = await make_flow(app, client)
    stranger = await client.post(told, headers=other.headers)
    assert stranger.status_code == 404, stranger.text
