"""The live alert stream, served by a real uvicorn server and read as a browser would.

The in-process test client cannot read an endless response, so each test serves the app
with uvicorn in a thread. Fixture helpers (``make_staff``, ``bearer_for``, ...) then run
their work on the server's event loop through a stand-in for the test client's portal.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import anyio
import httpx
import msgspec
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from partner_contact.app import create_app
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock, utc_now
from partner_contact.partners import alert_stream, presence
from partner_contact.partners.alert_bus import LISTENER_APPLICATION_NAME
from partner_contact.partners.alert_stream import decode_cursor, routed_alerts
from partner_contact.settings import Settings
from tests.fixtures.databases import backend_param
from tests.fixtures.staff import (
    StaffMember,
    auth_ctx,
    bearer_for,
    make_staff,
    make_team,
    on_app_loop,
)
from tests.integration.outreach.flow import make_flow
from tests.integration.partners.cases import Case, create_partner, make_participant

STREAM = "/api/v1/alerts/stream"
SSE = {"Accept": "text/event-stream"}
T = TypeVar("T")


class _ServerPortal:
    """Runs ``on_app_loop`` work on the uvicorn server's loop (as the client's portal would)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def call(self, work: Callable[[], Awaitable[T]]) -> T:
        async def run() -> T:
            return await work()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=30)


@dataclass
class Served:
    app: Litestar
    base_url: str
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(10, read=30))


