"""Drafting, completing, correcting and reading her home-situation assessments.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction. Her free-text answers are sealed under her
data key as one JSON document and opened only by :func:`read_assessment`, a read logged
with the purpose "call". A completed assessment is never changed (409): a correction is
a new draft that points to it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from typing import Any, Final

from msgspec import UnsetType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.assessments.models import Assessment
from partner_contact.assessments.schemas import (
    ANSWER_FIELDS,
    FREE_TEXT_FIELDS,
    Answer,
    Answers,
    AssessmentAnswers,
    AssessmentCreate,
    AssessmentRead,
    AssessmentSharing,
    AssessmentStatus,
    AssessmentSummary,
    CaseFlags,
    Flags,
    FreeTextAnswers,
    FreeTextField,
    derive_flags,
)
from partner_contact.errors import DomainError, FieldError
from partner_contact.outreach.models import Outreach
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner

TABLE: Final = "assessment"
COLUMN: Final = "free_text"
# Line breaks and tabs are the only control characters free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_assessment",
        "The assessment is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def _completed() -> DomainError:
    return DomainError(
        "assessment_completed",
        "This assessment is completed and cannot change",
        status=409,
        detail="Correct it instead: a correction is a new version that points to it.",
    )


def answers_of(assessment: Assessment) -> Answers:
    values: dict[str, Any] = {
        name: kind(getattr(assessment, name)) for name, kind in ANSWER_FIELDS.items()
    }
    return Answers(**values, stress_level=assessment.stress_level)


def _summary(assessment: Assessment) -> AssessmentSummary:
    answers = answers_of(assessment)
    return AssessmentSummary(
        id=assessment.id,
        partner_id=assessment.partner_id,
        outreach_id=assessment.outreach_id,
        supersedes_id=assessment.supersedes_id,
        status=AssessmentStatus(assessment.status),
        created_by=assessment.created_by,
        created_at=assessment.created_at,
        completed_by=assessment.completed_by,
        completed_at=assessment.completed_at,
        answers=answers,
        flags=derive_flags(answers),
        has_free_text=assessment.free_text is not None,
        may_share=[FreeTextField(name) for name in assessment.may_share],
    )


def _check_text(field: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    if _CONTROL.search(text):
        raise _invalid(field, "Control characters are not allowed")
    return text


async def _open(
    caller: Caller, session: AsyncSession, partner: Partner, assessment: Assessment
) -> dict[str, str]:
    if assessment.free_text is None:
        return {}
    plaintext = await caller.cipher.decrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column=COLUMN,
        record_id=assessment.id,
        ciphertext=assessment.free_text,
    )
    opened: dict[str, str] = json.loads(plaintext)
    return opened


async def _seal(
    caller: Caller,
    session: AsyncSession,
    partner: Partner,
    assessment: Assessment,
    texts: dict[str, str],
) -> None:
    if not texts:
        assessment.free_text = None
        return
    assessment.free_text = await caller.cipher.encrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column=COLUMN,
        record_id=assessment.id,
        plaintext=json.dumps(texts, sort_keys=True),
    )


async def _apply(
    caller: Caller,
    session: AsyncSession,
    partner: Partner,
    assessment: Assessment,
    data: AssessmentAnswers,
) -> None:
    """Set the answers given in ``data``; the others stay as they are."""
    for name in ANSWER_FIELDS:
        value = getattr(data, name)
        if not isinstance(value, UnsetType):
            setattr(assessment, name, value.value)
    if not isinstance(data.stress_level, UnsetType):
        assessment.stress_level = data.stress_level
    given = {
        name: getattr(data, name)
        for name in FREE_TEXT_FIELDS
        if not isinstance(getattr(data, name), UnsetType)
    }
    if not given:
        return
    texts = await _open(caller, session, partner, assessment)
    for name, raw in given.items():
        text = _check_text(name, raw)
        if text is None:
            texts.pop(name, None)
        else:
            texts[name] = text
    await _seal(caller, session, partner, assessment, texts)


async def _reachable(
    caller: Caller, session: AsyncSession, assessment_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Partner, Assessment]:
    """The assessment and her record, or a 404 that says nothing about either."""
    partner_id = await session.scalar(
        select(Assessment.partner_id).where(Assessment.id == assessment_id)
    )
    if partner_id is None:
        raise not_found("assessment")
    try:
        partner = await reachable_partner(
            session, caller.principal, partner_id, for_update=for_update
        )
    except DomainError as exc:
        if exc.status == 404:
            raise not_found("assessment") from None
        raise
    statement = select(Assessment).where(Assessment.id == assessment_id)
    if for_update:
        statement = statement.with_for_update()
    assessment = await session.scalar(statement)
    assert assessment is not None
    return partner, assessment


async def create_assessment(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: AssessmentCreate
) -> AssessmentSummary:
    """A new draft; answers left out are "not asked"."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if data.outreach_id is not None:
        owner = await session.scalar(
            select(Outreach.partner_id).where(Outreach.id == data.outreach_id)
        )
        if owner != partner.id:
            raise _invalid("outreach_id", "No such outreach with her")
    assessment = Assessment(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        outreach_id=data.outreach_id,
        status=AssessmentStatus.draft.value,
        created_by=caller.principal.user_id,
        created_at=caller.clock(),
        **{name: kind("not_asked").value for name, kind in ANSWER_FIELDS.items()},
    )
    await _apply(caller, session, partner, assessment, data)
    session.add(assessment)
    await session.flush()
    await caller.log(
        session, action="assessment.create", object_type=TABLE, object_id=assessment.id
    )
    return _summary(assessment)


