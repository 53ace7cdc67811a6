"""The protocol's reactions: to a worker, to the provider, to her replies, to timers.

Each function takes the session of the transaction it belongs to and leaves the outreach,
the outbox and the timers consistent in it. Who may call them is decided above (the
service for workers, the dispatcher and the inbound path for everything else).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.crypto.service import FieldCipher
from partner_contact.errors import DomainError
from partner_contact.messaging.models import OutboxMessage
from partner_contact.outreach.default_templates import TemplateKind
from partner_contact.outreach.engine import (
    PENDING,
    Engine,
    Her,
    add_timer,
    alert,
    cancel_pending,
    cancel_timers,
    evaluate,
    gate_message,
    open_outreach_of,
    queue_message,
    record_step,
)
from partner_contact.outreach.models import Outreach, OutreachTimer
from partner_contact.outreach.replies import ReplyKind
from partner_contact.outreach.states import ENDED, OutreachState, Step
from partner_contact.partners.events import Priority
from partner_contact.partners.schemas import DoNotContactReason

S = OutreachState


class CallOutcome(enum.StrEnum):
    spoke_safely = "spoke_safely"
    could_not_talk = "could_not_talk"
    he_answered = "he_answered"
    someone_else_answered = "someone_else_answered"
    no_answer = "no_answer"
    wrong_number = "wrong_number"


# Outcomes that suspend outreach on her details until a worker records new ones.
_SUSPENDING = {
    CallOutcome.he_answered: DoNotContactReason.he_answered,
    CallOutcome.someone_else_answered: DoNotContactReason.he_answered,
    CallOutcome.wrong_number: DoNotContactReason.details_invalid,
}
# A call with her, even a short one, is a real contact.
_CONTACTS = frozenset({CallOutcome.spoke_safely, CallOutcome.could_not_talk})


async def start(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    *,
    started_by: uuid.UUID,
    idempotency_key: str | None,
) -> Outreach:
    if await open_outreach_of(session, her.partner.id) is not None:
        raise DomainError(
            "outreach_open",
            "An outreach to her is already under way",
            status=409,
            detail="Finish or cancel it before starting another.",
        )
    now = engine.clock()
    outreach = Outreach(
        id=uuid.uuid4(),
        organisation_id=her.partner.organisation_id,
        partner_id=her.partner.id,
        state=S.queued.value,
        idempotency_key=idempotency_key,
        started_by=started_by,
        started_at=now,
        updated_at=now,
        is_confirmed=False,
        has_follow_up=False,
        is_code_word_verified=False,
    )
    session.add(outreach)
    await session.flush()
    add_timer(
        engine,
        session,
        outreach,
        "expire",
        now + timedelta(hours=engine.settings.expire_after_hours),
    )
    channel = her.channel_after(None)
    if channel is None:
        # The gate says why: no usable channel (or do-not-contact, opted out).
        result = await evaluate(engine, session, her, outreach, "sms")
        await record_step(
            engine,
            session,
            outreach,
            Step.gate_blocked,
            actor_id=started_by,
            reasons=[reason.value for reason in result.reasons],
        )
        return outreach
    await queue_message(
        engine,
        session,
        cipher,
        her,
        outreach,
        kind="first_contact",
        channel=channel,
        actor_id=started_by,
    )
    return outreach


async def confirm(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    outreach: Outreach,
    *,
    actor_id: uuid.UUID,
    sealed_reason: bytes,
) -> None:
    """A worker takes responsibility for what the gate asked; the gate then runs again."""
    await record_step(engine, session, outreach, Step.confirmed, actor_id=actor_id)
    outreach.is_confirmed = True
    outreach.confirmed_by = actor_id
    outreach.confirmed_at = engine.clock()
    outreach.confirmation_reason = sealed_reason
    held = (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.outreach_id == outreach.id, OutboxMessage.status == "held"
            )
        )
    ).all()
    for message in held:
        await gate_message(engine, session, her, outreach, message, actor_id=actor_id)


async def cancel(
    engine: Engine, session: AsyncSession, outreach: Outreach, *, actor_id: uuid.UUID
) -> None:
    await record_step(engine, session, outreach, Step.cancelled, actor_id=actor_id)


# ---- what the provider tells us -----------------------------------------------------------


async def message_sent(
    engine: Engine, session: AsyncSession, outreach: Outreach, message: OutboxMessage
) -> None:
    """The provider accepted it: wait for her, with the one follow-up or the decision due."""
    state = OutreachState(outreach.state)
    if state in ENDED:
        return  # cancelled or ended while the message was on its way; its row says "sent"
    now = engine.clock()
    outreach.channel = message.channel
    waiting = state in {S.queued, S.fallback_offered}
    is_fallback = message.kind == "fallback_offer"
    await record_step(
        engine,
        session,
        outreach,
        Step.message_sent,
        target=(S.fallback_offered if is_fallback else S.awaiting_reply) if waiting else state,
        channel=message.channel,
        message_kind=message.kind,
        message_id=str(message.id),
    )
    if not waiting:
        return  # she answered while it was being sent: nothing more to time
    if message.kind == "first_contact":
        after = timedelta(minutes=engine.settings.follow_up_after_minutes)
        add_timer(engine, session, outreach, "follow_up", now + after)
    elif message.kind == "follow_up":
        after = timedelta(minutes=engine.settings.no_reply_after_minutes)
        add_timer(engine, session, outreach, "no_reply", now + after)


async def delivery_failed(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    outreach: Outreach,
    message: OutboxMessage,
    *,
    is_permanent: bool,
) -> None:
    """A permanent failure moves to her next agreed channel; anything else to a worker."""
    if (
        OutreachState(outreach.state)
        not in {
            S.queued,
            S.awaiting_reply,
            S.fallback_offered,
            S.no_reply,
        }
        or message.status != "failed"
    ):
        return  # she already answered, or the outreach ended: the failure changes nothing
    next_channel = her.channel_after(message.channel) if is_permanent else None
    if next_channel is None:
        await record_step(
            engine,
            session,
            outreach,
            Step.no_channel_left,
            failed_channel=message.channel,
            error_code=message.error_code,
            is_permanent=is_permanent,
        )
        await alert(
            engine, session, her, kind="needs_worker", priority=Priority.high, outreach=outreach
        )
        return
    await cancel_timers(engine, session, outreach)
    kind: TemplateKind = "fallback_offer" if message.kind == "fallback_offer" else "first_contact"
    await record_step(
        engine,
        session,
        outreach,
        Step.delivery_failed,
        target=S.fallback_offered if kind == "fallback_offer" else S.queued,
        failed_channel=message.channel,
        error_code=message.error_code,
        next_channel=next_channel,
    )
    await queue_message(engine, session, cipher, her, outreach, kind=kind, channel=next_channel)


async def send_outcome_unknown(
    engine: Engine, session: AsyncSession, her: Her, outreach: Outreach, message: OutboxMessage
) -> None:
    """The provider may or may not have it: never guess, a worker looks."""
    if OutreachState(outreach.state) in {S.queued, S.fallback_offered}:
        await record_step(
            engine, session, outreach, Step.send_outcome_unknown, message_id=str(message.id)
        )
    await alert(
        engine, session, her, kind="needs_worker", priority=Priority.high, outreach=outreach
    )


# ---- her replies -----------------------------------------------------------------------------


async def opt_out(engine: Engine, session: AsyncSession, her: Her, *, source: str) -> None:
    """Stop: nothing more to her on any channel, from any outreach, whatever a worker does."""
    now = engine.clock()
    if her.partner.opted_out_at is None:
        her.partner.opted_out_at = now
    her.partner.start_received_at = None
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.partner_id == her.partner.id, OutboxMessage.status.in_(PENDING))
        .values(status="cancelled", status_at=now, error_code="opted_out")
    )
    outreach = await open_outreach_of(session, her.partner.id)
    if outreach is not None:
        await record_step(engine, session, outreach, Step.reply_stop, source=source)


async def reply_received(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    *,
    kind: ReplyKind,
    received_at: datetime,
) -> Outreach | None:
    """Act on a classified reply from her; returns the outreach it belonged to."""
    if kind == ReplyKind.stop:
        await opt_out(engine, session, her, source="reply")
        her.partner.last_contact_at = received_at
        return None
    her.partner.last_contact_at = received_at
    outreach = await open_outreach_of(session, her.partner.id)
    if kind == ReplyKind.start and her.partner.opted_out_at is not None:
        # Never reopens on its own: her worker must confirm it with her.
        her.partner.start_received_at = received_at
        await alert(
            engine,
            session,
            her,
            kind="start_received",
            priority=Priority.high,
            occurred_at=received_at,
        )
        return outreach
    if outreach is None:
        await _alert_for_reply(engine, session, her, kind, received_at, None)
        return None
    await apply_reply(engine, session, cipher, her, outreach, kind=kind, received_at=received_at)
    return outreach


async def apply_reply(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    outreach: Outreach,
    *,
    kind: ReplyKind,
    received_at: datetime,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Move the outreach on her reply (also used when a worker reads an unclear one)."""
    state = OutreachState(outreach.state)
    if kind == ReplyKind.stop:
        await opt_out(engine, session, her, source="worker_reading" if actor_id else "reply")
        return
    if kind == ReplyKind.yes:
        await cancel_pending(engine, session, outreach)
        await record_step(engine, session, outreach, Step.reply_yes, actor_id=actor_id)
    elif kind == ReplyKind.not_now:
        await cancel_pending(engine, session, outreach)
        channel = her.channel_after(outreach.channel)
        if channel is None or state == S.fallback_offered:
            # Nothing else to offer (or offered already): her worker decides.
            await record_step(engine, session, outreach, Step.reply_not_now, actor_id=actor_id)
            if channel is None:
                await record_step(engine, session, outreach, Step.no_channel_left)
                await alert(
                    engine,
                    session,
                    her,
                    kind="needs_worker",
                    priority=Priority.normal,
                    outreach=outreach,
                )
            return
        await record_step(engine, session, outreach, Step.reply_not_now, actor_id=actor_id)
        await queue_message(
            engine, session, cipher, her, outreach, kind="fallback_offer", channel=channel
        )
        return
    else:
        await cancel_pending(engine, session, outreach)
        await record_step(
            engine, session, outreach, Step.reply_unreadable, actor_id=actor_id, reply=kind.value
        )
    await _alert_for_reply(engine, session, her, kind, received_at, outreach)