@contextlib.asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[Served]:
    """Serve ``app`` with uvicorn on a free port; on exit end its streams and stop it."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server took too long to start"
        await asyncio.sleep(0.02)
    listening = server.servers[0]
    port = listening.sockets[0].getsockname()[1]
    loop = listening.get_loop()
    app.state.test_portal = _ServerPortal(loop)
    try:
        yield Served(app=app, base_url=f"http://127.0.0.1:{port}", loop=loop, thread=thread)
    finally:
        del app.state.test_portal
        # What SIGTERM does in production: open streams end, then the server can stop.
        loop.call_soon_threadsafe(app.state.alert_hub.close)
        server.should_exit = True
        await anyio.to_thread.run_sync(thread.join, 15)
        assert not thread.is_alive(), "the server did not stop"


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    @property
    def alert(self) -> dict[str, Any]:
        assert self.event == "alert", self
        decoded: dict[str, Any] = msgspec.json.decode(self.data)
        return decoded


class Listener:
    """An open alert stream, read in the background; its events wait in a queue."""

    def __init__(
        self, http: httpx.AsyncClient, headers: dict[str, str], last_event_id: str | None = None
    ) -> None:
        self.http = http
        self.headers = {**headers, **SSE}
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = last_event_id
        self.events: asyncio.Queue[Event | None] = asyncio.Queue()
        self.opened = asyncio.Event()
        self.ended = asyncio.Event()
        self.status: int | None = None
        self.error: httpx.HTTPError | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Listener:
        self._task = asyncio.create_task(self._read())
        async with asyncio.timeout(5):
            await self.opened.wait()
        assert self.status == 200
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Hang up, as a closed browser tab does."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _read(self) -> None:
        try:
            async with self.http.stream("GET", STREAM, headers=self.headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    self.opened.set()
                    return
                current = Event()
                async for line in response.aiter_lines():
                    if line == "":
                        if current.comments == ["open"]:
                            assert current.retry
                            self.opened.set()
                        await self.events.put(current)
                        current = Event()
                    elif line.startswith(":"):
                        current.comments.append(line[1:].strip())
                    else:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "data":
                            current.data = f"{current.data}\n{value}" if current.data else value
                        elif name == "retry":
                            current.retry = int(value)
                        else:
                            setattr(current, name, value)
        except httpx.HTTPError as exc:
            self.error = exc
        finally:
            self.ended.set()
            await self.events.put(None)

    async def next_alert(self, within: float = 3.0) -> Event:
        async with asyncio.timeout(within):
            while True:
                received = await self.events.get()
                assert received is not None, "the stream ended"
                if received.event is not None:
                    return received

    async def no_alert(self, within: float = 1.0) -> None:
        with contextlib.suppress(TimeoutError):
            received = await self.next_alert(within)
            raise AssertionError(f"unexpected alert {received.alert}")


@dataclass
class TeamCase:
    """A case assigned to ``worker`` and to her team (a teammate and a supervisor)."""

    case: Case
    teammate: StaffMember
    partner_id: str
    team_id: uuid.UUID
    teammate_headers: dict[str, str]

    @property
    def worker_headers(self) -> dict[str, str]:
        return self.case.worker_headers

    @property
    def supervisor_headers(self) -> dict[str, str]:
        return self.case.supervisor_headers


async def make_team_case(app: Litestar, http: httpx.AsyncClient | AsyncTestClient[Any]) -> TeamCase:
    team = await make_team(app)
    worker = await make_staff(app, Role.partner_worker, team_id=team)
    teammate = await make_staff(app, Role.partner_worker, team_id=team)
    supervisor = await make_staff(app, Role.supervisor, team_id=team)
    facilitator = await make_staff(app, Role.facilitator)
    participant_id = await make_participant(
        app,
        facilitator_id=facilitator.user.id,
        partner_worker_id=worker.user.id,
        partner_team_id=team,
    )
    case = Case(
        participant_id=participant_id,
        worker=worker,
        facilitator=facilitator,
        supervisor=supervisor,
        worker_headers=await bearer_for(app, worker),
        facilitator_headers=await bearer_for(app, facilitator),
        supervisor_headers=await bearer_for(app, supervisor),
    )
    partner = await create_partner(http, case)  # type: ignore[arg-type]
    return TeamCase(
        case=case,
        teammate=teammate,
        partner_id=partner["id"],
        team_id=team,
        teammate_headers=await bearer_for(app, teammate),
    )


async def threat(http: httpx.AsyncClient | AsyncTestClient[Any], team_case: TeamCase) -> None:
    """His facilitator records a threat to kill: one urgent alert for her partner."""
    response = await http.post(
        f"/api/v1/participants/{team_case.case.participant_id}/events",
        json={"kind": "threat_disclosed", "threat_to_kill": True},
        headers=team_case.case.facilitator_headers,
    )
    assert response.status_code == 201, response.text


async def test_her_yes_reaches_her_worker_at_once(app: Litestar, clock: ManualClock) -> None:
    async with serve(app) as served, served.client() as http:
        flow = await make_flow(app, http)  # type: ignore[arg-type]
        outreach = await flow.start()
        assert (await flow.dispatch()).sent == 1
        async with Listener(http, flow.headers) as worker:
            await flow.advance(minutes=3)
            replied = time.monotonic()
            assert (await flow.reply("Yes"))["kind"] == "yes"
            alert = (await worker.next_alert(within=2)).alert
            assert time.monotonic() - replied < 2
            assert alert["kind"] == "reply_yes"
            assert alert["priority"] == "urgent"
            assert alert["outreach_id"] == outreach["id"]
            assert alert["partner_id"] == flow.partner["id"]
            assert alert["seconds_since"] == 0
            (listed,) = await flow.alerts()
            assert {k: v for k, v in alert.items() if k != "seconds_since"} == listed
            await worker.no_alert(within=0.5)


async def test_a_worker_reconnecting_gets_only_what_she_missed(
    app: Litestar, clock: ManualClock
) -> None:
    async with serve(app) as served, served.client() as http:
        team_case = await make_team_case(app, http)
        async with Listener(http, team_case.worker_headers) as worker:
            await threat(http, team_case)
            first = await worker.next_alert()
        assert first.id is not None
        assert decode_cursor(first.id) is not None

        clock.advance(minutes=1)
        await threat(http, team_case)  # while she is offline
        clock.advance(minutes=2)
        async with Listener(http, team_case.worker_headers, last_event_id=first.id) as again:
            missed = await again.next_alert()
            assert missed.alert["id"] != first.alert["id"]
            assert missed.alert["kind"] == "threat_to_kill"
            assert missed.alert["seconds_since"] == 120
            assert missed.id != first.id
            await again.no_alert(within=0.5)

        # Without (or with a foreign) Last-Event-ID: every unacknowledged alert, oldest first.
        for last_event_id in (None, "not-a-cursor"):
            async with Listener(http, team_case.worker_headers, last_event_id) as fresh:
                assert (await fresh.next_alert()).alert["id"] == first.alert["id"]
                assert (await fresh.next_alert()).alert["id"] == missed.alert["id"]
                await fresh.no_alert(within=0.3)

        acknowledged = await http.post(
            f"/api/v1/alerts/{first.alert['id']}/acknowledge", headers=team_case.worker_headers
        )
        assert acknowledged.status_code == 200
        async with Listener(http, team_case.worker_headers) as fresh:
            assert (await fresh.next_alert()).alert["id"] == missed.alert["id"]
            await fresh.no_alert(within=0.3)


async def test_her_team_gets_the_alert_while_her_worker_is_offline(
    app: Litestar, clock: ManualClock
) -> None:
    async with serve(app) as served, served.client() as http:
        team_case = await make_team_case(app, http)
        async with (
            Listener(http, team_case.teammate_headers) as teammate,
            Listener(http, team_case.supervisor_headers) as supervisor,
        ):
            await threat(http, team_case)
            for listener in (teammate, supervisor):
                assert (await listener.next_alert()).alert["kind"] == "threat_to_kill"


async def test_while_her_worker_is_online_the_team_waits_until_she_leaves(
    app: Litestar, clock: ManualClock
) -> None:
    async with serve(app) as served, served.client() as http:
        team_case = await make_team_case(app, http)
        async with Listener(http, team_case.teammate_headers) as teammate:
            worker = await Listener(http, team_case.worker_headers).__aenter__()
            await threat(http, team_case)
            alert = (await worker.next_alert()).alert
            await teammate.no_alert(within=1.0)
            # She goes offline with it unacknowledged: her team gets it now.
            await worker.close()
            covered = (await teammate.next_alert(within=3)).alert
            assert covered["id"] == alert["id"]


async def test_a_stream_ends_when_her_sign_in_is_revoked(
    app: Litestar, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_stream, "KEEPALIVE_SECONDS", 0.2)
    async with serve(app) as served, served.client() as http:
        headers = await bearer_for(app, await make_staff(app, Role.partner_worker))
        async with Listener(http, headers) as worker:
            async with asyncio.timeout(2):
                while (await worker.events.get()) != Event(comments=["keep-alive"]):
                    pass
            signed_out = await http.delete("/api/v1/auth/session", headers=headers)
            assert signed_out.status_code < 300, signed_out.text
            async with asyncio.timeout(2):
                await worker.ended.wait()
            assert worker.error is None
        refused = await http.get(STREAM, headers={**headers, **SSE})
        assert refused.status_code == 401


async def test_a_worker_whose_node_died_is_offline_after_45_seconds(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    team_case = await make_team_case(app, client)
    await threat(client, team_case)
    worker_id = team_case.case.worker.user.id
    presence_id = await on_app_loop(
        app, lambda: presence.join(auth_ctx(app).session_maker, worker_id, utc_now())
    )
    teammate = Principal(
        kind="user",
        id=str(team_case.teammate.user.id),
        role=Role.partner_worker,
        team_id=team_case.team_id,
    )

    async def routed(seconds_since_seen: float) -> int:
        """How many alerts her teammate gets if her worker's stream was last seen then."""

        async def work() -> int:
            now = utc_now()
            async with auth_ctx(app).session_maker.begin() as session:
                await session.execute(
                    update(presence.StaffPresence)
                    .where(presence.StaffPresence.id == presence_id)
                    .values(last_seen=now - timedelta(seconds=seconds_since_seen))
                )
                statement = routed_alerts(teammate, after=None, now=now)
                return len((await session.scalars(statement)).all())

        return await on_app_loop(app, work)

    assert await routed(10) == 0
    assert await routed(44) == 0
    assert await routed(46) == 1
    await on_app_loop(app, lambda: presence.leave(auth_ctx(app).session_maker, presence_id))


