"""Inbound lookup by blind index: the right partner among many, or "ambiguous"."""

from __future__ import annotations

import uuid

from litestar import Litestar
from sqlalchemy import insert

from partner_contact.auth.roles import Role
from partner_contact.org.service import current_organisation
from partner_contact.partners.lookup import Match, find_partner_by_phone
from partner_contact.partners.models import Partner
from tests.fixtures.staff import auth_ctx, make_staff, on_app_loop
from tests.integration.partners.cases import make_participant

COUNT = 10_000


def _number(n: int) -> str:
    return f"+4477009{n:05d}"


async def _plant(app: Litestar, numbers: list[str]) -> list[uuid.UUID]:
    """Bulk-insert partners with precomputed indexes; their ciphertexts are not read here."""
    ctx = auth_ctx(app)
    keyring = ctx.keyring_file.current()
    creator = await make_staff(app, Role.partner_worker, with_totp=False)
    participant_id = await make_participant(app)

    async def work() -> list[uuid.UUID]:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            data_key = await ctx.cipher().new_data_key(session)
            now = ctx.clock()
            rows = [
                {
                    "id": uuid.uuid4(),
                    "data_key_id": data_key.id,
                    "organisation_id": organisation.id,
                    "participant_id": participant_id,
                    "alias": b"-",
                    "profile": b"-",
                    "phone_index": keyring.blind_index("phone", number),
                    "may_name_org": False,
                    "is_do_not_contact": False,
                    "code_word_failures": 0,
                    "created_by": creator.user.id,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in numbers
            ]
            await session.execute(insert(Partner), rows)
            return [row["id"] for row in rows]

    return await on_app_loop(app, work)


async def _find(app: Litestar, e164: str) -> Match:
    ctx = auth_ctx(app)
    async with ctx.session_maker() as session:
        return await find_partner_by_phone(session, ctx.keyring_file.current(), e164)


async def test_finds_the_one_partner_among_ten_thousand(app: Litestar) -> None:
    ids = await _plant(app, [_number(n) for n in range(COUNT)])
    assert await _find(app, _number(4242)) == Match(kind="one", partner_id=ids[4242])
    assert await _find(app, "+447700800000") == Match(kind="none")


async def test_two_partners_sharing_a_number_are_ambiguous(app: Litestar) -> None:
    await _plant(app, [_number(1), _number(1), _number(2)])
    assert await _find(app, _number(1)) == Match(kind="ambiguous")
