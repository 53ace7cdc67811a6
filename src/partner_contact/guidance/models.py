"""Tables of the guidance feature.

``guidance_card`` holds the organisation's own versions of a card (its wording, not
her data). ``guidance_given`` records which card version her worker read to her, never
the card's text: the version names the wording, which stays in the card table or ships
with the code.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class GuidanceCard(UUIDPrimaryKey, Base):
    """One version of a card; a change is a new version, old ones stay."""

    __tablename__ = "guidance_card"
    __table_args__ = (
        UniqueConstraint("organisation_id", "topic", "platform", "locale", "version"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[str]] = mapped_column(JSON)
    # [{"code": <WarningCode>, "text": ...}, ...]
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]


class GuidanceGiven(UUIDPrimaryKey, Base):
    """A card version her worker gave her; the version, never the text."""

    __tablename__ = "guidance_given"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    given_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    given_at: Mapped[datetime]
