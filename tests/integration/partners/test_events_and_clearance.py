"""Events about him become tasks for her worker; the facilitator sees only a yes/no."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, table_rows
from tests.integration.partners.cases import create_partner, make_case, make_participant


async def test_an_event_creates_one_task_per_partner_and_a_threat_to_kill_an_alert(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    first = await create_partner(client, case)
    second = await create_partner(client, case, alias="Ivy", relationship="former_living_with_him")
    events = f"/api/v1/participants/{case.participant_id}/events"
    dropped = await client.post(
        events, json={"kind": "dropped_out"}, headers=case.facilitator_headers
    )
    assert dropped.status_code == 201
    threat = await client.post(
        events,
        json={"kind": "threat_disclosed", "threat_to_kill": True},
        headers=case.facilitator_headers,
    )
    assert threat.status_code == 201
    tasks = (await client.get("/api/v1/tasks", headers=case.worker_headers)).json()
    assert len(tasks) == 4
    assert {t["partner_id"] for t in tasks} == {first["id"], second["id"]}
    assert [t["priority"] for t in tasks[:2]] == ["urgent", "urgent"]
    assert {t["reason"] for t in tasks[2:]} == {"dropped_out"}
    assert len(await table_rows(app, "partner_alert", "level")) == 2
    supervisor_tasks = (await client.get("/api/v1/tasks", headers=case.supervisor_headers)).json()
    assert len(supervisor_tasks) == 4


async def test_a_threat_to_kill_must_be_a_disclosed_threat(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/events",
        json={"kind": "missed_session", "threat_to_kill": True},
        headers=case.facilitator_headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "threat_to_kill"


async def test_only_his_facilitator_records_events(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    other = await bearer_for(app, await make_staff(app, Role.facilitator))
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/events",
        json={"kind": "missed_session"},
        headers=other,
    )
    assert response.status_code == 404
    clearance = await client.get(
        f"/api/v1/participants/{case.participant_id}/clearance", headers=other
    )
    assert clearance.status_code == 404


async def test_facilitator_view_says_nothing_of_partners_and_never_changes(
    app: Litestar, client: AsyncTestClient[Litestar], clock: object
) -> None:
    case = await make_case(app)
    lonely = await make_participant(app, facilitator_id=case.facilitator.user.id)
    for _ in range(3):
        await create_partner(client, case)

    async def facilitator_view(participant_id: object) -> tuple[bytes, dict[str, object]]:
        clearance = await client.get(
            f"/api/v1/participants/{participant_id}/clearance", headers=case.facilitator_headers
        )
        event = await client.post(
            f"/api/v1/participants/{participant_id}/events",
            json={"kind": "moved_back_home"},
            headers=case.facilitator_headers,
        )
        body = event.json()
        return clearance.content, {k: v for k, v in body.items() if k != "id"}

    with_partners = await facilitator_view(case.participant_id)
    without_partners = await facilitator_view(lonely)
    assert with_partners == without_partners
    assert with_partners[0] == b'{"contact_permitted":false,"review_after":null}'
    tasks = (await client.get("/api/v1/tasks", headers=case.worker_headers)).json()
    assert len(tasks) == 3
    for task in tasks:
        done = await client.post(f"/api/v1/tasks/{task['id']}/done", headers=case.worker_headers)
        assert done.status_code == 200
        assert done.json()["done_at"] is not None
    assert await facilitator_view(case.participant_id) == with_partners


async def test_supervisor_reads_clearance_with_exactly_two_keys(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await create_partner(client, case)
    response = await client.get(
        f"/api/v1/participants/{case.participant_id}/clearance", headers=case.supervisor_headers
    )
    assert response.status_code == 200
    assert set(response.json()) == {"contact_permitted", "review_after"}
