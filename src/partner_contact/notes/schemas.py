"""Note payloads. The text leaves only through :class:`NoteRead`, a logged read."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import msgspec

from partner_contact.payload import Payload

TEXT_MAX_LENGTH = 4000


class Topic(enum.StrEnum):
    children = "children"
    safety = "safety"
    housing = "housing"
    money = "money"
    health = "health"
    legal = "legal"
    support_services = "support_services"
    contact_with_him = "contact_with_him"
    other = "other"


class RaiseWhen(enum.StrEnum):
    """The safe setting in which to take the issue up again."""

    after_lockdown = "after_lockdown"
    next_in_person_session = "next_in_person_session"
    next_call = "next_call"
    when_safe = "when_safe"


class NoteStatus(enum.StrEnum):
    open = "open"
    addressed = "addressed"


class NoteCreate(Payload):
    topic: Topic
    # 1-4000 characters, kept sealed; line breaks and tabs are the only control characters.
    text: str
    raise_when: RaiseWhen
    # Her consent to share what she said with a service she is referred to; never his side.
    may_share: bool = False


class NoteSharing(Payload):
    """She gives or withdraws her consent to share this disclosure."""

    may_share: bool


class NoteSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A note without its text."""

    id: uuid.UUID
    partner_id: uuid.UUID
    topic: Topic
    raise_when: RaiseWhen
    status: NoteStatus
    created_by: uuid.UUID
    created_at: datetime
    addressed_by: uuid.UUID | None
    addressed_at: datetime | None
    may_share: bool


class NoteRead(NoteSummary, frozen=True, kw_only=True):
    """A note with its text in the clear (a logged read)."""

    text: str
