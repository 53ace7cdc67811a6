"""Partner records: create, change, read masked, read her details for a purpose.

Her details are sealed under the partner's own data key and only leave this module
masked, except through :func:`read_contact_details`, which logs each read's purpose.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import TypeVar

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.service import PURPOSES
from partner_contact.crypto.service import FieldCipher
from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import Area
from partner_contact.org.service import current_organisation
from partner_contact.participants.models import Participant
from partner_contact.partners import validation as check
from partner_contact.partners.access import (
    reachable_cases,
    reachable_participant,
    reachable_partner,
)
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.partners.schemas import (
    ContactDetails,
    DoNotContactReason,
    PartnerCreate,
    PartnerProfile,
    PartnerRead,
    PartnerUpdate,
    SafeContact,
)

TABLE = "partner"
T = TypeVar("T")


@dataclasses.dataclass(frozen=True, kw_only=True)
class HerRecord:
    """Her record in the clear, only ever held in memory for one request."""

    alias: str
    phone: str | None
    whatsapp: str | None
    email: str | None
    profile: PartnerProfile
    may_name_org: bool
    is_do_not_contact: bool
    do_not_contact_reason: str | None

    def checked(self) -> HerRecord:
        check.check_channels(
            self.profile.channels,
            has_phone=self.phone is not None,
            has_whatsapp=self.whatsapp is not None,
            has_email=self.email is not None,
        )
        check.check_do_not_contact(self.is_do_not_contact, self.do_not_contact_reason)
        return self


async def _seal(caller: Caller, session: AsyncSession, partner: Partner, record: HerRecord) -> None:
    async def seal(column: str, value: str) -> bytes:
        return await caller.cipher.encrypt(
            session,
            data_key_id=partner.data_key_id,
            table=TABLE,
            column=column,
            record_id=partner.id,
            plaintext=value,
        )

    async def seal_optional(column: str, value: str | None) -> bytes | None:
        return None if value is None else await seal(column, value)

    partner.alias = await seal("alias", record.alias)
    partner.phone = await seal_optional("phone", record.phone)
    partner.whatsapp = await seal_optional("whatsapp", record.whatsapp)
    partner.email = await seal_optional("email", record.email)
    partner.profile = await seal("profile", msgspec.json.encode(record.profile).decode())
    partner.phone_index = (
        caller.keyring.blind_index("phone", record.phone) if record.phone else None
    )
    partner.email_index = (
        caller.keyring.blind_index("email", record.email) if record.email else None
    )
    # WhatsApp numbers share the phone index kind: an inbound number is looked up once.
    partner.whatsapp_index = (
        caller.keyring.blind_index("phone", record.whatsapp) if record.whatsapp else None
    )
    partner.may_name_org = record.may_name_org
    partner.is_do_not_contact = record.is_do_not_contact
    partner.do_not_contact_reason = record.do_not_contact_reason
    partner.updated_at = caller.clock()


async def open_record(cipher: FieldCipher, session: AsyncSession, partner: Partner) -> HerRecord:
    """Her record in the clear, for the caller to log why it opened it."""

    async def open_(column: str, value: bytes | None) -> str | None:
        if value is None:
            return None
        return await cipher.decrypt(
            session,
            data_key_id=partner.data_key_id,
            table=TABLE,
            column=column,
            record_id=partner.id,
            ciphertext=value,
        )

    alias = await open_("alias", partner.alias)
    profile = await open_("profile", partner.profile)
    assert alias is not None
    assert profile is not None
    return HerRecord(
        alias=alias,
        phone=await open_("phone", partner.phone),
        whatsapp=await open_("whatsapp", partner.whatsapp),
        email=await open_("email", partner.email),
        profile=msgspec.json.decode(profile, type=PartnerProfile),
        may_name_org=partner.may_name_org,
        is_do_not_contact=partner.is_do_not_contact,
        do_not_contact_reason=partner.do_not_contact_reason,
    )


def _masked(partner: Partner, record: HerRecord) -> PartnerRead:
    profile = record.profile
    return PartnerRead(
        id=partner.id,
        participant_id=partner.participant_id,
        alias=record.alias,
        phone=check.mask_phone(record.phone) if record.phone else None,
        whatsapp=check.mask_phone(record.whatsapp) if record.whatsapp else None,
        email=check.mask_email(record.email) if record.email else None,
        relationship=profile.relationship,
        language=profile.language,
        time_zone=profile.time_zone,
        safe_windows=profile.safe_windows,
        channels=profile.channels,
        may_name_org=partner.may_name_org,
        is_do_not_contact=partner.is_do_not_contact,
        do_not_contact_reason=(
            DoNotContactReason(partner.do_not_contact_reason)
            if partner.do_not_contact_reason
            else None
        ),
        safe_contact=profile.safe_contact,
        area_id=profile.area_id,
        safe_contact_confirmed_at=partner.safe_contact_confirmed_at,
        safe_contact_confirmed_by=partner.safe_contact_confirmed_by,
        opted_out_at=partner.opted_out_at,
        start_received_at=partner.start_received_at,
        last_contact_at=partner.last_contact_at,
        has_code_word=partner.code_word_hash is not None,
        is_code_word_locked=partner.code_word_locked_at is not None,
    )


async def view(caller: Caller, session: AsyncSession, partner: Partner) -> PartnerRead:
    return _masked(partner, await open_record(caller.cipher, session, partner))


async def _check_area(
    session: AsyncSession, organisation_id: uuid.UUID, area_id: uuid.UUID | None
) -> None:
    """Her area must be one of her organisation's (or none)."""
    if area_id is None:
        return
    found = await session.scalar(
        select(Area.id).where(Area.id == area_id, Area.organisation_id == organisation_id)
    )
    if found is None:
        raise check.invalid("area_id", "No such area in the directory")


