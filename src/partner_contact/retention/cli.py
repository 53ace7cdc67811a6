"""``partner-contact purge``: run the retention purge once now and print what it removed."""

from __future__ import annotations

import asyncio

import click

from partner_contact.settings import settings_for_command


@click.command()
def purge() -> None:
    """Purge every kind of data past its retention now (the web process does it daily)."""
    from partner_contact.app import create_app

    app = create_app(settings_for_command())

    async def run() -> dict[str, int]:
        try:
            counts: dict[str, int] = await app.state.purger.run_once("cli")
            return counts
        finally:
            await app.state.engine.dispose()

    for kind, count in asyncio.run(run()).items():
        click.echo(f"{kind}: {count}")
