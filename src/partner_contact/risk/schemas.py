"""Risk payloads. Her words, her answers and the notes about a referral leave only through
the history reads (logged); the summary carries codes, counts and dates only."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Final

import msgspec

from partner_contact.payload import Payload

TEXT_MAX_LENGTH: Final = 4000
MAX_QUESTIONS: Final = 60
KEY_PATTERN: Final = r"^[a-z][a-z0-9_]{0,31}$"

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX_LENGTH)]
Key = Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)]
# 1 = "I feel in danger" ... 5 = "I feel safe".
Scale = Annotated[int, msgspec.Meta(ge=1, le=5)]


class ChecklistAnswer(enum.StrEnum):
    yes = "yes"
    no = "no"
    not_known = "not_known"


class TriggerKind(enum.StrEnum):
    new_incident = "new_incident"
    separation = "separation"


class DueReason(enum.StrEnum):
    never_done = "never_done"
    new_incident = "new_incident"
    separation = "separation"
    moved_back_home = "moved_back_home"


class ProposalReason(enum.StrEnum):
    checklist_band = "checklist_band"
    professional_judgement = "professional_judgement"


class ProposalStatus(enum.StrEnum):
    proposed = "proposed"
    agreed = "agreed"
    declined = "declined"
    referred = "referred"
    closed = "closed"


OPEN_STATUSES: Final = frozenset(
    {ProposalStatus.proposed, ProposalStatus.agreed, ProposalStatus.declined}
)


class HerConsent(enum.StrEnum):
    not_asked_yet = "not_asked_yet"
    agreed = "agreed"
    declined = "declined"


class Outcome(enum.StrEnum):
    referred = "referred"
    not_referred = "not_referred"


# --- Checklist versions (organisation content) ---------------------------------------


class Question(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    key: Key
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Band(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Key
    min_yes: Annotated[int, msgspec.Meta(ge=0)]
    proposes_referral: bool = False


# Common UK practice: 14 or more "yes" answers is high risk and calls for a
# multi-agency referral; 10-13 is commonly treated as medium.
DEFAULT_BANDS: Final = (
    Band(name="standard", min_yes=0),
    Band(name="medium", min_yes=10),
    Band(name="high", min_yes=14, proposes_referral=True),
)


class ChecklistCreate(Payload):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    # ISO 639-1 code of the language the questions are written in.
    language: str
    questions: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=MAX_QUESTIONS)]
    # Ascending thresholds, the first at 0; the defaults when left out.
    bands: Annotated[list[Band], msgspec.Meta(min_length=1, max_length=10)] | None = None


class ChecklistRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    version: int
    name: str
    language: str
    questions: list[Question]
    bands: list[Band]
    loaded_by: uuid.UUID
    loaded_at: datetime
    superseded_at: datetime | None


class Checklists(msgspec.Struct, frozen=True, kw_only=True):
    current: ChecklistRead | None
    # Every version, newest first (the current one included).
    history: list[ChecklistRead]


# --- Her own view ---------------------------------------------------------------------


class HerViewCreate(Payload):
    scale: Scale
    # Her own words, kept sealed.
    words: Text | None = None
    outreach_id: uuid.UUID | None = None
    # Her consent to share this with a service; nothing ever reaches his side.
    may_share: bool = False


class SharingUpdate(Payload):
    """She gives or withdraws her consent to share one record; effective at once."""

    may_share: bool


class HerViewSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    outreach_id: uuid.UUID | None
    scale: int
    has_words: bool
    may_share: bool
    recorded_by: uuid.UUID
    recorded_at: datetime


class HerViewRead(HerViewSummary, frozen=True, kw_only=True):
    words: str | None


# --- A checklist done with her --------------------------------------------------------


class ChecklistRecordCreate(Payload):
    checklist_id: uuid.UUID
    # Every question of the checklist exactly once.
    answers: dict[str, ChecklistAnswer]
    # A band above the count's band, by professional judgement; never lower.
    worker_judgement: str | None = None
    judgement_reason: Text | None = None
    may_share: bool = False
    outreach_id: uuid.UUID | None = None


class ChecklistRecordSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    checklist_id: uuid.UUID
    outreach_id: uuid.UUID | None
    yes_count: int
    computed_band: str
    worker_judgement: str | None
    final_band: str
    may_share: bool
    referral_proposal_id: uuid.UUID | None
    recorded_by: uuid.UUID
    recorded_at: datetime


class ChecklistRecordRead(ChecklistRecordSummary, frozen=True, kw_only=True):
    answers: dict[str, ChecklistAnswer]
    judgement_reason: str | None


# --- Re-offering ----------------------------------------------------------------------


class TriggerCreate(Payload):
    kind: TriggerKind


class TriggerRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    kind: TriggerKind
    recorded_by: uuid.UUID
    recorded_at: datetime


# --- Referral proposals ---------------------------------------------------------------


class ProposalCreate(Payload):
    # Only "professional_judgement": "checklist_band" proposals are made automatically.
    reason: ProposalReason
    note: Text | None = None


class DecisionCreate(Payload):
    her_consent: HerConsent
    she_was_told: bool
    note: Text | None = None


class CloseCreate(Payload):
    outcome: Outcome
    # Required to refer without her agreement (very high risk, safeguarding practice).
    without_consent_reason: Text | None = None


class ProposalSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    reason: ProposalReason
    status: ProposalStatus
    her_consent: HerConsent
    she_was_told: bool
    proposed_by: uuid.UUID
    proposed_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    outcome: Outcome | None
    referred_without_consent: bool
    closed_by: uuid.UUID | None
    closed_at: datetime | None


class ProposalRead(ProposalSummary, frozen=True, kw_only=True):
    note: str | None
    decision_note: str | None
    without_consent_reason: str | None
    # The checklists that proposed it or joined it, oldest first.
    checklist_record_ids: list[uuid.UUID]


# --- Summary --------------------------------------------------------------------------


class LatestHerView(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    scale: int
    recorded_at: datetime


class LatestChecklist(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    yes_count: int
    computed_band: str
    final_band: str
    recorded_at: datetime


class RiskSummary(msgspec.Struct, frozen=True, kw_only=True):
    partner_id: uuid.UUID
    her_view: LatestHerView | None
    checklist: LatestChecklist | None
    checklist_due: bool
    due_reasons: list[DueReason]
    open_referral_proposal: ProposalSummary | None
