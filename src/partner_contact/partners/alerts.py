"""Urgent alerts for her worker, raised by a threat to kill; read and acknowledged.

An alert names the partner and its kind and priority, nothing the facilitator said. The
flow is one-way: nothing he can read shows that an alert exists or was acknowledged.
Every acknowledgement is written to the access log in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.participants.models import Participant
from partner_contact.partners.access import not_found, reachable_cases
from partner_contact.partners.context import Caller
from partner_contact.partners.events import Priority
from partner_contact.partners.models import Partner, PartnerAlert, ProgrammeEvent

THREAT_TO_KILL: Final = "threat_to_kill"


class AlertRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    # What raised it, as a code ("threat_to_kill"); never words of the facilitator.
    kind: str
    priority: Priority
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None


class AlertPage(msgspec.Struct, kw_only=True):
    items: list[AlertRead]
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


def _alert_read(alert: PartnerAlert, event: ProgrammeEvent) -> AlertRead:
    return AlertRead(
        id=alert.id,
        partner_id=alert.partner_id,
        kind=THREAT_TO_KILL if event.is_threat_to_kill else event.kind,
        priority=Priority(alert.level),
        created_at=alert.created_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
    )


def _reachable_alerts(caller: Caller) -> Select[tuple[PartnerAlert, ProgrammeEvent]]:
    """Alerts of the caller's cases; never of a man she facilitates (staff separation)."""
    return (
        select(PartnerAlert, ProgrammeEvent)
        .join(ProgrammeEvent, ProgrammeEvent.id == PartnerAlert.event_id)
        .join(Partner, Partner.id == PartnerAlert.partner_id)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(reachable_cases(caller.principal))
        .where(Participant.facilitator_id.is_distinct_from(caller.principal.user_id))
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
    statement = _reachable_alerts(caller)
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
    rows = (await session.execute(statement.limit(limit + 1))).tuples().all()
    next_cursor = _encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return AlertPage(
        items=[_alert_read(alert, event) for alert, event in rows[:limit]],
        next_cursor=next_cursor,
    )


async def acknowledge_alert(
    caller: Caller, session: AsyncSession, *, alert_id: uuid.UUID
) -> AlertRead:
    """Record who acknowledged it and when; a repeat changes nothing but is logged too."""
    statement = (
        _reachable_alerts(caller)
        .where(PartnerAlert.id == alert_id)
        .with_for_update(of=PartnerAlert)
    )
    row = (await session.execute(statement)).tuples().first()
    if row is None:
        raise not_found("alert")
    alert, event = row
    if alert.acknowledged_at is None:
        alert.acknowledged_at = caller.clock()
        alert.acknowledged_by = caller.principal.user_id
        await session.flush()
    await caller.log(
        session, action="partner_alert.acknowledge", object_type="partner_alert", object_id=alert.id
    )
    return _alert_read(alert, event)
