"""Sealing links committed entries into one chain; verify finds every kind of tampering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from partner_contact.audit.chain import (
    GENESIS_HASH,
    hash_entry,
    read_checkpoints,
    seal_pending,
    verify_chain,
)
from partner_contact.audit.models import AccessLogEntry, AuditCheckpoint
from partner_contact.audit.service import record_in_own_transaction
from partner_contact.clock import ManualClock
from partner_contact.db.engine import create_engine
from tests.integration.audit.factories import (
    a_worker,
    edit_exported_checkpoint,
    export_checkpoint,
    is_owner_only,
    read_chain,
    record_committed,
    sealed_chain,
    set_columns,
    tamper,
)


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def checkpoints_path(tmp_path: Path) -> Path:
    return tmp_path / "offsite" / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _offsite_directory(checkpoints_path: Path) -> None:
    checkpoints_path.parent.mkdir()


async def test_sealing_links_entries_in_the_order_they_occurred(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    recorded = await record_committed(engine, clock, 3)
    assert await seal_pending(engine, clock=clock) == 3
    chain = await read_chain(engine)
    assert [entry.id for entry in chain] == [entry.id for entry in recorded]
    assert [entry.seq for entry in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [entry.prev_hash for entry in chain[1:]] == [entry.entry_hash for entry in chain[:-1]]
    assert all(entry.entry_hash == hash_entry(entry) for entry in chain)


async def test_a_later_seal_extends_the_chain_and_a_second_seal_finds_nothing(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await sealed_chain(engine, clock, 2)
    await record_committed(engine, clock, 2)
    assert await seal_pending(engine, clock=clock, batch_size=1) == 2  # across batches
    assert await seal_pending(engine, clock=clock) == 0
    chain = await read_chain(engine)
    assert [entry.seq for entry in chain] == [1, 2, 3, 4]
    assert chain[2].prev_hash == chain[1].entry_hash


async def test_an_entry_that_commits_late_is_sealed_after_the_head(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    early = ManualClock(clock.current)
    await sealed_chain(engine, clock, 2)
    (late,) = await record_committed(engine, early)  # occurred before both, committed after
    await seal_pending(engine, clock=clock)
    assert (await read_chain(engine))[-1].id == late.id
    assert (await verify_chain(engine)).is_intact


async def test_a_clean_chain_verifies(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    await sealed_chain(engine, clock, 3)
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    await sealed_chain(engine, clock, 2)
    await record_committed(engine, clock)
    report = await verify_chain(
        engine, public_key=signing_key.public_key(), checkpoints_path=checkpoints_path
    )
    assert report.problem is None
    assert (report.entries, report.unsealed, report.checkpoints) == (5, 1, 2)  # table + file
    assert report.signatures_checked


async def test_an_empty_log_verifies(engine: AsyncEngine) -> None:
    report = await verify_chain(engine)
    assert report.is_intact
    assert report.entries == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("occurred_at", datetime(2026, 1, 1, tzinfo=UTC)),
        ("sealed_at", datetime(2026, 1, 1, tzinfo=UTC)),
        ("actor_kind", "system"),
        ("actor_id", "someone-else"),
        ("role", "supervisor"),
        ("action", "partner.list"),
        ("object_type", "referral"),
        ("object_id", "another-partner"),
        ("object_id", None),
        ("purpose", "supervision"),
        ("outcome", "denied"),
        ("request_id", "another-request"),
        ("entry_hash", b"\x00" * 32),
    ],
)
async def test_an_edited_entry_is_detected(
    engine: AsyncEngine, clock: ManualClock, column: str, value: Any
) -> None:
    chain = await sealed_chain(engine, clock, 5)
    await tamper(engine, set_columns(3, **{column: value}))
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("edited", 3)
    assert report.problem.entry_id == chain[2].id
    assert report.entries == 2


async def test_a_deleted_entry_is_detected(engine: AsyncEngine, clock: ManualClock) -> None:
    chain = await sealed_chain(engine, clock, 5)
    await tamper(engine, delete(AccessLogEntry).where(AccessLogEntry.seq == 3))
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted_or_reordered", 3)
    assert report.problem.entry_id == chain[3].id  # found where seq 3 should be
    assert "seq 4" in report.problem.detail


async def test_a_deleted_first_entry_is_detected(engine: AsyncEngine, clock: ManualClock) -> None:
    await sealed_chain(engine, clock, 2)
    await tamper(engine, delete(AccessLogEntry).where(AccessLogEntry.seq == 1))
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted_or_reordered", 1)


async def test_a_reordered_pair_is_detected(engine: AsyncEngine, clock: ManualClock) -> None:
    chain = await sealed_chain(engine, clock, 5)
    await tamper(engine, set_columns(2, seq=-1), set_columns(3, seq=2), set_columns(-1, seq=3))
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted_or_reordered", 2)
    assert report.problem.entry_id == chain[2].id


async def test_an_entry_renumbered_out_of_the_chain_is_detected(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await sealed_chain(engine, clock, 3)
    await tamper(engine, set_columns(3, seq=0))
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted_or_reordered", 1)


async def test_a_deleted_and_renumbered_entry_is_detected(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await sealed_chain(engine, clock, 4)
    await tamper(
        engine,
        delete(AccessLogEntry).where(AccessLogEntry.seq == 2),
        set_columns(3, seq=2),
        set_columns(4, seq=3),
    )
    report = await verify_chain(engine)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted_or_reordered", 2)


async def test_a_truncated_tail_is_detected_against_the_exported_checkpoint(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    await sealed_chain(engine, clock, 5)
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    # The checkpoint table goes too: only the file outside the database remembers.
    await tamper(
        engine, delete(AccessLogEntry).where(AccessLogEntry.seq > 3), delete(AuditCheckpoint)
    )
    report = await verify_chain(
        engine, public_key=signing_key.public_key(), checkpoints_path=checkpoints_path
    )
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("truncated", 4)
    assert "covers 5 entries" in report.problem.detail
    assert report.entries == 3


async def test_a_truncated_tail_goes_unnoticed_without_an_exported_checkpoint(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    # The limit docs/audit.md states: the chain alone cannot know its own length.
    await sealed_chain(engine, clock, 5)
    await tamper(engine, delete(AccessLogEntry).where(AccessLogEntry.seq > 3))
    assert (await verify_chain(engine)).is_intact


async def test_a_rewritten_and_resealed_chain_is_caught_by_an_earlier_checkpoint(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    chain = await sealed_chain(engine, clock, 4)
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    # Someone with write access edits entry 2, unseals it and all after it so that the
    # sealer recomputes every hash, and empties the checkpoint table: the database alone
    # looks intact again.
    await tamper(
        engine,
        set_columns(2, actor_id="someone-else"),
        *(
            set_columns(seq, seq=None, prev_hash=None, entry_hash=None, sealed_at=None)
            for seq in (4, 3, 2)
        ),
        delete(AuditCheckpoint),
    )
    await seal_pending(engine, clock=clock)
    assert (await verify_chain(engine)).is_intact
    report = await verify_chain(
        engine, public_key=signing_key.public_key(), checkpoints_path=checkpoints_path
    )
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("checkpoint_mismatch", 4)
    assert report.problem.entry_id == chain[3].id


async def test_a_forged_checkpoint_signature_is_detected(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    await sealed_chain(engine, clock, 3)
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    await tamper(engine, delete(AccessLogEntry).where(AccessLogEntry.seq == 3))
    # To hide the cut, the checkpoints are replaced by one of the shorter head, signed
    # with a key of the attacker's own.
    await tamper(engine, delete(AuditCheckpoint))
    forged_path = checkpoints_path.with_name("forged.jsonl")
    await export_checkpoint(engine, Ed25519PrivateKey.generate(), forged_path, clock)
    report = await verify_chain(
        engine, public_key=signing_key.public_key(), checkpoints_path=forged_path
    )
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("checkpoint_forged", 2)


async def test_an_edited_checkpoint_line_fails_its_signature(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    await sealed_chain(engine, clock, 3)
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    edit_exported_checkpoint(checkpoints_path, seq=2)
    report = await verify_chain(
        engine, public_key=signing_key.public_key(), checkpoints_path=checkpoints_path
    )
    assert report.problem is not None
    assert report.problem.kind == "checkpoint_forged"


async def test_checkpoints_append_one_owner_only_line_each_matching_the_table(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    empty = await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    chain = await sealed_chain(engine, clock, 2)
    head = await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    assert (empty.seq, empty.head_hash) == (0, GENESIS_HASH.hex())
    assert chain[1].entry_hash is not None
    assert (head.seq, head.head_hash) == (2, chain[1].entry_hash.hex())
    assert read_checkpoints(checkpoints_path) == [empty, head]
    assert is_owner_only(checkpoints_path)
    async with AsyncSession(engine) as session:
        stored = (await session.scalars(select(AuditCheckpoint).order_by("seq"))).all()
    assert [(row.seq, row.signature.hex()) for row in stored] == [
        (0, empty.signature),
        (2, head.signature),
    ]


async def test_a_malformed_checkpoint_file_is_refused_naming_the_line(
    engine: AsyncEngine,
    clock: ManualClock,
    signing_key: Ed25519PrivateKey,
    checkpoints_path: Path,
) -> None:
    await export_checkpoint(engine, signing_key, checkpoints_path, clock)
    edit_exported_checkpoint(checkpoints_path, signature="not hex")
    with pytest.raises(ValueError, match="line 1: not a checkpoint"):
        await verify_chain(engine, checkpoints_path=checkpoints_path)


async def test_the_sealer_work_list_index_holds_only_unsealed_entries(
    engine: AsyncEngine,
) -> None:
    # The drift test cannot see index predicates, so the migration is checked here.
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_access_log_unsealed'"
        if engine.dialect.name == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE name = 'ix_access_log_unsealed'"
    )
    async with engine.connect() as connection:
        definition = await connection.scalar(text(query))
    assert "seq IS NULL" in definition


async def test_concurrent_writers_and_sealers_build_one_chain_sealing_each_entry_once(
    database_url: str, engine: AsyncEngine
) -> None:
    per_writer = 60
    engines = [create_engine(database_url) for _ in range(4)]
    writing = asyncio.Event()

    async def write(writer: AsyncEngine, name: str) -> None:
        for _ in range(per_writer):
            await record_in_own_transaction(
                writer, actor=a_worker(name), action="partner.read", outcome="allowed"
            )

    async def seal(sealer: AsyncEngine) -> int:
        sealed = 0
        while not writing.is_set():
            sealed += await seal_pending(sealer, batch_size=7)
        return sealed + await seal_pending(sealer, batch_size=7)

    try:
        sealers = [asyncio.create_task(seal(sealer)) for sealer in engines[2:]]
        await asyncio.gather(write(engines[0], "w-1"), write(engines[1], "w-2"))
        writing.set()
        sealed_by_each = await asyncio.gather(*sealers)
    finally:
        for each in engines:
            await each.dispose()

    report = await verify_chain(engine)
    assert report.problem is None
    assert (report.entries, report.unsealed) == (2 * per_writer, 0)
    assert sum(sealed_by_each) == 2 * per_writer
