"""The delivery worker: posts queued case-system events, signed, at least once.

Claiming is one short transaction per event: it locks the row (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several workers share the queue; SQLite's single writer does
the same job), opens the payload, counts the attempt and sets a lease. The POST happens
after that commit and its outcome is recorded in another. A lapsed lease (a worker that
died mid-POST) makes the event due again. Since a POST that timed out may still have
arrived, a retry carries the same event id and receivers deduplicate on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import uuid
from datetime import datetime, timedelta
from typing import Final

import httpx
import msgspec
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.audit.service import Actor, record_access
from partner_contact.casesystems.models import CaseSystem, CaseSystemDelivery
from partner_contact.casesystems.registry import TABLE as SYSTEM_TABLE
from partner_contact.casesystems.service import DELIVERY_TABLE
from partner_contact.casesystems.signing import signature
from partner_contact.clock import Clock
from partner_contact.crypto.errors import DataKeyDestroyed, DataKeyNotFound
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.crypto.service import FieldCipher
from partner_contact.logs import get_logger
from partner_contact.settings import CaseSystemSettings

log = get_logger(__name__)

USER_AGENT: Final = "partner-contact-webhooks/1"
_ACTOR: Final = Actor(kind="system", id="case-system-worker")
# A claim outlives the POST's own timeout by this much before another worker may retry.
_LEASE_MARGIN: Final = timedelta(seconds=60)


@dataclasses.dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0  # her data key was destroyed: nothing left to send

    @property
    def settled(self) -> int:
        """Events this pass moved on (each leaves the due set)."""
        return self.delivered + self.retrying + self.failed + self.dropped


@dataclasses.dataclass(frozen=True)
class _Claimed:
    event_id: uuid.UUID
    case_system_id: uuid.UUID
    url: str
    # Never in a repr (a log line or a traceback's text): the key and her data.
    secret: str = dataclasses.field(repr=False)
    body: bytes = dataclasses.field(repr=False)
    attempt: int  # the attempt count this claim set: a later claim raised it


@dataclasses.dataclass(frozen=True)
class _Outcome:
    http_status: int | None
    error_code: str | None

    @property
    def is_delivered(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


class DeliveryWorker:
    def __init__(
        self,
        *,
        settings: CaseSystemSettings,
        session_maker: async_sessionmaker[AsyncSession],
        keyring_file: KeyringFile,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        batch_size: int = 50,
    ) -> None:
        self.settings = settings
        self._session_maker = session_maker
        self._keyring_file = keyring_file
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._batch_size = batch_size
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout_seconds),
            follow_redirects=False,  # a redirect is a failed attempt, never followed
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- running ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the delivery worker is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="case-system-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping.set()
            self._wake.set()
            task, self._task = self._task, None
            await task

    async def aclose(self) -> None:
        await self.stop()
        await self._client.aclose()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("case_system.pass_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_interval_seconds)

    async def run_once(self) -> DeliveryReport:
        """Post every event due now (by the injected clock) to its enabled case system."""
        report = DeliveryReport()
        while True:
            due = await self._due_events()
            settled_before = report.settled
            for event_id in due:
                try:
                    claimed = await self._claim(event_id, report)
                except Exception:
                    # Left pending: the next pass tries again; the others go on meanwhile.
                    log.exception("case_system.claim_failed", event_id=str(event_id))
                    continue
                if claimed is not None:
                    outcome = await self._post(claimed)
                    await self._record(claimed, outcome, report)
            # Another batch only when this one was full and moved (others may hold the rest).
            if report.settled == settled_before or len(due) < self._batch_size:
                return report

    async def has_due_work(self) -> bool:
        return bool(await self._due_events(limit=1))

    # ---- claiming -----------------------------------------------------------------------

    def _due(self, now: datetime) -> list[ColumnElement[bool]]:
        return [
            CaseSystemDelivery.status == "pending",
            CaseSystemDelivery.next_attempt_at <= now,
            or_(CaseSystemDelivery.lease_until.is_(None), CaseSystemDelivery.lease_until < now),
        ]

    async def _due_events(self, limit: int | None = None) -> list[uuid.UUID]:
        async with self._session_maker() as session:
            rows = await session.scalars(
                select(CaseSystemDelivery.event_id)
                .join(CaseSystem, CaseSystem.id == CaseSystemDelivery.case_system_id)
                .where(*self._due(self._clock()), CaseSystem.is_enabled)
                .order_by(CaseSystemDelivery.next_attempt_at, CaseSystemDelivery.event_id)
                .limit(limit or self._batch_size)
            )
            return list(rows.all())

    async def _claim(self, event_id: uuid.UUID, report: DeliveryReport) -> _Claimed | None:
        """Lock the event, open it and take a lease; None when it is not to go now."""
        async with self._session_maker.begin() as session:
            now = self._clock()
            delivery = await session.scalar(
                select(CaseSystemDelivery)
                .where(CaseSystemDelivery.event_id == event_id, *self._due(now))
                .with_for_update(skip_locked=True)
            )
            if delivery is None:
                return None  # another worker has it, or it changed meanwhile
            system = await session.get(CaseSystem, delivery.case_system_id)
            if system is None or not system.is_enabled:
                return None  # disabled meanwhile: the event waits
            cipher = FieldCipher(keyring=self._keyring_file.current(), clock=self._clock)
            payload = await _open_payload(session, cipher, delivery)
            if payload is None:
                delivery.status, delivery.payload = "failed", None
                delivery.last_error_code, delivery.lease_until = "erased", None
                log.warning("case_system.delivery_erased", event_id=str(event_id))
                report.dropped += 1
                return None
            secret = await cipher.decrypt(
                session,
                data_key_id=system.data_key_id,
                table=SYSTEM_TABLE,
                column="signing_secret",
                record_id=system.id,
                ciphertext=system.signing_secret,
            )
            await record_access(
                session,
                actor=_ACTOR,
                action="case_system.deliver",
                outcome="succeeded",
                object_type=DELIVERY_TABLE,
                object_id=str(event_id),
                purpose="referral",
                clock=self._clock,
            )
            delivery.attempts += 1
            delivery.lease_until = (
                now + timedelta(seconds=self.settings.timeout_seconds) + _LEASE_MARGIN
            )
            body = msgspec.json.encode(
                {
                    "event_id": str(delivery.event_id),
                    "type": delivery.kind,
                    "created_at": delivery.created_at,
                    "data": msgspec.Raw(payload.encode()),
                }
            )
            return _Claimed(
                event_id, system.id, system.webhook_url, secret, body, delivery.attempts
            )

    # ---- posting ------------------------------------------------------------------------

    async def _post(self, claimed: _Claimed) -> _Outcome:
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "X-Partner-Contact-Event-Id": str(claimed.event_id),
            "X-Partner-Contact-Timestamp": str(timestamp),
            "X-Partner-Contact-Signature": signature(
                claimed.secret, timestamp=timestamp, body=claimed.body
            ),
        }
        try:
            request = self._client.build_request(
                "POST", claimed.url, content=claimed.body, headers=headers
            )
            # httpx's timeout bounds each read or write, not the whole exchange (a receiver
            # trickling its answer would outlive the lease): the answer must come in time.
            async with asyncio.timeout(self.settings.timeout_seconds):
                # Streamed and closed unread: the receiver's body never reaches us or our logs.
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except (httpx.TimeoutException, TimeoutError):
            return _Outcome(None, "timeout")
        except httpx.TransportError:
            return _Outcome(None, "connect_error")
        except Exception as exc:
            # Only the type: an exception's text may quote the URL.
            log.warning(
                "case_system.post_failed", event_id=str(claimed.event_id), error=type(exc).__name__
            )
            return _Outcome(None, "error")
        if 200 <= response.status_code < 300:
            return _Outcome(response.status_code, None)
        code = "redirect" if 300 <= response.status_code < 400 else "http_status"
        return _Outcome(response.status_code, code)

    async def _record(self, claimed: _Claimed, outcome: _Outcome, report: DeliveryReport) -> None:
        async with self._session_maker.begin() as session:
            delivery = await session.scalar(
                select(CaseSystemDelivery)
                .where(CaseSystemDelivery.event_id == claimed.event_id)
                .with_for_update()
            )
            if delivery is None or delivery.status != "pending":
                return  # recorded already (another worker after a lapsed lease), or cancelled
            if delivery.attempts != claimed.attempt and not outcome.is_delivered:
                return  # our lease lapsed and another worker claimed it: its lease stands
            now = self._clock()
            delivery.lease_until = None
            delivery.last_status = outcome.http_status
            delivery.last_error_code = outcome.error_code
            if outcome.is_delivered:
                # Delivered once: the payload is no longer needed here.
                delivery.status, delivery.delivered_at, delivery.payload = "delivered", now, None
                report.delivered += 1
            elif delivery.attempts >= self.settings.max_attempts:
                delivery.status, delivery.payload = "failed", None
                log.error(
                    "case_system.delivery_failed",
                    event_id=str(delivery.event_id),
                    case_system_id=str(claimed.case_system_id),
                    attempts=delivery.attempts,
                    last_status=outcome.http_status,
                    error_code=outcome.error_code,
                )
                report.failed += 1
            else:
                delivery.next_attempt_at = now + self.retry_delay(delivery.attempts)
                report.retrying += 1

    def retry_delay(self, attempts: int) -> timedelta:
        """Base doubling per attempt made, capped, then up to ``retry_jitter`` longer."""
        settings = self.settings
        delay = min(settings.retry_base_seconds * 2 ** (attempts - 1), settings.retry_cap_seconds)
        return timedelta(seconds=delay * (1 + self._rng.uniform(0, settings.retry_jitter)))


async def _open_payload(
    session: AsyncSession, cipher: FieldCipher, delivery: CaseSystemDelivery
) -> str | None:
    """The payload JSON, or None once her data key is gone (her record was erased)."""
    if delivery.payload is None:
        return None
    try:
        return await cipher.decrypt(
            session,
            data_key_id=delivery.data_key_id,
            table=DELIVERY_TABLE,
            column="payload",
            record_id=delivery.event_id,
            ciphertext=delivery.payload,
        )
    except (DataKeyDestroyed, DataKeyNotFound):
        return None
