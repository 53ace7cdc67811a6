"""Her own view of her risk: a scale and her words, sealed, kept apart, read with a log entry."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.canaries import find_canaries
from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import make_flow
from tests.integration.risk.steps import CANARY, get, load_checklist, post, record, risk_url

# (case, request body, status, the fields its problem names)
INVALID: list[tuple[str, dict[str, Any], int, str]] = [
    ("scale-missing", {}, 400, "scale"),
    ("scale-below-1", {"scale": 0}, 400, "scale"),
    ("scale-above-5", {"scale": 6}, 400, "scale"),
    ("scale-not-whole", {"scale": 2.5}, 400, "scale"),
    ("scale-not-a-number", {"scale": "safe"}, 400, "scale"),
    ("words-empty", {"scale": 3, "words": ""}, 400, "words"),
    ("words-blank", {"scale": 3, "words": "  \n "}, 422, "words"),
    ("words-too-long", {"scale": 3, "words": CANARY * 100}, 400, "words"),
    ("words-control", {"scale": 3, "words": CANARY + "\x07"}, 422, "words"),
    ("may-share-not-bool", {"scale": 3, "may_share": "yes"}, 400, "may_share"),
    ("outreach-bad", {"scale": 3, "outreach_id": "x"}, 400, "outreach_id"),
    (
        "outreach-not-hers",
        {"scale": 3, "outreach_id": "00000000-0000-4000-8000-000000000000"},
        422,
        "outreach_id",
    ),
    ("unknown-field", {"scale": 3, "band": "high"}, 400, "band"),
]


async def test_each_field_of_her_view_is_checked_without_echoing_it(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    for case, body, status, field in INVALID:
        problem = await post(flow, risk_url(flow, "her-view"), body, status)
        assert [error["field"] for error in problem["errors"]] == [field], case
        assert "canary" not in str(problem), case
    assert await table_rows(app, "risk_her_view", "id") == []


async def test_her_view_is_sealed_listed_newest_first_and_every_read_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    first = await post(
        flow,
        risk_url(flow, "her-view"),
        {"scale": 1, "words": f"  {CANARY}\n", "outreach_id": outreach["id"]},
    )
    assert first["has_words"] is True
    assert first["may_share"] is False  # never shared unless she says so
    assert "canary" not in str(first)
    await flow.advance(hours=2)
    second = await post(flow, risk_url(flow, "her-view"), {"scale": 5, "may_share": True})
    assert (second["has_words"], second["may_share"]) == (False, True)

    stored = await table_rows(app, "risk_her_view", "words")
    assert all(find_canaries(bytes(row[0] or b""), [CANARY]) == [] for row in stored)
    history = await get(flow, risk_url(flow, "her-view"))
    assert [(item["id"], item["scale"], item["words"]) for item in history] == [
        (second["id"], 5, None),
        (first["id"], 1, CANARY),
    ]
    assert history[1]["outreach_id"] == outreach["id"]
    assert history[1]["recorded_by"] == str(flow.case.worker.user.id)

    summary = await get(flow, risk_url(flow))
    assert summary["her_view"] == {
        "id": second["id"],
        "scale": 5,
        "recorded_at": second["recorded_at"],
    }
    assert "canary" not in str(summary)
    log = await table_rows(app, "access_log", "action, purpose")
    assert [row for row in log if row[0].startswith("risk.")] == [
        ("risk.her_view.create", None),
        ("risk.her_view.create", None),
        ("risk.her_view.read", "call"),
        ("risk.summary", "safety_review"),
    ]
    assert "canary" not in str(await table_rows(app, "access_log"))


async def test_she_can_give_and_withdraw_sharing_of_each_risk_record_and_each_call_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    view = await post(flow, risk_url(flow, "her-view"), {"scale": 2, "words": CANARY})
    checklist = await load_checklist(flow)
    done = await record(flow, checklist["id"], 3, may_share=True)
    urls = [
        risk_url(flow, f"her-view/{view['id']}/sharing"),
        risk_url(flow, f"checklists/{done['id']}/sharing"),
    ]
    for url, was in zip(urls, (False, True), strict=True):
        for may_share in (not was, was, was):
            response = await client.put(url, json={"may_share": may_share}, headers=flow.headers)
            assert response.status_code == 200, response.text
            assert response.json()["may_share"] is may_share
            assert "canary" not in response.text
    assert [item["may_share"] for item in await get(flow, risk_url(flow, "her-view"))] == [False]
    assert [item["may_share"] for item in await get(flow, risk_url(flow, "checklists"))] == [True]

    log = await table_rows(app, "access_log", "action, object_id")
    assert [row for row in log if row[0].endswith(".sharing")] == [
        ("risk.her_view.sharing", view["id"])
    ] * 3 + [("risk.checklist.sharing", done["id"])] * 3


async def test_sharing_reaches_only_her_own_records_and_bad_input_changes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    other = await make_flow(app, client)
    view = await post(flow, risk_url(flow, "her-view"), {"scale": 2})
    # Her record id under another partner's path, and under a stranger's worker.
    wrong_partner = risk_url(other, f"her-view/{view['id']}/sharing")
    response = await client.put(wrong_partner, json={"may_share": True}, headers=other.headers)
    assert response.status_code == 404, response.text
    mine = risk_url(flow, f"her-view/{view['id']}/sharing")
    response = await client.put(mine, json={"may_share": True}, headers=other.headers)
    assert response.status_code == 404, response.text
    for body in ({}, {"may_share": "yes"}, {"may_share": True, "extra": 1}):
        response = await client.put(mine, json=body, headers=flow.headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await table_rows(app, "risk_her_view", "may_share") == [(False,)]
