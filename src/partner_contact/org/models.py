"""The organisation, its crisis situation, the areas it serves and the services directory.

Situation records and area-fact confirmations are append-only: a change is a new row,
so the history of what was known, when and from whom, is kept.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class Organisation(UUIDPrimaryKey, Base):
    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class SituationLevel(enum.IntEnum):
    """How far the crisis has gone where the organisation works."""

    in_person_running = 1
    advised_to_limit = 2
    lockdown_date_known = 3
    in_lockdown = 4


class SituationRecord(UUIDPrimaryKey, Base):
    __tablename__ = "org_situation"
    __table_args__ = (
        UniqueConstraint("organisation_id", "version"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    # 1, 2, 3... per organisation: orders the history even when two records share a time.
    version: Mapped[int]
    level: Mapped[int] = mapped_column(SmallInteger)
    lockdown_date: Mapped[date | None]
    effective_date: Mapped[date]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]


class Area(UUIDPrimaryKey, Base):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class AreaFact(enum.StrEnum):
    """What the organisation needs to know about an area before suggesting help there."""

    police_respond = "police_respond"
    shelters_operate = "shelters_operate"
    shelters_take_new_women = "shelters_take_new_women"
    courts_function = "courts_function"


class FactValue(enum.StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


class AreaFactConfirmation(UUIDPrimaryKey, Base):
    __tablename__ = "area_fact_confirmation"
    __table_args__ = (UniqueConstraint("area_id", "fact", "version"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    fact: Mapped[str] = mapped_column(String(40))
    # 1, 2, 3... per area and fact: the highest is the current value.
    version: Mapped[int]
    value: Mapped[str] = mapped_column(String(10))
    confirmed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    confirmed_at: Mapped[datetime]


class SupportService(UUIDPrimaryKey, Base):
    """A women's support service referrals can go to. Public information, stored as is."""

    __tablename__ = "support_service"
    __table_args__ = (
        UniqueConstraint("organisation_id", "area_id", "name"),
        # Keyset pagination walks (name, id).
        Index("ix_support_service_organisation_id_name_id", "organisation_id", "name", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    time_zone: Mapped[str] = mapped_column(String(64))
    # [{"weekday": "mon", "opens": "09:00", "closes": "17:00"}, ...] in ``time_zone``.
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    accessibility_notes: Mapped[str | None] = mapped_column(Text)
    is_operating_now: Mapped[bool] = mapped_column(Boolean)
    operating_confirmed_at: Mapped[datetime]
    operating_confirmed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    accepts_self_referral: Mapped[bool] = mapped_column(Boolean)
    accepts_agency_referral: Mapped[bool] = mapped_column(Boolean)
    referral_endpoint: Mapped[str | None] = mapped_column(String(2048))
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
