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
from litestar.router import Router
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import async_sessionmaker

from partner_contact import __version__
from partner_contact.assessments.controller import AssessmentController, PartnerAssessmentController
from partner_contact.audit.controller import AuditController
from partner_contact.audit.sealer import CheckpointExport, Sealer
from partner_contact.auth.admin_controller import ApiKeyController, TeamController, UserController
from partner_contact.auth.context import AuthContext
from partner_contact.auth.controller import AuthController
from partner_contact.auth.guards import PUBLIC, enforce_policy
from partner_contact.auth.middleware import AuthenticationMiddleware
from partner_contact.casesystems.delivery import DeliveryWorker
from partner_contact.casesystems.routes import ROUTES as CASE_SYSTEM_ROUTES
from partner_contact.clock import Clock, utc_now
from partner_contact.consent.controller import ConsentController
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.db.engine import create_engine
from partner_contact.errors import EXCEPTION_HANDLERS
from partner_contact.guidance.routes import ROUTES as GUIDANCE_ROUTES
from partner_contact.health.controller import HealthController
from partner_contact.logs import configure_logging
from partner_contact.messaging.dispatcher import Dispatcher
from partner_contact.messaging.email_inbound import ImapPoller
from partner_contact.messaging.providers import make_provider
from partner_contact.messaging.sandbox_controller import SandboxController
from partner_contact.messaging.webhooks.email import EmailWebhookController
from partner_contact.messaging.webhooks.twilio import TwilioWebhookController
from partner_contact.messaging.webhooks.whatsapp import WhatsAppWebhookController
from partner_contact.notes.controller import NoteController, PartnerNoteController
from partner_contact.openapi import StrictStructSchemaPlugin
from partner_contact.org.routes import ROUTES as ORG_ROUTES
from partner_contact.outreach.controller import OutreachController, PartnerOutreachController
from partner_contact.outreach.engine import Engine
from partner_contact.outreach.template_controller import TemplateController
from partner_contact.participants.routes import ROUTES as PARTICIPANT_ROUTES
from partner_contact.partners.alert_bus import AlertHub
from partner_contact.partners.routes import ROUTES as PARTNER_ROUTES
from partner_contact.referrals.routes import ROUTES as REFERRAL_ROUTES
from partner_contact.reports.controller import ReportController
from partner_contact.requestctx import RequestContextMiddleware, make_before_send
from partner_contact.retention.purge import Purger
from partner_contact.retention.routes import ROUTES as RETENTION_ROUTES
from partner_contact.risk.routes import ROUTES as RISK_ROUTES
from partner_contact.settings import Settings, get_settings

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    HealthController,
    AuthController,
    UserController,
    TeamController,
    ApiKeyController,
    AuditController,
    *ORG_ROUTES,
    *PARTICIPANT_ROUTES,
    *PARTNER_ROUTES,
    PartnerOutreachController,
    OutreachController,
    TemplateController,
    ConsentController,
    PartnerNoteController,
    NoteController,
    PartnerAssessmentController,
    AssessmentController,
    ReportController,
    *RISK_ROUTES,
    *REFERRAL_ROUTES,
    *CASE_SYSTEM_ROUTES,
    *GUIDANCE_ROUTES,
    *RETENTION_ROUTES,
]

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
        # The spec describes the API and holds no data: readable without signing in.
        openapi_router=Router(
            path=OPENAPI_PATH, route_handlers=[], opt=PUBLIC, include_in_schema=False
        ),
        use_handler_docstrings=False,
    )


def provider_routes(settings: Settings) -> list[ControllerRouterHandler]:
    """Every provider's webhooks (404 unless enabled), and the sandbox API while active."""
    webhooks: list[ControllerRouterHandler] = [
        TwilioWebhookController,
        WhatsAppWebhookController,
        EmailWebhookController,
    ]
    return [SandboxController, *webhooks] if settings.is_sandbox else webhooks


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    extra_route_handlers: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """Build the application; tests pass a manual ``clock`` and may mount probe routes."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    keyring_file = KeyringFile(settings.resolved_keyring_file)
    engine = create_engine(settings.resolved_database_url, pool=settings.database_pool)
    session_maker = async_sessionmaker(engine, expire_on_commit=False)
    alert_hub = AlertHub(engine)
    auth = AuthContext.create(
        settings=settings.auth,
        keyring_file=keyring_file,
        session_maker=session_maker,
        clock=clock,
    )

    providers = make_provider(
        settings, session_maker=session_maker, keyring_file=keyring_file, clock=clock
    )
    outreach_engine = Engine(
        settings=settings.outreach,
        risk_rule=settings.risk,
        keyring_file=keyring_file,
        clock=clock,
        channels=providers.channels,
    )
    dispatcher = Dispatcher(engine=outreach_engine, session_maker=session_maker, provider=providers)
    purger = Purger(
        engine=outreach_engine,
        database=engine,
        session_maker=session_maker,
        settings=settings.retention,
    )
    case_system_worker = DeliveryWorker(
        settings=settings.case_systems,
        session_maker=session_maker,
        keyring_file=keyring_file,
        clock=clock,
    )
    imap_poller = (
        ImapPoller(
            settings.email,
            engine=outreach_engine,
            session_maker=session_maker,
            on_stored=dispatcher.wake,
        )
        if "smtp" in settings.providers and settings.email.imap_host
        else None
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        keyring = keyring_file.current()  # a missing or unsafe key file stops start-up here
        sealer = Sealer(
            engine,
            interval_seconds=settings.audit.seal_interval_seconds,
            checkpoints=CheckpointExport(
                signing_key=keyring.audit_signer(),
                path=settings.resolved_checkpoint_file,
                interval_seconds=settings.audit.checkpoint_interval_seconds,
            ),
            clock=clock,
        )
        sealer.start()
        await alert_hub.start()
        if settings.outreach.run_dispatcher:
            dispatcher.start()
        if settings.retention.run_purge:
            purger.start()
        if imap_poller is not None:
            imap_poller.start()
        if settings.case_systems.run_worker:
            case_system_worker.start()
        try:
            yield
        finally:
            await alert_hub.stop()
            if imap_poller is not None:
                await imap_poller.stop()
            await dispatcher.stop()
            await purger.stop()
            await case_system_worker.aclose()
            await providers.aclose()
            await sealer.stop()
            await engine.dispose()

    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        set_default_exception_handler=False,
    )
    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, *provider_routes(settings), *extra_route_handlers],
        plugins=[SQLAlchemyPlugin(config=db_config), StrictStructSchemaPlugin()],
        middleware=[
            DefineMiddleware(RequestContextMiddleware),
            DefineMiddleware(AuthenticationMiddleware),
        ],
        guards=[enforce_policy],
        before_send=[make_before_send(hsts=settings.is_behind_tls)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "session_maker": session_maker,
                "clock": clock,
                "auth": auth,
                "keyring_file": keyring_file,
                "outreach_engine": outreach_engine,
                "dispatcher": dispatcher,
                "purger": purger,
                "case_system_worker": case_system_worker,
                "alert_hub": alert_hub,
            }
        ),
        logging_config=None,
        debug=False,
    )
