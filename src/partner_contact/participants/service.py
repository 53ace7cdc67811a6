"""Participants: who may see which, staff separation, and his encrypted contact details."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType
from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.models import StaffUser, Team
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.clock import Clock
from partner_contact.contact_details import e164, normalised_email
from partner_contact.crypto.service import FieldCipher
from partner_contact.errors import DomainError, FieldError
from partner_contact.org.service import current_organisation
from partner_contact.participants.models import Participant
from partner_contact.participants.schemas import (
    ParticipantContact,
    ParticipantCreate,
    ParticipantUpdate,
)

TABLE = "participant"
# A reference with more digits than this, or with no letter, could be a phone number.
_MAX_REFERENCE_DIGITS = 8


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "validation_failed",
        "The participant is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def _not_found() -> DomainError:
    return DomainError("not_found", "No such participant", status=404)


def check_reference(reference: str) -> None:
    """Refuse references that could be his phone number (e-mail is refused by the pattern)."""
    digits = sum(ch.isdigit() for ch in reference)
    if digits > _MAX_REFERENCE_DIGITS or not any(ch.isalpha() for ch in reference):
        raise _invalid(
            "reference",
            f"use a pseudonymous code with a letter and at most {_MAX_REFERENCE_DIGITS} digits",
        )


def normalise_phone(phone: str) -> str:
    """E.164 form of an international number (a leading + and the country code)."""
    number = e164(phone)
    if number is None:
        raise _invalid("phone", "give a possible number in international form, e.g. +44...")
    return number


def normalise_email(email: str) -> str:
    value = normalised_email(email)
    if value is None:
        raise _invalid("email", "not a valid e-mail address")
    return value


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The participants a caller may read: admins all, others by their role in the case."""
    if principal.role == Role.admin:
        return true()
    if principal.role == Role.facilitator:
        return Participant.facilitator_id == principal.user_id
    team_id = principal.team_id
    if principal.role == Role.supervisor and team_id is not None:
        team_workers = select(StaffUser.id).where(StaffUser.team_id == team_id)
        return or_(
            Participant.partner_team_id == team_id,
            Participant.partner_worker_id.in_(team_workers),
        )
    if principal.role == Role.partner_worker:
        mine = Participant.partner_worker_id == principal.user_id
        if team_id is None:
            return mine
        return or_(mine, Participant.partner_team_id == team_id)
    return false()


async def get_visible(
    session: AsyncSession, principal: Principal, participant_id: uuid.UUID, *, clock: Clock
) -> Participant:
    """The participant if the caller may see him; 404 otherwise, as if he did not exist."""
    organisation = await current_organisation(session, clock=clock)
    participant = await session.scalar(
        select(Participant).where(
            Participant.id == participant_id,
            Participant.organisation_id == organisation.id,
            visible_to(principal),
        )
    )
    if participant is None:
        raise _not_found()
    return participant


