"""Staff around one case, and request bodies for participants and screenings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import StaffMember, bearer_for, make_staff, make_team

FACTORS = (
    "previous_dv_arrests",
    "court_mandated",
    "substance_use",
    "severe_physical_violence",
    "coercive_control",
    "high_jealousy",
    "low_motivation",
    "denies_responsibility",
)


@dataclass
class Staff:
    """A partner team (worker, supervisor), a facilitator outside it, and an admin."""

    team_id: uuid.UUID
    admin: StaffMember
    facilitator: StaffMember
    worker: StaffMember
    supervisor: StaffMember
    headers: dict[str, dict[str, str]]


async def make_case_staff(app: Litestar) -> Staff:
    team_id = await make_team(app)
    members = {
        "admin": await make_staff(app, Role.admin),
        "facilitator": await make_staff(app, Role.facilitator),
        "worker": await make_staff(app, Role.partner_worker, team_id=team_id),
        "supervisor": await make_staff(app, Role.supervisor, team_id=team_id),
    }
    headers = {name: await bearer_for(app, member) for name, member in members.items()}
    return Staff(team_id=team_id, headers=headers, **members)


def participant_body(staff: Staff, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": f"P-{uuid.uuid4().hex[:4]}",
        "group_name": "Tuesday group",
        "facilitator_id": str(staff.facilitator.user.id),
        "partner_worker_id": str(staff.worker.user.id),
        "partner_team_id": str(staff.team_id),
    }
    return {**body, **overrides}


async def create_participant(
    client: AsyncTestClient[Litestar], staff: Staff, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/participants",
        json=participant_body(staff, **overrides),
        headers=staff.headers["admin"],
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def screening_body(*factors: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "living_situation": "with_long_term_partner",
        "children_count": 0,
        "work": "outside_home",
        "working_hours": {
            "zone": "Europe/London",
            "ranges": [
                {"weekday": day, "start": "08:00", "end": "17:00"} for day in ("mon", "tue", "wed")
            ],
        },
        "group_has_met": False,
        "risk_factors": {factor: factor in factors for factor in FACTORS},
    }
    return {**body, **overrides}
