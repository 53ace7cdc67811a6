"""The one organisation of a deployment; every other row carries its id so more can come."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class Organisation(UUIDPrimaryKey, Base):
    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
