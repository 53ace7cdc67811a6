from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.app import create_app
from tests.fixtures.settings import make_settings


async def test_live_and_ready_on_a_migrated_database(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_ready_is_503_until_migrations_are_applied(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_ready"
    assert response.json()["detail"] == "database schema is not at the latest migration"


async def test_ready_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "postgresql+asyncpg://nobody@127.0.0.1:9/none")
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["detail"] == "database unreachable"
