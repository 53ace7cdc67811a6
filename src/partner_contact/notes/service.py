"""Notes that wait for later: written down now, taken up in a safe setting.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction. The text is sealed under her data key and
opened only by :func:`list_notes`, a read logged with the purpose "call".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.notes.models import PartnerNote
from partner_contact.notes.schemas import (
    TEXT_MAX_LENGTH,
    NoteCreate,
    NoteRead,
    NoteSharing,
    NoteStatus,
    NoteSummary,
    RaiseWhen,
    Topic,
)
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller

TABLE = "partner_note"
# Line breaks and tabs are the only control characters free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_note", "The note is not valid", status=422, errors=[FieldError(field, message)]
    )


def _check_text(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise _invalid("text", "The note must not be blank")
    if len(text) > TEXT_MAX_LENGTH:
        raise _invalid("text", f"At most {TEXT_MAX_LENGTH} characters")
    if _CONTROL.search(text):
        raise _invalid("text", "Control characters are not allowed")
    return text


def _summary(note: PartnerNote) -> NoteSummary:
    return NoteSummary(
        id=note.id,
        partner_id=note.partner_id,
        topic=Topic(note.topic),
        raise_when=RaiseWhen(note.raise_when),
        status=NoteStatus(note.status),
        created_by=note.created_by,
        created_at=note.created_at,
        addressed_by=note.addressed_by,
        addressed_at=note.addressed_at,
        may_share=note.may_share,
    )


async def create_note(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: NoteCreate
) -> NoteSummary:
    partner = await reachable_partner(session, caller.principal, partner_id)
    text = _check_text(data.text)
    note = PartnerNote(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        topic=data.topic.value,
        raise_when=data.raise_when.value,
        status=NoteStatus.open.value,
        created_by=caller.principal.user_id,
        created_at=caller.clock(),
        may_share=data.may_share,
    )
    note.text = await caller.cipher.encrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column="text",
        record_id=note.id,
        plaintext=text,
    )
    session.add(note)
    await session.flush()
    await caller.log(session, action="note.create", object_type=TABLE, object_id=note.id)
    return _summary(note)


async def list_notes(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, status: NoteStatus | None
) -> list[NoteRead]:
    """Her notes, newest first, texts in the clear: a read logged for a call."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    statement = select(PartnerNote).where(PartnerNote.partner_id == partner.id)
    if status is not None:
        statement = statement.where(PartnerNote.status == status.value)
    notes: Sequence[PartnerNote] = (
        await session.scalars(statement.order_by(PartnerNote.created_at.desc(), PartnerNote.id))
    ).all()
    result = []
    for note in notes:
        summary = _summary(note)
        text = await caller.cipher.decrypt(
            session,
            data_key_id=partner.data_key_id,
            table=TABLE,
            column="text",
            record_id=note.id,
            ciphertext=note.text,
        )
        result.append(
            NoteRead(
                id=summary.id,
                partner_id=summary.partner_id,
                topic=summary.topic,
                raise_when=summary.raise_when,
                status=summary.status,
                created_by=summary.created_by,
                created_at=summary.created_at,
                addressed_by=summary.addressed_by,
                addressed_at=summary.addressed_at,
                may_share=summary.may_share,
                text=text,
            )
        )
    await caller.log(
        session, action="note.read", object_type="partner", object_id=partner.id, purpose="call"
    )
    return result


async def _reachable_note(caller: Caller, session: AsyncSession, note_id: uuid.UUID) -> PartnerNote:
    """Her note, locked, if the caller reaches her record; 404 otherwise."""
    partner_id = await session.scalar(
        select(PartnerNote.partner_id).where(PartnerNote.id == note_id)
    )
    if partner_id is None:
        raise not_found("note")
    try:
        await reachable_partner(session, caller.principal, partner_id)
    except DomainError as exc:
        if exc.status == 404:
            raise not_found("note") from None
        raise
    note = await session.scalar(
        select(PartnerNote).where(PartnerNote.id == note_id).with_for_update()
    )
    assert note is not None
    return note


async def mark_addressed(
    caller: Caller, session: AsyncSession, *, note_id: uuid.UUID
) -> NoteSummary:
    """The issue was taken up with her; marking it twice changes nothing."""
    note = await _reachable_note(caller, session, note_id)
    if note.status == NoteStatus.open.value:
        note.status = NoteStatus.addressed.value
        note.addressed_at = caller.clock()
        note.addressed_by = caller.principal.user_id
        await session.flush()
        await caller.log(session, action="note.addressed", object_type=TABLE, object_id=note.id)
    return _summary(note)


async def set_sharing(
    caller: Caller, session: AsyncSession, *, note_id: uuid.UUID, data: NoteSharing
) -> NoteSummary:
    """Record her consent to share this note, or its withdrawal; effective at once.

    The response shows the note's topic, so the call is logged even when nothing changes.
    """
    note = await _reachable_note(caller, session, note_id)
    note.may_share = data.may_share
    await session.flush()
    await caller.log(session, action="note.sharing", object_type=TABLE, object_id=note.id)
    return _summary(note)
