"""Contact clearance: the one thing about her side a facilitator learns, as a yes/no.

No reason, no partner id and no timing leave here; the answer is the same shape, and
for "no" the same bytes, whether his case has partners or not.

Contact is permitted only when EVERY partner of his case has a current (newest,
not withdrawn) decision permitting it, with or without conditions, whose review date
is not past by the app clock, and no partner is do-not-contact. The review date given
is the earliest of theirs. His risk band is deliberately not an input: a high band
never turns her "no" into a "yes", and it does not override her "yes" either (she
knows her situation; the worker records a new decision if it changes). See
docs/consent.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.models import StaffUser
from partner_contact.auth.roles import Role
from partner_contact.consent.models import ConsentRecord
from partner_contact.consent.schemas import PERMITTING, Decision
from partner_contact.consent.service import current_consents
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


def combine_consents(consents: Sequence[ConsentDecision | None]) -> ConsentDecision | None:
    """One decision for his case: a "yes" only if every partner said yes; none without partners."""
    if not consents or any(consent is None for consent in consents):
        return None
    if not all(consent is not None and consent.permits_contact for consent in consents):
        return ConsentDecision(permits_contact=False)
    dates = [c.review_after for c in consents if c is not None and c.review_after is not None]
    return ConsentDecision(permits_contact=True, review_after=min(dates, default=None))


def consent_decision(record: ConsentRecord | None, *, today: dt.date) -> ConsentDecision | None:
    """Her current record as a decision: withdrawn or past its review date permits nothing."""
    if record is None:
        return None
    permits = (
        Decision(record.decision) in PERMITTING
        and record.withdrawn_at is None
        and record.review_after >= today
    )
    return ConsentDecision(permits_contact=permits, review_after=record.review_after)


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
    partners = (
        await session.execute(
            select(Partner.id, Partner.is_do_not_contact).where(
                Partner.participant_id == participant_id
            )
        )
    ).all()
    records = await current_consents(session, participant_id=participant_id)
    today = caller.clock().date()
    consent = combine_consents(
        [consent_decision(records.get(partner_id), today=today) for partner_id, _ in partners]
    )
    any_do_not_contact = any(is_do_not_contact for _, is_do_not_contact in partners)
    return derive_clearance(consent=consent, any_do_not_contact=any_do_not_contact)
