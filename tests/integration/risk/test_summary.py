"""The risk summary: her latest view and checklist, and when the checklist is due again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.risk.steps import CANARY, get, load_checklist, post, record, risk_url


async def event(flow: Flow, kind: str) -> None:
    response = await flow.client.post(
        f"/api/v1/participants/{flow.case.participant_id}/events",
        json={"kind": kind},
        headers=flow.case.facilitator_headers,
    )
    assert response.status_code == 201, response.text


async def assessment(flow: Flow, **answers: str) -> None:
    created = await post(flow, f"/api/v1/partners/{flow.partner['id']}/assessments", answers)
    await post(flow, f"/api/v1/assessments/{created['id']}/complete", {}, 200)


async def trigger(flow: Flow, kind: str) -> None:
    await post(flow, risk_url(flow, "triggers"), {"kind": kind})


async def test_every_trigger_after_her_latest_checklist_makes_it_due_and_a_new_one_clears_it(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    checklist = await load_checklist(flow)
    first = await get(flow, risk_url(flow))
    assert first == {
        "partner_id": flow.partner["id"],
        "her_view": None,
        "checklist": None,
        "checklist_due": True,
        "due_reasons": ["never_done"],
        "open_referral_proposal": None,
    }
    # Before her first checklist these count for nothing more than "never done".
    await trigger(flow, "separation")
    assert (await get(flow, risk_url(flow)))["due_reasons"] == ["never_done"]

    await flow.advance(minutes=1)
    done = await record(flow, checklist["id"], 12)
    summary = await get(flow, risk_url(flow))
    assert summary["checklist"] == {
        "id": done["id"],
        "yes_count": 12,
        "computed_band": "medium",
        "final_band": "medium",
        "recorded_at": done["recorded_at"],
    }
    assert (summary["checklist_due"], summary["due_reasons"]) == (False, [])

    # What does not call for it again.
    await flow.advance(minutes=1)
    await event(flow, "missed_session")
    await assessment(flow, episodes_since_lockdown="no", fears_new_episode="not_asked")
    await assessment(flow, episodes_since_lockdown="declined")
    assert (await get(flow, risk_url(flow)))["checklist_due"] is False

    cases: list[tuple[Callable[[], Awaitable[None]], str]] = [
        (lambda: trigger(flow, "new_incident"), "new_incident"),
        (lambda: trigger(flow, "separation"), "separation"),
        (lambda: assessment(flow, episodes_since_lockdown="yes"), "new_incident"),
        (lambda: assessment(flow, fears_new_episode="yes"), "new_incident"),
        (lambda: event(flow, "threat_disclosed"), "new_incident"),
        (lambda: event(flow, "moved_back_home"), "moved_back_home"),
    ]
    for happen, reason in cases:
        await flow.advance(minutes=1)
        await happen()
        due = await get(flow, risk_url(flow))
        assert (due["checklist_due"], due["due_reasons"]) == (True, [reason]), reason
        await flow.advance(minutes=1)
        await record(flow, checklist["id"], 3)
        cleared = await get(flow, risk_url(flow))
        assert (cleared["checklist_due"], cleared["due_reasons"]) == (False, []), reason

    await flow.advance(minutes=1)
    await trigger(flow, "separation")
    await event(flow, "threat_disclosed")
    await event(flow, "moved_back_home")
    both = await get(flow, risk_url(flow))
    assert both["due_reasons"] == ["new_incident", "separation", "moved_back_home"]


async def test_the_summary_shows_the_open_proposal_without_any_words(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    checklist = await load_checklist(flow)
    await post(flow, risk_url(flow, "her-view"), {"scale": 2, "words": CANARY})
    high = await record(flow, checklist["id"], 14, worker_judgement="high", judgement_reason=CANARY)
    summary = await get(flow, risk_url(flow))
    assert summary["open_referral_proposal"]["id"] == high["referral_proposal_id"]
    assert summary["open_referral_proposal"]["status"] == "proposed"
    assert summary["her_view"]["scale"] == 2
    assert "canary" not in str(summary)
    bad_kind = await post(flow, risk_url(flow, "triggers"), {"kind": "canary"}, 400)
    assert [error["field"] for error in bad_kind["errors"]] == ["kind"]
    assert "canary" not in str(bad_kind)
    log = await table_rows(app, "access_log", "action, purpose")
    assert ("risk.summary", "safety_review") in log


async def test_nobody_else_reaches_her_risk_record(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    checklist = await load_checklist(flow)
    await post(flow, risk_url(flow, "her-view"), {"scale": 1, "words": CANARY})
    high = await record(flow, checklist["id"], 14)
    proposal = high["referral_proposal_id"]
    routes = [
        ("GET", risk_url(flow), {}),
        ("POST", risk_url(flow, "her-view"), {"scale": 1}),
        ("GET", risk_url(flow, "her-view"), {}),
        (
            "POST",
            risk_url(flow, "checklists"),
            {"checklist_id": checklist["id"], "answers": {}},
        ),
        ("GET", risk_url(flow, "checklists"), {}),
        ("POST", risk_url(flow, "triggers"), {"kind": "separation"}),
        ("POST", risk_url(flow, "referral-proposals"), {"reason": "professional_judgement"}),
        ("GET", risk_url(flow, "referral-proposals"), {}),
        (
            "POST",
            f"/api/v1/risk/referral-proposals/{proposal}/decision",
            {"her_consent": "agreed", "she_was_told": True},
        ),
        ("POST", f"/api/v1/risk/referral-proposals/{proposal}/close", {"outcome": "referred"}),
    ]
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    others = [flow.case.facilitator_headers] + [
        await bearer_for(app, await make_staff(app, role)) for role in (Role.admin, Role.auditor)
    ]
    for method, path, body in routes:
        hidden = await client.request(method, path, json=body, headers=stranger)
        assert hidden.status_code == 404, (method, path)
        assert "canary" not in hidden.text
        for headers in others:
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path)
            assert "canary" not in refused.text
    # Her supervisor reaches her record.
    supervised = await client.get(risk_url(flow, "her-view"), headers=flow.case.supervisor_headers)
    assert supervised.status_code == 200
    assert supervised.json()[0]["words"] == CANARY
    assert len(await table_rows(app, "risk_her_view", "id")) == 1
    assert len(await table_rows(app, "risk_trigger", "id")) == 0
    (untouched,) = await table_rows(app, "risk_referral_proposal", "status")
    assert untouched == ("proposed",)
