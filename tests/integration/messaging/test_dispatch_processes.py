"""The outbox's promises: every message goes once, none is lost, none is resent blindly.

Against PostgreSQL, real ``partner-contact dispatch`` processes share the work and one is
killed mid-batch (skipped without ``PC_TEST_POSTGRES_URL``; CI sets it). In-process, on
both backends with a manual clock, a provider double makes a send ambiguous or "kills"
the dispatcher between its claim and its record, at either side of the provider call.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.clock import ManualClock
from partner_contact.db.engine import create_engine
from partner_contact.messaging.dispatcher import Dispatcher, DispatchReport
from partner_contact.messaging.models import OutboxMessage, SandboxMessage
from partner_contact.messaging.providers.base import (
    ALL_CHANNELS,
    LookupOutcome,
    LookupResult,
    OutgoingMessage,
    SendResult,
)
from partner_contact.outreach import protocol
from partner_contact.outreach.models import Outreach
from partner_contact.settings import Settings
from tests.fixtures.databases import backend_param
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import on_app_loop, table_rows
from tests.integration.messaging.bulk import (
    dispatcher_env,
    open_gate_outreach,
    seed_queued_messages,
)
from tests.integration.outreach.flow import make_flow

postgres_only = pytest.mark.parametrize("backend", [backend_param("postgres")])
PROCESS_TIMEOUT = 180.0

# ---- real dispatcher processes (PostgreSQL) -------------------------------------------------


@dataclass
class DispatcherProcess:
    name: str
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, settings: Settings, name: str) -> DispatcherProcess:
        """``partner-contact dispatch --until-idle`` with the test's settings."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "partner_contact",
            "dispatch",
            "--until-idle",
            "--name",
            name,
            env=dispatcher_env(settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(name=name, process=process)

    async def finish(self) -> str:
        """Wait for it to go idle and exit; its log (warnings and worse)."""
        try:
            stdout, stderr = await asyncio.wait_for(self.process.communicate(), PROCESS_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            stdout, stderr = await self.process.communicate()
            pytest.fail(f"{self.name} did not go idle in {PROCESS_TIMEOUT:.0f} s:\n{_tail(stderr)}")
        log = (stdout + stderr).decode(errors="replace")
        assert self.process.returncode == 0, f"{self.name} failed:\n{_tail(stderr)}"
        return log

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)

    async def kill(self) -> str:
        self.signal(signal.SIGKILL)
        stdout, stderr = await self.process.communicate()
        return (stdout + stderr).decode(errors="replace")


def _tail(output: bytes) -> str:
    return output.decode(errors="replace")[-4000:]


Spawn = Callable[[Settings, str], Awaitable[DispatcherProcess]]


@pytest.fixture
async def spawn() -> AsyncIterator[Spawn]:
    """Start dispatcher processes; any still running when the test ends is killed."""
    started: list[DispatcherProcess] = []

    async def start(settings: Settings, name: str) -> DispatcherProcess:
        started.append(await DispatcherProcess.start(settings, name))
        return started[-1]

    yield start
    for dispatcher in started:
        if dispatcher.process.returncode is None:
            await dispatcher.kill()


@pytest.fixture
async def inspector(engine: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """A connection of the test's own to look at the shared database (migrated by ``engine``)."""
    inspector = create_engine(database_url)
    yield inspector
    await inspector.dispose()


def process_settings(tmp_path: Path, database_url: str, **outreach: Any) -> Settings:
    """Settings shared by the test (seeding) and every dispatcher process it starts."""
    return make_settings(tmp_path / "data", database_url, outreach=open_gate_outreach(**outreach))


@dataclass(frozen=True)
class Outcome:
    """What the outbox and the sandbox provider hold after the run."""

    outbox: dict[str, Any]  # idempotency key -> outbox row
    sandbox: dict[str, Any]  # idempotency key -> sandbox row
    sandbox_rows: int

    @classmethod
    async def read(cls, inspector: AsyncEngine) -> Outcome:
        async with inspector.connect() as connection:
            outbox = (await connection.execute(select(OutboxMessage.__table__))).all()
            sandbox = (await connection.execute(select(SandboxMessage.__table__))).all()
            states = (await connection.execute(select(Outreach.state))).scalars().all()
        assert set(states) == {"awaiting_reply"}, collections.Counter(states)
        return cls(
            outbox={row.idempotency_key: row for row in outbox},
            sandbox={row.idempotency_key: row for row in sandbox},
            sandbox_rows=len(sandbox),
        )

    def assert_each_sent_exactly_once(self, count: int) -> None:
        assert len(self.outbox) == count
        statuses = collections.Counter(row.status for row in self.outbox.values())
        assert statuses == {"sent": count}, statuses
        # Exactly one mailbox row per outbox message, and no other.
        assert self.sandbox_rows == count
        assert self.sandbox.keys() == self.outbox.keys()
        for key, row in self.outbox.items():
            assert row.provider == "sandbox"
            assert row.provider_message_id == self.sandbox[key].provider_message_id
            assert row.lease_until is None
        assert len({row.provider_message_id for row in self.outbox.values()}) == count

    def claimed_by(self) -> collections.Counter[str]:
        return collections.Counter(row.claimed_by for row in self.outbox.values())


@postgres_only
async def test_two_dispatcher_processes_send_2000_messages_once_each(
    tmp_path: Path, database_url: str, inspector: AsyncEngine, spawn: Spawn
) -> None:
    settings = process_settings(tmp_path, database_url)
    await seed_queued_messages(settings, 2000)

    first, second = [await spawn(settings, name) for name in ("d1", "d2")]
    logs = await asyncio.gather(first.finish(), second.finish())

    outcome = await Outcome.read(inspector)
    outcome.assert_each_sent_exactly_once(2000)
    # Each message was claimed once: no dispatcher took one another had (or had sent).
    assert {row.attempts for row in outcome.outbox.values()} == {1}
    shares = outcome.claimed_by()
    assert shares.keys() == {"d1", "d2"}, shares
    assert sum(shares.values()) == 2000
    # Nothing was ambiguous, recovered or failed on the way.
    for log in logs:
        assert "dispatch." not in log, log[-4000:]


@postgres_only
async def test_a_dispatcher_killed_mid_batch_loses_nothing_and_resends_nothing(
    tmp_path: Path, database_url: str, inspector: AsyncEngine, spawn: Spawn
) -> None:
    settings = process_settings(tmp_path, database_url, claim_lease_seconds=5)
    await seed_queued_messages(settings, 600)

    doomed = await spawn(settings, "doomed")
    try:
        in_flight = await _kill_after_the_provider_took_one(doomed, inspector, total=600)
    finally:
        await doomed.kill()
    killed_at = datetime.now(UTC)
    # The provider has it, the outbox still says "sending": only a lookup can tell.
    assert in_flight.sandbox_created_at is not None

    # Started at once: it sends the rest, then waits for the dead claim's lease to run
    # out before it asks the provider about that one (the CLI runs on the real clock).
    survivor = await spawn(settings, "survivor")
    log = await survivor.finish()

    outcome = await Outcome.read(inspector)
    outcome.assert_each_sent_exactly_once(600)
    assert {row.attempts for row in outcome.outbox.values()} == {1}
    shares = outcome.claimed_by()
    assert shares.keys() == {"doomed", "survivor"}, shares
    # It was killed after its 100th send at the earliest; the one in flight is the survivor's.
    assert 99 <= shares["doomed"] < 599
    # The message in flight when it died went through the recovery path: its mailbox row
    # is the one from before the kill, and it was recorded only after the lease expired.
    recovered = outcome.outbox[in_flight.key]
    assert recovered.claimed_by == "survivor"
    assert recovered.provider_message_id == in_flight.provider_message_id
    assert outcome.sandbox[in_flight.key].created_at == in_flight.sandbox_created_at
    assert in_flight.sandbox_created_at < killed_at
    assert recovered.sent_at >= in_flight.lease_until
    assert "dispatch.recovering_claim" in log
    assert str(in_flight.message_id) in log


@dataclass(frozen=True)
class InFlight:
    message_id: uuid.UUID
    key: str
    lease_until: datetime
    provider_message_id: str | None
    sandbox_created_at: datetime | None


async def _kill_after_the_provider_took_one(
    doomed: DispatcherProcess, inspector: AsyncEngine, *, total: int
) -> InFlight:
    """Freeze the dispatcher now and then; SIGKILL it once a claimed message is in the
    provider's mailbox but not yet recorded as sent (the window a lookup must cover).

    Between freezes it runs freely; a frozen process changes nothing in the database, so
    what the test reads is what the dispatcher leaves behind when it is killed then.
    """
    try:
        async with inspector.connect() as connection:
            while True:
                if doomed.process.returncode is not None:
                    pytest.fail("the dispatcher finished before it could be killed")
                sent = await connection.scalar(select(func.count()).select_from(SandboxMessage))
                await connection.rollback()
                assert sent is not None
                if sent >= total - 100:
                    pytest.fail("never caught a message between the provider and its record")
                if sent < 100:
                    await asyncio.sleep(0.05)
                    continue
                doomed.signal(signal.SIGSTOP)
                _wait_until_stopped(doomed.process.pid)
                row = (
                    await connection.execute(
                        select(
                            OutboxMessage.id,
                            OutboxMessage.idempotency_key,
                            OutboxMessage.lease_until,
                            SandboxMessage.provider_message_id,
                            SandboxMessage.created_at,
                        )
                        .outerjoin(
                            SandboxMessage,
                            SandboxMessage.idempotency_key == OutboxMessage.idempotency_key,
                        )
                        .where(OutboxMessage.status == "sending")
                    )
                ).one_or_none()
                await connection.rollback()
                if row is not None and row.provider_message_id is not None:
                    doomed.signal(signal.SIGKILL)
                    return InFlight(
                        message_id=row.id,
                        key=row.idempotency_key,
                        lease_until=row.lease_until,
                        provider_message_id=row.provider_message_id,
                        sandbox_created_at=row.created_at,
                    )
                doomed.signal(signal.SIGCONT)
                await asyncio.sleep(random.uniform(0.0, 0.02))
    finally:
        doomed.signal(signal.SIGCONT)


def _wait_until_stopped(pid: int) -> None:
    """SIGSTOP takes effect asynchronously; on Linux, wait until the process is frozen."""
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(1000):
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return  # not Linux, or already gone
        if state in {"T", "t"}:
            return
        time.sleep(0.001)


# ---- ambiguous sends and dead claims, in-process (both backends) ---------------------------


class Crash(BaseException):
    """The dispatcher process dies here (nothing after this point runs)."""


class ProviderDouble:
    """Keeps what reached it, like a provider; a send can be ambiguous or kill the sender.

    ``send``: "accept" normally; "ambiguous" takes the message and then says it cannot
    tell (a timeout after the request went out), by returning so or, with ``raises``, by
    raising; "crash_before" and "crash_after" kill the dispatcher before or after the
    message reached the provider. ``lookup`` answers what it holds ("auto") or as told.
    """

    name = "double"
    channels = ALL_CHANNELS

    def __init__(
        self,
        *,
        send: Literal["accept", "ambiguous", "crash_before", "crash_after"] = "accept",
        lookup: LookupOutcome | Literal["auto"] = "auto",
        raises: bool = False,
        on_send: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.send_mode = send
        self.lookup_mode = lookup
        self.raises = raises
        self.on_send = on_send  # something that happens while the request is out
        self.lookup_error: Exception | None = None  # the provider's API is down
        self.received: dict[str, list[OutgoingMessage]] = collections.defaultdict(list)
        self.lookups: list[str] = []

    @property
    def deliveries(self) -> int:
        return sum(len(messages) for messages in self.received.values())

    def _id(self, key: str) -> str:
        return f"DBL{key[:20]}"

    async def send(self, message: OutgoingMessage) -> SendResult:
        if self.on_send is not None:
            await self.on_send()
        if self.send_mode == "crash_before":
            raise Crash
        self.received[message.idempotency_key].append(message)
        if self.send_mode == "crash_after":
            raise Crash
        if self.send_mode == "ambiguous":
            if self.raises:
                raise TimeoutError("read timed out after the request was written")
            return SendResult(outcome="ambiguous")
        return SendResult(outcome="accepted", provider_message_id=self._id(message.idempotency_key))

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        idempotency_key = message.idempotency_key
        self.lookups.append(idempotency_key)
        if self.lookup_error is not None:
            raise self.lookup_error
        outcome = self.lookup_mode
        if outcome == "auto":
            outcome = "found" if self.received[idempotency_key] else "not_found"
        if outcome == "found":
            return LookupResult(outcome="found", provider_message_id=self._id(idempotency_key))
        return LookupResult(outcome=outcome)

    async def aclose(self) -> None:
        return None


def use_provider(app: Litestar, provider: ProviderDouble, name: str) -> Dispatcher:
    dispatcher = Dispatcher(
        engine=app.state.outreach_engine,
        session_maker=app.state.session_maker,
        provider=provider,
        name=name,
    )
    app.state.dispatcher = dispatcher
    return dispatcher


async def outbox_rows(app: Litestar) -> list[dict[str, Any]]:
    columns = "status, claimed_by, attempts, provider, provider_message_id, error_code"
    rows = await table_rows(app, "outbox_message", columns)
    return [dict(zip([c.strip() for c in columns.split(",")], row, strict=True)) for row in rows]


async def dispatch_until_crash(app: Litestar) -> DispatchReport | None:
    async def work() -> DispatchReport | None:
        try:
            report: DispatchReport = await app.state.dispatcher.run_once()
        except Crash:
            return None
        return report

    return await on_app_loop(app, work)


@pytest.mark.parametrize("raises", [False, True], ids=["returns", "raises"])
async def test_an_ambiguous_send_the_provider_knows_is_recorded_as_sent_once(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, raises: bool
) -> None:
    provider = ProviderDouble(send="ambiguous", lookup="found", raises=raises)
    use_provider(app, provider, "d1")
    flow = await make_flow(app, client)
    outreach = await flow.start()

    report = await flow.dispatch()
    assert (report.sent, report.unknown, report.failed) == (1, 0, 0)
    assert provider.deliveries == 1
    ((key, _),) = provider.received.items()
    assert provider.lookups == [key]  # asked, not resent
    (row,) = await outbox_rows(app)
    assert row["status"] == "sent"
    assert row["provider_message_id"] == provider._id(key)
    assert row["attempts"] == 1
    assert await flow.state(outreach["id"]) == "awaiting_reply"

    # Later passes (past the claim's lease too) leave it alone.
    await flow.advance(minutes=5)
    await flow.dispatch()
    await flow.dispatch()
    assert provider.deliveries == 1
    assert len(provider.lookups) == 1


async def test_an_ambiguous_send_nobody_can_settle_goes_to_a_worker_and_is_never_resent(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    provider = ProviderDouble(send="ambiguous", lookup="unknown")
    use_provider(app, provider, "d1")
    flow = await make_flow(app, client)
    outreach = await flow.start()

    report = await flow.dispatch()
    assert (report.sent, report.unknown) == (0, 1)
    assert provider.deliveries == 1
    assert len(provider.lookups) == 1
    (row,) = await outbox_rows(app)
    assert row["status"] == "unknown"
    assert row["provider_message_id"] is None
    assert await flow.state(outreach["id"]) == "needs_worker"
    alerts = [(a["kind"], a["priority"], a["outreach_id"]) for a in await flow.alerts()]
    assert alerts == [("needs_worker", "high", outreach["id"])]

    # However long it waits, and whichever dispatcher looks, nothing goes again.
    await flow.advance(minutes=5)
    await flow.dispatch()
    use_provider(app, provider, "d2")
    await flow.advance(hours=1)
    await flow.dispatch()
    assert provider.deliveries == 1
    assert len(provider.lookups) == 1
    (row,) = await outbox_rows(app)
    assert (row["status"], row["attempts"]) == ("unknown", 1)
    assert len(await flow.alerts()) == 1


@pytest.mark.parametrize("dies", ["crash_after", "crash_before"])
async def test_a_claim_left_by_a_dead_dispatcher_is_looked_up_not_resent(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, dies: str
) -> None:
    provider = ProviderDouble(send=dies)  # type: ignore[arg-type]
    use_provider(app, provider, "doomed")
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert await dispatch_until_crash(app) is None
    (row,) = await outbox_rows(app)
    assert (row["status"], row["claimed_by"]) == ("sending", "doomed")

    # The provider still works; another dispatcher takes over.
    provider.send_mode = "accept"
    use_provider(app, provider, "survivor")
    lease = app.state.settings.outreach.claim_lease_seconds
    await flow.advance(seconds=lease - 1)
    report = await flow.dispatch()
    assert report == DispatchReport()  # a live lease is left alone
    assert provider.lookups == []

    await flow.advance(seconds=2)
    report = await flow.dispatch()
    assert len(provider.lookups) == 1
    (row,) = await outbox_rows(app)
    assert row["claimed_by"] == "survivor"
    if dies == "crash_after":
        # Found: recorded as sent with the provider's id; never sent a second time.
        assert report.sent == 1
        assert row["status"] == "sent"
        assert row["provider_message_id"] is not None
    else:
        # Certainly not received: queued again after a pause, then sent once.
        assert report.sent == 0
        assert (row["status"], row["error_code"]) == ("queued", "not_received")
        await flow.advance(seconds=59)
        assert (await flow.dispatch()).sent == 0
        await flow.advance(seconds=1)
        assert (await flow.dispatch()).sent == 1
        (row,) = await outbox_rows(app)
        assert (row["status"], row["attempts"]) == ("sent", 2)
    assert provider.deliveries == 1
    assert await flow.state(outreach["id"]) == "awaiting_reply"


# ---- sends whose fate stays unknown are never left unattended -----------------------


async def test_a_recovery_the_provider_cannot_answer_yet_is_never_left_unattended(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    provider = ProviderDouble(send="crash_after")
    use_provider(app, provider, "doomed")
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert await dispatch_until_crash(app) is None

    provider.send_mode = "accept"
    provider.lookup_error = ConnectionError("the provider's API is unreachable")
    use_provider(app, provider, "survivor")
    await flow.advance(seconds=61)
    await flow.dispatch()  # the pass survives a provider that cannot be asked

    provider.lookup_error = None
    await flow.advance(seconds=61)
    await flow.dispatch()
    assert provider.deliveries == 1
    (row,) = await outbox_rows(app)
    alerts = [alert["kind"] for alert in await flow.alerts()]
    # Either asked again once the provider answers, or handed to her worker: never forgotten.
    assert row["status"] == "sent" or (row["status"] == "unknown" and "needs_worker" in alerts)
    assert await flow.state(outreach["id"]) in {"awaiting_reply", "needs_worker"}


async def test_an_unsettled_send_of_a_cancelled_outreach_still_alerts_her_worker(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)

    async def worker_cancels() -> None:
        async with app.state.session_maker.begin() as session:
            outreach = await session.scalar(select(Outreach).with_for_update())
            await protocol.cancel(
                app.state.outreach_engine, session, outreach, actor_id=flow.case.worker.user.id
            )

    provider = ProviderDouble(send="ambiguous", lookup="unknown", on_send=worker_cancels)
    use_provider(app, provider, "d1")
    outreach = await flow.start()
    report = await flow.dispatch()
    assert report.unknown == 1
    (row,) = await outbox_rows(app)
    assert row["status"] == "unknown"
    assert await flow.state(outreach["id"]) == "cancelled"
    # The message may have reached her: her worker must know, whatever the outreach's state.
    assert [alert["kind"] for alert in await flow.alerts()] == ["needs_worker"]
