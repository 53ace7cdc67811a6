"""Waking every alert stream when an alert is raised, on every node.

An alert is a row first; the announcement only tells streams to look. On PostgreSQL it
is a ``NOTIFY`` sent in the raising transaction, so it is delivered at commit (and not
at all on rollback) to every node listening. On SQLite (one node) the session's commit
wakes the streams of this process.

Each process has one :class:`AlertHub`: every open stream subscribes to it, and it wakes
them all when an announcement arrives. See docs/alerts.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, Final

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from partner_contact.logs import get_logger

log = get_logger(__name__)

CHANNEL: Final = "partner_contact_alerts"
PENDING_KEY: Final = "partner_contact.alerts_raised"

# Streams look for new alerts this often when wake-ups may be missed (the PostgreSQL
# listener is reconnecting), instead of at every keep-alive only.
DEGRADED_POLL_SECONDS: Final = 3.0
# How often the PostgreSQL listener checks that its connection is still alive.
LISTENER_HEALTH_SECONDS: Final = 15.0
LISTENER_BACKOFF_MAX_SECONDS: Final = 30.0
LISTENER_APPLICATION_NAME: Final = "partner-contact alert listener"
_EXIT_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
# Keyword arguments the SQLAlchemy asyncpg dialect consumes itself; asyncpg refuses them.
_DIALECT_ONLY_ARGS: Final = (
    "async_fallback",
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)

SignalHandler = Callable[[int, FrameType | None], Any]


async def announce(session: AsyncSession) -> None:
    """Tell alert streams to look once this transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    else:
        session.info[PENDING_KEY] = True


class AlertHub:
    """This process's fan-out of "look for new alerts" to every open alert stream.

    ``start`` and ``stop`` run in the application's lifespan. On PostgreSQL a dedicated
    connection ``LISTEN``s on :data:`CHANNEL` (reconnecting with back-off; while it is
    down :attr:`listening` is false and streams poll). On SQLite a commit of a session
    bound to this engine that announced an alert wakes the streams.

    The hub also ends every stream when the process is told to stop (SIGINT/SIGTERM):
    the server waits for open responses before it shuts the application down, and an
    alert stream never ends by itself.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._subscribers: set[asyncio.Event] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._on_commit = self._after_commit  # one object, so event.remove finds it
        self._signal_handlers: dict[int, tuple[SignalHandler, SignalHandler]] = {}
        self.closed = False
        # False while wake-ups may be lost: streams then poll every DEGRADED_POLL_SECONDS.
        self.listening = not self._postgres

    # Subscribers -----------------------------------------------------------------

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        """An event set at each wake-up (and when the hub closes); clear it before looking."""
        wake = asyncio.Event()
        self._subscribers.add(wake)
        try:
            yield wake
        finally:
            self._subscribers.discard(wake)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def wake_all(self) -> None:
        for wake in self._subscribers:
            wake.set()

    def close(self) -> None:
        """End every stream: they see :attr:`closed` at their next wake-up, which is now."""
        self.closed = True
        self.wake_all()

    # Lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._loop is not None:
            raise RuntimeError("the alert hub is already running")
        self._loop = asyncio.get_running_loop()
        self.closed = False
        self._stopping = asyncio.Event()  # bound to the serving loop
        if self._postgres:
            self._task = asyncio.create_task(self._listen_forever(), name="alert-listener")
        else:
            event.listen(Session, "after_commit", self._on_commit)
        self._hook_exit_signals()

    async def stop(self) -> None:
        if self._loop is None:
            return
        self._unhook_exit_signals()
        self.close()
        self._stopping.set()
        if self._postgres:
            task, self._task = self._task, None
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        elif event.contains(Session, "after_commit", self._on_commit):
            event.remove(Session, "after_commit", self._on_commit)
        self._loop = None

    # SQLite: the commit of an announcing session ------------------------------------

    def _after_commit(self, session: Session) -> None:
        if not session.info.get(PENDING_KEY) or session.in_nested_transaction():
            return  # nothing announced, or only a savepoint was released
        if session.bind is not self._engine.sync_engine or self._loop is None:
            return  # another application's session: its own hub wakes its streams
        del session.info[PENDING_KEY]
        self._loop.call_soon_threadsafe(self.wake_all)

    # PostgreSQL: LISTEN on a connection of its own ------------------------------------

    async def _connect(self) -> Any:
        import asyncpg

        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        for name in _DIALECT_ONLY_ARGS:
            kwargs.pop(name, None)
        # Named, so operators can tell it apart in pg_stat_activity.
        settings = {
            "application_name": LISTENER_APPLICATION_NAME,
            **kwargs.get("server_settings", {}),
        }
        kwargs["server_settings"] = settings
        return await asyncpg.connect(*args, timeout=10, **kwargs)

    def _on_notify(self, *_: object) -> None:
        self.wake_all()

    async def _listen_forever(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                connection = await self._connect()
            except Exception as exc:
                log.warning("alerts.listener_connect_failed", error=type(exc).__name__)
            else:
                connected_at = loop.time()
                try:
                    await self._listen(connection)
                except Exception as exc:
                    log.warning("alerts.listener_lost", error=type(exc).__name__)
                finally:
                    self.listening = False
                    self.wake_all()  # streams poll until the listener is back
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), 5)
                    if not connection.is_closed():
                        connection.terminate()
                if loop.time() - connected_at > LISTENER_BACKOFF_MAX_SECONDS:
                    backoff = 1.0  # it held for a while: this is a new outage
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, LISTENER_BACKOFF_MAX_SECONDS)

    async def _listen(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(CHANNEL, self._on_notify)
        self.listening = True
        self.wake_all()  # whatever was raised while nobody listened
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), LISTENER_HEALTH_SECONDS)
            if lost.is_set():
                raise ConnectionError("the listening connection was closed")
            await asyncio.wait_for(connection.fetchval("SELECT 1"), 5)

    # Ending the streams when the process is told to stop ---------------------------

    def _hook_exit_signals(self) -> None:
        """Chain this hub's close before the server's own SIGINT/SIGTERM handler.

        Signal handlers belong to the main thread; elsewhere (a server run in a thread)
        whoever stops the server closes the hub first.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _EXIT_SIGNALS:
            previous = signal.getsignal(signum)
            if not callable(previous):
                continue

            def handler(
                number: int, frame: FrameType | None, previous: SignalHandler = previous
            ) -> Any:
                if self._loop is not None:
                    self._loop.call_soon_threadsafe(self.close)
                return previous(number, frame)

            signal.signal(signum, handler)
            self._signal_handlers[signum] = (previous, handler)

    def _unhook_exit_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, (previous, handler) in self._signal_handlers.items():
            if signal.getsignal(signum) is handler:
                signal.signal(signum, previous)
        self._signal_handlers.clear()
