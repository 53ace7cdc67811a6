"""Aggregate outreach figures for a period, scoped to the caller's cases.

A supervisor sees her team's cases (assigned to her team, or to a partner worker in
it), an admin the whole organisation; nobody else reaches this. Only counts leave this
module, each passed through the suppression rule; nothing is read that names anyone.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, get_args

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.clock import Clock
from partner_contact.errors import DomainError, FieldError
from partner_contact.messaging.models import InboundMessage, OutboxMessage
from partner_contact.messaging.providers.base import MessageChannel
from partner_contact.org.models import Organisation, SupportService
from partner_contact.outreach.models import Outreach, OutreachEvent
from partner_contact.outreach.states import OPEN, OutreachState, Step
from partner_contact.participants.models import Participant
from partner_contact.partners.access import reachable_cases
from partner_contact.partners.models import Partner
from partner_contact.referrals.models import Referral
from partner_contact.reports.schemas import (
    THRESHOLD,
    ChannelCount,
    DerivedFigure,
    MessagesSent,
    OutreachesByState,
    OutreachFigures,
    OutreachReport,
    ReferralCount,
    ReportPeriod,
    ReportScope,
    suppress,
    suppress_breakdown,
)

MAX_PERIOD_DAYS: Final = 366
DEFAULT_PERIOD_DAYS: Final = 30
CHANNELS: Final[tuple[MessageChannel, ...]] = get_args(MessageChannel)
_ENDED_STATES: Final = (
    OutreachState.completed,
    OutreachState.opted_out,
    OutreachState.blocked,
    OutreachState.suspended,
    OutreachState.cancelled,
    OutreachState.expired,
)
_SECONDS_PER_DAY: Final = 86_400


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "validation_failed",
        "The report period is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def resolve_period(from_: date | None, to: date | None, *, clock: Clock) -> ReportPeriod:
    """The period asked for, or the last 30 days (today included) by the app clock."""
    end = to if to is not None else clock().astimezone(UTC).date()
    start = from_ if from_ is not None else end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise _invalid("from", "must be on or before to")
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        field = "to" if to is not None else "from"
        raise _invalid(field, f"the period may span at most {MAX_PERIOD_DAYS} days")
    return ReportPeriod(from_=start, to=end, days=days)


def _scope_of(principal: Principal) -> tuple[ReportScope, ColumnElement[bool]]:
    """Which cases count: a condition on ``Participant``."""
    if principal.kind == "user" and principal.role == Role.admin:
        return "organisation", true()
    if principal.kind == "user" and principal.role == Role.supervisor:
        return "team", reachable_cases(principal)
    return "team", false()


def _partners_in(cases: ColumnElement[bool]) -> Select[tuple[uuid.UUID]]:
    return (
        select(Partner.id).join(Participant, Participant.id == Partner.participant_id).where(cases)
    )


async def _count(session: AsyncSession, statement: Select[tuple[int]]) -> int:
    return int(await session.scalar(statement) or 0)


async def _grouped(session: AsyncSession, statement: Select[tuple[str, int]]) -> dict[str, int]:
    return {str(key): int(count) for key, count in (await session.execute(statement)).all()}


def _days_between(start: datetime, end: datetime) -> float:
    return (_utc(end) - _utc(start)).total_seconds() / _SECONDS_PER_DAY


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _first_contacts(
    session: AsyncSession, partners: Select[tuple[uuid.UUID]], start: datetime, end: datetime
) -> list[float]:
    """Days from his intake to her first real contact, for partners first reached in the period."""
    replies = (
        select(InboundMessage.partner_id, func.min(InboundMessage.received_at))
        .where(InboundMessage.partner_id.in_(partners), InboundMessage.received_at < end)
        .group_by(InboundMessage.partner_id)
    )
    calls = (
        select(Outreach.partner_id, func.min(OutreachEvent.at))
        .join(Outreach, Outreach.id == OutreachEvent.outreach_id)
        .where(
            Outreach.partner_id.in_(partners),
            OutreachEvent.kind == Step.call_completed.value,
            OutreachEvent.at < end,
        )
        .group_by(Outreach.partner_id)
    )
    first: dict[uuid.UUID, datetime] = {}
    for statement in (replies, calls):
        for partner_id, at in (await session.execute(statement)).all():
            if partner_id is not None and at is not None:
                moment = _utc(at)
                first[partner_id] = min(first.get(partner_id, moment), moment)
    reached = [partner_id for partner_id, at in first.items() if at >= start]
    if not reached:
        return []
    intakes = await session.execute(
        select(Partner.id, Participant.created_at)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(Partner.id.in_(reached))
    )
    return [_days_between(intake, first[partner_id]) for partner_id, intake in intakes.all()]


async def _referrals_by_service(
    session: AsyncSession, partners: Select[tuple[uuid.UUID]], start: datetime, end: datetime
) -> list[ReferralCount]:
    """Referrals sent in the period, for every service of the directory, in name order.

    Every service is listed, so a service without referrals is a suppressed "<5" like one
    with a few, never an absence a reader could tell apart.
    """
    counted = await session.execute(
        select(Referral.service_id, func.count())
        .where(Referral.partner_id.in_(partners), Referral.sent_at >= start, Referral.sent_at < end)
        .group_by(Referral.service_id)
    )
    sent = {service_id: int(count) for service_id, count in counted.all()}
    # The deployment's organisation (one per deployment, as in org.service).
    organisation = select(Organisation.id).order_by(Organisation.created_at).limit(1)
    services = await session.execute(
        select(SupportService.id, SupportService.name)
        .where(SupportService.organisation_id == organisation.scalar_subquery())
        .order_by(SupportService.name, SupportService.id)
    )
    return [
        ReferralCount(service=name, count=suppress(sent.get(service_id, 0)))
        for service_id, name in services.all()
    ]


def _by_state(counts: Mapping[str, int]) -> dict[str, int]:
    parts = {state.value: counts.get(state.value, 0) for state in _ENDED_STATES}
    parts["open"] = sum(counts.get(state.value, 0) for state in OPEN)
    return parts


async def outreach_report(
    session: AsyncSession, principal: Principal, *, period: ReportPeriod
) -> OutreachReport:
    scope, cases = _scope_of(principal)
    partners = _partners_in(cases)
    start = datetime.combine(period.from_, time.min, tzinfo=UTC)
    end = datetime.combine(period.to + timedelta(days=1), time.min, tzinfo=UTC)

    started_in = (
        Outreach.partner_id.in_(partners),
        Outreach.started_at >= start,
        Outreach.started_at < end,
    )
    states = await _grouped(
        session, select(Outreach.state, func.count()).where(*started_in).group_by(Outreach.state)
    )
    started = sum(states.values())

    replies = await _count(
        session,
        select(func.count())
        .select_from(InboundMessage)
        .where(
            InboundMessage.partner_id.in_(partners),
            InboundMessage.received_at >= start,
            InboundMessage.received_at < end,
        ),
    )
    calls = await _count(
        session,
        select(func.count())
        .select_from(OutreachEvent)
        .join(Outreach, Outreach.id == OutreachEvent.outreach_id)
        .where(
            Outreach.partner_id.in_(partners),
            OutreachEvent.kind == Step.call_completed.value,
            OutreachEvent.at >= start,
            OutreachEvent.at < end,
        ),
    )
    contacts = replies + calls

    opt_outs = await _count(
        session,
        select(func.count())
        .select_from(Partner)
        .where(
            Partner.id.in_(partners),
            Partner.opted_out_at >= start,
            Partner.opted_out_at < end,
        ),
    )

    sent_by_channel = await _grouped(
        session,
        select(OutboxMessage.channel, func.count())
        .where(
            OutboxMessage.partner_id.in_(partners),
            OutboxMessage.sent_at >= start,
            OutboxMessage.sent_at < end,
        )
        .group_by(OutboxMessage.channel),
    )
    sent = sum(sent_by_channel.values())
    channels = [*CHANNELS, *sorted(set(sent_by_channel) - set(CHANNELS))]

    intake_days = await _first_contacts(session, partners, start, end)

    started_shown = suppress(started)
    sent_shown = suppress(sent)
    by_state = suppress_breakdown(_by_state(states), total_shown=started_shown != "<5")
    by_channel = suppress_breakdown(
        {channel: sent_by_channel.get(channel, 0) for channel in channels},
        total_shown=sent_shown != "<5",
    )
    return OutreachReport(
        period=period,
        scope=scope,
        outreaches=OutreachFigures(started=started_shown, by_state=OutreachesByState(**by_state)),
        real_contacts=suppress(contacts),
        opt_outs=suppress(opt_outs),
        messages_sent=MessagesSent(
            total=sent_shown,
            by_channel=[
                ChannelCount(channel=name, count=count) for name, count in by_channel.items()
            ],
        ),
        attempts_per_real_contact=(
            DerivedFigure(value=round(sent / contacts, 1))
            if contacts >= THRESHOLD and sent >= THRESHOLD
            else DerivedFigure(value=None, reason="too_few")
        ),
        days_from_intake_to_first_contact=(
            DerivedFigure(value=round(statistics.median(intake_days), 1))
            if len(intake_days) >= THRESHOLD
            else DerivedFigure(value=None, reason="too_few")
        ),
        referrals_by_service=await _referrals_by_service(session, partners, start, end),
    )
