"""Referrals by her worker: proposed, agreed with her, sent, withdrawn or closed.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction. A referral goes only to a service that is
operating now, checked when it is proposed and again when it is sent, and only after she
agreed; what reaches the service is what she agreed to, built from her record at send time.
Repeating a transition that already happened changes nothing and queues nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.casesystems.service import (
    cancel_undelivered,
    case_system_by_id,
    case_system_for_service,
    enqueue_event,
)
from partner_contact.errors import DomainError
from partner_contact.org.directory import get_service
from partner_contact.org.models import SupportService
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.partners.service import open_record
from partner_contact.referrals.models import Referral
from partner_contact.referrals.rules import (
    AT_SERVICE,
    CLOSABLE_FROM,
    OPEN,
    check_can_refer,
    check_in_her_area,
    check_note,
    invalid,
    invalid_transition,
)
from partner_contact.referrals.schemas import (
    AgreementCreate,
    CloseOutcome,
    Delivery,
    Outcome,
    ReferralCreate,
    ReferralRead,
    ReferralStatus,
    ReferralSummary,
    ShareField,
)
from partner_contact.referrals.sharing import (
    TABLE,
    build_payload,
    open_column,
    open_share,
    seal,
    seal_share,
)


def _delivery(value: str | None) -> Delivery | None:
    return "case_system" if value == "case_system" else "manual" if value == "manual" else None


def _summary(referral: Referral, service_name: str) -> ReferralSummary:
    return ReferralSummary(
        id=referral.id,
        partner_id=referral.partner_id,
        service_id=referral.service_id,
        service_name=service_name,
        status=ReferralStatus(referral.status),
        outcome=None if referral.outcome is None else Outcome(referral.outcome),
        has_note=referral.note is not None,
        she_agreed=referral.she_agreed,
        agreement_recorded_by=referral.agreement_recorded_by,
        agreement_recorded_at=referral.agreement_recorded_at,
        delivery=_delivery(referral.delivery),
        sent_by=referral.sent_by,
        sent_at=referral.sent_at,
        acknowledged_at=referral.acknowledged_at,
        withdrawal_delivery=_delivery(referral.withdrawal_delivery),
        closed_by=referral.closed_by,
        closed_at=referral.closed_at,
        created_by=referral.created_by,
        created_at=referral.created_at,
    )


async def her_area(caller: Caller, session: AsyncSession, partner: Partner) -> uuid.UUID | None:
    """The area she lives in, from her sealed profile."""
    return (await open_record(caller.cipher, session, partner)).profile.area_id


async def propose_referral(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: ReferralCreate
) -> ReferralSummary:
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    note = check_note(data.note)
    service = await get_service(
        session, organisation_id=partner.organisation_id, service_id=data.service_id
    )
    check_can_refer(service)
    check_in_her_area(service, await her_area(caller, session, partner))
    pending = await session.scalar(
        select(Referral.id).where(
            Referral.partner_id == partner.id,
            Referral.service_id == service.id,
            Referral.status.in_([s.value for s in (*OPEN, *AT_SERVICE)]),
        )
    )
    if pending is not None:
        raise DomainError(
            "referral_exists",
            "She already has an open referral to this service",
            status=409,
            detail="Continue with that referral, or close it first.",
        )
    referral = Referral(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        service_id=service.id,
        status=ReferralStatus.proposed.value,
        created_by=caller.principal.user_id,
        created_at=caller.clock(),
    )
    if note is not None:
        referral.note = await seal(
            caller.cipher,
            session,
            partner=partner,
            referral_id=referral.id,
            column="note",
            plaintext=note,
        )
    session.add(referral)
    await session.flush()
    await caller.log(session, action="referral.propose", object_type=TABLE, object_id=referral.id)
    return _summary(referral, service.name)


async def list_referrals(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[ReferralSummary]:
    """Her referrals, newest first: states and services, no sealed text."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    rows: Sequence[tuple[Referral, str]] = (
        (
            await session.execute(
                select(Referral, SupportService.name)
                .join(SupportService, SupportService.id == Referral.service_id)
                .where(Referral.partner_id == partner.id)
                .order_by(Referral.created_at.desc(), Referral.id)
            )
        )
        .tuples()
        .all()
    )
    await caller.log(session, action="referral.list", object_type="partner", object_id=partner.id)
    return [_summary(referral, name) for referral, name in rows]


