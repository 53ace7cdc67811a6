"""Factories for referral tests: her case and record, directory services, case systems.

Her record carries canaries (alias, phone, e-mail, safe window, the note) so a test can
check which of them reached a service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from partner_contact.auth.roles import Role, Scope
from partner_contact.casesystems.models import CaseSystemDelivery
from tests.fixtures.staff import api_key_headers, auth_ctx, on_app_loop
from tests.integration.org.directory_data import AREAS, SERVICES, headers_for, service_body
from tests.integration.partners.cases import Case, create_partner, make_case

ALIAS = "Wren Canaryfield"
PHONE = "+447700900123"
EMAIL = "amira.canary@example.org"
WINDOW = {"weekday": "wed", "start": "13:17", "end": "14:43"}
NOTE = "She would like a call about the canary-heron housing question"
SHARE_ALL = ["alias", "phone", "email", "safe_times", "note"]


@dataclass
class World:
    app: Litestar
    client: AsyncTestClient[Litestar]
    case: Case
    partner_id: str
    admin: dict[str, str]
    area_id: str

    @property
    def headers(self) -> dict[str, str]:
        return self.case.worker_headers

    async def service(self, area_id: str | None = None, **overrides: Any) -> str:
        """A directory service taking agency referrals and operating now (in her area)."""
        overrides = {"accepts_agency_referral": True, **overrides}
        body = service_body(area_id or self.area_id, **overrides)
        response = await self.client.post(SERVICES, json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def set_service(self, service_id: str, **changes: Any) -> None:
        response = await self.client.patch(
            f"{SERVICES}/{service_id}", json=changes, headers=self.admin
        )
        assert response.status_code == 200, response.text

    async def partner(self) -> str:
        """Another partner of his, on the same case."""
        details = _her_details(self.area_id)
        return str((await create_partner(self.client, self.case, **details))["id"])

    async def propose(
        self, service_id: str, *, partner_id: str | None = None, **body: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/partners/{partner_id or self.partner_id}/referrals",
            json={"service_id": service_id, **body},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def act(self, referral_id: str, action: str, body: Any = None) -> Any:
        """POST an action (agreement, send, withdraw, close) and return the response."""
        return await self.client.post(
            f"/api/v1/referrals/{referral_id}/{action}", json=body, headers=self.headers
        )

    async def agree(self, referral_id: str, share: list[str] | None = None) -> dict[str, Any]:
        response = await self.act(referral_id, "agreement", {"agreed": True, "share": share or []})
        assert response.status_code == 200, response.text
        agreed: dict[str, Any] = response.json()
        return agreed

    async def send(self, referral_id: str) -> dict[str, Any]:
        response = await self.act(referral_id, "send")
        assert response.status_code == 200, response.text
        sent: dict[str, Any] = response.json()
        return sent

    async def sent_referral(
        self, service_id: str, share: list[str] | None = None, **body: Any
    ) -> dict[str, Any]:
        referral = await self.propose(service_id, **body)
        await self.agree(referral["id"], share)
        return await self.send(referral["id"])

    async def case_system(self, service_ids: list[str], *scopes: Scope) -> dict[str, str]:
        """A case system subscribed to these services; the headers of its key."""
        headers = await api_key_headers(
            self.app, *(scopes or (Scope.referrals_read, Scope.referrals_write))
        )
        response = await self.client.post(
            "/api/v1/case-systems",
            json={
                "name": f"Cases {uuid.uuid4().hex[:6]}",
                "webhook_url": "https://cases.example.org/hooks",
                "service_ids": service_ids,
                "api_key_id": key_id_of(headers),
            },
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return headers


def key_id_of(headers: dict[str, str]) -> str:
    """The id part of an integration key ``pc_<id>_<secret>``."""
    return headers["Authorization"].removeprefix("Bearer pc_").split("_", 1)[0]


def _her_details(area_id: str) -> dict[str, Any]:
    return {
        "area_id": area_id,
        "alias": ALIAS,
        "phone": PHONE,
        "email": EMAIL,
        "safe_windows": [WINDOW],
        "channels": ["sms", "email"],
    }


async def make_world(app: Litestar, client: AsyncTestClient[Litestar]) -> World:
    case = await make_case(app)
    admin = await headers_for(app, Role.admin)
    area = await client.post(AREAS, headers=admin, json={"name": f"Area {uuid.uuid4().hex[:6]}"})
    assert area.status_code == 201, area.text
    partner = await create_partner(client, case, **_her_details(area.json()["id"]))
    return World(
        app=app,
        client=client,
        case=case,
        partner_id=str(partner["id"]),
        admin=admin,
        area_id=str(area.json()["id"]),
    )


async def deliveries(app: Litestar, subject_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Events queued for case systems about one referral that still hold a payload (not
    delivered, failed or cancelled yet): (kind, opened payload), oldest first."""
    ctx = auth_ctx(app)

    async def work() -> list[tuple[str, dict[str, Any]]]:
        cipher = ctx.cipher()
        async with ctx.session_maker() as session:
            rows = (
                await session.scalars(
                    select(CaseSystemDelivery)
                    .where(
                        CaseSystemDelivery.subject_id == uuid.UUID(subject_id),
                        CaseSystemDelivery.payload.is_not(None),
                    )
                    .order_by(CaseSystemDelivery.created_at, CaseSystemDelivery.kind)
                )
            ).all()
            opened = []
            for row in rows:
                assert row.payload is not None
                text = await cipher.decrypt(
                    session,
                    data_key_id=row.data_key_id,
                    table="case_system_delivery",
                    column="payload",
                    record_id=row.event_id,
                    ciphertext=row.payload,
                )
                opened.append((row.kind, msgspec.json.decode(text)))
            return opened

    return await on_app_loop(app, work)
