"""Her own view of her risk, and the checklists done with her.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction. Her words, her answers and the worker's
reasons are sealed under her data key and opened only by the history reads, logged with
the purpose "call". Nothing here ever reaches his side of the programme.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Final, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.outreach.models import Outreach
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.risk.bands import band_for, rank
from partner_contact.risk.checklists import bands_of, current_checklist, question_keys
from partner_contact.risk.content import clean_text, invalid, seal, unseal
from partner_contact.risk.models import (
    RiskChecklist,
    RiskChecklistRecord,
    RiskHerView,
)
from partner_contact.risk.proposals import open_proposal, propose
from partner_contact.risk.schemas import (
    ChecklistAnswer,
    ChecklistRecordCreate,
    ChecklistRecordRead,
    ChecklistRecordSummary,
    HerViewCreate,
    HerViewRead,
    HerViewSummary,
    ProposalReason,
    SharingUpdate,
)

HER_VIEW: Final = "risk_her_view"
RECORD: Final = "risk_checklist_record"
# Her risk records whose consent to share can change.
Record = TypeVar("Record", RiskHerView, RiskChecklistRecord)


async def _check_outreach(
    session: AsyncSession, partner: Partner, outreach_id: uuid.UUID | None, code: str
) -> None:
    if outreach_id is None:
        return
    owner = await session.scalar(select(Outreach.partner_id).where(Outreach.id == outreach_id))
    if owner != partner.id:
        raise invalid(code, "outreach_id", "No such outreach with her")


# --- Her own view ---------------------------------------------------------------------


def _her_view_summary(view: RiskHerView) -> HerViewSummary:
    return HerViewSummary(
        id=view.id,
        partner_id=view.partner_id,
        outreach_id=view.outreach_id,
        scale=view.scale,
        has_words=view.words is not None,
        may_share=view.may_share,
        recorded_by=view.recorded_by,
        recorded_at=view.recorded_at,
    )


async def record_her_view(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: HerViewCreate
) -> HerViewSummary:
    partner = await reachable_partner(session, caller.principal, partner_id)
    words = clean_text("invalid_her_view", "words", data.words)
    await _check_outreach(session, partner, data.outreach_id, "invalid_her_view")
    view = RiskHerView(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        outreach_id=data.outreach_id,
        scale=data.scale,
        may_share=data.may_share,
        recorded_by=caller.principal.user_id,
        recorded_at=caller.clock(),
    )
    view.words = await seal(
        caller, session, partner, table=HER_VIEW, column="words", record_id=view.id, plaintext=words
    )
    session.add(view)
    await session.flush()
    await caller.log(
        session, action="risk.her_view.create", object_type=HER_VIEW, object_id=view.id
    )
    return _her_view_summary(view)


async def _reachable_record(
    caller: Caller,
    session: AsyncSession,
    model: type[Record],
    *,
    partner_id: uuid.UUID,
    record_id: uuid.UUID,
) -> Record:
    """One of her risk records, locked, if the caller reaches her; 404 otherwise."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    record = await session.scalar(
        select(model).where(model.id == record_id, model.partner_id == partner.id).with_for_update()
    )
    if record is None:
        raise not_found("risk record")
    return record


async def set_her_view_sharing(
    caller: Caller,
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    view_id: uuid.UUID,
    data: SharingUpdate,
) -> HerViewSummary:
    """Her consent to share this view, given or withdrawn; every call is a logged read."""
    view = await _reachable_record(
        caller, session, RiskHerView, partner_id=partner_id, record_id=view_id
    )
    view.may_share = data.may_share
    await session.flush()
    await caller.log(
        session, action="risk.her_view.sharing", object_type=HER_VIEW, object_id=view.id
    )
    return _her_view_summary(view)


