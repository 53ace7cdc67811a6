"""The organisation's checklist: loaded by an admin, validated, superseded, read by staff."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, table_rows
from tests.integration.outreach.flow import make_flow
from tests.integration.risk.steps import CHECKLISTS, admin_headers, load_checklist, questions

DEFAULT_BANDS = [
    {"name": "standard", "min_yes": 0, "proposes_referral": False},
    {"name": "medium", "min_yes": 10, "proposes_referral": False},
    {"name": "high", "min_yes": 14, "proposes_referral": True},
]
TWO = questions(2)


def bands(*spec: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"name": name, "min_yes": min_yes} for name, min_yes in spec]


# (case, request body, status, the fields its problem names)
INVALID: list[tuple[str, dict[str, Any], int, list[str]]] = [
    ("name-empty", {"name": ""}, 400, ["name"]),
    ("name-blank", {"name": "   "}, 422, ["name"]),
    # A NUL was a 500 on PostgreSQL (a text column cannot hold it) and stored on SQLite.
    ("name-nul", {"name": "Our\x00checklist"}, 422, ["name"]),
    ("name-line-break", {"name": "Our\nchecklist"}, 422, ["name"]),
    ("name-too-long", {"name": "x" * 101}, 400, ["name"]),
    ("language-unknown", {"language": "xx"}, 422, ["language"]),
    ("no-questions", {"questions": []}, 400, ["questions"]),
    ("too-many-questions", {"questions": questions(61)}, 400, ["questions"]),
    ("key", {"questions": [{"key": "Bad Key", "text": "?"}]}, 400, ["questions[0].key"]),
    ("key-too-long", {"questions": [{"key": "k" * 33, "text": "?"}]}, 400, ["questions[0].key"]),
    ("band-name-bad", {"bands": [{"name": "k" * 33, "min_yes": 0}]}, 400, ["bands[0].name"]),
    ("text-empty", {"questions": [{"key": "a", "text": ""}]}, 400, ["questions[0].text"]),
    ("text-too-long", {"questions": [{"key": "a", "text": "x" * 501}]}, 400, ["questions[0].text"]),
    (
        "text-control",
        {"questions": [{"key": "a", "text": "Has he\x00ever?"}], "bands": bands(("a", 0))},
        422,
        ["questions[0].text"],
    ),
    (
        "duplicate-key",
        {"questions": [*TWO, {"key": "q01", "text": "Again?"}], "bands": bands(("a", 0))},
        422,
        ["questions[2].key"],
    ),
    ("defaults-need-14", {"questions": questions(13)}, 422, ["bands"]),
    ("bands-empty", {"bands": []}, 400, ["bands"]),
    ("first-not-0", {"bands": bands(("low", 1))}, 422, ["bands[0].min_yes"]),
    (
        "not-ascending",
        {"bands": bands(("low", 0), ("high", 5), ("mid", 3))},
        422,
        ["bands[2].min_yes"],
    ),
    ("same-name", {"bands": bands(("low", 0), ("low", 4))}, 422, ["bands[1].name"]),
    ("above-question-count", {"bands": bands(("low", 0), ("high", 17))}, 422, ["bands[1].min_yes"]),
    ("negative", {"bands": bands(("low", 0), ("high", -1))}, 400, ["bands[1].min_yes"]),
    ("unknown-field", {"extra": 1}, 400, ["extra"]),
]


async def test_each_field_of_a_checklist_is_checked(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    admin = await admin_headers(app)
    for case, body, status, fields in INVALID:
        problem = await load_checklist(flow, status, headers=admin, **body)
        assert [error["field"] for error in problem["errors"]] == fields, case
    assert await table_rows(app, "risk_checklist", "id") == []


async def test_default_bands_and_supersession_keep_every_version(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    admin = await admin_headers(app)
    empty = await client.get(CHECKLISTS, headers=flow.headers)
    assert empty.json() == {"current": None, "history": []}

    first = await load_checklist(flow, headers=admin, questions=questions(14))
    assert first["version"] == 1
    assert first["bands"] == DEFAULT_BANDS
    assert first["questions"][13] == {"key": "q14", "text": "Organisation question 14?"}
    flow.app.state.clock.advance(minutes=5)
    custom = [
        {"name": "low", "min_yes": 0},
        {"name": "raised", "min_yes": 1, "proposes_referral": True},
    ]
    second = await load_checklist(
        flow, headers=admin, name="  Short form ", language="de", questions=TWO, bands=custom
    )
    assert (second["version"], second["name"], second["language"]) == (2, "Short form", "de")
    assert second["bands"][1] == {"name": "raised", "min_yes": 1, "proposes_referral": True}

    supervisor = flow.case.supervisor_headers
    for headers in (flow.headers, supervisor, admin):
        listed = await client.get(CHECKLISTS, headers=headers)
        assert listed.status_code == 200
        assert listed.json()["current"]["id"] == second["id"]
        history = listed.json()["history"]
        assert [item["version"] for item in history] == [2, 1]
        assert history[1]["superseded_at"] == second["loaded_at"]
    for role in (Role.facilitator, Role.auditor):
        headers = await bearer_for(app, await make_staff(app, role))
        assert (await client.get(CHECKLISTS, headers=headers)).status_code == 403
    refused = await client.post(
        CHECKLISTS, json={"name": "x", "language": "en", "questions": TWO}, headers=supervisor
    )
    assert refused.status_code == 403
    log = await table_rows(app, "access_log", "action, purpose")
    assert [row for row in log if row[0] == "risk.checklist.load"] == [
        ("risk.checklist.load", "administration")
    ] * 2
