"""Urgent alerts for her worker: a threat to kill, her reply asking for a call, a reply a
worker must read. Listed, streamed (partners/alert_stream.py) and acknowledged.

An alert names the partner and its kind and priority, nothing the facilitator said. The
flow is one-way: nothing he can read shows that an alert exists or was acknowledged.
Every acknowledgement is written to the access log in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

import msgspec
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.principal import Principal
from partner_contact.errors import DomainError, FieldError
from partner_contact.participants.models import Participant
from partner_contact.partners.access import not_found, reachable_cases
from partner_contact.partners.alert_bus import announce
from partner_contact.partners.context import Caller
from partner_contact.partners.events import Priority
from partner_contact.partners.models import Partner, PartnerAlert


class AlertRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    outreach_id: uuid.UUID | None
    # What raised it, as a code ("threat_to_kill", "reply_yes", "reply_help",
    # "reply_unreadable", "start_received", "needs_worker"); never anyone's words.
    kind: str
    priority: Priority
    # When it happened (for a reply: when she wrote), so the alert can say how long ago.
    occurred_at: datetime
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None


class AlertPage(msgspec.Struct, kw_only=True):
    items: list[AlertRead]
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


def alert_read(alert: PartnerAlert) -> AlertRead:
    return AlertRead(
        id=alert.id,
        partner_id=alert.partner_id,
        outreach_id=alert.outreach_id,
        kind=alert.kind,
        priority=Priority(alert.level),
        occurred_at=alert.occurred_at,
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )


def reachable_alerts(principal: Principal) -> Select[tuple[PartnerAlert]]:
    """Alerts of the caller's cases; never of a man she facilitates (staff separation)."""
    return (
        select(PartnerAlert)
        .join(Partner, Partner.id == PartnerAlert.partner_id)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(reachable_cases(principal), Partner.erased_at.is_(None))
        .where(Participant.facilitator_id.is_distinct_from(principal.user_id))
    )


def _encode_cursor(alert: PartnerAlert) -> str:
    raw = msgspec.json.encode([alert.created_at.isoformat(), str(alert.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> DomainError:
    return DomainError(
        "validation_failed",
        "The cursor is not valid",
        status=400,
        errors=[FieldError("cursor", "not a cursor from this API")],
    )


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, alert_id = msgspec.json.decode(raw, type=tuple[datetime, uuid.UUID])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise _bad_cursor() from None
    if created_at.tzinfo is None:
        raise _bad_cursor()
    return created_at, alert_id


async def list_alerts(
    caller: Caller,
    session: AsyncSession,
    *,
    include_acknowledged: bool,
    limit: int,
    cursor: str | None,
) -> AlertPage:
    """One page, newest first; only unacknowledged alerts unless asked otherwise."""
    statement = reachable_alerts(caller.principal)
    if not include_acknowledged:
        statement = statement.where(PartnerAlert.acknowledged_at.is_(None))
    if cursor is not None:
        created_at, last_id = _decode_cursor(cursor)
        statement = statement.where(
            or_(
                PartnerAlert.created_at < created_at,
                and_(PartnerAlert.created_at == created_at, PartnerAlert.id < last_id),
            )
        )
    statement = statement.order_by(PartnerAlert.created_at.desc(), PartnerAlert.id.desc())
    rows = (await session.scalars(statement.limit(limit + 1))).all()
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return AlertPage(
        items=[alert_read(alert) for alert in rows[:limit]],
        next_cursor=next_cursor,
    )


async def acknowledge_alert(
    caller: Caller, session: AsyncSession, *, alert_id: uuid.UUID
) -> AlertRead:
    """Record who acknowledged it and when; a repeat changes nothing but is logged too."""
    statement = (
        reachable_alerts(caller.principal)
        .where(PartnerAlert.id == alert_id)
        .with_for_update(of=PartnerAlert)
    )
    alert = await session.scalar(statement)
    if alert is None:
        raise not_found("alert")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = caller.clock()
        alert.acknowledged_by = caller.principal.user_id
        await session.flush()
    await caller.log(
        session, action="partner_alert.acknowledge", object_type="partner_alert", object_id=alert.id
    )
    return alert_read(alert)


async def raise_alert(
    session: AsyncSession,
    *,
    partner: Partner,
    kind: str,
    priority: Priority,
    occurred_at: datetime,
    now: datetime,
    outreach_id: uuid.UUID | None = None,
) -> PartnerAlert:
    """An alert for her worker (and team), announced to live streams at commit."""
    alert = PartnerAlert(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        outreach_id=outreach_id,
        kind=kind,
        level=priority.value,
        occurred_at=occurred_at,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    await announce(session)
    return alert
