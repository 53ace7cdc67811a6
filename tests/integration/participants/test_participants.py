"""Participants over HTTP: who sees what, staff separation, and his sealed contact details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.canaries import EMAILS, PHONE_FORMS, find_canaries
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.participants.factories import (
    Staff,
    create_participant,
    make_case_staff,
    participant_body,
)

Client = AsyncTestClient[Litestar]
PSEUDONYMOUS = {"id", "reference", "group_name", "facilitator_id"}


@pytest.fixture
async def staff(app: Litestar, client: Client) -> Staff:
    return await make_case_staff(app)


def _sqlite_files(folder: Path) -> bytes:
    """The test database with its WAL, as someone copying the folder would get them."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob("test.db*")))


def _url(participant: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/participants/{participant['id']}{suffix}"


async def test_admin_enrols_him_but_never_reads_his_contact_details(
    client: Client, staff: Staff
) -> None:
    created = await create_participant(client, staff, phone=PHONE_FORMS[1], email=EMAILS[0])
    assert created["has_phone"] is True
    assert created["has_email"] is True
    assert "phone" not in created
    assert created["partner_worker_id"] == str(staff.worker.user.id)

    response = await client.get(
        _url(created, "/contact?purpose=call"), headers=staff.headers["admin"]
    )
    assert response.status_code == 403


async def test_facilitator_sees_only_the_pseudonymous_fields_of_his_own(
    app: Litestar, client: Client, staff: Staff
) -> None:
    created = await create_participant(client, staff, phone=PHONE_FORMS[0])
    headers = staff.headers["facilitator"]

    one = (await client.get(_url(created), headers=headers)).json()
    listed = (await client.get("/api/v1/participants", headers=headers)).json()
    assert set(one) == PSEUDONYMOUS
    assert [set(item) for item in listed["items"]] == [PSEUDONYMOUS]
    contact = await client.get(_url(created, "/contact?purpose=call"), headers=headers)
    assert contact.status_code == 403

    other = await bearer_for(app, await make_staff(app, Role.facilitator))
    assert (await client.get(_url(created), headers=other)).status_code == 404
    assert (await client.get("/api/v1/participants", headers=other)).json()["items"] == []


async def test_partner_side_sees_the_cases_of_her_or_her_team_only(
    app: Litestar, client: Client, staff: Staff
) -> None:
    by_worker = await create_participant(client, staff, partner_team_id=None)
    by_team = await create_participant(client, staff, partner_worker_id=None)
    other_team = await make_team(app)
    elsewhere = await create_participant(
        client, staff, partner_worker_id=None, partner_team_id=str(other_team)
    )

    async def visible(headers: dict[str, str]) -> set[str]:
        page = (await client.get("/api/v1/participants", headers=headers)).json()
        return {item["id"] for item in page["items"]}

    ours = {by_worker["id"], by_team["id"]}
    assert await visible(staff.headers["worker"]) == ours
    assert await visible(staff.headers["supervisor"]) == ours
    assert await visible(staff.headers["admin"]) == {*ours, elsewhere["id"]}
    response = await client.get(_url(elsewhere), headers=staff.headers["worker"])
    assert response.status_code == 404

    outsider = await bearer_for(app, await make_staff(app, Role.partner_worker, team_id=other_team))
    assert await visible(outsider) == {elsewhere["id"]}
    foreign_supervisor = await bearer_for(app, await make_staff(app, Role.supervisor))
    assert await visible(foreign_supervisor) == set()


async def test_reading_his_contact_details_is_logged_with_its_purpose(
    app: Litestar, client: Client, staff: Staff
) -> None:
    created = await create_participant(client, staff, phone=PHONE_FORMS[1], email=EMAILS[0])

    response = await client.get(
        _url(created, "/contact?purpose=call"), headers=staff.headers["worker"]
    )
    assert response.json() == {"phone": PHONE_FORMS[0], "email": EMAILS[0]}
    assert ("participant.contact.read", "call") in await table_rows(
        app, "access_log", "action, purpose"
    )
    for query in ("", "?purpose=gossip"):
        refused = await client.get(
            _url(created, f"/contact{query}"), headers=staff.headers["worker"]
        )
        assert refused.status_code == 400


async def test_his_phone_and_email_never_reach_the_database_in_plaintext(
    app: Litestar, client: Client, staff: Staff, backend: str, tmp_path: Path
) -> None:
    created = await create_participant(client, staff, phone=PHONE_FORMS[0], email=EMAILS[1])
    await client.patch(_url(created), json={"email": EMAILS[0]}, headers=staff.headers["admin"])
    await client.get(_url(created, "/contact?purpose=outreach"), headers=staff.headers["worker"])

    # SQLite: the file bytes themselves; PostgreSQL: every stored row as the server returns it.
    stored = (
        _sqlite_files(tmp_path)
        if backend == "sqlite"
        else repr(await table_rows(app, "participant"))
    )
    assert stored
    assert find_canaries(stored, [PHONE_FORMS[0], *EMAILS]) == []


async def test_contact_details_can_be_replaced_and_cleared(client: Client, staff: Staff) -> None:
    created = await create_participant(client, staff, phone=PHONE_FORMS[0])
    admin, worker = staff.headers["admin"], staff.headers["worker"]

    changed = await client.patch(
        _url(created), json={"phone": "+1 202 555 0147", "email": EMAILS[0]}, headers=admin
    )
    assert changed.status_code == 200
    contact = await client.get(_url(created, "/contact?purpose=call"), headers=worker)
    assert contact.json() == {"phone": "+12025550147", "email": EMAILS[0]}

    cleared = await client.patch(_url(created), json={"phone": None}, headers=admin)
    assert cleared.json()["has_phone"] is False
    contact = await client.get(_url(created, "/contact?purpose=call"), headers=worker)
    assert contact.json() == {"phone": None, "email": EMAILS[0]}


async def _facilitator_in_team(app: Litestar, staff: Staff) -> str:
    return str((await make_staff(app, Role.facilitator, team_id=staff.team_id)).user.id)


@pytest.mark.parametrize(
    "change",
    [
        "create_with_his_facilitator_as_worker",
        "create_with_facilitator_in_the_case_team",
        "update_worker_to_the_facilitator",
        "update_facilitator_to_the_worker",
        "update_facilitator_to_a_member_of_the_case_team",
        "update_team_to_the_facilitators_team",
    ],
)
async def test_nobody_works_with_both_him_and_his_partners(
    app: Litestar, client: Client, staff: Staff, change: str
) -> None:
    admin = staff.headers["admin"]
    facilitator_id = str(staff.facilitator.user.id)
    worker_id = str(staff.worker.user.id)
    if change.startswith("create"):
        body = (
            participant_body(staff, partner_worker_id=facilitator_id)
            if change == "create_with_his_facilitator_as_worker"
            else participant_body(staff, facilitator_id=await _facilitator_in_team(app, staff))
        )
        response = await client.post("/api/v1/participants", json=body, headers=admin)
    else:
        if change == "update_team_to_the_facilitators_team":
            in_team = await _facilitator_in_team(app, staff)
            created = await create_participant(
                client, staff, facilitator_id=in_team, partner_team_id=None
            )
            patch = {"partner_team_id": str(staff.team_id)}
        else:
            created = await create_participant(client, staff)
            patch = {
                "update_worker_to_the_facilitator": {"partner_worker_id": facilitator_id},
                "update_facilitator_to_the_worker": {"facilitator_id": worker_id},
                "update_facilitator_to_a_member_of_the_case_team": {
                    "facilitator_id": await _facilitator_in_team(app, staff)
                },
            }[change]
        response = await client.patch(_url(created), json=patch, headers=admin)

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "staff_separation"
    assert problem["detail"]


async def test_assignment_needs_the_right_roles(client: Client, staff: Staff) -> None:
    admin = staff.headers["admin"]
    for field, member in (
        ("facilitator_id", staff.admin),
        ("partner_worker_id", staff.supervisor),
    ):
        body = participant_body(staff, **{field: str(member.user.id)})
        response = await client.post("/api/v1/participants", json=body, headers=admin)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("reference", "status"),
    [
        ("07700900123", 422),
        ("ref447700900123", 422),
        ("33.6.12.34.56.78", 422),
        ("+447700900123", 400),
        ("him@example.org", 400),
        ("P 0042", 400),
    ],
)
async def test_a_reference_that_could_be_his_phone_or_email_is_refused(
    client: Client, staff: Staff, reference: str, status: int
) -> None:
    body = participant_body(staff, reference=reference)
    response = await client.post("/api/v1/participants", json=body, headers=staff.headers["admin"])
    assert response.status_code == status
    assert [e["field"] for e in response.json()["errors"]] == ["reference"]
    assert reference not in response.text


