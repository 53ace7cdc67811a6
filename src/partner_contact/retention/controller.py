"""Retention routes: closing and reopening her case, erasing her, erasure reports.

``/api/v1/partners/{id}/close``, ``.../reopen``, ``.../erasure`` and ``/api/v1/erasures``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners.context import Caller
from partner_contact.retention import service
from partner_contact.retention.schemas import (
    CaseClose,
    CaseStatus,
    ErasureReportRead,
    ErasureRequest,
)
from partner_contact.settings import RetentionSettings

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
# Erasing is a decision about her case, taken by a supervisor of her team; admins reach
# no partner, and a report names no content, so auditors and admins may read reports.
ERASERS = policy(Role.supervisor)
REPORT_READERS = policy(Role.supervisor, Role.admin, Role.auditor)


async def _flush_after_erasure(request: AnyRequest) -> None:
    """After the erasure's commit: her destroyed key's bytes leave the database files now,
    not at the next daily purge (a backup taken meanwhile would still hold them)."""
    if request.state.get("erased"):
        await request.app.state.purger.flush()


def _settings(request: AnyRequest) -> RetentionSettings:
    retention: RetentionSettings = request.app.state.settings.retention
    return retention


class PartnerRetentionController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}"
    tags = ["retention"]

    @post(
        "/close",
        operation_id="closePartnerCase",
        summary="Close her case; the retention purge erases it after the closed-case retention",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def close_case(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[CaseClose],
    ) -> CaseStatus:
        return await service.close_case(
            Caller.of(request), db_session, _settings(request), partner_id=partner_id, data=data
        )

    @post(
        "/reopen",
        operation_id="reopenPartnerCase",
        summary="Reopen her closed case before it is erased",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def reopen_case(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> CaseStatus:
        return await service.reopen_case(
            Caller.of(request), db_session, _settings(request), partner_id=partner_id
        )

    @post(
        "/erasure",
        operation_id="erasePartner",
        summary="Erase her for good: her data key is destroyed and a report is kept",
        opt=ERASERS,
        status_code=201,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
        after_response=_flush_after_erasure,
    )
    async def erase(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ErasureRequest],
    ) -> ErasureReportRead:
        report = await service.request_erasure(
            Caller.of(request),
            db_session,
            request.app.state.outreach_engine,
            partner_id=partner_id,
            data=data,
        )
        request.state.erased = True
        return report


class ErasureReportController(Controller):
    path = "/api/v1/erasures"
    tags = ["retention"]

    @get(
        "/",
        operation_id="listErasureReports",
        summary="Erasure reports, newest first (ids and counts, no content)",
        opt=REPORT_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_reports(
        self,
        db_session: DbSession,
        limit: Annotated[
            int, QueryParameter(ge=1, le=500, description="At most this many reports.")
        ] = 100,
    ) -> list[ErasureReportRead]:
        return await service.list_reports(db_session, limit=limit)

    @get(
        "/{report_id:uuid}",
        operation_id="getErasureReport",
        summary="One erasure report",
        opt=REPORT_READERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_report(
        self, request: AnyRequest, db_session: DbSession, report_id: FromPath[uuid.UUID]
    ) -> ErasureReportRead:
        return await service.get_report(Caller.of(request), db_session, report_id=report_id)
