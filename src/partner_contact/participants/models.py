"""A programme participant's case. It holds no partner data; his own contact details are
field-encrypted under the record's data key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
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


class Screening(UUIDPrimaryKey, Base):
    """One version of a participant's screening; a change is a new version, never an edit."""

    __tablename__ = "screening"
    __table_args__ = (UniqueConstraint("participant_id", "version"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]
    living_situation: Mapped[str] = mapped_column(String(32))
    children_count: Mapped[int] = mapped_column(Integer)
    children_ages: Mapped[list[int] | None] = mapped_column(JSON)
    work: Mapped[str] = mapped_column(String(16))
    # WeeklyWindows as JSON ({"zone": ..., "ranges": [...]}); set only when he works outside.
    working_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    group_has_met: Mapped[bool]
    previous_dv_arrests: Mapped[bool]
    court_mandated: Mapped[bool]
    substance_use: Mapped[bool]
    severe_physical_violence: Mapped[bool]
    coercive_control: Mapped[bool]
    high_jealousy: Mapped[bool]
    low_motivation: Mapped[bool]
    denies_responsibility: Mapped[bool]
