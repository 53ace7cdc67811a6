"""The dispatcher: fires due timers, claims due messages through the gate, sends them.

Claiming is one short transaction per message that locks it (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so several dispatchers share the work; SQLite's single writer does the
same job), checks her opt-out and the gate again, and marks it ``sending`` with a lease.
The provider call happens after that commit, and its result is recorded in another. A
send whose result is unknown (a timeout, or a dispatcher that died holding a lease) is
never repeated blindly: the provider is asked first, and a worker decides if it cannot
say.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.logs import get_logger
from partner_contact.messaging import webhook_inbox
from partner_contact.messaging.models import (
    InboundMessage,
    OutboxMessage,
    SandboxMessage,
    WebhookEvent,
)
from partner_contact.messaging.providers.base import OutgoingMessage, Provider, SendResult
from partner_contact.messaging.providers.router import ChannelRouter
from partner_contact.outreach import protocol
from partner_contact.outreach.engine import (
    Engine,
    Her,
    alert,
    gate_message,
    lint_problems,
    load_her,
    log_system_read,
    open_message,
    record_step,
)
from partner_contact.outreach.gate import Decision
from partner_contact.outreach.models import Outreach, OutreachTimer
from partner_contact.outreach.states import Step
from partner_contact.partners.events import Priority
from partner_contact.partners.models import Partner

log = get_logger(__name__)

# A rejection that says nothing was sent is retried this many times, then a worker looks.
MAX_ATTEMPTS: Final = 5


@dataclasses.dataclass
class DispatchReport:
    events_handled: int = 0
    timers_fired: int = 0
    sent: int = 0
    not_sent: int = 0  # deferred, held, blocked or refused at send time
    failed: int = 0
    unknown: int = 0


@dataclasses.dataclass(frozen=True)
class _Claimed:
    message_id: uuid.UUID
    outgoing: OutgoingMessage


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        session_maker: async_sessionmaker[AsyncSession],
        provider: Provider,
        name: str | None = None,
        batch_size: int = 100,
    ) -> None:
        self._engine = engine
        self._session_maker = session_maker
        # One provider per channel; a single provider (the sandbox, a test double) serves all.
        self._providers = (
            provider if isinstance(provider, ChannelRouter) else ChannelRouter([provider])
        )
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self._batch_size = batch_size
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- running ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the dispatcher is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        task, self._task = self._task, None
        await task

    def wake(self) -> None:
        """Look now instead of at the next tick (a message was just queued here)."""
        self._wake.set()

    async def _run(self) -> None:
        interval = self._engine.settings.dispatch_interval_seconds
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("dispatch.pass_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)

    async def run_once(self) -> DispatchReport:
        """One pass: timers, stale claims, then every message due now."""
        report = DispatchReport()
        await self._handle_webhook_events(report)
        await self._fire_timers(report)
        await self._recover_stale_claims(report)
        while True:
            due = await self._due_messages()
            if not due:
                break
            progressed = False
            for message_id in due:
                try:
                    claimed = await self._claim(message_id, report)
                except Exception:
                    # Never retry a message the engine cannot judge: hold it for a worker.
                    log.exception("dispatch.claim_failed", message_id=str(message_id))
                    await self._hold(message_id)
                    continue
                if claimed is None:
                    continue
                progressed = True
                result = await self._send(claimed.outgoing)
                await self._record(message_id, result, report, claimed.outgoing)
            if not progressed or len(due) < self._batch_size:
                break
        return report

    async def has_due_work(self) -> bool:
        """Whether a message or timer is due now, or a claim is still out."""
        now = self._engine.clock()
        async with self._session_maker() as session:
            message = await session.scalar(
                select(OutboxMessage.id)
                .where(
                    ((OutboxMessage.status == "queued") & (OutboxMessage.due_at <= now))
                    | (OutboxMessage.status == "sending")
                )
                .limit(1)
            )
            timer = await session.scalar(
                select(OutreachTimer.id)
                .where(
                    OutreachTimer.fired_at.is_(None),
                    OutreachTimer.cancelled_at.is_(None),
                    OutreachTimer.due_at <= now,
                )
                .limit(1)
            )
        return message is not None or timer is not None

    # ---- webhook events --------------------------------------------------------------------

    async def _handle_webhook_events(self, report: DispatchReport) -> None:
        """What providers told us, handed to the engine after the webhook's commit."""
        async with self._session_maker() as session:
            pending = (
                await session.scalars(
                    select(WebhookEvent.id)
                    .where(
                        WebhookEvent.handled_at.is_(None),
                        WebhookEvent.attempts < webhook_inbox.MAX_ATTEMPTS,
                    )
                    .order_by(WebhookEvent.received_at, WebhookEvent.id)
                    .limit(self._batch_size)
                )
            ).all()
        for event_id in pending:
            try:
                async with self._session_maker.begin() as session:
                    if await webhook_inbox.handle_next(self._engine, session, event_id):
                        report.events_handled += 1
            except Exception:
                log.exception("dispatch.webhook_event_failed", event_id=str(event_id))
                async with self._session_maker.begin() as session:
                    attempts = await session.scalar(
                        update(WebhookEvent)
                        .where(WebhookEvent.id == event_id)
                        .values(attempts=WebhookEvent.attempts + 1, error="engine_error")
                        .returning(WebhookEvent.attempts)
                    )
                if attempts is not None and attempts >= webhook_inbox.MAX_ATTEMPTS:
                    # Kept (sealed) for an operator: `webhook_event` rows with an error.
                    log.error("dispatch.webhook_event_abandoned", event_id=str(event_id))

    # ---- timers -------------------------------------------------------------------------

    async def _fire_timers(self, report: DispatchReport) -> None:
        now = self._engine.clock()
        async with self._session_maker() as session:
            due = (
                await session.scalars(
                    select(OutreachTimer.id)
                    .where(
                        OutreachTimer.fired_at.is_(None),
                        OutreachTimer.cancelled_at.is_(None),
                        OutreachTimer.due_at <= now,
                    )
                    .order_by(OutreachTimer.due_at)
                    .limit(self._batch_size)
                )
            ).all()
        for timer_id in due:
            async with self._session_maker.begin() as session:
                # Locks are always taken partner first, then outreach (no deadlocks).
                partner_id = await session.scalar(
                    select(Outreach.partner_id)
                    .join(OutreachTimer, OutreachTimer.outreach_id == Outreach.id)
                    .where(OutreachTimer.id == timer_id)
                )
                assert partner_id is not None
                partner = await _lock_partner(session, partner_id)
                timer = await session.scalar(
                    select(OutreachTimer)
                    .where(OutreachTimer.id == timer_id, OutreachTimer.fired_at.is_(None))
                    .with_for_update(skip_locked=True)
                )
                if timer is None or timer.cancelled_at is not None:
                    continue
                outreach = await _lock_outreach(session, timer.outreach_id)
                cipher = self._engine.cipher()
                her = await load_her(cipher, session, partner, available=self._engine.channels)
                await log_system_read(
                    self._engine, session, action="outreach.timer", partner_id=partner.id
                )
                await protocol.timer_due(self._engine, session, cipher, her, outreach, timer)
                report.timers_fired += 1

    # ---- claiming ------------------------------------------------------------------------

    async def _due_messages(self) -> list[uuid.UUID]:
        async with self._session_maker() as session:
            return list(
                (
                    await session.scalars(
                        select(OutboxMessage.id)
                        .where(
                            OutboxMessage.status == "queued",
                            OutboxMessage.due_at <= self._engine.clock(),
                        )
                        .order_by(OutboxMessage.due_at, OutboxMessage.id)
                        .limit(self._batch_size)
                    )
                ).all()
            )

    async def _claim(self, message_id: uuid.UUID, report: DispatchReport) -> _Claimed | None:
        """Lock, re-check and mark one message as being sent; None when it is not to go now."""
        engine = self._engine
        async with self._session_maker.begin() as session:
            now = engine.clock()
            message = await session.scalar(
                select(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == "queued",
                    OutboxMessage.due_at <= now,
                )
                .with_for_update(skip_locked=True)
            )
            if message is None:
                return None  # another dispatcher has it, or it changed meanwhile
            # Her row is locked too, so two of her messages are never judged at once
            # against the same attempt count; if it is busy, the next pass takes it.
            partner = await session.scalar(
                select(Partner)
                .where(Partner.id == message.partner_id)
                .with_for_update(skip_locked=True)
            )
            if partner is None:
                return None
            outreach = await _lock_outreach(session, message.outreach_id)
            cipher = engine.cipher()
            her = await load_her(cipher, session, partner, available=engine.channels)
            subject, body = await open_message(cipher, session, message)
            problems = (
                ["purged"]
                if body is None
                else await lint_problems(
                    engine, session, her, channel=message.channel, subject=subject, body=body
                )
            )
            if problems:
                message.status, message.status_at, message.error_code = "held", now, "wording"
                await record_step(
                    engine, session, outreach, Step.wording_refused, problems=problems
                )
                await alert(
                    engine,
                    session,
                    her,
                    kind="needs_worker",
                    priority=Priority.high,
                    outreach=outreach,
                )
                report.not_sent += 1
                return None
            decision = await gate_message(engine, session, her, outreach, message, at_send=True)
            if decision != Decision.clear:
                report.not_sent += 1
                return None
            provider = self._providers.for_channel(message.channel)
            assert provider is not None  # the gate only clears channels a provider serves
            assert body is not None  # a purged text never passes the checks above
            message.status = "sending"
            message.claimed_by = self.name
            message.lease_until = now + timedelta(seconds=engine.settings.claim_lease_seconds)
            message.attempts += 1
            message.provider = provider.name
            await log_system_read(engine, session, action="outbox.send", partner_id=partner.id)
            outgoing = await _outgoing(engine, session, her, message, subject, body, claimed_at=now)
            return _Claimed(message_id=message.id, outgoing=outgoing)

    async def _hold(self, message_id: uuid.UUID) -> None:
        async with self._session_maker.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
                .values(status="held", error_code="engine_error", status_at=self._engine.clock())
            )

    async def _send(self, outgoing: OutgoingMessage) -> SendResult:
        try:
            return await self._providers.send(outgoing)
        except Exception:
            # Whatever went wrong, the request may have left: treat as ambiguous.
            log.exception("dispatch.send_raised", channel=outgoing.channel)
            return SendResult(outcome="ambiguous")

    # ---- results ---------------------------------------------------------------------------

    async def _record(
        self,
        message_id: uuid.UUID,
        result: SendResult,
        report: DispatchReport,
        outgoing: OutgoingMessage | None = None,
    ) -> None:
        if result.outcome == "ambiguous":
            outgoing = outgoing or await self._rebuild(message_id)
            lookup = await self._providers.lookup(outgoing)
            if lookup.outcome == "found":
                result = SendResult(
                    outcome="accepted", provider_message_id=lookup.provider_message_id
                )
            elif lookup.outcome == "not_found":
                result = SendResult(outcome="rejected", error_code="not_received")
        engine = self._engine
        async with self._session_maker.begin() as session:
            partner_id = await session.scalar(
                select(OutboxMessage.partner_id).where(OutboxMessage.id == message_id)
            )
            assert partner_id is not None
            partner = await _lock_partner(session, partner_id)
            message = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
            )
            assert message is not None
            if message.status not in ("sending", "unknown"):
                return  # a status callback or a recovery got here first
            now = engine.clock()
            message.lease_until = None
            message.status_at = now
            outreach = await _lock_outreach(session, message.outreach_id)
            if result.outcome == "accepted":
                message.status, message.sent_at = "sent", now
                message.provider_message_id = result.provider_message_id
                await protocol.message_sent(engine, session, outreach, message)
                report.sent += 1
                return
            cipher = engine.cipher()
            her = await load_her(cipher, session, partner, available=engine.channels)
            if result.outcome == "ambiguous":
                message.status = "unknown"
                await protocol.send_outcome_unknown(engine, session, her, outreach, message)
                report.unknown += 1
                return
            message.error_code = result.error_code
            if result.is_opt_out:
                message.status = "failed"
                await protocol.opt_out(engine, session, her, source="provider")
                report.failed += 1
            elif result.is_permanent:
                message.status = "failed"
                await protocol.delivery_failed(
                    engine, session, cipher, her, outreach, message, is_permanent=True
                )
                report.failed += 1
            elif message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                await protocol.delivery_failed(
                    engine, session, cipher, her, outreach, message, is_permanent=False
                )
                report.failed += 1
            else:
                # The provider certainly did not take it: try again a little later.
                message.status = "queued"
                message.due_at = now + timedelta(seconds=30 * 2**message.attempts)

    async def _rebuild(self, message_id: uuid.UUID) -> OutgoingMessage:
        """The message as it was claimed, to ask the provider about it after a crash."""
        engine = self._engine
        async with self._session_maker.begin() as session:
            message = await session.get(OutboxMessage, message_id)
            assert message is not None
            partner = await session.get(Partner, message.partner_id)
            assert partner is not None
            cipher = engine.cipher()
            her = await load_her(cipher, session, partner)
            subject, body = await open_message(cipher, session, message)
            await log_system_read(engine, session, action="outbox.lookup", partner_id=partner.id)
            lease = timedelta(seconds=engine.settings.claim_lease_seconds)
            claimed_at = (message.lease_until or engine.clock()) - lease
            return await _outgoing(
                engine, session, her, message, subject, body or "", claimed_at=claimed_at
            )

    async def _recover_stale_claims(self, report: DispatchReport) -> None:
        """Claims whose dispatcher vanished: ask the provider what became of them."""
        async with self._session_maker.begin() as session:
            stale = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == "sending",
                        OutboxMessage.lease_until < self._engine.clock(),
                    )
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            lease = timedelta(seconds=self._engine.settings.claim_lease_seconds)
            for message in stale:
                # Re-leased for our own check: if we die or cannot ask, it is recovered again.
                message.claimed_by = self.name
                message.lease_until = self._engine.clock() + lease
            ids = [message.id for message in stale]
        for message_id in ids:
            log.warning("dispatch.recovering_claim", message_id=str(message_id))
            try:
                await self._record(message_id, SendResult(outcome="ambiguous"), report)
            except Exception:
                log.exception("dispatch.recovery_failed", message_id=str(message_id))


