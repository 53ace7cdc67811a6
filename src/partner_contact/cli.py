"""The ``partner-contact`` command line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click
import msgspec

from partner_contact import __version__
from partner_contact.audit.cli import audit
from partner_contact.auth.cli import users
from partner_contact.casesystems.cli import deliver
from partner_contact.crypto.cli import keys
from partner_contact.crypto.errors import KeyringError
from partner_contact.crypto.keyring import load_keyring
from partner_contact.messaging.cli import dispatch
from partner_contact.retention.cli import purge
from partner_contact.settings import settings_for_command

T = TypeVar("T")


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """partner-contact: discreet, audited outreach to partners."""


main.add_command(keys)
main.add_command(users)
main.add_command(audit)
main.add_command(dispatch)
main.add_command(deliver)
main.add_command(purge)


@main.command()
def version() -> None:
    """Print the version."""
    click.echo(__version__)


@main.command()
@click.option("--host", help="Address to listen on (default: PC_HOST).")
@click.option("--port", type=int, help="Port to listen on (default: PC_PORT).")
@click.option("--workers", type=int, help="Worker processes (default: PC_WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API, the webhooks and the worker web client."""
    import uvicorn

    settings = settings_for_command()
    try:
        load_keyring(settings.resolved_keyring_file)
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    uvicorn.run(
        "partner_contact.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        server_header=False,
        access_log=False,
        log_config=None,
        proxy_headers=False,
        # Alert streams end at shutdown; this bounds anything else still open.
        timeout_graceful_shutdown=10,
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from partner_contact.db.engine import create_engine
    from partner_contact.db.migrate import current_revision, upgrade_database

    settings = settings_for_command()

    async def upgrade() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            await upgrade_database(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"database at revision {_run(upgrade)}")


@db.command("current")
def db_current() -> None:
    """Print the revision the database is at, and the latest one."""
    from partner_contact.db.engine import create_engine
    from partner_contact.db.migrate import current_revision, head_revision

    settings = settings_for_command()

    async def current() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = _run(current)
    click.echo(f"current: {revision or 'none'}  head: {head_revision()}")


@main.command()
def openapi() -> None:
    """Print the OpenAPI specification the service serves."""
    from partner_contact.app import create_app

    app = create_app(settings_for_command())
    click.echo(msgspec.json.format(msgspec.json.encode(app.openapi_schema.to_schema()), indent=2))
