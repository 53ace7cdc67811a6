"""A programme participant's case. It holds no partner data; his own contact details are
field-encrypted under the record's data key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.crypto.models import ProtectedRecord
from partner_contact.db.base import Base, UUIDPrimaryKey


class Participant(UUIDPrimaryKey, ProtectedRecord, Base):
    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Pseudonymous programme reference, unique within the organisation.
    reference: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str | None] = mapped_column(String(100))
    facilitator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )
    # The case of his partners is assigned to a partner worker and/or a team.
    partner_worker_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )
    partner_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"), index=True)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary)
    email: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
