"""The organisation's crisis situation, kept as a history of records.

While in-person work still runs, is being limited or a lockdown date is known
(levels 1-3), the priority is to prepare: partner-support work builds on
``PREPARATION_TASKS`` for each case.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import SituationLevel, SituationRecord


class PreparationTask(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    description: str


PREPARATION_TASKS: Final[tuple[PreparationTask, ...]] = (
    PreparationTask(
        code="contact_details_and_consent",
        description=(
            "Collect her current phone numbers and e-mail addresses, and ask whether she "
            "agrees to be contacted on them."
        ),
    ),
    PreparationTask(
        code="preparatory_partner_contact",
        description=(
            "Make a preparatory contact with her: ask how she would feel about the "
            "programme working with him remotely, by phone or video."
        ),
    ),
    PreparationTask(
        code="safe_channels_and_times",
        description=(
            "Agree with her which channels are safe for her and at which times she can "
            "be reached without him noticing."
        ),
    ),
)


def preparation_applies(level: SituationLevel | int) -> bool:
    """Preparation comes first until the lockdown has started (levels 1-3)."""
    return SituationLevel(level) < SituationLevel.in_lockdown


async def record_situation(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    level: SituationLevel,
    effective_date: date,
    lockdown_date: date | None,
    recorded_by: uuid.UUID,
    now: datetime,
) -> SituationRecord:
    """Add a record; earlier ones stay as history."""
    if level == SituationLevel.lockdown_date_known and lockdown_date is None:
        raise _invalid("lockdown_date", "is required when the lockdown date is known (level 3)")
    if level != SituationLevel.lockdown_date_known and lockdown_date is not None:
        raise _invalid("lockdown_date", "is only given with level 3 (lockdown date known)")
    latest = await session.scalar(
        select(func.max(SituationRecord.version)).where(
            SituationRecord.organisation_id == organisation_id
        )
    )
    record = SituationRecord(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        version=(latest or 0) + 1,
        level=int(level),
        lockdown_date=lockdown_date,
        effective_date=effective_date,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    session.add(record)
    await session.flush()
    return record


async def current_situation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> SituationRecord | None:
    record: SituationRecord | None = await session.scalar(
        select(SituationRecord)
        .where(SituationRecord.organisation_id == organisation_id)
        .order_by(SituationRecord.version.desc())
        .limit(1)
    )
    return record


async def situation_history(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> list[SituationRecord]:
    """Every record, newest first."""
    result = await session.scalars(
        select(SituationRecord)
        .where(SituationRecord.organisation_id == organisation_id)
        .order_by(SituationRecord.version.desc())
    )
    return list(result)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_situation",
        "The situation cannot be recorded",
        status=422,
        errors=[FieldError(field, message)],
    )
