"""The live alert stream behind ``GET /api/v1/alerts/stream`` (server-sent events).

Each stream first sends the unacknowledged alerts routed to its caller that she has not
had (after her ``Last-Event-ID``), oldest first, then waits on this process's
:class:`~partner_contact.partners.alert_bus.AlertHub` and looks again at every wake-up
and every keep-alive. It opens a short database session each time it looks; it never
holds the request's session (nor a transaction) open for its lifetime.

Routing: an alert of a case assigned to a partner worker goes to her; to the rest of
the case's team (its partner workers and supervisors) only while she is offline (no
alert stream open, see presence.py), checked each time the stream looks. Alerts of a
case without an assigned worker go to the team. Delivery is at least once: clients
recognise a repeat by the alert's ``id``. See docs/alerts.md.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Final

import anyio
import msgspec
from litestar import Request
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from sqlalchemy import Select, and_, or_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.auth.deps import principal_of
from partner_contact.auth.models import StaffSession, StaffUser
from partner_contact.auth.principal import Principal
from partner_contact.clock import Clock, utc_now
from partner_contact.errors import DomainError
from partner_contact.logs import get_logger
from partner_contact.participants.models import Participant
from partner_contact.partners import presence
from partner_contact.partners.alert_bus import DEGRADED_POLL_SECONDS, AlertHub
from partner_contact.partners.alerts import AlertRead, alert_read, reachable_alerts
from partner_contact.partners.models import PartnerAlert

log = get_logger(__name__)

EVENT_STREAM: Final = "text/event-stream"
EVENT_TYPE: Final = "alert"
# A keep-alive comment, a presence refresh and a check of the caller's sign-in this often.
KEEPALIVE_SECONDS: Final = 15.0
# How long a browser waits before reconnecting (it then sends Last-Event-ID).
RETRY_MILLISECONDS: Final = 3000
# After a reconnect, alerts created this long before her cursor are looked at again, in
# case one committed after a later one she already had (repeats are possible, losses not).
CURSOR_OVERLAP: Final = timedelta(seconds=5)

Cursor = tuple[datetime, uuid.UUID]


class StreamedAlert(AlertRead, frozen=True, kw_only=True):
    # Whole seconds since it happened (for her reply: since she wrote), when sent.
    seconds_since: int


def encode_cursor(cursor: Cursor) -> str:
    raw = msgspec.json.encode([cursor[0].isoformat(), str(cursor[1])])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    """The position an event id names; None (send everything) when it is not one of ours."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        created_at, alert_id = msgspec.json.decode(raw, type=tuple[datetime, uuid.UUID])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        return None
    if created_at.tzinfo is None:
        return None
    return created_at, alert_id


def accepts_event_stream(accept: str) -> bool:
    """Whether an Accept header names text/event-stream itself (as EventSource does)."""
    for item in accept.split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        if media_type.lower() != EVENT_STREAM:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


def not_acceptable() -> DomainError:
    return DomainError(
        "not_acceptable",
        "This is an event stream",
        status=406,
        detail="Send Accept: text/event-stream (as EventSource does) to open the alert stream.",
    )


def routed_alerts(principal: Principal, *, after: Cursor | None, now: datetime) -> Select[Any]:
    """Unacknowledged alerts for this caller now, oldest first.

    Hers (her cases, and cases without an assigned worker) after the cursor; those of a
    colleague's case whenever that colleague is offline, whatever the cursor.
    """
    me = principal.user_id
    assigned = Participant.partner_worker_id
    direct = or_(assigned == me, assigned.is_(None))
    if after is not None:
        direct = and_(direct, PartnerAlert.created_at > after[0] - CURSOR_OVERLAP)
    covering = and_(assigned.is_not(None), assigned != me, ~presence.is_online(assigned, now))
    return (
        reachable_alerts(principal)
        .where(PartnerAlert.acknowledged_at.is_(None), or_(direct, covering))
        .order_by(PartnerAlert.created_at, PartnerAlert.id)
    )


