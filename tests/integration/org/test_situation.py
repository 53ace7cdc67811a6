"""The organisation's crisis situation: recorded with history, read by the staff it shapes."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from tests.fixtures.staff import table_rows
from tests.integration.org.directory_data import SITUATION, headers_for


async def test_nothing_recorded_reads_as_no_situation_and_no_preparation(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.get(SITUATION, headers=await headers_for(app, Role.facilitator))
    assert response.status_code == 200
    assert response.json() == {
        "current": None,
        "preparation_applies": False,
        "preparation_tasks": [],
    }


async def test_each_change_is_a_new_record_and_history_is_kept(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    first = await client.post(
        SITUATION,
        headers=await headers_for(app, Role.supervisor),
        json={"level": 2, "effective_date": "2026-03-02"},
    )
    assert first.status_code == 201, first.text
    clock.advance(days=3)
    second = await client.post(
        SITUATION,
        headers=await headers_for(app, Role.supervisor),
        json={"level": 3, "effective_date": "2026-03-05", "lockdown_date": "2026-03-09"},
    )
    assert second.status_code == 201, second.text

    reader = await headers_for(app, Role.partner_worker)
    current = (await client.get(SITUATION, headers=reader)).json()
    assert current["current"]["level"] == 3
    assert current["current"]["level_name"] == "lockdown_date_known"
    assert current["current"]["lockdown_date"] == "2026-03-09"
    assert current["preparation_applies"] is True
    assert len(current["preparation_tasks"]) == 3

    history = (await client.get(f"{SITUATION}/history", headers=reader)).json()
    assert [entry["level"] for entry in history] == [3, 2]
    assert history[1]["recorded_at"].startswith("2026-03-02T09:00")
    assert history[0]["recorded_at"].startswith("2026-03-05T09:00")


async def test_in_lockdown_preparation_no_longer_applies(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await client.post(SITUATION, headers=admin, json={"level": 4, "effective_date": "2026-03-10"})
    current = (await client.get(SITUATION, headers=admin)).json()
    assert current["current"]["level"] == 4
    assert current["preparation_applies"] is False
    assert current["preparation_tasks"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"level": 3, "effective_date": "2026-03-02"}, 422, "lockdown_date"),
        (
            {"level": 1, "effective_date": "2026-03-02", "lockdown_date": "2026-03-09"},
            422,
            "lockdown_date",
        ),
        ({"level": 5, "effective_date": "2026-03-02"}, 400, "level"),
        ({"level": 2, "effective_date": "soon"}, 400, "effective_date"),
    ],
)
async def test_invalid_situations_are_refused_naming_the_field(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = await client.post(SITUATION, headers=await headers_for(app, Role.admin), json=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await table_rows(app, "org_situation") == []


async def test_recording_the_situation_is_in_the_access_log(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.post(
        SITUATION,
        headers=await headers_for(app, Role.admin),
        json={"level": 1, "effective_date": "2026-03-02"},
    )
    rows = await table_rows(app, "access_log", "action, object_type, object_id")
    assert ("situation.record", "org_situation", response.json()["id"]) in rows
