"""Per-request context: the request id, response hardening headers and the request log."""

from __future__ import annotations

import re
import time
import uuid
from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, BeforeMessageSendHookHandler, Message, Receive, Scope, Send

from partner_contact.logs import bind_request, get_logger

REQUEST_ID_HEADER: Final = "x-request-id"
# A caller's id is kept only when it cannot smuggle anything into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$")
_STATE_KEY: Final = "request_id"
_STARTED_KEY: Final = "request_started"
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
log = get_logger("partner_contact.request")


def request_id_of(scope: Scope) -> str:
    """The id of this request, taken from ``X-Request-ID`` when safe, else generated once."""
    state = scope.setdefault("state", {})
    request_id: str | None = state.get(_STATE_KEY)
    if request_id is None:
        offered = next(
            (
                value.decode("latin-1")
                for name, value in scope.get("headers", ())
                if name == b"x-request-id"
            ),
            "",
        )
        request_id = offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        state[_STATE_KEY] = request_id
    return request_id


class RequestContextMiddleware:
    """Binds the request id to every log line of a routed request and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            bind_request(request_id_of(scope))
            scope.setdefault("state", {})[_STARTED_KEY] = time.perf_counter()
        await self.app(scope, receive, send)


def make_before_send(*, hsts: bool) -> BeforeMessageSendHookHandler:
    """A Litestar ``before_send`` hook; it also sees 404/405 answers that no route handled."""

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
            return
        headers = MutableScopeHeaders.from_message(message)
        request_id = request_id_of(scope)
        headers[REQUEST_ID_HEADER] = request_id
        headers["cache-control"] = "no-store"
        headers["pragma"] = "no-cache"
        headers["x-content-type-options"] = "nosniff"
        headers["referrer-policy"] = "no-referrer"
        headers["x-frame-options"] = "DENY"
        headers["cross-origin-opener-policy"] = "same-origin"
        headers["cross-origin-resource-policy"] = "same-origin"
        headers["permissions-policy"] = "camera=(), microphone=(), geolocation=()"
        headers["content-security-policy"] = CONTENT_SECURITY_POLICY
        if hsts:
            headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
        started = scope.get("state", {}).get(_STARTED_KEY)
        log.info(
            "request.completed",
            request_id=request_id,
            method=scope.get("method"),
            path=scope.get("path"),
            status=message["status"],
            duration_ms=round((time.perf_counter() - started) * 1000, 2) if started else None,
        )

    return before_send
