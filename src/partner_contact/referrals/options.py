"""Where she can be referred now: the services of her area that operate and take referrals,
with the regional context (police, shelters, courts) her worker weighs before suggesting one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.org import areas
from partner_contact.org.directory import operating_services
from partner_contact.partners.access import reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.referrals.rules import area_unknown
from partner_contact.referrals.schemas import ReferralOption, ReferralOptions
from partner_contact.referrals.service import her_area


async def referral_options(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, stale_after_days: int
) -> ReferralOptions:
    """Her area's context and services; a read of her record, logged for a referral."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    area_id = await her_area(caller, session, partner)
    if area_id is None:
        raise area_unknown()
    area = await areas.get_area(session, organisation_id=partner.organisation_id, area_id=area_id)
    now, stale_after = caller.clock(), timedelta(days=stale_after_days)
    facts = await areas.current_facts(session, area_ids=[area.id])
    services = await operating_services(session, partner.organisation_id, area.id)
    await caller.log(
        session,
        action="referral.options",
        object_type="partner",
        object_id=partner.id,
        purpose="referral",
    )
    return ReferralOptions(
        area_id=area.id,
        area_name=area.name,
        context=areas.fact_reads(facts[area.id], now=now, stale_after=stale_after),
        services=[
            ReferralOption(
                service_id=service.id,
                name=service.name,
                phone=service.phone,
                languages=list(service.languages),
                accepts_self_referral=service.accepts_self_referral,
                operating_confirmed_at=service.operating_confirmed_at,
                is_operating_confirmation_stale=areas.is_stale(
                    service.operating_confirmed_at, now=now, stale_after=stale_after
                ),
            )
            for service in services
            if service.accepts_agency_referral
        ],
    )