async def update_assessment(
    caller: Caller, session: AsyncSession, *, assessment_id: uuid.UUID, data: AssessmentAnswers
) -> AssessmentSummary:
    """Change a draft's answers; a completed assessment cannot change (409)."""
    partner, assessment = await _reachable(caller, session, assessment_id, for_update=True)
    if assessment.status != AssessmentStatus.draft.value:
        raise _completed()
    await _apply(caller, session, partner, assessment, data)
    await session.flush()
    await caller.log(
        session, action="assessment.update", object_type=TABLE, object_id=assessment.id
    )
    return _summary(assessment)


async def complete_assessment(
    caller: Caller, session: AsyncSession, *, assessment_id: uuid.UUID
) -> AssessmentSummary:
    """The draft becomes the record of the call; from now on it never changes."""
    _, assessment = await _reachable(caller, session, assessment_id, for_update=True)
    if assessment.status != AssessmentStatus.draft.value:
        raise _completed()
    assessment.status = AssessmentStatus.completed.value
    assessment.completed_by = caller.principal.user_id
    assessment.completed_at = caller.clock()
    await session.flush()
    await caller.log(
        session, action="assessment.complete", object_type=TABLE, object_id=assessment.id
    )
    return _summary(assessment)


async def correct_assessment(
    caller: Caller, session: AsyncSession, *, assessment_id: uuid.UUID
) -> AssessmentSummary:
    """A new draft version with the completed one's answers, pointing to it."""
    partner, previous = await _reachable(caller, session, assessment_id, for_update=True)
    if previous.status != AssessmentStatus.completed.value:
        raise DomainError(
            "assessment_not_completed",
            "Only a completed assessment is corrected; change the draft instead",
            status=409,
        )
    existing = await session.scalar(
        select(Assessment.id).where(Assessment.supersedes_id == previous.id).limit(1)
    )
    if existing is not None:
        raise DomainError(
            "assessment_already_corrected",
            "This version already has a correction; correct the newest version",
            status=409,
        )
    correction = Assessment(
        id=uuid.uuid4(),
        organisation_id=previous.organisation_id,
        partner_id=previous.partner_id,
        outreach_id=previous.outreach_id,
        supersedes_id=previous.id,
        status=AssessmentStatus.draft.value,
        created_by=caller.principal.user_id,
        created_at=caller.clock(),
        stress_level=previous.stress_level,
        may_share=list(previous.may_share),
        **{name: getattr(previous, name) for name in ANSWER_FIELDS},
    )
    # Her words are sealed again: the ciphertext is bound to the new record's id.
    await _seal(
        caller, session, partner, correction, await _open(caller, session, partner, previous)
    )
    session.add(correction)
    await session.flush()
    await caller.log(
        session, action="assessment.correct", object_type=TABLE, object_id=correction.id
    )
    return _summary(correction)


