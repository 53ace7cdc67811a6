"""Factories for partner tests: participants made directly, partners through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.org.service import current_organisation
from partner_contact.participants.models import Participant
from tests.fixtures.staff import (
    StaffMember,
    auth_ctx,
    bearer_for,
    make_staff,
    make_team,
    on_app_loop,
)


async def make_participant(
    app: Litestar,
    *,
    facilitator_id: uuid.UUID | None = None,
    partner_worker_id: uuid.UUID | None = None,
    partner_team_id: uuid.UUID | None = None,
) -> uuid.UUID:
    ctx = auth_ctx(app)

    async def work() -> uuid.UUID:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            data_key = await ctx.cipher().new_data_key(session)
            participant = Participant(
                id=uuid.uuid4(),
                data_key_id=data_key.id,
                organisation_id=organisation.id,
                reference=f"P-{uuid.uuid4().hex[:8]}",
                facilitator_id=facilitator_id,
                partner_worker_id=partner_worker_id,
                partner_team_id=partner_team_id,
                created_at=ctx.clock(),
            )
            session.add(participant)
            return participant.id

    return await on_app_loop(app, work)


def partner_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "alias": "Rose",
        "relationship": "current",
        "language": "en",
        "time_zone": "Europe/London",
        "phone": "+447700900123",
        "email": "Amira.Canary@Example.org",
        "safe_windows": [{"weekday": "mon", "start": "09:00", "end": "11:30"}],
        "channels": ["sms", "email"],
    }
    return {**body, **overrides}


@dataclass
class Case:
    """A participant with his facilitator, a partner worker and a supervisor of her team."""

    participant_id: uuid.UUID
    worker: StaffMember
    facilitator: StaffMember
    supervisor: StaffMember
    worker_headers: dict[str, str]
    facilitator_headers: dict[str, str]
    supervisor_headers: dict[str, str]


async def make_case(app: Litestar) -> Case:
    team = await make_team(app)
    worker = await make_staff(app, Role.partner_worker, team_id=team)
    supervisor = await make_staff(app, Role.supervisor, team_id=team)
    facilitator = await make_staff(app, Role.facilitator)
    participant_id = await make_participant(
        app, facilitator_id=facilitator.user.id, partner_worker_id=worker.user.id
    )
    return Case(
        participant_id=participant_id,
        worker=worker,
        facilitator=facilitator,
        supervisor=supervisor,
        worker_headers=await bearer_for(app, worker),
        facilitator_headers=await bearer_for(app, facilitator),
        supervisor_headers=await bearer_for(app, supervisor),
    )


async def create_partner(
    client: AsyncTestClient[Litestar], case: Case, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/partners",
        json=partner_body(**overrides),
        headers=case.worker_headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
