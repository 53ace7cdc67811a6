"""The background sealer: seals on a schedule, survives failures, exports checkpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

from partner_contact.audit import sealer as sealing
from partner_contact.audit.chain import read_checkpoints, verify_chain
from partner_contact.audit.sealer import CheckpointExport, Sealer
from partner_contact.clock import Clock, ManualClock
from tests.integration.audit.factories import record_committed


def _counting_seal(
    calls: list[int], *, fail_first: bool, enough: asyncio.Event, after: int
) -> Callable[..., Awaitable[int]]:
    real = sealing.seal_pending

    async def seal(engine: AsyncEngine, *, clock: Clock) -> int:
        calls.append(1)
        if len(calls) >= after:
            enough.set()
        if fail_first and len(calls) == 1:
            raise RuntimeError("database went away")
        return await real(engine, clock=clock)

    return seal


async def test_stopping_the_sealer_seals_what_is_pending(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await record_committed(engine, clock, 3)
    sealer = Sealer(engine, interval_seconds=60, clock=clock)
    sealer.start()
    await sealer.stop()
    report = await verify_chain(engine)
    assert (report.entries, report.unsealed) == (3, 0)


async def test_the_sealer_passes_every_interval_until_stopped(
    engine: AsyncEngine, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    three_passes = asyncio.Event()
    seal = _counting_seal(calls, fail_first=False, enough=three_passes, after=3)
    monkeypatch.setattr(sealing, "seal_pending", seal)
    sealer = Sealer(engine, interval_seconds=0.001, clock=clock)
    sealer.start()
    await asyncio.wait_for(three_passes.wait(), timeout=10)
    await sealer.stop()
    assert len(calls) >= 3


async def test_a_failed_pass_is_logged_and_the_sealer_keeps_running(
    engine: AsyncEngine, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record_committed(engine, clock, 2)
    calls: list[int] = []
    failed = asyncio.Event()
    monkeypatch.setattr(
        sealing, "seal_pending", _counting_seal(calls, fail_first=True, enough=failed, after=1)
    )
    sealer = Sealer(engine, interval_seconds=60, clock=clock)
    with capture_logs() as logs:
        sealer.start()
        await failed.wait()
        await sealer.stop()
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == [
        "audit.seal_failed"
    ]
    assert (await verify_chain(engine)).unsealed == 0  # the pass on stop still ran


async def test_the_sealer_exports_a_checkpoint_at_start_then_when_due_and_changed(
    engine: AsyncEngine, clock: ManualClock, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "checkpoints.jsonl"
    sealer = Sealer(
        engine,
        interval_seconds=1,
        checkpoints=CheckpointExport(signing_key=key, path=path, interval_seconds=300),
        clock=clock,
    )

    async def exported_after_pass() -> list[int]:
        await sealer.run_once()
        return [checkpoint.seq for checkpoint in read_checkpoints(path)]

    await record_committed(engine, clock, 2)
    assert await exported_after_pass() == [2]  # the head found at start
    await record_committed(engine, clock)
    assert await exported_after_pass() == [2]  # a new entry, but the interval is not over
    clock.advance(seconds=300)
    assert await exported_after_pass() == [2, 3]
    clock.advance(seconds=600)
    assert await exported_after_pass() == [2, 3]  # nothing new: nothing to attest
    report = await verify_chain(engine, public_key=key.public_key(), checkpoints_path=path)
    assert report.is_intact
