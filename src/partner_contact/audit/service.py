"""Recording access-log entries, and reading them back for the auditor.

An entry holds ids and short codes only. Every text field is checked against a narrow
pattern, so a worker cannot type partner details into it and a caller cannot pass them
by mistake; errors name the field, never the value.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final

import msgspec
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partner_contact.audit.models import ACTOR_KINDS, OUTCOMES, AccessLogEntry, ActorKind, Outcome
from partner_contact.clock import Clock, utc_now

PURPOSES: Final = frozenset(
    {
        "administration",
        "audit",
        "call",
        "erasure",
        "outreach",
        "referral",
        "safety_review",
        "supervision",
    }
)
MAX_PAGE_SIZE: Final = 500

_ACTION = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
_CODE = re.compile(r"[a-z][a-z0-9_]*")
# Ids as this service makes them (UUIDs, key ids, request ids): no spaces, no "@" or "+".
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_ACTORS_WITH_ID: Final = frozenset({"user", "api_key"})
_CSV_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def format_instant(moment: datetime) -> str:
    """The one text form of an instant in entry hashes, checkpoints and exports."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check(field: str, value: str | None, pattern: re.Pattern[str], max_length: int) -> None:
    if value is not None and (len(value) > max_length or not pattern.fullmatch(value)):
        raise ValueError(f"{field}: not a valid {field} (ids and short codes only)")


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who acted, as the caller's authentication established it."""

    kind: ActorKind
    id: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor.kind: must be one of {', '.join(ACTOR_KINDS)}")
        if self.kind in _ACTORS_WITH_ID and self.id is None:
            raise ValueError(f"actor.id: required for a {self.kind} actor")
        # What an anonymous caller claims to be (a login name) may be anything she typed.
        if self.kind == "anonymous" and (self.id is not None or self.role is not None):
            raise ValueError("actor: an anonymous actor has no id and no role")
        _check("actor.id", self.id, _IDENTIFIER, 64)
        _check("actor.role", self.role, _CODE, 32)


async def record_access(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    outcome: Outcome,
    object_type: str | None = None,
    object_id: str | None = None,
    purpose: str | None = None,
    request_id: str | None = None,
    clock: Clock = utc_now,
) -> AccessLogEntry:
    """Add an entry to ``session``: it commits or rolls back with the action it records."""
    _check("action", action, _ACTION, 64)
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: must be one of {', '.join(OUTCOMES)}")
    _check("object_type", object_type, _CODE, 32)
    _check("object_id", object_id, _IDENTIFIER, 64)
    if object_id is not None and object_type is None:
        raise ValueError("object_id: needs an object_type")
    if purpose is not None and purpose not in PURPOSES:
        raise ValueError(f"purpose: must be one of {', '.join(sorted(PURPOSES))}")
    _check("request_id", request_id, _IDENTIFIER, 64)
    occurred_at = clock()
    if occurred_at.tzinfo is None:
        raise ValueError("clock: must return an aware datetime")

    entry = AccessLogEntry(
        id=uuid.uuid4(),
        occurred_at=occurred_at.astimezone(UTC),
        actor_kind=actor.kind,
        actor_id=actor.id,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        outcome=outcome,
        request_id=request_id,
    )
    session.add(entry)
    return entry


async def record_in_own_transaction(
    session_maker_or_engine: async_sessionmaker[AsyncSession] | AsyncEngine,
    *,
    actor: Actor,
    action: str,
    outcome: Outcome,
    object_type: str | None = None,
    object_id: str | None = None,
    purpose: str | None = None,
    request_id: str | None = None,
    clock: Clock = utc_now,
) -> AccessLogEntry:
    """Record and commit at once, for events that must outlive a rolled-back request.

    On SQLite, call it while the caller holds no write transaction on the same database
    (from a guard, or after the request's rollback): SQLite has a single writer, and
    this transaction would wait for the caller's until ``busy_timeout`` runs out.
    """
    if isinstance(session_maker_or_engine, AsyncEngine):
        session = AsyncSession(session_maker_or_engine, expire_on_commit=False)
    else:
        session = session_maker_or_engine(expire_on_commit=False)
    async with session, session.begin():
        return await record_access(
            session,
            actor=actor,
            action=action,
            outcome=outcome,
            object_type=object_type,
            object_id=object_id,
            purpose=purpose,
            request_id=request_id,
            clock=clock,
        )


@dataclass(frozen=True, slots=True)
class EntryPage:
    """One page of entries and the cursor of the next page (None on the last one)."""

    entries: Sequence[AccessLogEntry]
    next_cursor: str | None


_CursorKey = tuple[Annotated[datetime, msgspec.Meta(tz=True)], uuid.UUID]


