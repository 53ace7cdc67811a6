"""Alerts for her worker: ``/api/v1/alerts``, ``/api/v1/alerts/{id}/acknowledge`` and the
live stream ``/api/v1/alerts/stream`` (alert_stream.py).

Only partner workers and supervisors reach them; the facilitator who recorded the
event never sees an alert or learns that it was acknowledged.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.partners import alert_stream, alerts
from partner_contact.partners.alert_stream import EVENT_STREAM, StreamedAlert
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

    @get(
        "/stream",
        operation_id="streamAlerts",
        summary="Live alerts for the caller as server-sent events (text/event-stream)",
        description=(
            "Each `alert` event carries an alert (as in listAlerts) and `seconds_since`, "
            "the whole seconds since it happened. On connecting, the stream sends the "
            "unacknowledged alerts routed to the caller that came after `Last-Event-ID` "
            "(all of them without it), oldest first, then new ones as they are raised; a "
            "`: keep-alive` comment comes every 15 s. An alert of a case assigned to "
            "another worker is sent only while she has no stream open. Delivery is at "
            "least once: recognise a repeat by the alert's id. Requires "
            "`Accept: text/event-stream`."
        ),
        opt=_WORKERS,
        responses={
            200: ResponseSpec(
                data_container=StreamedAlert,
                media_type=EVENT_STREAM,
                description="An event stream; the data of each `alert` event is this object",
                generate_examples=False,
            ),
            **problem_responses(400, 401, 403, 406),
        },
    )
    async def stream_alerts(
        self,
        request: AnyRequest,
        last_event_id: Annotated[
            str | None,
            HeaderParameter(
                name="Last-Event-ID",
                required=False,
                max_length=200,
                description="The id of the last event received (EventSource sends it).",
            ),
        ] = None,
    ) -> ServerSentEvent:
        return alert_stream.open_stream(request, last_event_id=last_event_id)
