"""Wire structs of the organisation's situation, its areas and the services directory."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from partner_contact.org.models import AreaFact, FactValue, SituationLevel
from partner_contact.org.situation import PreparationTask
from partner_contact.payload import Payload
from partner_contact.weekly import Weekday

AreaName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ServiceName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# "HH:MM" on a 24-hour clock; the rules check the range so errors can name the period.
LocalTime = Annotated[str, msgspec.Meta(min_length=4, max_length=5)]
TimeZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
LanguageCode = Annotated[str, msgspec.Meta(min_length=2, max_length=2)]


# --- Crisis situation -------------------------------------------------------------


class SituationCreate(Payload):
    level: SituationLevel
    effective_date: date
    # Required for level 3 (lockdown date known) and refused for the others.
    lockdown_date: date | None = None


class SituationRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    level: SituationLevel
    level_name: str
    lockdown_date: date | None
    effective_date: date
    recorded_by: uuid.UUID
    recorded_at: datetime


class CurrentSituation(msgspec.Struct, kw_only=True):
    # None until someone records the situation for the first time.
    current: SituationRead | None
    preparation_applies: bool
    # What to do for each case while preparation applies; empty otherwise.
    preparation_tasks: list[PreparationTask]


# --- Areas and regional context ---------------------------------------------------


class AreaCreate(Payload):
    name: AreaName


class AreaRename(Payload):
    name: AreaName


class FactConfirmations(Payload):
    """The facts confirmed now; a fact left out keeps its last confirmation."""

    police_respond: FactValue | None = None
    shelters_operate: FactValue | None = None
    shelters_take_new_women: FactValue | None = None
    courts_function: FactValue | None = None


class FactRead(msgspec.Struct, kw_only=True):
    fact: AreaFact
    value: FactValue
    confirmed_at: datetime | None
    confirmed_by: uuid.UUID | None
    # Never confirmed, or confirmed longer ago than the staleness limit.
    is_stale: bool


class AreaRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    created_at: datetime
    facts: list[FactRead]


class FactConfirmationRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    fact: AreaFact
    value: FactValue
    confirmed_at: datetime
    confirmed_by: uuid.UUID


# --- Services directory -----------------------------------------------------------


class OpeningPeriod(Payload):
    weekday: Weekday
    opens: LocalTime
    closes: LocalTime  # "24:00" closes at midnight; a period never runs past it


class OpeningHours(Payload):
    time_zone: TimeZoneName
    periods: Annotated[list[OpeningPeriod], msgspec.Meta(max_length=42)]


class ServiceCreate(Payload):
    name: ServiceName
    area_id: uuid.UUID
    phone: Annotated[str, msgspec.Meta(min_length=3, max_length=32)]
    opening_hours: OpeningHours
    is_operating_now: bool
    accepts_self_referral: bool
    accepts_agency_referral: bool
    languages: Annotated[list[LanguageCode], msgspec.Meta(max_length=20)] = []
    accessibility_notes: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    referral_endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None


class ServiceUpdate(Payload):
    """Fields left out keep their value; giving ``is_operating_now`` re-confirms it."""

    name: ServiceName | None = None
    area_id: uuid.UUID | None = None
    phone: Annotated[str, msgspec.Meta(min_length=3, max_length=32)] | None = None
    opening_hours: OpeningHours | None = None
    languages: Annotated[list[LanguageCode], msgspec.Meta(max_length=20)] | None = None
    accessibility_notes: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    remove_accessibility_notes: bool = False
    is_operating_now: bool | None = None
    accepts_self_referral: bool | None = None
    accepts_agency_referral: bool | None = None
    referral_endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    remove_referral_endpoint: bool = False
    is_active: bool | None = None


class ServiceRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    area_id: uuid.UUID
    phone: str
    opening_hours: OpeningHours
    languages: list[str]
    accessibility_notes: str | None
    is_operating_now: bool
    operating_confirmed_at: datetime
    operating_confirmed_by: uuid.UUID
    accepts_self_referral: bool
    accepts_agency_referral: bool
    referral_endpoint: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ServicePage(msgspec.Struct, kw_only=True):
    services: list[ServiceRead]
    # Pass as ``cursor`` for the next page; None on the last page.
    next_cursor: str | None


class ImportLineError(msgspec.Struct, kw_only=True):
    line: int
    field: str
    message: str


class ImportReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    lines_read: int
    # Services created (or, in a dry run, that would be created).
    created: int
    errors: list[ImportLineError]