def _phone(raw: str | None, region: str | None, field: str) -> str | None:
    return None if raw is None else check.normalise_phone(raw, region=region, field=field)


async def create_partner(
    caller: Caller, session: AsyncSession, *, participant_id: uuid.UUID, data: PartnerCreate
) -> PartnerRead:
    participant = await reachable_participant(session, caller.principal, participant_id)
    organisation = await current_organisation(session, clock=caller.clock)
    await _check_area(session, organisation.id, data.area_id)
    record = HerRecord(
        alias=check.check_alias(data.alias),
        phone=_phone(data.phone, data.phone_region, "phone"),
        whatsapp=_phone(data.whatsapp, data.phone_region, "whatsapp"),
        email=None if data.email is None else check.normalise_email(data.email),
        profile=PartnerProfile(
            language=data.language,
            time_zone=check.check_time_zone(data.time_zone),
            safe_windows=check.check_safe_windows(data.safe_windows),
            channels=data.channels,
            relationship=data.relationship,
            safe_contact=data.safe_contact,
            area_id=data.area_id,
        ),
        may_name_org=data.may_name_org,
        is_do_not_contact=data.is_do_not_contact,
        do_not_contact_reason=data.do_not_contact_reason,
    ).checked()
    data_key = await caller.cipher.new_data_key(session)
    now = caller.clock()
    partner = Partner(
        id=uuid.uuid4(),
        data_key_id=data_key.id,
        organisation_id=organisation.id,
        participant_id=participant.id,
        code_word_failures=0,
        created_by=caller.principal.user_id,
        created_at=now,
    )
    await _seal(caller, session, partner, record)
    session.add(partner)
    await session.flush()
    await caller.log(session, action="partner.create", object_type=TABLE, object_id=partner.id)
    return _masked(partner, record)


# Contact suspended because someone else answered or the number was wrong reopens only
# with new details: lifting the flag on the same number would reach the same hands.
_SUSPENDING_REASONS = frozenset(
    {DoNotContactReason.he_answered, DoNotContactReason.details_invalid}
)


def _check_reopening(old: HerRecord, new: HerRecord) -> None:
    reopens = old.is_do_not_contact and not new.is_do_not_contact
    if (
        reopens
        and old.do_not_contact_reason in _SUSPENDING_REASONS
        and (new.phone, new.whatsapp) == (old.phone, old.whatsapp)
    ):
        raise DomainError(
            "new_details_required",
            "Record her new safe contact details to reopen contact",
            status=409,
            detail="Contact was suspended on these details; it reopens only with new ones.",
        )


def _pick(new: T | msgspec.UnsetType, old: T) -> T:
    return old if isinstance(new, msgspec.UnsetType) else new


