"""Consent payloads. Her conditions leave only through :class:`ConsentRead`, a logged read;
nothing here is ever part of what a facilitator sees (that is ``ContactClearance``)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import msgspec

from partner_contact.payload import Payload

CONDITIONS_MAX_LENGTH = 2000


class Decision(enum.StrEnum):
    permitted = "permitted"
    not_permitted = "not_permitted"
    permitted_with_conditions = "permitted_with_conditions"


PERMITTING = frozenset({Decision.permitted, Decision.permitted_with_conditions})


class ConsentCreate(Payload):
    """Her view on the programme contacting him remotely, as she gave it."""

    decision: Decision
    # Asked again after this day; in the future and at most a year ahead.
    review_after: date
    # What she asked for, in her worker's words; required with, and only with,
    # "permitted_with_conditions" (1-2000 characters, kept sealed).
    conditions: str | None = None


class ConsentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A version of her decision, without the words of her conditions."""

    id: uuid.UUID
    partner_id: uuid.UUID
    version: int
    decision: Decision
    has_conditions: bool
    review_after: date
    recorded_by: uuid.UUID
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    # The newest version; a withdrawn current version permits nothing.
    is_current: bool


class ConsentRead(ConsentSummary, frozen=True, kw_only=True):
    """A version with her conditions in the clear (a logged read)."""

    conditions: str | None