async def _reach(
    caller: Caller, session: AsyncSession, referral_id: uuid.UUID, *, for_update: bool = True
) -> tuple[Referral, Partner, SupportService]:
    """The referral (locked for a change), her record and the service, or a 404."""
    partner_id = await session.scalar(select(Referral.partner_id).where(Referral.id == referral_id))
    if partner_id is None:
        raise not_found("referral")
    try:
        partner = await reachable_partner(session, caller.principal, partner_id)
    except DomainError as exc:
        if exc.status == 404:
            raise not_found("referral") from None
        raise
    statement = select(Referral).where(Referral.id == referral_id)
    referral = await session.scalar(statement.with_for_update() if for_update else statement)
    assert referral is not None
    service = await session.get_one(SupportService, referral.service_id)
    return referral, partner, service


async def read_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID
) -> ReferralRead:
    """The referral with its note and what she agreed to share: a read logged for a referral."""
    referral, partner, service = await _reach(caller, session, referral_id, for_update=False)

    async def opened(column: str) -> str | None:
        return await open_column(
            caller.cipher, session, partner=partner, referral=referral, column=column
        )

    result = ReferralRead(
        **msgspec.structs.asdict(_summary(referral, service.name)),
        note=await opened("note"),
        share=await open_share(caller.cipher, session, partner=partner, referral=referral),
        service_reference=await opened("service_reference"),
    )
    await caller.log(
        session,
        action="referral.read",
        object_type=TABLE,
        object_id=referral.id,
        purpose="referral",
    )
    return result


async def record_agreement(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID, data: AgreementCreate
) -> ReferralSummary:
    """Her answer. Until it is sent she may change what she shares, or say no after all."""
    referral, partner, service = await _reach(caller, session, referral_id)
    if referral.status not in OPEN:
        raise invalid_transition(referral)
    share = frozenset(data.share)
    if len(share) != len(data.share):
        raise invalid("share", "Lists a field twice")
    if not data.agreed and share:
        raise invalid("share", "Nothing is shared when she does not agree")
    if ShareField.note in share and referral.note is None:
        raise invalid("share", "The referral has no note to share")
    now = caller.clock()
    referral.she_agreed = data.agreed
    referral.agreement_recorded_by = caller.principal.user_id
    referral.agreement_recorded_at = now
    referral.share = await seal_share(
        caller.cipher, session, partner=partner, referral_id=referral.id, share=share
    )
    if data.agreed:
        referral.status = ReferralStatus.agreed.value
    else:
        _close(caller, referral, Outcome.declined_by_her)
    await session.flush()
    await caller.log(session, action="referral.agreement", object_type=TABLE, object_id=referral.id)
    return _summary(referral, service.name)


async def send_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID
) -> ReferralSummary:
    """To the service's case system when one takes its referrals; otherwise her worker
    passes it on herself (``delivery: "manual"``)."""
    referral, partner, service = await _reach(caller, session, referral_id)
    if referral.status in AT_SERVICE:
        return _summary(referral, service.name)
    if referral.status == ReferralStatus.proposed:
        raise DomainError(
            "no_agreement",
            "She has not agreed to this referral",
            status=409,
            detail="Record her agreement before sending.",
        )
    if referral.status != ReferralStatus.agreed:
        raise invalid_transition(referral)
    check_can_refer(service)
    # Checked again: she may have moved since the referral was proposed.
    check_in_her_area(service, await her_area(caller, session, partner))
    now = caller.clock()
    case_system = await case_system_for_service(
        session, organisation_id=referral.organisation_id, service_id=service.id
    )
    delivery: Delivery = "manual"
    if case_system is not None:
        payload = await build_payload(
            caller.cipher,
            session,
            partner=partner,
            referral=referral,
            service_name=service.name,
            referred_at=now,
        )
        await enqueue_event(
            session,
            caller.cipher,
            case_system=case_system,
            kind="referral.sent",
            subject_id=referral.id,
            data_key_id=partner.data_key_id,
            payload=msgspec.to_builtins(payload),
            now=now,
        )
        referral.case_system_id = case_system.id
        delivery = "case_system"
    referral.status = ReferralStatus.sent.value
    referral.delivery = delivery
    referral.sent_by = caller.principal.user_id
    referral.sent_at = now
    await session.flush()
    await caller.log(
        session,
        action="referral.send",
        object_type=TABLE,
        object_id=referral.id,
        purpose="referral" if delivery == "case_system" else None,
    )
    return _summary(referral, service.name)


