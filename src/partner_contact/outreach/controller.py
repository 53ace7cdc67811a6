"""Outreach routes: start one for a partner, follow it, and act on it as her worker."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.outreach import service
from partner_contact.outreach.engine import Engine
from partner_contact.outreach.replies import ReplyKind
from partner_contact.outreach.schemas import (
    CallRecord,
    OutreachConfirm,
    OutreachDetail,
    OutreachRead,
    ReplyReading,
    ReplyText,
)
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
_READ_ERRORS = problem_responses(400, 401, 403, 404)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)


def _engine(request: AnyRequest) -> Engine:
    engine: Engine = request.app.state.outreach_engine
    return engine


class PartnerOutreachController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}"
    tags = ["outreach"]

    @post(
        "/outreach",
        operation_id="startOutreach",
        summary="Start an outreach to her; the gate decides if and when the first message goes",
        description=(
            "Idempotent with an Idempotency-Key header: the same key returns the same "
            "outreach. A 409 means an outreach is already open or the key was used for "
            "another partner."
        ),
        opt=WORKERS,
        responses=_WRITE_ERRORS,
    )
    async def start_outreach(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                pattern=r"^[A-Za-z0-9._:-]{8,64}$",
                description="The same key returns the same outreach instead of a second one.",
            ),
        ] = None,
    ) -> OutreachRead:
        return await service.start_outreach(
            Caller.of(request),
            db_session,
            _engine(request),
            partner_id=partner_id,
            idempotency_key=idempotency_key,
        )

    @get(
        "/outreach",
        operation_id="listOutreaches",
        summary="Her outreaches, newest first",
        opt=WORKERS,
        responses=_READ_ERRORS,
    )
    async def list_outreaches(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[OutreachRead]:
        return await service.list_outreaches(Caller.of(request), db_session, partner_id=partner_id)

    @post(
        "/opt-in",
        operation_id="confirmOptIn",
        summary="Reopen contact after her STOP, once she has written START herself",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
        status_code=204,
    )
    async def confirm_opt_in(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> None:
        await service.confirm_opt_in(Caller.of(request), db_session, partner_id=partner_id)


class OutreachController(Controller):
    path = "/api/v1/outreach/{outreach_id:uuid}"
    tags = ["outreach"]

    @get(
        "/",
        operation_id="getOutreach",
        summary="One outreach with its history, its messages (no text) and replies (no text)",
        opt=WORKERS,
        responses=_READ_ERRORS,
    )
    async def get_outreach(
        self, request: AnyRequest, db_session: DbSession, outreach_id: FromPath[uuid.UUID]
    ) -> OutreachDetail:
        return await service.get_outreach(Caller.of(request), db_session, outreach_id=outreach_id)

    @post(
        "/confirm",
        operation_id="confirmOutreach",
        summary="Go ahead where the gate asked for a worker's confirmation, with a reason",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
        status_code=200,
    )
    async def confirm(
        self,
        request: AnyRequest,
        db_session: DbSession,
        outreach_id: FromPath[uuid.UUID],
        data: JSONBody[OutreachConfirm],
    ) -> OutreachRead:
        return await service.confirm_outreach(
            Caller.of(request),
            db_session,
            _engine(request),
            outreach_id=outreach_id,
            reason=data.reason,
        )

    @post(
        "/cancel",
        operation_id="cancelOutreach",
        summary="Stop this outreach; nothing still waiting is sent",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
        status_code=200,
    )
    async def cancel(
        self, request: AnyRequest, db_session: DbSession, outreach_id: FromPath[uuid.UUID]
    ) -> OutreachRead:
        return await service.cancel_outreach(
            Caller.of(request), db_session, _engine(request), outreach_id=outreach_id
        )

    @post(
        "/call",
        operation_id="recordCall",
        summary="Record how a call went; someone else answering suspends contact at once",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
        status_code=200,
    )
    async def record_call(
        self,
        request: AnyRequest,
        db_session: DbSession,
        outreach_id: FromPath[uuid.UUID],
        data: JSONBody[CallRecord],
    ) -> OutreachRead:
        return await service.record_call(
            Caller.of(request),
            db_session,
            _engine(request),
            outreach_id=outreach_id,
            outcome=data.outcome,
        )

    @get(
        "/replies",
        operation_id="readReplies",
        summary="Her replies in the clear (a logged read)",
        opt=WORKERS,
        responses=_READ_ERRORS,
    )
    async def read_replies(
        self, request: AnyRequest, db_session: DbSession, outreach_id: FromPath[uuid.UUID]
    ) -> list[ReplyText]:
        return await service.read_replies(Caller.of(request), db_session, outreach_id=outreach_id)

    @post(
        "/replies/{reply_id:uuid}/reading",
        operation_id="recordReading",
        summary="Say what an unclear reply means after reading it",
        opt=WORKERS,
        responses=_WRITE_ERRORS,
        status_code=200,
    )
    async def record_reading(
        self,
        request: AnyRequest,
        db_session: DbSession,
        outreach_id: FromPath[uuid.UUID],
        reply_id: FromPath[uuid.UUID],
        data: JSONBody[ReplyReading],
    ) -> OutreachRead:
        return await service.record_reading(
            Caller.of(request),
            db_session,
            _engine(request),
            outreach_id=outreach_id,
            reply_id=reply_id,
            kind=ReplyKind(data.kind),
        )
