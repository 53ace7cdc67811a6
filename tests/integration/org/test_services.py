"""The services directory: validated entries, filters, stable pages, who may read it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role, Scope
from partner_contact.clock import ManualClock
from partner_contact.org.directory import operating_services
from tests.fixtures.staff import api_key_headers, auth_ctx, on_app_loop, table_rows
from tests.integration.org.directory_data import SERVICES, headers_for, make_area, service_body


async def _create(
    client: AsyncTestClient[Litestar], admin: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(SERVICES, headers=admin, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_created_service_reads_back_normalised(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    body = service_body(area_id)
    body["opening_hours"]["periods"].reverse()
    created = await _create(client, admin, body)
    assert created["phone"] == "+4315440820"
    assert [p["weekday"] for p in created["opening_hours"]["periods"]] == ["mon", "tue"]
    assert created["operating_confirmed_at"].startswith("2026-03-02T09:00")
    key = await api_key_headers(app, Scope.directory_read)
    fetched = await client.get(f"{SERVICES}/{created['id']}", headers=key)
    assert fetched.json() == created
    logged = await table_rows(app, "access_log", "action, object_id")
    assert ("service.create", created["id"]) in logged


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"phone": "0800 123"}, 422, "phone"),
        (
            {"opening_hours": {"time_zone": "Mars/Olympus", "periods": []}},
            422,
            "opening_hours.time_zone",
        ),
        (
            {
                "opening_hours": {
                    "time_zone": "Europe/Vienna",
                    "periods": [
                        {"weekday": "mon", "opens": "09:00", "closes": "13:00"},
                        {"weekday": "mon", "opens": "12:00", "closes": "17:00"},
                    ],
                }
            },
            422,
            "opening_hours.periods[1]",
        ),
        (
            {
                "opening_hours": {
                    "time_zone": "Europe/Vienna",
                    "periods": [{"weekday": "mon", "opens": "09:00", "closes": "09:00"}],
                }
            },
            422,
            "opening_hours.periods[0]",
        ),
        (
            {
                "opening_hours": {
                    "time_zone": "Europe/Vienna",
                    "periods": [{"weekday": "mon", "opens": "09:00", "closes": "26:00"}],
                }
            },
            422,
            "opening_hours.periods[0].closes",
        ),
        (
            {
                "opening_hours": {
                    "time_zone": "Europe/Vienna",
                    "periods": [{"weekday": "someday", "opens": "09:00", "closes": "10:00"}],
                }
            },
            400,
            "opening_hours.periods[0].weekday",
        ),
        ({"languages": ["zz"]}, 422, "languages[0]"),
        ({"referral_endpoint": "http://cases.example.org/referrals"}, 422, "referral_endpoint"),
        ({"accepts_self_referral": "perhaps"}, 400, "accepts_self_referral"),
        ({"area_id": "00000000-0000-4000-8000-000000000000"}, 422, "area_id"),
    ],
)
async def test_invalid_entries_are_refused_naming_the_field(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    overrides: dict[str, Any],
    status: int,
    field: str,
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    response = await client.post(
        SERVICES, headers=admin, json={**service_body(area_id), **overrides}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await table_rows(app, "support_service") == []


async def test_an_invalid_phone_is_not_echoed(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    response = await client.post(
        SERVICES, headers=admin, json=service_body(area_id, phone="+44 7911 12")
    )
    assert response.status_code == 422
    assert "7911" not in response.text


async def test_editing_reconfirms_operation_and_deactivating_hides_from_the_list(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    created = await _create(client, admin, service_body(area_id))
    clock.advance(hours=1)
    admin = await headers_for(app, Role.admin)
    closed = await client.patch(
        f"{SERVICES}/{created['id']}",
        headers=admin,
        json={"is_operating_now": False, "remove_referral_endpoint": True},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["is_operating_now"] is False
    assert closed.json()["operating_confirmed_at"].startswith("2026-03-02T10:00")
    assert closed.json()["referral_endpoint"] is None
    await client.patch(f"{SERVICES}/{created['id']}", headers=admin, json={"is_active": False})
    listed = (await client.get(SERVICES, headers=admin)).json()
    assert listed == {"services": [], "next_cursor": None}
    still_readable = await client.get(f"{SERVICES}/{created['id']}", headers=admin)
    assert still_readable.json()["is_active"] is False


async def test_a_name_is_used_once_per_area(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    await _create(client, admin, service_body(area_id, name="Frauenhelpline"))
    again = await client.post(
        SERVICES, headers=admin, json=service_body(area_id, name="Frauenhelpline")
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "name"


async def test_filters_narrow_the_list(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin = await headers_for(app, Role.admin)
    north = await make_area(client, admin, "North")
    south = await make_area(client, admin, "South")
    await _create(client, admin, service_body(north, name="A open"))
    await _create(client, admin, service_body(north, name="B closed", is_operating_now=False))
    await _create(client, admin, service_body(south, name="C agency", accepts_self_referral=False))
    reader = await headers_for(app, Role.partner_worker)

    async def names(**params: Any) -> list[str]:
        page = (await client.get(SERVICES, headers=reader, params=params)).json()
        return [s["name"] for s in page["services"]]

    assert await names() == ["A open", "B closed", "C agency"]
    assert await names(area_id=north) == ["A open", "B closed"]
    assert await names(operating_now="true") == ["A open", "C agency"]
    assert await names(accepts_self_referral="false") == ["C agency"]

    organisation_id = uuid.UUID(str((await table_rows(app, "organisation", "id"))[0][0]))

    async def suggest() -> list[str]:
        async with auth_ctx(app).session_maker() as session:
            found = await operating_services(session, organisation_id, uuid.UUID(north))
            return [s.name for s in found]

    assert await on_app_loop(app, suggest) == ["A open"]


async def test_pages_stay_stable_while_services_are_added(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    area_id = await make_area(client, admin)
    for name in ["Beta", "Delta", "Alpha", "Echo", "Charlie"]:
        await _create(client, admin, service_body(area_id, name=name))
    key = await api_key_headers(app, Scope.directory_read)
    seen: list[str] = []
    page = (await client.get(SERVICES, headers=key, params={"limit": 2})).json()
    seen += [s["name"] for s in page["services"]]
    # Added before the cursor and after it: the first is not seen, the second is, none twice.
    await _create(client, admin, service_body(area_id, name="Aardvark"))
    await _create(client, admin, service_body(area_id, name="Zulu"))
    while page["next_cursor"]:
        page = (
            await client.get(
                SERVICES, headers=key, params={"limit": 2, "cursor": page["next_cursor"]}
            )
        ).json()
        seen += [s["name"] for s in page["services"]]
    assert seen == ["Alpha", "Beta", "Charlie", "Delta", "Echo", "Zulu"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "not-a-cursor"}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 201}, "limit")],
)
async def test_bad_paging_parameters_are_refused(
    app: Litestar, client: AsyncTestClient[Litestar], params: dict[str, Any], field: str
) -> None:
    response = await client.get(
        SERVICES, headers=await headers_for(app, Role.supervisor), params=params
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


async def test_keys_without_the_directory_scope_are_refused(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    key = await api_key_headers(app, Scope.referrals_read)
    assert (await client.get(SERVICES, headers=key)).status_code == 403
    facilitator = await headers_for(app, Role.facilitator)
    assert (await client.get(SERVICES, headers=facilitator)).status_code == 403
