"""Driving the outreach protocol through the HTTP API with the sandbox provider.

A case here is the partners' ``Case`` plus his screening (living with her, at work
Monday to Friday 08:00-18:00 in London) and her record. The default test clock starts on
Monday 2 March 2026, 09:00 UTC, inside her safe window and his working hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.messaging.dispatcher import DispatchReport
from tests.fixtures.staff import bearer_for, on_app_loop
from tests.integration.partners.cases import Case, create_partner, make_case

HER_PHONE = "+447700900123"
HER_EMAIL = "amira.canary@example.org"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
FACTORS = {
    "previous_dv_arrests": False,
    "court_mandated": False,
    "substance_use": False,
    "severe_physical_violence": False,
    "coercive_control": False,
    "high_jealousy": False,
    "low_motivation": False,
    "denies_responsibility": False,
}


@dataclass
class Flow:
    client: AsyncTestClient[Litestar]
    app: Litestar
    case: Case
    partner: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return self.case.worker_headers

    async def advance(self, **delta: float) -> None:
        """Move the clock; her worker signs in again (sessions end after a day)."""
        self.app.state.clock.advance(**delta)
        self.case.worker_headers = await bearer_for(self.app, self.case.worker)

    async def start(self, **headers: str) -> Any:
        response = await self.client.post(
            f"/api/v1/partners/{self.partner['id']}/outreach",
            headers={**self.headers, **headers},
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def outreach(self, outreach_id: str) -> Any:
        response = await self.client.get(f"/api/v1/outreach/{outreach_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def state(self, outreach_id: str) -> str:
        state: str = (await self.outreach(outreach_id))["outreach"]["state"]
        return state

    async def dispatch(self) -> DispatchReport:
        report: DispatchReport = await on_app_loop(self.app, self.app.state.dispatcher.run_once)
        return report

    async def mailbox(self) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/sandbox/messages", headers=self.headers)
        assert response.status_code == 200, response.text
        return list(reversed(response.json()))  # oldest first

    async def reply(self, body: str, *, sender: str = HER_PHONE, channel: str = "sms") -> Any:
        response = await self.client.post(
            "/api/v1/sandbox/replies",
            json={"channel": channel, "sender": sender, "body": body},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def fail(
        self, sandbox_id: str, error_code: str = "30003", *, permanent: bool = True
    ) -> Any:
        response = await self.client.post(
            f"/api/v1/sandbox/messages/{sandbox_id}/status",
            json={"status": "failed", "error_code": error_code, "is_permanent": permanent},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def alerts(self) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/alerts", headers=self.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def working_hours(start: str = "08:00", end: str = "18:00") -> dict[str, Any]:
    return {
        "zone": "Europe/London",
        "ranges": [{"weekday": day, "start": start, "end": end} for day in WEEKDAYS],
    }


async def record_screening(client: AsyncTestClient[Litestar], case: Case, **overrides: Any) -> None:
    body: dict[str, Any] = {
        "living_situation": "with_long_term_partner",
        "children_count": 0,
        "work": "outside_home",
        "group_has_met": False,
        "risk_factors": FACTORS,
        "working_hours": working_hours(),
        **overrides,
    }
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/screenings",
        json=body,
        headers=case.facilitator_headers,
    )
    assert response.status_code == 201, response.text


async def make_flow(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    *,
    screening: dict[str, Any] | None = None,
    **partner: Any,
) -> Flow:
    """A case with his screening and her record (SMS then e-mail; weekdays 08:30-17:00)."""
    case = await make_case(app)
    await record_screening(client, case, **(screening or {}))
    body = {
        "phone": HER_PHONE,
        "email": HER_EMAIL,
        "channels": ["sms", "email"],
        "safe_windows": [{"weekday": day, "start": "08:30", "end": "17:00"} for day in WEEKDAYS],
        **partner,
    }
    created = await create_partner(client, case, **body)
    return Flow(client=client, app=app, case=case, partner=created)
