"""Referrals by her worker: only with her agreement, only to a service operating now.

No case system is subscribed in these tests, so a sent referral is passed on by hand.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from tests.fixtures.canaries import find_canaries
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.org.directory_data import AREAS
from tests.integration.partners.cases import create_partner
from tests.integration.referrals.world import ALIAS, EMAIL, NOTE, PHONE, make_world

CANARIES = (ALIAS, PHONE, EMAIL, NOTE)
SEALED_KEYS = {"note", "share", "service_reference"}


async def test_a_referral_is_proposed_agreed_and_sent_by_hand(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service(name="Riverside women's centre")
    proposed = await world.propose(service_id, note=f"  {NOTE}  ")
    assert (proposed["status"], proposed["service_name"]) == (
        "proposed",
        "Riverside women's centre",
    )
    assert (proposed["has_note"], proposed["she_agreed"], proposed["delivery"]) == (
        True,
        None,
        None,
    )
    assert SEALED_KEYS.isdisjoint(proposed)

    agreed = await world.agree(proposed["id"], ["phone", "note"])
    assert (agreed["status"], agreed["she_agreed"]) == ("agreed", True)
    assert agreed["agreement_recorded_by"] == str(world.case.worker.user.id)

    sent = await world.send(proposed["id"])
    assert (sent["status"], sent["delivery"]) == ("sent", "manual")
    assert sent["sent_at"] is not None

    listed = await client.get(
        f"/api/v1/partners/{world.partner_id}/referrals", headers=world.headers
    )
    assert listed.status_code == 200, listed.text
    assert [(r["id"], r["status"]) for r in listed.json()] == [(proposed["id"], "sent")]
    assert find_canaries(listed.text, CANARIES) == []

    read = await client.get(f"/api/v1/referrals/{proposed['id']}", headers=world.headers)
    assert read.status_code == 200, read.text
    assert (read.json()["note"], read.json()["share"]) == (NOTE, ["phone", "note"])
    assert read.json()["service_reference"] is None


async def test_it_is_never_sent_without_her_agreement(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    referral = await world.propose(service_id)
    refused = await world.act(referral["id"], "send")
    assert (refused.status_code, refused.json()["code"]) == (409, "no_agreement")

    declined = await world.act(referral["id"], "agreement", {"agreed": False})
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["outcome"]) == ("closed", "declined_by_her")
    assert declined.json()["she_agreed"] is False
    again = await world.act(referral["id"], "send")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert await table_rows(app, "referral", "status, sent_at") == [("closed", None)]


async def test_only_a_service_operating_now_is_referred_to(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    closed = await world.service(is_operating_now=False)
    self_only = await world.service(accepts_agency_referral=False)
    inactive = await world.service()
    await world.set_service(inactive, is_active=False)
    for service_id, code in (
        (closed, "service_not_operating"),
        (inactive, "service_not_operating"),
        (self_only, "agency_referrals_not_accepted"),
    ):
        response = await client.post(
            f"/api/v1/partners/{world.partner_id}/referrals",
            json={"service_id": service_id},
            headers=world.headers,
        )
        assert (response.status_code, response.json()["code"]) == (409, code)
    unknown = await client.post(
        f"/api/v1/partners/{world.partner_id}/referrals",
        json={"service_id": str(uuid.uuid4())},
        headers=world.headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "service_not_found")
    assert await table_rows(app, "referral", "id") == []

    # Open when agreed, closed by the time she is to be sent: checked again at send time.
    service_id = await world.service()
    referral = await world.propose(service_id)
    await world.agree(referral["id"])
    await world.set_service(service_id, is_operating_now=False)
    refused = await world.act(referral["id"], "send")
    assert (refused.status_code, refused.json()["code"]) == (409, "service_not_operating")
    assert await table_rows(app, "referral", "status") == [("agreed",)]
    await world.set_service(service_id, is_operating_now=True)
    assert (await world.send(referral["id"]))["status"] == "sent"


async def test_only_a_service_of_her_area_is_referred_to_and_checked_again_at_send_time(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    elsewhere = await client.post(AREAS, headers=world.admin, json={"name": "Far away"})
    assert elsewhere.status_code == 201, elsewhere.text
    far_service = await world.service(area_id=elsewhere.json()["id"])
    response = await client.post(
        f"/api/v1/partners/{world.partner_id}/referrals",
        json={"service_id": far_service},
        headers=world.headers,
    )
    assert (response.status_code, response.json()["code"]) == (409, "service_not_in_her_area")

    # Without her area nothing can be checked, so nothing is referred.
    unplaced = await create_partner(client, world.case)
    response = await client.post(
        f"/api/v1/partners/{unplaced['id']}/referrals",
        json={"service_id": await world.service()},
        headers=world.headers,
    )
    assert (response.status_code, response.json()["code"]) == (409, "area_unknown")
    assert await table_rows(app, "referral", "id") == []

    # She moved between agreeing and sending: the referral to her old area is not sent.
    referral = await world.propose(await world.service())
    await world.agree(referral["id"])
    moved = await client.patch(
        f"/api/v1/partners/{world.partner_id}",
        json={"area_id": elsewhere.json()["id"]},
        headers=world.headers,
    )
    assert moved.status_code == 200, moved.text
    refused = await world.act(referral["id"], "send")
    assert (refused.status_code, refused.json()["code"]) == (409, "service_not_in_her_area")
    assert await table_rows(app, "referral", "status") == [("agreed",)]


async def test_her_area_must_be_one_of_the_directory(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    for area_id in (str(uuid.uuid4()), "canary"):
        response = await client.patch(
            f"/api/v1/partners/{world.partner_id}",
            json={"area_id": area_id},
            headers=world.headers,
        )
        assert response.status_code in (400, 422), response.text
        assert [error["field"] for error in response.json()["errors"]] == ["area_id"]
        assert "canary" not in response.text
    her = await client.get(f"/api/v1/partners/{world.partner_id}", headers=world.headers)
    assert her.json()["area_id"] == world.area_id


async def test_her_options_are_the_services_of_her_area_operating_now_with_its_context(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    world = await make_world(app, client)
    url = f"/api/v1/partners/{world.partner_id}/referral-options"
    confirmed = await client.post(
        f"{AREAS}/{world.area_id}/confirmations",
        headers=world.admin,
        json={"shelters_operate": "yes", "shelters_take_new_women": "no"},
    )
    assert confirmed.status_code == 201, confirmed.text
    open_now = await world.service(name="Harbour refuge")
    await world.service(name="Closed centre", is_operating_now=False)
    await world.service(name="Self-referral line", accepts_agency_referral=False)
    elsewhere = await client.post(AREAS, headers=world.admin, json={"name": "Far away"})
    await world.service(name="Far refuge", area_id=elsewhere.json()["id"])

    response = await client.get(url, headers=world.headers)
    assert response.status_code == 200, response.text
    options = response.json()
    assert options["area_id"] == world.area_id
    assert [(s["service_id"], s["name"]) for s in options["services"]] == [
        (open_now, "Harbour refuge")
    ]
    assert options["services"][0]["is_operating_confirmation_stale"] is False
    context = {fact["fact"]: (fact["value"], fact["is_stale"]) for fact in options["context"]}
    assert context["shelters_take_new_women"] == ("no", False)
    assert context["police_respond"] == ("unknown", True)

    clock.advance(days=15)  # past the 14 days a confirmation stays fresh
    world.case.worker_headers = await bearer_for(app, world.case.worker)
    stale = (await client.get(url, headers=world.headers)).json()
    assert stale["services"][0]["is_operating_confirmation_stale"] is True
    assert {fact["is_stale"] for fact in stale["context"]} == {True}
    log = await table_rows(app, "access_log", "action, purpose, object_id")
    assert [row for row in log if row[0] == "referral.options"] == [
        ("referral.options", "referral", world.partner_id)
    ] * 2

    other = await make_world(app, client)
    refused = await client.get(url, headers=other.headers)
    assert refused.status_code == 404, refused.text


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"note": "  \n "}, 422, "note", id="note-blank"),
        pytest.param({"note": "canary " * 300}, 422, "note", id="note-too-long"),
        pytest.param({"note": "canary\x07"}, 422, "note", id="note-control-char"),
        pytest.param({"note": 7}, 400, "note", id="note-not-text"),
        pytest.param({"service_id": "canary"}, 400, "service_id", id="service-not-a-uuid"),
        pytest.param({"status": "sent"}, 400, "status", id="status-not-writable"),
    ],
)
async def test_each_proposal_field_is_checked_without_echoing_it(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    response = await client.post(
        f"/api/v1/partners/{world.partner_id}/referrals",
        json={"service_id": service_id, **body},
        headers=world.headers,
    )
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "canary" not in response.text.lower()
    assert await table_rows(app, "referral", "id") == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"agreed": True, "share": ["address"]}, 400, "share[0]", id="share-unknown"),
        pytest.param({"agreed": True, "share": ["phone", "phone"]}, 422, "share", id="twice"),
        pytest.param({"agreed": False, "share": ["phone"]}, 422, "share", id="share-on-a-no"),
        pytest.param({"agreed": True, "share": ["note"]}, 422, "share", id="no-note-to-share"),
        pytest.param({"share": []}, 400, "agreed", id="agreed-missing"),
    ],
)
async def test_each_agreement_field_is_checked(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    world = await make_world(app, client)
    referral = await world.propose(await world.service())
    response = await world.act(referral["id"], "agreement", body)
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await table_rows(app, "referral", "status, share") == [("proposed", None)]


async def test_repeated_transitions_change_nothing_and_illegal_ones_are_refused(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    referral = await world.propose(service_id)
    duplicate = await client.post(
        f"/api/v1/partners/{world.partner_id}/referrals",
        json={"service_id": service_id},
        headers=world.headers,
    )
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "referral_exists")
    early = await world.act(referral["id"], "close", {"outcome": "completed"})
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")

    await world.agree(referral["id"], ["alias"])
    changed = await world.agree(referral["id"], ["email"])  # she may change it until sent
    assert changed["status"] == "agreed"
    sent = await world.send(referral["id"])
    world.app.state.clock.advance(minutes=3)
    assert await world.send(referral["id"]) == sent
    late = await world.act(referral["id"], "agreement", {"agreed": True, "share": []})
    assert (late.status_code, late.json()["code"]) == (409, "invalid_transition")

    done = await world.act(referral["id"], "close", {"outcome": "completed"})
    assert (done.json()["status"], done.json()["outcome"]) == ("closed", "completed")
    again = await world.act(referral["id"], "close", {"outcome": "completed"})
    assert again.json() == done.json()
    for action, body in (
        ("withdraw", None),
        ("send", None),
        ("close", {"outcome": "service_unavailable"}),
    ):
        refused = await world.act(referral["id"], action, body)
        assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    withdrawn_as_close = await world.act(referral["id"], "close", {"outcome": "withdrawn"})
    assert withdrawn_as_close.status_code == 400

    # After closing, a new referral to the same service may be proposed.
    second = await world.propose(service_id)
    withdrawn = await world.act(second["id"], "withdraw")
    assert (withdrawn.json()["outcome"], withdrawn.json()["withdrawal_delivery"]) == (
        "withdrawn",
        None,
    )
    assert (await world.act(second["id"], "withdraw")).json() == withdrawn.json()


async def test_note_and_share_are_sealed_and_every_action_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    referral = await world.propose(await world.service(), note=NOTE)
    await world.agree(referral["id"], ["safe_times", "note"])
    await client.get(f"/api/v1/partners/{world.partner_id}/referrals", headers=world.headers)
    await client.get(f"/api/v1/referrals/{referral['id']}", headers=world.headers)
    await world.send(referral["id"])
    await world.act(referral["id"], "withdraw")

    stored = await table_rows(app, "referral", "note, share")
    assert len(stored) == 1
    for column in stored[0]:
        assert NOTE.encode() not in bytes(column)
        assert b"safe_times" not in bytes(column)
    log = await table_rows(app, "access_log", "action, purpose, object_id")
    assert [row[:2] for row in log if row[0].startswith("referral.")] == [
        ("referral.propose", None),
        ("referral.agreement", None),
        ("referral.list", None),
        ("referral.read", "referral"),
        ("referral.send", None),
        ("referral.withdraw", None),
    ]
    assert find_canaries(str(await table_rows(app, "access_log")), CANARIES) == []


async def test_nobody_else_reaches_her_referrals(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    referral = await world.propose(service_id, note=NOTE)
    partner_url = f"/api/v1/partners/{world.partner_id}/referrals"
    routes: list[tuple[str, str, Any]] = [
        ("POST", partner_url, {"service_id": service_id}),
        ("GET", partner_url, None),
        ("GET", f"/api/v1/referrals/{referral['id']}", None),
        ("POST", f"/api/v1/referrals/{referral['id']}/agreement", {"agreed": True}),
        ("POST", f"/api/v1/referrals/{referral['id']}/send", None),
        ("POST", f"/api/v1/referrals/{referral['id']}/withdraw", None),
        ("POST", f"/api/v1/referrals/{referral['id']}/close", {"outcome": "completed"}),
    ]
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    others = [world.case.facilitator_headers] + [
        await bearer_for(app, await make_staff(app, role)) for role in (Role.admin, Role.auditor)
    ]
    for method, path, body in routes:
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)
        assert find_canaries(response.text, CANARIES) == []
        for headers in others:
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path)
            assert find_canaries(refused.text, CANARIES) == []
    unknown = await client.get(f"/api/v1/referrals/{uuid.uuid4()}", headers=world.headers)
    assert unknown.status_code == 404
    assert await table_rows(app, "referral", "status") == [("proposed",)]

    supervisor = await client.get(
        f"/api/v1/referrals/{referral['id']}", headers=world.case.supervisor_headers
    )
    assert (supervisor.status_code, supervisor.json()["note"]) == (200, NOTE)
