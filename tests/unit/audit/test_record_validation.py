"""Entries take ids and short codes only; anything that could be content is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.models import AccessLogEntry
from partner_contact.audit.service import Actor, record_access
from partner_contact.clock import ManualClock
from tests.fixtures.canaries import CODE_WORD, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries

WORKER = Actor(kind="user", id="7d3c2b1a-0000-4000-8000-000000000001", role="worker")


async def _record(**overrides: Any) -> AccessLogEntry:
    """Record into a session bound to nothing: validation runs before any I/O."""
    fields: dict[str, Any] = {
        "actor": WORKER,
        "action": "partner.read",
        "outcome": "allowed",
        "object_type": "partner",
        "object_id": "b1c2d3e4-0000-4000-8000-000000000002",
        "purpose": "call",
        "request_id": "req-0123456789",
        "clock": ManualClock(),
    }
    return await record_access(AsyncSession(), **(fields | overrides))


async def test_a_valid_entry_is_added_to_the_callers_session_unsealed() -> None:
    session = AsyncSession()
    entry = await record_access(
        session, actor=WORKER, action="partner.read", outcome="allowed", clock=ManualClock()
    )
    assert entry in session.new
    assert entry.id is not None
    assert (entry.seq, entry.prev_hash, entry.entry_hash, entry.sealed_at) == (None,) * 4


async def test_the_time_comes_from_the_clock_in_utc() -> None:
    clock = ManualClock()
    entry = await _record(clock=clock)
    assert entry.occurred_at == clock.current
    assert entry.occurred_at.utcoffset() is not None


async def test_a_clock_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        await _record(clock=lambda: datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "read"),
        ("action", "partner read"),
        ("action", "Partner.Read"),
        ("action", "partner." + "x" * 64),
        ("outcome", "maybe"),
        ("purpose", "because she asked"),
        ("purpose", "gossip"),
        ("object_type", "partner record"),
        ("object_id", PHONE_FORMS[0]),
        ("object_id", EMAILS[0]),
        ("object_id", FREE_TEXT),
        ("request_id", "a b"),
    ],
)
async def test_a_field_that_is_not_a_short_code_or_id_is_refused_without_echoing_it(
    field: str, value: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: ") as raised:
        await _record(**{field: value})
    assert value not in str(raised.value)
    assert find_canaries(str(raised.value)) == []


async def test_an_object_id_without_an_object_type_is_refused() -> None:
    with pytest.raises(ValueError, match="object_id: needs an object_type"):
        await _record(object_type=None)


@pytest.mark.parametrize(
    "purpose",
    [
        "outreach",
        "call",
        "safety_review",
        "referral",
        "supervision",
        "audit",
        "administration",
        "erasure",
    ],
)
async def test_every_purpose_of_the_vocabulary_is_accepted(purpose: str) -> None:
    assert (await _record(purpose=purpose)).purpose == purpose


@pytest.mark.parametrize(
    ("kind", "actor_id", "role"),
    [
        ("user", None, "worker"),
        ("api_key", None, None),
        ("anonymous", EMAILS[1], None),
        ("anonymous", None, "worker"),
        ("user", CODE_WORD + " " + CODE_WORD, "worker"),
        ("user", "u-1", "Head Of Service"),
        ("robot", "r-1", None),
    ],
)
def test_an_actor_that_cannot_be_told_apart_or_carries_text_is_refused(
    kind: str, actor_id: str | None, role: str | None
) -> None:
    with pytest.raises(ValueError, match=r"^actor") as raised:
        Actor(kind=kind, id=actor_id, role=role)  # type: ignore[arg-type]
    assert find_canaries(str(raised.value)) == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor(kind="anonymous"),
        Actor(kind="system"),
        Actor(kind="system", id="retention"),
        Actor(kind="api_key", id="key_3f9a", role="integration"),
    ],
)
async def test_anonymous_system_and_key_actors_are_recorded(actor: Actor) -> None:
    entry = await _record(actor=actor)
    assert (entry.actor_kind, entry.actor_id, entry.role) == (actor.kind, actor.id, actor.role)
