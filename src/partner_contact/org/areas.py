"""The areas an organisation serves and what is known of help there.

Each fact about an area is confirmed by someone at some time; a newer confirmation
adds a row, so the history stays. A fact is stale when nobody has confirmed it, or
its last confirmation is older than the staleness limit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import Area, AreaFact, AreaFactConfirmation, FactValue
from partner_contact.org.schemas import FactRead

# A setting can replace this default later; callers may pass their own limit.
MIN_STALE_AFTER_DAYS: Final = 1
MAX_STALE_AFTER_DAYS: Final = 365

CurrentFacts = dict[uuid.UUID, dict[AreaFact, AreaFactConfirmation]]


def is_stale(confirmed_at: datetime | None, *, now: datetime, stale_after: timedelta) -> bool:
    """Exactly ``stale_after`` old is still fresh; a moment later it is stale."""
    return confirmed_at is None or now - confirmed_at > stale_after


def fact_reads(
    confirmations: Mapping[AreaFact, AreaFactConfirmation], *, now: datetime, stale_after: timedelta
) -> list[FactRead]:
    """All four facts of an area; one never confirmed reads as unknown and stale."""
    reads = []
    for fact in AreaFact:
        confirmation = confirmations.get(fact)
        confirmed_at = confirmation.confirmed_at if confirmation else None
        reads.append(
            FactRead(
                fact=fact,
                value=FactValue(confirmation.value) if confirmation else FactValue.unknown,
                confirmed_at=confirmed_at,
                confirmed_by=confirmation.confirmed_by if confirmation else None,
                is_stale=is_stale(confirmed_at, now=now, stale_after=stale_after),
            )
        )
    return reads


async def _ensure_name_free(
    session: AsyncSession, organisation_id: uuid.UUID, name: str, except_id: uuid.UUID | None
) -> None:
    query = select(Area.id).where(Area.organisation_id == organisation_id, Area.name == name)
    if except_id is not None:
        query = query.where(Area.id != except_id)
    if await session.scalar(query) is not None:
        raise DomainError(
            "area_exists",
            "An area of this name exists already",
            errors=[FieldError("name", "is already used by another area")],
        )


async def create_area(
    session: AsyncSession, *, organisation_id: uuid.UUID, name: str, now: datetime
) -> Area:
    await _ensure_name_free(session, organisation_id, name, None)
    area = Area(id=uuid.uuid4(), organisation_id=organisation_id, name=name, created_at=now)
    session.add(area)
    await session.flush()
    return area


async def get_area(
    session: AsyncSession, *, organisation_id: uuid.UUID, area_id: uuid.UUID
) -> Area:
    area = await session.scalar(
        select(Area).where(Area.id == area_id, Area.organisation_id == organisation_id)
    )
    if area is None:
        raise DomainError("area_not_found", "No such area", status=404)
    return area


async def rename_area(
    session: AsyncSession, *, organisation_id: uuid.UUID, area_id: uuid.UUID, name: str
) -> Area:
    area = await get_area(session, organisation_id=organisation_id, area_id=area_id)
    await _ensure_name_free(session, organisation_id, name, area_id)
    area.name = name
    await session.flush()
    return area


async def list_areas(session: AsyncSession, *, organisation_id: uuid.UUID) -> list[Area]:
    result = await session.scalars(
        select(Area).where(Area.organisation_id == organisation_id).order_by(Area.name, Area.id)
    )
    return list(result)


async def current_facts(session: AsyncSession, *, area_ids: Sequence[uuid.UUID]) -> CurrentFacts:
    """The latest confirmation of each fact of these areas."""
    latest = (
        select(
            AreaFactConfirmation.area_id,
            AreaFactConfirmation.fact,
            func.max(AreaFactConfirmation.version).label("version"),
        )
        .where(AreaFactConfirmation.area_id.in_(area_ids))
        .group_by(AreaFactConfirmation.area_id, AreaFactConfirmation.fact)
        .subquery()
    )
    rows = await session.scalars(
        select(AreaFactConfirmation).join(
            latest,
            (AreaFactConfirmation.area_id == latest.c.area_id)
            & (AreaFactConfirmation.fact == latest.c.fact)
            & (AreaFactConfirmation.version == latest.c.version),
        )
    )
    facts: CurrentFacts = {area_id: {} for area_id in area_ids}
    for row in rows:
        facts[row.area_id][AreaFact(row.fact)] = row
    return facts


async def confirm_facts(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    area_id: uuid.UUID,
    values: Mapping[AreaFact, FactValue],
    confirmed_by: uuid.UUID,
    now: datetime,
) -> list[AreaFactConfirmation]:
    """Record a confirmation of each given fact, even when its value did not change."""
    if not values:
        raise DomainError(
            "nothing_confirmed",
            "Name at least one fact to confirm",
            status=422,
            errors=[FieldError("body", "names no fact")],
        )
    await get_area(session, organisation_id=organisation_id, area_id=area_id)
    versions = dict(
        (
            await session.execute(
                select(AreaFactConfirmation.fact, func.max(AreaFactConfirmation.version))
                .where(AreaFactConfirmation.area_id == area_id)
                .group_by(AreaFactConfirmation.fact)
            )
        )
        .tuples()
        .all()
    )
    confirmations = [
        AreaFactConfirmation(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            area_id=area_id,
            fact=fact.value,
            version=versions.get(fact.value, 0) + 1,
            value=value.value,
            confirmed_by=confirmed_by,
            confirmed_at=now,
        )
        for fact, value in values.items()
    ]
    session.add_all(confirmations)
    await session.flush()
    return confirmations


async def fact_history(
    session: AsyncSession, *, organisation_id: uuid.UUID, area_id: uuid.UUID
) -> list[AreaFactConfirmation]:
    """Every confirmation of the area's facts, newest first."""
    await get_area(session, organisation_id=organisation_id, area_id=area_id)
    result = await session.scalars(
        select(AreaFactConfirmation)
        .where(AreaFactConfirmation.area_id == area_id)
        .order_by(
            AreaFactConfirmation.confirmed_at.desc(),
            AreaFactConfirmation.fact,
            AreaFactConfirmation.version.desc(),
        )
    )
    return list(result)
