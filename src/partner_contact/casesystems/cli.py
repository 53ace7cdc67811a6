"""``partner-contact deliver``: post case-system webhooks outside the web process."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from partner_contact.logs import get_logger
from partner_contact.settings import settings_for_command

log = get_logger(__name__)


@click.command()
@click.option(
    "--until-idle",
    is_flag=True,
    help="Exit once no event is due (for batch runs and tests); default: run until stopped.",
)
def deliver(until_idle: bool) -> None:
    """Post due case-system events; several may run against PostgreSQL."""
    from partner_contact.app import create_app

    settings = settings_for_command()
    app = create_app(settings)
    worker = app.state.case_system_worker

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            while not stop.is_set():
                try:
                    await worker.run_once()
                except Exception:
                    # One failed pass must not end the process; the next one retries.
                    log.exception("case_system.pass_failed")
                else:
                    if until_idle and not await worker.has_due_work():
                        break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.case_systems.poll_interval_seconds)
        finally:
            await worker.aclose()
            await app.state.engine.dispose()

    asyncio.run(run())
