"""Figures for retention: erasing a partner on request among many, and the daily purge.
Prints figures; asserts nothing.

    .venv/bin/python benchmarks/retention.py [--partners 500] [--erasures 20] [--expired 500]
    PC_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/retention.py

SQLite always runs (a temporary directory). With ``PC_BENCH_POSTGRES_URL`` (a server and
an existing database to connect to; each run makes and drops databases of its own) it
also runs on PostgreSQL.

1. Erasure on request: ``--partners`` partners, each with the footprint of
   tests/integration/retention/traces.py ``plant_her`` (an outreach with a sent message
   and her reply, a consent decision with conditions, a note, an assessment with free
   text, her view of her risk), then ``--erasures`` of them erased one by one through
   ``POST /api/v1/partners/{id}/erasure`` as a supervisor of her team. The time of a
   request includes its post-commit flush (WAL checkpoint on SQLite, VACUUM and REINDEX
   CONCURRENTLY on PostgreSQL), which is also shown on its own.
2. The daily purge: ``--expired`` partners like those above (her note addressed), plus
   a reply from a number that matches nobody each, and the clock moved past every
   retention but the closed-case one; one ``Purger.run_once()``, rows per second per kind.

Seeding goes through the services the API calls, as the integration tests' bulk helper
does (tests/integration/messaging/bulk.py); ``plant_her`` itself goes through HTTP and
makes three staff accounts per case, too slow for hundreds of partners.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the seeding helpers live with the tests

from tests.fixtures.canaries import FREE_TEXT  # noqa: E402
from tests.fixtures.settings import make_settings  # noqa: E402
from tests.fixtures.staff import bearer_for, make_staff, on_app_loop  # noqa: E402
from tests.integration.messaging.bulk import (  # noqa: E402
    Seeded,
    open_gate_outreach,
    seed_queued_messages,
)

from partner_contact.app import create_app  # noqa: E402
from partner_contact.assessments.schemas import AssessmentCreate  # noqa: E402
from partner_contact.assessments.service import create_assessment  # noqa: E402
from partner_contact.audit.chain import seal_pending  # noqa: E402
from partner_contact.auth.models import StaffUser  # noqa: E402
from partner_contact.auth.principal import Principal  # noqa: E402
from partner_contact.auth.roles import Role  # noqa: E402
from partner_contact.clock import ManualClock  # noqa: E402
from partner_contact.consent.schemas import ConsentCreate, Decision  # noqa: E402
from partner_contact.consent.service import record_consent  # noqa: E402
from partner_contact.db.engine import create_engine  # noqa: E402
from partner_contact.db.migrate import upgrade_database  # noqa: E402
from partner_contact.messaging.inbound import InboundText, receive_inbound  # noqa: E402
from partner_contact.notes.schemas import NoteCreate, RaiseWhen, Topic  # noqa: E402
from partner_contact.notes.service import create_note, mark_addressed  # noqa: E402
from partner_contact.partners.context import Caller  # noqa: E402
from partner_contact.retention.purge import Purger  # noqa: E402
from partner_contact.risk.schemas import HerViewCreate  # noqa: E402
from partner_contact.risk.service import record_her_view  # noqa: E402
from partner_contact.settings import Settings  # noqa: E402

T = TypeVar("T")
CHUNK = 50  # partners per seeding transaction
# Past every retention but the closed-case one (180 days; no case is closed here).
PURGE_AFTER = timedelta(days=366)


class TimedPurger(Purger):
    """The purger, with the time of each step and of each flush kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flushes: list[float] = []
        self.steps: dict[str, float] = {}

    async def _timed(self, step: str, work: Callable[[], Awaitable[T]]) -> T:
        started = time.perf_counter()
        try:
            return await work()
        finally:
            self.steps[step] = self.steps.get(step, 0.0) + time.perf_counter() - started

    async def flush(self) -> None:
        started = time.perf_counter()
        try:
            await super().flush()
        finally:
            self.flushes.append(time.perf_counter() - started)

    async def _purge_unmatched_senders(self) -> int:
        return await self._timed("unmatched_senders", super()._purge_unmatched_senders)

    async def _purge_webhook_payloads(self) -> int:
        return await self._timed("webhook_payloads", super()._purge_webhook_payloads)

    async def _purge_assessment_texts(self) -> int:
        return await self._timed("assessment_texts", super()._purge_assessment_texts)

    async def _purge_addressed_notes(self) -> int:
        return await self._timed("addressed_notes", super()._purge_addressed_notes)

    async def _erase_closed_cases(self) -> int:
        return await self._timed("closed_cases_erased", super()._erase_closed_cases)

    async def _purge_erased_sandbox_copies(self) -> int:
        return await self._timed("erased_sandbox_copies", super()._purge_erased_sandbox_copies)


