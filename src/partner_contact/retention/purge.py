"""The retention purge: every kind of her data past its retention, once a day.

Each step is its own short transaction whose conditions are on the rows themselves
(a text still there, a case not yet erased), so a run that stops half-way is finished by
the next, and two nodes running at once change each row once; each node's ``purge_run``
row counts what that node changed. Logs carry counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, Connection, LargeBinary, Table, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partner_contact.assessments.models import Assessment
from partner_contact.audit.service import Actor, record_access
from partner_contact.db.base import Base
from partner_contact.logs import get_logger
from partner_contact.messaging.dispatcher import purge_message_texts
from partner_contact.messaging.models import (
    InboundMessage,
    OutboxMessage,
    SandboxMessage,
    WebhookEvent,
)
from partner_contact.notes.models import PartnerNote
from partner_contact.outreach.engine import Engine
from partner_contact.partners.models import Partner
from partner_contact.retention.erasure import (
    erase_partner,
    remove_sandbox_copies,
    sandbox_copies_of,
)
from partner_contact.retention.models import PurgeRun
from partner_contact.settings import RetentionSettings

log = get_logger(__name__)
Trigger = Literal["schedule", "cli"]


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _is_blind_index(column: Column[Any]) -> bool:
    return isinstance(column.type, LargeBinary) and column.name.endswith("_index")


def _blind_indexed_tables() -> list[Table]:
    """Tables with a blind-index column (``*_index``), found from the model metadata."""
    return [
        table
        for table in Base.metadata.sorted_tables
        if any(_is_blind_index(column) for column in table.columns)
    ]


def _blind_index_indexes() -> list[str]:
    """Names of the database indexes over a blind-index column."""
    return sorted(
        str(index.name)
        for table in _blind_indexed_tables()
        for index in table.indexes
        if any(_is_blind_index(column) for column in index.columns)
    )


def _truncate_wal(connection: Connection) -> bool:
    """Checkpoint SQLite's write-ahead log and truncate it; True if a reader kept it busy.

    On the DBAPI connection: a checkpoint cannot run inside the transaction SQLAlchemy
    would begin (``BEGIN IMMEDIATE``, see db/engine.py).
    """
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return bool(row and row[0])


class Purger:
    """Runs :meth:`run_once` daily at ``purge_hour_utc``, or once when asked (the CLI)."""

    def __init__(
        self,
        *,
        engine: Engine,
        database: AsyncEngine,
        session_maker: async_sessionmaker[AsyncSession],
        settings: RetentionSettings,
    ) -> None:
        self._engine = engine
        self._database = database
        self._session_maker = session_maker
        self._settings = settings
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the purge task is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="retention-purge")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        task, self._task = self._task, None
        await task

    def next_run_after(self, now: datetime) -> datetime:
        today = now.replace(hour=self._settings.purge_hour_utc, minute=0, second=0, microsecond=0)
        return today if today > now else today + timedelta(days=1)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            now = self._engine.clock()
            wait = (self.next_run_after(now) - now).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), wait)
            if self._stopping.is_set():
                return
            try:
                await self.run_once("schedule")
            except Exception:
                log.exception("retention.purge_failed")

    async def run_once(self, trigger: Trigger) -> dict[str, int]:
        """Purge every kind now; returns the rows changed per kind (also in ``purge_run``)."""
        run_id = uuid.uuid4()
        async with self._session_maker.begin() as session:
            session.add(
                PurgeRun(id=run_id, started_at=self._engine.clock(), trigger=trigger, counts={})
            )
        messages = await purge_message_texts(
            self._engine, self._session_maker, reply_retention_days=self._settings.reply_days
        )
        counts = {
            "message_bodies": messages["outbox"],
            "sandbox_bodies": messages["sandbox"],
            "replies": messages["inbound"],
            "unmatched_senders": await self._purge_unmatched_senders(),
            "webhook_payloads": await self._purge_webhook_payloads(),
            "assessment_texts": await self._purge_assessment_texts(),
            "addressed_notes": await self._purge_addressed_notes(),
            "closed_cases_erased": await self._erase_closed_cases(),
            "erased_sandbox_copies": await self._purge_erased_sandbox_copies(),
        }
        await self.flush()
        async with self._session_maker.begin() as session:
            await session.execute(
                update(PurgeRun)
                .where(PurgeRun.id == run_id)
                .values(finished_at=self._engine.clock(), counts=counts)
            )
        log.info("retention.purged", trigger=trigger, **counts)
        return counts

    async def flush(self) -> None:
        """Flush destroyed keys and cleared indexes out of the database files, now.

        Also run after an erasure on request, once it is committed. A failure is logged:
        what was removed stays removed, and the next run flushes again.
        """
        try:
            await self._flush_destroyed_keys()
        except Exception:
            log.exception("retention.flush_failed")

    async def _flush_destroyed_keys(self) -> None:
        """Make destroyed keys' bytes and cleared blind indexes leave the database files.

        A shredded key's wrapped bytes and an erased partner's blind indexes live on in old
        copies until the database drops them: on SQLite in the write-ahead log (its frames
        are only overwritten, never cleared, while the service runs), so the log is
        checkpointed and truncated (``secure_delete`` has zeroed the freed pages in the
        file itself); on PostgreSQL in old row versions, which VACUUM removes, and in index
        pages, which only a rebuild clears (docs/crypto.md, Crypto-shredding).
        """
        if self._database.dialect.name == "sqlite":
            async with self._database.connect() as connection:
                busy = await connection.run_sync(_truncate_wal)
            if busy:
                log.warning("retention.wal_checkpoint_busy")
            return
        if self._database.dialect.name != "postgresql":
            return
        tables = ["data_key", *(table.name for table in _blind_indexed_tables())]
        async with self._database.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")  # not in a transaction
            for table in tables:
                await connection.execute(text(f'VACUUM "{table}"'))
            for index in _blind_index_indexes():
                await connection.execute(text(f'REINDEX INDEX CONCURRENTLY "{index}"'))

    def _cutoff(self, days: int) -> datetime:
        return self._engine.clock() - timedelta(days=days)

    async def _purge_unmatched_senders(self) -> int:
        """Replies nobody could match keep a sealed sender under a key of their own: destroy it."""
        cutoff = self._cutoff(self._settings.reply_days)
        async with self._session_maker.begin() as session:
            rows = (
                await session.execute(
                    select(InboundMessage.id, InboundMessage.data_key_id)
                    .where(
                        InboundMessage.partner_id.is_(None),
                        InboundMessage.received_at < cutoff,
                        InboundMessage.sender.is_not(None),
                    )
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            await session.execute(
                update(InboundMessage)
                .where(InboundMessage.id.in_([row_id for row_id, _ in rows]))
                .values(sender=None, body=None, body_purged_at=self._engine.clock())
            )
            cipher = self._engine.cipher()
            for key_id in {key_id for _, key_id in rows}:
                await cipher.shred(session, key_id)
        return len(rows)

    async def _purge_webhook_payloads(self) -> int:
        """An event never handled keeps its sealed payload (a number, words): not past retention."""
        cutoff = self._cutoff(self._settings.reply_days)
        async with self._session_maker.begin() as session:
            rows = (
                await session.execute(
                    select(WebhookEvent.id, WebhookEvent.data_key_id)
                    .where(WebhookEvent.received_at < cutoff, WebhookEvent.payload.is_not(None))
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            await session.execute(
                update(WebhookEvent)
                .where(WebhookEvent.id.in_([row_id for row_id, _ in rows]))
                .values(payload=None, error="expired")
            )
            cipher = self._engine.cipher()
            for key_id in {key_id for _, key_id in rows}:
                await cipher.shred(session, key_id)
        return len(rows)

    async def _purge_assessment_texts(self) -> int:
        """Her free-text answers go; structured answers (codes) stay for her history."""
        cutoff = self._cutoff(self._settings.assessment_text_days)
        async with self._session_maker.begin() as session:
            result = await session.execute(
                update(Assessment)
                .where(
                    Assessment.free_text.is_not(None),
                    func.coalesce(Assessment.completed_at, Assessment.created_at) < cutoff,
                )
                .values(free_text=None)
            )
        return _rowcount(result)

    async def _purge_addressed_notes(self) -> int:
        """A note taken up with her has done its job: it goes, text and all."""
        cutoff = self._cutoff(self._settings.addressed_note_days)
        async with self._session_maker.begin() as session:
            result = await session.execute(
                delete(PartnerNote).where(
                    PartnerNote.status == "addressed", PartnerNote.addressed_at < cutoff
                )
            )
        return _rowcount(result)

    async def _purge_erased_sandbox_copies(self) -> int:
        """Copies the sandbox made of a message to her after she was erased.

        A message a dispatcher was handing over while she was erased reaches the sandbox
        after the erasure's commit, with her address sealed under a key of its own and its
        blind index: the next run removes it and destroys that key.
        """
        erased = select(Partner.id).where(Partner.erased_at.is_not(None)).scalar_subquery()
        condition = sandbox_copies_of(OutboxMessage.partner_id.in_(erased))
        async with self._session_maker.begin() as session:
            ids = (
                await session.scalars(
                    select(SandboxMessage.id).where(condition).with_for_update(skip_locked=True)
                )
            ).all()
            if not ids:
                return 0
            found, _ = await remove_sandbox_copies(
                session, self._engine.cipher(), SandboxMessage.id.in_(ids)
            )
        return found["rows"]

    async def _erase_closed_cases(self) -> int:
        cutoff = self._cutoff(self._settings.closed_case_days)
        due = select(Partner.id).where(Partner.closed_at < cutoff, Partner.erased_at.is_(None))
        async with self._session_maker() as session:
            partner_ids = (await session.scalars(due)).all()
        erased = 0
        for partner_id in partner_ids:
            # One transaction per case; the row lock and the re-check make it happen once.
            async with self._session_maker.begin() as session:
                partner = await session.scalar(
                    due.with_only_columns(Partner)
                    .where(Partner.id == partner_id)
                    .with_for_update(skip_locked=True)
                )
                if partner is None:
                    continue
                await erase_partner(
                    session,
                    engine=self._engine,
                    cipher=self._engine.cipher(),
                    partner=partner,
                    now=self._engine.clock(),
                    actor_id=None,
                    reason="retention",
                )
                await record_access(
                    session,
                    actor=Actor(kind="system"),
                    action="partner.erase",
                    outcome="succeeded",
                    object_type="partner",
                    object_id=str(partner.id),
                    purpose="erasure",
                    clock=self._engine.clock,
                )
            erased += 1
        return erased
