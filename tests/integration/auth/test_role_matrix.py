"""Every route against every kind of caller: the table below is the access policy.

A route added without a row here fails ``test_every_route_is_in_the_matrix``; a route
whose guard disagrees with its row fails ``test_each_caller_gets_what_the_matrix_says``.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role, Scope
from tests.fixtures.policy import (
    CASE_SYSTEM_ROWS,
    GUIDANCE_ROWS,
    ISSUE8_ROWS,
    ORG_ROWS,
    OUTREACH_ROWS,
    PARTICIPANT_ROWS,
    PARTNER_ROWS,
    REFERRAL_ROWS,
    REPORT_ROWS,
    RETENTION_ROWS,
    RISK_ROWS,
)
from tests.fixtures.staff import api_key_headers, bearer_for, make_staff

ANONYMOUS: Final = "anonymous"
ROLES: Final = tuple(role.value for role in Role)
KEYS: Final = tuple(f"key:{scope.value}" for scope in Scope)
CALLERS: Final = (ANONYMOUS, *ROLES, *KEYS)
EVERYONE: Final = frozenset(CALLERS)
ALL_STAFF: Final = frozenset(ROLES)
ADMIN: Final = frozenset({"admin"})

CORE: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("GET", "/health/live"): EVERYONE,
    ("GET", "/health/ready"): EVERYONE,
    ("GET", "/schema/openapi.json"): EVERYONE,
    ("GET", "/schema"): EVERYONE,
    ("GET", "/schema/{path:str}"): EVERYONE,
    ("POST", "/api/v1/auth/session"): EVERYONE,
    ("POST", "/api/v1/auth/tokens"): EVERYONE,
    ("DELETE", "/api/v1/auth/session"): ALL_STAFF,
    ("POST", "/api/v1/auth/sign-out-everywhere"): ALL_STAFF,
    ("GET", "/api/v1/auth/me"): ALL_STAFF,
    ("POST", "/api/v1/auth/totp"): ALL_STAFF,
    ("POST", "/api/v1/auth/totp/confirm"): ALL_STAFF,
    ("PUT", "/api/v1/auth/password"): ALL_STAFF,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/{user_id:uuid}"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id:uuid}"): ADMIN,
    ("POST", "/api/v1/users/{user_id:uuid}/unlock"): frozenset({"admin", "supervisor"}),
    ("PUT", "/api/v1/users/{user_id:uuid}/password"): ADMIN,
    ("GET", "/api/v1/teams"): ADMIN,
    ("POST", "/api/v1/teams"): ADMIN,
    ("GET", "/api/v1/api-keys"): ADMIN,
    ("POST", "/api/v1/api-keys"): ADMIN,
    ("DELETE", "/api/v1/api-keys/{key_id:str}"): ADMIN,
    ("GET", "/api/v1/audit/entries"): frozenset({"auditor"}),
    ("GET", "/api/v1/audit/export"): frozenset({"auditor"}),
    # Providers call these with their own signatures, not our credentials (404 here:
    # the test app runs the sandbox; tests/integration/messaging checks the signatures).
    ("POST", "/webhooks/twilio/inbound"): EVERYONE,
    ("POST", "/webhooks/twilio/status"): EVERYONE,
    ("GET", "/webhooks/whatsapp"): EVERYONE,
    ("POST", "/webhooks/whatsapp"): EVERYONE,
    ("POST", "/webhooks/email/inbound"): EVERYONE,
}
MATRIX: Final = {
    **CORE,
    **ORG_ROWS,
    **PARTICIPANT_ROWS,
    **PARTNER_ROWS,
    **OUTREACH_ROWS,
    **REPORT_ROWS,
    **ISSUE8_ROWS,
    **RISK_ROWS,
    **REFERRAL_ROWS,
    **CASE_SYSTEM_ROWS,
    **GUIDANCE_ROWS,
    **RETENTION_ROWS,
}
# Methods Litestar answers itself (CORS pre-flight, HEAD of GET): no handler of ours runs.
_FRAMEWORK_METHODS: Final = frozenset({"OPTIONS", "HEAD"})


def registered_routes(app: Litestar) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
        if method not in _FRAMEWORK_METHODS
    }


def test_every_route_is_in_the_matrix(app: Litestar) -> None:
    routes = registered_routes(app)
    assert routes - MATRIX.keys() == set(), "add these routes to MATRIX with who may call them"
    assert MATRIX.keys() - routes == set(), "these MATRIX rows name routes that do not exist"


def _concrete(path: str) -> str:
    return re.sub(
        r"\{[^}:]+:(uuid|str)\}",
        lambda m: str(uuid.uuid4()) if m.group(1) == "uuid" else "abc123",
        path,
    )


async def test_each_caller_gets_what_the_matrix_says(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    members = {role.value: await make_staff(app, role) for role in Role}
    key_headers = {f"key:{scope.value}": await api_key_headers(app, scope) for scope in Scope}
    wrong = []
    for (method, path), allowed in sorted(MATRIX.items()):
        for caller in CALLERS:
            if caller in members:
                # A fresh session each time: some routes end the session they are called with.
                headers = await bearer_for(app, members[caller])
            else:
                headers = key_headers.get(caller, {})
            response = await client.request(method, _concrete(path), headers=headers, json={})
            denied = response.status_code in (401, 403)
            expected_denial = 401 if caller == ANONYMOUS else 403
            if caller in allowed and denied:
                wrong.append(f"{caller} refused {response.status_code} on {method} {path}")
            if caller not in allowed and response.status_code != expected_denial:
                wrong.append(f"{caller} got {response.status_code} on {method} {path}")
    assert wrong == []
