"""Screenings over HTTP: versions, validation naming the field, risk, and who sees his window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.app import create_app
from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from partner_contact.participants.risk import RiskRule
from partner_contact.participants.schedule import WeeklyWindows
from partner_contact.participants.screenings import contact_window, latest_screening
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import bearer_for, make_staff, on_app_loop, table_rows
from tests.integration.participants.factories import (
    Staff,
    create_participant,
    make_case_staff,
    screening_body,
)

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def staff(app: Litestar, client: Client) -> Staff:
    return await make_case_staff(app)


@pytest.fixture
async def url(client: Client, staff: Staff) -> str:
    participant = await create_participant(client, staff)
    return f"/api/v1/participants/{participant['id']}/screenings"


async def test_each_screening_is_a_new_version_and_history_is_kept(
    app: Litestar, client: Client, staff: Staff, url: str, clock: Any
) -> None:
    first = await client.post(url, json=screening_body(), headers=staff.headers["facilitator"])
    clock.advance(minutes=1)
    second = await client.post(
        url,
        json=screening_body("severe_physical_violence", "coercive_control", children_count=2),
        headers=staff.headers["supervisor"],
    )
    assert (first.status_code, second.status_code) == (201, 201)

    history = (await client.get(url, headers=staff.headers["worker"])).json()
    assert [s["version"] for s in history] == [2, 1]
    assert [s["recorded_by"] for s in history] == [
        str(staff.supervisor.user.id),
        str(staff.facilitator.user.id),
    ]
    assert history[0]["recorded_at"] > history[1]["recorded_at"]
    assert history[1]["risk"]["band"] == "low"
    assert history[0]["risk"]["band"] == "high"
    intensive = history[0]["risk"]["recommendations"][0]
    assert intensive["intervention"] == "intensive_check_ins"
    assert intensive["reminders"] == ["address_children_safety"]
    actions = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert actions.count("screening.record") == 2


async def test_his_contact_window_is_shown_to_the_partner_side_only(
    client: Client, staff: Staff, url: str
) -> None:
    await client.post(url, json=screening_body(), headers=staff.headers["facilitator"])

    for role in ("worker", "supervisor"):
        latest = (await client.get(url, headers=staff.headers[role])).json()[0]
        assert latest["contact_window"]["zone"] == "Europe/London"
        assert len(latest["contact_window"]["ranges"]) == 3
    as_facilitator = (await client.get(url, headers=staff.headers["facilitator"])).json()[0]
    assert "contact_window" not in as_facilitator


async def test_at_home_means_no_contact_window(client: Client, staff: Staff, url: str) -> None:
    body = screening_body(work="at_home", working_hours=None)
    recorded = await client.post(url, json=body, headers=staff.headers["supervisor"])
    assert recorded.json()["contact_window"] is None


async def test_only_his_facilitator_or_her_supervisor_records_screenings(
    app: Litestar, client: Client, staff: Staff, url: str
) -> None:
    other = await bearer_for(app, await make_staff(app, Role.facilitator))
    assert (await client.post(url, json=screening_body(), headers=other)).status_code == 404
    assert (await client.get(url, headers=other)).status_code == 404
    for role in ("admin", "worker"):
        response = await client.post(url, json=screening_body(), headers=staff.headers[role])
        assert response.status_code == 403
    assert (await client.get(url, headers=staff.headers["admin"])).status_code == 403


def _hours(*ranges: tuple[str, str, str], zone: str = "Europe/Berlin") -> dict[str, Any]:
    return {
        "zone": zone,
        "ranges": [{"weekday": d, "start": s, "end": e} for d, s, e in ranges],
    }


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        (
            {"working_hours": _hours(("mon", "08:00", "12:00"), zone="Mars/Olympus")},
            422,
            "working_hours.zone",
        ),
        ({"working_hours": _hours()}, 422, "working_hours.ranges"),
        ({"working_hours": _hours(("mon", "12:00", "08:00"))}, 422, "working_hours.ranges[0]"),
        (
            {"working_hours": _hours(("fri", "08:00", "12:00"), ("fri", "11:00", "14:00"))},
            422,
            "working_hours.ranges[1]",
        ),
        ({"working_hours": _hours(("mon", "08:00", "25:00"))}, 400, "working_hours"),
        ({"working_hours": _hours(("someday", "08:00", "12:00"))}, 400, "working_hours"),
        ({"working_hours": None}, 422, "working_hours"),
        ({"work": "at_home"}, 422, "working_hours"),
        ({"work": "sometimes"}, 400, "work"),
        ({"living_situation": "with_lodger"}, 400, "living_situation"),
        ({"children_count": 21}, 400, "children_count"),
        ({"children_count": 2, "children_ages": [4]}, 422, "children_ages"),
        ({"children_count": 1, "children_ages": [18]}, 400, "children_ages"),
        ({"risk_factors": {"court_mandated": True}}, 400, "risk_factors"),
    ],
)
async def test_an_invalid_screening_is_refused_naming_the_field(
    client: Client, staff: Staff, url: str, overrides: dict[str, Any], status: int, field: str
) -> None:
    response = await client.post(
        url, json=screening_body(**overrides), headers=staff.headers["facilitator"]
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields


async def test_the_outreach_gate_gets_his_window_from_the_latest_screening(
    app: Litestar, client: Client, staff: Staff, url: str
) -> None:
    participant_id = uuid.UUID(url.split("/")[4])
    await client.post(url, json=screening_body(), headers=staff.headers["facilitator"])
    evening = _hours(("mon", "18:00", "22:00"), zone="America/New_York")
    await client.post(
        url, json=screening_body(working_hours=evening), headers=staff.headers["facilitator"]
    )

    async def window() -> WeeklyWindows | None:
        async with app.state.session_maker() as session:
            latest = await latest_screening(session, participant_id)
            assert latest is not None
            return contact_window(latest)

    found = await on_app_loop(app, window)
    assert found is not None
    assert found.zone == "America/New_York"
    # Monday 19:00 in New York (winter) is Tuesday 00:00 UTC.
    assert found.contains(datetime(2026, 1, 6, 0, 0, tzinfo=UTC))


async def test_the_configured_risk_rule_decides_the_band(
    tmp_path: Any, database_url: str, engine: Any
) -> None:
    strict = RiskRule(elevated_from=1, high_from=1)
    app = create_app(
        make_settings(tmp_path / "strict", database_url, risk=strict), clock=ManualClock()
    )
    async with AsyncTestClient(app) as client:
        app.state.test_portal = client.blocking_portal
        staff = await make_case_staff(app)
        participant = await create_participant(client, staff)
        url = f"/api/v1/participants/{participant['id']}/screenings"
        body = screening_body("court_mandated")
        assert (
            await client.post(url, json=body, headers=staff.headers["facilitator"])
        ).status_code == 201
        [screening] = (await client.get(url, headers=staff.headers["worker"])).json()
    # One low-weight factor is "low" under the default rule, "high" under this one.
    assert screening["risk"]["band"] == "high"