async def withdraw_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID
) -> ReferralSummary:
    """She changed her mind. A case system that received it is told to delete it."""
    referral, _, service = await _reach(caller, session, referral_id)
    if referral.outcome == Outcome.withdrawn:
        return _summary(referral, service.name)
    if referral.status == ReferralStatus.closed:
        raise invalid_transition(referral)
    if referral.status in AT_SERVICE:
        referral.withdrawal_delivery = await _tell_of_withdrawal(caller, session, referral)
    _close(caller, referral, Outcome.withdrawn)
    await session.flush()
    await caller.log(session, action="referral.withdraw", object_type=TABLE, object_id=referral.id)
    return _summary(referral, service.name)


async def _tell_of_withdrawal(
    caller: Caller, session: AsyncSession, referral: Referral
) -> Delivery:
    """Stop what was queued to a case system and tell that system to delete what it got.

    The ``referral.sent`` event is cancelled if it is still waiting (retrying after a
    failure, or for a disabled system), so her data never goes out after she withdrew. The
    withdrawal goes to the system the referral was queued to, whatever the service's
    subscription is now (any other system never knew of her), and after a post of hers
    already in flight. "manual" unless that system is enabled: a disabled one may never
    be again, so her worker must tell the service.
    """
    if referral.delivery != "case_system" or referral.case_system_id is None:
        return "manual"
    now = caller.clock()
    in_flight = await cancel_undelivered(
        session, subject_id=referral.id, kind="referral.sent", reason="withdrawn", now=now
    )
    case_system = await case_system_by_id(
        session, organisation_id=referral.organisation_id, case_system_id=referral.case_system_id
    )
    if case_system is None:
        return "manual"
    await enqueue_event(
        session,
        caller.cipher,
        case_system=case_system,
        kind="referral.withdrawn",
        subject_id=referral.id,
        # Only the reference, which the system already holds: sealed under the system's
        # key, not hers, so that erasing her does not drop the request to delete her data.
        data_key_id=case_system.data_key_id,
        payload={"reference": str(referral.id)},
        now=now,
        not_before=in_flight,
    )
    return "case_system" if case_system.is_enabled else "manual"


async def close_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID, outcome: CloseOutcome
) -> ReferralSummary:
    referral, _, service = await _reach(caller, session, referral_id)
    if referral.status == ReferralStatus.closed and referral.outcome == outcome.value:
        return _summary(referral, service.name)
    if referral.status not in CLOSABLE_FROM[outcome]:
        raise invalid_transition(referral)
    if referral.delivery == "case_system":
        # A closed referral is nothing the service should still receive her data for.
        await cancel_undelivered(
            session,
            subject_id=referral.id,
            kind="referral.sent",
            reason="closed",
            now=caller.clock(),
        )
    _close(caller, referral, Outcome(outcome.value))
    await session.flush()
    await caller.log(session, action="referral.close", object_type=TABLE, object_id=referral.id)
    return _summary(referral, service.name)


def _close(caller: Caller, referral: Referral, outcome: Outcome) -> None:
    referral.status = ReferralStatus.closed.value
    referral.outcome = outcome.value
    referral.closed_by = caller.principal.user_id
    referral.closed_at = caller.clock()
