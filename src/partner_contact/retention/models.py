"""Tables of the retention feature: purge runs and erasure reports.

Neither holds anything about her but ids and counts: a report outlives her record on
purpose, as the proof of what was removed, when, by whom and why.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class PurgeRun(UUIDPrimaryKey, Base):
    """One run of the retention purge, by the daily task or `partner-contact purge`."""

    __tablename__ = "purge_run"

    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    # "schedule" or "cli".
    trigger: Mapped[str] = mapped_column(String(16))
    # Rows changed per kind; what another node did at the same time is counted there.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class ErasureReport(UUIDPrimaryKey, Base):
    """What one erasure of a partner removed: tables and sealed fields, as counts."""

    __tablename__ = "erasure_report"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    # No foreign key: the report must not hold her row in place, nor go with it.
    partner_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    erased_at: Mapped[datetime] = mapped_column(index=True)
    # NULL when the retention purge erased a closed case.
    erased_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    # "her_request" | "retention" | "other"
    reason: Mapped[str] = mapped_column(String(32))
    # {table: {"rows": n, "sealed_fields": n}} plus {"data_keys": {"destroyed": n}}.
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON, default=dict)
