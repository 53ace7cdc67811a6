"""Notes that wait for later: written sealed, read on purpose, addressed, hers alone."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, make_team, table_rows
from tests.integration.outreach.flow import Flow, make_flow

CANARY = "The canary-heron says the landlord wants us out by June"


def notes_url(flow: Flow) -> str:
    return f"/api/v1/partners/{flow.partner['id']}/notes"


async def write(flow: Flow, **body: Any) -> Any:
    payload = {"topic": "housing", "text": CANARY, "raise_when": "next_call", **body}
    response = await flow.client.post(notes_url(flow), json=payload, headers=flow.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def listed(flow: Flow, **params: str) -> Any:
    response = await flow.client.get(notes_url(flow), params=params, headers=flow.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"text": "  \n "}, 422, "text", id="text-blank"),
        pytest.param({"text": "x" * 4001}, 422, "text", id="text-too-long"),
        pytest.param({"text": CANARY + "\x07"}, 422, "text", id="text-control-char"),
        pytest.param({"text": 12}, 400, "text", id="text-not-text"),
        pytest.param({"text": None}, 400, "text", id="text-null"),
        pytest.param({"topic": "canary-topic"}, 400, "topic", id="topic-unknown"),
        pytest.param({"raise_when": "canary-never"}, 400, "raise_when", id="raise-when-unknown"),
        pytest.param({"status": "addressed"}, 400, "status", id="status-not-writable"),
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
    payload = {"topic": "housing", "text": CANARY, "raise_when": "next_call", **body}
    response = await client.post(notes_url(flow), json=payload, headers=flow.headers)
    assert response.status_code == status, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "canary" not in response.text.lower()
    assert await table_rows(app, "partner_note", "id") == []


async def test_the_longest_note_fits(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    flow = await make_flow(app, client)
    await write(flow, text="x" * 4000)
    assert [len(note["text"]) for note in await listed(flow)] == [4000]


async def test_a_note_goes_from_open_to_addressed(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    housing = await write(flow)
    assert housing["status"] == "open"
    assert "text" not in housing
    flow.app.state.clock.advance(minutes=5)
    children = await write(
        flow, topic="children", text="School pick-up worries", raise_when="when_safe"
    )
    everything = await listed(flow)
    assert [n["id"] for n in everything] == [children["id"], housing["id"]]
    assert everything[1]["text"] == CANARY
    assert (everything[1]["topic"], everything[1]["raise_when"]) == ("housing", "next_call")

    done = await client.post(f"/api/v1/notes/{housing['id']}/addressed", headers=flow.headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "addressed"
    assert done.json()["addressed_by"] == str(flow.case.worker.user.id)
    assert done.json()["addressed_at"] is not None
    twice = await client.post(
        f"/api/v1/notes/{housing['id']}/addressed", headers=flow.case.supervisor_headers
    )
    assert twice.status_code == 200
    assert twice.json() == done.json()

    assert [n["id"] for n in await listed(flow, status="open")] == [children["id"]]
    assert [n["id"] for n in await listed(flow, status="addressed")] == [housing["id"]]
    assert len(await listed(flow)) == 2
    wrong = await client.get(notes_url(flow), params={"status": "closed"}, headers=flow.headers)
    assert wrong.status_code == 400


async def test_note_texts_are_sealed_and_every_action_is_logged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    note = await write(flow, text=f"  {CANARY}  ")
    rows = await table_rows(app, "partner_note", "text")
    assert len(rows) == 1
    assert CANARY.encode() not in bytes(rows[0][0])
    assert (await listed(flow))[0]["text"] == CANARY
    await client.post(f"/api/v1/notes/{note['id']}/addressed", headers=flow.headers)
    log = await table_rows(app, "access_log", "action, purpose")
    assert [row for row in log if row[0].startswith("note.")] == [
        ("note.create", None),
        ("note.read", "call"),
        ("note.addressed", None),
    ]
    assert CANARY not in str(await table_rows(app, "access_log"))
    clearance = await client.get(
        f"/api/v1/participants/{flow.case.participant_id}/clearance",
        headers=flow.case.facilitator_headers,
    )
    assert clearance.content == b'{"contact_permitted":false,"review_after":null}'


async def test_nobody_else_reaches_her_notes(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    note = await write(flow)
    routes = (
        ("POST", notes_url(flow)),
        ("GET", notes_url(flow)),
        ("POST", f"/api/v1/notes/{note['id']}/addressed"),
    )
    body = {"topic": "other", "text": "Hello", "raise_when": "next_call"}
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    others = [flow.case.facilitator_headers] + [
        await bearer_for(app, await make_staff(app, role))
        for role in (Role.facilitator, Role.admin, Role.auditor)
    ]
    for method, path in routes:
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)
        assert "canary" not in response.text.lower()
        for headers in others:
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path)
            assert "canary" not in refused.text.lower()
    unknown = await client.post(f"/api/v1/notes/{uuid.uuid4()}/addressed", headers=flow.headers)
    assert unknown.status_code == 404
    remaining = await listed(flow)
    assert [(n["id"], n["status"]) for n in remaining] == [(note["id"], "open")]


async def test_her_consent_to_share_a_note_defaults_to_no_and_can_be_withdrawn(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    unshared = await write(flow)
    shared = await write(flow, topic="children", may_share=True)
    assert (unshared["may_share"], shared["may_share"]) == (False, True)
    sharing = f"/api/v1/notes/{shared['id']}/sharing"
    withdrawn = await client.put(sharing, json={"may_share": False}, headers=flow.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["may_share"] is False
    assert {n["id"]: n["may_share"] for n in await listed(flow)} == {
        unshared["id"]: False,
        shared["id"]: False,
    }
    # The response shows the note's topic: a call that changes nothing is logged as well.
    again = await client.put(sharing, json={"may_share": False}, headers=flow.headers)
    assert (again.status_code, again.json()["topic"]) == (200, "children")
    log = await table_rows(app, "access_log", "action")
    assert [row[0] for row in log].count("note.sharing") == 2
    stranger = await bearer_for(
        app, await make_staff(app, Role.partner_worker, team_id=await make_team(app))
    )
    for headers, status in ((stranger, 404), (flow.case.facilitator_headers, 403)):
        refused = await client.put(sharing, json={"may_share": True}, headers=headers)
        assert refused.status_code == status
    assert (
        await client.put(sharing, json={"may_share": "yes"}, headers=flow.headers)
    ).status_code == 400
    assert not any(n["may_share"] for n in await listed(flow))