async def purge_message_texts(
    engine: Engine,
    session_maker: async_sessionmaker[AsyncSession],
    *,
    reply_retention_days: int | None = None,
) -> dict[str, int]:
    """Erase message and reply texts past retention; the rows (metadata) stay.

    The daily retention purge (retention/purge.py) calls this; replies keep the message
    retention unless ``reply_retention_days`` is given.
    """
    now = engine.clock()
    cutoff = now - timedelta(days=engine.settings.message_retention_days)
    reply_days = reply_retention_days or engine.settings.message_retention_days
    reply_cutoff = now - timedelta(days=reply_days)
    async with session_maker.begin() as session:
        outbox = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.created_at < cutoff,
                OutboxMessage.body.is_not(None),
                OutboxMessage.status.not_in(("held", "queued", "sending")),
            )
            .values(body=None, subject=None, body_purged_at=now)
        )
        inbound = await session.execute(
            update(InboundMessage)
            .where(InboundMessage.received_at < reply_cutoff, InboundMessage.body.is_not(None))
            .values(body=None, body_purged_at=now)
        )
        sandbox = await session.execute(
            update(SandboxMessage)
            .where(SandboxMessage.created_at < cutoff, SandboxMessage.body.is_not(None))
            .values(body=None, subject=None)
        )
    return {
        "outbox": outbox.rowcount,  # type: ignore[attr-defined]
        "inbound": inbound.rowcount,  # type: ignore[attr-defined]
        "sandbox": sandbox.rowcount,  # type: ignore[attr-defined]
    }