async def read_assessment(
    caller: Caller, session: AsyncSession, *, assessment_id: uuid.UUID
) -> AssessmentRead:
    """One version with her words in the clear: a read logged for a call."""
    partner, assessment = await _reachable(caller, session, assessment_id)
    texts = await _open(caller, session, partner, assessment)
    summary = _summary(assessment)
    await caller.log(
        session,
        action="assessment.read",
        object_type=TABLE,
        object_id=assessment.id,
        purpose="call",
    )
    return AssessmentRead(
        **{field: getattr(summary, field) for field in summary.__struct_fields__},
        free_text=FreeTextAnswers(**texts),
    )


async def list_assessments(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[AssessmentSummary]:
    """Her assessments, newest first, without her words."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    records: Sequence[Assessment] = (
        await session.scalars(
            select(Assessment)
            .where(Assessment.partner_id == partner.id)
            .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        )
    ).all()
    await caller.log(session, action="assessment.list", object_type="partner", object_id=partner.id)
    return [_summary(record) for record in records]


async def latest_completed(session: AsyncSession, partner_id: uuid.UUID) -> Assessment | None:
    """Her most recently completed assessment, if any."""
    assessment: Assessment | None = await session.scalar(
        select(Assessment)
        .where(
            Assessment.partner_id == partner_id,
            Assessment.status == AssessmentStatus.completed.value,
        )
        .order_by(Assessment.completed_at.desc(), Assessment.created_at.desc())
        .limit(1)
    )
    return assessment


async def fears_new_violence(session: AsyncSession, partner_id: uuid.UUID) -> bool:
    """Whether her latest completed assessment says she fears a new episode (for the gate)."""
    latest = await latest_completed(session, partner_id)
    return latest is not None and latest.fears_new_episode == Answer.yes.value


async def case_flags(caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID) -> CaseFlags:
    """The flags of her latest completed assessment (no free text)."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    latest = await latest_completed(session, partner.id)
    flags = (
        Flags(
            violence_since_lockdown=False,
            fears_new_violence=False,
            children_affected=False,
            no_support_service=False,
            contact_concern=False,
        )
        if latest is None
        else derive_flags(answers_of(latest))
    )
    await caller.log(
        session, action="assessment.flags", object_type="partner", object_id=partner.id
    )
    return CaseFlags(
        partner_id=partner.id,
        assessment_id=None if latest is None else latest.id,
        completed_at=None if latest is None else latest.completed_at,
        flags=flags,
    )


async def _versions(session: AsyncSession, assessment: Assessment) -> list[Assessment]:
    """Every version of the assessment: the ones it corrects and the ones correcting it.

    The caller holds her record's lock, so no correction is made meanwhile.
    """
    rows: Sequence[Assessment] = (
        await session.scalars(
            select(Assessment).where(Assessment.partner_id == assessment.partner_id)
        )
    ).all()
    by_id = {row.id: row for row in rows}
    correction_of = {row.supersedes_id: row for row in rows if row.supersedes_id is not None}
    first = assessment
    while first.supersedes_id is not None and first.supersedes_id in by_id:
        first = by_id[first.supersedes_id]
    versions = [first]
    while (following := correction_of.get(versions[-1].id)) is not None:
        versions.append(following)
    return versions


async def set_sharing(
    caller: Caller, session: AsyncSession, *, assessment_id: uuid.UUID, data: AssessmentSharing
) -> AssessmentSummary:
    """Record which of her answers she agrees may be shared; effective at once, any status.

    Her consent is about what she said, not about one version of its record: it applies to
    every version of the assessment, so a withdrawal made on the version a correction
    superseded also holds for the correction. The response shows her answers, so the call
    is logged even when nothing changes.
    """
    _, assessment = await _reachable(caller, session, assessment_id, for_update=True)
    chosen = sorted({field.value for field in data.may_share})
    for version in await _versions(session, assessment):
        if chosen != sorted(version.may_share):
            version.may_share = list(chosen)
    await session.flush()
    await caller.log(
        session, action="assessment.sharing", object_type=TABLE, object_id=assessment.id
    )
    return _summary(assessment)
