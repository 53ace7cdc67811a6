"""The services directory: ``/api/v1/services``.

Admins keep it; partner workers, supervisors, admins and integration keys holding
``directory:read`` read it. Entries are public service details, not partner data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, JSONBody, QueryParameter, RawBody

from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role, Scope
from partner_contact.errors import DomainError, FieldError, problem_responses
from partner_contact.org import directory
from partner_contact.org.directory_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    check_import,
)
from partner_contact.org.models import SupportService
from partner_contact.org.schemas import (
    ImportReport,
    ServiceCreate,
    ServicePage,
    ServiceRead,
    ServiceUpdate,
)
from partner_contact.org.service import current_organisation

_READERS = policy(Role.partner_worker, Role.supervisor, Role.admin, scopes=[Scope.directory_read])
_ADMIN = policy(Role.admin)
_CSV_DESCRIPTION = (
    "UTF-8 CSV with a header line. Required columns: "
    + ", ".join(REQUIRED_COLUMNS)
    + "; optional: "
    + ", ".join(OPTIONAL_COLUMNS)
    + ". See docs/org.md."
)


@dataclass
class CsvBodyOperation(Operation):
    """Documents the raw ``text/csv`` body, which Litestar cannot infer from ``RawBody``."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
            description=_CSV_DESCRIPTION,
            required=True,
        )


def service_read(service: SupportService) -> ServiceRead:
    return ServiceRead(
        id=service.id,
        name=service.name,
        area_id=service.area_id,
        phone=service.phone,
        opening_hours=directory.opening_hours_of(service),
        languages=list(service.languages),
        accessibility_notes=service.accessibility_notes,
        is_operating_now=service.is_operating_now,
        operating_confirmed_at=service.operating_confirmed_at,
        operating_confirmed_by=service.operating_confirmed_by,
        accepts_self_referral=service.accepts_self_referral,
        accepts_agency_referral=service.accepts_agency_referral,
        referral_endpoint=service.referral_endpoint,
        is_active=service.is_active,
        created_at=service.created_at,
        updated_at=service.updated_at,
    )


class ServiceController(Controller):
    path = "/api/v1/services"
    tags = ["services"]

    @get(
        "/",
        operation_id="listServices",
        summary="Active support services by name, a page at a time",
        opt=_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_services(
        self,
        db_session: DbSession,
        state: State,
        area_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        operating_now: Annotated[bool | None, QueryParameter()] = None,
        accepts_self_referral: Annotated[bool | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=600)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=directory.MAX_PAGE_SIZE)] = 50,
    ) -> ServicePage:
        organisation = await current_organisation(db_session, clock=state.clock)
        page = await directory.list_services(
            db_session,
            organisation_id=organisation.id,
            area_id=area_id,
            operating_now=operating_now,
            accepts_self_referral=accepts_self_referral,
            cursor=cursor,
            limit=limit,
        )
        return ServicePage(
            services=[service_read(s) for s in page.services], next_cursor=page.next_cursor
        )

    @post(
        "/",
        operation_id="createService",
        summary="Add a support service to the directory",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[ServiceCreate],
    ) -> ServiceRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        service = await directory.create_service(
            db_session,
            organisation_id=organisation.id,
            data=data,
            actor_id=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request,
            db_session,
            action="service.create",
            object_type="support_service",
            object_id=str(service.id),
        )
        return service_read(service)

    @get(
        "/{service_id:uuid}",
        operation_id="getService",
        summary="One support service, active or not",
        opt=_READERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_service(
        self, db_session: DbSession, state: State, service_id: FromPath[uuid.UUID]
    ) -> ServiceRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        return service_read(
            await directory.get_service(
                db_session, organisation_id=organisation.id, service_id=service_id
            )
        )

    @patch(
        "/{service_id:uuid}",
        operation_id="updateService",
        summary="Change, re-confirm, deactivate or reactivate a support service",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        service_id: FromPath[uuid.UUID],
        data: JSONBody[ServiceUpdate],
    ) -> ServiceRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        service = await directory.update_service(
            db_session,
            organisation_id=organisation.id,
            service_id=service_id,
            data=data,
            actor_id=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request,
            db_session,
            action="service.update",
            object_type="support_service",
            object_id=str(service.id),
        )
        return service_read(service)

    @post(
        "/import",
        operation_id="importServices",
        summary="Import services from CSV: a dry run reports, a real run writes all or none",
        opt=_ADMIN,
        status_code=200,
        operation_class=CsvBodyOperation,
        responses=problem_responses(400, 401, 403, 413, 415, 422),
    )
    async def import_services(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        body: RawBody,
        dry_run: Annotated[bool, QueryParameter(description="Check only; write nothing")] = False,
    ) -> ImportReport:
        if request.content_type[0] != "text/csv":
            raise DomainError("unsupported_media_type", "Send the CSV as text/csv", status=415)
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(
                "invalid_csv",
                "The CSV is not valid UTF-8",
                status=400,
                errors=[FieldError("body", "not UTF-8 text")],
            ) from None
        organisation = await current_organisation(db_session, clock=state.clock)
        result = await check_import(
            db_session,
            organisation_id=organisation.id,
            text=text,
            actor_id=principal_of(request).user_id,
            now=state.clock(),
        )
        report = ImportReport(
            dry_run=dry_run,
            lines_read=result.lines_read,
            created=len(result.services),
            errors=result.errors,
        )
        if dry_run:
            return report
        if result.errors:
            raise DomainError(
                "import_rejected",
                "The CSV has errors; nothing was imported",
                status=422,
                errors=[FieldError(f"lines[{e.line}].{e.field}", e.message) for e in result.errors],
            )
        db_session.add_all(result.services)
        await db_session.flush()
        for service in result.services:
            await log_action(
                request,
                db_session,
                action="service.import",
                object_type="support_service",
                object_id=str(service.id),
            )
        return report
