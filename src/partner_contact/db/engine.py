"""Engine construction for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

SQLITE_BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA synchronous=FULL",
        # Deleted pages are zeroed, so removed rows do not linger in the file.
        "PRAGMA secure_delete=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # Most requests write (at least an access-log entry); taking the write lock up front
    # avoids the "database is locked" upgrade failure of a deferred transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_private_file(url: str) -> None:
    """Create the database file owner-only; SQLite gives -wal and -shm the same mode."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
    path.chmod(0o600)


def create_engine(url: str, *, pool: str = "queue", **options: Any) -> AsyncEngine:
    """Create the async engine; bound parameters never appear in logs or errors."""
    if pool == "none":
        options["poolclass"] = NullPool
    if is_sqlite(url):
        _create_private_file(url)
        engine = create_async_engine(url, hide_parameters=True, **options)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, hide_parameters=True, **options)
