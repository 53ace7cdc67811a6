"""Referral routes: her worker's (``/api/v1/partners/{id}/referrals``, ``/api/v1/referrals``)
and the service case systems' (``/api/v1/integrations/referrals``, integration keys only).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role, Scope
from partner_contact.errors import problem_responses
from partner_contact.partners.context import Caller
from partner_contact.referrals import integration, options, service
from partner_contact.referrals.schemas import (
    Acknowledgement,
    AcknowledgementRead,
    AgreementCreate,
    IntegrationReferral,
    IntegrationStatus,
    ReferralClose,
    ReferralCreate,
    ReferralOptions,
    ReferralRead,
    ReferralSummary,
)

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
CASE_SYSTEM_READ = policy(scopes=[Scope.referrals_read])
CASE_SYSTEM_WRITE = policy(scopes=[Scope.referrals_write])


class PartnerReferralController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/referrals"
    tags = ["referrals"]

    @post(
        "/",
        operation_id="proposeReferral",
        summary="Propose referring her to a women's support service operating now",
        description="Refused (409 service_not_operating) unless the service is active and "
        "operating now; the note reaches the service only if she agrees to share it.",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def propose(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ReferralCreate],
    ) -> ReferralSummary:
        return await service.propose_referral(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/",
        operation_id="listReferrals",
        summary="Her referrals, newest first: states and services, no sealed text",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def list_referrals(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[ReferralSummary]:
        return await service.list_referrals(Caller.of(request), db_session, partner_id=partner_id)


class ReferralOptionsController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/referral-options"
    tags = ["referrals"]

    @get(
        "/",
        operation_id="getReferralOptions",
        summary="Services of her area operating now and taking referrals, with the area's context",
        description="409 area_unknown until her area is recorded on her record. A logged read.",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def get_options(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> ReferralOptions:
        return await options.referral_options(
            Caller.of(request),
            db_session,
            partner_id=partner_id,
            stale_after_days=request.app.state.settings.org.context_stale_after_days,
        )


class ReferralController(Controller):
    path = "/api/v1/referrals/{referral_id:uuid}"
    tags = ["referrals"]

    @get(
        "/",
        operation_id="getReferral",
        summary="A referral with its note and what she agreed to share (a logged read)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def get_referral(
        self, request: AnyRequest, db_session: DbSession, referral_id: FromPath[uuid.UUID]
    ) -> ReferralRead:
        return await service.read_referral(Caller.of(request), db_session, referral_id=referral_id)

    @post(
        "/agreement",
        operation_id="recordReferralAgreement",
        summary="Record her answer and what she agrees may be shared with the service",
        description="Agreed: the referral may be sent. Not agreed: it is closed as "
        "declined_by_her. She may change what she shares until it is sent.",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def record_agreement(
        self,
        request: AnyRequest,
        db_session: DbSession,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[AgreementCreate],
    ) -> ReferralSummary:
        return await service.record_agreement(
            Caller.of(request), db_session, referral_id=referral_id, data=data
        )

    @post(
        "/send",
        operation_id="sendReferral",
        summary="Send an agreed referral to a service still operating now",
        description="Queued to the service's case system when one takes its referrals "
        '(delivery "case_system"); otherwise delivery is "manual": pass it on to the '
        "service yourself. Sending again changes nothing.",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def send(
        self, request: AnyRequest, db_session: DbSession, referral_id: FromPath[uuid.UUID]
    ) -> ReferralSummary:
        return await service.send_referral(Caller.of(request), db_session, referral_id=referral_id)

    @post(
        "/withdraw",
        operation_id="withdrawReferral",
        summary="She changed her mind: close it, and have the service delete what it received",
        description='withdrawal_delivery "case_system": the case system is told to delete it; '
        '"manual": tell the service yourself.',
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def withdraw(
        self, request: AnyRequest, db_session: DbSession, referral_id: FromPath[uuid.UUID]
    ) -> ReferralSummary:
        return await service.withdraw_referral(
            Caller.of(request), db_session, referral_id=referral_id
        )

    @post(
        "/close",
        operation_id="closeReferral",
        summary="Close a referral with its outcome",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413),
    )
    async def close(
        self,
        request: AnyRequest,
        db_session: DbSession,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[ReferralClose],
    ) -> ReferralSummary:
        return await service.close_referral(
            Caller.of(request), db_session, referral_id=referral_id, outcome=data.outcome
        )


class IntegrationReferralController(Controller):
    path = "/api/v1/integrations/referrals"
    tags = ["integrations"]

    @get(
        "/",
        operation_id="listIntegrationReferrals",
        summary="Referrals sent to your case system's services, oldest first (each read logged)",
        description="Holds only what she agreed to share. A key bound to no case system "
        "gets 403 not_a_case_system.",
        opt=CASE_SYSTEM_READ,
        responses=problem_responses(400, 401, 403),
    )
    async def list_referrals(
        self,
        request: AnyRequest,
        db_session: DbSession,
        status: Annotated[
            IntegrationStatus | None,
            QueryParameter(description="Only sent (not yet acknowledged) or acknowledged ones"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=integration.MAX_PAGE_SIZE)] = 50,
    ) -> list[IntegrationReferral]:
        return await integration.list_referrals(
            Caller.of(request), db_session, status=status, limit=limit
        )

    @get(
        "/{referral_id:uuid}",
        operation_id="getIntegrationReferral",
        summary="One referral sent to your case system (a logged read)",
        opt=CASE_SYSTEM_READ,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_referral(
        self, request: AnyRequest, db_session: DbSession, referral_id: FromPath[uuid.UUID]
    ) -> IntegrationReferral:
        return await integration.read_referral(
            Caller.of(request), db_session, referral_id=referral_id
        )

    @post(
        "/{referral_id:uuid}/acknowledge",
        operation_id="acknowledgeIntegrationReferral",
        summary="Your service has the referral; optionally give your own case reference",
        description="Acknowledging again changes nothing and answers with the same state.",
        opt=CASE_SYSTEM_WRITE,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 413),
    )
    async def acknowledge(
        self,
        request: AnyRequest,
        db_session: DbSession,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[Acknowledgement],
    ) -> AcknowledgementRead:
        return await integration.acknowledge_referral(
            Caller.of(request), db_session, referral_id=referral_id, data=data
        )
