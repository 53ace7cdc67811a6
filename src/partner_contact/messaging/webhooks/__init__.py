"""Providers' webhooks: each checks its provider's signature, then stores what it says.

The routes are always mounted, so the API description is the same everywhere; a
provider that PC_PROVIDER does not name answers 404 before anything is read.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from partner_contact.errors import DomainError


def provider_enabled(name: str) -> Guard:
    """A guard that answers 404 unless PC_PROVIDER names ``name``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if name not in connection.app.state.settings.providers:
            raise DomainError("provider_not_enabled", "This provider is not enabled", status=404)

    return guard