async def test_only_partner_workers_and_supervisors_open_the_stream(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    assert (await client.get(STREAM, headers=SSE)).status_code == 401
    for role in (Role.facilitator, Role.admin, Role.auditor):
        headers = await bearer_for(app, await make_staff(app, role))
        assert (await client.get(STREAM, headers={**headers, **SSE})).status_code == 403
    worker = await bearer_for(app, await make_staff(app, Role.partner_worker))
    # A client that does not ask for an event stream (not EventSource) is told so at once.
    refused = await client.get(STREAM, headers={**worker, "Accept": "application/json"})
    assert refused.status_code == 406
    assert refused.json()["code"] == "not_acceptable"


async def test_shutting_down_ends_open_streams_and_unhooks_the_hub(
    app: Litestar, clock: ManualClock
) -> None:
    hub = app.state.alert_hub
    async with serve(app) as served:
        http = served.client()
        worker = await bearer_for(app, await make_staff(app, Role.partner_worker))
        listener = await Listener(http, worker).__aenter__()
        assert hub.subscriber_count == 1
        if app.state.engine.dialect.name == "sqlite":
            assert event.contains(Session, "after_commit", hub._on_commit)
    # serve() closed the hub and stopped the server: the stream ended cleanly.
    async with asyncio.timeout(2):
        await listener.ended.wait()
    assert listener.error is None
    await http.aclose()
    assert hub.subscriber_count == 0
    assert not event.contains(Session, "after_commit", hub._on_commit)


async def _until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait for a flag another thread sets (the hub lives on the server's loop)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("waited in vain")


@pytest.mark.parametrize("backend", [backend_param("postgres")], indirect=True)
async def test_an_alert_raised_on_another_node_reaches_a_stream_here(
    app: Litestar, settings: Settings, clock: ManualClock
) -> None:
    hub = app.state.alert_hub
    other_node = create_app(settings, clock=clock)
    async with serve(app) as served, served.client() as http:
        team_case = await make_team_case(app, http)
        await _until(lambda: hub.listening)
        async with (
            Listener(http, team_case.worker_headers) as worker,
            AsyncTestClient(other_node) as elsewhere,
        ):
            await threat(elsewhere, team_case)
            # Sooner than streams poll: the NOTIFY woke this node.
            alert = (await worker.next_alert(within=1.5)).alert
            assert alert["kind"] == "threat_to_kill"
            assert alert["partner_id"] == team_case.partner_id


@pytest.mark.parametrize("backend", [backend_param("postgres")], indirect=True)
async def test_nothing_is_lost_while_the_listener_reconnects(
    app: Litestar, clock: ManualClock
) -> None:
    hub = app.state.alert_hub
    async with serve(app) as served, served.client() as http:
        team_case = await make_team_case(app, http)
        await _until(lambda: hub.listening)
        async with Listener(http, team_case.worker_headers) as worker:

            async def cut_the_listener() -> int:
                async with auth_ctx(app).session_maker() as session:
                    result = await session.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE application_name = :name"
                        ),
                        {"name": LISTENER_APPLICATION_NAME},
                    )
                    return len(result.all())

            assert await on_app_loop(app, cut_the_listener) == 1
            await _until(lambda: not hub.listening)
            await threat(http, team_case)  # raised while nobody listens
            assert (await worker.next_alert(within=4)).alert["kind"] == "threat_to_kill"
            await _until(lambda: hub.listening)
            await threat(http, team_case)
            assert (await worker.next_alert(within=1.5)).alert["kind"] == "threat_to_kill"
