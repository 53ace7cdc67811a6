"""What workers do with outreaches: start, confirm, cancel, record a call, read replies.

Each action reaches her record through ``reachable_partner`` (404 otherwise), runs in the
request's transaction, and writes its access-log entry in that same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError
from partner_contact.messaging.models import InboundMessage, OutboxMessage
from partner_contact.outreach import protocol
from partner_contact.outreach.engine import Engine, Her, load_her, open_outreach_of, record_step
from partner_contact.outreach.models import Outreach, OutreachEvent
from partner_contact.outreach.replies import ReplyKind
from partner_contact.outreach.schemas import (
    OutboxMessageRead,
    OutreachDetail,
    OutreachEventRead,
    OutreachRead,
    ReplyRead,
    ReplyText,
)
from partner_contact.outreach.states import OutreachState, Step
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner

_GATE_STEPS = ("message_queued", "message_deferred", "gate_blocked", "gate_needs_confirmation")


async def _her(
    caller: Caller, session: AsyncSession, partner_id: uuid.UUID, engine: Engine | None = None
) -> Her:
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if engine is None:
        return await load_her(caller.cipher, session, partner)
    return await load_her(caller.cipher, session, partner, available=engine.channels)


async def _reachable_outreach(
    caller: Caller, session: AsyncSession, outreach_id: uuid.UUID, engine: Engine | None = None
) -> tuple[Her, Outreach]:
    """Her (locked first) and the outreach (locked second): the order every path uses."""
    partner_id = await session.scalar(select(Outreach.partner_id).where(Outreach.id == outreach_id))
    if partner_id is None:
        raise not_found("outreach")
    try:
        her = await _her(caller, session, partner_id, engine)
    except DomainError as exc:
        if exc.status == 404:
            raise not_found("outreach") from None
        raise
    outreach = await session.scalar(
        select(Outreach).where(Outreach.id == outreach_id).with_for_update()
    )
    assert outreach is not None
    return her, outreach


async def _read(session: AsyncSession, outreach: Outreach) -> OutreachRead:
    last_gate = await session.scalar(
        select(OutreachEvent.detail)
        .where(OutreachEvent.outreach_id == outreach.id, OutreachEvent.kind.in_(_GATE_STEPS))
        .order_by(OutreachEvent.seq.desc())
        .limit(1)
    )
    next_due = await session.scalar(
        select(OutboxMessage.due_at)
        .where(OutboxMessage.outreach_id == outreach.id, OutboxMessage.status == "queued")
        .order_by(OutboxMessage.due_at)
        .limit(1)
    )
    return OutreachRead(
        id=outreach.id,
        partner_id=outreach.partner_id,
        state=OutreachState(outreach.state),
        channel=outreach.channel,
        started_at=outreach.started_at,
        started_by=outreach.started_by,
        updated_at=outreach.updated_at,
        ended_at=outreach.ended_at,
        is_confirmed=outreach.is_confirmed,
        has_follow_up=outreach.has_follow_up,
        is_code_word_verified=outreach.is_code_word_verified,
        gate_reasons=list((last_gate or {}).get("reasons", [])),
        next_message_due_at=next_due,
    )


async def start_outreach(
    caller: Caller,
    session: AsyncSession,
    engine: Engine,
    *,
    partner_id: uuid.UUID,
    idempotency_key: str | None,
) -> OutreachRead:
    her = await _her(caller, session, partner_id, engine)
    user_id = caller.principal.user_id
    if idempotency_key is not None:
        earlier = await session.scalar(
            select(Outreach).where(
                Outreach.started_by == user_id, Outreach.idempotency_key == idempotency_key
            )
        )
        if earlier is not None:
            if earlier.partner_id != partner_id:
                raise DomainError(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request",
                    status=409,
                )
            return await _read(session, earlier)
    if her.partner.closed_at is not None:
        # The purge would cancel it unseen when the case is erased; reopen on purpose.
        raise DomainError(
            "case_closed",
            "Her case is closed",
            status=409,
            detail="Reopen her case before contacting her again.",
        )
    outreach = await protocol.start(
        engine,
        session,
        caller.cipher,
        her,
        started_by=user_id,
        idempotency_key=idempotency_key,
    )
    await caller.log(
        session,
        action="outreach.start",
        object_type="outreach",
        object_id=outreach.id,
        purpose="outreach",
    )
    return await _read(session, outreach)


async def list_outreaches(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[OutreachRead]:
    await reachable_partner(session, caller.principal, partner_id)
    outreaches: Sequence[Outreach] = (
        await session.scalars(
            select(Outreach)
            .where(Outreach.partner_id == partner_id)
            .order_by(Outreach.started_at.desc(), Outreach.id)
        )
    ).all()
    return [await _read(session, outreach) for outreach in outreaches]


async def get_outreach(
    caller: Caller, session: AsyncSession, *, outreach_id: uuid.UUID
) -> OutreachDetail:
    _, outreach = await _reachable_outreach(caller, session, outreach_id)
    events = (
        await session.scalars(
            select(OutreachEvent)
            .where(OutreachEvent.outreach_id == outreach.id)
            .order_by(OutreachEvent.seq)
        )
    ).all()
    messages = (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.outreach_id == outreach.id)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    ).all()
    replies = (
        await session.scalars(
            select(InboundMessage)
            .where(InboundMessage.outreach_id == outreach.id)
            .order_by(InboundMessage.received_at, InboundMessage.id)
        )
    ).all()
    await caller.log(session, action="outreach.read", object_type="outreach", object_id=outreach.id)
    return OutreachDetail(
        outreach=await _read(session, outreach),
        events=[
            OutreachEventRead(
                seq=event.seq,
                kind=event.kind,
                state=OutreachState(event.state),
                at=event.at,
                actor_id=event.actor_id,
                detail=event.detail,
            )
            for event in events
        ],
        messages=[
            OutboxMessageRead(
                id=message.id,
                kind=message.kind,
                channel=message.channel,
                status=message.status,
                template_version=message.template_version,
                due_at=message.due_at,
                sent_at=message.sent_at,
                status_at=message.status_at,
                error_code=message.error_code,
                attempts=message.attempts,
            )
            for message in messages
        ],
        replies=[
            ReplyRead(
                id=reply.id,
                channel=reply.channel,
                kind=reply.kind,
                received_at=reply.received_at,
                read_at=reply.read_at,
            )
            for reply in replies
        ],
    )


async def confirm_outreach(
    caller: Caller, session: AsyncSession, engine: Engine, *, outreach_id: uuid.UUID, reason: str
) -> OutreachRead:
    her, outreach = await _reachable_outreach(caller, session, outreach_id, engine)
    sealed = await caller.cipher.encrypt(
        session,
        data_key_id=her.partner.data_key_id,
        table="outreach",
        column="confirmation_reason",
        record_id=outreach.id,
        plaintext=reason.strip(),
    )
    await protocol.confirm(
        engine, session, her, outreach, actor_id=caller.principal.user_id, sealed_reason=sealed
    )
    await caller.log(
        session,
        action="outreach.confirm",
        object_type="outreach",
        object_id=outreach.id,
        purpose="safety_review",
    )
    return await _read(session, outreach)


async def cancel_outreach(
    caller: Caller, session: AsyncSession, engine: Engine, *, outreach_id: uuid.UUID
) -> OutreachRead:
    _, outreach = await _reachable_outreach(caller, session, outreach_id, engine)
    await protocol.cancel(engine, session, outreach, actor_id=caller.principal.user_id)
    await caller.log(
        session, action="outreach.cancel", object_type="outreach", object_id=outreach.id
    )
    return await _read(session, outreach)


async def record_call(
    caller: Caller,
    session: AsyncSession,
    engine: Engine,
    *,
    outreach_id: uuid.UUID,
    outcome: protocol.CallOutcome,
) -> OutreachRead:
    her, outreach = await _reachable_outreach(caller, session, outreach_id, engine)
    await protocol.call_recorded(
        engine, session, her, outreach, outcome=outcome, actor_id=caller.principal.user_id
    )
    await caller.log(
        session,
        action="outreach.call",
        object_type="outreach",
        object_id=outreach.id,
        purpose="call",
    )
    return await _read(session, outreach)


async def read_replies(
    caller: Caller, session: AsyncSession, *, outreach_id: uuid.UUID
) -> list[ReplyText]:
    """Her replies in the clear: a logged read, and each reply is marked as read."""
    her, outreach = await _reachable_outreach(caller, session, outreach_id)
    replies = (
        await session.scalars(
            select(InboundMessage)
            .where(InboundMessage.outreach_id == outreach.id)
            .order_by(InboundMessage.received_at, InboundMessage.id)
        )
    ).all()
    now = caller.clock()
    texts = []
    for reply in replies:
        body = (
            None
            if reply.body is None
            else await caller.cipher.decrypt(
                session,
                data_key_id=reply.data_key_id,
                table="inbound_message",
                column="body",
                record_id=reply.id,
                ciphertext=reply.body,
            )
        )
        if reply.read_at is None:
            reply.read_at, reply.read_by = now, caller.principal.user_id
        texts.append(
            ReplyText(
                id=reply.id,
                channel=reply.channel,
                kind=reply.kind,
                received_at=reply.received_at,
                body=body,
            )
        )
    await caller.log(
        session,
        action="outreach.replies_read",
        object_type="partner",
        object_id=her.partner.id,
        purpose="outreach",
    )
    return texts


async def record_reading(
    caller: Caller,
    session: AsyncSession,
    engine: Engine,
    *,
    outreach_id: uuid.UUID,
    reply_id: uuid.UUID,
    kind: ReplyKind,
) -> OutreachRead:
    """A worker read an unclear reply and says what it means; the protocol moves on."""
    her, outreach = await _reachable_outreach(caller, session, outreach_id, engine)
    reply = await session.scalar(
        select(InboundMessage).where(
            InboundMessage.id == reply_id, InboundMessage.outreach_id == outreach.id
        )
    )
    if reply is None:
        raise not_found("reply")
    if OutreachState(outreach.state) != OutreachState.needs_reading:
        raise DomainError(
            "invalid_transition",
            "The outreach cannot do that in its current state",
            status=409,
            detail="Only an outreach waiting for a reading takes one.",
        )
    reply.kind = kind.value
    if kind == ReplyKind.other:
        await caller.log(
            session, action="outreach.reading", object_type="outreach", object_id=outreach.id
        )
        return await _read(session, outreach)
    await protocol.apply_reply(
        engine,
        session,
        caller.cipher,
        her,
        outreach,
        kind=kind,
        received_at=reply.received_at,
        actor_id=caller.principal.user_id,
    )
    await caller.log(
        session, action="outreach.reading", object_type="outreach", object_id=outreach.id
    )
    return await _read(session, outreach)


async def note_code_word_verified(
    caller: Caller, session: AsyncSession, engine: Engine, *, partner_id: uuid.UUID
) -> None:
    """Her open outreach records that the code word was verified (never the word)."""
    outreach = await open_outreach_of(session, partner_id)
    if outreach is None:
        return
    outreach.is_code_word_verified = True
    await record_step(
        engine, session, outreach, Step.code_word_verified, actor_id=caller.principal.user_id
    )


async def confirm_opt_in(caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID) -> None:
    """Reopen contact after her STOP: only once she has written START herself."""
    partner: Partner = await reachable_partner(
        session, caller.principal, partner_id, for_update=True
    )
    if partner.opted_out_at is None:
        raise DomainError("not_opted_out", "She has not opted out", status=409)
    if partner.start_received_at is None or partner.start_received_at < partner.opted_out_at:
        raise DomainError(
            "start_not_received",
            "Contact reopens only after she writes START herself",
            status=409,
        )
    partner.opted_out_at = None
    partner.start_received_at = None
    partner.updated_at = caller.clock()
    await caller.log(
        session,
        action="partner.opt_in_confirm",
        object_type="partner",
        object_id=partner.id,
        purpose="outreach",
    )
