"""Which guidance cards her worker read to her: card versions, never their text.

That she was given footprint or stalkerware advice says she fears being watched, so
both recording and reading these rows reach her record through ``reachable_partner``
(404 otherwise) and write an access-log entry in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.guidance import service
from partner_contact.guidance.cards import (
    CardKey,
    CardRef,
    Platform,
    Topic,
    card_ref,
    parse_card_ref,
)
from partner_contact.guidance.models import GuidanceGiven
from partner_contact.guidance.schemas import GuidanceGivenCreate, GuidanceGivenRead
from partner_contact.outreach.models import Outreach
from partner_contact.partners.access import reachable_partner
from partner_contact.partners.context import Caller

TABLE: Final = "guidance_given"
MAX_CARDS: Final = 20


def _invalid(errors: list[FieldError]) -> DomainError:
    return DomainError(
        "invalid_guidance_given", "The cards given are not valid", status=422, errors=errors
    )


def _read(row: GuidanceGiven) -> GuidanceGivenRead:
    key = CardKey(Topic(row.topic), Platform(row.platform), row.locale)
    return GuidanceGivenRead(
        id=row.id,
        partner_id=row.partner_id,
        outreach_id=row.outreach_id,
        card_ref=card_ref(key, row.version),
        topic=key.topic,
        platform=key.platform,
        locale=row.locale,
        version=row.version,
        given_by=row.given_by,
        given_at=row.given_at,
    )


async def _checked_refs(
    session: AsyncSession, *, organisation_id: uuid.UUID, raw_refs: list[str]
) -> list[CardRef]:
    if not 1 <= len(raw_refs) <= MAX_CARDS:
        raise _invalid([FieldError("card_refs", f"between 1 and {MAX_CARDS} cards")])
    if len(set(raw_refs)) != len(raw_refs):
        raise _invalid([FieldError("card_refs", "each card at most once")])
    refs, errors = [], []
    for index, raw in enumerate(raw_refs):
        ref = parse_card_ref(raw)
        if ref is None or not await service.is_in_use(
            session, organisation_id=organisation_id, key=ref.key, version=ref.version
        ):
            errors.append(FieldError(f"card_refs[{index}]", "no such card in use"))
        else:
            refs.append(ref)
    if errors:
        raise _invalid(errors)
    return refs


async def record_given(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: GuidanceGivenCreate
) -> list[GuidanceGivenRead]:
    """Record the card versions read to her, all or none."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    refs = await _checked_refs(
        session, organisation_id=partner.organisation_id, raw_refs=data.card_refs
    )
    if data.outreach_id is not None:
        owner = await session.scalar(
            select(Outreach.partner_id).where(Outreach.id == data.outreach_id)
        )
        if owner != partner.id:
            raise _invalid([FieldError("outreach_id", "No such outreach with her")])
    now = caller.clock()
    rows = [
        GuidanceGiven(
            id=uuid.uuid4(),
            organisation_id=partner.organisation_id,
            partner_id=partner.id,
            outreach_id=data.outreach_id,
            topic=ref.key.topic.value,
            platform=ref.key.platform.value,
            locale=ref.key.locale,
            version=ref.version,
            given_by=caller.principal.user_id,
            given_at=now,
        )
        for ref in refs
    ]
    session.add_all(rows)
    await session.flush()
    await caller.log(session, action="guidance.given", object_type="partner", object_id=partner.id)
    return [_read(row) for row in rows]


async def list_given(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[GuidanceGivenRead]:
    """The cards she was given, newest first: a read logged for a call."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    rows = await session.scalars(
        select(GuidanceGiven)
        .where(GuidanceGiven.partner_id == partner.id)
        .order_by(GuidanceGiven.given_at.desc(), GuidanceGiven.topic, GuidanceGiven.platform)
    )
    result = [_read(row) for row in rows]
    await caller.log(
        session,
        action="guidance.given.read",
        object_type="partner",
        object_id=partner.id,
        purpose="call",
    )
    return result
