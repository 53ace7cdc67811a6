"""Registering case systems: secrets shown once and sealed, URLs, services and keys checked."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Scope
from partner_contact.casesystems.service import case_system_for_key, case_system_for_service
from partner_contact.org.service import current_organisation
from tests.fixtures.staff import api_key_headers, auth_ctx, on_app_loop, table_rows
from tests.integration.casesystems.systems import CASE_SYSTEMS, make_admin

URL = "https://cases.example.org/hooks/partner-contact"


def _key_id(headers: dict[str, str]) -> str:
    return headers["Authorization"].split("_")[1]


async def test_the_secret_is_shown_once_and_sealed_at_rest(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    issued = await admin.register(URL, await admin.services())
    secret = issued["signing_secret"]
    assert secret.startswith("whsec_")
    assert len(secret) >= 6 + 43
    assert issued["is_enabled"] is True

    listed = await client.get(CASE_SYSTEMS, headers=admin.headers)
    assert listed.status_code == 200
    assert [system["id"] for system in listed.json()] == [issued["id"]]
    assert "signing_secret" not in listed.json()[0]
    assert secret not in listed.text

    rows = await table_rows(app, "case_system", "signing_secret")
    assert len(rows) == 1
    stored = bytes(rows[0][0])
    assert secret.encode() not in stored
    assert secret.removeprefix("whsec_").encode() not in stored

    rotated = await client.post(
        f"{CASE_SYSTEMS}/{issued['id']}/rotate-secret", headers=admin.headers
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["signing_secret"] not in (secret, "")
    actions = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert {"case_system.create", "case_system.rotate_secret"} <= set(actions)


async def test_a_webhook_url_is_checked_before_anything_is_written(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    services = await admin.services()
    body = {"name": "Cases", "webhook_url": "http://cases.example.org/hook"}
    refused = await client.post(
        CASE_SYSTEMS, headers=admin.headers, json={**body, "service_ids": services}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_case_system"
    assert [error["field"] for error in refused.json()["errors"]] == ["webhook_url"]
    assert "example.org" not in refused.text  # the value is never echoed
    assert await table_rows(app, "case_system", "id") == []
    # A receiver on this machine may use plain http.
    await admin.register("http://127.0.0.1:9000/hook", services)


async def test_services_must_be_in_the_directory_once_each(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    [service] = await admin.services()
    for service_ids in ([str(uuid.uuid4())], [service, service], [service, str(uuid.uuid4())]):
        body = {"name": "Cases", "webhook_url": URL, "service_ids": service_ids}
        response = await client.post(CASE_SYSTEMS, headers=admin.headers, json=body)
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == ["service_ids"]
    empty = await client.post(
        CASE_SYSTEMS,
        headers=admin.headers,
        json={"name": "C", "webhook_url": URL, "service_ids": []},
    )
    assert empty.status_code == 400
    assert await table_rows(app, "case_system", "id") == []


async def test_the_key_must_be_live_and_hold_a_referrals_scope(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    services = await admin.services(2)
    directory_key = _key_id(await api_key_headers(app, Scope.directory_read))
    referrals_key = _key_id(await api_key_headers(app, Scope.referrals_write))
    revoked_key = _key_id(await api_key_headers(app, Scope.referrals_read))
    assert (
        await client.delete(f"/api/v1/api-keys/{revoked_key}", headers=admin.headers)
    ).is_success
    for key_id in ("0123456789ab", directory_key, revoked_key):
        body = {"name": "C", "webhook_url": URL, "service_ids": services[:1], "api_key_id": key_id}
        response = await client.post(CASE_SYSTEMS, headers=admin.headers, json=body)
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == ["api_key_id"]
    issued = await admin.register(URL, services[:1], api_key_id=referrals_key)
    assert issued["api_key_id"] == referrals_key

    # One key, one enabled system: the key identifies the system calling back.
    taken = await client.post(
        CASE_SYSTEMS,
        headers=admin.headers,
        json={
            "name": "D",
            "webhook_url": URL,
            "service_ids": services[1:],
            "api_key_id": referrals_key,
        },
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "api_key_already_bound"


async def test_a_service_belongs_to_one_enabled_system_at_a_time(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    shared, other = await admin.services(2)
    first = await admin.register(URL, [shared])
    body = {"name": "Second", "webhook_url": URL, "service_ids": [other, shared]}
    clash = await client.post(CASE_SYSTEMS, headers=admin.headers, json=body)
    assert clash.status_code == 409
    assert clash.json()["code"] == "service_already_subscribed"

    assert (await admin.patch(first["id"], is_enabled=False)).status_code == 200
    second = await admin.register(URL, [other, shared])
    again = await admin.patch(first["id"], is_enabled=True)
    assert again.status_code == 409
    assert again.json()["code"] == "service_already_subscribed"
    moved = await admin.patch(second["id"], service_ids=[other])
    assert moved.status_code == 200
    assert (await admin.patch(first["id"], is_enabled=True)).status_code == 200


async def test_an_update_changes_only_what_it_names(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    services = await admin.services(2)
    key = _key_id(await api_key_headers(app, Scope.referrals_read, Scope.referrals_write))
    issued = await admin.register(URL, services[:1], api_key_id=key)
    clock = app.state.clock
    clock.advance(minutes=1)

    response = await admin.patch(
        issued["id"],
        name="Renamed",
        webhook_url="https://other.example.org/h",
        service_ids=services,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["webhook_url"]) == ("Renamed", "https://other.example.org/h")
    assert updated["service_ids"] == services
    assert updated["api_key_id"] == key
    assert updated["updated_at"] != issued["updated_at"]
    assert updated["secret_rotated_at"] == issued["secret_rotated_at"]
    assert "signing_secret" not in updated

    removed = await admin.patch(issued["id"], remove_api_key=True)
    assert removed.json()["api_key_id"] is None
    both = await admin.patch(issued["id"], remove_api_key=True, api_key_id=key)
    assert both.status_code == 422
    for bad_name in ("   ", "Cases\nForged line", "Cases\x00"):
        refused = await admin.patch(issued["id"], name=bad_name)
        assert refused.status_code == 422, bad_name
        assert [error["field"] for error in refused.json()["errors"]] == ["name"]
    malformed_key = await admin.patch(issued["id"], api_key_id="pc_x\x00")
    assert malformed_key.status_code == 400
    unknown = await admin.patch(issued["id"], colour="red")
    assert unknown.status_code == 400


async def test_an_unknown_case_system_is_not_found(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    unknown = f"{CASE_SYSTEMS}/{uuid.uuid4()}"
    for method, url, body in (
        ("PATCH", unknown, {"name": "X"}),
        ("POST", f"{unknown}/rotate-secret", None),
        ("GET", f"{unknown}/deliveries", None),
    ):
        response = await client.request(method, url, headers=admin.headers, json=body)
        assert response.status_code == 404, url
        assert response.json()["code"] == "case_system_not_found"


async def test_referrals_find_the_enabled_system_by_service_and_by_key(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await make_admin(app, client)
    subscribed, unsubscribed = await admin.services(2)
    key = _key_id(await api_key_headers(app, Scope.referrals_write))
    issued = await admin.register(URL, [subscribed], api_key_id=key)
    ctx = auth_ctx(app)

    async def lookups() -> list[uuid.UUID | None]:
        async with ctx.session_maker() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            found = []
            for service_id in (subscribed, unsubscribed):
                system = await case_system_for_service(
                    session, organisation_id=organisation.id, service_id=uuid.UUID(service_id)
                )
                found.append(system.id if system else None)
            by_key = await case_system_for_key(session, api_key_id=key)
            return [*found, by_key.id if by_key else None]

    system_id = uuid.UUID(issued["id"])
    assert await on_app_loop(app, lookups) == [system_id, None, system_id]
    await admin.patch(issued["id"], is_enabled=False)
    assert await on_app_loop(app, lookups) == [None, None, None]