class AlertStream:
    """One caller's open stream: what it has sent, where it is, its presence row."""

    def __init__(
        self,
        *,
        principal: Principal,
        hub: AlertHub,
        session_maker: async_sessionmaker[AsyncSession],
        clock: Clock,
        wall_clock: Clock = utc_now,
        cursor: Cursor | None = None,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self.principal = principal
        self.hub = hub
        self.session_maker = session_maker
        self.clock = clock
        self.wall_clock = wall_clock
        self.keepalive_seconds = keepalive_seconds
        self._after = cursor
        self._position = cursor
        # Her Last-Event-ID names an alert she has.
        self._sent: set[uuid.UUID] = {cursor[1]} if cursor else set()

    async def events(self) -> AsyncIterator[ServerSentEventMessage]:
        loop = asyncio.get_running_loop()
        user_id = self.principal.user_id
        with self.hub.subscribe() as wake:
            try:
                presence_id = await presence.join(self.session_maker, user_id, self.wall_clock())
            except SQLAlchemyError as exc:
                log.warning("alerts.stream_failed", error=type(exc).__name__)
                return
            try:
                yield ServerSentEventMessage(comment="open", retry=RETRY_MILLISECONDS, data=None)
                beat_at = loop.time() + self.keepalive_seconds
                while not self.hub.closed:
                    wake.clear()
                    for message in await self._news():
                        yield message
                    if loop.time() >= beat_at:
                        if not await self._still_allowed():
                            break
                        await presence.refresh(
                            self.session_maker, presence_id, user_id, self.wall_clock()
                        )
                        yield ServerSentEventMessage(comment="keep-alive", data=None)
                        beat_at = loop.time() + self.keepalive_seconds
                    poll = self.keepalive_seconds if self.hub.listening else DEGRADED_POLL_SECONDS
                    wait = max(0.0, min(beat_at - loop.time(), poll))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), wait)
            except SQLAlchemyError as exc:
                # The client reconnects (after RETRY_MILLISECONDS) with its Last-Event-ID.
                log.warning("alerts.stream_failed", error=type(exc).__name__)
            finally:
                with anyio.CancelScope(shield=True), contextlib.suppress(SQLAlchemyError):
                    await presence.leave(self.session_maker, presence_id)

    async def _news(self) -> list[ServerSentEventMessage]:
        """Events for what is routed to her now and not yet sent on this stream."""
        statement = routed_alerts(self.principal, after=self._after, now=self.wall_clock())
        messages: list[ServerSentEventMessage] = []
        async with self.session_maker() as session:
            alerts = (await session.scalars(statement)).all()
            now = self.clock()
            for alert in alerts:
                if alert.id in self._sent:
                    continue
                self._sent.add(alert.id)
                here = (alert.created_at, alert.id)
                # Ids only move forward: an older alert she gets late (a colleague went
                # offline) is sent again after a reconnect anyway while unacknowledged.
                if self._position is None or here > self._position:
                    self._position = here
                messages.append(self._message(alert, now))
        return messages

    def _message(self, alert: PartnerAlert, now: datetime) -> ServerSentEventMessage:
        seconds = max(0, int((now - alert.occurred_at).total_seconds()))
        streamed = StreamedAlert(**msgspec.structs.asdict(alert_read(alert)), seconds_since=seconds)
        assert self._position is not None
        return ServerSentEventMessage(
            data=msgspec.json.encode(streamed).decode(),
            event=EVENT_TYPE,
            id=encode_cursor(self._position),
        )

    async def _still_allowed(self) -> bool:
        """Her sign-in still stands: not revoked or expired, account and role unchanged.

        An idle sign-in does not end the stream (it carries no partner content, and she
        must be reachable while she waits); any request she then makes needs a live one.
        """
        principal = self.principal
        if principal.session_id is None:
            return False
        async with self.session_maker() as session:
            row = await session.get(StaffSession, principal.session_id)
            if row is None or row.revoked_at is not None or self.clock() >= row.expires_at:
                return False
            user = await session.get(StaffUser, row.user_id)
            return (
                user is not None
                and user.is_active
                and user.locked_at is None
                and principal.role is not None
                and user.role == principal.role.value
                and user.team_id == principal.team_id
            )


def open_stream(request: Request[Any, Any, Any], *, last_event_id: str | None) -> ServerSentEvent:
    """The response for ``GET /api/v1/alerts/stream``; refuses clients not asking for SSE."""
    if not accepts_event_stream(request.headers.get("accept", "")):
        raise not_acceptable()
    state = request.app.state
    stream = AlertStream(
        principal=principal_of(request),
        hub=state.alert_hub,
        session_maker=state.session_maker,
        clock=state.clock,
        cursor=decode_cursor(last_event_id),
        keepalive_seconds=KEEPALIVE_SECONDS,
    )
    return ServerSentEvent(stream.events())
