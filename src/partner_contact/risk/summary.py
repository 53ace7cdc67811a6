"""Re-offering the checklist: triggers, and her risk summary with why it is due again.

A checklist is due when none was done with her, or when something happened after her
latest one: a trigger her worker recorded, a completed assessment telling of violence or
her fear of it, or a programme event about him (read here, never changed). The summary
carries codes, counts and dates only; it is a read logged with the purpose
"safety_review".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.assessments.models import Assessment
from partner_contact.assessments.schemas import Answer, AssessmentStatus
from partner_contact.partners.access import reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.events import EventKind
from partner_contact.partners.models import Partner, ProgrammeEvent
from partner_contact.risk.models import RiskChecklistRecord, RiskHerView, RiskTrigger
from partner_contact.risk.proposals import open_proposal, summary_of
from partner_contact.risk.schemas import (
    DueReason,
    LatestChecklist,
    LatestHerView,
    RiskSummary,
    TriggerCreate,
    TriggerKind,
    TriggerRead,
)

# His programme events that call for her checklist again, and the reason each gives.
_EVENT_REASONS: Final = {
    EventKind.threat_disclosed.value: DueReason.new_incident,
    EventKind.moved_back_home.value: DueReason.moved_back_home,
}


async def record_trigger(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: TriggerCreate
) -> TriggerRead:
    partner = await reachable_partner(session, caller.principal, partner_id)
    trigger = RiskTrigger(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        kind=data.kind.value,
        recorded_by=caller.principal.user_id,
        recorded_at=caller.clock(),
    )
    session.add(trigger)
    await session.flush()
    await caller.log(
        session, action="risk.trigger.create", object_type="risk_trigger", object_id=trigger.id
    )
    return TriggerRead(
        id=trigger.id,
        partner_id=trigger.partner_id,
        kind=TriggerKind(trigger.kind),
        recorded_by=trigger.recorded_by,
        recorded_at=trigger.recorded_at,
    )


async def _due_reasons(session: AsyncSession, partner: Partner, since: datetime) -> list[DueReason]:
    """What happened after her latest checklist that calls for it again."""
    reasons: set[DueReason] = set()
    kinds = await session.scalars(
        select(RiskTrigger.kind).where(
            RiskTrigger.partner_id == partner.id, RiskTrigger.recorded_at > since
        )
    )
    reasons.update(DueReason(kind) for kind in kinds)
    events = await session.scalars(
        select(ProgrammeEvent.kind).where(
            ProgrammeEvent.participant_id == partner.participant_id,
            ProgrammeEvent.kind.in_(list(_EVENT_REASONS)),
            ProgrammeEvent.recorded_at > since,
        )
    )
    reasons.update(_EVENT_REASONS[kind] for kind in events)
    # A completed assessment telling of violence, or of her fear of it, is a new incident.
    incident = await session.scalar(
        select(Assessment.id)
        .where(
            Assessment.partner_id == partner.id,
            Assessment.status == AssessmentStatus.completed.value,
            Assessment.completed_at > since,
            (Assessment.episodes_since_lockdown == Answer.yes.value)
            | (Assessment.fears_new_episode == Answer.yes.value),
        )
        .limit(1)
    )
    if incident is not None:
        reasons.add(DueReason.new_incident)
    return [reason for reason in DueReason if reason in reasons]


async def risk_summary(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> RiskSummary:
    """Her latest view and checklist, whether the checklist is due again, and why."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    view = await session.scalar(
        select(RiskHerView)
        .where(RiskHerView.partner_id == partner.id)
        .order_by(RiskHerView.recorded_at.desc(), RiskHerView.id)
        .limit(1)
    )
    record = await session.scalar(
        select(RiskChecklistRecord)
        .where(RiskChecklistRecord.partner_id == partner.id)
        .order_by(RiskChecklistRecord.recorded_at.desc(), RiskChecklistRecord.id)
        .limit(1)
    )
    reasons = (
        [DueReason.never_done]
        if record is None
        else await _due_reasons(session, partner, record.recorded_at)
    )
    proposal = await open_proposal(session, partner.id)
    await caller.log(
        session,
        action="risk.summary",
        object_type="partner",
        object_id=partner.id,
        purpose="safety_review",
    )
    return RiskSummary(
        partner_id=partner.id,
        her_view=None
        if view is None
        else LatestHerView(id=view.id, scale=view.scale, recorded_at=view.recorded_at),
        checklist=None
        if record is None
        else LatestChecklist(
            id=record.id,
            yes_count=record.yes_count,
            computed_band=record.computed_band,
            final_band=record.final_band,
            recorded_at=record.recorded_at,
        ),
        checklist_due=bool(reasons),
        due_reasons=reasons,
        open_referral_proposal=None if proposal is None else summary_of(proposal),
    )
