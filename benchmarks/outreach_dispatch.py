"""Figures for the outbox dispatcher: how fast queued messages are claimed (lock, her
record, wording check, gate), sent (sandbox provider) and recorded. Prints figures and
ratios; asserts nothing.

    .venv/bin/python benchmarks/outreach_dispatch.py [--messages 1000]
    PC_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/outreach_dispatch.py

SQLite always runs (a temporary directory). With ``PC_BENCH_POSTGRES_URL`` (a server and
an existing database to connect to; each run makes and drops databases of its own) it
also runs on PostgreSQL, and then compares one ``partner-contact dispatch`` process with
two sharing the outbox. Messages are seeded through the services, as the integration
tests do (tests/integration/messaging/bulk.py), one case and one message per partner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the seeding helper lives with the tests

from tests.fixtures.settings import make_settings  # noqa: E402
from tests.integration.messaging.bulk import (  # noqa: E402
    dispatcher_env,
    open_gate_outreach,
    seed_queued_messages,
)

from partner_contact.app import create_app  # noqa: E402
from partner_contact.clock import utc_now  # noqa: E402
from partner_contact.db.engine import create_engine  # noqa: E402
from partner_contact.db.migrate import upgrade_database  # noqa: E402
from partner_contact.messaging.dispatcher import (  # noqa: E402
    Dispatcher,
    DispatchReport,
    _Claimed,
)
from partner_contact.messaging.models import SandboxMessage  # noqa: E402
from partner_contact.messaging.providers import make_provider  # noqa: E402
from partner_contact.messaging.providers.base import OutgoingMessage, SendResult  # noqa: E402
from partner_contact.settings import Settings  # noqa: E402


class TimedDispatcher(Dispatcher):
    """The dispatcher, with the time spent in each of its three steps added up."""

    claim = send = record = 0.0

    async def _claim(self, message_id: uuid.UUID, report: DispatchReport) -> _Claimed | None:
        started = time.perf_counter()
        try:
            return await super()._claim(message_id, report)
        finally:
            self.claim += time.perf_counter() - started

    async def _send(self, outgoing: OutgoingMessage) -> SendResult:
        started = time.perf_counter()
        try:
            return await super()._send(outgoing)
        finally:
            self.send += time.perf_counter() - started

    async def _record(
        self, message_id: uuid.UUID, result: SendResult, report: DispatchReport
    ) -> None:
        started = time.perf_counter()
        try:
            await super()._record(message_id, result, report)
        finally:
            self.record += time.perf_counter() - started


def bench_settings(data_dir: Path, database_url: str) -> Settings:
    # A pooled engine, as `partner-contact dispatch` has (tests use none).
    return make_settings(
        data_dir,
        database_url,
        database_pool="queue",
        log_level="warning",
        outreach=open_gate_outreach(),
    )


async def prepare(settings: Settings, messages: int) -> float:
    """Migrate and seed; the seconds seeding took."""
    database = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()
    started = time.perf_counter()
    await seed_queued_messages(settings, messages)
    return time.perf_counter() - started


async def in_process(label: str, settings: Settings, messages: int) -> None:
    seeding = await prepare(settings, messages)
    app = create_app(settings)
    state = app.state
    dispatcher = TimedDispatcher(
        engine=state.outreach_engine,
        session_maker=state.session_maker,
        provider=make_provider(
            settings,
            session_maker=state.session_maker,
            keyring_file=state.keyring_file,
            clock=utc_now,
        ),
        name="bench",
    )
    started = time.perf_counter()
    sent = 0
    while sent < messages:
        report = await dispatcher.run_once()
        if report.sent == 0:
            break
        sent += report.sent
    elapsed = time.perf_counter() - started
    await state.engine.dispose()
    per = 1000 / max(sent, 1)
    print(f"{label}: seeded {messages} in {seeding:.1f} s ({messages / seeding:,.0f} cases/s)")
    print(
        f"{label}: one dispatcher sent {sent} in {elapsed:.2f} s: "
        f"{sent / elapsed:,.0f} messages/s, {elapsed * per:.2f} ms per message "
        f"(claim {dispatcher.claim * per:.2f} + send {dispatcher.send * per:.2f} "
        f"+ record {dispatcher.record * per:.2f})"
    )


async def processes(settings: Settings, messages: int, count: int) -> tuple[float, float]:
    """Drain with ``count`` dispatch processes; (messages/s over the sending span, wall s)."""
    await prepare(settings, messages)
    env = dispatcher_env(settings)
    started = time.perf_counter()
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "partner_contact",
            "dispatch",
            "--until-idle",
            "--name",
            f"bench{number}",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
        )
        for number in range(count)
    ]
    for child in children:
        await child.wait()
    wall = time.perf_counter() - started
    database = create_engine(settings.resolved_database_url)
    try:
        async with database.connect() as connection:
            first, last, sent = (
                await connection.execute(
                    select(
                        func.min(SandboxMessage.created_at),
                        func.max(SandboxMessage.created_at),
                        func.count(),
                    )
                )
            ).one()
    finally:
        await database.dispose()
    span = (last - first).total_seconds() if sent > 1 else float("nan")
    # The span from the first message to the last leaves out start-up and the idle check.
    return sent / span, wall


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    parts = urlsplit(server_url)
    admin_url = urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", "", ""))
    name = f"pc_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", "", ""))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run(messages: int) -> None:
    print(f"{messages} messages, one per partner, gate clear; sandbox provider")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp, 'bench.db').as_posix()}"
        await in_process("sqlite", bench_settings(Path(tmp, "data"), url), messages)

    server = os.environ.get("PC_BENCH_POSTGRES_URL")
    if not server:
        print("postgres: skipped (set PC_BENCH_POSTGRES_URL)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        async with postgres_database(server) as url:
            await in_process("postgres", bench_settings(Path(tmp, "data"), url), messages)
    rates = {}
    for count in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            async with postgres_database(server) as url:
                settings = bench_settings(Path(tmp, "data"), url)
                rate, wall = await processes(settings, messages, count)
        rates[count] = rate
        print(
            f"postgres: {count} dispatch process(es): {rate:,.0f} messages/s while sending "
            f"({wall:.1f} s wall, start-up and idle check included)"
        )
    print(f"postgres: speed-up of two processes over one: {rates[2] / rates[1]:.2f}x")
    print(f"(on {os.cpu_count()} CPUs, the database server sharing them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    asyncio.run(run(parser.parse_args().messages))


if __name__ == "__main__":
    main()
