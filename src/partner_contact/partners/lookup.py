"""Finding her by an inbound phone number, through its blind index only."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.crypto.keyring import Keyring
from partner_contact.partners.models import Partner


class Match(msgspec.Struct, frozen=True, kw_only=True):
    """``one`` carries the partner; ``ambiguous`` means two records share the number,
    and a worker must decide: the service never guesses whose reply it is."""

    kind: Literal["one", "none", "ambiguous"]
    partner_id: uuid.UUID | None = None


async def find_partner_by_phone(session: AsyncSession, keyring: Keyring, e164: str) -> Match:
    """``e164`` must already be normalised (``validation.normalise_phone``)."""
    index = keyring.blind_index("phone", e164)
    ids = (
        await session.scalars(select(Partner.id).where(Partner.phone_index == index).limit(2))
    ).all()
    if not ids:
        return Match(kind="none")
    if len(ids) > 1:
        return Match(kind="ambiguous")
    return Match(kind="one", partner_id=ids[0])
