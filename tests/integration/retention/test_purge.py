"""The retention purge: each kind just before and just after its limit, and closed cases."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.clock import ManualClock
from partner_contact.logs import configure_logging
from partner_contact.messaging.inbound import InboundText
from partner_contact.messaging.webhook_inbox import enqueue
from tests.fixtures.canaries import FREE_TEXT, find_canaries
from tests.fixtures.staff import auth_ctx, on_app_loop, table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.retention.test_erasure import assert_no_trace_of_her
from tests.integration.retention.traces import (
    database_file_bytes,
    erase_and_collect_secrets,
    plant_her,
    purge_now,
)

JUST = timedelta(seconds=1)
NOTHING = dict.fromkeys(
    (
        "message_bodies",
        "sandbox_bodies",
        "replies",
        "unmatched_senders",
        "webhook_payloads",
        "assessment_texts",
        "addressed_notes",
        "closed_cases_erased",
        "erased_sandbox_copies",
    ),
    0,
)


def before_and_after(clock: ManualClock, days: int) -> tuple[timedelta, timedelta]:
    """Offsets from now to just before and just after ``days`` have passed."""
    return timedelta(days=days) - JUST, 2 * JUST


async def test_message_bodies_and_replies_go_after_30_days_and_metadata_stays(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    await flow.reply(FREE_TEXT)
    clock.advance(days=30, seconds=-1)
    assert await purge_now(app) == NOTHING
    clock.advance(seconds=2)
    counts = await purge_now(app)
    assert counts == {**NOTHING, "message_bodies": 1, "sandbox_bodies": 1, "replies": 1}
    assert await table_rows(app, "outbox_message", "body, status") == [(None, "sent")]
    ((body, sender),) = await table_rows(app, "inbound_message", "body, sender")
    assert body is None
    assert sender is not None  # sealed under her key: it goes when she is erased
    assert await purge_now(app) == NOTHING  # nothing is done twice


async def test_a_stranger_s_reply_and_an_unhandled_webhook_lose_their_sealed_sender(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    await flow.reply(FREE_TEXT, sender="+447700900999")  # matches nobody

    async def store_event() -> None:
        engine = app.state.outreach_engine
        event = InboundText(
            provider="sandbox",
            provider_message_id="SB-canary",
            channel="sms",
            sender="+447700900999",
            body=FREE_TEXT,
            received_at=clock(),
        )
        async with auth_ctx(app).session_maker.begin() as session:
            await enqueue(session, engine, event, provider="sandbox", event_id="ev-1")

    await on_app_loop(app, store_event)
    clock.advance(days=30, seconds=-1)
    assert await purge_now(app) == NOTHING
    clock.advance(seconds=2)
    counts = await purge_now(app)
    assert counts == {**NOTHING, "replies": 1, "unmatched_senders": 1, "webhook_payloads": 1}
    assert await table_rows(app, "inbound_message", "body, sender") == [(None, None)]
    assert await table_rows(app, "webhook_event", "payload") == [(None,)]
    their_keys = {
        str(row[0])
        for table in ("inbound_message", "webhook_event")
        for row in await table_rows(app, table, "data_key_id")
    }
    keys = {str(key): wrapped for key, wrapped in await table_rows(app, "data_key", "id, wrapped")}
    assert len(their_keys) == 2
    assert [keys[key] for key in their_keys] == [None, None]


async def _post(flow: Flow, path: str, body: dict[str, object] | None = None) -> dict[str, str]:
    response = await flow.client.post(path, json=body, headers=flow.headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, str] = response.json()
    return result


async def test_assessment_texts_go_a_year_after_completion_and_answers_stay(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    her = f"/api/v1/partners/{flow.partner['id']}"
    created = await _post(
        flow, f"{her}/assessments", {"how_she_managed_episodes": FREE_TEXT, "she_works": "yes"}
    )
    clock.advance(days=10)
    await flow.advance()
    await _post(flow, f"/api/v1/assessments/{created['id']}/complete")
    clock.advance(days=365, seconds=-1)
    assert await purge_now(app) == NOTHING
    clock.advance(seconds=2)
    assert await purge_now(app) == {**NOTHING, "assessment_texts": 1}
    assert await table_rows(app, "assessment", "free_text, she_works, status") == [
        (None, "yes", "completed")
    ]


async def test_addressed_notes_go_90_days_after_and_open_ones_stay(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    notes = f"/api/v1/partners/{flow.partner['id']}/notes"
    body = {"topic": "safety", "text": FREE_TEXT, "raise_when": "next_call"}
    addressed = await _post(flow, notes, body)
    still_open = await _post(flow, notes, body)
    await _post(flow, f"/api/v1/notes/{addressed['id']}/addressed")
    clock.advance(days=90, seconds=-1)
    assert await purge_now(app) == NOTHING
    clock.advance(seconds=2)
    assert await purge_now(app) == {**NOTHING, "addressed_notes": 1}
    ((note_id, status),) = await table_rows(app, "partner_note", "id, status")
    assert (uuid.UUID(str(note_id)), status) == (uuid.UUID(still_open["id"]), "open")


async def test_a_closed_case_is_erased_by_the_purge_like_an_erasure_on_request(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    flow = await plant_her(app, client)
    listed = await client.get(
        f"/api/v1/partners/{flow.partner['id']}/outreach", headers=flow.headers
    )
    for outreach in listed.json():
        await client.post(f"/api/v1/outreach/{outreach['id']}/cancel", headers=flow.headers)
    response = await client.post(
        f"/api/v1/partners/{flow.partner['id']}/close",
        json={"reason": "programme_ended"},
        headers=flow.headers,
    )
    assert response.status_code == 200, response.text
    clock.advance(days=180, seconds=-1)
    assert (await purge_now(app))["closed_cases_erased"] == 0
    clock.advance(seconds=2)
    assert (await purge_now(app))["closed_cases_erased"] == 1
    await assert_no_trace_of_her(app, flow.partner["id"])
    ((reason, erased_by),) = await table_rows(app, "erasure_report", "reason, erased_by")
    assert (reason, erased_by) == ("retention", None)
    assert ("system", "partner.erase", "erasure") in await table_rows(
        app, "access_log", "actor_kind, action, purpose"
    )
    assert (await purge_now(app))["closed_cases_erased"] == 0
    runs = await table_rows(app, "purge_run", "trigger, finished_at")
    assert len(runs) == 3
    assert all(trigger == "cli" and finished is not None for trigger, finished in runs)
    logged = [line for line in stream.getvalue().splitlines() if "retention.purged" in line]
    assert len(logged) == 3
    assert flow.partner["id"] not in "".join(logged)
    assert find_canaries(stream.getvalue()) == []


async def test_after_the_purge_no_destroyed_key_or_her_blind_index_is_in_the_database_files(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    """Old copies (SQLite's write-ahead log, PostgreSQL's old rows and index pages) go too."""
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    secrets = await erase_and_collect_secrets(app, flow)
    await purge_now(app)
    files = await database_file_bytes(app)
    if not files:
        pytest.skip("the database files cannot be read here")
    assert [name for name, data in files.items() if any(s in data for s in secrets)] == []
