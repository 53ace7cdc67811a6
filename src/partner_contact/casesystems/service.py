"""Case systems as other features see them: who is subscribed, and queuing an event.

Referrals call :func:`case_system_for_service`, :func:`case_system_for_key`,
:func:`case_system_by_id`, :func:`enqueue_event` and :func:`cancel_undelivered`; nothing
else here is theirs to use.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.casesystems.models import CaseSystem, CaseSystemDelivery
from partner_contact.crypto.service import FieldCipher

DELIVERY_TABLE = "case_system_delivery"


async def case_system_for_service(
    session: AsyncSession, *, organisation_id: uuid.UUID, service_id: uuid.UUID
) -> CaseSystem | None:
    """The enabled case system subscribed to this support service, if any."""
    systems = (
        await session.scalars(
            select(CaseSystem)
            .where(CaseSystem.organisation_id == organisation_id, CaseSystem.is_enabled)
            .order_by(CaseSystem.created_at, CaseSystem.id)
        )
    ).all()
    wanted = str(service_id)
    # At most one enabled system holds a service (checked on every write).
    return next((system for system in systems if wanted in system.service_ids), None)


async def case_system_for_key(session: AsyncSession, *, api_key_id: str) -> CaseSystem | None:
    """The enabled case system bound to this integration API key, if any."""
    system: CaseSystem | None = await session.scalar(
        select(CaseSystem)
        .where(CaseSystem.api_key_id == api_key_id, CaseSystem.is_enabled)
        .order_by(CaseSystem.created_at, CaseSystem.id)
        .limit(1)
    )
    return system


async def case_system_by_id(
    session: AsyncSession, *, organisation_id: uuid.UUID, case_system_id: uuid.UUID
) -> CaseSystem | None:
    """The case system with this id, enabled or not, whatever it subscribes to now."""
    system: CaseSystem | None = await session.scalar(
        select(CaseSystem).where(
            CaseSystem.id == case_system_id, CaseSystem.organisation_id == organisation_id
        )
    )
    return system


async def cancel_undelivered(
    session: AsyncSession, *, subject_id: uuid.UUID, kind: str, reason: str, now: datetime
) -> datetime | None:
    """Stop every undelivered event of this kind about the subject, in the caller's
    transaction: it is marked ``failed`` with ``reason`` as its error code, its payload is
    deleted, and it is never posted (again).

    A worker may be posting one at this moment (its lease has not lapsed): that post
    cannot be called back. The answer is then when it ends at the latest (the lease), so
    an event that must arrive after it (a withdrawal) is not posted earlier; else None.
    """
    rows = (
        await session.scalars(
            select(CaseSystemDelivery)
            .where(
                CaseSystemDelivery.subject_id == subject_id,
                CaseSystemDelivery.kind == kind,
                CaseSystemDelivery.status == "pending",
            )
            .with_for_update()
        )
    ).all()
    in_flight: datetime | None = None
    for row in rows:
        if row.lease_until is not None and row.lease_until > now:
            in_flight = row.lease_until if in_flight is None else max(in_flight, row.lease_until)
        row.status, row.payload, row.lease_until = "failed", None, None
        row.last_error_code = reason
    await session.flush()
    return in_flight


async def enqueue_event(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    case_system: CaseSystem,
    kind: str,
    subject_id: uuid.UUID,
    data_key_id: uuid.UUID,
    payload: Mapping[str, object],
    now: datetime,
    not_before: datetime | None = None,
) -> uuid.UUID:
    """Queue an event in the caller's transaction; the worker posts it after commit
    (and not before ``not_before`` when given).

    ``data_key_id`` is the key the payload lives and dies with: HER partner data key for
    anything of hers, so her erasure makes a queued payload unreadable and the worker
    drops it; the case system's own key for what carries nothing of hers and must still
    go after her erasure (a withdrawal: delete what you received).
    """
    event_id = uuid.uuid4()
    sealed = await cipher.encrypt(
        session,
        data_key_id=data_key_id,
        table=DELIVERY_TABLE,
        column="payload",
        record_id=event_id,
        plaintext=msgspec.json.encode(dict(payload)).decode(),
    )
    session.add(
        CaseSystemDelivery(
            event_id=event_id,
            case_system_id=case_system.id,
            kind=kind,
            subject_id=subject_id,
            data_key_id=data_key_id,
            payload=sealed,
            status="pending",
            attempts=0,
            next_attempt_at=now if not_before is None else max(now, not_before),
            created_at=now,
        )
    )
    await session.flush()
    return event_id
