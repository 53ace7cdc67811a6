"""Access-log entries and signed checkpoints of their hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, get_args

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey

ActorKind = Literal["user", "api_key", "system", "anonymous"]
Outcome = Literal["allowed", "denied", "succeeded", "failed"]
ACTOR_KINDS: Final[tuple[str, ...]] = get_args(ActorKind)
OUTCOMES: Final[tuple[str, ...]] = get_args(Outcome)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


# Sealing sets all four columns in one statement; a row with only some of them set was
# touched by something other than the sealer.
_SEAL_COLUMNS = ("seq", "prev_hash", "entry_hash", "sealed_at")
_SEALED_TOGETHER = (
    f"({' AND '.join(f'{c} IS NULL' for c in _SEAL_COLUMNS)}) OR "
    f"({' AND '.join(f'{c} IS NOT NULL' for c in _SEAL_COLUMNS)})"
)


class AccessLogEntry(UUIDPrimaryKey, Base):
    """One access to (or attempt on) a record: ids and short codes only, never content.

    The chain columns are empty until the sealer links the committed entry into the
    hash chain; see ``partner_contact.audit.chain``.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint(_one_of("actor_kind", ACTOR_KINDS), name="actor_kind"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_SEALED_TOGETHER, name="sealed_together"),
        Index("ix_access_log_occurred_at_id", "occurred_at", "id"),
        Index("ix_access_log_object", "object_type", "object_id"),
        # The sealer's work list; without it each pass would scan the sealed history.
        Index(
            "ix_access_log_unsealed",
            "occurred_at",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    occurred_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))

    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    entry_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime | None]


class AuditCheckpoint(UUIDPrimaryKey, Base):
    """A signed statement of the chain head; also exported to a file off the database."""

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    signature: Mapped[bytes] = mapped_column(LargeBinary)
