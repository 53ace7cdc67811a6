"""Erasure on request: no decryptable trace of her is left, and the proof is a report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.audit.chain import seal_pending, verify_chain
from partner_contact.auth.roles import Role
from partner_contact.logs import configure_logging
from partner_contact.messaging.dispatcher import DispatchReport
from partner_contact.messaging.inbound import StatusReport, receive_status
from tests.fixtures.canaries import ALL, FREE_TEXT, PHONE_FORMS, find_canaries
from tests.fixtures.staff import bearer_for, make_staff, on_app_loop, table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.referrals.world import ALIAS, NOTE, SHARE_ALL, make_world
from tests.integration.retention.traces import (
    blind_index_traces,
    database_file_bytes,
    decryptable_traces,
    dump_database,
    erase_and_collect_secrets,
    her_blind_indexes,
    plaintext_traces,
    plant_her,
    purge_now,
)


def erasure_url(flow: Flow) -> str:
    return f"/api/v1/partners/{flow.partner['id']}/erasure"


async def erase(flow: Flow, status: int = 201, **body: Any) -> Any:
    payload = {"reason": "her_request", "confirm": True, **body}
    response = await flow.client.post(
        erasure_url(flow), json=payload, headers=flow.case.supervisor_headers
    )
    assert response.status_code == status, response.text
    return response.json()


async def assert_no_trace_of_her(
    app: Litestar, partner_id: str, canaries: Sequence[str] = ALL
) -> None:
    """The acceptance line: no decryptable trace of her in the database."""
    dump = await dump_database(app)
    assert plaintext_traces(dump, canaries) == []
    assert await decryptable_traces(app, dump, canaries) == []
    # With the index key one could confirm a guessed number: no bytes column keeps one.
    assert blind_index_traces(dump, her_blind_indexes(app, canaries)) == []
    (her,) = [row for row in dump["partner"] if str(row["id"]) == partner_id]
    assert her["erased_at"] is not None
    assert her["code_word_hash"] is None

    async def chain() -> Any:
        await seal_pending(app.state.engine, clock=app.state.clock)
        return await verify_chain(app.state.engine)

    report = await on_app_loop(app, chain)
    assert report.problem is None
    assert report.entries > 0


async def test_erasure_leaves_no_decryptable_trace_of_her_in_the_database(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    flow = await plant_her(app, client)
    # The checks can fail: before erasure her words open under her live key.
    before = await dump_database(app)
    assert plaintext_traces(before) == []
    assert {hit.split(":")[0] for hit in await decryptable_traces(app, before)} >= {
        "partner.alias",
        "partner.phone",
        "partner_note.text",
        "consent_record.conditions",
        "assessment.free_text",
        "inbound_message.body",
        "sandbox_message.recipient",
        "inbound_message.sender",
        "risk_her_view.words",
    }

    report = await erase(flow)

    await assert_no_trace_of_her(app, flow.partner["id"])
    assert report["partner_id"] == flow.partner["id"]
    assert report["reason"] == "her_request"
    assert report["erased_by"] == str(flow.case.supervisor.user.id)
    counts = report["counts"]
    assert counts["partner"] == {"rows": 1, "sealed_fields": 5}
    assert counts["partner_note"] == {"rows": 1, "sealed_fields": 1, "deleted": 1}
    assert counts["consent_record"]["sealed_fields"] == 1
    assert counts["assessment"]["sealed_fields"] == 1
    assert counts["inbound_message"] == {"rows": 1, "sealed_fields": 2}
    assert counts["sandbox_message"]["rows"] == 1
    assert counts["risk_her_view"] == {"rows": 1, "sealed_fields": 1, "deleted": 1}
    assert counts["outreach_cancelled"] == {"rows": 1}
    assert counts["data_key"]["destroyed"] == 2  # hers and the sandbox copy's
    assert find_canaries(str(report)) == []
    assert find_canaries(stream.getvalue()) == []
    assert ("partner.erase", "erasure", flow.partner["id"]) in await table_rows(
        app, "access_log", "action, purpose, object_id"
    )


async def test_she_is_gone_for_every_worker_route_and_cannot_be_erased_twice(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    her = f"/api/v1/partners/{flow.partner['id']}"
    await erase(flow)
    for headers in (flow.headers, flow.case.supervisor_headers):
        for path in (her, f"{her}/notes", f"{her}/contact-details?purpose=call"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 404, path
        listed = await client.get("/api/v1/partners", headers=headers)
        assert listed.status_code == 200
        assert flow.partner["id"] not in listed.text
    again = await erase(flow, 409)
    assert again["code"] == "already_erased"
    assert len(await table_rows(app, "erasure_report", "id")) == 1


async def test_erasure_must_be_confirmed_and_changes_nothing_otherwise(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    problem = await erase(flow, 422, confirm=False)
    assert problem["code"] == "confirmation_required"
    assert [error["field"] for error in problem["errors"]] == ["confirm"]
    assert (await erase(flow, 400, reason="because"))["errors"][0]["field"] == "reason"
    assert await table_rows(app, "erasure_report", "id") == []
    ((erased_at,),) = await table_rows(app, "partner", "erased_at")
    assert erased_at is None


async def test_no_message_goes_out_after_erasure(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    await erase(flow)
    report = await flow.dispatch()
    assert report.sent == 0
    assert await table_rows(app, "sandbox_message", "id") == []
    statuses = await table_rows(app, "outbox_message", "status")
    assert statuses == [("cancelled",)]
    ((state,),) = await table_rows(app, "outreach", "state")
    assert (state, outreach["id"]) == ("cancelled", outreach["id"])
    timers = await table_rows(app, "outreach_timer", "fired_at, cancelled_at")
    assert all(fired is None and cancelled is not None for fired, cancelled in timers)


async def test_another_supervisors_team_cannot_erase_her_and_reports_hold_no_content(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    stranger = await bearer_for(app, await make_staff(app, Role.supervisor))
    response = await client.post(
        erasure_url(flow), json={"reason": "other", "confirm": True}, headers=stranger
    )
    assert response.status_code == 404
    report = await erase(flow, reason="other")
    auditor = await bearer_for(app, await make_staff(app, Role.auditor))
    listed = await client.get("/api/v1/erasures", headers=auditor)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [report["id"]]
    one = await client.get(f"/api/v1/erasures/{report['id']}", headers=auditor)
    assert one.status_code == 200
    assert one.json() == report
    assert FREE_TEXT not in one.text
    missing = await client.get(f"/api/v1/erasures/{flow.partner['id']}", headers=auditor)
    assert missing.status_code == 404


async def test_a_sent_referral_and_its_case_system_event_are_erased_with_her(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    world = await make_world(app, client)
    service_id = await world.service()
    await world.case_system([service_id])
    await world.sent_referral(service_id, SHARE_ALL, note=NOTE)
    canaries = (*ALL, ALIAS, NOTE)
    before = {
        hit.split(":")[0]
        for hit in await decryptable_traces(app, await dump_database(app), canaries)
    }
    assert {"referral.note", "case_system_delivery.payload"} <= before
    response = await client.post(
        f"/api/v1/partners/{world.partner_id}/erasure",
        json={"reason": "her_request", "confirm": True},
        headers=world.case.supervisor_headers,
    )
    assert response.status_code == 201, response.text
    counts = response.json()["counts"]
    assert counts["referral"]["rows"] == 1
    assert counts["case_system_delivery"]["rows"] >= 1
    await assert_no_trace_of_her(app, world.partner_id, canaries)


async def test_sandbox_copies_sent_to_a_number_she_no_longer_uses_go_with_her(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client, phone=PHONE_FORMS[0])
    outreach = await flow.start()
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1
    cancelled = await client.post(f"/api/v1/outreach/{outreach['id']}/cancel", headers=flow.headers)
    assert cancelled.status_code == 200, cancelled.text
    # She has a new number: her blind index no longer finds the copy sent to the old one.
    changed = await client.patch(
        f"/api/v1/partners/{flow.partner['id']}",
        json={"phone": "+447700900555"},
        headers=flow.headers,
    )
    assert changed.status_code == 200, changed.text
    report = await erase(flow)
    assert report["counts"]["sandbox_message"]["rows"] == 1
    assert await table_rows(app, "sandbox_message", "id") == []
    await assert_no_trace_of_her(app, flow.partner["id"])


async def test_a_message_being_handed_over_when_she_is_erased_is_settled_and_its_copy_purged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    dispatcher = app.state.dispatcher

    async def claim() -> Any:
        (message_id,) = await dispatcher._due_messages()
        return await dispatcher._claim(message_id, DispatchReport())

    claimed = await on_app_loop(app, claim)
    assert claimed is not None
    await erase(flow)
    assert await table_rows(app, "outbox_message", "status, error_code") == [("unknown", "erased")]

    async def hand_over() -> None:  # the dispatcher goes on with what it claimed
        result = await dispatcher._send(claimed.outgoing)
        await dispatcher._record(claimed.message_id, result, DispatchReport(), claimed.outgoing)

    await on_app_loop(app, hand_over)
    assert await table_rows(app, "outbox_message", "status") == [("sent",)]
    # A send that fails after her erasure is left as it is, not retried on every pass.
    await flow.advance(hours=1)
    await flow.dispatch()
    assert not await on_app_loop(app, dispatcher.has_due_work)
    # The copy the sandbox made after the erasure goes with the next purge.
    assert len(await table_rows(app, "sandbox_message", "id")) == 1
    assert (await purge_now(app))["erased_sandbox_copies"] == 1
    await assert_no_trace_of_her(app, flow.partner["id"])
    assert (await purge_now(app))["erased_sandbox_copies"] == 0


async def test_a_send_that_fails_after_her_erasure_is_not_recovered_for_ever(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    dispatcher = app.state.dispatcher

    async def claim() -> Any:
        (message_id,) = await dispatcher._due_messages()
        return await dispatcher._claim(message_id, DispatchReport())

    claimed = await on_app_loop(app, claim)
    assert claimed is not None
    await erase(flow)
    # The dispatcher that claimed it died before it could record anything.
    await flow.advance(hours=1)
    report = await flow.dispatch()
    assert report.sent == 0
    assert not await on_app_loop(app, dispatcher.has_due_work)
    assert await table_rows(app, "outbox_message", "status, error_code") == [("unknown", "erased")]


async def test_her_destroyed_key_leaves_the_database_files_right_after_the_erasure(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    """Not at the next daily purge: a backup taken in between must not hold her key."""
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    secrets = await erase_and_collect_secrets(app, flow)
    files = await database_file_bytes(app)
    if not files:
        pytest.skip("the database files cannot be read here")
    assert [name for name, data in files.items() if any(s in data for s in secrets)] == []


async def test_erasure_deletes_what_she_disclosed_and_keeps_only_process_metadata(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    her = f"/api/v1/partners/{flow.partner['id']}"
    await flow.start()

    async def post(path: str, body: dict[str, Any]) -> Any:
        response = await client.post(path, json=body, headers=flow.headers)
        assert response.status_code in (200, 201), response.text
        return response.json()

    first = await post(f"{her}/assessments", {"fears_new_episode": "yes", "stress_level": 9})
    await post(f"/api/v1/assessments/{first['id']}/complete", {})
    await post(f"/api/v1/assessments/{first['id']}/correct", {})
    await post(f"{her}/risk/her-view", {"scale": 1})
    admin = await bearer_for(app, await make_staff(app, Role.admin))
    questions = [{"key": f"q{n:02}", "text": f"Question {n}?"} for n in range(1, 17)]
    loaded = await client.post(
        "/api/v1/risk/checklists",
        json={"name": "Ours", "language": "en", "questions": questions},
        headers=admin,
    )
    assert loaded.status_code == 201, loaded.text
    answers = {q["key"]: "yes" for q in questions}
    high = await post(
        f"{her}/risk/checklists", {"checklist_id": loaded.json()["id"], "answers": answers}
    )
    assert high["referral_proposal_id"] is not None
    await post(f"{her}/risk/triggers", {"kind": "separation"})
    await post(f"{her}/guidance-given", {"card_refs": ["call_log/android/en/v0"]})
    await post(f"{her}/notes", {"topic": "housing", "text": "Later", "raise_when": "next_call"})
    disclosures = {
        "assessment": 2,
        "risk_her_view": 1,
        "risk_checklist_record": 1,
        "risk_referral_proposal": 1,
        "risk_trigger": 1,
        "guidance_given": 1,
        "partner_note": 1,
    }
    for table, rows in disclosures.items():
        assert len(await table_rows(app, table, "id")) == rows, table

    report = await erase(flow)

    for table, rows in disclosures.items():
        assert await table_rows(app, table, "id") == [], table
        assert report["counts"][table]["deleted"] == rows, table
    # The process around her stays as metadata without content: reports and the log need it.
    assert len(await table_rows(app, "outreach", "id")) == 1
    assert len(await table_rows(app, "partner", "id")) == 1
    await assert_no_trace_of_her(app, flow.partner["id"])


async def test_his_events_after_her_erasure_raise_no_task_or_alert_for_her(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    events = f"/api/v1/participants/{flow.case.participant_id}/events"
    body = {"kind": "threat_disclosed", "threat_to_kill": True}

    async def listed(what: str) -> Any:
        response = await client.get(f"/api/v1/{what}", headers=flow.headers)
        assert response.status_code == 200, response.text
        return response.json()

    before = await client.post(events, json=body, headers=flow.case.facilitator_headers)
    assert before.status_code == 201, before.text
    assert len(await listed("tasks")) == 1
    assert len((await listed("alerts"))["items"]) == 1

    await erase(flow)
    assert await listed("tasks") == []
    assert (await listed("alerts"))["items"] == []
    after = await client.post(events, json=body, headers=flow.case.facilitator_headers)
    assert after.status_code == 201, after.text
    assert len(await table_rows(app, "partner_task", "id")) == 1
    assert len(await table_rows(app, "partner_alert", "id")) == 1


async def test_a_failure_reported_for_a_message_to_an_erased_partner_is_recorded_quietly(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await flow.start()
    await flow.dispatch()
    ((provider_id,),) = await table_rows(app, "outbox_message", "provider_message_id")
    await erase(flow)
    report = StatusReport(
        provider="sandbox", provider_message_id=provider_id, status="failed", error_code="30003"
    )

    async def work() -> bool:
        async with app.state.session_maker.begin() as session:
            return await receive_status(app.state.outreach_engine, session, report)

    # Her key is gone: moving her outreach on would have to open her record, and fails.
    assert await on_app_loop(app, work) is True
    assert await table_rows(app, "outbox_message", "status") == [("failed",)]
    assert await table_rows(app, "outreach", "state") == [("cancelled",)]
