"""Assessment routes, for her worker and supervisors only.

``/api/v1/partners/{id}/assessments`` and ``/flags`` for her case;
``/api/v1/assessments/{id}`` for one version.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, JSONBody

from partner_contact.assessments import service
from partner_contact.assessments.schemas import (
    AssessmentAnswers,
    AssessmentCreate,
    AssessmentRead,
    AssessmentSharing,
    AssessmentSummary,
    CaseFlags,
)
from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)


class PartnerAssessmentController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}"
    tags = ["assessments"]

    @post(
        "/assessments",
        operation_id="createAssessment",
        summary="Start a draft home-situation assessment; answers left out are not_asked",
        description=(
            "Structured answers drive her case's flags once completed; her free-text "
            "answers are sealed under her data key and never appear in lists or flags."
        ),
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def create_assessment(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentCreate],
    ) -> AssessmentSummary:
        return await service.create_assessment(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/assessments",
        operation_id="listAssessments",
        summary="Her assessments, newest first, without her words",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_assessments(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[AssessmentSummary]:
        return await service.list_assessments(Caller.of(request), db_session, partner_id=partner_id)

    @get(
        "/flags",
        operation_id="getCaseFlags",
        summary="The flags of her latest completed assessment (no free text)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_flags(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> CaseFlags:
        return await service.case_flags(Caller.of(request), db_session, partner_id=partner_id)


class AssessmentController(Controller):
    path = "/api/v1/assessments/{assessment_id:uuid}"
    tags = ["assessments"]

    @get(
        "/",
        operation_id="getAssessment",
        summary="One version with her words in the clear (a read logged for a call)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_assessment(
        self, request: AnyRequest, db_session: DbSession, assessment_id: FromPath[uuid.UUID]
    ) -> AssessmentRead:
        return await service.read_assessment(
            Caller.of(request), db_session, assessment_id=assessment_id
        )

    @patch(
        "/",
        operation_id="updateAssessment",
        summary="Change a draft's answers; a completed assessment cannot change",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def update_assessment(
        self,
        request: AnyRequest,
        db_session: DbSession,
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentAnswers],
    ) -> AssessmentSummary:
        return await service.update_assessment(
            Caller.of(request), db_session, assessment_id=assessment_id, data=data
        )

    @post(
        "/complete",
        operation_id="completeAssessment",
        summary="Complete a draft; from then on it never changes",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def complete_assessment(
        self, request: AnyRequest, db_session: DbSession, assessment_id: FromPath[uuid.UUID]
    ) -> AssessmentSummary:
        return await service.complete_assessment(
            Caller.of(request), db_session, assessment_id=assessment_id
        )

    @post(
        "/correct",
        operation_id="correctAssessment",
        summary="Start a correction: a new draft version pointing to this completed one",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def correct_assessment(
        self, request: AnyRequest, db_session: DbSession, assessment_id: FromPath[uuid.UUID]
    ) -> AssessmentSummary:
        return await service.correct_assessment(
            Caller.of(request), db_session, assessment_id=assessment_id
        )

    @put(
        "/sharing",
        operation_id="setAssessmentSharing",
        summary="Which of her free-text answers she agrees may be shared with a service",
        description=(
            "Default: none. Her consent is not part of what she said, so it may change on a "
            "completed assessment too. Nothing she says ever reaches his side."
        ),
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413),
    )
    async def set_sharing(
        self,
        request: AnyRequest,
        db_session: DbSession,
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentSharing],
    ) -> AssessmentSummary:
        return await service.set_sharing(
            Caller.of(request), db_session, assessment_id=assessment_id, data=data
        )
