"""The outbox, inbound messages and the sandbox provider's mailbox.

Bodies and addresses are sealed: outbox and inbound rows under her data key (so erasing
her destroys them too), unmatched inbound rows and sandbox rows under a key of their own.
Plain columns are what the dispatcher routes and the protocol counts on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.crypto.models import ProtectedRecord
from partner_contact.db.base import Base, UUIDPrimaryKey

BLIND_INDEX_BYTES = 16


class OutboxMessage(UUIDPrimaryKey, ProtectedRecord, Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("provider", "provider_message_id"),
        Index("ix_outbox_message_status_due_at", "status", "due_at"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    outreach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outreach.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message_template.id"))
    template_version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[bytes | None] = mapped_column(LargeBinary)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Passed to the provider where it takes one; the sandbox de-duplicates on it.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    status_at: Mapped[datetime | None]
    body_purged_at: Mapped[datetime | None]


class InboundMessage(UUIDPrimaryKey, ProtectedRecord, Base):
    __tablename__ = "inbound_message"
    # A provider delivering the same message twice has one effect.
    __table_args__ = (UniqueConstraint("provider", "provider_message_id"),)

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partner.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[bytes | None] = mapped_column(LargeBinary)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    read_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    body_purged_at: Mapped[datetime | None]


class SandboxMessage(UUIDPrimaryKey, ProtectedRecord, Base):
    """What the sandbox provider "delivered": the local stand-in for a phone's inbox."""

    __tablename__ = "sandbox_message"

    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[bytes] = mapped_column(LargeBinary)
    recipient_index: Mapped[bytes] = mapped_column(LargeBinary(BLIND_INDEX_BYTES), index=True)
    subject: Mapped[bytes | None] = mapped_column(LargeBinary)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    provider_message_id: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class WebhookEvent(UUIDPrimaryKey, ProtectedRecord, Base):
    """What a provider told us, verified and stored until the engine has taken it in."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        Index("ix_webhook_event_pending", "handled_at", "received_at"),
    )

    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # "inbound" or "status"
    # The event as msgspec JSON, sealed under this row's own key; NULL once handled.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64))
