"""The error model and response hardening, seen from a client."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.app import create_app
from partner_contact.errors import PROBLEM_MEDIA_TYPE
from partner_contact.logs import configure_logging
from partner_contact.settings import Settings
from tests.fixtures.canaries import find_canaries
from tests.fixtures.probes import PROBES
from tests.fixtures.settings import make_settings

ECHO = "/api/v1/test-probes/echo"


@pytest.fixture
async def probe_client(
    settings: Settings, engine: AsyncEngine
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(create_app(settings, extra_route_handlers=PROBES)) as client:
        yield client


async def _post_raw(
    client: AsyncTestClient[Litestar], body: bytes
) -> tuple[int, dict[str, object], str]:
    response = await client.post(ECHO, content=body, headers={"content-type": "application/json"})
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    return response.status_code, problem, response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b'{"name": "x", "count": ', 400, "malformed_body", None),
        (b'{"name": "x", "count": 1, "surname": "y"}', 400, "validation_failed", "surname"),
        (b'{"name": "x", "count": "many"}', 400, "validation_failed", "count"),
        (b'{"name": "x"}', 400, "validation_failed", "count"),
        (b'{"name": "x", "count": 1, "kind": "z"}', 400, "validation_failed", "kind"),
        (b"[1, 2]", 400, "validation_failed", "body"),
    ],
)
async def test_bad_bodies_get_a_problem_naming_the_field(
    probe_client: AsyncTestClient[Litestar], body: bytes, status: int, code: str, field: str | None
) -> None:
    got_status, problem, request_id = await _post_raw(probe_client, body)
    assert got_status == status
    assert problem["code"] == code
    assert problem["type"] == f"urn:partner-contact:problem:{code}"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["request_id"] == request_id
    if field:
        assert [e["field"] for e in problem["errors"]] == [field]  # type: ignore[union-attr]


async def test_an_oversize_body_gets_413(probe_client: AsyncTestClient[Litestar]) -> None:
    body = b'{"name": "' + b"x" * (64 * 1024) + b'", "count": 1}'
    status, problem, _ = await _post_raw(probe_client, body)
    assert (status, problem["code"]) == (413, "body_too_large")


async def test_an_invalid_value_is_not_echoed_in_the_error(
    probe_client: AsyncTestClient[Litestar],
) -> None:
    response = await probe_client.post(
        ECHO, json={"name": "x", "count": 1, "kind": "+44 7700 900123"}
    )
    assert response.status_code == 400
    assert find_canaries(response.text) == []


async def test_a_crash_or_conflict_answers_with_only_the_request_id(
    probe_client: AsyncTestClient[Litestar],
) -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    for path, status in (
        ("/api/v1/test-probes/explode", 500),
        ("/api/v1/test-probes/duplicate", 409),  # a unique-value race: the client may retry
    ):
        response = await probe_client.post(path)
        assert response.status_code == status
        problem = response.json()
        assert set(problem) == {"type", "title", "status", "code", "request_id"}
        assert problem["request_id"] == response.headers["x-request-id"]
        assert find_canaries(response.text) == []
    logged = stream.getvalue()
    assert "request.failed" in logged
    assert "request.conflict" in logged
    assert find_canaries(logged) == []


async def test_unknown_routes_and_methods_are_problems_with_hardening_headers(
    client: AsyncTestClient[Litestar],
) -> None:
    for response, status in (
        (await client.get("/api/v1/nothing-here"), 404),
        (await client.post("/health/live"), 405),
    ):
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-request-id"]


async def test_every_response_is_hardened(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live")
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "server" not in headers
    assert "strict-transport-security" not in headers  # plain-http public URL


async def test_hsts_is_sent_behind_tls(
    tmp_path: object, engine: AsyncEngine, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, public_url="https://pc.example.org")
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.get("/health/live")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("abc12345-request", True),
        ("short", False),
        ("bad id\nwith newline", False),
        ("x" * 200, False),
    ],
)
async def test_request_id_is_kept_only_when_safe(
    client: AsyncTestClient[Litestar], offered: str, kept: bool
) -> None:
    response = await client.get(
        "/health/live", headers={"x-request-id": offered.replace("\n", " ")}
    )
    assert (response.headers["x-request-id"] == offered.replace("\n", " ")) is kept