def bench_settings(data_dir: Path, database_url: str) -> Settings:
    # A pooled engine, as the web process has (tests use none). Seeding uses it on this
    # loop; its connections are closed before the test client serves the app on a loop
    # of its own (see serving), where pooled asyncpg connections must be opened again.
    return make_settings(
        data_dir,
        database_url,
        database_pool="queue",
        log_level="warning",
        outreach=open_gate_outreach(),
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def p95(values: list[float]) -> float:
    """Nearest rank: the smallest value at or above 95% of them."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


async def prepared_app(settings: Settings) -> Litestar:
    """The app on a migrated database, with the timed purger installed."""
    database = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()
    app = create_app(settings, clock=ManualClock())
    state = app.state
    # The erasure route flushes through app.state.purger: the same purger, timed.
    state.purger = TimedPurger(
        engine=state.outreach_engine,
        database=state.engine,
        session_maker=state.session_maker,
        settings=settings.retention,
    )
    return app


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """Serve the seeded app on the test client's loop, its background tasks running.

    The seeding's access-log entries are sealed first, so the sealer does not work through
    them during the timings, and the pooled connections opened on this loop are closed.
    """
    await seal_pending(app.state.engine, clock=app.state.clock)
    await app.state.engine.dispose()
    async with AsyncTestClient(app) as client:
        app.state.test_portal = client.blocking_portal
        try:
            yield client
        finally:
            del app.state.test_portal


async def team_of(app: Litestar, user_id: uuid.UUID) -> uuid.UUID | None:
    """The team of a staff member (the seeded worker's: her supervisor joins it)."""
    async with app.state.session_maker() as session:
        team: uuid.UUID | None = await session.scalar(
            select(StaffUser.team_id).where(StaffUser.id == user_id)
        )
        return team


async def seed_partners(
    app: Litestar, settings: Settings, count: int, *, addressed: bool = False
) -> Seeded:
    """``count`` partners, each with a sent message, her reply, a consent decision, a note,
    an assessment with free text and her view of her risk; with ``addressed`` her note is
    marked addressed and a stranger's reply comes in as well.

    On this loop, before the app serves: the cases through the bulk helper (its own
    engine), the messages through the app's dispatcher, the rest through the services the
    routes call, ``CHUNK`` partners per transaction.
    """
    state = app.state
    seeded = await seed_queued_messages(settings, count, clock=state.clock)
    sent = 0
    while sent < count:
        report = await state.dispatcher.run_once()
        if report.sent == 0:
            break
        sent += report.sent
    if sent != count:
        raise RuntimeError(f"seeding sent {sent} messages of {count}")

    team_id = await team_of(app, seeded.worker_id)
    principal = Principal(
        kind="user", id=str(seeded.worker_id), role=Role.partner_worker, team_id=team_id
    )
    engine = state.outreach_engine
    clock = state.clock

    async def footprints(first: int) -> None:
        caller = Caller(
            principal=principal,
            cipher=state.auth.cipher(),  # one per unit of work, as per request
            keyring=state.keyring_file.current(),
            clock=clock,
            request_id=f"bench-{first}",
        )
        async with state.session_maker.begin() as session:
            for number in range(first, min(first + CHUNK, count)):
                partner_id = seeded.partner_ids[number]
                outreach_id = seeded.outreach_ids[number]
                outcome = await receive_inbound(
                    engine,
                    session,
                    InboundText(
                        provider="sandbox",
                        provider_message_id=f"SBIN{uuid.uuid4().hex}",
                        channel="sms",
                        sender=f"+4477009{number:05d}",  # as seed_queued_messages numbers them
                        body=FREE_TEXT,
                        received_at=clock(),
                    ),
                )
                if outcome.partner_id != partner_id:
                    raise RuntimeError("a seeded reply did not match her")
                await record_consent(
                    caller,
                    session,
                    partner_id=partner_id,
                    data=ConsentCreate(
                        decision=Decision.permitted_with_conditions,
                        review_after=(clock() + timedelta(days=30)).date(),
                        conditions=FREE_TEXT,
                    ),
                )
                note = await create_note(
                    caller,
                    session,
                    partner_id=partner_id,
                    data=NoteCreate(
                        topic=Topic.safety, text=FREE_TEXT, raise_when=RaiseWhen.next_call
                    ),
                )
                await create_assessment(
                    caller,
                    session,
                    partner_id=partner_id,
                    data=AssessmentCreate(
                        outreach_id=outreach_id, how_she_managed_episodes=FREE_TEXT
                    ),
                )
                await record_her_view(
                    caller,
                    session,
                    partner_id=partner_id,
                    data=HerViewCreate(scale=4, words=FREE_TEXT, outreach_id=outreach_id),
                )
                if not addressed:
                    continue
                await mark_addressed(caller, session, note_id=note.id)
                await receive_inbound(
                    engine,
                    session,
                    InboundText(
                        provider="sandbox",
                        provider_message_id=f"SBIN{uuid.uuid4().hex}",
                        channel="sms",
                        sender=f"+4477008{number:05d}",  # nobody's number
                        body=FREE_TEXT,
                        received_at=clock(),
                    ),
                )

    for first in range(0, count, CHUNK):
        await footprints(first)
    return seeded


async def erasure(label: str, settings: Settings, partners: int, erasures: int) -> None:
    app = await prepared_app(settings)
    started = time.perf_counter()
    seeded = await seed_partners(app, settings, partners)
    seeding = time.perf_counter() - started
    print(f"{label}: seeded {partners} partners with their footprint in {seeding:.1f} s")
    supervisor = await make_staff(
        app, Role.supervisor, team_id=await team_of(app, seeded.worker_id)
    )
    headers = await bearer_for(app, supervisor)
    purger: TimedPurger = app.state.purger
    step = max(partners // max(erasures, 1), 1)
    chosen = seeded.partner_ids[::step][:erasures]  # spread over the table
    timings = []
    async with serving(app) as client:
        for partner_id in chosen:
            started = time.perf_counter()
            response = await client.post(
                f"/api/v1/partners/{partner_id}/erasure",
                json={"reason": "her_request", "confirm": True},
                headers=headers,
            )
            timings.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"erasure answered {response.status_code}: {response.text}")
        flushes = list(purger.flushes)
        started = time.perf_counter()
        await on_app_loop(app, purger.flush)
        alone = time.perf_counter() - started
    if not timings:
        return
    print(
        f"{label}: {len(timings)} erasures over HTTP among {partners} partners: "
        f"median {ms(statistics.median(timings))}, p95 {ms(p95(timings))} per erasure"
    )
    if len(flushes) == len(timings):
        share = sum(flushes) / sum(timings)
        print(
            f"{label}:   of which the post-commit flush: median {ms(statistics.median(flushes))}, "
            f"p95 {ms(p95(flushes))} ({share:.0%} of the erasure time)"
        )
    print(f"{label}: one Purger.flush() alone, after the erasures: {ms(alone)}")


# Kinds whose rows one step of run_once changes; the message texts are one transaction.
STEP_OF_KIND = {
    "message_bodies": "message_texts",
    "sandbox_bodies": "message_texts",
    "replies": "message_texts",
    "unmatched_senders": "unmatched_senders",
    "webhook_payloads": "webhook_payloads",
    "assessment_texts": "assessment_texts",
    "addressed_notes": "addressed_notes",
    "closed_cases_erased": "closed_cases_erased",
    "erased_sandbox_copies": "erased_sandbox_copies",
}


async def purge(label: str, settings: Settings, expired: int) -> None:
    app = await prepared_app(settings)
    started = time.perf_counter()
    await seed_partners(app, settings, expired, addressed=True)
    seeding = time.perf_counter() - started
    print(f"{label}: seeded {expired} partners with expired items in {seeding:.1f} s")
    app.state.clock.advance(days=PURGE_AFTER.days)
    purger: TimedPurger = app.state.purger
    # As `partner-contact purge` runs it: the purger alone, no web process around it.
    started = time.perf_counter()
    try:
        counts = await purger.run_once("cli")
        elapsed = time.perf_counter() - started
    finally:
        await app.state.engine.dispose()
    flush = purger.flushes[-1]
    steps = dict(purger.steps)
    # What run_once spent outside the timed steps: the message texts' transaction, and
    # writing its purge_run row before and after.
    steps["message_texts"] = elapsed - flush - sum(steps.values())
    total = sum(counts.values())
    print(
        f"{label}: one Purger.run_once() after {PURGE_AFTER.days} days: {total:,} rows in "
        f"{elapsed:.2f} s ({total / elapsed:,.0f} rows/s), flush {ms(flush)} of it"
    )
    # Rows per second of the step that changes them; the three message-text kinds share
    # one transaction (one UPDATE each), so their rate is over the three together.
    per_step: dict[str, int] = {}
    for kind, rows in counts.items():
        step = STEP_OF_KIND.get(kind, kind)
        per_step[step] = per_step.get(step, 0) + rows
    for kind, rows in counts.items():
        step = STEP_OF_KIND.get(kind, kind)
        seconds = steps.get(step, float("nan"))
        together = per_step[step]
        rate = f"{together / seconds:>9,.0f} rows/s" if rows and seconds > 0 else f"{'-':>16}"
        shared = f", {together:,} rows together" if together != rows else ""
        print(f"{label}:   {kind:<22} {rows:>7,} rows {rate}  (step {step}: {ms(seconds)}{shared})")


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


async def run(partners: int, erasures: int, expired: int) -> None:
    print(
        f"erasure: {erasures} of {partners} partners; purge: {expired} partners' expired items "
        f"per kind; on {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp, 'erasure.db').as_posix()}"
        await erasure("sqlite", bench_settings(Path(tmp, "data"), url), partners, erasures)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp, 'purge.db').as_posix()}"
        await purge("sqlite", bench_settings(Path(tmp, "data"), url), expired)

    server = os.environ.get("PC_BENCH_POSTGRES_URL")
    if not server:
        print("postgres: skipped (set PC_BENCH_POSTGRES_URL)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        async with postgres_database(server) as url:
            await erasure("postgres", bench_settings(Path(tmp, "data"), url), partners, erasures)
    with tempfile.TemporaryDirectory() as tmp:
        async with postgres_database(server) as url:
            await purge("postgres", bench_settings(Path(tmp, "data"), url), expired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=500, help="partners in the database")
    parser.add_argument("--erasures", type=int, default=20, help="partners erased, one by one")
    parser.add_argument(
        "--expired", type=int, default=500, help="expired items per kind for the purge"
    )
    args = parser.parse_args()
    asyncio.run(run(args.partners, args.erasures, args.expired))


if __name__ == "__main__":
    main()
