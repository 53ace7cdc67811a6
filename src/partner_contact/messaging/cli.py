"""``partner-contact dispatch``: run the dispatcher and scheduler outside the web process."""

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
    help="Exit once nothing is due (for batch runs and tests); default: run until stopped.",
)
@click.option("--name", help="This dispatcher's name in claims and logs (default: random).")
def dispatch(until_idle: bool, name: str | None) -> None:
    """Send due messages and fire due timers; several may run against PostgreSQL."""
    from partner_contact.app import create_app

    settings = settings_for_command()
    app = create_app(settings)
    dispatcher = app.state.dispatcher
    if name:
        dispatcher.name = name

    async def run() -> None:
        engine = app.state.engine
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            interval = settings.outreach.dispatch_interval_seconds
            while not stop.is_set():
                try:
                    report = await dispatcher.run_once()
                except Exception:
                    # One failed pass must not end the process; the next tick retries.
                    log.exception("dispatch.pass_failed")
                else:
                    idle = report.sent == 0 and report.timers_fired == 0
                    if until_idle and idle and not await dispatcher.has_due_work():
                        break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
        finally:
            await engine.dispose()

    asyncio.run(run())
