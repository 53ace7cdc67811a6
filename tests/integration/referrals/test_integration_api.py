"""What a service's case system receives: queued events and its own scoped API.

Each case system is registered through the case-systems admin API and bound to one key.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Scope
from partner_contact.partners.models import Partner
from tests.fixtures.canaries import find_canaries
from tests.fixtures.staff import api_key_headers, auth_ctx, on_app_loop, table_rows
from tests.integration.referrals.world import (
    ALIAS,
    EMAIL,
    NOTE,
    PHONE,
    SHARE_ALL,
    WINDOW,
    deliveries,
    key_id_of,
    make_world,
)

CANARIES = (ALIAS, PHONE, EMAIL, NOTE)
INTEGRATION = "/api/v1/integrations/referrals"
THE_REFERRAL_ITSELF = {"reference", "service_id", "service_name", "referred_on", "language"}


async def listed(
    client: AsyncTestClient[Litestar], headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    response = await client.get(INTEGRATION, params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def test_by_default_the_service_gets_the_referral_itself_and_nothing_of_her(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service(name="Harbour refuge")
    key = await world.case_system([service_id])
    sent = await world.sent_referral(service_id, note=NOTE)
    assert (sent["status"], sent["delivery"]) == ("sent", "case_system")

    [(kind, payload)] = await deliveries(app, sent["id"])
    assert kind == "referral.sent"
    assert payload == {
        "reference": sent["id"],
        "service_id": service_id,
        "service_name": "Harbour refuge",
        "referred_on": "2026-03-02",
        "language": "en",
    }
    [pulled] = await listed(client, key)
    assert pulled["payload"] == payload
    assert find_canaries(str(pulled), CANARIES) == []
    assert WINDOW["start"] not in str(pulled)
    stored = await table_rows(app, "case_system_delivery", "payload")
    assert find_canaries(str(stored), CANARIES) == []


async def test_the_service_gets_exactly_the_fields_she_agreed_to_as_they_are_now(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    key = await world.case_system([service_id])
    referral = await world.propose(service_id, note=NOTE)
    await world.agree(referral["id"], ["phone", "note"])
    new_phone = "+447700900456"
    changed = await client.patch(
        f"/api/v1/partners/{world.partner_id}", json={"phone": new_phone}, headers=world.headers
    )
    assert changed.status_code == 200, changed.text
    await world.send(referral["id"])

    [(_, payload)] = await deliveries(app, referral["id"])
    assert set(payload) == THE_REFERRAL_ITSELF | {"phone", "note"}
    assert (payload["phone"], payload["note"]) == (new_phone, NOTE)
    assert find_canaries(str(payload), (ALIAS, PHONE, EMAIL)) == []

    second_partner = await world.partner()
    world.app.state.clock.advance(minutes=1)  # the list is in the order they were sent
    everything = await world.propose(service_id, partner_id=second_partner, note="Mornings")
    await world.agree(everything["id"], SHARE_ALL)
    await world.send(everything["id"])
    [(_, full)] = await deliveries(app, everything["id"])
    assert set(full) == THE_REFERRAL_ITSELF | set(SHARE_ALL)
    assert (full["alias"], full["phone"], full["email"]) == (ALIAS, PHONE, EMAIL)
    assert full["safe_times"] == {"time_zone": "Europe/London", "windows": [WINDOW]}
    assert [item["payload"] for item in await listed(client, key)] == [payload, full]


async def test_a_key_sees_only_its_case_systems_referrals_and_acknowledges_them(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    ours, theirs, unsubscribed = [await world.service() for _ in range(3)]
    key = await world.case_system([ours])
    other_key = await world.case_system([theirs])
    mine = await world.sent_referral(ours)
    other = await world.sent_referral(theirs)
    by_hand = await world.sent_referral(unsubscribed)
    not_sent = await world.propose(ours, partner_id=await world.partner())
    assert by_hand["delivery"] == "manual"

    assert [item["id"] for item in await listed(client, key)] == [mine["id"]]
    assert [item["id"] for item in await listed(client, other_key)] == [other["id"]]
    for referral in (other, by_hand, not_sent):
        response = await client.get(f"{INTEGRATION}/{referral['id']}", headers=key)
        assert response.status_code == 404
        ack = await client.post(f"{INTEGRATION}/{referral['id']}/acknowledge", json={}, headers=key)
        assert ack.status_code == 404

    url = f"{INTEGRATION}/{mine['id']}/acknowledge"
    bad = await client.post(url, json={"reference": "CASE 42; DROP"}, headers=key)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "reference")
    acked = await client.post(url, json={"reference": "HR-2026/0042"}, headers=key)
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    again = await client.post(url, json={"reference": "HR-OTHER"}, headers=key)
    assert (again.status_code, again.json()) == (200, acked.json())

    read = await client.get(f"{INTEGRATION}/{mine['id']}", headers=key)
    assert read.status_code == 200, read.text
    assert (read.json()["status"], read.json()["service_reference"]) == (
        "acknowledged",
        "HR-2026/0042",
    )
    assert await listed(client, key, status="sent") == []
    worker_view = await client.get(f"/api/v1/referrals/{mine['id']}", headers=world.headers)
    assert (worker_view.json()["status"], worker_view.json()["service_reference"]) == (
        "acknowledged",
        "HR-2026/0042",
    )
    assert b"HR-2026" not in str(await table_rows(app, "referral", "service_reference")).encode()


async def test_keys_without_a_case_system_or_the_scope_are_refused(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    unbound = await api_key_headers(app, Scope.referrals_read, Scope.referrals_write)
    read_only = await world.case_system([service_id], Scope.referrals_read)
    referral = await world.sent_referral(service_id, ["alias"])
    for method, path in (
        ("GET", INTEGRATION),
        ("GET", f"{INTEGRATION}/{referral['id']}"),
        ("POST", f"{INTEGRATION}/{referral['id']}/acknowledge"),
    ):
        response = await client.request(method, path, json={}, headers=unbound)
        assert (response.status_code, response.json()["code"]) == (403, "not_a_case_system")
        assert find_canaries(response.text, CANARIES) == []
    refused = await client.post(
        f"{INTEGRATION}/{referral['id']}/acknowledge", json={}, headers=read_only
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert [item["payload"]["alias"] for item in await listed(client, read_only)] == [ALIAS]
    staff = await client.get(INTEGRATION, headers=world.headers)
    assert staff.status_code == 403


async def test_every_read_by_a_case_system_is_logged_with_its_key(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    key = await world.case_system([service_id])
    key_id = key_id_of(key)
    first = await world.sent_referral(service_id)
    world.app.state.clock.advance(minutes=1)  # the list is in the order they were sent
    second = await world.sent_referral(service_id, partner_id=await world.partner())
    await listed(client, key)
    await client.post(f"{INTEGRATION}/{first['id']}/acknowledge", json={}, headers=key)
    await client.get(f"{INTEGRATION}/{second['id']}", headers=key)

    log = await table_rows(app, "access_log", "actor_kind, actor_id, action, purpose, object_id")
    by_key = [row[2:] for row in log if row[:2] == ("api_key", key_id)]
    assert by_key == [
        ("referral.read", "referral", first["id"]),
        ("referral.read", "referral", second["id"]),
        ("referral.acknowledge", None, first["id"]),
        ("referral.read", "referral", second["id"]),
    ]


async def test_a_withdrawal_tells_the_case_system_to_delete_it_with_just_the_reference(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    key = await world.case_system([service_id])
    sent = await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    world.app.state.clock.advance(minutes=1)
    withdrawn = await world.act(sent["id"], "withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["outcome"], withdrawn.json()["withdrawal_delivery"]) == (
        "withdrawn",
        "case_system",
    )
    again = await world.act(sent["id"], "withdraw")
    assert again.json() == withdrawn.json()

    # Not posted yet, the referral itself is cancelled with her data: it never goes now.
    states = await table_rows(app, "case_system_delivery", "kind, status, last_error_code")
    assert sorted(states) == [
        ("referral.sent", "failed", "withdrawn"),
        ("referral.withdrawn", "pending", None),
    ]
    assert await deliveries(app, sent["id"]) == [("referral.withdrawn", {"reference": sent["id"]})]
    assert await listed(client, key) == []
    gone = await client.get(f"{INTEGRATION}/{sent['id']}", headers=key)
    assert gone.status_code == 404


async def test_sending_twice_queues_one_event(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    await world.case_system([service_id])
    referral = await world.propose(service_id)
    await world.agree(referral["id"])
    first = await world.send(referral["id"])
    world.app.state.clock.advance(minutes=1)
    assert await world.send(referral["id"]) == first
    assert [kind for kind, _ in await deliveries(app, referral["id"])] == ["referral.sent"]


async def test_once_she_is_erased_a_case_system_reads_nothing_of_her(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    key = await world.case_system([service_id])
    sent = await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    ctx = auth_ctx(app)

    async def shred_her_key() -> None:
        async with ctx.session_maker.begin() as session:
            partner = await session.get_one(Partner, uuid.UUID(world.partner_id))
            await ctx.cipher().shred(session, partner.data_key_id)

    await on_app_loop(app, shred_her_key)
    assert await listed(client, key) == []
    gone = await client.get(f"{INTEGRATION}/{sent['id']}", headers=key)
    assert gone.status_code == 404


async def test_a_key_loses_a_referral_once_its_service_moves_to_another_system(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    moving, staying = await world.service(), await world.service()
    key = await world.case_system([moving, staying])
    sent = await world.sent_referral(moving, ["phone"])
    assert [item["id"] for item in await listed(client, key)] == [sent["id"]]

    systems = (await client.get("/api/v1/case-systems", headers=world.admin)).json()
    [ours] = [system for system in systems if system["api_key_id"] == key_id_of(key)]
    moved = await client.patch(
        f"/api/v1/case-systems/{ours['id']}", json={"service_ids": [staying]}, headers=world.admin
    )
    assert moved.status_code == 200, moved.text
    new_key = await world.case_system([moving])

    for headers in (key, new_key):  # neither the old system nor the new one reaches it
        assert await listed(client, headers) == []
        for method, path in (
            ("GET", f"{INTEGRATION}/{sent['id']}"),
            ("POST", f"{INTEGRATION}/{sent['id']}/acknowledge"),
        ):
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status_code == 404
            assert find_canaries(response.text, CANARIES) == []
