"""A threat to kill raises alerts her worker can read and acknowledge; nothing flows back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.partners.cases import Case, create_partner, make_case

ALERTS = "/api/v1/alerts"
ALERT_FIELDS = {
    "id",
    "partner_id",
    "outreach_id",
    "occurred_at",
    "kind",
    "priority",
    "created_at",
    "acknowledged_at",
    "acknowledged_by",
}


async def _threat(client: AsyncTestClient[Litestar], case: Case) -> None:
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/events",
        json={"kind": "threat_disclosed", "threat_to_kill": True},
        headers=case.facilitator_headers,
    )
    assert response.status_code == 201, response.text


async def _alerts(
    client: AsyncTestClient[Litestar], headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(ALERTS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_threat_to_kill_alerts_her_worker_and_supervisor_newest_first(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    case = await make_case(app)
    first = await create_partner(client, case)
    second = await create_partner(client, case, alias="Ivy")
    await client.post(
        f"/api/v1/participants/{case.participant_id}/events",
        json={"kind": "threat_disclosed"},
        headers=case.facilitator_headers,
    )
    assert await _alerts(client, case.worker_headers) == []
    await _threat(client, case)
    clock.advance(seconds=90)
    await _threat(client, case)

    items = await _alerts(client, case.worker_headers)
    assert len(items) == 4
    assert all(set(item) == ALERT_FIELDS for item in items)
    assert {item["partner_id"] for item in items} == {first["id"], second["id"]}
    assert {(item["kind"], item["priority"]) for item in items} == {("threat_to_kill", "urgent")}
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)
    assert created[0] != created[-1]
    assert len(await _alerts(client, case.supervisor_headers)) == 4

    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    assert await _alerts(client, stranger) == []


async def test_acknowledging_keeps_who_and_when_is_idempotent_and_logged(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    case = await make_case(app)
    await create_partner(client, case)
    await _threat(client, case)
    (alert,) = await _alerts(client, case.worker_headers)
    acknowledged_at = clock()

    response = await client.post(f"{ALERTS}/{alert['id']}/acknowledge", headers=case.worker_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["acknowledged_by"] == str(case.worker.user.id)
    assert datetime.fromisoformat(body["acknowledged_at"]) == acknowledged_at

    clock.advance(seconds=120)
    again = await client.post(
        f"{ALERTS}/{alert['id']}/acknowledge", headers=case.supervisor_headers
    )
    assert again.status_code == 200
    assert again.json() == body

    assert await _alerts(client, case.worker_headers) == []
    (listed,) = await _alerts(client, case.worker_headers, include_acknowledged="true")
    assert listed == body
    stored = await table_rows(app, "partner_alert", "acknowledged_at, acknowledged_by")
    assert [(at is not None, uuid.UUID(str(by))) for at, by in stored] == [
        (True, case.worker.user.id)
    ]
    log = await table_rows(app, "access_log", "action, object_id, outcome")
    assert [row for row in log if row[0] == "partner_alert.acknowledge"] == [
        ("partner_alert.acknowledge", alert["id"], "succeeded")
    ] * 2


async def test_alerts_out_of_reach_are_404_and_the_facilitator_never_sees_them(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await create_partner(client, case)
    clearance_url = f"/api/v1/participants/{case.participant_id}/clearance"
    before = (await client.get(clearance_url, headers=case.facilitator_headers)).content
    await _threat(client, case)
    (alert,) = await _alerts(client, case.worker_headers)

    assert (await client.get(ALERTS, headers=case.facilitator_headers)).status_code == 403
    refused = await client.post(
        f"{ALERTS}/{alert['id']}/acknowledge", headers=case.facilitator_headers
    )
    assert refused.status_code == 403
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    for headers, alert_id in ((stranger, alert["id"]), (case.worker_headers, uuid.uuid4())):
        missing = await client.post(f"{ALERTS}/{alert_id}/acknowledge", headers=headers)
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"

    acknowledged = await client.post(
        f"{ALERTS}/{alert['id']}/acknowledge", headers=case.worker_headers
    )
    assert acknowledged.status_code == 200
    after = (await client.get(clearance_url, headers=case.facilitator_headers)).content
    assert after == before


async def test_alerts_page_with_a_cursor(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    case = await make_case(app)
    await create_partner(client, case)
    for _ in range(3):
        await _threat(client, case)
        clock.advance(seconds=30)
    everything = await _alerts(client, case.worker_headers)

    first = await client.get(ALERTS, params={"limit": 2}, headers=case.worker_headers)
    page = first.json()
    assert [item["id"] for item in page["items"]] == [item["id"] for item in everything[:2]]
    assert page["next_cursor"]
    second = await client.get(
        ALERTS, params={"limit": 2, "cursor": page["next_cursor"]}, headers=case.worker_headers
    )
    assert [item["id"] for item in second.json()["items"]] == [everything[2]["id"]]
    assert second.json()["next_cursor"] is None

    bad = await client.get(ALERTS, params={"cursor": "not-a-cursor"}, headers=case.worker_headers)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"
