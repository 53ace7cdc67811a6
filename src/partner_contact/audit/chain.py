"""The hash chain over access-log entries: sealing, signed checkpoints, verification.

Entries commit unsealed, with the action they record, so audited requests never queue
behind one lock. A sealer then links committed entries in (occurred_at, id) order, a
batch per short transaction under a lock only sealers take: each gets the next ``seq``,
the previous entry's hash and a SHA-256 over a canonical encoding of all its fields.
Checkpoints sign the head and go to a file outside the database too, so rewriting or
cutting the chain is detectable by whoever holds that file and the public key.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from partner_contact.audit.models import AccessLogEntry, AuditCheckpoint
from partner_contact.audit.service import format_instant
from partner_contact.clock import Clock, utc_now
from partner_contact.logs import get_logger

GENESIS_HASH: Final = bytes(32)
ENTRY_FORMAT: Final = "pc-audit-entry-v1"
CHECKPOINT_FORMAT: Final = "pc-audit-checkpoint-v1"
SEAL_BATCH_SIZE: Final = 500
VERIFY_BATCH_SIZE: Final = 1000
# Any fixed 64-bit number, distinct from the migration lock: only sealers take it.
_PG_SEAL_LOCK: Final = 0x70635F61756474

log = get_logger(__name__)


class ChainError(Exception):
    """The chain cannot be sealed or checkpointed as it stands."""


class CheckpointFileError(ValueError):
    """A checkpoint export file holds a line that is not a checkpoint."""


def canonical_entry(entry: AccessLogEntry) -> bytes:
    """The bytes an entry's hash covers: a JSON array of every column but the hash.

    Fixed positions and JSON string escaping make it unambiguous; docs/audit.md gives
    the layout so an auditor can recompute it without this code.
    """
    if entry.seq is None or entry.prev_hash is None or entry.sealed_at is None:
        raise ChainError("entry is not sealed")
    return msgspec.json.encode(
        [
            ENTRY_FORMAT,
            entry.seq,
            entry.prev_hash.hex(),
            str(entry.id),
            format_instant(entry.occurred_at),
            format_instant(entry.sealed_at),
            entry.actor_kind,
            entry.actor_id,
            entry.role,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.purpose,
            entry.outcome,
            entry.request_id,
        ]
    )


def hash_entry(entry: AccessLogEntry) -> bytes:
    return hashlib.sha256(canonical_entry(entry)).digest()


async def _read_head(session: AsyncSession) -> tuple[int, bytes]:
    """(seq, entry_hash) of the last sealed entry, or (0, GENESIS_HASH) for none."""
    head = (
        await session.execute(
            select(AccessLogEntry.seq, AccessLogEntry.entry_hash)
            .where(AccessLogEntry.seq.is_not(None))
            .order_by(AccessLogEntry.seq.desc())
            .limit(1)
        )
    ).first()
    if head is None:
        return 0, GENESIS_HASH
    seq, entry_hash = head
    if seq is None or entry_hash is None:
        raise ChainError("the head entry has no hash")
    return seq, entry_hash


async def _seal_batch(engine: AsyncEngine, clock: Clock, batch_size: int) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        # SQLite: the transaction began with BEGIN IMMEDIATE, which already excludes
        # every other writer. PostgreSQL: writers insert freely, sealers take turns.
        if engine.dialect.name == "postgresql":
            await session.execute(select(func.pg_advisory_xact_lock(_PG_SEAL_LOCK)))
        seq, prev_hash = await _read_head(session)
        pending = (
            await session.scalars(
                select(AccessLogEntry)
                .where(AccessLogEntry.seq.is_(None))
                .order_by(AccessLogEntry.occurred_at, AccessLogEntry.id)
                .limit(batch_size)
            )
        ).all()
        sealed_at = clock()
        for entry in pending:
            seq += 1
            entry.seq, entry.prev_hash, entry.sealed_at = seq, prev_hash, sealed_at
            entry.entry_hash = prev_hash = hash_entry(entry)
        return len(pending)


async def seal_pending(
    engine: AsyncEngine, *, clock: Clock = utc_now, batch_size: int = SEAL_BATCH_SIZE
) -> int:
    """Link every committed unsealed entry into the chain; return how many were sealed.

    Each batch is its own transaction: on SQLite a sealing transaction holds the only
    write lock, so a long one would stall requests past ``busy_timeout``.
    """
    sealed = 0
    while True:
        count = await _seal_batch(engine, clock, batch_size)
        sealed += count
        if count < batch_size:
            return sealed


_Hex = Annotated[str, msgspec.Meta(pattern="^([0-9a-f]{2})*$")]


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A signed statement that the chain had ``seq`` entries ending in ``head_hash``.

    Fields hold exactly the text that is signed (see :meth:`signed_bytes`), so one
    exported JSON line is all an auditor needs besides the public key.
    """

    seq: Annotated[int, msgspec.Meta(ge=0)]
    head_hash: _Hex
    created_at: str
    signature: _Hex

    def signed_bytes(self) -> bytes:
        return checkpoint_bytes(self.seq, self.head_hash, self.created_at)

    def has_valid_signature(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(bytes.fromhex(self.signature), self.signed_bytes())
        except InvalidSignature:
            return False
        return True


def checkpoint_bytes(seq: int, head_hash: str, created_at: str) -> bytes:
    return msgspec.json.encode([CHECKPOINT_FORMAT, seq, head_hash, created_at])


def _append_line(path: Path, line: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        written = 0
        while written < len(line):
            written += os.write(descriptor, line[written:])
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def write_checkpoint(
    engine: AsyncEngine,
    signing_key: Ed25519PrivateKey,
    export_path: Path,
    *,
    clock: Clock = utc_now,
) -> Checkpoint:
    """Sign the current head, store it, and append it to ``export_path`` (made 0600).

    The line is written and synced before the row commits: a checkpoint in the table
    is always in the file, and one in the file alone is still a true statement.
    """
    async with AsyncSession(engine) as session, session.begin():
        seq, head_hash = await _read_head(session)
        created_at = clock()
        unsigned = checkpoint_bytes(seq, head_hash.hex(), format_instant(created_at))
        signature = signing_key.sign(unsigned)
        checkpoint = Checkpoint(
            seq=seq,
            head_hash=head_hash.hex(),
            created_at=format_instant(created_at),
            signature=signature.hex(),
        )
        session.add(
            AuditCheckpoint(
                id=uuid.uuid4(),
                seq=seq,
                head_hash=head_hash,
                created_at=created_at,
                signature=signature,
            )
        )
        await session.flush()
        line = msgspec.json.encode(checkpoint) + b"\n"
        await asyncio.to_thread(_append_line, export_path, line)
    return checkpoint


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The checkpoints of an export file; the error names the first malformed line."""
    checkpoints = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                checkpoints.append(msgspec.json.decode(line, type=Checkpoint))
            except msgspec.DecodeError:
                raise CheckpointFileError(f"{path.name}, line {number}: not a checkpoint") from None
    return checkpoints


async def _stored_checkpoints(engine: AsyncEngine) -> list[Checkpoint]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
        return [
            Checkpoint(
                seq=row.seq,
                head_hash=row.head_hash.hex(),
                created_at=format_instant(row.created_at),
                signature=row.signature.hex(),
            )
            for row in rows
        ]


ProblemKind = Literal[
    "edited", "deleted_or_reordered", "truncated", "checkpoint_forged", "checkpoint_mismatch"
]


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """The first thing found wrong; ``detail`` names fields and numbers, never values."""

    kind: ProblemKind
    detail: str
    seq: int
    entry_id: uuid.UUID | None = None


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """``entries`` is how many sealed entries verified before the first problem, if any."""

    entries: int
    unsealed: int
    checkpoints: int
    signatures_checked: bool
    problem: Problem | None = None

    @property
    def is_intact(self) -> bool:
        return self.problem is None


async def _sealed_batches(engine: AsyncEngine) -> AsyncIterator[Sequence[AccessLogEntry]]:
    # Short transactions, each a batch: memory stays bounded and, on SQLite, writers
    # get the lock between batches. Starting below any seq walks (and so reports) rows
    # renumbered to zero or less as well.
    last_seq = -(2**63)
    while True:
        async with AsyncSession(engine) as session:
            batch = (
                await session.scalars(
                    select(AccessLogEntry)
                    .where(AccessLogEntry.seq > last_seq)
                    .order_by(AccessLogEntry.seq)
                    .limit(VERIFY_BATCH_SIZE)
                )
            ).all()
        if not batch:
            return
        yield batch
        last_seq = batch[-1].seq or last_seq


def _entry_problem(entry: AccessLogEntry, expected_seq: int, prev_hash: bytes) -> Problem | None:
    def problem(kind: ProblemKind, detail: str) -> Problem:
        return Problem(kind=kind, detail=detail, seq=expected_seq, entry_id=entry.id)

    if entry.seq != expected_seq:
        return problem(
            "deleted_or_reordered", f"the next entry has seq {entry.seq}: entries are missing"
        )
    if entry.prev_hash != prev_hash:
        return problem(
            "deleted_or_reordered", "prev_hash does not match the hash of the entry before it"
        )
    if hash_entry(entry) != entry.entry_hash:
        return problem("edited", "the recorded fields do not match entry_hash")
    return None


async def _count_unsealed(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        count = await session.scalar(
            select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.seq.is_(None))
        )
        return count or 0


async def verify_chain(
    engine: AsyncEngine,
    *,
    public_key: Ed25519PublicKey | None = None,
    checkpoints_path: Path | None = None,
) -> VerifyReport:
    """Walk the sealed chain in seq order and check it against every checkpoint.

    Checkpoints come from the table and from ``checkpoints_path``; their signatures
    are checked when ``public_key`` is given. Stops at the first problem.
    """
    checkpoints = await _stored_checkpoints(engine)
    if checkpoints_path is not None:
        checkpoints += await asyncio.to_thread(read_checkpoints, checkpoints_path)
    unsealed = await _count_unsealed(engine)

    def report(entries: int, problem: Problem | None = None) -> VerifyReport:
        return VerifyReport(
            entries=entries,
            unsealed=unsealed,
            checkpoints=len(checkpoints),
            signatures_checked=public_key is not None,
            problem=problem,
        )

    if public_key is not None:
        for checkpoint in checkpoints:
            if not checkpoint.has_valid_signature(public_key):
                detail = f"the checkpoint of {checkpoint.created_at} has an invalid signature"
                return report(
                    0, Problem(kind="checkpoint_forged", detail=detail, seq=checkpoint.seq)
                )

    by_seq: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        if checkpoint.seq == 0 and checkpoint.head_hash != GENESIS_HASH.hex():
            detail = f"the checkpoint of {checkpoint.created_at} has no entries but a head hash"
            return report(0, Problem(kind="checkpoint_mismatch", detail=detail, seq=0))
        by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
    length, prev_hash = 0, GENESIS_HASH
    async for batch in _sealed_batches(engine):
        for entry in batch:
            problem = _entry_problem(entry, length + 1, prev_hash)
            if problem is not None:
                return report(length, problem)
            assert entry.entry_hash is not None  # checked by _entry_problem
            length, prev_hash = length + 1, entry.entry_hash
            for checkpoint in by_seq.get(length, ()):
                if checkpoint.head_hash != prev_hash.hex():
                    detail = f"the entry differs from the checkpoint of {checkpoint.created_at}"
                    return report(
                        length - 1,
                        Problem(
                            kind="checkpoint_mismatch", detail=detail, seq=length, entry_id=entry.id
                        ),
                    )

    beyond = [checkpoint for checkpoint in checkpoints if checkpoint.seq > length]
    if beyond:
        last = max(beyond, key=lambda checkpoint: checkpoint.seq)
        detail = (
            f"the checkpoint of {last.created_at} covers {last.seq} entries; "
            f"the chain has {length}: its tail was removed"
        )
        return report(length, Problem(kind="truncated", detail=detail, seq=length + 1))
    return report(length)