async def test_a_reference_is_unique_and_phones_must_be_valid(client: Client, staff: Staff) -> None:
    admin = staff.headers["admin"]
    first = await create_participant(client, staff, reference="LDN-0042")
    again = await client.post(
        "/api/v1/participants", json=participant_body(staff, reference="LDN-0042"), headers=admin
    )
    assert again.status_code == 409
    renamed = await create_participant(client, staff, reference="LDN-0043")
    clash = await client.patch(_url(renamed), json={"reference": "LDN-0042"}, headers=admin)
    assert clash.status_code == 409
    assert (
        await client.patch(_url(first), json={"reference": "LDN-0042"}, headers=admin)
    ).status_code == 200

    for phone in ("07700 900123", "+44 12", "call me"):
        response = await client.post(
            "/api/v1/participants", json=participant_body(staff, phone=phone), headers=admin
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["phone"]


async def test_listing_pages_through_every_visible_participant_once(
    client: Client, staff: Staff
) -> None:
    created = {(await create_participant(client, staff))["id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (
            await client.get(f"/api/v1/participants?{query}", headers=staff.headers["worker"])
        ).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)

    bad = await client.get("/api/v1/participants?cursor=bm9wZQ", headers=staff.headers["worker"])
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_changes_are_logged(app: Litestar, client: Client, staff: Staff) -> None:
    created = await create_participant(client, staff)
    await client.patch(
        _url(created), json={"group_name": "Thursday"}, headers=staff.headers["admin"]
    )
    actions = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert "participant.create" in actions
    assert "participant.update" in actions
