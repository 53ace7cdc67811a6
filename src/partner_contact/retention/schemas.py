"""Retention payloads: closing her case, erasing her, and the erasure reports."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import msgspec

from partner_contact.payload import Payload


class CloseReason(enum.StrEnum):
    her_request = "her_request"
    programme_ended = "programme_ended"
    no_contact_possible = "no_contact_possible"
    referred_elsewhere = "referred_elsewhere"
    other = "other"


class ErasureReason(enum.StrEnum):
    her_request = "her_request"
    retention = "retention"
    other = "other"


class CaseClose(Payload):
    reason: CloseReason


class ErasureRequest(Payload):
    reason: ErasureReason
    # Must be true: erasure cannot be undone.
    confirm: bool


class CaseStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether her case is closed and when the purge erases it; no content."""

    partner_id: uuid.UUID
    closed_at: datetime | None
    closed_by: uuid.UUID | None
    close_reason: CloseReason | None
    erase_after: datetime | None


class ErasureReportRead(msgspec.Struct, frozen=True, kw_only=True):
    """What an erasure removed, as counts per table; it names no content."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    partner_id: uuid.UUID
    erased_at: datetime
    erased_by: uuid.UUID | None
    reason: ErasureReason
    counts: dict[str, dict[str, int]]
