"""Wire structs of the admin's message templates (``/api/v1/templates``).

Template texts are the organisation's own wording, never her data, so they are
returned in full to admins, and a refusal may quote the offending words.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

from partner_contact.outreach.default_templates import TemplateKind
from partner_contact.outreach.wording import Channel, Encoding
from partner_contact.payload import Payload

LANGUAGE_PATTERN: Final = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$"
LANGUAGE_MAX_LENGTH: Final = 16  # the stored column's width
BODY_MAX_LENGTH: Final = 4000  # the linter refuses far less (one SMS, 2000 for e-mail)
SUBJECT_MAX_LENGTH: Final = 200  # the linter refuses more than 78, with the reason

# A BCP 47-like tag, as partners' records carry it: "en", "de-AT".
TemplateLanguage = Annotated[
    str, msgspec.Meta(pattern=LANGUAGE_PATTERN, max_length=LANGUAGE_MAX_LENGTH)
]
# No control characters but line breaks and tabs; a subject is one line.
TemplateBody = Annotated[
    str,
    msgspec.Meta(max_length=BODY_MAX_LENGTH, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"),
]
TemplateSubject = Annotated[
    str, msgspec.Meta(max_length=SUBJECT_MAX_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*$")
]
ProblemField = Literal["body", "subject"]


class TemplateCreate(Payload):
    """A new version of one text; linted before it is stored."""

    kind: TemplateKind
    channel: Channel
    language: TemplateLanguage
    body: TemplateBody
    # Required for e-mail, refused for SMS and WhatsApp (the linter says which).
    subject: TemplateSubject | None = None
    # The text names the organisation: then only partners who agreed to that get it.
    names_org: bool = False


class SegmentsRead(msgspec.Struct, frozen=True, kw_only=True):
    """How an SMS of this text is encoded and split."""

    encoding: Encoding
    units: int  # GSM-7 septets (extension characters count 2) or UTF-16 code units
    segments: int


class TemplateProblemRead(msgspec.Struct, frozen=True, kw_only=True):
    """Why the linter would refuse this text now (as it does before every send)."""

    field: ProblemField
    code: str  # one of wording.LINT_CODES
    detail: str


class CurrentTemplateRead(msgspec.Struct, frozen=True, kw_only=True):
    """The text in use for one kind, channel and language."""

    kind: TemplateKind
    channel: Channel
    language: str
    # The stored version in use; None (and version 0) for the shipped default.
    template_id: uuid.UUID | None
    # The language of the text in use: a saved "de" version also serves "de-AT".
    source_language: str
    version: int
    is_default: bool
    subject: str | None
    body: str
    names_org: bool
    segments: SegmentsRead | None  # SMS only
    # Empty for a text that may be sent; otherwise the engine refuses it at send time.
    problems: list[TemplateProblemRead]


class TemplateVersionRead(msgspec.Struct, frozen=True, kw_only=True):
    """One stored version of a text."""

    id: uuid.UUID
    kind: TemplateKind
    channel: Channel
    language: str
    version: int
    subject: str | None
    body: str
    names_org: bool
    is_active: bool
    created_by: uuid.UUID
    created_at: datetime
    segments: SegmentsRead | None  # SMS only


__all__ = [
    "LANGUAGE_PATTERN",
    "CurrentTemplateRead",
    "SegmentsRead",
    "TemplateBody",
    "TemplateCreate",
    "TemplateLanguage",
    "TemplateProblemRead",
    "TemplateSubject",
    "TemplateVersionRead",
]
