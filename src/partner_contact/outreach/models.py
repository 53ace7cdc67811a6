"""Outreaches, their append-only event history, their timers and the message templates.

An outreach row holds its current state; ``outreach_event`` is the history nobody
rewrites. Neither holds her words or details: events carry codes (reasons, channels,
outcomes) only. Template texts are the organisation's own neutral wording, not content.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class Outreach(UUIDPrimaryKey, Base):
    __tablename__ = "outreach"
    __table_args__ = (UniqueConstraint("started_by", "idempotency_key"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    # The channel of the message in flight or last sent.
    channel: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    started_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    is_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    confirmed_at: Mapped[datetime | None]
    # The worker's reason, sealed under her data key (it may say something about her).
    confirmation_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    has_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    is_code_word_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None]


class OutreachEvent(UUIDPrimaryKey, Base):
    """One step of an outreach; written once, never changed."""

    __tablename__ = "outreach_event"
    __table_args__ = (UniqueConstraint("outreach_id", "seq"),)

    outreach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outreach.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    # Codes only: gate reasons, channel, message id, reply kind, call outcome.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutreachTimer(UUIDPrimaryKey, Base):
    """A durable "do this at" row: follow-up, no-reply decision, expiry. Fires once."""

    __tablename__ = "outreach_timer"
    __table_args__ = (Index("ix_outreach_timer_due", "fired_at", "due_at"),)

    outreach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outreach.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class MessageTemplate(UUIDPrimaryKey, Base):
    """One version of a message text; a change is a new version, old ones stay."""

    __tablename__ = "message_template"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "channel", "language", "version"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Whether the text names the organisation: then only for partners who agreed to that.
    names_org: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