async def _alert_for_reply(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    kind: ReplyKind,
    received_at: datetime,
    outreach: Outreach | None,
) -> None:
    alerts = {
        ReplyKind.yes: ("reply_yes", Priority.urgent),
        ReplyKind.help: ("reply_help", Priority.urgent),
        ReplyKind.not_now: ("reply_not_now", Priority.normal),
    }
    name, priority = alerts.get(kind, ("reply_unreadable", Priority.high))
    await alert(
        engine,
        session,
        her,
        kind=name,
        priority=priority,
        occurred_at=received_at,
        outreach=outreach,
    )


# ---- timers ----------------------------------------------------------------------------------


async def timer_due(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    outreach: Outreach,
    timer: OutreachTimer,
) -> None:
    """A timer fires once; one that no longer fits the outreach's state does nothing."""
    timer.fired_at = engine.clock()
    state = OutreachState(outreach.state)
    if timer.kind == "follow_up" and state == S.awaiting_reply and not outreach.has_follow_up:
        outreach.has_follow_up = True
        await record_step(engine, session, outreach, Step.follow_up_due)
        channel = outreach.channel or her.channel_after(None)
        if channel is None:
            await record_step(engine, session, outreach, Step.no_channel_left)
            return
        await queue_message(
            engine,
            session,
            cipher,
            her,
            outreach,
            kind="follow_up",
            channel=channel,  # type: ignore[arg-type]
        )
    elif timer.kind == "no_reply" and state == S.awaiting_reply:
        await record_step(engine, session, outreach, Step.no_reply_due)
        await alert(
            engine, session, her, kind="no_reply", priority=Priority.normal, outreach=outreach
        )
    elif timer.kind == "expire" and state in {S.awaiting_confirmation, S.queued}:
        await record_step(engine, session, outreach, Step.expired)


# ---- the call ----------------------------------------------------------------------------------


async def call_recorded(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    outreach: Outreach,
    *,
    outcome: CallOutcome,
    actor_id: uuid.UUID,
) -> None:
    now = engine.clock()
    if outcome in _SUSPENDING:
        # At once, before anything else can be sent to those hands.
        her.partner.is_do_not_contact = True
        her.partner.do_not_contact_reason = _SUSPENDING[outcome].value
        her.partner.updated_at = now
        await record_step(
            engine, session, outreach, Step.call_suspends, actor_id=actor_id, outcome=outcome.value
        )
    elif outcome in _CONTACTS:
        her.partner.last_contact_at = now
        await record_step(
            engine, session, outreach, Step.call_completed, actor_id=actor_id, outcome=outcome.value
        )
    else:
        await record_step(
            engine, session, outreach, Step.call_no_answer, actor_id=actor_id, outcome=outcome.value
        )
