"""Referral payloads in and out, and the payload a service receives.

Her note, what she agreed to share and the service's reference leave only through
:class:`ReferralRead` (a logged read by her worker) and :class:`ReferralPayload` (a
logged read by the service's case system, holding only what she agreed to).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from partner_contact.org.schemas import FactRead
from partner_contact.payload import Payload
from partner_contact.weekly import TimeRange

NOTE_MAX_LENGTH = 2000
# A service's own case reference: short, and from a charset no log or header can trip on.
ServiceReference = Annotated[
    str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
Delivery = Literal["case_system", "manual"]
# The states in which a case system sees a referral.
IntegrationStatus = Literal["sent", "acknowledged"]


class ReferralStatus(enum.StrEnum):
    proposed = "proposed"
    agreed = "agreed"
    sent = "sent"
    acknowledged = "acknowledged"
    closed = "closed"


class Outcome(enum.StrEnum):
    declined_by_her = "declined_by_her"
    withdrawn = "withdrawn"
    completed = "completed"
    service_unavailable = "service_unavailable"


class CloseOutcome(enum.StrEnum):
    """Outcomes a worker records by closing; a withdrawal has its own route (it tells the
    service to delete what it received)."""

    declined_by_her = "declined_by_her"
    completed = "completed"
    service_unavailable = "service_unavailable"


class ShareField(enum.StrEnum):
    """What she may add to the referral itself (reference, service, date, her language)."""

    alias = "alias"
    phone = "phone"
    email = "email"
    safe_times = "safe_times"
    note = "note"


class ReferralCreate(Payload):
    service_id: uuid.UUID
    # A message for the service written with her (1-2000 characters, kept sealed); it
    # reaches the service only if she agrees to share "note".
    note: str | None = None


class AgreementCreate(Payload):
    """Her answer: with ``agreed`` false the referral is closed as declined by her."""

    agreed: bool
    # What she agrees may be shared beyond the referral itself; empty when not agreed.
    share: list[ShareField] = []


class ReferralClose(Payload):
    outcome: CloseOutcome


class Acknowledgement(Payload):
    # The service's own case reference for her, kept sealed.
    reference: ServiceReference | None = None


class ReferralSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A referral without any sealed text."""

    id: uuid.UUID
    partner_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    status: ReferralStatus
    outcome: Outcome | None
    has_note: bool
    she_agreed: bool | None
    agreement_recorded_by: uuid.UUID | None
    agreement_recorded_at: datetime | None
    # "case_system": queued to the service's case system; "manual": no case system takes
    # this service's referrals, so her worker passes it on herself.
    delivery: Delivery | None
    sent_by: uuid.UUID | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    # How the service learns of a withdrawal ("manual": her worker must tell it).
    withdrawal_delivery: Delivery | None
    closed_by: uuid.UUID | None
    closed_at: datetime | None
    created_by: uuid.UUID
    created_at: datetime


class ReferralRead(ReferralSummary, frozen=True, kw_only=True):
    """A referral with its note, what she agreed to share and the service's reference."""

    note: str | None
    share: list[ShareField]
    service_reference: str | None


class SafeTimes(msgspec.Struct, frozen=True, kw_only=True):
    """Her safe contact windows, weekly, in her own time zone."""

    time_zone: str
    windows: list[TimeRange]


class ReferralPayload(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What a service receives: the referral itself, plus only the fields she agreed to.

    Built from her current record when it is sent or read; a field she did not agree
    to share is absent, never null.
    """

    reference: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    referred_on: date
    language: str
    alias: str | None = None
    phone: str | None = None
    email: str | None = None
    safe_times: SafeTimes | None = None
    note: str | None = None


class IntegrationReferral(msgspec.Struct, frozen=True, kw_only=True):
    """A referral as its service's case system sees it."""

    id: uuid.UUID
    status: IntegrationStatus
    sent_at: datetime
    acknowledged_at: datetime | None
    service_reference: str | None
    payload: ReferralPayload


class AcknowledgementRead(msgspec.Struct, frozen=True, kw_only=True):
    """The state after an acknowledgement; a key that only writes reads nothing of her."""

    id: uuid.UUID
    status: IntegrationStatus
    acknowledged_at: datetime


class ReferralOption(msgspec.Struct, frozen=True, kw_only=True):
    """A service of her area that is operating now and takes agency referrals."""

    service_id: uuid.UUID
    name: str
    phone: str
    languages: list[str]
    accepts_self_referral: bool
    operating_confirmed_at: datetime
    # Its "operating now" was confirmed longer ago than the regional context's limit.
    is_operating_confirmation_stale: bool


class ReferralOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Where she can be referred now, with what is known of help in her area."""

    area_id: uuid.UUID
    area_name: str
    # Police, shelters (operating, taking new women), courts: each with its staleness.
    context: list[FactRead]
    services: list[ReferralOption]
