"""The auditor's view of the access log: ``/api/v1/audit``. Entries hold ids, never content."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from partner_contact.audit.models import AccessLogEntry
from partner_contact.audit.service import (
    MAX_PAGE_SIZE,
    ExportedEntry,
    export_entry,
    iter_entries,
    list_entries,
    render_csv,
    render_jsonl,
)
from partner_contact.auth.deps import DbSession, log_action
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import DomainError, FieldError, problem_responses

_AUDITOR = policy(Role.auditor)
_Text = Annotated[str | None, QueryParameter(max_length=64)]
_MEDIA_TYPES = {"jsonl": "application/jsonl", "csv": "text/csv; charset=utf-8"}


class AccessLogPage(msgspec.Struct, kw_only=True):
    entries: list[ExportedEntry]
    next_cursor: str | None


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/entries",
        operation_id="listAccessLog",
        summary="Access-log entries, oldest first, with keyset pagination",
        opt=_AUDITOR,
        responses=problem_responses(400, 401, 403),
    )
    async def entries(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        actor_id: _Text = None,
        object_type: _Text = None,
        object_id: _Text = None,
        action: _Text = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        after: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> AccessLogPage:
        try:
            page = await list_entries(
                db_session,
                actor_id=actor_id,
                object_type=object_type,
                object_id=object_id,
                action=action,
                since=since,
                until=until,
                after=after,
                limit=limit,
            )
        except ValueError as exc:
            field = str(exc).split(":", 1)[0]
            raise DomainError(
                "validation_failed",
                "The request is not valid",
                status=400,
                errors=[FieldError(field, str(exc))],
            ) from None
        await log_action(request, db_session, action="audit.read", purpose="audit")
        return AccessLogPage(
            entries=[export_entry(e) for e in page.entries], next_cursor=page.next_cursor
        )

    @get(
        "/export",
        operation_id="exportAccessLog",
        summary="The matching access log as JSON Lines or CSV (the export is itself logged)",
        opt=_AUDITOR,
        responses=problem_responses(400, 401, 403),
        media_type="application/jsonl",
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        format: FromQuery[Literal["jsonl", "csv"]] = "jsonl",
        actor_id: _Text = None,
        object_type: _Text = None,
        object_id: _Text = None,
        action: _Text = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> Stream:
        await log_action(request, db_session, action="audit.export", purpose="audit")

        async def entries() -> AsyncIterator[AccessLogEntry]:
            # The request's session commits (with the export's own log entry) when the
            # response starts; the stream reads through a session of its own.
            async with state.session_maker() as session:
                async for entry in iter_entries(
                    session,
                    actor_id=actor_id,
                    object_type=object_type,
                    object_id=object_id,
                    action=action,
                    since=since,
                    until=until,
                ):
                    yield entry

        render = render_csv if format == "csv" else render_jsonl
        return Stream(
            render(entries()),
            media_type=_MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="access-log.{format}"'},
        )