def _encode_cursor(entry: AccessLogEntry) -> str:
    raw = msgspec.json.encode((entry.occurred_at, entry.id))
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> _CursorKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key: _CursorKey = msgspec.json.decode(raw, type=_CursorKey)
    except (ValueError, msgspec.DecodeError):
        raise ValueError("after: not a cursor this service issued") from None
    return key


def _conditions(
    *,
    actor_id: str | None,
    object_type: str | None,
    object_id: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    columns = AccessLogEntry
    conditions: list[ColumnElement[bool]] = []
    if actor_id is not None:
        conditions.append(columns.actor_id == actor_id)
    if object_type is not None:
        conditions.append(columns.object_type == object_type)
    if object_id is not None:
        conditions.append(columns.object_id == object_id)
    if action is not None:
        conditions.append(columns.action == action)
    if since is not None:
        conditions.append(columns.occurred_at >= since)
    if until is not None:
        conditions.append(columns.occurred_at < until)
    return conditions


async def _page(
    session: AsyncSession,
    conditions: list[ColumnElement[bool]],
    after: _CursorKey | None,
    limit: int,
) -> EntryPage:
    where = list(conditions)
    if after is not None:
        occurred_at, entry_id = after
        where.append(
            or_(
                AccessLogEntry.occurred_at > occurred_at,
                and_(AccessLogEntry.occurred_at == occurred_at, AccessLogEntry.id > entry_id),
            )
        )
    # One row past the page tells whether another page follows.
    rows = await session.scalars(
        select(AccessLogEntry)
        .where(*where)
        .order_by(AccessLogEntry.occurred_at, AccessLogEntry.id)
        .limit(limit + 1)
    )
    entries = rows.all()
    if len(entries) <= limit:
        return EntryPage(entries=entries, next_cursor=None)
    return EntryPage(entries=entries[:limit], next_cursor=_encode_cursor(entries[limit - 1]))


def _check_page_size(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit: must be between 1 and {MAX_PAGE_SIZE}")


async def list_entries(
    session: AsyncSession,
    *,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> EntryPage:
    """Entries oldest first, sealed or not; ``since`` is inclusive, ``until`` exclusive.

    ``after`` is the ``next_cursor`` of the previous page: pages stay stable while new
    entries arrive, since they are keyed on (occurred_at, id), not on an offset.
    """
    _check_page_size(limit)
    conditions = _conditions(
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        since=since,
        until=until,
    )
    return await _page(session, conditions, _decode_cursor(after) if after else None, limit)


async def iter_entries(
    session: AsyncSession,
    *,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[AccessLogEntry]:
    """Every matching entry oldest first, read a batch at a time so exports stay small."""
    _check_page_size(batch_size)
    conditions = _conditions(
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        since=since,
        until=until,
    )
    after: _CursorKey | None = None
    while True:
        page = await _page(session, conditions, after, batch_size)
        for entry in page.entries:
            yield entry
        if page.next_cursor is None:
            return
        last = page.entries[-1]
        after = (last.occurred_at, last.id)


class ExportedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An entry as exported: with its chain fields, so an auditor can recompute hashes."""

    id: str
    occurred_at: str
    actor_kind: str
    actor_id: str | None
    role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    purpose: str | None
    outcome: str
    request_id: str | None
    seq: int | None
    prev_hash: str | None
    entry_hash: str | None
    sealed_at: str | None


EXPORT_FIELDS: Final = tuple(field.name for field in msgspec.structs.fields(ExportedEntry))


def export_entry(entry: AccessLogEntry) -> ExportedEntry:
    return ExportedEntry(
        id=str(entry.id),
        occurred_at=format_instant(entry.occurred_at),
        actor_kind=entry.actor_kind,
        actor_id=entry.actor_id,
        role=entry.role,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        purpose=entry.purpose,
        outcome=entry.outcome,
        request_id=entry.request_id,
        seq=entry.seq,
        prev_hash=entry.prev_hash.hex() if entry.prev_hash is not None else None,
        entry_hash=entry.entry_hash.hex() if entry.entry_hash is not None else None,
        sealed_at=format_instant(entry.sealed_at) if entry.sealed_at is not None else None,
    )


async def render_jsonl(entries: AsyncIterable[AccessLogEntry]) -> AsyncIterator[str]:
    """One JSON object per line, in the order given (suits a streamed response)."""
    async for entry in entries:
        yield msgspec.json.encode(export_entry(entry)).decode("utf-8") + "\n"


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting like a formula; the quote keeps it text.
    return "'" + text if text.startswith(_CSV_FORMULA_STARTS) else text


def _csv_line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_csv_cell(cell) for cell in cells])
    return buffer.getvalue()


async def render_csv(entries: AsyncIterable[AccessLogEntry]) -> AsyncIterator[str]:
    """A header line, then one line per entry, with formula-like cells neutralised."""
    yield _csv_line(EXPORT_FIELDS)
    async for entry in entries:
        yield _csv_line(msgspec.structs.astuple(export_entry(entry)))
