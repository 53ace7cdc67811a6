"""Case systems as other features see them: who is subscribed, and queuing an event.

Referrals call :func:`case_system_for_service`, :func:`case_system_for_key` and
:func:`enqueue_event`; nothing else here is theirs to use.
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
) -> uuid.UUID:
    """Queue an event in the caller's transaction; the worker posts it after commit.

    ``data_key_id`` is HER partner data key: the payload is sealed under it, so her
    erasure makes a queued payload unreadable and the worker drops it.
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
            next_attempt_at=now,
            created_at=now,
        )
    )
    await session.flush()
    return event_id
