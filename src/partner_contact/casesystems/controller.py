"""Case-system administration: ``/api/v1/case-systems``, for admins only.

No route here returns partner content: deliveries are listed by state, never payload.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.casesystems import registry
from partner_contact.casesystems.models import CaseSystem, CaseSystemDelivery
from partner_contact.casesystems.schemas import (
    CaseSystemCreate,
    CaseSystemIssued,
    CaseSystemRead,
    CaseSystemUpdate,
    DeliveryRead,
    DeliveryStatus,
)
from partner_contact.errors import problem_responses
from partner_contact.org.service import current_organisation
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
_ADMIN = policy(Role.admin)
_TABLE = "case_system"


def _read(system: CaseSystem) -> CaseSystemRead:
    return CaseSystemRead(
        id=system.id,
        name=system.name,
        webhook_url=system.webhook_url,
        service_ids=[uuid.UUID(service_id) for service_id in system.service_ids],
        api_key_id=system.api_key_id,
        is_enabled=system.is_enabled,
        secret_rotated_at=system.secret_rotated_at,
        created_at=system.created_at,
        updated_at=system.updated_at,
    )


def _issued(system: CaseSystem, secret: str) -> CaseSystemIssued:
    return CaseSystemIssued(**msgspec.structs.asdict(_read(system)), signing_secret=secret)


def _delivery(row: CaseSystemDelivery) -> DeliveryRead:
    return DeliveryRead(
        event_id=row.event_id,
        kind=row.kind,
        subject_id=row.subject_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.pending else None,
        last_status=row.last_status,
        last_error_code=row.last_error_code,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )


async def _organisation_id(caller: Caller, db_session: DbSession) -> uuid.UUID:
    return (await current_organisation(db_session, clock=caller.clock)).id


class CaseSystemController(Controller):
    path = "/api/v1/case-systems"
    tags = ["case systems"]

    @post(
        "/",
        operation_id="createCaseSystem",
        summary="Register a case system; its signing secret is in this answer only",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def create(
        self, request: AnyRequest, db_session: DbSession, data: JSONBody[CaseSystemCreate]
    ) -> CaseSystemIssued:
        caller = Caller.of(request)
        system, secret = await registry.register(
            db_session,
            caller.cipher,
            organisation_id=await _organisation_id(caller, db_session),
            data=data,
            actor_id=caller.principal.user_id,
            now=caller.clock(),
        )
        await caller.log(
            db_session, action="case_system.create", object_type=_TABLE, object_id=system.id
        )
        return _issued(system, secret)

    @get(
        "/",
        operation_id="listCaseSystems",
        summary="Every case system, without secrets",
        opt=_ADMIN,
        responses=problem_responses(401, 403),
    )
    async def list_systems(
        self, request: AnyRequest, db_session: DbSession
    ) -> list[CaseSystemRead]:
        caller = Caller.of(request)
        organisation_id = await _organisation_id(caller, db_session)
        systems = await registry.list_systems(db_session, organisation_id=organisation_id)
        return [_read(system) for system in systems]

    @patch(
        "/{system_id:uuid}",
        operation_id="updateCaseSystem",
        summary="Change a case system's name, URL, services, key or enabled state",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def update(
        self,
        request: AnyRequest,
        db_session: DbSession,
        system_id: FromPath[uuid.UUID],
        data: JSONBody[CaseSystemUpdate],
    ) -> CaseSystemRead:
        caller = Caller.of(request)
        system = await registry.update(
            db_session,
            organisation_id=await _organisation_id(caller, db_session),
            system_id=system_id,
            data=data,
            now=caller.clock(),
        )
        await caller.log(
            db_session, action="case_system.update", object_type=_TABLE, object_id=system.id
        )
        return _read(system)

    @post(
        "/{system_id:uuid}/rotate-secret",
        operation_id="rotateCaseSystemSecret",
        summary="Replace the signing secret; the new one is in this answer only",
        opt=_ADMIN,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def rotate_secret(
        self, request: AnyRequest, db_session: DbSession, system_id: FromPath[uuid.UUID]
    ) -> CaseSystemIssued:
        caller = Caller.of(request)
        system, secret = await registry.rotate_secret(
            db_session,
            caller.cipher,
            organisation_id=await _organisation_id(caller, db_session),
            system_id=system_id,
            now=caller.clock(),
        )
        await caller.log(
            db_session, action="case_system.rotate_secret", object_type=_TABLE, object_id=system.id
        )
        return _issued(system, secret)

    @get(
        "/{system_id:uuid}/deliveries",
        operation_id="listCaseSystemDeliveries",
        summary="The system's events, newest first: state and attempts, never payloads",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_deliveries(
        self,
        request: AnyRequest,
        db_session: DbSession,
        system_id: FromPath[uuid.UUID],
        status: Annotated[
            DeliveryStatus | None,
            QueryParameter(description="Only events in this state; all when left out."),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=500, description="At most this many events.")
        ] = 100,
    ) -> list[DeliveryRead]:
        caller = Caller.of(request)
        rows = await registry.list_deliveries(
            db_session,
            organisation_id=await _organisation_id(caller, db_session),
            system_id=system_id,
            status=status,
            limit=limit,
        )
        return [_delivery(row) for row in rows]
