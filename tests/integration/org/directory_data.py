"""Small factories for the org feature's integration tests."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff

AREAS = "/api/v1/areas"
SERVICES = "/api/v1/services"
SITUATION = "/api/v1/organisation/situation"


async def headers_for(app: Litestar, role: Role) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, role))


async def make_area(
    client: AsyncTestClient[Litestar], admin: dict[str, str], name: str = "North"
) -> str:
    response = await client.post(AREAS, headers=admin, json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def service_body(area_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Women's helpline {uuid.uuid4().hex[:6]}",
        "area_id": area_id,
        "phone": "+43 1 544 08 20",
        "opening_hours": {
            "time_zone": "Europe/Vienna",
            "periods": [
                {"weekday": "mon", "opens": "09:00", "closes": "17:00"},
                {"weekday": "tue", "opens": "09:00", "closes": "17:00"},
            ],
        },
        "languages": ["de", "en"],
        "is_operating_now": True,
        "accepts_self_referral": True,
        "accepts_agency_referral": False,
        "referral_endpoint": "https://cases.example.org/referrals",
    }
    return {**body, **overrides}
