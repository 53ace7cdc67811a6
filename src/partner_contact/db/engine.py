"""Engine construction for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
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


def create_engine(url: str, *, pool: str = "queue", **options: Any) -> AsyncEngine:
    """Create the async engine; bound parameters never appear in logs or errors."""
    if pool == "none":
        options["poolclass"] = NullPool
    if is_sqlite(url):
        engine = create_async_engine(url, hide_parameters=True, **options)
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, hide_parameters=True, **options)
