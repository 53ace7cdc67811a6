"""Recording in the caller's transaction or in its own, and reading back for the auditor."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partner_contact.audit.chain import seal_pending
from partner_contact.audit.models import AccessLogEntry
from partner_contact.audit.service import (
    Actor,
    iter_entries,
    list_entries,
    record_in_own_transaction,
    render_jsonl,
)
from partner_contact.clock import ManualClock
from tests.integration.audit.factories import a_worker, record, record_committed


async def _actions(engine: AsyncEngine) -> list[str]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(AccessLogEntry.action).order_by("occurred_at"))
        return list(rows)


async def test_an_entry_commits_with_the_action_it_records(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await record(session, clock, action="partner.update")
    assert await _actions(engine) == ["partner.update"]


async def test_an_entry_of_a_rolled_back_transaction_does_not_exist(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with AsyncSession(engine) as session:
        await record(session, clock, action="partner.update")
        await session.flush()  # it reached the database, inside the transaction
        await session.rollback()
    assert await _actions(engine) == []


@pytest.mark.parametrize("via", ["engine", "session_maker"])
async def test_an_entry_in_its_own_transaction_survives_the_request_rollback(
    engine: AsyncEngine, clock: ManualClock, via: str
) -> None:
    target = engine if via == "engine" else async_sessionmaker(engine)
    async with AsyncSession(engine) as request_session:
        denial = await record_in_own_transaction(
            target,
            actor=Actor(kind="anonymous"),
            action="access.denied",
            outcome="denied",
            object_type="partner",
            object_id="b1c2d3e4",
            clock=clock,
        )
        await record(request_session, clock, action="partner.update")
        await request_session.flush()
        await request_session.rollback()
    assert await _actions(engine) == ["access.denied"]
    assert denial.action == "access.denied"  # still readable after its session closed


async def _all_pages(session: AsyncSession, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = await list_entries(session, limit=limit, after=after)
        pages.append([entry.action for entry in page.entries])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


async def test_pages_walk_every_entry_once_oldest_first(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    for number in range(5):
        await record_committed(engine, clock, action=f"partner.read_{number}")
    async with AsyncSession(engine) as session:
        pages = await _all_pages(session, limit=2)
    assert pages == [
        ["partner.read_0", "partner.read_1"],
        ["partner.read_2", "partner.read_3"],
        ["partner.read_4"],
    ]


async def test_entries_of_the_same_instant_page_in_id_order(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        entries = [await record(session, ManualClock(clock.current)) for _ in range(5)]
    async with AsyncSession(engine) as session:
        first = await list_entries(session, limit=3)
        rest = await list_entries(session, limit=3, after=first.next_cursor)
    listed = [entry.id for entry in (*first.entries, *rest.entries)]
    assert listed == sorted(entry.id for entry in entries)
    assert rest.next_cursor is None


async def test_entries_arriving_between_pages_neither_repeat_nor_shift_them(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    for number in range(4):
        await record_committed(engine, clock, action=f"partner.read_{number}")
    # Each page is its own request, as through the API.
    async with AsyncSession(engine) as session:
        first = await list_entries(session, limit=2)
    await record_committed(engine, clock, action="partner.read_new")
    async with AsyncSession(engine) as session:
        second = await list_entries(session, limit=10, after=first.next_cursor)
    assert [entry.action for entry in second.entries] == [
        "partner.read_2",
        "partner.read_3",
        "partner.read_new",
    ]


async def test_unsealed_and_sealed_entries_are_both_listed(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await record_committed(engine, clock, 2)
    await seal_pending(engine, clock=clock)
    await record_committed(engine, clock)
    async with AsyncSession(engine) as session:
        page = await list_entries(session)
    assert [entry.seq for entry in page.entries] == [1, 2, None]


async def test_filters_narrow_to_an_actor_an_object_an_action_and_a_time_window(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    start = clock.current
    (by_her_worker,) = await record_committed(engine, clock, actor=a_worker("w-1"))
    (of_her_record,) = await record_committed(engine, clock, object_id="p-1")
    (a_denial,) = await record_committed(engine, clock, action="access.denied", outcome="denied")
    async with AsyncSession(engine) as session:

        async def ids(**filters: Any) -> list[uuid.UUID]:
            page = await list_entries(session, **filters)
            return [entry.id for entry in page.entries]

        assert await ids(actor_id="w-1") == [by_her_worker.id]
        assert await ids(object_type="partner", object_id="p-1") == [of_her_record.id]
        assert await ids(action="access.denied") == [a_denial.id]
        window = {"since": start + timedelta(seconds=2), "until": start + timedelta(seconds=3)}
        assert await ids(**window) == [of_her_record.id]


async def test_a_page_size_outside_1_to_500_is_refused(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        for limit in (0, 501):
            with pytest.raises(ValueError, match="limit"):
                await list_entries(session, limit=limit)


async def test_an_export_streams_every_matching_entry_across_batches(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    await record_committed(engine, clock, 5, actor=a_worker("w-1"))
    await record_committed(engine, clock, 2)
    async with AsyncSession(engine) as session:
        entries = iter_entries(session, actor_id="w-1", batch_size=2)
        lines = [json.loads(line) async for line in render_jsonl(entries)]
    assert len(lines) == 5
    assert {line["actor_id"] for line in lines} == {"w-1"}
    assert [line["occurred_at"] for line in lines] == sorted(line["occurred_at"] for line in lines)
