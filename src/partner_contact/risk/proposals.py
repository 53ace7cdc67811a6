"""Multi-agency risk referral proposals: proposed, her consent sought, then closed.

A proposal opens automatically when a checklist's final band proposes a referral (in
that checklist's transaction) or by her worker's professional judgement. At most one is
open per partner: her record is locked while one is looked for, and a later high
checklist joins the open proposal instead of opening another.

Referring needs her agreement, except that safeguarding practice allows a referral
without it when the risk is very high: the worker then gives a reason, kept sealed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.risk.content import clean_text, invalid, seal, unseal
from partner_contact.risk.models import RiskChecklistRecord, RiskReferralProposal
from partner_contact.risk.schemas import (
    OPEN_STATUSES,
    CloseCreate,
    DecisionCreate,
    HerConsent,
    Outcome,
    ProposalCreate,
    ProposalRead,
    ProposalReason,
    ProposalStatus,
    ProposalSummary,
)

TABLE: Final = "risk_referral_proposal"
_CODE: Final = "invalid_referral_proposal"
_OPEN: Final = [status.value for status in OPEN_STATUSES]


def summary_of(proposal: RiskReferralProposal) -> ProposalSummary:
    return ProposalSummary(
        id=proposal.id,
        partner_id=proposal.partner_id,
        reason=ProposalReason(proposal.reason),
        status=ProposalStatus(proposal.status),
        her_consent=HerConsent(proposal.her_consent),
        she_was_told=proposal.she_was_told,
        proposed_by=proposal.proposed_by,
        proposed_at=proposal.proposed_at,
        decided_by=proposal.decided_by,
        decided_at=proposal.decided_at,
        outcome=None if proposal.outcome is None else Outcome(proposal.outcome),
        referred_without_consent=proposal.without_consent_reason is not None,
        closed_by=proposal.closed_by,
        closed_at=proposal.closed_at,
    )


async def open_proposal(
    session: AsyncSession, partner_id: uuid.UUID
) -> RiskReferralProposal | None:
    proposal: RiskReferralProposal | None = await session.scalar(
        select(RiskReferralProposal).where(
            RiskReferralProposal.partner_id == partner_id,
            RiskReferralProposal.status.in_(_OPEN),
        )
    )
    return proposal


async def propose(
    caller: Caller,
    session: AsyncSession,
    partner: Partner,
    *,
    reason: ProposalReason,
    note: str | None = None,
) -> RiskReferralProposal:
    """A new open proposal; the caller holds her record's lock and found none open."""
    proposal = RiskReferralProposal(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        reason=reason.value,
        status=ProposalStatus.proposed.value,
        proposed_by=caller.principal.user_id,
        proposed_at=caller.clock(),
        her_consent=HerConsent.not_asked_yet.value,
        she_was_told=False,
    )
    proposal.note = await seal(
        caller, session, partner, table=TABLE, column="note", record_id=proposal.id, plaintext=note
    )
    session.add(proposal)
    await session.flush()
    await caller.log(
        session, action="risk.proposal.create", object_type=TABLE, object_id=proposal.id
    )
    return proposal


