"""The ``partner-contact`` command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click
import msgspec

from partner_contact import __version__
from partner_contact.settings import Settings, SettingsError, get_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = get_settings()
    except SettingsError as exc:
        click.echo(f"partner-contact: invalid configuration: {exc}", err=True)
        sys.exit(2)
    settings.data_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """partner-contact: discreet, audited outreach to partners."""


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

    settings = _settings()
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
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    from partner_contact.db.engine import create_engine
    from partner_contact.db.migrate import current_revision, upgrade_database

    settings = _settings()

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

    settings = _settings()

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

    app = create_app(_settings())
    click.echo(msgspec.json.format(msgspec.json.encode(app.openapi_schema.to_schema()), indent=2))
