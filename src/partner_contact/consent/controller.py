"""Consent routes, for her worker and supervisors only: ``/api/v1/partners/{id}/consent``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.consent import service
from partner_contact.consent.schemas import ConsentCreate, ConsentRead, ConsentSummary
from partner_contact.errors import problem_responses
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)


class ConsentController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/consent"
    tags = ["consent"]

    @post(
        "/",
        operation_id="recordConsent",
        summary="Record her decision on the programme contacting him; it supersedes the last",
        description=(
            "Drives his facilitator's contact clearance, which says yes only while every "
            "partner of his case has a current decision permitting contact."
        ),
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def record_consent(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ConsentCreate],
    ) -> ConsentSummary:
        return await service.record_consent(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/",
        operation_id="listConsent",
        summary="Her decisions, newest first, with her conditions (a logged read)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_consent(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[ConsentRead]:
        return await service.list_consents(Caller.of(request), db_session, partner_id=partner_id)

    @post(
        "/withdraw",
        operation_id="withdrawConsent",
        summary="She withdraws her current decision; his clearance turns to no at once",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def withdraw_consent(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> ConsentSummary:
        return await service.withdraw_consent(Caller.of(request), db_session, partner_id=partner_id)
