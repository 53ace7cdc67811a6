"""Her consent decisions, one version per change; the newest version is the current one.

The conditions she set are sealed under her (the partner's) data key: table
``consent_record``, column ``conditions``, record id = the record's id.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class ConsentRecord(UUIDPrimaryKey, Base):
    """One version of her decision; a new decision supersedes it, history is kept."""

    __tablename__ = "consent_record"
    __table_args__ = (UniqueConstraint("partner_id", "version"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # "permitted" | "not_permitted" | "permitted_with_conditions"
    decision: Mapped[str] = mapped_column(String(32))
    # Ciphertext, only with "permitted_with_conditions".
    conditions: Mapped[bytes | None] = mapped_column(LargeBinary)
    review_after: Mapped[date]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
