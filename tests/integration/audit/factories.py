"""Entries recorded through the service, and the SQL an attacker would run on them."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Executable, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from partner_contact.audit.chain import Checkpoint, seal_pending, write_checkpoint
from partner_contact.audit.models import AccessLogEntry
from partner_contact.audit.service import Actor, record_access
from partner_contact.clock import ManualClock


def a_worker(worker_id: str | None = None) -> Actor:
    return Actor(kind="user", id=worker_id or str(uuid.uuid4()), role="worker")


async def record(session: AsyncSession, clock: ManualClock, **overrides: Any) -> AccessLogEntry:
    """Record a read of a partner's record a second after the previous entry."""
    clock.advance(seconds=1)
    fields: dict[str, Any] = {
        "actor": a_worker(),
        "action": "partner.read",
        "outcome": "allowed",
        "object_type": "partner",
        "object_id": str(uuid.uuid4()),
        "purpose": "call",
        "request_id": uuid.uuid4().hex,
        "clock": clock,
    }
    return await record_access(session, **(fields | overrides))


async def record_committed(
    engine: AsyncEngine, clock: ManualClock, count: int = 1, **overrides: Any
) -> list[AccessLogEntry]:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        return [await record(session, clock, **overrides) for _ in range(count)]


async def sealed_chain(
    engine: AsyncEngine, clock: ManualClock, length: int
) -> list[AccessLogEntry]:
    """Record and seal ``length`` entries; return the whole chain in seq order."""
    await record_committed(engine, clock, length)
    assert await seal_pending(engine, clock=clock) == length
    return await read_chain(engine)


async def read_chain(engine: AsyncEngine) -> list[AccessLogEntry]:
    """The sealed entries in seq order."""
    async with AsyncSession(engine) as session:
        chain = await session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.seq.is_not(None)).order_by("seq")
        )
        return list(chain)


async def export_checkpoint(
    engine: AsyncEngine, key: Ed25519PrivateKey, path: Path, clock: ManualClock
) -> Checkpoint:
    clock.advance(seconds=1)
    return await write_checkpoint(engine, key, path, clock=clock)


async def tamper(engine: AsyncEngine, *statements: Executable) -> None:
    """Run SQL behind the service's back, as someone with write access to the database."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(statement)


def set_columns(at_seq: int, **values: Any) -> Executable:
    return update(AccessLogEntry).where(AccessLogEntry.seq == at_seq).values(**values)


def edit_exported_checkpoint(path: Path, **changes: Any) -> None:
    """Change fields of the single checkpoint line in ``path``, keeping its signature."""
    line = json.loads(path.read_text())
    path.write_text(json.dumps(line | changes) + "\n")


def is_owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600
