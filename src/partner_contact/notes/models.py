"""Notes that wait for later. The text is sealed under her (the partner's) data key:
table ``partner_note``, column ``text``, record id = the note's id."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class PartnerNote(UUIDPrimaryKey, Base):
    __tablename__ = "partner_note"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    text: Mapped[bytes] = mapped_column(LargeBinary)
    raise_when: Mapped[str] = mapped_column(String(32))
    # "open" | "addressed"
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
    addressed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    addressed_at: Mapped[datetime | None]
    # Her consent to share this disclosure with a service she is referred to.
    may_share: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
