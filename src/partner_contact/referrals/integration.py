"""Referrals as a service's case system sees them, through its integration API key.

A key reaches only referrals queued to the case system bound to it, for a service that
system still takes referrals for, once sent and until closed; anything else is a 404, so
a referral's existence never leaks. Each referral read is logged with the key as actor.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.casesystems.service import case_system_for_key
from partner_contact.crypto.models import DataKey
from partner_contact.errors import DomainError
from partner_contact.org.models import SupportService
from partner_contact.partners.access import not_found
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.referrals.models import Referral
from partner_contact.referrals.schemas import (
    Acknowledgement,
    AcknowledgementRead,
    IntegrationReferral,
    IntegrationStatus,
    ReferralStatus,
)
from partner_contact.referrals.sharing import TABLE, build_payload, open_column, seal

MAX_PAGE_SIZE: Final = 100
_VISIBLE: Final = (ReferralStatus.sent.value, ReferralStatus.acknowledged.value)


async def _addressed_to_caller(caller: Caller, session: AsyncSession) -> ColumnElement[bool]:
    """Condition on ``Referral``: what the calling key's case system may see (403 without one)."""
    case_system = await case_system_for_key(session, api_key_id=caller.principal.id)
    if case_system is None:
        raise DomainError(
            "not_a_case_system",
            "This key is not bound to a case system",
            status=403,
            detail="An administrator binds a key to the case system that uses it.",
        )
    service_ids = []
    for raw in case_system.service_ids:
        try:
            service_ids.append(uuid.UUID(raw))
        except ValueError:
            continue
    return and_(
        Referral.organisation_id == case_system.organisation_id,
        Referral.case_system_id == case_system.id,
        Referral.service_id.in_(service_ids),
        Referral.status.in_(_VISIBLE),
    )


async def _view(
    caller: Caller, session: AsyncSession, referral: Referral, partner: Partner, service_name: str
) -> IntegrationReferral:
    assert referral.sent_at is not None
    payload = await build_payload(
        caller.cipher,
        session,
        partner=partner,
        referral=referral,
        service_name=service_name,
        referred_at=referral.sent_at,
    )
    reference = await open_column(
        caller.cipher, session, partner=partner, referral=referral, column="service_reference"
    )
    await caller.log(
        session,
        action="referral.read",
        object_type=TABLE,
        object_id=referral.id,
        purpose="referral",
    )
    return IntegrationReferral(
        id=referral.id,
        status="acknowledged" if referral.status == ReferralStatus.acknowledged else "sent",
        sent_at=referral.sent_at,
        acknowledged_at=referral.acknowledged_at,
        service_reference=reference,
        payload=payload,
    )


def _select() -> Select[tuple[Referral, Partner, str]]:
    """Referrals with her record and the service's name; none of a woman who was erased
    (her key is destroyed: nothing of hers can be read, or should be)."""
    return (
        select(Referral, Partner, SupportService.name)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(DataKey, DataKey.id == Partner.data_key_id)
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(DataKey.destroyed_at.is_(None))
    )


async def list_referrals(
    caller: Caller, session: AsyncSession, *, status: IntegrationStatus | None, limit: int
) -> list[IntegrationReferral]:
    """Referrals for the case system's services, oldest sent first."""
    condition = await _addressed_to_caller(caller, session)
    statement = _select().where(condition)
    if status is not None:
        statement = statement.where(Referral.status == status)
    rows: Sequence[tuple[Referral, Partner, str]] = (
        (await session.execute(statement.order_by(Referral.sent_at, Referral.id).limit(limit)))
        .tuples()
        .all()
    )
    return [await _view(caller, session, *row) for row in rows]


async def _one(
    caller: Caller, session: AsyncSession, referral_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Referral, Partner, str]:
    condition = await _addressed_to_caller(caller, session)
    statement = _select().where(Referral.id == referral_id, condition)
    if for_update:
        statement = statement.with_for_update(of=Referral)
    row = (await session.execute(statement)).tuples().first()
    if row is None:
        raise not_found("referral")
    return row


async def read_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID
) -> IntegrationReferral:
    return await _view(caller, session, *await _one(caller, session, referral_id))


async def acknowledge_referral(
    caller: Caller, session: AsyncSession, *, referral_id: uuid.UUID, data: Acknowledgement
) -> AcknowledgementRead:
    """The service has it. A second acknowledgement changes nothing (its reference included)."""
    referral, partner, _ = await _one(caller, session, referral_id, for_update=True)
    if referral.status == ReferralStatus.sent:
        referral.status = ReferralStatus.acknowledged.value
        referral.acknowledged_at = caller.clock()
        if data.reference is not None:
            referral.service_reference = await seal(
                caller.cipher,
                session,
                partner=partner,
                referral_id=referral.id,
                column="service_reference",
                plaintext=data.reference,
            )
        await session.flush()
        await caller.log(
            session, action="referral.acknowledge", object_type=TABLE, object_id=referral.id
        )
    assert referral.acknowledged_at is not None
    return AcknowledgementRead(
        id=referral.id, status="acknowledged", acknowledged_at=referral.acknowledged_at
    )
