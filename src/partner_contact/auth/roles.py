"""Roles and what each may do with partner content."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    partner_worker = "partner_worker"
    facilitator = "facilitator"
    supervisor = "supervisor"
    admin = "admin"
    auditor = "auditor"


# Roles that read partner content, and admins (who manage accounts and keys), need a
# second factor when PC_AUTH_REQUIRE_TOTP is on.
_SECOND_FACTOR_ROLES = frozenset({Role.partner_worker, Role.supervisor, Role.admin})
ALL_STAFF = frozenset(Role)


def needs_second_factor(role: Role) -> bool:
    return role in _SECOND_FACTOR_ROLES


class Scope(enum.StrEnum):
    """What an integration API key may do."""

    referrals_read = "referrals:read"
    referrals_write = "referrals:write"
    directory_read = "directory:read"
