"""Assessment payloads and the flags derived from structured answers.

"Not asked" is distinct from "no" everywhere: a yes/no question is an :class:`Answer`
whose default is ``not_asked``, and a stress level of ``null`` means it was not asked.
Her free-text answers leave only through :class:`AssessmentRead`, a logged read; lists
and flags never carry them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Final

import msgspec
from msgspec import UNSET, UnsetType

from partner_contact.payload import Payload

FREE_TEXT_MAX_LENGTH: Final = 4000
FreeText = Annotated[str, msgspec.Meta(max_length=FREE_TEXT_MAX_LENGTH)]
StressLevel = Annotated[int, msgspec.Meta(ge=0, le=10)]


class Answer(enum.StrEnum):
    yes = "yes"
    no = "no"
    not_asked = "not_asked"
    declined = "declined"


class ConflictChange(enum.StrEnum):
    less = "less"
    same = "same"
    more = "more"
    not_asked = "not_asked"


class Childcare(enum.StrEnum):
    well = "well"
    difficult = "difficult"
    not_applicable = "not_applicable"
    not_asked = "not_asked"


class AssessmentStatus(enum.StrEnum):
    draft = "draft"
    completed = "completed"


# The structured answers and the enum each holds (stress_level is an int or null).
ANSWER_FIELDS: Final[dict[str, type[enum.StrEnum]]] = {
    "she_works": Answer,
    "he_works": Answer,
    "financial_difficulties": Answer,
    "children_in_household": Answer,
    "childcare_going": Childcare,
    "children_affected_by_his_behaviour": Answer,
    "conflict_since_lockdown": ConflictChange,
    "episodes_since_lockdown": Answer,
    "fears_new_episode": Answer,
    "use_of_space_changed": Answer,
    "in_touch_with_support_service": Answer,
    "concerned_about_contact_with_him": Answer,
    "contact_could_endanger_her": Answer,
}


class FreeTextField(enum.StrEnum):
    how_she_managed_episodes = "how_she_managed_episodes"
    how_she_lives_isolation = "how_she_lives_isolation"
    how_the_children_are = "how_the_children_are"
    notes = "notes"


FREE_TEXT_FIELDS: Final = tuple(field.value for field in FreeTextField)


class AssessmentAnswers(Payload):
    """Answers to set; a field left out stays as it is (``not_asked`` on a new draft).

    The free-text fields are her words, kept sealed: ``null`` removes one.
    """

    # Work and money.
    she_works: Answer | UnsetType = UNSET
    he_works: Answer | UnsetType = UNSET
    financial_difficulties: Answer | UnsetType = UNSET
    # Children.
    children_in_household: Answer | UnsetType = UNSET
    childcare_going: Childcare | UnsetType = UNSET
    children_affected_by_his_behaviour: Answer | UnsetType = UNSET
    # Conflict and violence since lockdown ("if no new violence: does she fear one?").
    conflict_since_lockdown: ConflictChange | UnsetType = UNSET
    episodes_since_lockdown: Answer | UnsetType = UNSET
    fears_new_episode: Answer | UnsetType = UNSET
    # Home and isolation; her stress from 0 to 10, null when not asked.
    use_of_space_changed: Answer | UnsetType = UNSET
    stress_level: StressLevel | UnsetType | None = UNSET
    # Support ("no" means: provide resources or a referral).
    in_touch_with_support_service: Answer | UnsetType = UNSET
    # Her concern about the programme contacting him by phone or video.
    concerned_about_contact_with_him: Answer | UnsetType = UNSET
    contact_could_endanger_her: Answer | UnsetType = UNSET
    # Her words (1-4000 characters each, sealed under her data key).
    how_she_managed_episodes: FreeText | UnsetType | None = UNSET
    how_she_lives_isolation: FreeText | UnsetType | None = UNSET
    how_the_children_are: FreeText | UnsetType | None = UNSET
    notes: FreeText | UnsetType | None = UNSET


class AssessmentCreate(AssessmentAnswers):
    """A new draft, optionally tied to the outreach (the call) it records."""

    outreach_id: uuid.UUID | None = None


class Answers(msgspec.Struct, frozen=True, kw_only=True):
    """The structured answers as stored."""

    she_works: Answer = Answer.not_asked
    he_works: Answer = Answer.not_asked
    financial_difficulties: Answer = Answer.not_asked
    children_in_household: Answer = Answer.not_asked
    childcare_going: Childcare = Childcare.not_asked
    children_affected_by_his_behaviour: Answer = Answer.not_asked
    conflict_since_lockdown: ConflictChange = ConflictChange.not_asked
    episodes_since_lockdown: Answer = Answer.not_asked
    fears_new_episode: Answer = Answer.not_asked
    use_of_space_changed: Answer = Answer.not_asked
    stress_level: int | None = None
    in_touch_with_support_service: Answer = Answer.not_asked
    concerned_about_contact_with_him: Answer = Answer.not_asked
    contact_could_endanger_her: Answer = Answer.not_asked


class Flags(msgspec.Struct, frozen=True, kw_only=True):
    """What the structured answers mean for her case; never her words."""

    violence_since_lockdown: bool
    fears_new_violence: bool
    children_affected: bool
    no_support_service: bool
    contact_concern: bool


def derive_flags(answers: Answers) -> Flags:
    """The flags of a set of answers; "not asked" and "declined" never raise one."""
    return Flags(
        violence_since_lockdown=answers.episodes_since_lockdown == Answer.yes,
        fears_new_violence=answers.fears_new_episode == Answer.yes,
        children_affected=answers.children_affected_by_his_behaviour == Answer.yes,
        no_support_service=answers.in_touch_with_support_service == Answer.no,
        contact_concern=(
            answers.concerned_about_contact_with_him == Answer.yes
            or answers.contact_could_endanger_her == Answer.yes
        ),
    )


class AssessmentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A version of an assessment without her words."""

    id: uuid.UUID
    partner_id: uuid.UUID
    outreach_id: uuid.UUID | None
    supersedes_id: uuid.UUID | None
    status: AssessmentStatus
    created_by: uuid.UUID
    created_at: datetime
    completed_by: uuid.UUID | None
    completed_at: datetime | None
    answers: Answers
    flags: Flags
    has_free_text: bool
    # The free-text answers she agreed may be shared with a service; none by default.
    may_share: list[FreeTextField]


class AssessmentSharing(Payload):
    """Which of her free-text answers she agrees may be shared; [] withdraws it all."""

    may_share: Annotated[list[FreeTextField], msgspec.Meta(max_length=len(FreeTextField))]


class FreeTextAnswers(msgspec.Struct, frozen=True, kw_only=True):
    how_she_managed_episodes: str | None = None
    how_she_lives_isolation: str | None = None
    how_the_children_are: str | None = None
    notes: str | None = None


class AssessmentRead(AssessmentSummary, frozen=True, kw_only=True):
    """A version with her words in the clear (a read logged for a call)."""

    free_text: FreeTextAnswers


class CaseFlags(msgspec.Struct, frozen=True, kw_only=True):
    """The flags of her latest completed assessment; all false when there is none."""

    partner_id: uuid.UUID
    assessment_id: uuid.UUID | None
    completed_at: datetime | None
    flags: Flags
