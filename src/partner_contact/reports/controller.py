"""Report routes: ``/api/v1/reports``. Aggregates only; every read is logged."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.reports import service
from partner_contact.reports.schemas import OutreachReport

# Supervisors see their team's cases; admins the organisation (aggregates carry no content).
_READERS = policy(Role.supervisor, Role.admin)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get(
        "/outreach",
        operation_id="getOutreachReport",
        summary='Outreach figures for a period; every count under 5 is shown as "<5"',
        description=(
            "Whole UTC days, both ends included; by default the last 30 days. A period "
            "may span at most 366 days. A supervisor's report covers her team's cases, an "
            "admin's the whole organisation. Each read is written to the access log."
        ),
        opt=_READERS,
        responses=problem_responses(400, 401, 403, 422),
    )
    async def outreach_report(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        from_: Annotated[
            date | None,
            QueryParameter(name="from", description="First day (YYYY-MM-DD), included."),
        ] = None,
        to: Annotated[
            date | None, QueryParameter(description="Last day (YYYY-MM-DD), included.")
        ] = None,
    ) -> OutreachReport:
        period = service.resolve_period(from_, to, clock=request.app.state.clock)
        report = await service.outreach_report(db_session, principal_of(request), period=period)
        await log_action(
            request,
            db_session,
            action="report.read",
            object_type="report",
            object_id=f"outreach:{period.from_.isoformat()}..{period.to.isoformat()}",
        )
        return report
