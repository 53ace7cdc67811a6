"""The background task that seals the access log and exports signed checkpoints."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.audit.chain import seal_pending, write_checkpoint
from partner_contact.clock import Clock, utc_now
from partner_contact.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CheckpointExport:
    """Where and how often a :class:`Sealer` signs and exports checkpoints."""

    signing_key: Ed25519PrivateKey
    path: Path
    interval_seconds: float


class Sealer:
    """Seals pending entries every ``interval_seconds`` as an asyncio task.

    A failed pass is logged and retried on the next tick. :meth:`stop` lets the
    current pass finish and runs one more, so a clean shutdown leaves nothing unsealed.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval_seconds: float,
        checkpoints: CheckpointExport | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._engine = engine
        self._interval = interval_seconds
        self._checkpoints = checkpoints
        self._clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_checkpoint_at: datetime | None = None
        self._sealed_since_checkpoint = 0

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the sealer is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="audit-sealer")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        task, self._task = self._task, None
        await task

    async def _run(self) -> None:
        while True:
            await self.run_once()
            if self._stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def run_once(self) -> None:
        """One pass: seal what is pending, then write a checkpoint if one is due."""
        try:
            sealed = await seal_pending(self._engine, clock=self._clock)
        except Exception:
            log.exception("audit.seal_failed")
            return
        if sealed:
            log.debug("audit.sealed", entries=sealed)
        self._sealed_since_checkpoint += sealed
        if self._checkpoints is None or not self._checkpoint_due(self._checkpoints):
            return
        try:
            await write_checkpoint(
                self._engine,
                self._checkpoints.signing_key,
                self._checkpoints.path,
                clock=self._clock,
            )
        except Exception:
            log.exception("audit.checkpoint_failed")
            return
        self._last_checkpoint_at = self._clock()
        self._sealed_since_checkpoint = 0

    def _checkpoint_due(self, export: CheckpointExport) -> bool:
        if self._last_checkpoint_at is None:
            return True  # once per start, so a restart attests the head it found
        elapsed = (self._clock() - self._last_checkpoint_at).total_seconds()
        return self._sealed_since_checkpoint > 0 and elapsed >= export.interval_seconds
