"""Her home-situation assessment: drafted, completed, corrected, sealed, and its flags.

The test clock starts on Monday 2 March 2026, 09:00 UTC.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.assessments.schemas import ANSWER_FIELDS
from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.outreach.flow import Flow, make_flow

CANARY = "He locked the canary-heron door again"
FREE_TEXT = ("how_she_managed_episodes", "how_she_lives_isolation", "how_the_children_are", "notes")
NO_FLAGS = {
    "violence_since_lockdown": False,
    "fears_new_violence": False,
    "children_affected": False,
    "no_support_service": False,
    "contact_concern": False,
}


def partner_url(flow: Flow, what: str = "assessments") -> str:
    return f"/api/v1/partners/{flow.partner['id']}/{what}"


def url(assessment_id: str, action: str = "") -> str:
    return f"/api/v1/assessments/{assessment_id}" + (f"/{action}" if action else "")


async def draft(flow: Flow, status: int = 201, **body: Any) -> Any:
    response = await flow.client.post(partner_url(flow), json=body, headers=flow.headers)
    assert response.status_code == status, response.text
    return response.json()


async def act(flow: Flow, assessment_id: str, action: str, status: int = 200) -> Any:
    response = await flow.client.post(url(assessment_id, action), headers=flow.headers)
    assert response.status_code == status, response.text
    return response.json()


async def read(flow: Flow, assessment_id: str) -> Any:
    response = await flow.client.get(url(assessment_id), headers=flow.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def flags(flow: Flow) -> Any:
    response = await flow.client.get(partner_url(flow, "flags"), headers=flow.headers)
    assert response.status_code == 200, response.text
    return response.json()


_BAD_ENUMS = [
    pytest.param({name: "maybe"}, 400, name, id=f"{name}-unknown") for name in ANSWER_FIELDS
]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        *_BAD_ENUMS,
        pytest.param({"she_works": None}, 400, "she_works", id="answer-null"),
        pytest.param({"she_works": True}, 400, "she_works", id="answer-bool"),
        pytest.param({"stress_level": 11}, 400, "stress_level", id="stress-above-10"),
        pytest.param({"stress_level": -1}, 400, "stress_level", id="stress-below-0"),
        pytest.param({"stress_level": "maybe"}, 400, "stress_level", id="stress-not-a-number"),
        pytest.param({"stress_level": 2.5}, 400, "stress_level", id="stress-not-whole"),
        pytest.param({"outreach_id": "maybe"}, 400, "outreach_id", id="outreach-not-a-uuid"),
        pytest.param(
            {"outreach_id": "00000000-0000-4000-8000-000000000000"},
            422,
            "outreach_id",
            id="outreach-not-hers",
        ),
        pytest.param({"notes": CANARY * 200}, 400, "notes", id="notes-too-long"),
        pytest.param({"notes": 7}, 400, "notes", id="notes-not-text"),
        pytest.param(
            {"how_the_children_are": CANARY + "\x00"},
            422,
            "how_the_children_are",
            id="children-text-control-char",
        ),
        pytest.param({"maybe": "yes"}, 400, "maybe", id="unknown-field"),
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
    response = await client.post(partner_url(flow), json=body, headers=flow.headers)
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "canary" not in response.text
    assert "'maybe'" not in response.text
    assert await table_rows(app, "assessment", "id") == []


async def test_a_patch_is_checked_the_same_way(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    created = await draft(flow)
    for body, field in (
        ({"fears_new_episode": "sometimes"}, "fears_new_episode"),
        ({"stress_level": 12}, "stress_level"),
        ({"outreach_id": created["id"]}, "outreach_id"),  # fixed when the draft is made
    ):
        response = await client.patch(url(created["id"]), json=body, headers=flow.headers)
        assert response.status_code == 400, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_not_asked_is_not_no(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    flow = await make_flow(app, client)
    empty = await draft(flow)
    assert empty["status"] == "draft"
    assert set(empty["answers"]) == {*ANSWER_FIELDS, "stress_level"}
    assert all(empty["answers"][name] == "not_asked" for name in ANSWER_FIELDS)
    assert empty["answers"]["stress_level"] is None
    assert empty["flags"] == NO_FLAGS
    assert empty["has_free_text"] is False
    full = await read(flow, empty["id"])
    assert full["answers"] == empty["answers"]
    assert full["free_text"] == dict.fromkeys(FREE_TEXT)

    changed = await client.patch(
        url(empty["id"]),
        json={"in_touch_with_support_service": "no", "she_works": "declined", "stress_level": 0},
        headers=flow.headers,
    )
    assert changed.status_code == 200, changed.text
    answers = changed.json()["answers"]
    assert answers["in_touch_with_support_service"] == "no"
    assert answers["she_works"] == "declined"
    assert answers["stress_level"] == 0
    assert answers["he_works"] == "not_asked"  # left out: unchanged
    assert changed.json()["flags"] == {**NO_FLAGS, "no_support_service": True}
    back = await client.patch(
        url(empty["id"]),
        json={"in_touch_with_support_service": "not_asked", "stress_level": None},
        headers=flow.headers,
    )
    assert back.json()["answers"]["in_touch_with_support_service"] == "not_asked"
    assert back.json()["answers"]["stress_level"] is None
    assert back.json()["flags"] == NO_FLAGS
    assert back.json()["answers"]["she_works"] == "declined"


async def test_a_completed_assessment_never_changes_and_a_correction_is_a_new_version(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    first = await draft(
        flow,
        outreach_id=outreach["id"],
        episodes_since_lockdown="yes",
        conflict_since_lockdown="more",
        childcare_going="difficult",
        stress_level=8,
        notes=CANARY,
    )
    assert first["outreach_id"] == outreach["id"]
    done = await act(flow, first["id"], "complete")
    assert (done["status"], done["completed_by"]) == ("completed", str(flow.case.worker.user.id))
    assert done["completed_at"] is not None
    before = await read(flow, first["id"])

    refused = await client.patch(
        url(first["id"]), json={"episodes_since_lockdown": "no"}, headers=flow.headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "assessment_completed"
    again = await act(flow, first["id"], "complete", status=409)
    assert again["code"] == "assessment_completed"

    await flow.advance(hours=1)
    correction = await act(flow, first["id"], "correct", status=201)
    assert correction["id"] != first["id"]
    assert correction["supersedes_id"] == first["id"]
    assert correction["status"] == "draft"
    assert correction["outreach_id"] == outreach["id"]
    assert correction["answers"] == before["answers"]
    assert (await read(flow, correction["id"]))["free_text"]["notes"] == CANARY
    forked = await act(flow, first["id"], "correct", status=409)
    assert forked["code"] == "assessment_already_corrected"
    draft_correction = await act(flow, correction["id"], "correct", status=409)
    assert draft_correction["code"] == "assessment_not_completed"

    fixed = await client.patch(
        url(correction["id"]),
        json={"episodes_since_lockdown": "no", "fears_new_episode": "no", "notes": None},
        headers=flow.headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["has_free_text"] is False
    assert (await flags(flow))["assessment_id"] == first["id"]  # drafts never count
    await act(flow, correction["id"], "complete")
    assert await read(flow, first["id"]) == before  # the old version is untouched
    latest = await flags(flow)
    assert latest["assessment_id"] == correction["id"]
    assert latest["flags"] == NO_FLAGS

    listed = await client.get(partner_url(flow), headers=flow.headers)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [correction["id"], first["id"]]


async def test_her_words_are_sealed_and_never_listed_and_every_action_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    created = await draft(
        flow,
        how_she_managed_episodes=f"  {CANARY}\n",
        how_the_children_are="Quiet, the canary-heron says",
        fears_new_episode="yes",
        children_affected_by_his_behaviour="yes",
    )
    assert created["has_free_text"] is True
    assert "free_text" not in created
    assert CANARY not in str(created)
    (stored,) = await table_rows(app, "assessment", "free_text")
    assert b"canary" not in bytes(stored[0])
    full = await read(flow, created["id"])
    assert full["free_text"] == {
        "how_she_managed_episodes": CANARY,
        "how_she_lives_isolation": None,
        "how_the_children_are": "Quiet, the canary-heron says",
        "notes": None,
    }
    await act(flow, created["id"], "complete")
    listed = await client.get(partner_url(flow), headers=flow.headers)
    case_flags = await client.get(partner_url(flow, "flags"), headers=flow.headers)
    for response in (listed, case_flags):
        assert response.status_code == 200
        assert "canary" not in response.text
        assert 'free_text"' not in response.text.replace("has_free_text", "")
    assert case_flags.json()["flags"] == {
        **NO_FLAGS,
        "fears_new_violence": True,
        "children_affected": True,
    }
    log = await table_rows(app, "access_log", "action, purpose, object_id")
    actions = [(action, purpose) for action, purpose, _ in log if action.startswith("assessment.")]
    assert actions == [
        ("assessment.create", None),
        ("assessment.read", "call"),
        ("assessment.complete", None),
        ("assessment.list", None),
        ("assessment.flags", None),
    ]
    assert "canary" not in str(log)


async def test_her_case_without_a_completed_assessment_has_no_flags(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await draft(flow, episodes_since_lockdown="yes")
    empty = await flags(flow)
    assert empty == {
        "partner_id": flow.partner["id"],
        "assessment_id": None,
        "completed_at": None,
        "flags": NO_FLAGS,
    }


async def test_nobody_else_reaches_her_assessments(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    created = await draft(flow, notes=CANARY)
    completed = await draft(flow)
    await act(flow, completed["id"], "complete")
    routes = [
        ("POST", partner_url(flow)),
        ("GET", partner_url(flow)),
        ("GET", partner_url(flow, "flags")),
        ("GET", url(created["id"])),
        ("PATCH", url(created["id"])),
        ("POST", url(created["id"], "complete")),
        ("POST", url(completed["id"], "correct")),
    ]
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    others = [
        await bearer_for(app, await make_staff(app, role))
        for role in (Role.facilitator, Role.admin, Role.auditor)
    ]
    for method, path in routes:
        body = {"she_works": "yes"}
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)
        assert "canary" not in response.text
        for headers in (*others, flow.case.facilitator_headers):
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path)
    assert (await read(flow, created["id"]))["status"] == "draft"
    assert len(await table_rows(app, "assessment", "id")) == 2


async def test_her_fear_of_a_new_episode_makes_a_worker_confirm_the_next_outreach(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    calm = await draft(flow, fears_new_episode="no")
    await act(flow, calm["id"], "complete")
    first = await flow.start()
    assert first["state"] != "awaiting_confirmation"
    assert "high_risk" not in first.get("gate_reasons", [])
    cancelled = await client.post(f"/api/v1/outreach/{first['id']}/cancel", headers=flow.headers)
    assert cancelled.status_code in (200, 201), cancelled.text

    await flow.advance(hours=1)
    afraid = await act(flow, calm["id"], "correct", status=201)
    await client.patch(url(afraid["id"]), json={"fears_new_episode": "yes"}, headers=flow.headers)
    second = await flow.start()
    assert "high_risk" not in second.get("gate_reasons", [])  # a draft does not count yet
    await client.post(f"/api/v1/outreach/{second['id']}/cancel", headers=flow.headers)
    await act(flow, afraid["id"], "complete")
    await flow.advance(hours=1)
    third = await flow.start()
    assert third["state"] == "awaiting_confirmation"
    assert "high_risk" in third["gate_reasons"]


async def test_her_consent_to_share_each_answer_defaults_to_none_and_survives_completion(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    first = await draft(flow, notes=CANARY, how_the_children_are=CANARY)
    assert first["may_share"] == []
    await act(flow, first["id"], "complete")
    sharing = url(first["id"], "sharing")
    # Her consent is not part of what she said: it changes on a completed version too.
    given = await client.put(
        sharing,
        json={"may_share": ["notes", "notes", "how_the_children_are"]},
        headers=flow.headers,
    )
    assert given.status_code == 200, given.text
    assert given.json()["may_share"] == ["how_the_children_are", "notes"]
    correction = await act(flow, first["id"], "correct", status=201)
    assert correction["may_share"] == ["how_the_children_are", "notes"]
    withdrawn = await client.put(sharing, json={"may_share": []}, headers=flow.headers)
    assert withdrawn.json()["may_share"] == []
    assert (await read(flow, first["id"]))["may_share"] == []
    # Made on the superseded version, her withdrawal holds for its correction too.
    assert (await read(flow, correction["id"]))["may_share"] == []
    # The response shows her answers: a call that changes nothing is logged as well.
    again = await client.put(sharing, json={"may_share": []}, headers=flow.headers)
    assert (again.status_code, again.json()["answers"]) == (200, withdrawn.json()["answers"])
    for body in ({"may_share": ["stress_level"]}, {"may_share": "notes"}, {}):
        refused = await client.put(sharing, json=body, headers=flow.headers)
        assert refused.status_code == 400, body
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    for headers, status in ((stranger, 404), (flow.case.facilitator_headers, 403)):
        other = await client.put(sharing, json={"may_share": ["notes"]}, headers=headers)
        assert other.status_code == status
    assert (await read(flow, first["id"]))["may_share"] == []
    log = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert log.count("assessment.sharing") == 3