async def list_her_views(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[HerViewRead]:
    """Her views, newest first, with her words: a read logged for a call."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    views: Sequence[RiskHerView] = (
        await session.scalars(
            select(RiskHerView)
            .where(RiskHerView.partner_id == partner.id)
            .order_by(RiskHerView.recorded_at.desc(), RiskHerView.id)
        )
    ).all()
    result = []
    for view in views:
        summary = _her_view_summary(view)
        words = await unseal(
            caller,
            session,
            partner,
            table=HER_VIEW,
            column="words",
            record_id=view.id,
            ciphertext=view.words,
        )
        result.append(
            HerViewRead(
                **{field: getattr(summary, field) for field in summary.__struct_fields__},
                words=words,
            )
        )
    await caller.log(
        session,
        action="risk.her_view.read",
        object_type="partner",
        object_id=partner.id,
        purpose="call",
    )
    return result


# --- Checklists done with her ---------------------------------------------------------


def _record_summary(record: RiskChecklistRecord) -> ChecklistRecordSummary:
    return ChecklistRecordSummary(
        id=record.id,
        partner_id=record.partner_id,
        checklist_id=record.checklist_id,
        outreach_id=record.outreach_id,
        yes_count=record.yes_count,
        computed_band=record.computed_band,
        worker_judgement=record.worker_judgement,
        final_band=record.final_band,
        may_share=record.may_share,
        referral_proposal_id=record.referral_proposal_id,
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
    )


async def _checklist_for(session: AsyncSession, checklist_id: uuid.UUID) -> RiskChecklist:
    current = await current_checklist(session)
    if current is None:
        raise DomainError(
            "no_checklist",
            "No risk checklist is loaded",
            status=409,
            detail="An admin loads the organisation's checklist first.",
        )
    if current.id == checklist_id:
        return current
    if await session.get(RiskChecklist, checklist_id) is not None:
        raise DomainError(
            "checklist_superseded",
            "This checklist version was superseded; use the current one",
            status=409,
        )
    raise invalid("invalid_checklist_record", "checklist_id", "No such checklist")


def _check_answers(keys: Sequence[str], answers: dict[str, ChecklistAnswer]) -> None:
    """Every question answered exactly once; unknown keys are counted, never echoed."""
    errors = [FieldError(f"answers.{key}", "Not answered") for key in keys if key not in answers]
    unknown = len(set(answers) - set(keys))
    if unknown:
        errors.append(
            FieldError("answers", f"{unknown} answer(s) to no question of this checklist")
        )
    if errors:
        raise DomainError(
            "invalid_checklist_record", "The checklist is not valid", status=422, errors=errors
        )


async def record_checklist(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: ChecklistRecordCreate
) -> ChecklistRecordSummary:
    """A checklist done with her; a band that proposes a referral opens or joins one."""
    code = "invalid_checklist_record"
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    checklist = await _checklist_for(session, data.checklist_id)
    keys = question_keys(checklist)
    _check_answers(keys, data.answers)
    await _check_outreach(session, partner, data.outreach_id, code)
    bands = bands_of(checklist)
    yes_count = sum(answer == ChecklistAnswer.yes for answer in data.answers.values())
    computed = band_for(bands, yes_count)
    final = computed
    if data.worker_judgement is not None:
        judged = rank(bands, data.worker_judgement)
        if judged is None:
            raise invalid(code, "worker_judgement", "No such band in this checklist")
        if judged < bands.index(computed):
            raise invalid(code, "worker_judgement", "Judgement may raise the band, never lower it")
        final = bands[judged]
    reason = clean_text(code, "judgement_reason", data.judgement_reason)
    if reason is not None and data.worker_judgement is None:
        raise invalid(code, "judgement_reason", "Only with a worker judgement")
    record = RiskChecklistRecord(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        checklist_id=checklist.id,
        outreach_id=data.outreach_id,
        yes_count=yes_count,
        computed_band=computed.name,
        worker_judgement=data.worker_judgement,
        final_band=final.name,
        may_share=data.may_share,
        recorded_by=caller.principal.user_id,
        recorded_at=caller.clock(),
    )
    record.answers = await caller.cipher.encrypt(
        session,
        data_key_id=partner.data_key_id,
        table=RECORD,
        column="answers",
        record_id=record.id,
        plaintext=json.dumps({key: data.answers[key].value for key in keys}),
    )
    record.judgement_reason = await seal(
        caller,
        session,
        partner,
        table=RECORD,
        column="judgement_reason",
        record_id=record.id,
        plaintext=reason,
    )
    if final.proposes_referral:
        proposal = await open_proposal(session, partner.id)
        if proposal is None:
            # The count alone, or the worker's judgement that raised the band, proposed it.
            reason = (
                ProposalReason.checklist_band
                if computed.proposes_referral
                else ProposalReason.professional_judgement
            )
            proposal = await propose(caller, session, partner, reason=reason)
        record.referral_proposal_id = proposal.id
    session.add(record)
    await session.flush()
    await caller.log(
        session, action="risk.checklist.record", object_type=RECORD, object_id=record.id
    )
    return _record_summary(record)


async def set_checklist_sharing(
    caller: Caller,
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    record_id: uuid.UUID,
    data: SharingUpdate,
) -> ChecklistRecordSummary:
    """Her consent to share this checklist, given or withdrawn; every call is a logged read."""
    record = await _reachable_record(
        caller, session, RiskChecklistRecord, partner_id=partner_id, record_id=record_id
    )
    record.may_share = data.may_share
    await session.flush()
    await caller.log(
        session, action="risk.checklist.sharing", object_type=RECORD, object_id=record.id
    )
    return _record_summary(record)


async def list_checklist_records(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[ChecklistRecordRead]:
    """Her checklists, newest first, with answers: a read logged for a call."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    records: Sequence[RiskChecklistRecord] = (
        await session.scalars(
            select(RiskChecklistRecord)
            .where(RiskChecklistRecord.partner_id == partner.id)
            .order_by(RiskChecklistRecord.recorded_at.desc(), RiskChecklistRecord.id)
        )
    ).all()
    result = []
    for record in records:
        opened = {
            column: await unseal(
                caller,
                session,
                partner,
                table=RECORD,
                column=column,
                record_id=record.id,
                ciphertext=getattr(record, column),
            )
            for column in ("answers", "judgement_reason")
        }
        summary = _record_summary(record)
        result.append(
            ChecklistRecordRead(
                **{field: getattr(summary, field) for field in summary.__struct_fields__},
                answers={
                    key: ChecklistAnswer(value)
                    for key, value in json.loads(opened["answers"] or "{}").items()
                },
                judgement_reason=opened["judgement_reason"],
            )
        )
    await caller.log(
        session,
        action="risk.checklist.read",
        object_type="partner",
        object_id=partner.id,
        purpose="call",
    )
    return result
