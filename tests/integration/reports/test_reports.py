"""The supervisors' outreach report: aggregate figures only, counts under 5 shown as "<5".

Most rows are written straight to the database (on the app's loop) to keep the tests
quick; one test drives real outreaches through the sandbox so the figures are checked
against what the protocol itself records.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from partner_contact.messaging.models import OutboxMessage
from partner_contact.org.service import current_organisation
from partner_contact.outreach.models import Outreach
from partner_contact.partners.models import Partner
from partner_contact.reports.schemas import suppress, suppress_breakdown
from tests.fixtures.staff import auth_ctx, bearer_for, make_staff, on_app_loop, table_rows
from tests.integration.outreach.flow import HER_PHONE, make_flow
from tests.integration.partners.cases import Case, create_partner, make_case, make_participant

REPORT = "/api/v1/reports/outreach"
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOP_LEVEL = {
    "period",
    "scope",
    "threshold",
    "outreaches",
    "real_contacts",
    "opt_outs",
    "messages_sent",
    "attempts_per_real_contact",
    "days_from_intake_to_first_contact",
    "referrals_by_service",
}


# ---- seeding straight into the database ------------------------------------------------------


async def seed_partners(
    app: Litestar,
    case: Case,
    count: int,
    *,
    participant_id: uuid.UUID | None = None,
    opted_out_at: datetime | None = None,
) -> list[uuid.UUID]:
    """Partner rows (placeholder ciphertexts: the report never reads them)."""
    ctx = auth_ctx(app)

    async def work() -> list[uuid.UUID]:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            data_key = await ctx.cipher().new_data_key(session)
            now = ctx.clock()
            rows = [
                Partner(
                    id=uuid.uuid4(),
                    data_key_id=data_key.id,
                    organisation_id=organisation.id,
                    participant_id=participant_id or case.participant_id,
                    alias=b"sealed",
                    profile=b"sealed",
                    opted_out_at=opted_out_at,
                    created_by=case.worker.user.id,
                    created_at=now,
                    updated_at=now,
                )
                for _ in range(count)
            ]
            session.add_all(rows)
            return [row.id for row in rows]

    return await on_app_loop(app, work)


async def seed_outbox(
    app: Litestar, case: Case, partner_id: uuid.UUID, channels: dict[str, int], sent_at: datetime
) -> None:
    """An outreach for her with ``channels[channel]`` sent messages on each channel."""
    ctx = auth_ctx(app)

    async def work() -> None:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            data_key = await ctx.cipher().new_data_key(session)
            outreach = Outreach(
                id=uuid.uuid4(),
                organisation_id=organisation.id,
                partner_id=partner_id,
                state="awaiting_reply",
                started_by=case.worker.user.id,
                started_at=sent_at,
                updated_at=sent_at,
            )
            session.add(outreach)
            await session.flush()
            for channel, count in channels.items():
                for _ in range(count):
                    session.add(
                        OutboxMessage(
                            id=uuid.uuid4(),
                            data_key_id=data_key.id,
                            organisation_id=organisation.id,
                            partner_id=partner_id,
                            outreach_id=outreach.id,
                            kind="first_contact",
                            channel=channel,
                            template_version=1,
                            idempotency_key=uuid.uuid4().hex,
                            status="sent",
                            due_at=sent_at,
                            attempts=1,
                            created_at=sent_at,
                            sent_at=sent_at,
                        )
                    )

    await on_app_loop(app, work)


async def report(
    client: AsyncTestClient[Litestar], headers: dict[str, str], **params: str
) -> dict[str, Any]:
    response = await client.get(REPORT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def admin_headers(app: Litestar) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, Role.admin))


# ---- the suppression rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, 5), (6, 6), (120, 120)]
)
def test_counts_under_five_are_suppressed(count: int, shown: object) -> None:
    assert suppress(count) == shown


def test_a_lone_suppressed_part_takes_the_smallest_other_part_with_it() -> None:
    parts = {"sms": 9, "whatsapp": 2, "email": 6, "voice": 7}
    assert suppress_breakdown(parts, total_shown=True) == {
        "sms": 9,
        "whatsapp": "<5",
        "email": "<5",
        "voice": 7,
    }
    # Without a published total nothing can be subtracted.
    assert suppress_breakdown(parts, total_shown=False)["email"] == 6
    # Two suppressed parts already hide each other; ties go to the first part.
    assert suppress_breakdown({"a": 1, "b": 0, "c": 5}, total_shown=True) == {
        "a": "<5",
        "b": "<5",
        "c": 5,
    }
    assert suppress_breakdown({"a": 6, "b": 6, "c": 3}, total_shown=True) == {
        "a": "<5",
        "b": 6,
        "c": "<5",
    }
    assert suppress_breakdown({"a": 5, "b": 8}, total_shown=True) == {"a": 5, "b": 8}


# ---- the report over HTTP --------------------------------------------------------------------


async def test_four_opt_outs_show_as_under_five_and_five_as_five(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    case = await make_case(app)
    now = clock()
    await seed_partners(app, case, 4, opted_out_at=now - timedelta(days=2))
    # Outside the default period (the last 30 days): never counted.
    await seed_partners(app, case, 3, opted_out_at=now - timedelta(days=40))
    await seed_partners(app, case, 2)

    body = await report(client, case.supervisor_headers)
    assert body["opt_outs"] == "<5"
    assert body["scope"] == "team"
    assert body["period"] == {"from": "2026-02-01", "to": "2026-03-02", "days": 30}

    await seed_partners(app, case, 1, opted_out_at=now - timedelta(hours=1))
    body = await report(client, case.supervisor_headers)
    assert body["opt_outs"] == 5

    # Aggregates only: no ids, no names, no partner field anywhere in the answer.
    assert set(body) == TOP_LEVEL
    text = str(body)
    assert not UUID_PATTERN.search(text)
    for word in ("Rose", "alias", "phone", "email_address", "partner_id", "participant", "name"):
        assert word not in text
    assert body["referrals_by_service"] == []

    logged = await table_rows(app, "access_log", "action, object_type, object_id, actor_id")
    reads = [row for row in logged if row[0] == "report.read"]
    assert len(reads) == 2
    assert {row[1] for row in reads} == {"report"}
    assert reads[0][2] == "outreach:2026-02-01..2026-03-02"
    assert {str(row[3]) for row in reads} == {str(case.supervisor.user.id)}


async def test_a_breakdown_never_lets_a_reader_subtract_a_suppressed_count(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    case = await make_case(app)
    (partner_id,) = await seed_partners(app, case, 1)
    await seed_outbox(
        app, case, partner_id, {"sms": 6, "email": 5, "whatsapp": 2}, clock() - timedelta(days=1)
    )
    body = await report(client, case.supervisor_headers)
    sent = body["messages_sent"]
    assert sent["total"] == 13
    by_channel = {row["channel"]: row["count"] for row in sent["by_channel"]}
    # WhatsApp (2) is suppressed; e-mail (5, the smallest other part) goes with it, or
    # 13 - 6 - 5 would give it away.
    assert by_channel == {"sms": 6, "whatsapp": "<5", "email": "<5"}
    # One outreach: every state suppressed, the total too.
    assert body["outreaches"]["started"] == "<5"
    assert set(body["outreaches"]["by_state"].values()) == {"<5"}
    # No real contact: the ratio is withheld with a reason.
    assert body["real_contacts"] == "<5"
    assert body["attempts_per_real_contact"] == {"value": None, "reason": "too_few"}


async def test_the_period_is_checked_and_the_field_named(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    headers = case.supervisor_headers

    response = await client.get(
        REPORT, params={"from": "2026-02-10", "to": "2026-02-09"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["from"]

    response = await client.get(
        REPORT, params={"from": "2025-01-01", "to": "2026-01-02"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["to"]

    # Only "from", too long ago: "to" defaults to today, so "from" is at fault.
    response = await client.get(REPORT, params={"from": "2024-01-01"}, headers=headers)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["from"]

    response = await client.get(REPORT, params={"from": "yesterday"}, headers=headers)
    assert response.status_code == 400, response.text

    body = await report(client, headers, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert body["period"] == {"from": "2024-01-01", "to": "2024-12-31", "days": 366}
    body = await report(client, headers, to="2026-01-31")
    assert body["period"] == {"from": "2026-01-02", "to": "2026-01-31", "days": 30}


async def test_a_supervisor_sees_only_her_teams_cases(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    ours = await make_case(app)
    theirs = await make_case(app)
    when = clock() - timedelta(days=3)
    # Three on a case of her team's worker, two on a case assigned to her team itself.
    await seed_partners(app, ours, 3, opted_out_at=when)
    team_case = await make_participant(app, partner_team_id=ours.supervisor.user.team_id)
    await seed_partners(app, ours, 2, participant_id=team_case, opted_out_at=when)
    # Four on another team's case.
    await seed_partners(app, theirs, 4, opted_out_at=when)

    assert (await report(client, ours.supervisor_headers))["opt_outs"] == 5
    assert (await report(client, theirs.supervisor_headers))["opt_outs"] == "<5"
    whole = await report(client, await admin_headers(app))
    assert whole["scope"] == "organisation"
    assert whole["opt_outs"] == 9


async def test_only_supervisors_and_admins_read_reports(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    auditor = await bearer_for(app, await make_staff(app, Role.auditor))
    for headers in (case.worker_headers, case.facilitator_headers, auditor):
        response = await client.get(REPORT, headers=headers)
        assert response.status_code == 403, response.text
    assert (await client.get(REPORT)).status_code == 401
    logged = await table_rows(app, "access_log", "action")
    assert ("report.read",) not in logged


async def test_figures_follow_what_the_protocol_records(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    """Five partners on one case, each reached through the sandbox: a yes, then a call."""
    flow = await make_flow(app, client)
    phones = [HER_PHONE, *(f"+4477009001{n:02d}" for n in range(1, 5))]
    partners = [flow.partner]
    for phone in phones[1:]:
        partners.append(await create_partner(client, flow.case, phone=phone, **_windows()))
    await flow.advance(days=1)  # his intake was a day before
    for partner, phone in zip(partners, phones, strict=True):
        flow.partner = partner
        outreach = await flow.start()
        await flow.dispatch()
        await flow.reply("yes", sender=phone)
        response = await client.post(
            f"/api/v1/outreach/{outreach['id']}/call",
            json={"outcome": "spoke_safely"},
            headers=flow.headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "completed"

    supervisor = await bearer_for(app, flow.case.supervisor)
    body = await report(client, supervisor)
    assert body["outreaches"]["started"] == 5
    assert body["outreaches"]["by_state"]["completed"] == 5
    assert body["outreaches"]["by_state"]["open"] == "<5"
    assert body["real_contacts"] == 10  # five replies and five calls
    assert body["messages_sent"]["total"] == 5
    assert {row["channel"]: row["count"] for row in body["messages_sent"]["by_channel"]} == {
        "sms": 5,
        "whatsapp": "<5",
        "email": "<5",
    }
    assert body["attempts_per_real_contact"] == {"value": 0.5, "reason": None}
    assert body["days_from_intake_to_first_contact"] == {"value": 1.0, "reason": None}
    assert body["opt_outs"] == "<5"


def _windows() -> dict[str, Any]:
    days = ("mon", "tue", "wed", "thu", "fri")
    return {
        "channels": ["sms", "email"],
        "safe_windows": [{"weekday": day, "start": "08:30", "end": "17:00"} for day in days],
    }
