"""The one inbound path: duplicates have one effect, strangers match nobody, statuses
only move forward, and texts are erased after the retention period."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.clock import ManualClock
from partner_contact.messaging.dispatcher import purge_message_texts
from partner_contact.messaging.inbound import (
    InboundOutcome,
    InboundText,
    StatusReport,
    receive_inbound,
    receive_status,
)
from tests.fixtures.staff import on_app_loop, table_rows
from tests.integration.outreach.flow import HER_PHONE, make_flow
from tests.integration.partners.cases import create_partner


async def _receive(app: Litestar, text: InboundText) -> InboundOutcome:
    async def work() -> InboundOutcome:
        async with app.state.session_maker.begin() as session:
            return await receive_inbound(app.state.outreach_engine, session, text)

    outcome: InboundOutcome = await on_app_loop(app, work)
    return outcome


async def _status(app: Litestar, report: StatusReport) -> bool:
    async def work() -> bool:
        async with app.state.session_maker.begin() as session:
            return await receive_status(app.state.outreach_engine, session, report)

    changed: bool = await on_app_loop(app, work)
    return changed


def _text(
    clock: ManualClock, body: str, *, sender: str = HER_PHONE, id_: str = "IN1"
) -> InboundText:
    return InboundText(
        provider="sandbox",
        provider_message_id=id_,
        channel="sms",
        sender=sender,
        body=body,
        received_at=clock(),
    )


async def test_a_reply_delivered_twice_has_one_effect(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    first = await _receive(app, _text(clock, "yes"))
    again = await _receive(app, _text(clock, "yes"))
    assert (first.is_duplicate, again.is_duplicate) == (False, True)
    assert again.inbound_id == first.inbound_id
    assert len(await flow.alerts()) == 1
    assert len((await flow.outreach(outreach["id"]))["replies"]) == 1


async def test_a_stranger_or_a_shared_number_matches_nobody(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    stranger = await _receive(app, _text(clock, "yes", sender="+447700900999", id_="IN2"))
    assert stranger.partner_id is None
    # A second record with her number: a reply from it can no longer be placed.
    await create_partner(client, flow.case, phone=HER_PHONE, alias="Second")
    shared = await _receive(app, _text(clock, "yes", id_="IN3"))
    assert shared.partner_id is None
    assert await flow.state(outreach["id"]) == "awaiting_reply"
    assert await flow.alerts() == []
    rows = await table_rows(app, "inbound_message", "partner_id, body")
    assert len(rows) == 2
    assert all(partner_id is None and b"yes" not in body for partner_id, body in rows)


async def test_statuses_only_move_a_message_forward(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    ((provider_id,),) = await table_rows(app, "outbox_message", "provider_message_id")

    def report(status: str) -> StatusReport:
        return StatusReport(provider="sandbox", provider_message_id=provider_id, status=status)  # type: ignore[arg-type]

    assert await _status(app, report("delivered")) is True
    assert await _status(app, report("sent")) is False  # late "sent" never undoes "delivered"
    assert await _status(app, report("failed")) is False  # nor does a failure after delivery
    assert await _status(app, report("delivered")) is False
    detail = await flow.outreach(outreach["id"])
    assert [m["status"] for m in detail["messages"]] == ["delivered"]
    assert detail["outreach"]["state"] == "awaiting_reply"
    unknown = StatusReport(provider="sandbox", provider_message_id="SBnope", status="failed")
    assert await _status(app, unknown) is False


async def test_texts_are_erased_after_the_retention_period_and_metadata_stays(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    await flow.reply("who is this?")

    async def purge() -> dict[str, int]:
        return await purge_message_texts(app.state.outreach_engine, app.state.session_maker)

    assert await on_app_loop(app, purge) == {"outbox": 0, "inbound": 0, "sandbox": 0}
    clock.advance(days=30, seconds=1)
    assert await on_app_loop(app, purge) == {"outbox": 1, "inbound": 1, "sandbox": 1}
    ((body, purged_at, status),) = await table_rows(
        app, "outbox_message", "body, body_purged_at, status"
    )
    assert body is None
    assert purged_at is not None
    assert status == "sent"
    ((reply_body, kind),) = await table_rows(app, "inbound_message", "body, kind")
    assert (reply_body, kind) == (None, "other")
