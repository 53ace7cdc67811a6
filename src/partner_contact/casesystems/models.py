"""Tables of the case-systems feature.

A case system's signing secret is sealed under the case system's own data key (table
``case_system``, column ``signing_secret``, record id = its id): it must be recoverable to
sign. A delivery's payload is sealed under HER partner data key (table
``case_system_delivery``, column ``payload``, record id = the event id), so erasing her
shreds queued payloads as well; a withdrawal, which holds only the referral's id, is
sealed under the case system's key, so it still goes after her erasure.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.crypto.models import ProtectedRecord
from partner_contact.db.base import Base, UUIDPrimaryKey


class CaseSystem(UUIDPrimaryKey, ProtectedRecord, Base):
    """A victim-service case system that receives signed webhooks about referrals."""

    __tablename__ = "case_system"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    webhook_url: Mapped[str] = mapped_column(String(2048))
    # SupportService ids (as strings) whose referrals this system receives.
    service_ids: Mapped[list[str]] = mapped_column(JSON)
    # The integration key it uses to call back (referral status updates), if any.
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_key.id"), index=True)
    is_enabled: Mapped[bool]
    signing_secret: Mapped[bytes] = mapped_column(LargeBinary)
    secret_rotated_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseSystemDelivery(Base):
    """One event queued for one case system; delivered at least once, marked delivered once."""

    __tablename__ = "case_system_delivery"
    __table_args__ = (
        # The worker's scan: pending rows by due time.
        Index("ix_case_system_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_system_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_system.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The referral (or other record) the event is about; no FK: the subject may be erased.
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # HER data key (the payload dies with her erasure); the system's for a withdrawal.
    data_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_key.id"), index=True)
    # NULL once dropped (her key was destroyed).
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    # "pending" | "delivered" | "failed"
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # Set while a worker is posting it; a lapsed lease makes it due again.
    lease_until: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error_code: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
