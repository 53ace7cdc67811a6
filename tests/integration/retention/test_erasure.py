"""Erasure on request: no decryptable trace of her is left, and the proof is a report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.audit.chain import seal_pending, verify_chain
from partner_contact.auth.roles import Role
from partner_contact.logs import configure_logging
from tests.fixtures.canaries import ALL, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries
from tests.fixtures.staff import bearer_for, make_staff, on_app_loop, table_rows
from tests.integration.outreach.flow import Flow, make_flow
from tests.integration.referrals.world import ALIAS, NOTE, SHARE_ALL, make_world
from tests.integration.retention.traces import (
    decryptable_traces,
    dump_database,
    plaintext_traces,
    plant_her,
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
    keyring = app.state.keyring_file.current()
    for kind, value in (("phone", PHONE_FORMS[0]), ("email", EMAILS[0]), ("phone", "+12025550147")):
        index = keyring.blind_index(kind, value)
        for table, column in (
            ("partner", "phone_index"),
            ("partner", "email_index"),
            ("partner", "whatsapp_index"),
            ("sandbox_message", "recipient_index"),
        ):
            assert [row for row in dump[table] if row[column] == index] == []
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
    assert counts["partner_note"] == {"rows": 1, "sealed_fields": 1}
    assert counts["consent_record"]["sealed_fields"] == 1
    assert counts["assessment"]["sealed_fields"] == 1
    assert counts["inbound_message"] == {"rows": 1, "sealed_fields": 2}
    assert counts["sandbox_message"]["rows"] == 1
    assert counts["risk_her_view"] == {"rows": 1, "sealed_fields": 1}
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
