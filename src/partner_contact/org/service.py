"""Finding the deployment's organisation."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.clock import Clock
from partner_contact.org.models import Organisation

DEFAULT_NAME = "Our organisation"


async def current_organisation(session: AsyncSession, *, clock: Clock) -> Organisation:
    """The deployment's organisation, created on first use (one per deployment for now)."""
    organisation = await session.scalar(
        select(Organisation).order_by(Organisation.created_at).limit(1)
    )
    if organisation is None:
        organisation = Organisation(id=uuid.uuid4(), name=DEFAULT_NAME, created_at=clock())
        session.add(organisation)
        await session.flush()
    return organisation
