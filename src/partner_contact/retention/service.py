"""Closing her case, reopening it, erasing her on request, and reading erasure reports.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.outreach.engine import Engine
from partner_contact.outreach.models import Outreach
from partner_contact.outreach.states import OPEN
from partner_contact.partners.access import not_found, reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.retention.erasure import erase_partner
from partner_contact.retention.models import ErasureReport
from partner_contact.retention.schemas import (
    CaseClose,
    CaseStatus,
    CloseReason,
    ErasureReason,
    ErasureReportRead,
    ErasureRequest,
)
from partner_contact.settings import RetentionSettings

TABLE = "partner"


def case_status(partner: Partner, settings: RetentionSettings) -> CaseStatus:
    closed_at = partner.closed_at
    return CaseStatus(
        partner_id=partner.id,
        closed_at=closed_at,
        closed_by=partner.closed_by,
        close_reason=CloseReason(partner.close_reason) if partner.close_reason else None,
        erase_after=(closed_at + timedelta(days=settings.closed_case_days) if closed_at else None),
    )


async def close_case(
    caller: Caller,
    session: AsyncSession,
    settings: RetentionSettings,
    *,
    partner_id: uuid.UUID,
    data: CaseClose,
) -> CaseStatus:
    """Close her case; refused while an outreach to her is open (her worker ends it first)."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if partner.closed_at is not None:
        raise DomainError("already_closed", "Her case is already closed", status=409)
    open_outreach = await session.scalar(
        select(Outreach.id)
        .where(Outreach.partner_id == partner.id, Outreach.state.in_([s.value for s in OPEN]))
        .limit(1)
    )
    if open_outreach is not None:
        raise DomainError(
            "outreach_open",
            "An outreach to her is still open",
            status=409,
            detail="Cancel or finish the open outreach before closing her case.",
        )
    now = caller.clock()
    partner.closed_at = now
    partner.closed_by = caller.principal.user_id
    partner.close_reason = data.reason.value
    partner.updated_at = now
    await session.flush()
    await caller.log(session, action="partner.close", object_type=TABLE, object_id=partner.id)
    return case_status(partner, settings)


async def reopen_case(
    caller: Caller, session: AsyncSession, settings: RetentionSettings, *, partner_id: uuid.UUID
) -> CaseStatus:
    """Reopen a closed case that was not erased yet; the retention clock stops."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if partner.closed_at is None:
        raise DomainError("not_closed", "Her case is not closed", status=409)
    partner.closed_at = partner.closed_by = partner.close_reason = None
    partner.updated_at = caller.clock()
    await session.flush()
    await caller.log(session, action="partner.reopen", object_type=TABLE, object_id=partner.id)
    return case_status(partner, settings)


def _report_read(report: ErasureReport) -> ErasureReportRead:
    return ErasureReportRead(
        id=report.id,
        organisation_id=report.organisation_id,
        partner_id=report.partner_id,
        erased_at=report.erased_at,
        erased_by=report.erased_by,
        reason=ErasureReason(report.reason),
        counts=report.counts,
    )


async def request_erasure(
    caller: Caller,
    session: AsyncSession,
    engine: Engine,
    *,
    partner_id: uuid.UUID,
    data: ErasureRequest,
) -> ErasureReportRead:
    """Erase her now, in this transaction; a second request is a 409 ``already_erased``."""
    if not data.confirm:
        raise DomainError(
            "confirmation_required",
            "Erasure must be confirmed",
            status=422,
            errors=[FieldError("confirm", "Must be true: erasure cannot be undone")],
        )
    partner = await reachable_partner(
        session, caller.principal, partner_id, for_update=True, include_erased=True
    )
    if partner.erased_at is not None:
        raise DomainError("already_erased", "She was already erased", status=409)
    report = await erase_partner(
        session,
        engine=engine,
        cipher=caller.cipher,
        partner=partner,
        now=caller.clock(),
        actor_id=caller.principal.user_id,
        reason=data.reason.value,
    )
    await caller.log(
        session, action="partner.erase", object_type=TABLE, object_id=partner.id, purpose="erasure"
    )
    return _report_read(report)


async def list_reports(session: AsyncSession, *, limit: int) -> list[ErasureReportRead]:
    """Erasure reports, newest first; they hold ids and counts, never content."""
    reports = (
        await session.scalars(
            select(ErasureReport)
            .order_by(ErasureReport.erased_at.desc(), ErasureReport.id)
            .limit(limit)
        )
    ).all()
    return [_report_read(report) for report in reports]


async def get_report(
    caller: Caller, session: AsyncSession, *, report_id: uuid.UUID
) -> ErasureReportRead:
    report = await session.get(ErasureReport, report_id)
    if report is None:
        raise not_found("erasure report")
    await caller.log(
        session, action="erasure_report.read", object_type="erasure_report", object_id=report.id
    )
    return _report_read(report)
