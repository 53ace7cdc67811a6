"""``create_app``: the one place the service is wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.types import ControllerRouterHandler

from partner_contact import __version__
from partner_contact.db.engine import create_engine
from partner_contact.errors import EXCEPTION_HANDLERS
from partner_contact.health.controller import HealthController
from partner_contact.logs import configure_logging
from partner_contact.requestctx import RequestContextMiddleware, make_before_send
from partner_contact.settings import Settings, get_settings

OPENAPI_PATH = "/schema"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="partner-contact",
        version=__version__,
        description=(
            "Discreet, audited outreach to the partners of perpetrator-programme "
            "participants. Errors are application/problem+json (RFC 9457)."
        ),
        path=OPENAPI_PATH,
        render_plugins=[JsonRenderPlugin()],
        use_handler_docstrings=False,
    )


def create_app(
    settings: Settings | None = None,
    *,
    extra_route_handlers: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """Build the application; ``extra_route_handlers`` lets tests mount probes."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    engine = create_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        set_default_exception_handler=False,
    )
    return Litestar(
        route_handlers=[HealthController, *extra_route_handlers],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        middleware=[DefineMiddleware(RequestContextMiddleware)],
        before_send=[make_before_send(hsts=settings.is_behind_tls)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        state=State({"settings": settings, "engine": engine}),
        logging_config=None,
        debug=False,
    )
