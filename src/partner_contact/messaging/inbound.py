"""The one internal path for what providers tell us: her replies and delivery statuses.

The sandbox API and the real providers' webhooks both end here, so the protocol cannot
tell them apart. A provider delivering the same reply twice has one effect (its message
id is unique); a status only ever moves a message forward.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.crypto.service import FieldCipher
from partner_contact.logs import get_logger
from partner_contact.messaging.models import InboundMessage, OutboxMessage
from partner_contact.messaging.providers.base import MessageChannel
from partner_contact.outreach import protocol
from partner_contact.outreach.engine import Engine, load_her, log_system_read
from partner_contact.outreach.models import Outreach
from partner_contact.outreach.replies import ReplyKind, classify_reply
from partner_contact.partners.models import Partner

log = get_logger(__name__)
TABLE: Final = "inbound_message"
# How far each status is along; a report only ever moves a message further.
_PROGRESS: Final = {
    "held": 0,
    "queued": 0,
    "sending": 1,
    "unknown": 1,
    "sent": 2,
    "delivered": 3,
    "failed": 3,
    "cancelled": 3,
}

ReportedStatus = Literal["sent", "delivered", "failed"]


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class InboundText:
    """A message from her (or from anyone) as a provider reported it; ``repr`` withheld."""

    provider: str
    provider_message_id: str
    channel: MessageChannel
    sender: str  # normalised: E.164 for phones, lower-case for e-mail
    body: str
    received_at: datetime
    # The provider's own opt-out or opt-in signal (Twilio's OptOutType).
    is_opt_out: bool = False
    is_opt_in: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class InboundOutcome:
    inbound_id: uuid.UUID | None
    is_duplicate: bool
    partner_id: uuid.UUID | None
    kind: ReplyKind | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatusReport:
    provider: str
    provider_message_id: str
    status: ReportedStatus
    error_code: str | None = None
    is_permanent: bool = False
    is_opt_out: bool = False


async def _senders(session: AsyncSession, engine: Engine, inbound: InboundText) -> list[uuid.UUID]:
    keyring = engine.keyring_file.current()
    if inbound.channel == "email":
        index = keyring.blind_index("email", inbound.sender)
        condition = Partner.email_index == index
    else:
        index = keyring.blind_index("phone", inbound.sender)
        condition = or_(Partner.phone_index == index, Partner.whatsapp_index == index)
    return list((await session.scalars(select(Partner.id).where(condition).limit(2))).all())


async def _seal(
    cipher: FieldCipher,
    session: AsyncSession,
    row: InboundMessage,
    column: str,
    value: str,
) -> bytes:
    return await cipher.encrypt(
        session,
        data_key_id=row.data_key_id,
        table=TABLE,
        column=column,
        record_id=row.id,
        plaintext=value,
    )


async def receive_inbound(
    engine: Engine, session: AsyncSession, inbound: InboundText
) -> InboundOutcome:
    """Store the message sealed, find whose it is by blind index, and let the protocol act."""
    existing = await session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.provider == inbound.provider,
            InboundMessage.provider_message_id == inbound.provider_message_id,
        )
    )
    if existing is not None:
        return InboundOutcome(inbound_id=existing, is_duplicate=True, partner_id=None, kind=None)
    cipher = engine.cipher()
    partner_ids = await _senders(session, engine, inbound)
    partner = None
    if len(partner_ids) == 1:
        partner = await session.scalar(
            select(Partner).where(Partner.id == partner_ids[0]).with_for_update()
        )
    her = (
        None
        if partner is None
        else await load_her(cipher, session, partner, available=engine.channels)
    )
    language = "" if her is None else her.record.profile.language
    if inbound.is_opt_out:
        kind = ReplyKind.stop
    elif inbound.is_opt_in:
        kind = ReplyKind.start
    else:
        kind = classify_reply(inbound.body, language)
    row = InboundMessage(
        id=uuid.uuid4(),
        # Matched: under her key, so erasing her erases it. Otherwise under its own.
        data_key_id=(
            partner.data_key_id if partner is not None else (await cipher.new_data_key(session)).id
        ),
        organisation_id=None if partner is None else partner.organisation_id,
        partner_id=None if partner is None else partner.id,
        channel=inbound.channel,
        provider=inbound.provider,
        provider_message_id=inbound.provider_message_id,
        kind=kind.value,
        received_at=inbound.received_at,
    )
    row.sender = await _seal(cipher, session, row, "sender", inbound.sender)
    row.body = await _seal(cipher, session, row, "body", inbound.body)
    session.add(row)
    await session.flush()
    if her is None:
        # Nobody, or two records sharing the number: a worker must decide, never a guess.
        log.info("inbound.unmatched", inbound_id=str(row.id), candidates=len(partner_ids))
        return InboundOutcome(inbound_id=row.id, is_duplicate=False, partner_id=None, kind=kind)
    await log_system_read(engine, session, action="inbound.receive", partner_id=her.partner.id)
    outreach = await protocol.reply_received(
        engine, session, cipher, her, kind=kind, received_at=inbound.received_at
    )
    row.outreach_id = None if outreach is None else outreach.id
    return InboundOutcome(
        inbound_id=row.id, is_duplicate=False, partner_id=her.partner.id, kind=kind
    )


async def receive_status(engine: Engine, session: AsyncSession, report: StatusReport) -> bool:
    """Move a message's status forward; returns whether anything changed."""
    partner_id = await session.scalar(
        select(OutboxMessage.partner_id).where(
            OutboxMessage.provider == report.provider,
            OutboxMessage.provider_message_id == report.provider_message_id,
        )
    )
    if partner_id is None:
        return False
    # Partner, then message, then outreach: the order every path here locks in.
    partner = await session.scalar(
        select(Partner).where(Partner.id == partner_id).with_for_update()
    )
    message = await session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.provider == report.provider,
            OutboxMessage.provider_message_id == report.provider_message_id,
        )
        .with_for_update()
    )
    assert partner is not None
    assert message is not None
    if message.status in ("sending", "unknown"):
        return False  # its send is still being recorded; the dispatcher settles it
    if _PROGRESS[report.status] <= _PROGRESS[message.status]:
        return False  # late or repeated: never backwards
    now = engine.clock()
    message.status, message.status_at = report.status, now
    if report.status != "failed":
        return True
    message.error_code = report.error_code
    if partner.erased_at is not None:
        return True  # nothing more happens for her: her record cannot be opened any more
    outreach = await session.scalar(
        select(Outreach).where(Outreach.id == message.outreach_id).with_for_update()
    )
    assert outreach is not None
    cipher = engine.cipher()
    her = await load_her(cipher, session, partner, available=engine.channels)
    await log_system_read(engine, session, action="outbox.status", partner_id=partner.id)
    if report.is_opt_out:
        await protocol.opt_out(engine, session, her, source="provider")
    else:
        await protocol.delivery_failed(
            engine, session, cipher, her, outreach, message, is_permanent=report.is_permanent
        )
    return True
