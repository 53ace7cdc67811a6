"""Contact clearance: the one thing about her side a facilitator learns, as a yes/no.

No reason, no partner id and no timing leave here; the answer is the same shape, and
for "no" the same bytes, whether his case has partners or not.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.models import StaffUser
from partner_contact.auth.roles import Role
from partner_contact.participants.models import Participant
from partner_contact.partners.access import not_found, reachable_cases
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.partners.schemas import ContactClearance


class ConsentDecision(msgspec.Struct, frozen=True, kw_only=True):
    """Her view, recorded at a call, on the programme contacting him remotely."""

    permits_contact: bool
    review_after: dt.date | None = None


def derive_clearance(
    *, consent: ConsentDecision | None, any_do_not_contact: bool
) -> ContactClearance:
    """Permitted only on her recorded agreement, and never while any partner is do-not-contact."""
    if consent is None or not consent.permits_contact or any_do_not_contact:
        return ContactClearance(contact_permitted=False, review_after=None)
    return ContactClearance(contact_permitted=True, review_after=consent.review_after)


async def contact_clearance(
    caller: Caller, session: AsyncSession, *, participant_id: uuid.UUID
) -> ContactClearance:
    principal = caller.principal
    if principal.role == Role.facilitator:
        allowed = Participant.facilitator_id == principal.user_id
    else:  # a supervisor: her team's cases, or a facilitator of her team
        team_members = select(StaffUser.id).where(StaffUser.team_id == principal.team_id)
        allowed = or_(
            reachable_cases(principal),
            Participant.facilitator_id.in_(team_members.scalar_subquery()),
        )
    participant_found = await session.scalar(
        select(Participant.id).where(Participant.id == participant_id, allowed)
    )
    if participant_found is None:
        raise not_found("participant")
    any_do_not_contact = bool(
        await session.scalar(
            select(
                exists().where(Partner.participant_id == participant_id, Partner.is_do_not_contact)
            )
        )
    )
    # Consent decisions arrive with a later feature; until one is recorded, contact waits.
    return derive_clearance(consent=None, any_do_not_contact=any_do_not_contact)
