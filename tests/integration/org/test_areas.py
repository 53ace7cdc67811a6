"""Areas and what is known of help there: confirmations keep history and go stale."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from tests.fixtures.staff import table_rows
from tests.integration.org.directory_data import AREAS, headers_for, make_area


def _facts(area: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {fact["fact"]: fact for fact in area["facts"]}


async def test_a_new_area_has_every_fact_unknown_and_stale(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    area_id = await make_area(client, await headers_for(app, Role.admin))
    area = (
        await client.get(f"{AREAS}/{area_id}", headers=await headers_for(app, Role.partner_worker))
    ).json()
    assert set(_facts(area)) == {
        "police_respond",
        "shelters_operate",
        "shelters_take_new_women",
        "courts_function",
    }
    assert all(
        f["value"] == "unknown" and f["is_stale"] and f["confirmed_at"] is None
        for f in area["facts"]
    )


async def test_area_names_are_unique_and_can_be_changed(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    north = await make_area(client, admin, "North")
    await make_area(client, admin, "South")
    taken = await client.patch(f"{AREAS}/{north}", headers=admin, json={"name": "South"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "name"
    renamed = await client.patch(f"{AREAS}/{north}", headers=admin, json={"name": "North-East"})
    assert renamed.json()["name"] == "North-East"
    listed = (await client.get(AREAS, headers=admin)).json()
    assert [a["name"] for a in listed] == ["North-East", "South"]


async def test_confirming_a_fact_adds_to_its_history(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    area_id = await make_area(client, await headers_for(app, Role.admin))
    admin = await headers_for(app, Role.admin)
    first = await client.post(
        f"{AREAS}/{area_id}/confirmations",
        headers=admin,
        json={"police_respond": "yes", "shelters_operate": "yes"},
    )
    assert first.status_code == 201, first.text
    clock.advance(hours=2)
    admin = await headers_for(app, Role.admin)
    second = await client.post(
        f"{AREAS}/{area_id}/confirmations", headers=admin, json={"shelters_operate": "no"}
    )
    facts = _facts(second.json())
    assert facts["police_respond"]["value"] == "yes"
    assert facts["shelters_operate"]["value"] == "no"
    assert facts["shelters_operate"]["confirmed_at"].startswith("2026-03-02T11:00")
    assert facts["courts_function"]["value"] == "unknown"

    history = (await client.get(f"{AREAS}/{area_id}/confirmations", headers=admin)).json()
    assert [(h["fact"], h["value"]) for h in history] == [
        ("shelters_operate", "no"),
        ("police_respond", "yes"),
        ("shelters_operate", "yes"),
    ]
    logged = await table_rows(app, "access_log", "action, object_id")
    assert logged.count(("area.confirm", area_id)) == 2


@pytest.mark.parametrize(
    ("days", "seconds", "stale"), [(14, 0, False), (14, 1, True), (3, 0, False)]
)
async def test_a_fact_turns_stale_just_after_fourteen_days(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    clock: ManualClock,
    days: int,
    seconds: int,
    stale: bool,
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    await client.post(
        f"{AREAS}/{area_id}/confirmations", headers=admin, json={"courts_function": "yes"}
    )
    clock.advance(days=days, seconds=seconds)
    reader = await headers_for(app, Role.supervisor)
    area = (await client.get(f"{AREAS}/{area_id}", headers=reader)).json()
    assert _facts(area)["courts_function"]["is_stale"] is stale


async def test_the_staleness_limit_can_be_chosen_within_bounds(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    await client.post(
        f"{AREAS}/{area_id}/confirmations", headers=admin, json={"police_respond": "no"}
    )
    clock.advance(days=3)
    reader = await headers_for(app, Role.partner_worker)
    short = (await client.get(AREAS, headers=reader, params={"stale_after_days": 2})).json()
    assert _facts(short[0])["police_respond"]["is_stale"] is True
    for bad in (0, 366):
        refused = await client.get(AREAS, headers=reader, params={"stale_after_days": bad})
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == "stale_after_days"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"police_respond": "maybe"}, 400, "police_respond"),
        ({"weather": "yes"}, 400, "weather"),
        ({}, 422, "body"),
    ],
)
async def test_invalid_confirmations_are_refused_naming_the_field(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, str],
    status: int,
    field: str,
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    response = await client.post(f"{AREAS}/{area_id}/confirmations", headers=admin, json=body)
    assert response.status_code == status
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await table_rows(app, "area_fact_confirmation") == []


async def test_confirming_facts_of_an_unknown_area_is_not_found(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.post(
        f"{AREAS}/00000000-0000-4000-8000-000000000000/confirmations",
        headers=await headers_for(app, Role.admin),
        json={"police_respond": "yes"},
    )
    assert response.status_code == 404
