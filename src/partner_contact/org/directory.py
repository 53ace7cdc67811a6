"""The directory of women's support services that referrals can go to."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.directory_rules import (
    e164_phone,
    endpoint_errors,
    language_errors,
    opening_hours_errors,
    sorted_periods,
)
from partner_contact.org.models import Area, SupportService
from partner_contact.org.schemas import OpeningHours, OpeningPeriod, ServiceCreate, ServiceUpdate

MAX_PAGE_SIZE: Final = 200
_CursorKey = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class ServicePageResult:
    services: list[SupportService]
    next_cursor: str | None


def opening_hours_of(service: SupportService) -> OpeningHours:
    periods = msgspec.convert(service.opening_hours, list[OpeningPeriod])
    return OpeningHours(time_zone=service.time_zone, periods=periods)


def check_service_fields(
    *,
    phone: str | None,
    opening_hours: OpeningHours | None,
    languages: Sequence[str] | None,
    referral_endpoint: str | None,
) -> tuple[str | None, list[FieldError]]:
    """The phone in E.164 form (when given) and every rule the given fields break."""
    errors: list[FieldError] = []
    normalised = None
    if phone is not None:
        normalised = e164_phone(phone)
        if normalised is None:
            errors.append(FieldError("phone", "not a valid international phone number"))
    if opening_hours is not None:
        errors += opening_hours_errors(opening_hours)
    if languages is not None:
        errors += language_errors(languages)
    if referral_endpoint is not None:
        errors += endpoint_errors(referral_endpoint)
    return normalised, errors


def _invalid(errors: list[FieldError]) -> DomainError:
    return DomainError(
        "invalid_service", "The service entry breaks a rule", status=422, errors=errors
    )


async def _check_area(
    session: AsyncSession, organisation_id: uuid.UUID, area_id: uuid.UUID
) -> None:
    found = await session.scalar(
        select(Area.id).where(Area.id == area_id, Area.organisation_id == organisation_id)
    )
    if found is None:
        raise _invalid([FieldError("area_id", "no such area")])


async def _check_name_free(
    session: AsyncSession, service: SupportService, *, except_self: bool
) -> None:
    query = select(SupportService.id).where(
        SupportService.organisation_id == service.organisation_id,
        SupportService.area_id == service.area_id,
        SupportService.name == service.name,
    )
    if except_self:
        query = query.where(SupportService.id != service.id)
    if await session.scalar(query) is not None:
        raise DomainError(
            "service_exists",
            "A service of this name exists in this area already",
            errors=[FieldError("name", "is already used in this area")],
        )


def new_service(
    *,
    organisation_id: uuid.UUID,
    data: ServiceCreate,
    e164: str,
    actor_id: uuid.UUID,
    now: datetime,
) -> SupportService:
    """A service row from fields that passed the rules (the CSV import builds these too)."""
    return SupportService(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        area_id=data.area_id,
        name=data.name,
        phone=e164,
        time_zone=data.opening_hours.time_zone,
        opening_hours=msgspec.to_builtins(sorted_periods(data.opening_hours.periods)),
        languages=list(data.languages),
        accessibility_notes=data.accessibility_notes,
        is_operating_now=data.is_operating_now,
        operating_confirmed_at=now,
        operating_confirmed_by=actor_id,
        accepts_self_referral=data.accepts_self_referral,
        accepts_agency_referral=data.accepts_agency_referral,
        referral_endpoint=data.referral_endpoint,
        is_active=True,
        created_at=now,
        updated_at=now,
    )


async def create_service(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    data: ServiceCreate,
    actor_id: uuid.UUID,
    now: datetime,
) -> SupportService:
    e164, errors = check_service_fields(
        phone=data.phone,
        opening_hours=data.opening_hours,
        languages=data.languages,
        referral_endpoint=data.referral_endpoint,
    )
    if errors or e164 is None:
        raise _invalid(errors)
    await _check_area(session, organisation_id, data.area_id)
    service = new_service(
        organisation_id=organisation_id, data=data, e164=e164, actor_id=actor_id, now=now
    )
    await _check_name_free(session, service, except_self=False)
    session.add(service)
    await session.flush()
    return service


async def get_service(
    session: AsyncSession, *, organisation_id: uuid.UUID, service_id: uuid.UUID
) -> SupportService:
    service = await session.scalar(
        select(SupportService).where(
            SupportService.id == service_id, SupportService.organisation_id == organisation_id
        )
    )
    if service is None:
        raise DomainError("service_not_found", "No such service", status=404)
    return service


async def update_service(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    service_id: uuid.UUID,
    data: ServiceUpdate,
    actor_id: uuid.UUID,
    now: datetime,
) -> SupportService:
    service = await get_service(session, organisation_id=organisation_id, service_id=service_id)
    e164, errors = check_service_fields(
        phone=data.phone,
        opening_hours=data.opening_hours,
        languages=data.languages,
        referral_endpoint=data.referral_endpoint,
    )
    for flag, value in (
        ("remove_accessibility_notes", data.accessibility_notes),
        ("remove_referral_endpoint", data.referral_endpoint),
    ):
        if getattr(data, flag) and value is not None:
            errors.append(FieldError(flag, "cannot be combined with a new value"))
    if errors:
        raise _invalid(errors)
    if data.area_id is not None:
        await _check_area(session, organisation_id, data.area_id)
        service.area_id = data.area_id
    if data.name is not None:
        service.name = data.name
    if data.area_id is not None or data.name is not None:
        await _check_name_free(session, service, except_self=True)
    if e164 is not None:
        service.phone = e164
    if data.opening_hours is not None:
        service.time_zone = data.opening_hours.time_zone
        service.opening_hours = msgspec.to_builtins(sorted_periods(data.opening_hours.periods))
    if data.languages is not None:
        service.languages = list(data.languages)
    if data.accessibility_notes is not None or data.remove_accessibility_notes:
        service.accessibility_notes = data.accessibility_notes
    if data.referral_endpoint is not None or data.remove_referral_endpoint:
        service.referral_endpoint = data.referral_endpoint
    if data.is_operating_now is not None:
        service.is_operating_now = data.is_operating_now
        service.operating_confirmed_at = now
        service.operating_confirmed_by = actor_id
    if data.accepts_self_referral is not None:
        service.accepts_self_referral = data.accepts_self_referral
    if data.accepts_agency_referral is not None:
        service.accepts_agency_referral = data.accepts_agency_referral
    if data.is_active is not None:
        service.is_active = data.is_active
    service.updated_at = now
    await session.flush()
    return service


def _encode_cursor(service: SupportService) -> str:
    raw = msgspec.json.encode((service.name, service.id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> _CursorKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key: _CursorKey = msgspec.json.decode(raw, type=_CursorKey)
    except (ValueError, msgspec.DecodeError):
        raise DomainError(
            "invalid_cursor",
            "The cursor is not one this service issued",
            status=400,
            errors=[FieldError("cursor", "not a cursor this service issued")],
        ) from None
    return key


async def list_services(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    area_id: uuid.UUID | None = None,
    operating_now: bool | None = None,
    accepts_self_referral: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> ServicePageResult:
    """Active services by name; pages stay stable while services are added or removed."""
    conditions: list[ColumnElement[bool]] = [
        SupportService.organisation_id == organisation_id,
        SupportService.is_active.is_(True),
    ]
    if area_id is not None:
        conditions.append(SupportService.area_id == area_id)
    if operating_now is not None:
        conditions.append(SupportService.is_operating_now.is_(operating_now))
    if accepts_self_referral is not None:
        conditions.append(SupportService.accepts_self_referral.is_(accepts_self_referral))
    if cursor is not None:
        name, last_id = _decode_cursor(cursor)
        conditions.append(
            or_(
                SupportService.name > name,
                and_(SupportService.name == name, SupportService.id > last_id),
            )
        )
    result = await session.scalars(
        select(SupportService)
        .where(*conditions)
        .order_by(SupportService.name, SupportService.id)
        .limit(limit + 1)
    )
    services = list(result)
    if len(services) <= limit:
        return ServicePageResult(services=services, next_cursor=None)
    return ServicePageResult(
        services=services[:limit], next_cursor=_encode_cursor(services[limit - 1])
    )


async def operating_services(
    session: AsyncSession, organisation_id: uuid.UUID, area_id: uuid.UUID
) -> list[SupportService]:
    """Active services of an area that are operating now: what a referral may suggest."""
    result = await session.scalars(
        select(SupportService)
        .where(
            SupportService.organisation_id == organisation_id,
            SupportService.area_id == area_id,
            SupportService.is_active.is_(True),
            SupportService.is_operating_now.is_(True),
        )
        .order_by(SupportService.name, SupportService.id)
    )
    return list(result)
