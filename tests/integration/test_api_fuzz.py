"""schemathesis over the served spec: no request gets a 5xx, every response fits the spec.

Later features add their routes to the spec and so to this run; authenticated routes
are exercised with credentials supplied by the fixtures here as they arrive.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar

from partner_contact.app import create_app
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from tests.fixtures.settings import make_settings


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade_database(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{(data_dir / 'fuzz.db').as_posix()}"
    asyncio.run(_migrate(url))
    return create_app(make_settings(data_dir, url))


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Litestar) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate()
