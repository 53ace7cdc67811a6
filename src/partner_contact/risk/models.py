"""Tables of the risk feature.

Everything she says or that is recorded about her is sealed under her (the partner's)
data key, bound to the table, column and record id: her words (``risk_her_view.words``),
checklist answers and the worker's reason (``risk_checklist_record.answers`` /
``judgement_reason``) and the notes of a referral proposal. Codes, counts and bands are
kept in the clear so the summary can be built without opening anything.

A checklist version (``risk_checklist``) is organisation content (question texts the
organisation wrote), stored plainly; loading a new one supersedes the previous one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class RiskChecklist(UUIDPrimaryKey, Base):
    __tablename__ = "risk_checklist"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    # [{"key": ..., "text": ...}] and [{"name": ..., "min_yes": ..., "proposes_referral": ...}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    loaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    loaded_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]


class RiskHerView(UUIDPrimaryKey, Base):
    """Her own view of her risk, kept apart from the checklist and the worker's judgement."""

    __tablename__ = "risk_her_view"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    # 1 = she feels in danger ... 5 = she feels safe.
    scale: Mapped[int] = mapped_column(Integer)
    words: Mapped[bytes | None] = mapped_column(LargeBinary)
    may_share: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]


class RiskReferralProposal(UUIDPrimaryKey, Base):
    """A proposed multi-agency risk referral; at most one open per partner."""

    __tablename__ = "risk_referral_proposal"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    # "checklist_band" | "professional_judgement"
    reason: Mapped[str] = mapped_column(String(32))
    # "proposed" | "agreed" | "declined" | "referred" | "closed"
    status: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    proposed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    proposed_at: Mapped[datetime]
    # "not_asked_yet" | "agreed" | "declined"
    her_consent: Mapped[str] = mapped_column(String(16))
    she_was_told: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_note: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    # "referred" | "not_referred"
    outcome: Mapped[str | None] = mapped_column(String(16))
    without_consent_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    closed_at: Mapped[datetime | None]


class RiskChecklistRecord(UUIDPrimaryKey, Base):
    """One checklist done with her; never changed once recorded."""

    __tablename__ = "risk_checklist_record"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    checklist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_checklist.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    # Ciphertext of {question key: "yes" | "no" | "not_known"} as JSON.
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    yes_count: Mapped[int] = mapped_column(Integer)
    computed_band: Mapped[str] = mapped_column(String(32))
    worker_judgement: Mapped[str | None] = mapped_column(String(32))
    judgement_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    final_band: Mapped[str] = mapped_column(String(32))
    may_share: Mapped[bool] = mapped_column(Boolean, default=False)
    # The proposal this checklist opened or joined, when its band proposes one.
    referral_proposal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("risk_referral_proposal.id"), index=True
    )
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]


class RiskTrigger(UUIDPrimaryKey, Base):
    """Something her worker learnt that calls for the checklist again."""

    __tablename__ = "risk_trigger"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    # "new_incident" | "separation"
    kind: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]
