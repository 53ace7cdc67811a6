"""One-way routes: facilitators record events and read a yes/no clearance; her worker
gets the tasks. ``/api/v1/participants/{id}/events``, ``.../clearance``, ``/api/v1/tasks``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners import clearance, events
from partner_contact.partners.context import Caller
from partner_contact.partners.events import EventRecorded, ProgrammeEventCreate, TaskRead
from partner_contact.partners.schemas import ContactClearance

AnyRequest = Request[Any, Any, Any]
_WORKERS = policy(Role.partner_worker, Role.supervisor)


class ParticipantEventController(Controller):
    path = "/api/v1/participants/{participant_id:uuid}"
    tags = ["programme events"]

    @post(
        "/events",
        operation_id="recordProgrammeEvent",
        summary="Record a programme event about a participant (his facilitator)",
        opt=policy(Role.facilitator),
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def record_event(
        self,
        request: AnyRequest,
        db_session: DbSession,
        participant_id: FromPath[uuid.UUID],
        data: JSONBody[ProgrammeEventCreate],
    ) -> EventRecorded:
        return await events.record_event(
            Caller.of(request), db_session, participant_id=participant_id, data=data
        )

    @get(
        "/clearance",
        operation_id="getContactClearance",
        summary="Whether the programme may contact this participant remotely",
        opt=policy(Role.facilitator, Role.supervisor),
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_clearance(
        self, request: AnyRequest, db_session: DbSession, participant_id: FromPath[uuid.UUID]
    ) -> ContactClearance:
        return await clearance.contact_clearance(
            Caller.of(request), db_session, participant_id=participant_id
        )


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @get(
        "/",
        operation_id="listTasks",
        summary="Tasks of the caller's cases, open and most urgent first",
        opt=_WORKERS,
        responses=problem_responses(401, 403),
    )
    async def list_tasks(self, request: AnyRequest, db_session: DbSession) -> list[TaskRead]:
        return await events.list_tasks(Caller.of(request), db_session)

    @post(
        "/{task_id:uuid}/done",
        operation_id="completeTask",
        summary="Mark a task done",
        opt=_WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def complete_task(
        self, request: AnyRequest, db_session: DbSession, task_id: FromPath[uuid.UUID]
    ) -> TaskRead:
        return await events.complete_task(Caller.of(request), db_session, task_id=task_id)
