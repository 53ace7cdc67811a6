"""Referrals posted to a case system's webhook, as an independent receiver sees them.

What matters here is what she withdrew: once she takes a referral back, her data must
not reach the case system any more, whatever state its first delivery was in, and the
system that was queued her data is the one told to delete it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.casesystems.delivery import DeliveryReport, DeliveryWorker
from partner_contact.clock import ManualClock
from partner_contact.partners.models import Partner
from partner_contact.settings import AuthSettings, CaseSystemSettings, Settings
from tests.fixtures.canaries import find_canaries
from tests.fixtures.case_system_receiver import CaseSystemReceiver
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import auth_ctx, on_app_loop, table_rows
from tests.integration.casesystems.systems import Admin, run_worker
from tests.integration.referrals.world import (
    ALIAS,
    EMAIL,
    NOTE,
    PHONE,
    SHARE_ALL,
    World,
    make_world,
)

CANARIES = (ALIAS, PHONE, EMAIL, NOTE)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Staff sessions outlive the clock moving on between retries."""
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
        case_systems=CaseSystemSettings(run_worker=False, timeout_seconds=2),
    )


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[CaseSystemReceiver]:
    with CaseSystemReceiver(clock=lambda: clock().timestamp()) as receiver:
        yield receiver


async def _system_at(
    world: World, receiver: CaseSystemReceiver, service_ids: list[str]
) -> tuple[Admin, str]:
    admin = Admin(world.app, world.client, world.admin)
    issued = await admin.register(receiver.url, service_ids)
    receiver.secret = issued["signing_secret"]
    return admin, str(issued["id"])


def _by_kind(deliveries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {delivery["kind"]: delivery for delivery in deliveries}


async def test_a_referral_withdrawn_before_it_was_delivered_is_never_posted(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    receiver.fail_next(1)
    sent = await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    assert (await run_worker(app)).retrying == 1  # refused: the system holds nothing yet

    withdrawn = await world.act(sent["id"], "withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawal_delivery"] == "case_system"
    for _ in range(4):
        clock.advance(minutes=10)
        await run_worker(app)

    assert [event["type"] for event in receiver.events] == ["referral.withdrawn"]
    assert receiver.events[0]["data"] == {"reference": sent["id"]}
    assert find_canaries(str(receiver.events), CANARIES) == []
    events = _by_kind(await admin.deliveries(system_id))
    assert (events["referral.sent"]["status"], events["referral.sent"]["attempts"]) == ("failed", 1)
    assert events["referral.sent"]["last_error_code"] == "withdrawn"
    assert events["referral.withdrawn"]["status"] == "delivered"
    assert await table_rows(app, "case_system_delivery", "payload") == [(None,), (None,)]


async def test_a_withdrawal_is_posted_after_a_delivery_already_in_flight(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    sent = await world.sent_referral(service_id, ["phone"])
    [queued] = await admin.deliveries(system_id)
    worker: DeliveryWorker = app.state.case_system_worker
    # A worker has claimed the event and is posting it while she withdraws.
    in_flight = await on_app_loop(
        app, lambda: worker._claim(uuid.UUID(queued["event_id"]), DeliveryReport())
    )
    assert in_flight is not None

    withdrawn = await world.act(sent["id"], "withdraw")
    assert withdrawn.json()["withdrawal_delivery"] == "case_system"
    await run_worker(app)
    assert receiver.requests == []  # the withdrawal waits for the post in flight

    outcome = await on_app_loop(app, lambda: worker._post(in_flight))
    await on_app_loop(app, lambda: worker._record(in_flight, outcome, DeliveryReport()))
    clock.advance(minutes=2)
    await run_worker(app)
    clock.advance(hours=2)
    await run_worker(app)
    assert [event["type"] for event in receiver.events] == ["referral.sent", "referral.withdrawn"]
    assert receiver.events[0]["data"]["phone"] == PHONE
    assert len(receiver.requests) == 2  # the cancelled event is never posted again


async def test_the_system_that_was_queued_her_data_is_told_even_after_the_service_moved(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    world = await make_world(app, client)
    service_id, other_service = await world.service(), await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    delivered = await world.sent_referral(service_id, ["alias"])
    assert (await run_worker(app)).delivered == 1
    assert receiver.events[0]["data"]["alias"] == ALIAS

    # The service moves to another case system (that never received anything of hers).
    assert (await admin.patch(system_id, service_ids=[other_service])).status_code == 200
    with CaseSystemReceiver(clock=receiver.clock) as elsewhere:
        issued = await admin.register(elsewhere.url, [service_id])
        elsewhere.secret = issued["signing_secret"]
        withdrawn = await world.act(delivered["id"], "withdraw")
        assert withdrawn.json()["withdrawal_delivery"] == "case_system"
        clock.advance(minutes=1)
        await run_worker(app)
        assert elsewhere.requests == []
    assert [event["type"] for event in receiver.events] == ["referral.sent", "referral.withdrawn"]
    assert receiver.events[1]["data"] == {"reference": delivered["id"]}


async def test_a_disabled_system_never_gets_a_referral_she_withdrew_meanwhile(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    sent = await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    assert (await admin.patch(system_id, is_enabled=False)).status_code == 200

    withdrawn = await world.act(sent["id"], "withdraw")
    # A disabled system may never be enabled again: her worker must tell the service.
    assert withdrawn.json()["withdrawal_delivery"] == "manual"
    assert (await admin.patch(system_id, is_enabled=True)).status_code == 200
    clock.advance(minutes=1)
    await run_worker(app)
    assert [event["type"] for event in receiver.events] == ["referral.withdrawn"]
    assert find_canaries(str(receiver.events), CANARIES) == []


async def test_her_erasure_does_not_drop_the_request_to_delete_her_data(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    sent = await world.sent_referral(service_id, ["phone"])
    assert (await run_worker(app)).delivered == 1
    withdrawn = await world.act(sent["id"], "withdraw")
    assert withdrawn.json()["withdrawal_delivery"] == "case_system"
    receiver.fail_next(1)
    assert (await run_worker(app)).retrying == 1  # the system is down meanwhile
    ctx = auth_ctx(app)

    async def erase_her() -> None:
        async with ctx.session_maker.begin() as session:
            partner = await session.get_one(Partner, uuid.UUID(world.partner_id))
            await ctx.cipher().shred(session, partner.data_key_id)

    await on_app_loop(app, erase_her)
    clock.advance(minutes=1)
    assert (await run_worker(app)).delivered == 1
    assert [event["type"] for event in receiver.events] == ["referral.sent", "referral.withdrawn"]
    assert receiver.events[1]["data"] == {"reference": sent["id"]}
    assert _by_kind(await admin.deliveries(system_id))["referral.withdrawn"]["status"] == (
        "delivered"
    )


@pytest.mark.parametrize("outcome", ["service_unavailable", "completed"])
async def test_a_closed_referral_s_waiting_delivery_is_never_posted(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
    outcome: str,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    admin, system_id = await _system_at(world, receiver, [service_id])
    receiver.fail_next(1)
    sent = await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    assert (await run_worker(app)).retrying == 1

    closed = await world.act(sent["id"], "close", {"outcome": outcome})
    assert closed.status_code == 200, closed.text
    clock.advance(minutes=5)
    await run_worker(app)
    assert receiver.events == []
    [cancelled] = await admin.deliveries(system_id)
    assert (cancelled["status"], cancelled["last_error_code"]) == ("failed", "closed")
    assert await table_rows(app, "case_system_delivery", "payload") == [(None,)]
