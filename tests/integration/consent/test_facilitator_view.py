"""His facilitator's whole view stays the same bytes whatever happened on her side.

The test clock starts on Monday 2 March 2026, 09:00 UTC; it does not move here, so any
difference in what the facilitator receives can only come from her contact.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.risk.steps import load_checklist, post, record, risk_url

# Headers that differ on every request whatever the data: the request id and the date.
PER_REQUEST = {"x-request-id", "date"}

View = list[tuple[str, int, list[tuple[str, str]], bytes]]


async def facilitator_view(flow: Flow) -> View:
    """Everything his facilitator can read about him: status, headers and body bytes."""
    case = f"/api/v1/participants/{flow.case.participant_id}"
    view: View = []
    for path in ("/api/v1/participants", case, f"{case}/screenings", f"{case}/clearance"):
        response = await flow.client.get(path, headers=flow.case.facilitator_headers)
        assert response.status_code == 200, response.text
        headers = sorted(
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in PER_REQUEST
        )
        view.append((path, response.status_code, headers, response.content))
    return view


async def contact_her_fully(flow: Flow) -> None:
    """A whole contact with her: message, reply, call, assessment, risk, note, her "no"."""
    outreach = await flow.start()
    await flow.dispatch()
    await flow.reply("yes")
    called = await flow.client.post(
        f"/api/v1/outreach/{outreach['id']}/call",
        json={"outcome": "spoke_safely"},
        headers=flow.headers,
    )
    assert called.status_code == 200, called.text
    assessment = await post(
        flow,
        f"/api/v1/partners/{flow.partner['id']}/assessments",
        {
            "episodes_since_lockdown": "yes",
            "fears_new_episode": "yes",
            "concerned_about_contact_with_him": "yes",
            "how_she_managed_episodes": "She hid the canary-heron in the shed",
        },
    )
    await post(flow, f"/api/v1/assessments/{assessment['id']}/complete", {}, 200)
    await post(flow, risk_url(flow, "her-view"), {"scale": 1, "words": "Afraid of him"})
    checklist = await load_checklist(flow)
    high = await record(flow, checklist["id"], 15)
    assert high["referral_proposal_id"] is not None
    await post(
        flow,
        f"/api/v1/partners/{flow.partner['id']}/notes",
        {"topic": "housing", "text": "Ask about the flat", "raise_when": "when_safe"},
    )
    await post(
        flow,
        f"/api/v1/partners/{flow.partner['id']}/consent",
        {"decision": "not_permitted", "review_after": "2026-04-01"},
    )


async def test_his_facilitator_sees_the_same_bytes_before_and_after_her_contact(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    before = await facilitator_view(flow)
    await contact_her_fully(flow)
    after = await facilitator_view(flow)
    assert after == before
