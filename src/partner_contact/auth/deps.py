"""What controllers need from a request: the caller, and an access-log line for the action."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.service import record_access
from partner_contact.auth.principal import Principal
from partner_contact.requestctx import request_id_of

# The request's database session (advanced-alchemy's ``db_session`` dependency).
DbSession = NamedDependency[AsyncSession]


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):  # the guard lets no anonymous caller this far
        raise RuntimeError("route reached without an authenticated caller")
    return principal


async def log_action(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    *,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    purpose: str | None = None,
) -> None:
    """Record the caller's action in the same transaction as the action itself."""
    await record_access(
        session,
        actor=principal_of(request).as_actor(),
        action=action,
        outcome="succeeded",
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        request_id=request_id_of(request.scope),
        clock=request.app.state.clock,
    )
