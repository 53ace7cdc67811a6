"""Each branch of the outreach protocol, end to end through the HTTP API and the sandbox."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.clock import ManualClock
from tests.integration.outreach.flow import HER_EMAIL, HER_PHONE, make_flow


async def test_yes_reply_alerts_her_worker_at_once(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert outreach["state"] == "queued"
    report = await flow.dispatch()
    assert report.sent == 1
    (message,) = await flow.mailbox()
    assert message["recipient"] == HER_PHONE
    assert message["channel"] == "sms"
    assert await flow.state(outreach["id"]) == "awaiting_reply"
    await flow.advance(minutes=3)
    result = await flow.reply("Yes")
    assert result["kind"] == "yes"
    assert await flow.state(outreach["id"]) == "replied_yes"
    (alert,) = await flow.alerts()
    assert alert["kind"] == "reply_yes"
    assert alert["priority"] == "urgent"
    assert alert["outreach_id"] == outreach["id"]
    # Nothing more goes to her: the follow-up timer was cancelled.
    await flow.advance(hours=8)
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1


async def test_not_now_offers_the_next_agreed_channel(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.advance(minutes=1)
    await flow.reply("2")
    assert await flow.state(outreach["id"]) == "fallback_offered"
    await flow.dispatch()
    first, fallback = await flow.mailbox()
    assert (first["channel"], fallback["channel"]) == ("sms", "email")
    assert fallback["recipient"] == HER_EMAIL
    assert fallback["subject"]
    assert await flow.state(outreach["id"]) == "fallback_offered"


async def test_stop_opts_her_out_and_blocks_every_later_outreach(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.reply("STOP")
    assert await flow.state(outreach["id"]) == "opted_out"
    await flow.advance(days=1)
    again = await flow.start()
    assert again["state"] == "blocked"
    assert "opted_out" in again["gate_reasons"]
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1


async def test_unclear_reply_waits_for_a_worker_to_read_it(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.reply("who is this?")
    assert await flow.state(outreach["id"]) == "needs_reading"
    (alert,) = await flow.alerts()
    assert alert["kind"] == "reply_unreadable"
    replies = await client.get(f"/api/v1/outreach/{outreach['id']}/replies", headers=flow.headers)
    (reply,) = replies.json()
    assert reply["body"] == "who is this?"
    reading = await client.post(
        f"/api/v1/outreach/{outreach['id']}/replies/{reply['id']}/reading",
        json={"kind": "yes"},
        headers=flow.headers,
    )
    assert reading.status_code == 200, reading.text
    assert reading.json()["state"] == "replied_yes"


async def test_no_reply_gets_exactly_one_follow_up_then_her_worker_decides(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.advance(minutes=239)
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1
    await flow.advance(minutes=1)
    await flow.dispatch()
    await flow.dispatch()
    assert len(await flow.mailbox()) == 2
    assert await flow.state(outreach["id"]) == "awaiting_reply"
    await flow.advance(days=1)
    await flow.dispatch()
    assert await flow.state(outreach["id"]) == "no_reply"
    await flow.advance(days=3)
    await flow.dispatch()
    assert len(await flow.mailbox()) == 2
    assert [alert["kind"] for alert in await flow.alerts()] == ["no_reply"]


async def test_a_failed_delivery_moves_to_her_next_channel(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    (sms,) = await flow.mailbox()
    await flow.advance(minutes=1)
    assert (await flow.fail(sms["id"], "30005"))["is_changed"] is True
    await flow.dispatch()
    _, email = await flow.mailbox()
    assert email["channel"] == "email"
    detail = await flow.outreach(outreach["id"])
    assert [m["status"] for m in detail["messages"]] == ["failed", "sent"]
    # The same failure reported again changes nothing.
    assert (await flow.fail(sms["id"], "30005"))["is_changed"] is False


async def test_outside_her_window_the_message_waits_until_it_opens(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    clock.advance(hours=-2)  # 07:00 in London: before her window and inside quiet hours
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert outreach["state"] == "queued"
    assert outreach["next_message_due_at"].startswith("2026-03-02T08:30:00")
    assert set(outreach["gate_reasons"]) >= {"outside_safe_window", "quiet_hours"}
    await flow.dispatch()
    assert await flow.mailbox() == []
    await flow.advance(minutes=89)
    await flow.dispatch()
    assert await flow.mailbox() == []
    await flow.advance(minutes=1)
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1


async def test_the_sandbox_shows_a_worker_only_what_went_to_her_own_partners(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    mine = await make_flow(app, client)
    theirs = await make_flow(app, client, phone="+447700900555", email="other@example.org")
    await mine.start()
    await theirs.start()
    await mine.dispatch()
    assert [m["recipient"] for m in await mine.mailbox()] == [HER_PHONE]
    assert [m["recipient"] for m in await theirs.mailbox()] == ["+447700900555"]
