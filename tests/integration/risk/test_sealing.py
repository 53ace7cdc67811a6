"""No word of hers, and no answer of her checklist, is stored or logged in the clear."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.canaries import FREE_TEXT, find_canaries
from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import make_flow
from tests.integration.risk.steps import get, load_checklist, post, proposal_url, record, risk_url

TABLES = (
    "risk_her_view",
    "risk_checklist_record",
    "risk_referral_proposal",
    "risk_trigger",
    "access_log",
)


async def test_every_risk_table_and_the_access_log_hold_no_plaintext_of_hers(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    checklist = await load_checklist(flow)
    await post(flow, risk_url(flow, "her-view"), {"scale": 1, "words": FREE_TEXT})
    high = await record(
        flow, checklist["id"], 2, worker_judgement="high", judgement_reason=FREE_TEXT
    )
    proposal = high["referral_proposal_id"]
    decision = {"her_consent": "declined", "she_was_told": True, "note": FREE_TEXT}
    await post(flow, proposal_url(proposal, "decision"), decision, 200)
    close = {"outcome": "referred", "without_consent_reason": FREE_TEXT}
    await post(flow, proposal_url(proposal, "close"), close, 200)
    await flow.advance(minutes=1)
    await post(flow, risk_url(flow, "referral-proposals"), {"reason": "professional_judgement",
                                                          "note": FREE_TEXT})  # fmt: skip
    await post(flow, risk_url(flow, "triggers"), {"kind": "new_incident"})

    for table in TABLES:
        for row in await table_rows(app, table):
            for value in row:
                raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                assert find_canaries(raw, [FREE_TEXT]) == [], table
    # Her worker still reads every word back.
    (view,) = await get(flow, risk_url(flow, "her-view"))
    (done,) = await get(flow, risk_url(flow, "checklists"))
    newest, referred = await get(flow, risk_url(flow, "referral-proposals"))
    assert view["words"] == done["judgement_reason"] == newest["note"] == FREE_TEXT
    assert referred["decision_note"] == referred["without_consent_reason"] == FREE_TEXT
