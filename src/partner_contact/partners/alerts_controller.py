"""Alerts for her worker: ``/api/v1/alerts`` and ``/api/v1/alerts/{id}/acknowledge``.

Only partner workers and supervisors reach them; the facilitator who recorded the
event never sees an alert or learns that it was acknowledged.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners import alerts
from partner_contact.partners.alerts import AlertPage, AlertRead
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
_WORKERS = policy(Role.partner_worker, Role.supervisor)


class AlertController(Controller):
    path = "/api/v1/alerts"
    tags = ["alerts"]

    @get(
        "/",
        operation_id="listAlerts",
        summary="Alerts of the caller's cases, newest first, with keyset pagination",
        opt=_WORKERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_alerts(
        self,
        request: AnyRequest,
        db_session: DbSession,
        include_acknowledged: Annotated[
            bool, QueryParameter(description="Also list alerts already acknowledged")
        ] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> AlertPage:
        return await alerts.list_alerts(
            Caller.of(request),
            db_session,
            include_acknowledged=include_acknowledged,
            limit=limit,
            cursor=cursor,
        )

    @post(
        "/{alert_id:uuid}/acknowledge",
        operation_id="acknowledgeAlert",
        summary="Acknowledge an alert (who and when are kept; repeating changes nothing)",
        opt=_WORKERS,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def acknowledge(
        self, request: AnyRequest, db_session: DbSession, alert_id: FromPath[uuid.UUID]
    ) -> AlertRead:
        return await alerts.acknowledge_alert(Caller.of(request), db_session, alert_id=alert_id)
