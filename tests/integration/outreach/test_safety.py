"""What keeps her safe while an outreach runs: the gate at queueing and again at send
time, confirmation with a reason, opt-out, "he answered", and reopening contact."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.clock import ManualClock
from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import FACTORS, make_flow

HIGH_RISK = {
    **FACTORS,
    "severe_physical_violence": True,
    "coercive_control": True,
    "previous_dv_arrests": True,
    "high_jealousy": True,
    "substance_use": True,
}


async def test_high_risk_needs_a_confirmation_with_a_reason_that_is_kept_sealed(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client, screening={"risk_factors": HIGH_RISK})
    outreach = await flow.start()
    assert outreach["state"] == "awaiting_confirmation"
    assert "high_risk" in outreach["gate_reasons"]
    await flow.dispatch()
    assert await flow.mailbox() == []
    url = f"/api/v1/outreach/{outreach['id']}/confirm"
    reason = "Spoke with her supervisor Canaryreason about timing"
    confirmed = await client.post(url, json={"reason": reason}, headers=flow.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "queued"
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1
    (stored,) = await table_rows(app, "outreach", "confirmation_reason")
    assert b"Canaryreason" not in stored[0]
    # Confirming twice is not a step the protocol knows in this state.
    again = await client.post(url, json={"reason": reason}, headers=flow.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_unknown_working_hours_need_confirmation(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client, screening={"work": "at_home", "working_hours": None})
    outreach = await flow.start()
    assert outreach["state"] == "awaiting_confirmation"
    assert "his_hours_unknown" in outreach["gate_reasons"]


async def test_the_gate_runs_again_at_send_time(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert outreach["state"] == "queued"
    # Between queueing and sending, her worker marks her do-not-contact.
    patch = await client.patch(
        f"/api/v1/partners/{flow.partner['id']}",
        json={"is_do_not_contact": True, "do_not_contact_reason": "safety_risk"},
        headers=flow.headers,
    )
    assert patch.status_code == 200, patch.text
    await flow.dispatch()
    assert await flow.mailbox() == []
    detail = await flow.outreach(outreach["id"])
    assert detail["outreach"]["state"] == "blocked"
    assert detail["outreach"]["gate_reasons"] == ["do_not_contact"]
    assert [m["status"] for m in detail["messages"]] == ["cancelled"]


async def test_a_stop_while_a_message_waits_cancels_it(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    clock.advance(hours=-2)  # before her window: the first message is deferred
    flow = await make_flow(app, client)
    outreach = await flow.start()
    assert outreach["next_message_due_at"] is not None
    await flow.reply("Stop")
    await flow.advance(hours=4)
    await flow.dispatch()
    assert await flow.mailbox() == []
    detail = await flow.outreach(outreach["id"])
    assert detail["outreach"]["state"] == "opted_out"
    assert [m["status"] for m in detail["messages"]] == ["cancelled"]


async def test_a_start_reopens_contact_only_when_her_worker_confirms_it(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    await flow.reply("STOP")
    opt_in = f"/api/v1/partners/{flow.partner['id']}/opt-in"
    early = await client.post(opt_in, headers=flow.headers)
    assert early.status_code == 409
    assert early.json()["code"] == "start_not_received"
    await flow.advance(hours=1)
    await flow.reply("START")
    newest = (await flow.alerts())[0]
    assert newest["kind"] == "start_received"
    # START alone sends nothing and reopens nothing.
    blocked = await flow.start()
    assert blocked["state"] == "blocked"
    assert (await client.post(opt_in, headers=flow.headers)).status_code == 204
    await flow.advance(hours=1)
    reopened = await flow.start()
    assert reopened["state"] == "queued"


async def test_he_answered_suspends_contact_until_new_details_are_recorded(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.reply("1")
    call = await client.post(
        f"/api/v1/outreach/{outreach['id']}/call",
        json={"outcome": "he_answered"},
        headers=flow.headers,
    )
    assert call.status_code == 200, call.text
    assert call.json()["state"] == "suspended"
    partner_url = f"/api/v1/partners/{flow.partner['id']}"
    partner = (await client.get(partner_url, headers=flow.headers)).json()
    assert (partner["is_do_not_contact"], partner["do_not_contact_reason"]) == (
        True,
        "he_answered",
    )
    assert (await flow.start())["state"] == "blocked"
    same_number = await client.patch(
        partner_url,
        json={"is_do_not_contact": False, "do_not_contact_reason": None},
        headers=flow.headers,
    )
    assert same_number.status_code == 409
    assert same_number.json()["code"] == "new_details_required"
    new_number = await client.patch(
        partner_url,
        json={"is_do_not_contact": False, "do_not_contact_reason": None, "phone": "+447700900456"},
        headers=flow.headers,
    )
    assert new_number.status_code == 200, new_number.text
    await flow.advance(minutes=5)
    assert (await flow.start())["state"] == "queued"


async def test_only_her_reply_or_a_call_with_her_counts_as_contact(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    partner_url = f"/api/v1/partners/{flow.partner['id']}"
    outreach = await flow.start()
    await flow.dispatch()
    assert (await client.get(partner_url, headers=flow.headers)).json()["last_contact_at"] is None
    await flow.advance(minutes=10)
    await flow.reply("yes")
    replied = (await client.get(partner_url, headers=flow.headers)).json()["last_contact_at"]
    assert replied.startswith("2026-03-02T09:10")
    await flow.advance(minutes=5)
    call = await client.post(
        f"/api/v1/outreach/{outreach['id']}/call",
        json={"outcome": "spoke_safely"},
        headers=flow.headers,
    )
    assert call.json()["state"] == "completed"
    called = (await client.get(partner_url, headers=flow.headers)).json()["last_contact_at"]
    assert called.startswith("2026-03-02T09:15")


async def test_help_is_urgent_and_a_verified_code_word_is_recorded_without_the_word(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    await flow.reply("HELP")
    (alert,) = await flow.alerts()
    assert (alert["kind"], alert["priority"]) == ("reply_help", "urgent")
    code_word_url = f"/api/v1/partners/{flow.partner['id']}/code-word"
    await client.put(code_word_url, json={"code_word": "bluebell"}, headers=flow.headers)
    verify = await client.post(
        f"{code_word_url}/verify", json={"code_word": "bluebell"}, headers=flow.headers
    )
    assert verify.json()["matches"] is True
    detail = await flow.outreach(outreach["id"])
    assert detail["outreach"]["is_code_word_verified"] is True
    assert detail["events"][-1]["kind"] == "code_word_verified"
    assert "bluebell" not in str(detail)


async def test_starting_is_idempotent_and_one_outreach_at_a_time(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    first = await flow.start(**{"Idempotency-Key": "retry-key-0001"})
    again = await flow.start(**{"Idempotency-Key": "retry-key-0001"})
    assert again["id"] == first["id"]
    second = await client.post(
        f"/api/v1/partners/{flow.partner['id']}/outreach", headers=flow.headers
    )
    assert second.status_code == 409
    assert second.json()["code"] == "outreach_open"
    cancelled = await client.post(f"/api/v1/outreach/{first['id']}/cancel", headers=flow.headers)
    assert cancelled.json()["state"] == "cancelled"
    await flow.dispatch()
    assert await flow.mailbox() == []
    # A cancelled outreach cannot be cancelled again or take a call.
    assert (
        await client.post(f"/api/v1/outreach/{first['id']}/cancel", headers=flow.headers)
    ).status_code == 409


async def test_her_reply_is_taken_in_whatever_the_outreach_waits_for(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client, screening={"risk_factors": HIGH_RISK})
    outreach = await flow.start()
    assert outreach["state"] == "awaiting_confirmation"
    # She writes first (she has the number from an earlier contact).
    assert (await flow.reply("yes"))["kind"] == "yes"
    assert await flow.state(outreach["id"]) == "replied_yes"
    assert (await flow.reply("yes!!"))["kind"] == "yes"
    assert await flow.state(outreach["id"]) == "replied_yes"
    await flow.dispatch()
    assert await flow.mailbox() == []  # the held first message was cancelled
    assert [alert["kind"] for alert in await flow.alerts()] == ["reply_yes", "reply_yes"]
