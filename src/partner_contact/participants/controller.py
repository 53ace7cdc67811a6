"""Participants and their screenings: ``/api/v1/participants``.

Admins manage participants but never read his contact details; a facilitator sees only
the pseudonymous fields of his own participants; partner-side staff see the cases
assigned to them or their team. Object-level refusals are 404s, so existence never leaks.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.audit.service import PURPOSES
from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.errors import DomainError, FieldError, problem_responses
from partner_contact.participants import screenings, service
from partner_contact.participants.models import Participant, Screening
from partner_contact.participants.risk import LivingSituation, RiskRule, WorkStatus
from partner_contact.participants.schemas import (
    ParticipantContact,
    ParticipantCreate,
    ParticipantPage,
    ParticipantRead,
    ParticipantUpdate,
    ScreeningCreate,
    ScreeningRead,
)

# The lead moves this into settings; until then every derivation uses the default.
_PARTNER_SIDE: Final = frozenset({Role.partner_worker, Role.supervisor})
_READERS: Final = policy(Role.admin, Role.supervisor, Role.partner_worker, Role.facilitator)


def participant_read(participant: Participant, principal: Principal) -> ParticipantRead:
    read = ParticipantRead(
        id=participant.id,
        reference=participant.reference,
        group_name=participant.group_name,
        facilitator_id=participant.facilitator_id,
    )
    if principal.role == Role.facilitator:  # pseudonymous fields only: the wall to her side
        return read
    read.partner_worker_id = participant.partner_worker_id
    read.partner_team_id = participant.partner_team_id
    read.has_phone = participant.phone is not None
    read.has_email = participant.email is not None
    read.created_at = participant.created_at
    return read


def screening_read(screening: Screening, principal: Principal, rule: RiskRule) -> ScreeningRead:
    read = ScreeningRead(
        id=screening.id,
        participant_id=screening.participant_id,
        version=screening.version,
        recorded_by=screening.recorded_by,
        recorded_at=screening.recorded_at,
        living_situation=LivingSituation(screening.living_situation),
        children_count=screening.children_count,
        children_ages=screening.children_ages,
        work=WorkStatus(screening.work),
        working_hours=screenings.working_hours_of(screening),
        group_has_met=screening.group_has_met,
        risk_factors=screenings.risk_factors_of(screening),
        risk=screenings.assess(screening, rule),
    )
    if principal.role in _PARTNER_SIDE:
        read.contact_window = screenings.contact_window(screening)
    return read


class ParticipantController(Controller):
    path = "/api/v1/participants"
    tags = ["participants"]

    @get(
        "/",
        operation_id="listParticipants",
        summary="The participants the caller may see, a page at a time",
        opt=_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_participants(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> ParticipantPage:
        principal = principal_of(request)
        rows, next_cursor = await service.list_visible(
            db_session, principal, clock=request.app.state.clock, limit=limit, cursor=cursor
        )
        return ParticipantPage(
            items=[participant_read(row, principal) for row in rows], next_cursor=next_cursor
        )

    @post(
        "/",
        operation_id="createParticipant",
        summary="Enrol a participant, optionally assigning his facilitator and case",
        opt=policy(Role.admin),
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[ParticipantCreate],
    ) -> ParticipantRead:
        participant = await service.create_participant(
            db_session, state.auth.cipher(), data, clock=state.clock
        )
        await log_action(
            request,
            db_session,
            action="participant.create",
            object_type="participant",
            object_id=str(participant.id),
        )
        return participant_read(participant, principal_of(request))

    @get(
        "/{participant_id:uuid}",
        operation_id="getParticipant",
        summary="One participant",
        opt=_READERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        participant_id: FromPath[uuid.UUID],
    ) -> ParticipantRead:
        principal = principal_of(request)
        participant = await service.get_visible(
            db_session, principal, participant_id, clock=request.app.state.clock
        )
        return participant_read(participant, principal)

    @patch(
        "/{participant_id:uuid}",
        operation_id="updateParticipant",
        summary="Change a participant's reference, group, assignment or contact details",
        opt=policy(Role.admin),
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        participant_id: FromPath[uuid.UUID],
        data: JSONBody[ParticipantUpdate],
    ) -> ParticipantRead:
        principal = principal_of(request)
        participant = await service.update_participant(
            db_session, state.auth.cipher(), principal, participant_id, data, clock=state.clock
        )
        await log_action(
            request,
            db_session,
            action="participant.update",
            object_type="participant",
            object_id=str(participant_id),
        )
        return participant_read(participant, principal)

    @get(
        "/{participant_id:uuid}/contact",
        operation_id="getParticipantContact",
        summary="His own phone and e-mail, for a stated purpose (logged)",
        opt=policy(Role.partner_worker, Role.supervisor),
        responses=problem_responses(400, 401, 403, 404),
    )
    async def contact(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        participant_id: FromPath[uuid.UUID],
        purpose: Annotated[str, QueryParameter(description="Why: " + ", ".join(sorted(PURPOSES)))],
    ) -> ParticipantContact:
        if purpose not in PURPOSES:
            raise DomainError(
                "validation_failed",
                "The purpose is not valid",
                status=400,
                errors=[FieldError("purpose", "not one of the access-log purposes")],
            )
        participant = await service.get_visible(
            db_session, principal_of(request), participant_id, clock=state.clock
        )
        contact = await service.read_contact(db_session, state.auth.cipher(), participant)
        await log_action(
            request,
            db_session,
            action="participant.contact.read",
            object_type="participant",
            object_id=str(participant_id),
            purpose=purpose,
        )
        return contact


class ScreeningController(Controller):
    path = "/api/v1/participants/{participant_id:uuid}/screenings"
    tags = ["screenings"]

    @post(
        "/",
        operation_id="recordScreening",
        summary="Record a new version of his screening",
        opt=policy(Role.facilitator, Role.supervisor),
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def record(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        participant_id: FromPath[uuid.UUID],
        data: JSONBody[ScreeningCreate],
    ) -> ScreeningRead:
        principal = principal_of(request)
        participant = await service.get_visible(
            db_session, principal, participant_id, clock=state.clock
        )
        screening = await screenings.record_screening(
            db_session, participant, data, recorded_by=principal.user_id, clock=state.clock
        )
        await log_action(
            request,
            db_session,
            action="screening.record",
            object_type="screening",
            object_id=str(screening.id),
        )
        return screening_read(screening, principal, state.settings.risk)

    @get(
        "/",
        operation_id="listScreenings",
        summary="His screening history, newest first, with the derived risk",
        opt=policy(Role.facilitator, Role.supervisor, Role.partner_worker),
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_screenings(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        participant_id: FromPath[uuid.UUID],
    ) -> list[ScreeningRead]:
        principal = principal_of(request)
        participant = await service.get_visible(
            db_session, principal, participant_id, clock=request.app.state.clock
        )
        history = await screenings.list_screenings(db_session, participant)
        rule = request.app.state.settings.risk
        return [screening_read(screening, principal, rule) for screening in history]
