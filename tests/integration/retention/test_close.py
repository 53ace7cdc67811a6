"""Closing her case starts the closed-case retention; reopening stops it."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.staff import table_rows
from tests.integration.outreach.flow import Flow, make_flow


async def act(flow: Flow, action: str, status: int = 200, **body: Any) -> Any:
    response = await flow.client.post(
        f"/api/v1/partners/{flow.partner['id']}/{action}",
        json=body if action == "close" else None,
        headers=flow.headers,
    )
    assert response.status_code == status, response.text
    return response.json()


async def test_closing_is_refused_while_an_outreach_is_open(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    problem = await act(flow, "close", 409, reason="programme_ended")
    assert problem["code"] == "outreach_open"
    assert await table_rows(app, "partner", "closed_at") == [(None,)]
    cancelled = await client.post(f"/api/v1/outreach/{outreach['id']}/cancel", headers=flow.headers)
    assert cancelled.status_code in (200, 201), cancelled.text
    closed = await act(flow, "close", reason="programme_ended")
    assert closed["close_reason"] == "programme_ended"


async def test_a_closed_case_shows_when_it_is_erased_and_can_be_reopened_once(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    closed = await act(flow, "close", reason="her_request")
    assert closed["closed_at"] == "2026-03-02T09:00:00Z"
    assert closed["erase_after"] == "2026-08-29T09:00:00Z"  # 180 days by default
    assert closed["closed_by"] == str(flow.case.worker.user.id)
    assert (await act(flow, "close", 409, reason="other"))["code"] == "already_closed"
    # Her record stays reachable while closed.
    assert (
        await client.get(f"/api/v1/partners/{flow.partner['id']}", headers=flow.headers)
    ).status_code == 200
    reopened = await act(flow, "reopen")
    assert reopened["closed_at"] is None
    assert reopened["erase_after"] is None
    assert (await act(flow, "reopen", 409))["code"] == "not_closed"
    actions = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert actions.count("partner.close") == 1
    assert actions.count("partner.reopen") == 1


async def test_an_unknown_reason_is_refused_without_closing(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    problem = await act(flow, "close", 400, reason="canary-reason")
    assert [error["field"] for error in problem["errors"]] == ["reason"]
    assert "canary" not in str(problem)
    assert await table_rows(app, "partner", "closed_at") == [(None,)]


async def test_no_outreach_starts_on_a_closed_case_until_it_is_reopened(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    flow = await make_flow(app, client)
    await act(flow, "close", reason="programme_ended")
    refused = await client.post(
        f"/api/v1/partners/{flow.partner['id']}/outreach", headers=flow.headers
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "case_closed"
    assert await table_rows(app, "outreach", "id") == []
    await act(flow, "reopen")
    assert (await flow.start())["state"]
