"""WhatsApp end to end: the provider against a real local fake of the Cloud API, and the
webhook with Meta's signature: her reply moves the outreach, a forged or replayed
delivery changes nothing, and statuses never move a message backwards."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.clock import ManualClock
from partner_contact.messaging.providers.base import OutgoingMessage
from partner_contact.messaging.providers.whatsapp import WhatsAppProvider
from partner_contact.messaging.webhooks.whatsapp import signature_for
from partner_contact.settings import AuthSettings, Settings, WhatsAppSettings
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import table_rows
from tests.fixtures.whatsapp_fake import (
    API_VERSION,
    PHONE_NUMBER_ID,
    TOKEN,
    FakeWhatsApp,
    running_fake,
)
from tests.integration.outreach.flow import HER_PHONE, Flow, make_flow

APP_SECRET = "whatsapp-app-secret-for-tests"
VERIFY_TOKEN = "whatsapp-verify-token-for-tests"
TEMPLATE = "neutral_check_in"
HER_WA_ID = HER_PHONE.lstrip("+")
WEBHOOK = "/webhooks/whatsapp"
SECRET_WORDS = "Your partner's programme asked us to reach you"


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeWhatsApp]:
    with running_fake() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeWhatsApp) -> FakeWhatsApp:
    fake_server.reset()
    return fake_server


def whatsapp_settings(fake: FakeWhatsApp, **overrides: Any) -> WhatsAppSettings:
    values: dict[str, Any] = {
        "access_token": TOKEN,
        "phone_number_id": PHONE_NUMBER_ID,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base_url": fake.url,
        "api_version": API_VERSION,
        "template_name": TEMPLATE,
        "template_language": "en",
        "timeout_seconds": 2.0,
        **overrides,
    }
    return WhatsAppSettings(**values)


# ---- the provider ---------------------------------------------------------------------------


def outgoing(*, is_open: bool, body: str = SECRET_WORDS) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key="key-1",
        channel="whatsapp",
        recipient=HER_PHONE,
        subject=None,
        body=body,
        template_kind="first_contact",
        language="de-AT",
        is_conversation_open=is_open,
        claimed_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


@pytest.fixture
async def provider(fake: FakeWhatsApp) -> AsyncIterator[WhatsAppProvider]:
    provider = WhatsAppProvider(whatsapp_settings(fake))
    yield provider
    await provider.aclose()


async def test_inside_her_window_our_text_goes_and_outside_only_the_template(
    fake: FakeWhatsApp, provider: WhatsAppProvider
) -> None:
    inside = await provider.send(outgoing(is_open=True))
    assert inside.outcome == "accepted"
    assert inside.provider_message_id == fake.received[0].message_id
    outside = await provider.send(outgoing(is_open=False))
    assert outside.outcome == "accepted"
    text, template = fake.received
    assert (text.kind, text.to, text.body) == ("text", HER_PHONE, SECRET_WORDS)
    assert text.payload["text"]["preview_url"] is False
    assert (template.kind, template.template_name, template.language) == (
        "template",
        TEMPLATE,
        "en",
    )
    # Outside the window none of our words leave: the approved template is all she gets.
    assert SECRET_WORDS not in json.dumps(template.payload)
    assert fake.count == 2


async def test_the_bearer_token_is_checked(fake: FakeWhatsApp) -> None:
    provider = WhatsAppProvider(whatsapp_settings(fake, access_token="wrong"))
    try:
        result = await provider.send(outgoing(is_open=True))
    finally:
        await provider.aclose()
    assert (result.outcome, result.error_code, result.is_permanent) == ("rejected", "190", False)
    assert (fake.calls, fake.count) == (1, 0)


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        pytest.param(131026, 400, ("rejected", "131026", True, False), id="undeliverable"),
        pytest.param(131047, 400, ("rejected", "131047", False, False), id="outside-window"),
        pytest.param(131049, 400, ("rejected", "131049", False, False), id="held-back"),
        pytest.param(131050, 400, ("rejected", "131050", True, True), id="stopped-us"),
        pytest.param(130429, 429, ("rejected", "130429", False, False), id="rate-limited"),
        pytest.param(None, 400, ("rejected", "http_400", False, False), id="no-json"),
        pytest.param(131000, 500, ("ambiguous", "131000", False, False), id="server-error"),
    ],
)
async def test_error_answers(
    fake: FakeWhatsApp,
    provider: WhatsAppProvider,
    code: int | None,
    http_status: int,
    expected: tuple[str, str, bool, bool],
) -> None:
    fake.fail_next(code, http_status=http_status)
    result = await provider.send(outgoing(is_open=False))
    assert (result.outcome, result.error_code, result.is_permanent, result.is_opt_out) == expected
    assert result.provider_message_id is None
    assert fake.count == 0


async def test_a_timeout_after_sending_is_ambiguous_and_cannot_be_looked_up(
    fake: FakeWhatsApp,
) -> None:
    provider = WhatsAppProvider(whatsapp_settings(fake, timeout_seconds=0.3))
    try:
        fake.hang_next(1.5)
        result = await provider.send(outgoing(is_open=True))
        lookup = await provider.lookup(outgoing(is_open=True))
    finally:
        await provider.aclose()
    assert result.outcome == "ambiguous"
    assert fake.count == 1  # it did reach Meta: sending it again would be a second message
    assert lookup.outcome == "unknown"


async def test_no_connection_is_a_temporary_rejection(fake: FakeWhatsApp) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    provider = WhatsAppProvider(whatsapp_settings(fake, api_base_url=closed))
    try:
        result = await provider.send(outgoing(is_open=True))
    finally:
        await provider.aclose()
    assert (result.outcome, result.error_code, result.is_permanent) == (
        "rejected",
        "connect_error",
        False,
    )


# ---- the webhook, through the app -----------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeWhatsApp) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
        provider="whatsapp",
        public_url="https://partner-contact.example.org",
        whatsapp=whatsapp_settings(fake),
    )


def delivery(value: dict[str, Any]) -> bytes:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def her_message(at: datetime, body: str, *, id_: str = "wamid.IN1") -> bytes:
    return delivery(
        {
            "contacts": [{"profile": {"name": "Her profile name"}, "wa_id": HER_WA_ID}],
            "messages": [
                {
                    "from": HER_WA_ID,
                    "id": id_,
                    "timestamp": str(int(at.timestamp())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def status(at: datetime, message_id: str, value: str, **extra: Any) -> bytes:
    entry = {
        "id": message_id,
        "status": value,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": HER_WA_ID,
        **extra,
    }
    return delivery({"statuses": [entry]})


async def post(
    client: AsyncTestClient[Litestar], body: bytes, *, signature: str | None = None
) -> Any:
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = (
        signature_for(APP_SECRET, body) if signature is None else signature
    )
    return await client.post(WEBHOOK, content=body, headers=headers)


async def whatsapp_flow(app: Litestar, client: AsyncTestClient[Litestar]) -> Flow:
    return await make_flow(
        app, client, whatsapp=HER_PHONE, may_name_org=True, channels=["whatsapp"]
    )


async def test_the_subscription_handshake(client: AsyncTestClient[Litestar]) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    ok = await client.get(WEBHOOK, params=params)
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    for wrong in (
        {**params, "hub.verify_token": "guess"},
        {**params, "hub.mode": "unsubscribe"},
        {"hub.challenge": "1158201444"},
    ):
        refused = await client.get(WEBHOOK, params=wrong)
        assert refused.status_code == 403, wrong
        assert "1158201444" not in refused.text


async def test_her_signed_reply_moves_the_outreach(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, fake: FakeWhatsApp
) -> None:
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    # She never wrote to us: only the approved template can go, none of our words.
    (first,) = fake.received
    assert (first.kind, first.template_name, first.to) == ("template", TEMPLATE, HER_PHONE)
    response = await post(client, her_message(clock(), "1"))
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "ignored": 0}
    await flow.dispatch()
    assert await flow.state(outreach["id"]) == "replied_yes"
    (reply,) = (await flow.outreach(outreach["id"]))["replies"]
    assert (reply["channel"], reply["kind"]) == ("whatsapp", "yes")
    # Nothing of hers is stored in the clear: not her words' number, nor her profile name.
    for table in ("webhook_event", "inbound_message"):
        for row in await table_rows(app, table):
            dump = repr(row).encode()
            assert HER_WA_ID.encode() not in dump
            assert b"Her profile name" not in dump


async def test_a_forged_delivery_changes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, fake: FakeWhatsApp
) -> None:
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    body = her_message(clock(), "STOP")
    forged = [
        await post(client, body, signature=""),
        await post(client, body, signature=signature_for("not-the-app-secret", body)),
        await post(client, body.replace(b"STOP", b"1"), signature=signature_for(APP_SECRET, body)),
        await client.post(WEBHOOK, content=body),  # no signature header at all
    ]
    failure = status(clock(), fake.received[0].message_id, "failed", errors=[{"code": 131026}])
    forged.append(await post(client, failure, signature=signature_for("guess", failure)))
    assert [r.status_code for r in forged] == [403] * 5
    assert {r.json()["code"] for r in forged} == {"invalid_signature"}
    await flow.dispatch()
    assert await table_rows(app, "webhook_event") == []
    assert await table_rows(app, "inbound_message") == []
    detail = await flow.outreach(outreach["id"])
    assert detail["outreach"]["state"] == "awaiting_reply"
    assert [m["status"] for m in detail["messages"]] == ["sent"]


async def test_the_same_delivery_twice_has_one_effect(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    body = her_message(clock(), "1")
    first = await post(client, body)
    again = await post(client, body)
    assert first.json() == {"stored": 1, "duplicates": 0, "ignored": 0}
    assert again.json() == {"stored": 0, "duplicates": 1, "ignored": 0}
    await flow.dispatch()
    await post(client, body)  # and once more after it was handled
    await flow.dispatch()
    detail = await flow.outreach(outreach["id"])
    assert len(detail["replies"]) == 1
    assert len(await flow.alerts()) == 1
    assert len(await table_rows(app, "inbound_message")) == 1


async def test_statuses_out_of_order_never_move_backwards(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, fake: FakeWhatsApp
) -> None:
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    wamid = fake.received[0].message_id
    # Meta does not keep order: "read" may come first, and "sent" or even a failure late.
    late_failure = status(clock(), wamid, "failed", errors=[{"code": 131026}])
    for body in (
        status(clock(), wamid, "read"),
        status(clock(), wamid, "delivered"),
        status(clock(), wamid, "sent"),
        late_failure,
    ):
        response = await post(client, body)
        assert response.status_code == 200
        await flow.dispatch()
    detail = await flow.outreach(outreach["id"])
    assert [m["status"] for m in detail["messages"]] == ["delivered"]
    assert detail["outreach"]["state"] == "awaiting_reply"


async def test_an_undeliverable_message_fails_permanently(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, fake: FakeWhatsApp
) -> None:
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    wamid = fake.received[0].message_id
    await post(client, status(clock(), wamid, "sent"))
    failure = status(clock(), wamid, "failed", errors=[{"code": 131026, "title": "Undeliverable"}])
    assert (await post(client, failure)).status_code == 200
    await flow.dispatch()
    (message,) = (await flow.outreach(outreach["id"]))["messages"]
    assert (message["status"], message["error_code"]) == ("failed", "131026")


async def test_stale_and_foreign_deliveries_are_ignored(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    await whatsapp_flow(app, client)
    old = clock() - timedelta(days=7, minutes=1)
    response = await post(client, her_message(old, "1", id_="wamid.OLD"))
    assert response.json() == {"stored": 0, "duplicates": 0, "ignored": 1}
    other_number = her_message(clock(), "1").replace(PHONE_NUMBER_ID.encode(), b"999999999999999")
    response = await post(client, other_number)
    assert response.json() == {"stored": 0, "duplicates": 0, "ignored": 1}
    assert await table_rows(app, "webhook_event") == []


async def test_once_she_wrote_our_own_words_go_as_text(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, fake: FakeWhatsApp
) -> None:
    flow = await whatsapp_flow(app, client)
    assert (await post(client, her_message(clock(), "hello?"))).status_code == 200
    await flow.dispatch()
    await flow.start()
    await flow.dispatch()
    (first,) = fake.received
    assert first.kind == "text"
    assert first.body


async def test_a_signed_body_that_is_not_json_is_400(client: AsyncTestClient[Litestar]) -> None:
    response = await post(client, b"not json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    # A signed payload of another kind is ours to ignore, not an error Meta would retry.
    response = await post(client, b'{"object": "page", "entry": []}')
    assert response.json() == {"stored": 0, "duplicates": 0, "ignored": 0}


async def test_a_reply_with_a_long_message_id_is_not_lost(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    # Real wamids vary in length; replies sent from WhatsApp Web carry ids longer than 64.
    long_id = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgWM0VCMDZBMkVCQTkxOTMzNkVBMjcwQgA="
    assert len(long_id) > 64
    flow = await whatsapp_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    assert (await post(client, her_message(clock(), "1", id_=long_id))).status_code == 200
    await flow.dispatch()
    assert await flow.state(outreach["id"]) == "replied_yes"
