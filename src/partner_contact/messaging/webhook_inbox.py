"""The durable inbox between providers' webhooks and the engine.

A webhook checks the provider's signature, stores what it was told here (sealed: a reply
holds her number and words) and answers at once; the dispatcher hands each stored event
to the engine after that commit (messaging/inbound.py), so a slow step never makes a
provider retry, and a step that fails is tried again rather than lost. The provider's
own event id is unique per provider: a replayed or duplicated delivery is stored once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.logs import get_logger
from partner_contact.messaging.inbound import (
    InboundText,
    StatusReport,
    receive_inbound,
    receive_status,
)
from partner_contact.messaging.models import WebhookEvent
from partner_contact.outreach.engine import Engine

log = get_logger(__name__)
TABLE: Final = "webhook_event"
MAX_ATTEMPTS: Final = 5


class _Inbound(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    provider_message_id: str
    channel: str
    sender: str
    body: str
    received_at: datetime
    is_opt_out: bool
    is_opt_in: bool


class _Status(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    provider_message_id: str
    status: str
    error_code: str | None
    is_permanent: bool
    is_opt_out: bool


def _encode(event: InboundText | StatusReport) -> tuple[str, bytes]:
    if isinstance(event, InboundText):
        return "inbound", msgspec.json.encode(
            _Inbound(
                provider=event.provider,
                provider_message_id=event.provider_message_id,
                channel=event.channel,
                sender=event.sender,
                body=event.body,
                received_at=event.received_at,
                is_opt_out=event.is_opt_out,
                is_opt_in=event.is_opt_in,
            )
        )
    return "status", msgspec.json.encode(
        _Status(
            provider=event.provider,
            provider_message_id=event.provider_message_id,
            status=event.status,
            error_code=event.error_code,
            is_permanent=event.is_permanent,
            is_opt_out=event.is_opt_out,
        )
    )


def _decode(kind: str, raw: str) -> InboundText | StatusReport:
    if kind == "inbound":
        inbound = msgspec.json.decode(raw, type=_Inbound)
        return InboundText(
            provider=inbound.provider,
            provider_message_id=inbound.provider_message_id,
            channel=inbound.channel,  # type: ignore[arg-type]
            sender=inbound.sender,
            body=inbound.body,
            received_at=inbound.received_at,
            is_opt_out=inbound.is_opt_out,
            is_opt_in=inbound.is_opt_in,
        )
    status = msgspec.json.decode(raw, type=_Status)
    return StatusReport(
        provider=status.provider,
        provider_message_id=status.provider_message_id,
        status=status.status,  # type: ignore[arg-type]
        error_code=status.error_code,
        is_permanent=status.is_permanent,
        is_opt_out=status.is_opt_out,
    )


async def enqueue(
    session: AsyncSession,
    engine: Engine,
    event: InboundText | StatusReport,
    *,
    provider: str,
    event_id: str,
) -> bool:
    """Store a verified event for the dispatcher; False when it was stored before."""
    known = await session.scalar(
        select(WebhookEvent.id).where(
            WebhookEvent.provider == provider, WebhookEvent.event_id == event_id
        )
    )
    if known is not None:
        return False
    cipher = engine.cipher()
    data_key = await cipher.new_data_key(session)
    kind, raw = _encode(event)
    row = WebhookEvent(
        id=uuid.uuid4(),
        data_key_id=data_key.id,
        provider=provider,
        event_id=event_id,
        kind=kind,
        received_at=engine.clock(),
        attempts=0,
    )
    row.payload = await cipher.encrypt(
        session,
        data_key_id=data_key.id,
        table=TABLE,
        column="payload",
        record_id=row.id,
        plaintext=raw.decode(),
    )
    session.add(row)
    await session.flush()
    return True


async def handle_next(engine: Engine, session: AsyncSession, event_id: uuid.UUID) -> bool:
    """Hand one stored event to the engine in the caller's transaction; False if taken."""
    row = await session.scalar(
        select(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.handled_at.is_(None))
        .with_for_update(skip_locked=True)
    )
    if row is None or row.payload is None:
        return False
    cipher = engine.cipher()
    raw = await cipher.decrypt(
        session,
        data_key_id=row.data_key_id,
        table=TABLE,
        column="payload",
        record_id=row.id,
        ciphertext=row.payload,
    )
    event = _decode(row.kind, raw)
    if isinstance(event, InboundText):
        await receive_inbound(engine, session, event)
    else:
        await receive_status(engine, session, event)
    row.handled_at = engine.clock()
    # Handled: what it said now lives (sealed) in the inbound or outbox rows.
    row.payload = None
    await cipher.shred(session, row.data_key_id)
    return True
