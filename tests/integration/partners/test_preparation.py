"""The preparation checklist of a case, derived from what is recorded, in levels 1-3."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.org.situation import PREPARATION_TASKS
from tests.fixtures.staff import bearer_for, make_staff, make_team
from tests.integration.partners.cases import Case, create_partner, make_case

NOT_APPLICABLE = {"applies": False, "items": []}


def _url(participant_id: object) -> str:
    return f"/api/v1/participants/{participant_id}/preparation"


async def _record_level(client: AsyncTestClient[Litestar], case: Case, level: int) -> None:
    body: dict[str, Any] = {"level": level, "effective_date": "2026-03-01"}
    if level == 3:
        body["lockdown_date"] = "2026-03-20"
    response = await client.post(
        "/api/v1/organisation/situation", json=body, headers=case.supervisor_headers
    )
    assert response.status_code == 201, response.text


async def _statuses(
    client: AsyncTestClient[Litestar], case: Case, headers: dict[str, str] | None = None
) -> dict[str, tuple[bool, str]]:
    response = await client.get(_url(case.participant_id), headers=headers or case.worker_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["applies"] is True
    assert [item["code"] for item in body["items"]] == [task.code for task in PREPARATION_TASKS]
    return {item["code"]: (item["done"], item["status"]) for item in body["items"]}


async def test_no_checklist_before_a_situation_is_recorded_or_once_in_lockdown(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await create_partner(client, case)
    unrecorded = await client.get(_url(case.participant_id), headers=case.worker_headers)
    assert unrecorded.status_code == 200
    assert unrecorded.json() == NOT_APPLICABLE
    await _record_level(client, case, 4)
    in_lockdown = await client.get(_url(case.participant_id), headers=case.supervisor_headers)
    assert in_lockdown.json() == NOT_APPLICABLE


async def test_a_case_without_partners_has_everything_still_to_do(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await _record_level(client, case, 3)
    assert await _statuses(client, case) == {
        "contact_details_and_consent": (False, "not_done"),
        "preparatory_partner_contact": (False, "not_done"),
        "safe_channels_and_times": (False, "not_done"),
    }


async def test_items_are_derived_from_her_recorded_details_channels_and_windows(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await _record_level(client, case, 2)
    partner = await create_partner(client, case)
    assert await _statuses(client, case) == {
        "contact_details_and_consent": (True, "done"),
        "preparatory_partner_contact": (False, "not_done"),
        "safe_channels_and_times": (True, "done"),
    }
    # A second partner with nothing agreed yet: one partner is enough for the details,
    # but every partner needs her own channels and times.
    second = await create_partner(
        client, case, alias="Ivy", phone=None, email=None, channels=[], safe_windows=[]
    )
    statuses = await _statuses(client, case, case.supervisor_headers)
    assert statuses["contact_details_and_consent"] == (True, "done")
    assert statuses["safe_channels_and_times"] == (False, "not_done")
    await client.patch(
        f"/api/v1/partners/{second['id']}",
        json={"whatsapp": "+447700900456", "channels": ["whatsapp"]},
        headers=case.worker_headers,
    )
    assert (await _statuses(client, case))["safe_channels_and_times"] == (False, "not_done")
    for partner_id in (partner["id"], second["id"]):
        response = await client.patch(
            f"/api/v1/partners/{partner_id}",
            json={
                "channels": ["whatsapp"] if partner_id == second["id"] else [],
                "safe_windows": [{"weekday": "tue", "start": "10:00", "end": "11:00"}],
            },
            headers=case.worker_headers,
        )
        assert response.status_code == 200, response.text
    statuses = await _statuses(client, case)
    # Her details are there but no channel is agreed for the first partner any more.
    assert statuses["contact_details_and_consent"] == (True, "done")
    assert statuses["safe_channels_and_times"] == (False, "not_done")


async def _call_her(client: AsyncTestClient[Litestar], case: Case, partner_id: str) -> None:
    started = await client.post(
        f"/api/v1/partners/{partner_id}/outreach", json={}, headers=case.worker_headers
    )
    assert started.status_code == 201, started.text
    call = await client.post(
        f"/api/v1/outreach/{started.json()['id']}/call",
        json={"outcome": "spoke_safely"},
        headers=case.worker_headers,
    )
    assert call.status_code == 200, call.text


async def _decide(client: AsyncTestClient[Litestar], case: Case, partner_id: str) -> None:
    response = await client.post(
        f"/api/v1/partners/{partner_id}/consent",
        json={"decision": "not_permitted", "review_after": "2026-09-01"},
        headers=case.worker_headers,
    )
    assert response.status_code == 201, response.text


async def test_the_preparatory_contact_needs_every_partner_reached_and_her_decision(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await _record_level(client, case, 3)
    first = await create_partner(client, case)
    second = await create_partner(client, case, alias="Ivy", phone="+447700900456")

    async def preparatory() -> tuple[bool, str]:
        return (await _statuses(client, case))["preparatory_partner_contact"]

    # A decision recorded without reaching her, or a call without her decision, is not it.
    await _decide(client, case, first["id"])
    assert await preparatory() == (False, "not_done")
    await _call_her(client, case, first["id"])
    await _call_her(client, case, second["id"])
    assert await preparatory() == (False, "not_done")
    await _decide(client, case, second["id"])
    assert await preparatory() == (True, "done")
    # She withdraws her decision: she has to be asked again.
    withdrawn = await client.post(
        f"/api/v1/partners/{second['id']}/consent/withdraw", headers=case.worker_headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert await preparatory() == (False, "not_done")


async def test_only_her_worker_and_supervisors_reach_the_checklist(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    await _record_level(client, case, 1)
    await create_partner(client, case)
    facilitator = await client.get(_url(case.participant_id), headers=case.facilitator_headers)
    assert facilitator.status_code == 403
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    for headers, participant_id in (
        (stranger, case.participant_id),
        (case.worker_headers, uuid.uuid4()),
    ):
        missing = await client.get(_url(participant_id), headers=headers)
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
    assert (await _statuses(client, case, case.supervisor_headers))["safe_channels_and_times"][0]
