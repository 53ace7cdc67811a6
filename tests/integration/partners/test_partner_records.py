"""Partner records: validation, masking, details read for a purpose, object-level access."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.partners.cases import (
    create_partner,
    make_case,
    make_participant,
    partner_body,
)


async def test_create_stores_e164_and_lists_masked_values_only(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    created = await create_partner(
        client, case, phone="07700 900123", phone_region="GB", whatsapp="+447700900199"
    )
    assert created["phone"] == "•••• 23"
    assert created["whatsapp"] == "•••• 99"
    assert created["email"] == "a•••@•••.org"
    assert created["may_name_org"] is False
    assert created["safe_contact"] == {
        "voicemail_allowed": False,
        "someone_else_may_answer": False,
        "children_in_home": False,
    }
    for path in (f"/api/v1/participants/{case.participant_id}/partners", "/api/v1/partners"):
        listed = (await client.get(path, headers=case.worker_headers)).json()
        assert [p["phone"] for p in listed] == ["•••• 23"]
        assert "900123" not in str(listed)


async def test_contact_details_need_a_purpose_and_each_read_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case, phone="07700 900123", phone_region="GB")
    url = f"/api/v1/partners/{partner['id']}/contact-details"
    assert (await client.get(url, headers=case.worker_headers)).status_code == 400
    wrong = await client.get(url, params={"purpose": "curiosity"}, headers=case.worker_headers)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "purpose"
    response = await client.get(url, params={"purpose": "call"}, headers=case.worker_headers)
    assert response.status_code == 200
    assert response.json()["phone"] == "+447700900123"
    assert response.json()["email"] == "amira.canary@example.org"
    rows = await table_rows(app, "access_log", "action, purpose")
    assert ("partner.contact_read", "call") in rows


async def test_every_view_of_a_partner_even_masked_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    first = await create_partner(client, case)
    second = await create_partner(client, case, alias="Second contact")
    await client.get(f"/api/v1/partners/{first['id']}", headers=case.worker_headers)
    await client.get(
        f"/api/v1/participants/{case.participant_id}/partners", headers=case.supervisor_headers
    )
    reads = await table_rows(app, "access_log WHERE action = 'partner.read'", "actor_id, object_id")
    worker, supervisor = str(case.worker.user.id), str(case.supervisor.user.id)
    assert sorted(reads) == sorted(
        [(worker, first["id"]), (supervisor, first["id"]), (supervisor, second["id"])]
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"alias": "07700 900123"}, "alias"),
        ({"alias": "amira@example.org"}, "alias"),
        ({"phone": "07700 900123"}, "phone"),
        ({"phone": "+44 12"}, "phone"),
        ({"whatsapp": "not a number"}, "whatsapp"),
        ({"email": "amira at example"}, "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "English"}, "language"),
        ({"relationship": "husband"}, "relationship"),
        (
            {"safe_windows": [{"weekday": "mon", "start": "10:00", "end": "10:00"}]},
            "safe_windows[0]",
        ),
        ({"safe_windows": [{"weekday": "mon", "start": "25:00", "end": "26:00"}]}, "safe_windows"),
        (
            {
                "safe_windows": [
                    {"weekday": "tue", "start": "09:00", "end": "11:00"},
                    {"weekday": "tue", "start": "10:30", "end": "12:00"},
                ]
            },
            "safe_windows",
        ),
        ({"channels": ["whatsapp"]}, "channels[0]"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"channels": ["fax"]}, "channels"),
        ({"is_do_not_contact": True}, "do_not_contact_reason"),
        ({"do_not_contact_reason": "she_asked"}, "do_not_contact_reason"),
        ({"do_not_contact_reason": "bored"}, "do_not_contact_reason"),
        ({"nickname": "x"}, "nickname"),
    ],
)
async def test_invalid_fields_are_refused_naming_the_field(
    app: Litestar, client: AsyncTestClient[Litestar], overrides: dict[str, Any], field: str
) -> None:
    case = await make_case(app)
    response = await client.post(
        f"/api/v1/participants/{case.participant_id}/partners",
        json=partner_body(**overrides),
        headers=case.worker_headers,
    )
    assert response.status_code in (400, 422), response.text
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert "900123" not in response.text
    assert "amira" not in response.text.lower()


async def test_update_changes_details_and_safe_contact_is_reconfirmed(
    app: Litestar, client: AsyncTestClient[Litestar], clock: Any
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case)
    url = f"/api/v1/partners/{partner['id']}"
    changed = await client.patch(
        url,
        json={
            "email": None,
            "channels": ["sms"],
            "is_do_not_contact": True,
            "do_not_contact_reason": "he_answered",
        },
        headers=case.worker_headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email"] is None
    assert changed.json()["do_not_contact_reason"] == "he_answered"
    refused = await client.patch(url, json={"channels": ["email"]}, headers=case.worker_headers)
    assert refused.json()["errors"][0]["field"] == "channels[0]"
    confirmed = await client.post(
        f"{url}/safe-contact/confirm",
        json={"voicemail_allowed": True, "children_in_home": True},
        headers=case.worker_headers,
    )
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["safe_contact"]["voicemail_allowed"] is True
    assert body["safe_contact"]["someone_else_may_answer"] is False
    assert body["safe_contact_confirmed_by"] == str(case.worker.user.id)
    assert body["safe_contact_confirmed_at"] is not None


async def test_workers_reach_only_their_cases_and_supervisors_their_team(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case)
    url = f"/api/v1/partners/{partner['id']}"
    other_team = await make_team(app)
    stranger = await bearer_for(app, await make_staff(app, Role.partner_worker, team_id=other_team))
    other_supervisor = await bearer_for(
        app, await make_staff(app, Role.supervisor, team_id=other_team)
    )
    for headers in (stranger, other_supervisor):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (await client.get("/api/v1/partners", headers=headers)).json() == []
        listed = await client.get(
            f"/api/v1/participants/{case.participant_id}/partners", headers=headers
        )
        assert listed.status_code == 404
    assert (await client.get(url, headers=case.supervisor_headers)).status_code == 200
    # A case assigned to the team (not to her) is hers too.
    team_worker = await make_staff(app, Role.partner_worker, team_id=other_team)
    team_case = await make_participant(app, partner_team_id=other_team)
    response = await client.post(
        f"/api/v1/participants/{team_case}/partners",
        json=partner_body(),
        headers=await bearer_for(app, team_worker),
    )
    assert response.status_code == 201


async def test_facilitator_admin_auditor_reach_no_partner_field(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case)
    others = [case.facilitator_headers]
    for role in (Role.admin, Role.auditor):
        others.append(await bearer_for(app, await make_staff(app, role)))
    paths = [
        "/api/v1/partners",
        f"/api/v1/partners/{partner['id']}",
        f"/api/v1/partners/{partner['id']}/contact-details?purpose=call",
        f"/api/v1/participants/{case.participant_id}/partners",
    ]
    for headers in others:
        for path in paths:
            response = await client.get(path, headers=headers)
            assert response.status_code == 403, path
            assert "Rose" not in response.text


async def test_a_worker_who_is_his_facilitator_is_refused_with_a_reason(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    # Bad data the participant rules should prevent: one person on both sides of a case.
    team = await make_team(app)
    worker = await make_staff(app, Role.partner_worker, team_id=team)
    both = await make_staff(app, Role.partner_worker, team_id=team)
    participant = await make_participant(app, facilitator_id=both.user.id, partner_team_id=team)
    created = await client.post(
        f"/api/v1/participants/{participant}/partners",
        json=partner_body(),
        headers=await bearer_for(app, worker),
    )
    assert created.status_code == 201
    headers = await bearer_for(app, both)
    refused = await client.post(
        f"/api/v1/participants/{participant}/partners", json=partner_body(), headers=headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "staff_separation"
    read = await client.get(f"/api/v1/partners/{created.json()['id']}", headers=headers)
    assert read.status_code == 409
    assert (await client.get("/api/v1/partners", headers=headers)).json() == []
