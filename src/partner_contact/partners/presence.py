"""Which partner workers are online: one row per open alert stream, on any node.

A stream refreshes its row every keep-alive and deletes it when it ends; a worker is
online while one of her rows was seen within :data:`ONLINE_SECONDS` (so a node that
died takes her offline within that time). Rows hold ids and times only.

Presence is about real time: it uses the wall clock, not the application's clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    SQLColumnExpression,
    delete,
    exists,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base
from partner_contact.partners.alert_bus import announce

# Streams refresh their row every 15 s; three missed refreshes and she is offline.
ONLINE_SECONDS: Final = 45
# Rows left by a node that died are removed when a stream opens.
STALE_AFTER: Final = timedelta(hours=1)


class StaffPresence(Base):
    """An open alert stream of a member of staff."""

    __tablename__ = "staff_presence"

    # The stream's own id: a worker may have several (two tabs, two devices).
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime]
    last_seen: Mapped[datetime]


def online_since(now: datetime) -> datetime:
    return now - timedelta(seconds=ONLINE_SECONDS)


def is_online(user_id: SQLColumnExpression[uuid.UUID | None], now: datetime) -> ColumnElement[bool]:
    """Condition: the member of staff ``user_id`` names has an alert stream open now."""
    return exists().where(
        StaffPresence.user_id == user_id, StaffPresence.last_seen >= online_since(now)
    )


async def join(
    session_maker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, now: datetime
) -> uuid.UUID:
    """Record a newly opened stream; returns its presence id."""
    presence_id = uuid.uuid4()
    async with session_maker.begin() as session:
        await session.execute(
            delete(StaffPresence).where(StaffPresence.last_seen < now - STALE_AFTER)
        )
        session.add(StaffPresence(id=presence_id, user_id=user_id, opened_at=now, last_seen=now))
    return presence_id


async def refresh(
    session_maker: async_sessionmaker[AsyncSession],
    presence_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> None:
    """Still here; the row comes back if something removed it meanwhile."""
    async with session_maker.begin() as session:
        result = await session.execute(
            update(StaffPresence).where(StaffPresence.id == presence_id).values(last_seen=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            session.add(
                StaffPresence(id=presence_id, user_id=user_id, opened_at=now, last_seen=now)
            )


async def leave(session_maker: async_sessionmaker[AsyncSession], presence_id: uuid.UUID) -> None:
    """The stream ended: her team's streams look again (what she would have got is theirs)."""
    async with session_maker.begin() as session:
        await session.execute(delete(StaffPresence).where(StaffPresence.id == presence_id))
        await announce(session)


async def online_users(session: AsyncSession, now: datetime) -> set[uuid.UUID]:
    """Everyone online now (for operators and tests)."""
    rows = await session.scalars(
        select(StaffPresence.user_id).where(StaffPresence.last_seen >= online_since(now))
    )
    return set(rows)
