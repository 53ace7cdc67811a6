"""Wire structs of participants and their screenings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from partner_contact.participants.risk import (
    LivingSituation,
    RiskAssessment,
    WorkStatus,
)
from partner_contact.participants.schedule import WeeklyWindows
from partner_contact.payload import Payload

# A pseudonymous programme code: letters, digits and - _ . only (no "@", "+" or spaces);
# the service also refuses phone-number-like codes.
Reference = Annotated[
    str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
GroupName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=32)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
ChildAge = Annotated[int, msgspec.Meta(ge=0, le=17)]


class ParticipantCreate(Payload):
    reference: Reference
    group_name: GroupName | None = None
    facilitator_id: uuid.UUID | None = None
    partner_worker_id: uuid.UUID | None = None
    partner_team_id: uuid.UUID | None = None
    phone: Phone | None = None
    email: Email | None = None


class ParticipantUpdate(Payload):
    """Fields left out stay as they are; ``null`` clears a field."""

    reference: Reference | UnsetType = UNSET
    group_name: GroupName | UnsetType | None = UNSET
    facilitator_id: uuid.UUID | UnsetType | None = UNSET
    partner_worker_id: uuid.UUID | UnsetType | None = UNSET
    partner_team_id: uuid.UUID | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET


class ParticipantRead(msgspec.Struct, kw_only=True):
    """A facilitator gets the pseudonymous fields only; the others are left out for him."""

    id: uuid.UUID
    reference: str
    group_name: str | None
    facilitator_id: uuid.UUID | None
    partner_worker_id: uuid.UUID | UnsetType | None = UNSET
    partner_team_id: uuid.UUID | UnsetType | None = UNSET
    has_phone: bool | UnsetType = UNSET
    has_email: bool | UnsetType = UNSET
    created_at: datetime | UnsetType = UNSET


class ParticipantPage(msgspec.Struct, kw_only=True):
    items: list[ParticipantRead]
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


class ParticipantContact(msgspec.Struct, kw_only=True):
    phone: str | None
    email: str | None


class RiskFactors(Payload):
    """Each factor of the screening, answered yes or no."""

    previous_dv_arrests: bool
    court_mandated: bool
    substance_use: bool
    severe_physical_violence: bool
    coercive_control: bool
    high_jealousy: bool
    low_motivation: bool
    denies_responsibility: bool


class ScreeningCreate(Payload):
    living_situation: LivingSituation
    children_count: Annotated[int, msgspec.Meta(ge=0, le=20)]
    work: WorkStatus
    group_has_met: bool
    risk_factors: RiskFactors
    children_ages: Annotated[list[ChildAge], msgspec.Meta(max_length=20)] | None = None
    # Required when he works outside the home, refused otherwise.
    working_hours: WeeklyWindows | None = None


class ScreeningRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    participant_id: uuid.UUID
    version: int
    recorded_by: uuid.UUID
    recorded_at: datetime
    living_situation: LivingSituation
    children_count: int
    children_ages: list[int] | None
    work: WorkStatus
    working_hours: WeeklyWindows | None
    group_has_met: bool
    risk_factors: RiskFactors
    risk: RiskAssessment
    # His working hours as a window for partner contact: partner-side roles only.
    contact_window: WeeklyWindows | UnsetType | None = UNSET
