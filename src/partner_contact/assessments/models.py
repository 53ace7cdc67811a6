"""Home-situation assessments: structured answers in the clear, her words sealed.

A completed assessment is never changed: a correction is a new draft version whose
``supersedes_id`` points to it. Her free-text answers are one JSON document sealed under
her (the partner's) data key: table ``assessment``, column ``free_text``, record id =
the assessment's id. Structured answers hold codes only ("yes", "not_asked", ...).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey

NOT_ASKED = "not_asked"


def _answer() -> Mapped[str]:
    return mapped_column(String(16), default=NOT_ASKED, server_default=NOT_ASKED)


class Assessment(UUIDPrimaryKey, Base):
    __tablename__ = "assessment"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    # The completed version this one corrects; that one stays as it was.
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    # "draft" | "completed"
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
    completed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    completed_at: Mapped[datetime | None]

    # Work and money.
    she_works: Mapped[str] = _answer()
    he_works: Mapped[str] = _answer()
    financial_difficulties: Mapped[str] = _answer()
    # Children.
    children_in_household: Mapped[str] = _answer()
    childcare_going: Mapped[str] = _answer()
    children_affected_by_his_behaviour: Mapped[str] = _answer()
    # Conflict and violence since lockdown.
    conflict_since_lockdown: Mapped[str] = _answer()
    episodes_since_lockdown: Mapped[str] = _answer()
    fears_new_episode: Mapped[str] = _answer()
    # Home and isolation; stress 0-10, NULL when not asked.
    use_of_space_changed: Mapped[str] = _answer()
    stress_level: Mapped[int | None] = mapped_column(Integer)
    # Support, and her concern about the programme contacting him.
    in_touch_with_support_service: Mapped[str] = _answer()
    concerned_about_contact_with_him: Mapped[str] = _answer()
    contact_could_endanger_her: Mapped[str] = _answer()

    # Ciphertext of her free-text answers (JSON), or NULL when there are none.
    free_text: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The free-text answers she agreed may be shared with a service (names only; may
    # change after completion, since her consent is not part of what she said).
    may_share: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
