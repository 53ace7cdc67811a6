"""Note routes, for her worker and supervisors only.

``/api/v1/partners/{id}/notes`` and ``/api/v1/notes/{id}/addressed``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.notes import service
from partner_contact.notes.schemas import (
    NoteCreate,
    NoteRead,
    NoteSharing,
    NoteStatus,
    NoteSummary,
)
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)


class PartnerNoteController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/notes"
    tags = ["notes"]

    @post(
        "/",
        operation_id="createNote",
        summary="Write down an issue she raised, to take up later in a safe setting",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def create_note(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[NoteCreate],
    ) -> NoteSummary:
        return await service.create_note(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/",
        operation_id="listNotes",
        summary="Her notes, newest first, with their text (a logged read)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_notes(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        status: Annotated[
            NoteStatus | None,
            QueryParameter(description="Only notes in this status; all when left out."),
        ] = None,
    ) -> list[NoteRead]:
        return await service.list_notes(
            Caller.of(request), db_session, partner_id=partner_id, status=status
        )


class NoteController(Controller):
    path = "/api/v1/notes/{note_id:uuid}"
    tags = ["notes"]

    @post(
        "/addressed",
        operation_id="markNoteAddressed",
        summary="The issue was taken up with her",
        opt=WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def mark_addressed(
        self, request: AnyRequest, db_session: DbSession, note_id: FromPath[uuid.UUID]
    ) -> NoteSummary:
        return await service.mark_addressed(Caller.of(request), db_session, note_id=note_id)

    @put(
        "/sharing",
        operation_id="setNoteSharing",
        summary="She gives or withdraws her consent to share this note with a service",
        description="Default: not shared. Nothing she says ever reaches his side.",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413),
    )
    async def set_sharing(
        self,
        request: AnyRequest,
        db_session: DbSession,
        note_id: FromPath[uuid.UUID],
        data: JSONBody[NoteSharing],
    ) -> NoteSummary:
        return await service.set_sharing(Caller.of(request), db_session, note_id=note_id, data=data)
