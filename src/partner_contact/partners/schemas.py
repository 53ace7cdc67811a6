"""Partner payloads in and out. Lists carry masked values only, never free text."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from partner_contact.payload import Payload
from partner_contact.weekly import TimeRange

Channel = Literal["sms", "whatsapp", "email", "phone_call"]
Relationship = Literal["current", "new", "former_living_with_him"]
Alias = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
PhoneText = Annotated[str, msgspec.Meta(min_length=3, max_length=40)]
EmailText = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Region = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
Language = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$")]
TimeZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
CodeWord = Annotated[str, msgspec.Meta(min_length=4, max_length=64)]


class DoNotContactReason(enum.StrEnum):
    she_asked = "she_asked"
    he_answered = "he_answered"
    safety_risk = "safety_risk"
    details_invalid = "details_invalid"
    other = "other"


# A weekly interval in her local time, start inclusive, end exclusive.
SafeWindow = TimeRange


class SafeContact(Payload):
    """Re-confirmed with her at each contact."""

    voicemail_allowed: bool = False
    someone_else_may_answer: bool = False
    children_in_home: bool = False


class PartnerProfile(msgspec.Struct, frozen=True, kw_only=True):
    """Stored sealed as one value: what outreach needs about her, beyond her details."""

    language: str
    time_zone: str
    safe_windows: list[SafeWindow]
    channels: list[Channel]
    relationship: Relationship
    safe_contact: SafeContact
    # The area of the directory she lives in: where a referral may go (sealed like the rest).
    area_id: uuid.UUID | None = None


class PartnerCreate(Payload):
    alias: Alias
    relationship: Relationship
    language: Language
    time_zone: TimeZoneName
    phone: PhoneText | None = None
    # Needed when a number is written without its +country prefix.
    phone_region: Region | None = None
    whatsapp: PhoneText | None = None
    email: EmailText | None = None
    safe_windows: list[SafeWindow] = []
    channels: list[Channel] = []
    may_name_org: bool = False
    is_do_not_contact: bool = False
    do_not_contact_reason: DoNotContactReason | None = None
    safe_contact: SafeContact = msgspec.field(default_factory=SafeContact)
    # An area of the directory (/api/v1/areas): referrals go only to services there.
    area_id: uuid.UUID | None = None


class PartnerUpdate(Payload):
    """Fields left out stay as they are; ``null`` removes a contact detail."""

    alias: Alias | msgspec.UnsetType = msgspec.UNSET
    relationship: Relationship | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZoneName | msgspec.UnsetType = msgspec.UNSET
    phone: PhoneText | msgspec.UnsetType | None = msgspec.UNSET
    phone_region: Region | None = None
    whatsapp: PhoneText | msgspec.UnsetType | None = msgspec.UNSET
    email: EmailText | msgspec.UnsetType | None = msgspec.UNSET
    safe_windows: list[SafeWindow] | msgspec.UnsetType = msgspec.UNSET
    channels: list[Channel] | msgspec.UnsetType = msgspec.UNSET
    may_name_org: bool | msgspec.UnsetType = msgspec.UNSET
    is_do_not_contact: bool | msgspec.UnsetType = msgspec.UNSET
    do_not_contact_reason: DoNotContactReason | msgspec.UnsetType | None = msgspec.UNSET
    area_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET


class PartnerRead(msgspec.Struct, frozen=True, kw_only=True):
    """A partner with her details masked ("•••• 23"); full values need a purpose."""

    id: uuid.UUID
    participant_id: uuid.UUID
    alias: str
    phone: str | None
    whatsapp: str | None
    email: str | None
    relationship: Relationship
    language: str
    time_zone: str
    safe_windows: list[SafeWindow]
    channels: list[Channel]
    may_name_org: bool
    is_do_not_contact: bool
    do_not_contact_reason: DoNotContactReason | None
    safe_contact: SafeContact
    area_id: uuid.UUID | None
    safe_contact_confirmed_at: datetime | None
    safe_contact_confirmed_by: uuid.UUID | None
    # She said stop: nothing is sent to her until she writes START and a worker confirms.
    opted_out_at: datetime | None
    start_received_at: datetime | None
    # Her last reply or call with her (a message sent or a voicemail is not a contact).
    last_contact_at: datetime | None
    has_code_word: bool
    is_code_word_locked: bool


class ContactDetails(msgspec.Struct, frozen=True, kw_only=True):
    """Her full details, each read written to the access log with its purpose."""

    id: uuid.UUID
    phone: str | None
    whatsapp: str | None
    email: str | None


class CodeWordSet(Payload):
    code_word: CodeWord


class CodeWordAttempt(Payload):
    code_word: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class CodeWordResult(msgspec.Struct, frozen=True, kw_only=True):
    matches: bool
    attempts_left: int


class ContactClearance(msgspec.Struct, frozen=True, kw_only=True):
    """All a facilitator learns: whether the programme may contact him, and when to ask again."""

    contact_permitted: bool
    review_after: date | None
