"""Route policies, deny by default.

Every route declares who may call it with ``opt=policy(...)`` (or ``PUBLIC``); one
app-level guard enforces it. A route without a policy is refused for everyone, and the
role-matrix test fails for it. Denials are written to the access log in their own
transaction, since the request itself is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from partner_contact.audit.service import Actor, record_in_own_transaction
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role, Scope
from partner_contact.auth.secrets import digests_equal, token_digest
from partner_contact.errors import DomainError
from partner_contact.requestctx import request_id_of

CSRF_HEADER: Final = "x-csrf-token"
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


class Policy(msgspec.Struct, frozen=True):
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[Scope] = frozenset()
    public: bool = False
    # Open to a user who must still set up her second factor (sign-out, enrolment).
    before_second_factor: bool = False


def policy(
    *roles: Role, scopes: Iterable[Scope] = (), before_second_factor: bool = False
) -> dict[str, Any]:
    """Route ``opt`` allowing these staff roles and API keys holding all these scopes."""
    return {
        "policy": Policy(
            roles=frozenset(roles),
            scopes=frozenset(scopes),
            before_second_factor=before_second_factor,
        )
    }


PUBLIC: Final = {"policy": Policy(public=True)}


def _allows(rule: Policy, principal: Principal) -> bool:
    if principal.kind == "api_key":
        return bool(rule.scopes) and rule.scopes <= principal.scopes
    return principal.role in rule.roles and (
        principal.second_factor_done or rule.before_second_factor
    )


async def _log_denial(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    principal: Principal | None,
) -> None:
    actor = principal.as_actor() if principal else Actor(kind="anonymous", id=None, role=None)
    operation_id = getattr(handler, "operation_id", None)  # set on HTTP route handlers
    operation = operation_id if isinstance(operation_id, str) else handler.handler_name
    await record_in_own_transaction(
        connection.app.state.session_maker,
        actor=actor,
        action="access.denied",
        outcome="denied",
        object_type="operation",
        object_id=operation,
        request_id=request_id_of(connection.scope),
        clock=connection.app.state.clock,
    )


async def enforce_policy(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    rule = handler.opt.get("policy")
    principal: Principal | None = connection.scope.get("user")
    if isinstance(rule, Policy) and rule.public:
        return
    if principal is None:
        await _log_denial(connection, handler, None)
        raise NotAuthorizedException(headers={"WWW-Authenticate": "Bearer"})
    if not isinstance(rule, Policy) or not _allows(rule, principal):
        await _log_denial(connection, handler, principal)
        raise PermissionDeniedException
    if principal.csrf_hash is not None and connection.scope.get("method") not in _SAFE_METHODS:
        offered = connection.headers.get(CSRF_HEADER, "")
        if not offered or not digests_equal(principal.csrf_hash, token_digest(offered)):
            await _log_denial(connection, handler, principal)
            raise DomainError("csrf_failed", "Missing or wrong CSRF token", status=403)
