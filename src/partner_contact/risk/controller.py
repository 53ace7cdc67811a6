"""Risk routes: her worker's and supervisors' on her record, admins' for the checklist.

``/api/v1/partners/{id}/risk...`` for her case, ``/api/v1/risk/checklists`` for the
organisation's checklist versions and ``/api/v1/risk/referral-proposals/{id}/...``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners.context import Caller
from partner_contact.risk import checklists, proposals, service, summary
from partner_contact.risk.schemas import (
    ChecklistCreate,
    ChecklistRead,
    ChecklistRecordCreate,
    ChecklistRecordRead,
    ChecklistRecordSummary,
    Checklists,
    CloseCreate,
    DecisionCreate,
    HerViewCreate,
    HerViewRead,
    HerViewSummary,
    ProposalCreate,
    ProposalRead,
    ProposalSummary,
    RiskSummary,
    SharingUpdate,
    TriggerCreate,
    TriggerRead,
)

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
ADMINS = policy(Role.admin)
CHECKLIST_READERS = policy(Role.admin, Role.supervisor, Role.partner_worker)
_WRITE = problem_responses(400, 401, 403, 404, 413, 422)
_READ = problem_responses(400, 401, 403, 404)


class PartnerRiskController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/risk"
    tags = ["risk"]

    @get(
        "/",
        operation_id="getRiskSummary",
        summary="Her latest view and checklist, whether the checklist is due again (no free text)",
        opt=WORKERS,
        responses=_READ,
    )
    async def get_summary(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> RiskSummary:
        return await summary.risk_summary(Caller.of(request), db_session, partner_id=partner_id)

    @post(
        "/her-view",
        operation_id="recordHerViewOfRisk",
        summary="Her own view of her risk: 1 = she feels in danger ... 5 = she feels safe",
        description="Her words are sealed under her data key; nothing reaches his side.",
        opt=WORKERS,
        responses=_WRITE,
    )
    async def record_her_view(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[HerViewCreate],
    ) -> HerViewSummary:
        return await service.record_her_view(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/her-view",
        operation_id="listHerViewsOfRisk",
        summary="Her views of her risk, newest first, with her words (a logged read)",
        opt=WORKERS,
        responses=_READ,
    )
    async def list_her_views(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[HerViewRead]:
        return await service.list_her_views(Caller.of(request), db_session, partner_id=partner_id)

    @put(
        "/her-view/{view_id:uuid}/sharing",
        operation_id="setHerViewOfRiskSharing",
        summary="She gives or withdraws her consent to share this view with a service",
        description="Default: not shared. Nothing she says ever reaches his side.",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413),
    )
    async def set_her_view_sharing(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        view_id: FromPath[uuid.UUID],
        data: JSONBody[SharingUpdate],
    ) -> HerViewSummary:
        return await service.set_her_view_sharing(
            Caller.of(request), db_session, partner_id=partner_id, view_id=view_id, data=data
        )

    @post(
        "/checklists",
        operation_id="recordRiskChecklist",
        summary="A risk checklist done with her; a band that proposes a referral opens one",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def record_checklist(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ChecklistRecordCreate],
    ) -> ChecklistRecordSummary:
        return await service.record_checklist(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/checklists",
        operation_id="listRiskChecklistRecords",
        summary="Her checklists, newest first, with her answers (a logged read)",
        opt=WORKERS,
        responses=_READ,
    )
    async def list_checklists(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[ChecklistRecordRead]:
        return await service.list_checklist_records(
            Caller.of(request), db_session, partner_id=partner_id
        )

    @put(
        "/checklists/{record_id:uuid}/sharing",
        operation_id="setRiskChecklistSharing",
        summary="She gives or withdraws her consent to share this checklist with a service",
        description="Default: not shared. Nothing she says ever reaches his side.",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413),
    )
    async def set_checklist_sharing(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        record_id: FromPath[uuid.UUID],
        data: JSONBody[SharingUpdate],
    ) -> ChecklistRecordSummary:
        return await service.set_checklist_sharing(
            Caller.of(request), db_session, partner_id=partner_id, record_id=record_id, data=data
        )

    @post(
        "/triggers",
        operation_id="recordRiskTrigger",
        summary="A new incident or a separation: her checklist is due again",
        opt=WORKERS,
        responses=_WRITE,
    )
    async def record_trigger(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[TriggerCreate],
    ) -> TriggerRead:
        return await summary.record_trigger(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @post(
        "/referral-proposals",
        operation_id="proposeRiskReferral",
        summary="Propose a multi-agency risk referral on professional judgement",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def create_proposal(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ProposalCreate],
    ) -> ProposalSummary:
        return await proposals.create_proposal(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/referral-proposals",
        operation_id="listRiskReferralProposals",
        summary="Her referral proposals, newest first, with their notes (a logged read)",
        opt=WORKERS,
        responses=_READ,
    )
    async def list_proposals(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[ProposalRead]:
        return await proposals.list_proposals(Caller.of(request), db_session, partner_id=partner_id)


class ReferralProposalController(Controller):
    path = "/api/v1/risk/referral-proposals/{proposal_id:uuid}"
    tags = ["risk"]

    @post(
        "/decision",
        operation_id="recordRiskReferralDecision",
        summary="Her consent to the referral, and whether she was told of it",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def record_decision(
        self,
        request: AnyRequest,
        db_session: DbSession,
        proposal_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionCreate],
    ) -> ProposalSummary:
        return await proposals.record_decision(
            Caller.of(request), db_session, proposal_id=proposal_id, data=data
        )

    @post(
        "/she-was-told",
        operation_id="recordRiskReferralToldHer",
        summary="She has been told of the referral (also once it is closed)",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def record_she_was_told(
        self, request: AnyRequest, db_session: DbSession, proposal_id: FromPath[uuid.UUID]
    ) -> ProposalSummary:
        return await proposals.record_she_was_told(
            Caller.of(request), db_session, proposal_id=proposal_id
        )

    @post(
        "/close",
        operation_id="closeRiskReferralProposal",
        summary="Referred or not; without her agreement only with a reason",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def close_proposal(
        self,
        request: AnyRequest,
        db_session: DbSession,
        proposal_id: FromPath[uuid.UUID],
        data: JSONBody[CloseCreate],
    ) -> ProposalSummary:
        return await proposals.close_proposal(
            Caller.of(request), db_session, proposal_id=proposal_id, data=data
        )


class ChecklistController(Controller):
    path = "/api/v1/risk/checklists"
    tags = ["risk"]

    @post(
        "/",
        operation_id="loadRiskChecklist",
        summary="Load a checklist version; it supersedes the current one",
        description=(
            "Bands default to standard 0-9, medium 10-13 and high 14+ (high proposes a referral)."
        ),
        opt=ADMINS,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def load_checklist(
        self, request: AnyRequest, db_session: DbSession, data: JSONBody[ChecklistCreate]
    ) -> ChecklistRead:
        return await checklists.load_checklist(Caller.of(request), db_session, data=data)

    @get(
        "/",
        operation_id="listRiskChecklists",
        summary="The current checklist version and every earlier one",
        opt=CHECKLIST_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_checklists(self, db_session: DbSession) -> Checklists:
        return await checklists.list_checklists(db_session)
