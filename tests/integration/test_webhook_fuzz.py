"""schemathesis over the provider webhooks of an app with every real provider on.

Unsigned or badly signed deliveries, whatever their shape, get a documented 4xx (403
for a signature) and never a 5xx; nothing reaches the engine. The providers point at
unreachable local addresses: nothing is sent anywhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from partner_contact.app import create_app
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from partner_contact.settings import (
    EmailSettings,
    OutreachSettings,
    TwilioSettings,
    WhatsAppSettings,
)
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import table_rows

UNREACHABLE = "http://127.0.0.1:9"


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade_database(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def providers_app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    data_dir: Path = tmp_path_factory.mktemp("webhooks")
    url = f"sqlite+aiosqlite:///{(data_dir / 'webhooks.db').as_posix()}"
    asyncio.run(_migrate(url))
    return create_app(
        make_settings(
            data_dir,
            url,
            provider="twilio,whatsapp,smtp",
            public_url="https://contact.example.org",
            outreach=OutreachSettings(run_dispatcher=False),
            twilio=TwilioSettings(
                account_sid="AC" + "0" * 32,
                auth_token="fuzz-token",
                messaging_service_sid="MG" + "0" * 32,
                api_base_url=UNREACHABLE,
            ),
            whatsapp=WhatsAppSettings(
                access_token="fuzz-access",
                phone_number_id="1234567890",
                app_secret="fuzz-app-secret",
                verify_token="fuzz-verify",
                template_name="neutral_hello",
                api_base_url=UNREACHABLE,
            ),
            email=EmailSettings(
                smtp_host="localhost",
                smtp_port=9,
                smtp_security="none",
                from_address="sam@example.org",
                from_name="Sam",
                inbound_webhook_secret="fuzz-mail-secret",
            ),
        )
    )


@pytest.fixture(scope="module")
def webhook_schema(providers_app: Litestar) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", providers_app).include(
        path_regex="^/webhooks/"
    )


schema = schemathesis.pytest.from_fixture("webhook_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_unsigned_deliveries_get_documented_refusals_only(case: schemathesis.Case) -> None:
    response = case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance]
    )
    assert response.status_code < 500


async def test_no_fuzzed_delivery_reached_the_engine(providers_app: Litestar) -> None:
    # Runs after the fuzz cases (file order): not one forged event was stored.
    assert await table_rows(providers_app, "webhook_event", "id") == []
    assert await table_rows(providers_app, "inbound_message", "id") == []


def test_the_webhooks_are_in_the_served_spec(providers_app: Litestar) -> None:
    paths = set(providers_app.openapi_schema.to_schema()["paths"])
    assert {
        "/webhooks/twilio/inbound",
        "/webhooks/twilio/status",
        "/webhooks/whatsapp",
        "/webhooks/email/inbound",
    } <= paths
    assert not any(path.startswith("/api/v1/sandbox") for path in paths)
