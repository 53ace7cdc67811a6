"""Authentication: who is calling, from a bearer token, an API key or the session cookie.

It never refuses a request itself: an absent or invalid credential leaves the caller
anonymous, and the route's policy (guards.py) decides between 401 and 403.
"""

from __future__ import annotations

from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from partner_contact.auth.apikeys import looks_like_api_key, resolve_api_key
from partner_contact.auth.context import AuthContext
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.auth.signin import resolve_session

SESSION_COOKIE: Final = "__Host-pc_session"


async def authenticate(
    ctx: AuthContext, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    authorization = connection.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        credential = connection.headers.get("x-api-key", "")
    if credential and looks_like_api_key(credential):
        key = await resolve_api_key(ctx, credential.strip())
        if key is None:
            return None
        return Principal(kind="api_key", id=key.id, scopes=frozenset(key.scopes))
    from_cookie = not credential
    token = connection.cookies.get(SESSION_COOKIE, "") if from_cookie else credential.strip()
    if not token:
        return None
    active = await resolve_session(ctx, token)
    if active is None or active.session.kind != ("cookie" if from_cookie else "bearer"):
        return None
    return Principal(
        kind="user",
        id=str(active.user.id),
        role=Role(active.user.role),
        team_id=active.user.team_id,
        session_id=active.session.id,
        second_factor_done=active.session.second_factor_done,
        csrf_hash=active.session.csrf_hash if from_cookie else None,
    )


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            scope["user"] = await authenticate(connection.app.state.auth, connection)
            scope["auth"] = None
        await self.app(scope, receive, send)
