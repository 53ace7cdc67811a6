"""Data keys in the database, and the mixin for records encrypted under one."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class DataKey(UUIDPrimaryKey, Base):
    """A data-encryption key, stored only wrapped under a KEK; ``wrapped`` NULL = shredded."""

    __tablename__ = "data_key"
    __table_args__ = (
        # A half-shredded key (no key but no date, or the reverse) cannot be written.
        CheckConstraint(
            "(wrapped IS NULL) = (destroyed_at IS NOT NULL)", name="wrapped_until_destroyed"
        ),
    )

    kek_id: Mapped[str] = mapped_column(String(64), index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    destroyed_at: Mapped[datetime | None]


class ProtectedRecord:
    """Mixin for a model whose encrypted columns are sealed under the data key it names."""

    data_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_key.id"), index=True)