async def _outgoing(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    message: OutboxMessage,
    subject: str | None,
    body: str,
    *,
    claimed_at: datetime,
) -> OutgoingMessage:
    recipient = her.address(message.channel)
    assert recipient is not None  # the gate checked her channel
    window_start = engine.clock() - timedelta(hours=24)
    wrote_lately = await session.scalar(
        select(InboundMessage.id)
        .where(
            InboundMessage.partner_id == her.partner.id,
            InboundMessage.channel == message.channel,
            InboundMessage.received_at >= window_start,
        )
        .limit(1)
    )
    return OutgoingMessage(
        idempotency_key=message.idempotency_key,
        channel=message.channel,  # type: ignore[arg-type]
        recipient=recipient,
        subject=subject,
        body=body,
        template_kind=message.kind,
        language=her.record.profile.language,
        is_conversation_open=wrote_lately is not None,
        claimed_at=claimed_at,
    )


async def _lock_outreach(session: AsyncSession, outreach_id: uuid.UUID) -> Outreach:
    outreach = await session.scalar(
        select(Outreach).where(Outreach.id == outreach_id).with_for_update()
    )
    assert outreach is not None
    return outreach


async def _lock_partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.scalar(
        select(Partner).where(Partner.id == partner_id).with_for_update()
    )
    assert partner is not None
    return partner
