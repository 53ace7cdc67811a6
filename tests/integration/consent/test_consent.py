"""Her consent decision: recorded, read (logged), withdrawn, and the only way to a "yes".

The test clock starts on Monday 2 March 2026, 09:00 UTC.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.partners.cases import create_partner, make_participant

CANARY = "Only on Saturday mornings when the canary-heron sleeps"
REVIEW = "2026-04-01"
NO = b'{"contact_permitted":false,"review_after":null}'


def consent_url(partner_id: object) -> str:
    return f"/api/v1/partners/{partner_id}/consent"


async def record(flow: Flow, partner_id: object = None, **body: Any) -> Any:
    payload = {"decision": "permitted", "review_after": REVIEW, **body}
    response = await flow.client.post(
        consent_url(partner_id or flow.partner["id"]), json=payload, headers=flow.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def clearance(flow: Flow) -> Any:
    response = await flow.client.get(
        f"/api/v1/participants/{flow.case.participant_id}/clearance",
        headers=flow.case.facilitator_headers,
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"review_after": "2026-03-02"}, 422, "review_after", id="review-today"),
        pytest.param({"review_after": "2025-12-24"}, 422, "review_after", id="review-past"),
        pytest.param({"review_after": "2027-03-03"}, 422, "review_after", id="review-over-a-year"),
        pytest.param({"review_after": "soon"}, 400, "review_after", id="review-not-a-date"),
        pytest.param({"review_after": None}, 400, "review_after", id="review-null"),
        pytest.param({"decision": "maybe"}, 400, "decision", id="decision-unknown"),
        pytest.param(
            {"decision": "permitted_with_conditions"}, 422, "conditions", id="conditions-missing"
        ),
        pytest.param(
            {"decision": "permitted_with_conditions", "conditions": "   "},
            422,
            "conditions",
            id="conditions-blank",
        ),
        pytest.param(
            {"decision": "permitted_with_conditions", "conditions": CANARY * 60},
            422,
            "conditions",
            id="conditions-too-long",
        ),
        pytest.param(
            {"decision": "permitted_with_conditions", "conditions": CANARY + "\x00"},
            422,
            "conditions",
            id="conditions-control-char",
        ),
        pytest.param({"conditions": CANARY}, 422, "conditions", id="conditions-without-them"),
        pytest.param(
            {"decision": "not_permitted", "conditions": CANARY},
            422,
            "conditions",
            id="conditions-with-a-no",
        ),
        pytest.param({"conditions": 7}, 400, "conditions", id="conditions-not-text"),
    ],
)
async def test_each_field_is_checked_without_echoing_it(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    flow = await make_flow(app, client)
    payload = {"decision": "permitted", "review_after": REVIEW, **body}
    response = await client.post(
        consent_url(flow.partner["id"]), json=payload, headers=flow.headers
    )
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "canary" not in response.text
    assert "maybe" not in response.text
    assert "soon" not in response.text
    assert await table_rows(app, "consent_record", "id") == []


async def test_a_year_ahead_is_the_latest_review_date(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    saved = await record(flow, review_after="2027-03-02")
    assert saved["review_after"] == "2027-03-02"


async def test_clearance_follows_her_consent_its_withdrawal_and_its_review_date(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    assert (await clearance(flow)).content == NO
    first = await record(flow)
    assert (first["version"], first["is_current"], first["has_conditions"]) == (1, True, False)
    assert (await clearance(flow)).json() == {"contact_permitted": True, "review_after": REVIEW}

    withdrawn = await client.post(
        f"{consent_url(flow.partner['id'])}/withdraw", headers=flow.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_at"] is not None
    assert (await clearance(flow)).content == NO
    again = await client.post(f"{consent_url(flow.partner['id'])}/withdraw", headers=flow.headers)
    assert again.status_code == 409

    second = await record(flow, review_after="2026-03-20")
    assert second["version"] == 2
    assert (await clearance(flow)).json() == {
        "contact_permitted": True,
        "review_after": "2026-03-20",
    }
    await flow.advance(days=18)  # Friday 20 March: the review day itself still counts
    flow.case.facilitator_headers = await bearer_for(app, flow.case.facilitator)
    assert (await clearance(flow)).json()["contact_permitted"] is True
    await flow.advance(days=1)
    flow.case.facilitator_headers = await bearer_for(app, flow.case.facilitator)
    assert (await clearance(flow)).content == NO

    history = await client.get(consent_url(flow.partner["id"]), headers=flow.headers)
    assert history.status_code == 200
    assert [(r["version"], r["is_current"]) for r in history.json()] == [(2, True), (1, False)]
    assert history.json()[1]["withdrawn_at"] is not None


async def test_a_no_is_a_no_and_a_new_decision_supersedes_the_last(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await record(flow)
    await record(flow, decision="not_permitted")
    assert (await clearance(flow)).content == NO
    await record(flow, decision="permitted_with_conditions", conditions=CANARY)
    assert (await clearance(flow)).json()["contact_permitted"] is True


async def test_every_partner_of_his_must_permit_and_none_be_do_not_contact(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    other = await create_partner(
        client, flow.case, alias="Ivy", relationship="former_living_with_him"
    )
    await record(flow, review_after="2026-05-01")
    assert (await clearance(flow)).content == NO  # she has not been asked yet
    await record(
        flow,
        other["id"],
        decision="permitted_with_conditions",
        conditions=CANARY,
        review_after="2026-04-15",
    )
    both = await clearance(flow)
    assert both.json() == {"contact_permitted": True, "review_after": "2026-04-15"}
    assert CANARY not in both.text

    stopped = await client.patch(
        f"/api/v1/partners/{other['id']}",
        json={"is_do_not_contact": True, "do_not_contact_reason": "she_asked"},
        headers=flow.headers,
    )
    assert stopped.status_code == 200, stopped.text
    assert (await clearance(flow)).content == NO


async def test_the_facilitator_learns_two_keys_and_the_same_no_with_or_without_partners(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    lonely = await make_participant(app, facilitator_id=flow.case.facilitator.user.id)
    alone = await client.get(
        f"/api/v1/participants/{lonely}/clearance", headers=flow.case.facilitator_headers
    )
    await record(flow, decision="not_permitted")
    refused = await clearance(flow)
    assert refused.content == alone.content == NO
    await record(flow, decision="permitted_with_conditions", conditions=CANARY)
    for headers in (flow.case.facilitator_headers, flow.case.supervisor_headers):
        response = await client.get(
            f"/api/v1/participants/{flow.case.participant_id}/clearance", headers=headers
        )
        assert set(response.json()) == {"contact_permitted", "review_after"}
        assert CANARY not in response.text
        assert flow.partner["id"] not in response.text


async def test_her_conditions_are_sealed_and_every_action_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    saved = await record(flow, decision="permitted_with_conditions", conditions=f"  {CANARY}\n")
    assert saved["has_conditions"] is True
    assert "conditions" not in saved
    rows = await table_rows(app, "consent_record", "conditions")
    assert len(rows) == 1
    assert CANARY.encode() not in bytes(rows[0][0])
    history = await client.get(consent_url(flow.partner["id"]), headers=flow.headers)
    assert history.json()[0]["conditions"] == CANARY
    await client.post(f"{consent_url(flow.partner['id'])}/withdraw", headers=flow.headers)
    log = await table_rows(app, "access_log", "action, purpose, object_id")
    actions = [(action, purpose) for action, purpose, _ in log if action.startswith("consent.")]
    assert actions == [
        ("consent.record", None),
        ("consent.read", "call"),
        ("consent.withdraw", None),
    ]
    assert CANARY not in str(log)


async def test_nobody_else_reaches_her_consent(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await record(flow)
    url = consent_url(flow.partner["id"])
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    for method, path in (("POST", url), ("GET", url), ("POST", f"{url}/withdraw")):
        body = {"decision": "permitted", "review_after": REVIEW}
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)
        for role in (Role.facilitator, Role.admin, Role.auditor):
            headers = await bearer_for(app, await make_staff(app, role))
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (role, method, path)
        facilitator = await client.request(
            method, path, json=body, headers=flow.case.facilitator_headers
        )
        assert facilitator.status_code == 403
    assert (await clearance(flow)).json()["contact_permitted"] is True
