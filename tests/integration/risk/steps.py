"""Steps for risk tests: an admin loads a checklist, her worker records against it.

The test clock starts on Monday 2 March 2026, 09:00 UTC.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff
from tests.integration.outreach.flow import Flow

CANARY = "He said the canary-heron would not live to see spring"
CHECKLISTS = "/api/v1/risk/checklists"


def questions(count: int = 16) -> list[dict[str, str]]:
    return [{"key": f"q{n:02}", "text": f"Organisation question {n}?"} for n in range(1, count + 1)]


def answers(yes: int, total: int = 16, rest: str = "no") -> dict[str, str]:
    """The first ``yes`` questions answered "yes", the others ``rest``."""
    return {f"q{n:02}": "yes" if n <= yes else rest for n in range(1, total + 1)}


def risk_url(flow: Flow, what: str = "") -> str:
    return f"/api/v1/partners/{flow.partner['id']}/risk" + (f"/{what}" if what else "")


def proposal_url(proposal_id: str, action: str) -> str:
    return f"/api/v1/risk/referral-proposals/{proposal_id}/{action}"


async def admin_headers(app: Litestar) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, Role.admin))


async def load_checklist(
    flow: Flow, status: int = 201, *, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    payload = {"name": "Our checklist", "language": "en", "questions": questions(), **body}
    response = await flow.client.post(
        CHECKLISTS, json=payload, headers=headers or await admin_headers(flow.app)
    )
    assert response.status_code == status, response.text
    return response.json()


async def post(flow: Flow, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = await flow.client.post(path, json=body, headers=flow.headers)
    assert response.status_code == status, response.text
    return response.json()


async def get(flow: Flow, path: str) -> Any:
    response = await flow.client.get(path, headers=flow.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def record(flow: Flow, checklist_id: str, yes: int, /, status: int = 201, **body: Any) -> Any:
    """Her checklist with the first ``yes`` answers "yes"; ``body`` overrides any field."""
    payload = {"checklist_id": checklist_id, "answers": answers(yes), **body}
    return await post(flow, risk_url(flow, "checklists"), payload, status)