def _encode_cursor(participant: Participant) -> str:
    raw = msgspec.json.encode([participant.created_at.isoformat(), str(participant.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, participant_id = msgspec.json.decode(raw, type=tuple[datetime, uuid.UUID])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise DomainError(
            "validation_failed",
            "The cursor is not valid",
            status=400,
            errors=[FieldError("cursor", "not a cursor from this API")],
        ) from None
    return created_at, participant_id


async def list_visible(
    session: AsyncSession, principal: Principal, *, clock: Clock, limit: int, cursor: str | None
) -> tuple[Sequence[Participant], str | None]:
    """One page in creation order, and the cursor of the next page (None on the last)."""
    organisation = await current_organisation(session, clock=clock)
    statement = select(Participant).where(
        Participant.organisation_id == organisation.id, visible_to(principal)
    )
    if cursor is not None:
        created_at, last_id = _decode_cursor(cursor)
        statement = statement.where(
            or_(
                Participant.created_at > created_at,
                and_(Participant.created_at == created_at, Participant.id > last_id),
            )
        )
    rows = (
        await session.scalars(
            statement.order_by(Participant.created_at, Participant.id).limit(limit + 1)
        )
    ).all()
    if len(rows) > limit:
        return rows[:limit], _encode_cursor(rows[limit - 1])
    return rows, None


async def _check_staff(
    session: AsyncSession, user_id: uuid.UUID | None, role: Role, field: str
) -> StaffUser | None:
    if user_id is None:
        return None
    user = await session.get(StaffUser, user_id)
    if user is None or user.role != role.value or not user.is_active:
        raise _invalid(field, f"must be an active {role.value} account")
    return user


async def _check_assignment(session: AsyncSession, participant: Participant) -> None:
    """Staff separation first (its reason is the one that matters), then the roles."""
    facilitator_id = participant.facilitator_id
    if facilitator_id is not None and facilitator_id == participant.partner_worker_id:
        raise _separation("the facilitator cannot be the partner worker of his case")
    facilitator = await session.get(StaffUser, facilitator_id) if facilitator_id else None
    team_id = participant.partner_team_id
    if facilitator is not None and team_id is not None and facilitator.team_id == team_id:
        raise _separation("the facilitator is a member of the team assigned to his case")
    await _check_staff(session, facilitator_id, Role.facilitator, "facilitator_id")
    await _check_staff(
        session, participant.partner_worker_id, Role.partner_worker, "partner_worker_id"
    )
    if team_id is not None and await session.get(Team, team_id) is None:
        raise _invalid("partner_team_id", "no such team")


def _separation(detail: str) -> DomainError:
    return DomainError(
        "staff_separation",
        "Nobody may work with both him and his partners",
        status=409,
        detail=detail,
    )


async def _check_reference_free(
    session: AsyncSession, organisation_id: uuid.UUID, reference: str, own_id: uuid.UUID
) -> None:
    taken = await session.scalar(
        select(Participant.id).where(
            Participant.organisation_id == organisation_id,
            Participant.reference == reference,
            Participant.id != own_id,
        )
    )
    if taken is not None:
        raise DomainError(
            "reference_taken",
            "Another participant has that reference",
            status=409,
            errors=[FieldError("reference", "already in use")],
        )


async def _seal(
    session: AsyncSession, cipher: FieldCipher, participant: Participant, column: str, value: str
) -> bytes:
    return await cipher.encrypt(
        session,
        data_key_id=participant.data_key_id,
        table=TABLE,
        column=column,
        record_id=participant.id,
        plaintext=value,
    )


async def create_participant(
    session: AsyncSession, cipher: FieldCipher, data: ParticipantCreate, *, clock: Clock
) -> Participant:
    check_reference(data.reference)
    phone = normalise_phone(data.phone) if data.phone is not None else None
    email = normalise_email(data.email) if data.email is not None else None
    organisation = await current_organisation(session, clock=clock)
    participant = Participant(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        reference=data.reference,
        group_name=data.group_name,
        facilitator_id=data.facilitator_id,
        partner_worker_id=data.partner_worker_id,
        partner_team_id=data.partner_team_id,
        created_at=clock(),
    )
    await _check_assignment(session, participant)
    await _check_reference_free(session, organisation.id, data.reference, participant.id)
    participant.data_key_id = (await cipher.new_data_key(session)).id
    if phone is not None:
        participant.phone = await _seal(session, cipher, participant, "phone", phone)
    if email is not None:
        participant.email = await _seal(session, cipher, participant, "email", email)
    session.add(participant)
    await session.flush()
    return participant


async def update_participant(
    session: AsyncSession,
    cipher: FieldCipher,
    principal: Principal,
    participant_id: uuid.UUID,
    data: ParticipantUpdate,
    *,
    clock: Clock,
) -> Participant:
    participant = await get_visible(session, principal, participant_id, clock=clock)
    # Checks query the database: the half-changed row must not be flushed before they pass.
    with session.no_autoflush:
        await _apply_update(session, cipher, participant, data)
    await session.flush()
    return participant


async def _apply_update(
    session: AsyncSession, cipher: FieldCipher, participant: Participant, data: ParticipantUpdate
) -> None:
    if not isinstance(data.reference, UnsetType):
        check_reference(data.reference)
        await _check_reference_free(
            session, participant.organisation_id, data.reference, participant.id
        )
        participant.reference = data.reference
    if data.group_name is not UNSET:
        participant.group_name = data.group_name
    if data.facilitator_id is not UNSET:
        participant.facilitator_id = data.facilitator_id
    if data.partner_worker_id is not UNSET:
        participant.partner_worker_id = data.partner_worker_id
    if data.partner_team_id is not UNSET:
        participant.partner_team_id = data.partner_team_id
    await _check_assignment(session, participant)
    if not isinstance(data.phone, UnsetType):
        participant.phone = (
            None
            if data.phone is None
            else await _seal(session, cipher, participant, "phone", normalise_phone(data.phone))
        )
    if not isinstance(data.email, UnsetType):
        participant.email = (
            None
            if data.email is None
            else await _seal(session, cipher, participant, "email", normalise_email(data.email))
        )


async def read_contact(
    session: AsyncSession, cipher: FieldCipher, participant: Participant
) -> ParticipantContact:
    async def open_(column: str, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        return await cipher.decrypt(
            session,
            data_key_id=participant.data_key_id,
            table=TABLE,
            column=column,
            record_id=participant.id,
            ciphertext=sealed,
        )

    return ParticipantContact(
        phone=await open_("phone", participant.phone),
        email=await open_("email", participant.email),
    )
