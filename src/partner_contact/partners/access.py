"""Who reaches which partner. Refusals are 404s, so a partner's existence never leaks.

A partner worker reaches the partners of cases assigned to her or to her team; a
supervisor those of her team. No other role reaches any partner. The worker of a case
is never the facilitator of that participant (staff separation): a 409 says so.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.models import StaffUser
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.errors import DomainError
from partner_contact.participants.models import Participant
from partner_contact.partners.models import Partner


def not_found(what: str = "partner") -> DomainError:
    return DomainError("not_found", f"No such {what}", status=404)


def reachable_cases(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``Participant``: cases whose partners this caller may work with."""
    if principal.kind != "user":
        return false()
    team = principal.team_id
    if principal.role == Role.partner_worker:
        own = Participant.partner_worker_id == principal.user_id
        return or_(own, Participant.partner_team_id == team) if team else own
    if principal.role == Role.supervisor and team is not None:
        team_members = select(StaffUser.id).where(StaffUser.team_id == team)
        return or_(
            Participant.partner_team_id == team,
            Participant.partner_worker_id.in_(team_members.scalar_subquery()),
        )
    return false()


def check_separation(principal: Principal, participant: Participant) -> None:
    if principal.kind == "user" and participant.facilitator_id == principal.user_id:
        raise DomainError(
            "staff_separation",
            "You are this participant's facilitator",
            status=409,
            detail="The facilitator of a participant never works with his partners.",
        )


async def reachable_participant(
    session: AsyncSession, principal: Principal, participant_id: uuid.UUID
) -> Participant:
    """A case whose partners the caller may work with."""
    participant = await session.scalar(
        select(Participant).where(Participant.id == participant_id, reachable_cases(principal))
    )
    if participant is None:
        raise not_found("participant")
    check_separation(principal, participant)
    return participant


async def reachable_partner(
    session: AsyncSession,
    principal: Principal,
    partner_id: uuid.UUID,
    *,
    for_update: bool = False,
    include_erased: bool = False,
) -> Partner:
    """Her record if the caller may work with her; an erased partner is a 404 (retention/)."""
    statement = (
        select(Partner, Participant)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(Partner.id == partner_id, reachable_cases(principal))
    )
    if not include_erased:
        statement = statement.where(Partner.erased_at.is_(None))
    if for_update:
        statement = statement.with_for_update(of=Partner)
    row = (await session.execute(statement)).first()
    if row is None:
        raise not_found()
    partner: Partner = row[0]
    check_separation(principal, row[1])
    return partner
