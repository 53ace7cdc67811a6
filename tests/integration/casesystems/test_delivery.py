"""Signed delivery to a real receiver: verified, retried on schedule, once per event."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from partner_contact.casesystems.delivery import DeliveryReport, DeliveryWorker, _Outcome
from partner_contact.casesystems.models import CaseSystem
from partner_contact.clock import ManualClock
from tests.fixtures.case_system_receiver import CaseSystemReceiver
from tests.fixtures.staff import auth_ctx, on_app_loop, table_rows
from tests.integration.casesystems.conftest import POST_TIMEOUT_SECONDS
from tests.integration.casesystems.systems import (
    PAYLOAD,
    Admin,
    her_data_key,
    make_admin,
    queue_event,
    run_worker,
    shred,
)


async def _registered(
    app: Litestar, client: AsyncTestClient[Litestar], receiver: CaseSystemReceiver
) -> tuple[Admin, str]:
    admin = await make_admin(app, client)
    issued = await admin.register(receiver.url, await admin.services())
    receiver.secret = issued["signing_secret"]
    return admin, str(issued["id"])


async def test_an_event_arrives_signed_once_and_is_never_posted_again(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = await queue_event(app, system_id, await her_data_key(app))
    [queued] = await admin.deliveries(system_id)
    assert (queued["status"], queued["attempts"]) == ("pending", 0)

    report = await run_worker(app)
    assert report.delivered == 1
    [event] = receiver.events
    assert event == {
        "event_id": event_id,
        "type": "referral.sent",
        "created_at": "2026-03-02T09:00:00Z",
        "data": PAYLOAD,
    }
    assert [(r.event_id, r.is_genuine, r.answered) for r in receiver.requests] == [
        (event_id, True, 200)
    ]
    [delivered] = await admin.deliveries(system_id)
    assert delivered["status"] == "delivered"
    assert (delivered["attempts"], delivered["last_status"]) == (1, 200)
    assert delivered["next_attempt_at"] is None
    assert "data" not in delivered
    assert "payload" not in delivered
    assert "canary-willow" not in json.dumps(await admin.deliveries(system_id))
    # Delivered: the sealed payload is gone too, and the read was logged.
    assert await table_rows(app, "case_system_delivery", "payload") == [(None,)]
    audit = await table_rows(app, "access_log", "action, object_id")
    assert ("case_system.deliver", event_id) in audit

    clock.advance(days=2)
    assert (await run_worker(app)).delivered == 0
    assert len(receiver.requests) == 1


async def test_failures_are_retried_on_schedule_and_the_event_arrives_once(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = await queue_event(app, system_id, await her_data_key(app))
    receiver.fail_next(2)
    start = clock()

    assert (await run_worker(app)).retrying == 1
    [after_one] = await admin.deliveries(system_id)
    assert (after_one["attempts"], after_one["last_status"]) == (1, 500)
    assert after_one["last_error_code"] == "http_status"

    # 30 s after the first attempt (up to 10 % later), then 60 s after the second.
    clock.advance(seconds=29)
    await run_worker(app)
    assert len(receiver.requests) == 1
    clock.advance(seconds=5)
    assert (await run_worker(app)).retrying == 1
    clock.advance(seconds=59)
    await run_worker(app)
    assert len(receiver.requests) == 2
    clock.advance(seconds=8)
    assert (await run_worker(app)).delivered == 1
    assert clock() - start == timedelta(seconds=101)

    assert [(r.event_id, r.answered) for r in receiver.requests] == [
        (event_id, 500),
        (event_id, 500),
        (event_id, 200),
    ]
    assert [event["event_id"] for event in receiver.events] == [event_id]
    [delivered] = await admin.deliveries(system_id)
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 3)


async def test_a_timed_out_post_is_retried_with_the_same_event_id_and_kept_once(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = await queue_event(app, system_id, await her_data_key(app))
    receiver.hold_next()

    assert (await run_worker(app)).retrying == 1
    receiver.release()
    [timed_out] = await admin.deliveries(system_id)
    assert (timed_out["status"], timed_out["last_error_code"]) == ("pending", "timeout")
    assert timed_out["last_status"] is None
    assert len(receiver.events) == 1  # it did arrive

    clock.advance(seconds=34)
    assert (await run_worker(app)).delivered == 1
    assert [r.event_id for r in receiver.requests] == [event_id, event_id]
    assert [event["event_id"] for event in receiver.events] == [event_id]
    [delivered] = await admin.deliveries(system_id)
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)


async def test_a_worker_that_dies_mid_post_leaves_a_lease_that_lapses(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = await queue_event(app, system_id, await her_data_key(app))
    worker: DeliveryWorker = app.state.case_system_worker
    # Claimed, then the worker vanished before posting.
    claim = await on_app_loop(app, lambda: worker._claim(uuid.UUID(event_id), DeliveryReport()))
    assert claim is not None

    clock.advance(seconds=60)  # the lease (timeout + 60 s) still holds
    await run_worker(app)
    assert receiver.requests == []
    clock.advance(seconds=1)
    assert (await run_worker(app)).delivered == 1
    assert [r.event_id for r in receiver.requests] == [event_id]
    [delivered] = await admin.deliveries(system_id)
    assert delivered["attempts"] == 2


async def test_a_redirect_is_not_followed_but_retried(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    await queue_event(app, system_id, await her_data_key(app))
    receiver.redirect_next()

    await run_worker(app)
    assert [r.answered for r in receiver.requests] == [307]
    [delivery] = await admin.deliveries(system_id)
    assert (delivery["status"], delivery["last_status"]) == ("pending", 307)
    assert delivery["last_error_code"] == "redirect"


async def test_a_disabled_system_s_events_wait_until_it_is_enabled(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    await queue_event(app, system_id, await her_data_key(app))
    assert (await admin.patch(system_id, is_enabled=False)).status_code == 200

    clock.advance(hours=5)
    await run_worker(app)
    assert receiver.requests == []
    [waiting] = await admin.deliveries(system_id)
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)

    assert (await admin.patch(system_id, is_enabled=True)).status_code == 200
    assert (await run_worker(app)).delivered == 1
    assert len(receiver.events) == 1


async def test_an_event_for_an_erased_partner_is_dropped_unsent(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    her_key = await her_data_key(app)
    await queue_event(app, system_id, her_key)
    await shred(app, her_key)

    report = await run_worker(app)
    assert (report.dropped, report.delivered) == (1, 0)
    assert receiver.requests == []
    [dropped] = await admin.deliveries(system_id)
    assert (dropped["status"], dropped["last_error_code"]) == ("failed", "erased")
    assert await table_rows(app, "case_system_delivery", "payload") == [(None,)]


async def test_after_the_last_attempt_the_event_is_failed_for_an_operator(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = await queue_event(app, system_id, await her_data_key(app))
    receiver.fail_next(20)

    with capture_logs() as logs:
        for _ in range(15):  # the longest wait is an hour, up to 10 % more
            await run_worker(app)
            clock.advance(minutes=70)
    assert len(receiver.requests) == 12
    [failure] = [entry for entry in logs if entry["event"] == "case_system.delivery_failed"]
    assert (failure["log_level"], failure["event_id"]) == ("error", event_id)
    assert "canary" not in repr(logs)
    [failed] = await admin.deliveries(system_id)
    assert (failed["status"], failed["attempts"], failed["last_status"]) == ("failed", 12, 500)
    assert await table_rows(app, "case_system_delivery", "payload") == [(None,)]


async def test_after_rotation_deliveries_are_signed_with_the_new_secret(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    old_secret = receiver.secret
    rotated = await client.post(
        f"/api/v1/case-systems/{system_id}/rotate-secret", headers=admin.headers
    )
    await queue_event(app, system_id, await her_data_key(app))

    await run_worker(app)  # the receiver still holds the old secret: refused
    assert [r.answered for r in receiver.requests] == [401]
    receiver.secret = rotated.json()["signing_secret"]
    assert receiver.secret != old_secret
    app.state.clock.advance(minutes=1)
    await run_worker(app)
    assert [r.answered for r in receiver.requests] == [401, 200]


async def test_the_receiver_refuses_forged_and_altered_requests(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    """Sanity of the recipe on the wire: a genuine request replayed with changes fails."""
    _admin, system_id = await _registered(app, client, receiver)
    await queue_event(app, system_id, await her_data_key(app))
    captured: list[httpx.Request] = []

    def keep(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200)

    worker = DeliveryWorker(
        settings=app.state.settings.case_systems,
        session_maker=app.state.session_maker,
        keyring_file=app.state.keyring_file,
        clock=app.state.clock,
        transport=httpx.MockTransport(keep),
    )
    await run_worker(app, worker)
    await on_app_loop(app, worker.aclose)
    [genuine] = captured
    headers = dict(genuine.headers)
    body = genuine.content

    async with httpx.AsyncClient() as outsider:
        forged_signature = headers | {"x-partner-contact-signature": "v1=" + "0" * 64}
        answers = [
            await outsider.post(receiver.url, content=body, headers=forged_signature),
            await outsider.post(
                receiver.url, content=body.replace(b"canary", b"kanary"), headers=headers
            ),
            await outsider.post(receiver.url, content=body, headers=headers),
        ]
    assert [answer.status_code for answer in answers] == [401, 401, 200]
    assert len(receiver.events) == 1


async def test_two_workers_share_the_queue_without_posting_twice(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    _admin, system_id = await _registered(app, client, receiver)
    her_key = await her_data_key(app)
    event_ids = {await queue_event(app, system_id, her_key) for _ in range(4)}
    other = DeliveryWorker(
        settings=app.state.settings.case_systems,
        session_maker=app.state.session_maker,
        keyring_file=app.state.keyring_file,
        clock=app.state.clock,
    )

    async def both() -> None:
        await asyncio.gather(app.state.case_system_worker.run_once(), other.run_once())
        await other.aclose()

    await on_app_loop(app, both)
    assert sorted(r.event_id or "" for r in receiver.requests) == sorted(event_ids)
    assert {event["event_id"] for event in receiver.events} == event_ids


async def test_one_pass_empties_a_queue_longer_than_a_batch(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    _admin, system_id = await _registered(app, client, receiver)
    her_key = await her_data_key(app)
    for _ in range(5):
        await queue_event(app, system_id, her_key)
    small_batches = DeliveryWorker(
        settings=app.state.settings.case_systems,
        session_maker=app.state.session_maker,
        keyring_file=app.state.keyring_file,
        clock=app.state.clock,
        batch_size=2,
    )

    report = await run_worker(app, small_batches)
    await on_app_loop(app, small_batches.aclose)
    assert report.delivered == 5
    assert len(receiver.events) == 5


async def test_an_answer_that_outlasts_the_timeout_is_a_timed_out_attempt(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    """httpx times each read alone; the whole exchange must fit in the timeout (the lease)."""
    admin, system_id = await _registered(app, client, receiver)
    await queue_event(app, system_id, await her_data_key(app))

    async def slow(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(POST_TIMEOUT_SECONDS * 4)  # a receiver trickling its answer
        return httpx.Response(200)

    worker = DeliveryWorker(
        settings=app.state.settings.case_systems,
        session_maker=app.state.session_maker,
        keyring_file=app.state.keyring_file,
        clock=app.state.clock,
        transport=httpx.MockTransport(slow),
    )
    report = await run_worker(app, worker)
    await on_app_loop(app, worker.aclose)
    assert (report.delivered, report.retrying) == (0, 1)
    [delivery] = await admin.deliveries(system_id)
    assert (delivery["status"], delivery["last_error_code"]) == ("pending", "timeout")


async def test_a_worker_whose_lease_lapsed_leaves_the_next_claim_alone(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    clock: ManualClock,
) -> None:
    admin, system_id = await _registered(app, client, receiver)
    event_id = uuid.UUID(await queue_event(app, system_id, await her_data_key(app)))
    worker: DeliveryWorker = app.state.case_system_worker
    late = await on_app_loop(app, lambda: worker._claim(event_id, DeliveryReport()))
    assert late is not None
    clock.advance(minutes=2)  # its lease lapsed: another worker claims the event
    current = await on_app_loop(app, lambda: worker._claim(event_id, DeliveryReport()))
    assert current is not None

    # The late worker's failed attempt must not end the current claim's lease (a third
    # worker would post it alongside), nor move its next attempt.
    failed = _Outcome(http_status=500, error_code="http_status")
    await on_app_loop(app, lambda: worker._record(late, failed, DeliveryReport()))
    assert await run_worker(app) == DeliveryReport()
    assert receiver.requests == []
    [claimed] = await table_rows(app, "case_system_delivery", "attempts, lease_until")
    assert claimed[0] == 2
    assert claimed[1] is not None

    outcome = await on_app_loop(app, lambda: worker._post(current))
    await on_app_loop(app, lambda: worker._record(current, outcome, DeliveryReport()))
    [delivered] = await admin.deliveries(system_id)
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)
    assert len(receiver.events) == 1


async def test_an_address_that_cannot_be_posted_to_fails_the_attempt_not_the_pass(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
) -> None:
    """An address stored before it was checked as strictly as now: each attempt fails on
    its own, is counted and retried, and the events behind it still go."""
    admin, good_system = await _registered(app, client, receiver)
    broken = await admin.register(receiver.url, await admin.services())
    her_key = await her_data_key(app)
    stuck = await queue_event(app, broken["id"], her_key)
    await queue_event(app, good_system, her_key)
    ctx = auth_ctx(app)

    async def break_the_address() -> None:
        async with ctx.session_maker.begin() as session:
            system = await session.get_one(CaseSystem, uuid.UUID(broken["id"]))
            system.webhook_url = "https://xn--.example/hook"

    await on_app_loop(app, break_the_address)
    with capture_logs() as logs:
        report = await run_worker(app)
    assert (report.delivered, report.retrying) == (1, 1)
    assert len(receiver.events) == 1
    [attempt] = await admin.deliveries(broken["id"])
    assert (attempt["event_id"], attempt["status"]) == (stuck, "pending")
    assert (attempt["attempts"], attempt["last_error_code"]) == (1, "error")
    assert "xn--" not in repr(logs)
