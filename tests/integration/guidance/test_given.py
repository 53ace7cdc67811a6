"""The cards she was given: versions recorded, never text; every read logged; hers alone."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.guidance.default_cards import SHIPPED_CARDS
from partner_contact.guidance.models import GuidanceGiven
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.guidance.cards import CARDS_URL, admin_headers, save_card
from tests.integration.partners.cases import Case, create_partner, make_case

SHIPPED_REFS = ["call_log/android/en/v0", "stalkerware_signs/android/en/v0"]


async def her_case(app: Litestar, client: AsyncTestClient[Litestar]) -> tuple[Case, str]:
    case = await make_case(app)
    partner = await create_partner(client, case)
    return case, f"/api/v1/partners/{partner['id']}/guidance-given"


async def test_given_cards_are_recorded_as_versions_and_read_back_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case, url = await her_case(app, client)
    ours = await save_card(client, await admin_headers(app))
    refs = [*SHIPPED_REFS, ours["card_ref"]]
    response = await client.post(url, json={"card_refs": refs}, headers=case.worker_headers)
    assert response.status_code == 201, response.text
    given = response.json()
    assert [row["card_ref"] for row in given] == refs
    assert [(row["topic"], row["platform"], row["locale"], row["version"]) for row in given] == [
        ("call_log", "android", "en", 0),
        ("stalkerware_signs", "android", "en", 0),
        ("sms_thread", "android", "en", 1),
    ]
    assert {row["given_by"] for row in given} == {str(case.worker.user.id)}
    assert not {"title", "steps", "warnings"} & set(given[0])

    listed = await client.get(url, headers=case.supervisor_headers)
    assert listed.status_code == 200, listed.text
    assert sorted(row["card_ref"] for row in listed.json()) == sorted(refs)

    # The table holds which version was given, never the wording.
    assert {column.name for column in GuidanceGiven.__table__.columns} == {
        "id",
        "organisation_id",
        "partner_id",
        "outreach_id",
        "topic",
        "platform",
        "locale",
        "version",
        "given_by",
        "given_at",
    }
    stored = str(await table_rows(app, "guidance_given"))
    for card in SHIPPED_CARDS.values():
        assert card.title not in stored
    assert ours["title"] not in stored

    log = await table_rows(app, "access_log", "action, object_type, purpose")
    assert sorted(row for row in log if row[0].startswith("guidance.")) == [
        ("guidance.given", "partner", None),
        ("guidance.given.read", "partner", "call"),
    ]


async def test_only_cards_in_use_may_be_recorded_and_nothing_is_half_written(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case, url = await her_case(app, client)
    admin = await admin_headers(app)
    retired = await save_card(client, admin)
    await client.post(f"{CARDS_URL}/{retired['id']}/retire", headers=admin)
    valid = SHIPPED_REFS[0]
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"card_refs": []}, ["card_refs"]),
        ({"card_refs": [valid] * 2}, ["card_refs"]),
        ({"card_refs": [f"call_log/android/en/v{n}" for n in range(21)]}, ["card_refs"]),
        ({"card_refs": [valid, "call_log/android/en/v9"]}, ["card_refs[1]"]),
        ({"card_refs": ["sms_thread/android/fr/v0", valid]}, ["card_refs[0]"]),
        ({"card_refs": [valid, "call_log/android/en"]}, ["card_refs[1]"]),
        ({"card_refs": [valid, retired["card_ref"]]}, ["card_refs[1]"]),
        ({"card_refs": [valid], "outreach_id": str(uuid.uuid4())}, ["outreach_id"]),
    ]
    for body, fields in cases:
        response = await client.post(url, json=body, headers=case.worker_headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "invalid_guidance_given"
        assert [error["field"] for error in response.json()["errors"]] == fields, body
    malformed = await client.post(url, json={"card_refs": "x"}, headers=case.worker_headers)
    assert malformed.status_code == 400
    assert await table_rows(app, "guidance_given", "id") == []


async def test_nobody_else_reaches_the_cards_she_was_given(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case, url = await her_case(app, client)
    body = {"card_refs": SHIPPED_REFS}
    recorded = await client.post(url, json=body, headers=case.worker_headers)
    assert recorded.status_code == 201
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    others = [case.facilitator_headers] + [
        await bearer_for(app, await make_staff(app, role)) for role in (Role.admin, Role.auditor)
    ]
    for method in ("POST", "GET"):
        response = await client.request(method, url, json=body, headers=stranger)
        assert response.status_code == 404, method
        for headers in others:
            refused = await client.request(method, url, json=body, headers=headers)
            assert refused.status_code == 403, method
    assert len(await table_rows(app, "guidance_given", "id")) == 2
