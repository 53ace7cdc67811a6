"""Versioned screenings, the risk they imply, and his contact window."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.clock import Clock
from partner_contact.errors import DomainError, FieldError
from partner_contact.participants.models import Participant, Screening
from partner_contact.participants.risk import (
    LivingSituation,
    RiskAssessment,
    RiskFactor,
    RiskRule,
    ScreeningFacts,
    WorkStatus,
    derive_risk,
)
from partner_contact.participants.schedule import WeeklyWindows, check_windows
from partner_contact.participants.schemas import RiskFactors, ScreeningCreate


def check_screening(data: ScreeningCreate) -> list[FieldError]:
    """Rules across fields that the wire types cannot express."""
    errors = []
    if data.children_ages is not None and len(data.children_ages) != data.children_count:
        errors.append(FieldError("children_ages", "one age per child in children_count"))
    if data.work == WorkStatus.outside_home:
        if data.working_hours is None:
            errors.append(FieldError("working_hours", "required when he works outside the home"))
        else:
            errors.extend(check_windows(data.working_hours, field="working_hours"))
    elif data.working_hours is not None:
        errors.append(FieldError("working_hours", "only when he works outside the home"))
    return errors


async def record_screening(
    session: AsyncSession,
    participant: Participant,
    data: ScreeningCreate,
    *,
    recorded_by: uuid.UUID,
    clock: Clock,
) -> Screening:
    """Add the next version of his screening; earlier versions stay as they were."""
    errors = check_screening(data)
    if errors:
        raise DomainError(
            "validation_failed", "The screening is not valid", status=422, errors=errors
        )
    # Serialises concurrent recorders on PostgreSQL; SQLite's writer lock already does.
    await session.execute(
        select(Participant.id).where(Participant.id == participant.id).with_for_update()
    )
    latest = await session.scalar(
        select(func.max(Screening.version)).where(Screening.participant_id == participant.id)
    )
    screening = Screening(
        id=uuid.uuid4(),
        organisation_id=participant.organisation_id,
        participant_id=participant.id,
        version=(latest or 0) + 1,
        recorded_by=recorded_by,
        recorded_at=clock(),
        living_situation=data.living_situation.value,
        children_count=data.children_count,
        children_ages=data.children_ages,
        work=data.work.value,
        working_hours=msgspec.to_builtins(data.working_hours) if data.working_hours else None,
        group_has_met=data.group_has_met,
        **msgspec.structs.asdict(data.risk_factors),
    )
    session.add(screening)
    await session.flush()
    return screening


async def list_screenings(session: AsyncSession, participant: Participant) -> Sequence[Screening]:
    """His screening history, newest first."""
    return (
        await session.scalars(
            select(Screening)
            .where(Screening.participant_id == participant.id)
            .order_by(Screening.version.desc())
        )
    ).all()


async def latest_screening(session: AsyncSession, participant_id: uuid.UUID) -> Screening | None:
    """His current screening (the newest version), if any."""
    screening: Screening | None = await session.scalar(
        select(Screening)
        .where(Screening.participant_id == participant_id)
        .order_by(Screening.version.desc())
        .limit(1)
    )
    return screening


def risk_factors_of(screening: Screening) -> RiskFactors:
    return RiskFactors(**{factor.value: getattr(screening, factor.value) for factor in RiskFactor})


def working_hours_of(screening: Screening) -> WeeklyWindows | None:
    if screening.working_hours is None:
        return None
    return msgspec.convert(screening.working_hours, WeeklyWindows)


def assess(screening: Screening, rule: RiskRule) -> RiskAssessment:
    """The risk band and interventions of a stored screening under ``rule``."""
    facts = ScreeningFacts(
        living_situation=LivingSituation(screening.living_situation),
        children_count=screening.children_count,
        work=WorkStatus(screening.work),
        group_has_met=screening.group_has_met,
        factors=frozenset(f for f in RiskFactor if getattr(screening, f.value)),
    )
    return derive_risk(facts, rule)


def contact_window(screening: Screening) -> WeeklyWindows | None:
    """When he is at work away from home (his zone), or None when that is not known.

    For the partner side only (the outreach gate): never show it to anyone partner-facing.
    """
    if screening.work != WorkStatus.outside_home.value:
        return None
    return working_hours_of(screening)
