"""Referrals by service in the outreach report: sent in the period, under 5 shown as "<5".

Referral rows are written straight to the database (placeholder ciphertexts: the report
never opens them) to keep the test quick.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.org.service import current_organisation
from partner_contact.partners.models import Partner
from partner_contact.referrals.models import Referral
from tests.fixtures.staff import auth_ctx, on_app_loop
from tests.integration.partners.cases import Case, make_case
from tests.integration.referrals.world import make_world

REPORT = "/api/v1/reports/outreach"


async def seed_referrals(
    app: Litestar,
    case: Case,
    service_id: str,
    count: int,
    *,
    sent_at: datetime | None,
    status: str = "sent",
) -> None:
    """``count`` partners of his, each with one referral to the service."""
    ctx = auth_ctx(app)

    async def work() -> None:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            data_key = await ctx.cipher().new_data_key(session)
            now = ctx.clock()
            for _ in range(count):
                partner = Partner(
                    id=uuid.uuid4(),
                    data_key_id=data_key.id,
                    organisation_id=organisation.id,
                    participant_id=case.participant_id,
                    alias=b"sealed",
                    profile=b"sealed",
                    created_by=case.worker.user.id,
                    created_at=now,
                    updated_at=now,
                )
                session.add(partner)
                await session.flush()
                session.add(
                    Referral(
                        id=uuid.uuid4(),
                        organisation_id=organisation.id,
                        partner_id=partner.id,
                        service_id=uuid.UUID(service_id),
                        status=status,
                        delivery=None if sent_at is None else "manual",
                        sent_at=sent_at,
                        created_by=case.worker.user.id,
                        created_at=now,
                    )
                )

    await on_app_loop(app, work)


async def test_referrals_are_counted_by_service_and_small_counts_suppressed(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    now = world.app.state.clock()
    five, four, none, earlier = [
        await world.service(name=name) for name in ("Alder", "Birch", "Cedar", "Damson")
    ]
    await seed_referrals(app, world.case, five, 5, sent_at=now - timedelta(days=3))
    await seed_referrals(app, world.case, four, 4, sent_at=now - timedelta(days=1))
    await seed_referrals(app, world.case, four, 3, sent_at=None, status="agreed")
    await seed_referrals(app, world.case, earlier, 6, sent_at=now - timedelta(days=60))
    # Another team's case: not in this supervisor's report.
    await seed_referrals(app, await make_case(app), four, 2, sent_at=now)
    await world.set_service(none, is_active=False)

    response = await client.get(REPORT, headers=world.case.supervisor_headers)
    assert response.status_code == 200, response.text
    assert response.json()["referrals_by_service"] == [
        {"service": "Alder", "count": 5},
        {"service": "Birch", "count": "<5"},
        {"service": "Cedar", "count": "<5"},
        {"service": "Damson", "count": "<5"},
    ]

    admin = await client.get(REPORT, headers=world.admin)
    assert {row["service"]: row["count"] for row in admin.json()["referrals_by_service"]} == {
        "Alder": 5,
        "Birch": 6,
        "Cedar": "<5",
        "Damson": "<5",
    }
    longer = await client.get(
        REPORT, params={"from": "2025-12-01", "to": "2026-03-02"}, headers=world.admin
    )
    assert [row["count"] for row in longer.json()["referrals_by_service"]] == [5, 6, "<5", 6]
