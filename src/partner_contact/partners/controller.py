"""Partner routes: ``/api/v1/partners`` and a case's ``/api/v1/participants/{id}/partners``.

Only partner workers and supervisors reach them; which partners each may reach is
decided per object in the services (404 otherwise). Lists are masked.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.outreach.service import note_code_word_verified
from partner_contact.partners import codeword, service
from partner_contact.partners.context import Caller
from partner_contact.partners.schemas import (
    CodeWordAttempt,
    CodeWordResult,
    CodeWordSet,
    ContactDetails,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
    SafeContact,
)

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
_READ_ERRORS = problem_responses(400, 401, 403, 404, 409)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)


class CasePartnerController(Controller):
    path = "/api/v1/participants/{participant_id:uuid}/partners"
    tags = ["partners"]

    @get(
        "/",
        operation_id="listCasePartners",
        summary="The partners of one participant's case, masked",
        opt=WORKERS,
        responses=_READ_ERRORS,
    )
    async def list_case_partners(
        self, request: AnyRequest, db_session: DbSession, participant_id: FromPath[uuid.UUID]
    ) -> list[PartnerRead]:
        return await service.list_partners(
            Caller.of(request), db_session, participant_id=participant_id
        )

    @post(
        "/",
        operation_id="createPartner",
        summary="Record a partner of this participant's case",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
    )
    async def create_partner(
        self,
        request: AnyRequest,
        db_session: DbSession,
        participant_id: FromPath[uuid.UUID],
        data: JSONBody[PartnerCreate],
    ) -> PartnerRead:
        return await service.create_partner(
            Caller.of(request), db_session, participant_id=participant_id, data=data
        )


class PartnerController(Controller):
    path = "/api/v1/partners"
    tags = ["partners"]

    @get(
        "/",
        operation_id="listPartners",
        summary="Every partner the caller works with, masked",
        opt=WORKERS,
        responses=problem_responses(401, 403),
    )
    async def list_partners(self, request: AnyRequest, db_session: DbSession) -> list[PartnerRead]:
        return await service.list_partners(Caller.of(request), db_session)

    @get(
        "/{partner_id:uuid}",
        operation_id="getPartner",
        summary="One partner, masked",
        opt=WORKERS,
        responses=_READ_ERRORS,
    )
    async def get_partner(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> PartnerRead:
        return await service.get_partner(Caller.of(request), db_session, partner_id)

    @patch(
        "/{partner_id:uuid}",
        operation_id="updatePartner",
        summary="Change a partner's details, channels, windows or flags",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
    )
    async def update_partner(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[PartnerUpdate],
    ) -> PartnerRead:
        return await service.update_partner(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/{partner_id:uuid}/contact-details",
        operation_id="readPartnerContactDetails",
        summary="Her full contact details, for a stated purpose (logged)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def contact_details(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        purpose: Annotated[str, QueryParameter(pattern=r"^[a-z_]{1,32}$")],
    ) -> ContactDetails:
        return await service.read_contact_details(
            Caller.of(request), db_session, partner_id=partner_id, purpose=purpose
        )

    @post(
        "/{partner_id:uuid}/safe-contact/confirm",
        operation_id="confirmSafeContact",
        summary="Record her safe-contact profile as she re-confirmed it at this contact",
        opt=WORKERS,
        status_code=200,
        responses=_WRITE_ERRORS,
    )
    async def confirm_safe_contact(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[SafeContact],
    ) -> PartnerRead:
        return await service.confirm_safe_contact(
            Caller.of(request), db_session, partner_id=partner_id, safe_contact=data
        )

    @put(
        "/{partner_id:uuid}/code-word",
        operation_id="setPartnerCodeWord",
        summary="Set the code word she chose; also lifts a lock",
        opt=WORKERS,
        status_code=204,
        responses=_WRITE_ERRORS,
    )
    async def set_code_word(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[CodeWordSet],
    ) -> None:
        await codeword.set_code_word(
            Caller.of(request),
            db_session,
            hasher=request.app.state.auth.hasher,
            partner_id=partner_id,
            code_word=data.code_word,
        )

    @post(
        "/{partner_id:uuid}/code-word/verify",
        operation_id="verifyPartnerCodeWord",
        summary="Check the code word the person on the line gives",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 423),
    )
    async def verify_code_word(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[CodeWordAttempt],
    ) -> CodeWordResult:
        caller = Caller.of(request)
        result = await codeword.verify_code_word(
            caller,
            db_session,
            hasher=request.app.state.auth.hasher,
            partner_id=partner_id,
            attempt=data.code_word,
        )
        if result.matches:
            await note_code_word_verified(
                caller, db_session, request.app.state.outreach_engine, partner_id=partner_id
            )
        return result
