"""Checklist versions: loaded by an admin, read by staff who use them.

The question texts are the organisation's own content (none are shipped with the
service). Loading a version supersedes the current one; old versions stay, since
checklists done with her point to the version they used.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.languages import ISO_639_1
from partner_contact.org.models import Organisation
from partner_contact.org.service import current_organisation
from partner_contact.partners.context import Caller
from partner_contact.risk.bands import check_bands
from partner_contact.risk.models import RiskChecklist
from partner_contact.risk.schemas import (
    DEFAULT_BANDS,
    Band,
    ChecklistCreate,
    ChecklistRead,
    Checklists,
    Question,
)

TABLE = "risk_checklist"
# Names and question texts are one line each. PostgreSQL cannot store NUL in a text
# column, so without this a NUL in the name was a 500 there (and stored on SQLite).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def bands_of(checklist: RiskChecklist) -> list[Band]:
    return msgspec.convert(checklist.bands, list[Band])


def question_keys(checklist: RiskChecklist) -> list[str]:
    return [str(question["key"]) for question in checklist.questions]


def _read(checklist: RiskChecklist) -> ChecklistRead:
    return ChecklistRead(
        id=checklist.id,
        version=checklist.version,
        name=checklist.name,
        language=checklist.language,
        questions=msgspec.convert(checklist.questions, list[Question]),
        bands=bands_of(checklist),
        loaded_by=checklist.loaded_by,
        loaded_at=checklist.loaded_at,
        superseded_at=checklist.superseded_at,
    )


def _check(data: ChecklistCreate) -> list[FieldError]:
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("name", "Must not be blank"))
    elif _CONTROL.search(data.name.strip()):
        errors.append(FieldError("name", "One line without control characters"))
    if data.language not in ISO_639_1:
        errors.append(FieldError("language", "Not an ISO 639-1 language code"))
    seen: set[str] = set()
    for index, question in enumerate(data.questions):
        if question.key in seen:
            errors.append(FieldError(f"questions[{index}].key", "Question keys must be unique"))
        seen.add(question.key)
        if not question.text.strip():
            errors.append(FieldError(f"questions[{index}].text", "Must not be blank"))
        elif _CONTROL.search(question.text.strip()):
            errors.append(
                FieldError(f"questions[{index}].text", "One line without control characters")
            )
    bands = DEFAULT_BANDS if data.bands is None else data.bands
    band_errors = check_bands(bands, len(data.questions))
    if data.bands is None and band_errors:
        # The default bands need at least 14 questions.
        errors.append(
            FieldError("bands", "The default bands need more questions; give your own bands")
        )
    else:
        errors.extend(band_errors)
    return errors


async def current_checklist(session: AsyncSession) -> RiskChecklist | None:
    checklist: RiskChecklist | None = await session.scalar(
        select(RiskChecklist)
        .where(RiskChecklist.superseded_at.is_(None))
        .order_by(RiskChecklist.version.desc())
        .limit(1)
    )
    return checklist


async def load_checklist(
    caller: Caller, session: AsyncSession, *, data: ChecklistCreate
) -> ChecklistRead:
    """A new version; the current one (if any) is superseded in the same transaction."""
    errors = _check(data)
    if errors:
        raise DomainError(
            "invalid_checklist", "The checklist is not valid", status=422, errors=errors
        )
    organisation = await current_organisation(session, clock=caller.clock)
    # Two admins loading at once take turns here: one current version, versions unique.
    await session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    now = caller.clock()
    previous = await session.scalar(
        select(RiskChecklist).where(RiskChecklist.superseded_at.is_(None)).with_for_update()
    )
    if previous is not None:
        previous.superseded_at = now
    latest_version = await session.scalar(select(func.max(RiskChecklist.version)))
    bands = DEFAULT_BANDS if data.bands is None else data.bands
    checklist = RiskChecklist(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        version=(latest_version or 0) + 1,
        name=data.name.strip(),
        language=data.language,
        questions=[{"key": q.key, "text": q.text.strip()} for q in data.questions],
        bands=msgspec.to_builtins(list(bands)),
        loaded_by=caller.principal.user_id,
        loaded_at=now,
        superseded_at=None,
    )
    session.add(checklist)
    await session.flush()
    await caller.log(
        session,
        action="risk.checklist.load",
        object_type=TABLE,
        object_id=checklist.id,
        purpose="administration",
    )
    return _read(checklist)


async def list_checklists(session: AsyncSession) -> Checklists:
    versions: Sequence[RiskChecklist] = (
        await session.scalars(select(RiskChecklist).order_by(RiskChecklist.version.desc()))
    ).all()
    history = [_read(version) for version in versions]
    current = next((item for item in history if item.superseded_at is None), None)
    return Checklists(current=current, history=history)
