"""Shared fixtures: settings in a temporary data directory, a migrated database, a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.app import create_app
from partner_contact.clock import ManualClock
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from partner_contact.settings import Settings
from tests.fixtures.databases import (
    BACKENDS,
    MigratedTemplates,
    backend_param,
    database_url_for,
)
from tests.fixtures.settings import make_settings


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each backend."""
    async with database_url_for(backend, tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def _forget_database_config_keys() -> Iterator[None]:
    """advanced-alchemy remembers every config's state keys for the whole process and makes
    a new one unique by recursing once per earlier config: after about a thousand apps in
    one test run that overflows the stack. A service process makes one app."""
    yield
    for registry in (
        "_SESSION_SCOPE_KEY_REGISTRY",
        "_ENGINE_APP_STATE_KEY_REGISTRY",
        "_SESSIONMAKER_APP_STATE_KEY_REGISTRY",
    ):
        getattr(SQLAlchemyAsyncConfig, registry).clear()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    asyncio.run(templates.drop())


@pytest.fixture
async def engine(
    backend: str, database_url: str, migrated_templates: MigratedTemplates
) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head (a copy of one migrated once per run)."""
    await migrated_templates.fill(backend, database_url)
    engine = create_engine(database_url)
    await upgrade_database(engine)  # at head already: proves the copy is current
    yield engine
    await engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine, clock: ManualClock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as client:
        app.state.test_portal = client.blocking_portal
        yield client
        del app.state.test_portal