async def create_proposal(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: ProposalCreate
) -> ProposalSummary:
    """Her worker proposes a referral on professional judgement."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if data.reason != ProposalReason.professional_judgement:
        raise invalid(
            _CODE, "reason", "Checklist proposals are made when the checklist is recorded"
        )
    note = clean_text(_CODE, "note", data.note)
    if await open_proposal(session, partner.id) is not None:
        raise DomainError(
            "referral_proposal_open",
            "A referral proposal is already open for her",
            status=409,
            detail="Record her decision on the open proposal or close it first.",
        )
    proposal = await propose(
        caller, session, partner, reason=ProposalReason.professional_judgement, note=note
    )
    return summary_of(proposal)


async def _reachable(
    caller: Caller, session: AsyncSession, proposal_id: uuid.UUID, *, open_only: bool = True
) -> tuple[Partner, RiskReferralProposal]:
    """The proposal and her record (locked), or a 404 that says nothing about either."""
    partner_id = await session.scalar(
        select(RiskReferralProposal.partner_id).where(RiskReferralProposal.id == proposal_id)
    )
    if partner_id is None:
        raise not_found("referral proposal")
    try:
        partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    except DomainError as exc:
        if exc.status == 404:
            raise not_found("referral proposal") from None
        raise
    proposal = await session.get(RiskReferralProposal, proposal_id)
    assert proposal is not None
    if open_only and proposal.status not in _OPEN:
        raise DomainError(
            "referral_proposal_closed", "This referral proposal is closed", status=409
        )
    return partner, proposal


async def record_decision(
    caller: Caller, session: AsyncSession, *, proposal_id: uuid.UUID, data: DecisionCreate
) -> ProposalSummary:
    """Her answer, and whether she was told; she may change her mind while it is open."""
    partner, proposal = await _reachable(caller, session, proposal_id)
    note = clean_text(_CODE, "note", data.note)
    proposal.her_consent = data.her_consent.value
    proposal.she_was_told = data.she_was_told
    proposal.status = {
        HerConsent.agreed: ProposalStatus.agreed,
        HerConsent.declined: ProposalStatus.declined,
        HerConsent.not_asked_yet: ProposalStatus.proposed,
    }[data.her_consent].value
    proposal.decision_note = await seal(
        caller,
        session,
        partner,
        table=TABLE,
        column="decision_note",
        record_id=proposal.id,
        plaintext=note,
    )
    proposal.decided_by = caller.principal.user_id
    proposal.decided_at = caller.clock()
    await session.flush()
    await caller.log(
        session, action="risk.proposal.decision", object_type=TABLE, object_id=proposal.id
    )
    return summary_of(proposal)


async def close_proposal(
    caller: Caller, session: AsyncSession, *, proposal_id: uuid.UUID, data: CloseCreate
) -> ProposalSummary:
    """Referred or not; referring without her agreement needs a reason."""
    partner, proposal = await _reachable(caller, session, proposal_id)
    reason = clean_text(_CODE, "without_consent_reason", data.without_consent_reason)
    agreed = proposal.her_consent == HerConsent.agreed.value
    if reason is not None and (agreed or data.outcome != Outcome.referred):
        raise invalid(
            _CODE, "without_consent_reason", "Only for a referral made without her agreement"
        )
    if data.outcome == Outcome.referred and not agreed and reason is None:
        raise DomainError(
            "consent_required",
            "She has not agreed to this referral",
            status=409,
            detail="Refer without her agreement only when the risk is very high, and say why.",
        )
    proposal.outcome = data.outcome.value
    proposal.status = (
        ProposalStatus.referred if data.outcome == Outcome.referred else ProposalStatus.closed
    ).value
    proposal.without_consent_reason = await seal(
        caller,
        session,
        partner,
        table=TABLE,
        column="without_consent_reason",
        record_id=proposal.id,
        plaintext=reason,
    )
    proposal.closed_by = caller.principal.user_id
    proposal.closed_at = caller.clock()
    await session.flush()
    await caller.log(
        session, action="risk.proposal.close", object_type=TABLE, object_id=proposal.id
    )
    return summary_of(proposal)


async def record_she_was_told(
    caller: Caller, session: AsyncSession, *, proposal_id: uuid.UUID
) -> ProposalSummary:
    """She has been told of the referral, also after it was closed (a referral made
    without her agreement is usually made first and told after); it cannot be untold."""
    _, proposal = await _reachable(caller, session, proposal_id, open_only=False)
    proposal.she_was_told = True
    await session.flush()
    await caller.log(session, action="risk.proposal.told", object_type=TABLE, object_id=proposal.id)
    return summary_of(proposal)


async def list_proposals(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[ProposalRead]:
    """Her proposals, newest first, with their notes: a read logged for a referral."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    proposals: Sequence[RiskReferralProposal] = (
        await session.scalars(
            select(RiskReferralProposal)
            .where(RiskReferralProposal.partner_id == partner.id)
            .order_by(RiskReferralProposal.proposed_at.desc(), RiskReferralProposal.id)
        )
    ).all()
    links = (
        await session.execute(
            select(RiskChecklistRecord.referral_proposal_id, RiskChecklistRecord.id)
            .where(RiskChecklistRecord.partner_id == partner.id)
            .order_by(RiskChecklistRecord.recorded_at, RiskChecklistRecord.id)
        )
    ).all()
    result = []
    for proposal in proposals:
        texts = {
            column: await unseal(
                caller,
                session,
                partner,
                table=TABLE,
                column=column,
                record_id=proposal.id,
                ciphertext=getattr(proposal, column),
            )
            for column in ("note", "decision_note", "without_consent_reason")
        }
        summary = summary_of(proposal)
        result.append(
            ProposalRead(
                **{field: getattr(summary, field) for field in summary.__struct_fields__},
                note=texts["note"],
                decision_note=texts["decision_note"],
                without_consent_reason=texts["without_consent_reason"],
                checklist_record_ids=[
                    record_id for linked, record_id in links if linked == proposal.id
                ],
            )
        )
    await caller.log(
        session,
        action="risk.proposal.read",
        object_type="partner",
        object_id=partner.id,
        purpose="referral",
    )
    return result