async def update_partner(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: PartnerUpdate
) -> PartnerRead:
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    old = await open_record(caller.cipher, session, partner)
    if data.area_id is not msgspec.UNSET:
        await _check_area(session, partner.organisation_id, data.area_id)
    region = data.phone_region
    profile = old.profile
    record = HerRecord(
        alias=old.alias if data.alias is msgspec.UNSET else check.check_alias(data.alias),
        phone=old.phone if data.phone is msgspec.UNSET else _phone(data.phone, region, "phone"),
        whatsapp=(
            old.whatsapp
            if data.whatsapp is msgspec.UNSET
            else _phone(data.whatsapp, region, "whatsapp")
        ),
        email=(
            old.email
            if data.email is msgspec.UNSET
            else None
            if data.email is None
            else check.normalise_email(data.email)
        ),
        profile=PartnerProfile(
            language=_pick(data.language, profile.language),
            time_zone=(
                profile.time_zone
                if data.time_zone is msgspec.UNSET
                else check.check_time_zone(data.time_zone)
            ),
            safe_windows=(
                profile.safe_windows
                if data.safe_windows is msgspec.UNSET
                else check.check_safe_windows(data.safe_windows)
            ),
            channels=_pick(data.channels, profile.channels),
            relationship=_pick(data.relationship, profile.relationship),
            safe_contact=profile.safe_contact,
            area_id=_pick(data.area_id, profile.area_id),
        ),
        may_name_org=_pick(data.may_name_org, old.may_name_org),
        is_do_not_contact=_pick(data.is_do_not_contact, old.is_do_not_contact),
        do_not_contact_reason=_pick(data.do_not_contact_reason, old.do_not_contact_reason),
    ).checked()
    _check_reopening(old, record)
    await _seal(caller, session, partner, record)
    await caller.log(session, action="partner.update", object_type=TABLE, object_id=partner.id)
    return _masked(partner, record)


async def confirm_safe_contact(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, safe_contact: SafeContact
) -> PartnerRead:
    """Record what she re-confirmed at this contact, and when and by whom."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    old = await open_record(caller.cipher, session, partner)
    record = dataclasses.replace(
        old, profile=msgspec.structs.replace(old.profile, safe_contact=safe_contact)
    )
    await _seal(caller, session, partner, record)
    partner.safe_contact_confirmed_at = caller.clock()
    partner.safe_contact_confirmed_by = caller.principal.user_id
    await caller.log(
        session, action="partner.safe_contact_confirm", object_type=TABLE, object_id=partner.id
    )
    return _masked(partner, record)


async def _view_logged(caller: Caller, session: AsyncSession, partner: Partner) -> PartnerRead:
    """A masked view still holds her alias and routine, so each one is a logged read."""
    read = await view(caller, session, partner)
    await caller.log(session, action="partner.read", object_type=TABLE, object_id=partner.id)
    return read


async def get_partner(caller: Caller, session: AsyncSession, partner_id: uuid.UUID) -> PartnerRead:
    partner = await reachable_partner(session, caller.principal, partner_id)
    return await _view_logged(caller, session, partner)


async def list_partners(
    caller: Caller, session: AsyncSession, *, participant_id: uuid.UUID | None = None
) -> list[PartnerRead]:
    """The caller's partners, masked; of one participant's case when it is given."""
    if participant_id is not None:
        await reachable_participant(session, caller.principal, participant_id)
    statement = (
        select(Partner)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(reachable_cases(caller.principal), Partner.erased_at.is_(None))
        # A worker who is also his facilitator sees none of his partners.
        .where(Participant.facilitator_id.is_distinct_from(caller.principal.user_id))
        .order_by(Partner.created_at, Partner.id)
    )
    if participant_id is not None:
        statement = statement.where(Partner.participant_id == participant_id)
    partners: Sequence[Partner] = (await session.scalars(statement)).all()
    return [await _view_logged(caller, session, partner) for partner in partners]


async def read_contact_details(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, purpose: str
) -> ContactDetails:
    """Her full details: the one way out of the service, each read logged with its purpose."""
    if purpose not in PURPOSES:
        raise DomainError(
            "invalid_purpose",
            "Say why you need her details",
            status=422,
            errors=[FieldError("purpose", "Must be one of " + ", ".join(sorted(PURPOSES)))],
        )
    partner = await reachable_partner(session, caller.principal, partner_id)
    record = await open_record(caller.cipher, session, partner)
    await caller.log(
        session,
        action="partner.contact_read",
        object_type=TABLE,
        object_id=partner.id,
        purpose=purpose,
    )
    return ContactDetails(
        id=partner.id, phone=record.phone, whatsapp=record.whatsapp, email=record.email
    )
