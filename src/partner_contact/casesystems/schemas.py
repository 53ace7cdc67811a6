"""Case-system payloads. A signing secret leaves only in :class:`CaseSystemIssued`, once."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from partner_contact.payload import Payload

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
WebhookUrl = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
ServiceIds = Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=200)]
# The id part of an integration key ``pc_<id>_<secret>``.
ApiKeyId = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{12}$")]


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class CaseSystemCreate(Payload):
    name: Name
    # https://, or http:// to a loopback host; no credentials, no fragment.
    webhook_url: WebhookUrl
    # Directory services whose referrals go to this system.
    service_ids: ServiceIds
    # An integration key holding a referrals scope, for the system's calls back to us.
    api_key_id: ApiKeyId | None = None


class CaseSystemUpdate(Payload):
    """Fields left out keep their value."""

    name: Name | None = None
    webhook_url: WebhookUrl | None = None
    service_ids: ServiceIds | None = None
    api_key_id: ApiKeyId | None = None
    remove_api_key: bool = False
    is_enabled: bool | None = None


class CaseSystemRead(msgspec.Struct, frozen=True, kw_only=True):
    """A case system without its signing secret."""

    id: uuid.UUID
    name: str
    webhook_url: str
    service_ids: list[uuid.UUID]
    api_key_id: str | None
    is_enabled: bool
    secret_rotated_at: datetime
    created_at: datetime
    updated_at: datetime


class CaseSystemIssued(CaseSystemRead, frozen=True, kw_only=True):
    """A case system with its new signing secret: shown this once, never again."""

    signing_secret: str


class DeliveryRead(msgspec.Struct, frozen=True, kw_only=True):
    """One queued event's delivery state; never its payload."""

    event_id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error_code: str | None
    delivered_at: datetime | None
    created_at: datetime
