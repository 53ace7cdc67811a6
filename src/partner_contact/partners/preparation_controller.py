"""A case's preparation checklist: ``/api/v1/participants/{id}/preparation``.

Partner workers and supervisors of the case only (404 otherwise); never facilitators,
since the checklist shows whether his case has partners.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners import preparation
from partner_contact.partners.context import Caller
from partner_contact.partners.preparation import PreparationChecklist

AnyRequest = Request[Any, Any, Any]


class PreparationController(Controller):
    path = "/api/v1/participants/{participant_id:uuid}/preparation"
    tags = ["preparation"]

    @get(
        "/",
        operation_id="getPreparationChecklist",
        summary="What is still to prepare for this case before a lockdown (levels 1-3)",
        opt=policy(Role.partner_worker, Role.supervisor),
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def get_checklist(
        self, request: AnyRequest, db_session: DbSession, participant_id: FromPath[uuid.UUID]
    ) -> PreparationChecklist:
        return await preparation.preparation_checklist(
            Caller.of(request), db_session, participant_id=participant_id
        )
