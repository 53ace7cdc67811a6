"""Small factories for case-system tests: services, registrations, queued events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.casesystems.delivery import DeliveryReport, DeliveryWorker
from partner_contact.casesystems.models import CaseSystem
from partner_contact.casesystems.service import enqueue_event
from tests.fixtures.staff import auth_ctx, bearer_for, make_staff, on_app_loop
from tests.integration.org.directory_data import make_area, service_body

CASE_SYSTEMS = "/api/v1/case-systems"
# What a referral would put in an event: a canary stands in for her words.
PAYLOAD: dict[str, Any] = {
    "referral_id": "4f1c2a52-0000-4000-8000-000000000001",
    "first_name": "Rose",
    "notes": "canary-willow: call after nine, never at weekends",
}


@dataclass
class Admin:
    app: Litestar
    client: AsyncTestClient[Litestar]
    headers: dict[str, str]

    async def services(self, count: int = 1) -> list[str]:
        """Directory services to subscribe to (in a fresh area each time)."""
        area = await make_area(self.client, self.headers, name=f"Area {uuid.uuid4().hex[:6]}")
        ids = []
        for _ in range(count):
            response = await self.client.post(
                "/api/v1/services", headers=self.headers, json=service_body(area)
            )
            assert response.status_code == 201, response.text
            ids.append(str(response.json()["id"]))
        return ids

    async def register(self, url: str, service_ids: list[str], **extra: Any) -> dict[str, Any]:
        body = {"name": f"Cases {uuid.uuid4().hex[:6]}", "webhook_url": url}
        response = await self.client.post(
            CASE_SYSTEMS, headers=self.headers, json={**body, "service_ids": service_ids, **extra}
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def patch(self, system_id: str, **changes: Any) -> Any:
        return await self.client.patch(
            f"{CASE_SYSTEMS}/{system_id}", headers=self.headers, json=changes
        )

    async def deliveries(self, system_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"{CASE_SYSTEMS}/{system_id}/deliveries", headers=self.headers
        )
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result


async def make_admin(app: Litestar, client: AsyncTestClient[Litestar]) -> Admin:
    return Admin(app, client, await bearer_for(app, await make_staff(app, Role.admin)))


async def her_data_key(app: Litestar) -> uuid.UUID:
    """A data key standing in for a partner's (erasing her shreds it)."""
    ctx = auth_ctx(app)

    async def work() -> uuid.UUID:
        async with ctx.session_maker.begin() as session:
            return (await ctx.cipher().new_data_key(session)).id

    return await on_app_loop(app, work)


async def shred(app: Litestar, data_key_id: uuid.UUID) -> None:
    ctx = auth_ctx(app)

    async def work() -> None:
        async with ctx.session_maker.begin() as session:
            await ctx.cipher().shred(session, data_key_id)

    await on_app_loop(app, work)


async def queue_event(
    app: Litestar,
    system_id: str,
    data_key_id: uuid.UUID,
    *,
    payload: dict[str, Any] | None = None,
    kind: str = "referral.sent",
) -> str:
    """Queue an event the way referrals do, committed as a request would commit it."""
    ctx = auth_ctx(app)

    async def work() -> uuid.UUID:
        async with ctx.session_maker.begin() as session:
            system = await session.get(CaseSystem, uuid.UUID(system_id))
            assert system is not None
            return await enqueue_event(
                session,
                ctx.cipher(),
                case_system=system,
                kind=kind,
                subject_id=uuid.uuid4(),
                data_key_id=data_key_id,
                payload=PAYLOAD if payload is None else payload,
                now=ctx.clock(),
            )

    return str(await on_app_loop(app, work))


async def run_worker(app: Litestar, worker: DeliveryWorker | None = None) -> DeliveryReport:
    """One pass of the app's delivery worker (or another), on the app's loop."""
    chosen: DeliveryWorker = worker or app.state.case_system_worker
    return await on_app_loop(app, chosen.run_once)
