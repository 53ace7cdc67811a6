"""Twilio end to end: the provider against a local fake of Twilio's REST API over real
HTTP, and Twilio's webhooks signed as Twilio signs them (with Twilio's own library).

The service runs with PC_PROVIDER=twilio, its API base URL pointing at the fake. What
the fake stored is what Twilio would have: exactly the documented fields, one message
per outbox message even when an answer is lost. A webhook that is not signed with the
account's auth token over the public URL changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from partner_contact.clock import ManualClock
from partner_contact.messaging.providers.base import OutgoingMessage
from partner_contact.messaging.providers.twilio import TwilioProvider
from partner_contact.settings import AuthSettings, EmailSettings, Settings
from tests.fixtures.settings import make_settings
from tests.fixtures.smtp_server import SmtpServer, running_smtp_server
from tests.fixtures.staff import table_rows
from tests.fixtures.twilio_fake import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    MESSAGING_SERVICE_SID,
    TwilioFake,
)
from tests.integration.outreach.flow import HER_EMAIL, HER_PHONE, Flow, make_flow

PUBLIC_URL = "https://pc.example.org"
INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"
OUR_NUMBER = "+15005550006"
# Short, so the ambiguous case (an answer later than this) keeps the suite quick.
CLIENT_TIMEOUT = 1.0


def _sid(n: int) -> str:
    return f"SM{n:032x}"


@pytest.fixture
def twilio_fake(clock: ManualClock) -> Iterator[TwilioFake]:
    # The fake dates its messages by the service's own (manual) clock, as Twilio would
    # date them by the real one.
    with TwilioFake(clock=clock) as fake:
        yield fake


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, twilio_fake: TwilioFake, smtp: SmtpServer
) -> Settings:
    """SMS through Twilio (the fake), e-mail (her next channel) through a local SMTP server."""
    return make_settings(
        tmp_path / "data",
        database_url,
        provider="twilio,smtp",
        public_url=PUBLIC_URL,
        twilio=twilio_fake.settings(timeout_seconds=CLIENT_TIMEOUT),
        email=EmailSettings(
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            from_address="hello@pc.example.org",
            from_name="Anna",
            timeout_seconds=1.0,
        ),
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
    )


def _outgoing(
    body: str = "Hello, this is Anna.",
    *,
    recipient: str = HER_PHONE,
    claimed_at: datetime | None = None,
    key: str = "k-1",
) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key=key,
        channel="sms",
        recipient=recipient,
        subject=None,
        body=body,
        template_kind="first_contact",
        language="en",
        is_conversation_open=False,
        claimed_at=claimed_at or datetime.now(UTC),
    )


# ---- the provider alone ------------------------------------------------------------------------


async def test_a_send_posts_exactly_the_documented_fields(twilio_fake: TwilioFake) -> None:
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL + "/")
    try:
        result = await provider.send(_outgoing())
    finally:
        await provider.aclose()
    (stored,) = twilio_fake.messages
    assert result.outcome == "accepted"
    assert result.provider_message_id == stored.sid
    assert stored.sid.startswith("SM")
    assert len(stored.sid) == 34
    assert stored.fields == {
        "To": HER_PHONE,
        "Body": "Hello, this is Anna.",
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "StatusCallback": PUBLIC_URL + STATUS,
    }
    (request,) = twilio_fake.requests
    assert request.is_authorised
    assert (request.method, request.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )


async def test_without_a_messaging_service_it_sends_from_the_number(
    twilio_fake: TwilioFake,
) -> None:
    settings = twilio_fake.settings(messaging_service_sid="", from_number=FROM_NUMBER)
    provider = TwilioProvider(settings, public_url=PUBLIC_URL)
    try:
        assert (await provider.send(_outgoing())).outcome == "accepted"
    finally:
        await provider.aclose()
    (stored,) = twilio_fake.messages
    assert set(stored.fields) == {"To", "Body", "From", "StatusCallback"}
    assert stored.fields["From"] == FROM_NUMBER


@pytest.mark.parametrize("auth", [(ACCOUNT_SID, "wrong-token"), ("AC" + "9" * 32, AUTH_TOKEN)])
async def test_twilio_refuses_other_credentials_and_nothing_is_sent(
    twilio_fake: TwilioFake, auth: tuple[str, str]
) -> None:
    provider = TwilioProvider(
        twilio_fake.settings(account_sid=auth[0], auth_token=auth[1]), public_url=PUBLIC_URL
    )
    try:
        result = await provider.send(_outgoing())
    finally:
        await provider.aclose()
    assert (result.outcome, result.error_code) == ("rejected", "20003")
    assert (result.is_permanent, result.is_opt_out) == (False, False)
    assert twilio_fake.created_count == 0
    assert not twilio_fake.requests[0].is_authorised


@pytest.mark.parametrize(
    ("code", "http_status", "outcome", "is_permanent", "is_opt_out"),
    [
        (21610, 400, "rejected", False, True),  # she sent STOP to this sender
        (21211, 400, "rejected", True, False),  # invalid number
        (21614, 400, "rejected", True, False),  # not a mobile number
        (21612, 400, "rejected", True, False),  # not reachable by SMS
        (30007, 400, "rejected", False, False),  # carrier filtering: not her number
        (20429, 429, "rejected", False, False),  # too many requests: try later
        (20500, 500, "ambiguous", False, False),  # Twilio may have created it
        (None, 503, "ambiguous", False, False),
    ],
)
async def test_twilios_answers_are_classified(
    twilio_fake: TwilioFake,
    code: int | None,
    http_status: int,
    outcome: str,
    is_permanent: bool,
    is_opt_out: bool,
) -> None:
    twilio_fake.fail_next(code, http_status=http_status)
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL)
    try:
        result = await provider.send(_outgoing())
    finally:
        await provider.aclose()
    assert result.outcome == outcome
    assert (result.is_permanent, result.is_opt_out) == (is_permanent, is_opt_out)
    assert result.error_code == (str(code) if outcome == "rejected" else f"http_{http_status}")
    assert twilio_fake.created_count == 0


async def test_no_connection_is_a_certain_rejection(twilio_fake: TwilioFake) -> None:
    settings = twilio_fake.settings()
    twilio_fake.stop()  # nothing listens on its port any more
    provider = TwilioProvider(settings, public_url=PUBLIC_URL)
    try:
        result = await provider.send(_outgoing())
    finally:
        await provider.aclose()
    assert (result.outcome, result.error_code, result.is_permanent) == (
        "rejected",
        "connect_failed",
        False,
    )


async def test_a_late_answer_is_ambiguous_and_the_lookup_finds_the_message(
    twilio_fake: TwilioFake,
) -> None:
    claimed_at = twilio_fake.clock()
    twilio_fake.delay_next(CLIENT_TIMEOUT * 4)
    provider = TwilioProvider(
        twilio_fake.settings(timeout_seconds=CLIENT_TIMEOUT), public_url=PUBLIC_URL
    )
    try:
        result = await provider.send(_outgoing(claimed_at=claimed_at))
        assert (result.outcome, result.error_code) == ("ambiguous", "timeout")
        found = await provider.lookup(_outgoing(claimed_at=claimed_at))
    finally:
        await provider.aclose()
    (stored,) = twilio_fake.messages
    assert (found.outcome, found.provider_message_id) == ("found", stored.sid)
    # The search asked Twilio for messages to her sent on or after the claim's day.
    lookup = next(r for r in twilio_fake.requests if r.method == "GET")
    assert ("To", HER_PHONE) in lookup.query
    assert ("DateSent>", claimed_at.date().isoformat()) in lookup.query


async def test_a_5xx_after_creating_is_found_by_the_lookup(twilio_fake: TwilioFake) -> None:
    twilio_fake.fail_next(20500, http_status=500, store=True)
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL)
    try:
        assert (await provider.send(_outgoing())).outcome == "ambiguous"
        found = await provider.lookup(_outgoing(claimed_at=twilio_fake.clock()))
    finally:
        await provider.aclose()
    assert (found.outcome, found.provider_message_id) == ("found", twilio_fake.messages[0].sid)


async def test_a_message_not_yet_sent_by_twilio_is_found_without_the_date_filter(
    twilio_fake: TwilioFake,
) -> None:
    twilio_fake.leave_unsent = True  # queued at Twilio: no DateSent yet
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL)
    try:
        claimed_at = twilio_fake.clock()
        await provider.send(_outgoing())
        found = await provider.lookup(_outgoing(claimed_at=claimed_at))
    finally:
        await provider.aclose()
    assert (found.outcome, found.provider_message_id) == ("found", twilio_fake.messages[0].sid)


async def test_the_lookup_pages_through_the_list(
    twilio_fake: TwilioFake, clock: ManualClock
) -> None:
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL)
    claimed_at = clock()
    try:
        assert (await provider.send(_outgoing("the one"))).outcome == "accepted"
        for n in range(230):  # newer messages to her, listed before it
            clock.advance(seconds=1)
            twilio_fake.add_message(HER_PHONE, f"another {n}")
        found = await provider.lookup(_outgoing("the one", claimed_at=claimed_at))
    finally:
        await provider.aclose()
    assert (found.outcome, found.provider_message_id) == ("found", twilio_fake.messages[0].sid)
    pages = [r for r in twilio_fake.requests if r.method == "GET"]
    assert len(pages) == 3


async def test_the_lookup_never_says_not_found(twilio_fake: TwilioFake) -> None:
    provider = TwilioProvider(twilio_fake.settings(), public_url=PUBLIC_URL)
    now = twilio_fake.clock()
    try:
        await provider.send(_outgoing("an earlier message"))
        other_text = await provider.lookup(_outgoing("another text", claimed_at=now))
        other_number = await provider.lookup(
            _outgoing("an earlier message", recipient="+447700900999", claimed_at=now)
        )
        # The same text sent well before this claim is an earlier message, not this one.
        too_old = await provider.lookup(
            _outgoing("an earlier message", claimed_at=now + timedelta(hours=1))
        )
        twilio_fake.stop()
        unreachable = await provider.lookup(_outgoing("an earlier message", claimed_at=now))
    finally:
        await provider.aclose()
    for result in (other_text, other_number, too_old, unreachable):
        assert (result.outcome, result.provider_message_id) == ("unknown", None)


# ---- the service with PC_PROVIDER=twilio ---------------------------------------------------


async def _sms_sent(flow: Flow, fake: TwilioFake) -> tuple[str, str]:
    """Start an outreach and send its first SMS through the fake: (outreach id, sid)."""
    outreach = await flow.start()
    report = await flow.dispatch()
    assert report.sent == 1
    (stored,) = fake.messages
    return outreach["id"], stored.sid


def _inbound_params(
    body: str, *, sid: str = _sid(1), sender: str = HER_PHONE, **extra: str
) -> dict[str, str]:
    """What Twilio POSTs for an incoming SMS (Advanced Opt-Out adds OptOutType)."""
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": OUR_NUMBER,
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def _status_params(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    params = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": HER_PHONE,
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": OUR_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        params["ErrorCode"] = error_code
    return params


async def _post_signed(
    client: AsyncTestClient[Litestar],
    path: str,
    params: dict[str, str],
    *,
    token: str = AUTH_TOKEN,
    signed_url: str | None = None,
    signed_params: dict[str, str] | None = None,
) -> Any:
    """POST as Twilio does, signed with Twilio's own library over the public URL."""
    signature = RequestValidator(token).compute_signature(
        signed_url or PUBLIC_URL + path, signed_params if signed_params is not None else params
    )
    return await client.post(path, data=params, headers={"X-Twilio-Signature": signature})


async def _message(flow: Flow, outreach_id: str, channel: str = "sms") -> dict[str, Any]:
    messages = (await flow.outreach(outreach_id))["messages"]
    found: dict[str, Any] = next(m for m in messages if m["channel"] == channel)
    return found


async def _opted_out_at(flow: Flow) -> str | None:
    response = await flow.client.get(f"/api/v1/partners/{flow.partner['id']}", headers=flow.headers)
    assert response.status_code == 200, response.text
    value: str | None = response.json()["opted_out_at"]
    return value


async def test_the_first_message_goes_to_twilio_with_the_documented_fields(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    (stored,) = twilio_fake.messages
    assert set(stored.fields) == {"To", "Body", "MessagingServiceSid", "StatusCallback"}
    assert stored.to == HER_PHONE
    assert stored.status_callback == PUBLIC_URL + STATUS
    assert all(r.is_authorised for r in twilio_fake.requests)
    message = await _message(flow, outreach_id)
    assert (message["status"], message["attempts"]) == ("sent", 1)
    rows = await table_rows(app, "outbox_message", "provider, provider_message_id")
    assert rows == [("twilio", sid)]
    assert await flow.state(outreach_id) == "awaiting_reply"


async def test_a_21610_rejection_opts_her_out(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake, smtp: SmtpServer
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    twilio_fake.fail_next(21610)
    await flow.dispatch()
    assert twilio_fake.created_count == 0
    assert await _opted_out_at(flow) is not None
    message = await _message(flow, outreach["id"])
    assert (message["status"], message["error_code"]) == ("failed", "21610")
    # Nothing more goes to her, on any channel.
    await flow.advance(hours=8)
    await flow.dispatch()
    assert twilio_fake.created_count == 0
    assert smtp.handler.messages == []
    assert [m["channel"] for m in (await flow.outreach(outreach["id"]))["messages"]] == ["sms"]


@pytest.mark.parametrize("code", [21211, 21612, 21614, 21635])
async def test_a_permanent_rejection_moves_to_her_next_channel(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    twilio_fake: TwilioFake,
    smtp: SmtpServer,
    code: int,
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    twilio_fake.fail_next(code)
    await flow.dispatch()
    assert twilio_fake.created_count == 0
    sms = await _message(flow, outreach["id"])
    assert (sms["status"], sms["error_code"], sms["attempts"]) == ("failed", str(code), 1)
    # Her next agreed channel is e-mail: the outreach moved there (no SMS retried).
    await flow.dispatch()
    assert twilio_fake.created_count == 0
    email = await _message(flow, outreach["id"], "email")
    assert email["status"] == "sent"
    assert [m.rcpt_tos for m in smtp.handler.messages] == [[HER_EMAIL]]
    events = (await flow.outreach(outreach["id"]))["events"]
    moved = [e for e in events if e["kind"] == "delivery_failed"]
    assert [e["detail"]["next_channel"] for e in moved] == ["email"]
    assert await _opted_out_at(flow) is None


@pytest.mark.parametrize("code", ["30003", "30005", "30006"])
async def test_a_failed_delivery_to_an_unreachable_handset_moves_to_her_next_channel(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    twilio_fake: TwilioFake,
    smtp: SmtpServer,
    code: str,
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    response = await _post_signed(client, STATUS, _status_params(sid, "undelivered", code))
    assert response.status_code == 200, response.text
    await flow.dispatch()
    sms = await _message(flow, outreach_id)
    assert (sms["status"], sms["error_code"]) == ("failed", code)
    assert (await _message(flow, outreach_id, "email"))["status"] == "sent"
    assert [m.rcpt_tos for m in smtp.handler.messages] == [[HER_EMAIL]]
    assert twilio_fake.created_count == 1


async def test_carrier_filtering_reaches_her_worker(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake, smtp: SmtpServer
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    response = await _post_signed(client, STATUS, _status_params(sid, "undelivered", "30007"))
    assert response.status_code == 200, response.text
    await flow.dispatch()
    sms = await _message(flow, outreach_id)
    assert (sms["status"], sms["error_code"]) == ("failed", "30007")
    assert [a["kind"] for a in await flow.alerts()] == ["needs_worker"]
    # Filtering says nothing about her number: no other channel is tried on a guess.
    assert [m["channel"] for m in (await flow.outreach(outreach_id))["messages"]] == ["sms"]
    assert twilio_fake.created_count == 1
    assert smtp.handler.messages == []


async def test_an_answer_lost_after_twilio_stored_the_message_sends_no_second_one(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach = await flow.start()
    twilio_fake.delay_next(CLIENT_TIMEOUT * 4)
    await flow.dispatch()
    (stored,) = twilio_fake.messages
    # The dispatcher's lookup found it: sent, under Twilio's id, once.
    message = await _message(flow, outreach["id"])
    assert (message["status"], message["attempts"]) == ("sent", 1)
    rows = await table_rows(app, "outbox_message", "provider_message_id")
    assert rows == [(stored.sid,)]
    await flow.advance(minutes=30)
    await flow.dispatch()
    assert twilio_fake.created_count == 1
    assert not [a for a in await flow.alerts() if a["kind"] == "needs_worker"]


async def test_a_signed_reply_moves_the_outreach(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach_id, _ = await _sms_sent(flow, twilio_fake)
    await flow.advance(minutes=3)
    response = await _post_signed(client, INBOUND, _inbound_params("Yes"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    # Stored at once, handled by the dispatcher after the request committed.
    assert len(await table_rows(app, "webhook_event", "id")) == 1
    report = await flow.dispatch()
    assert report.events_handled == 1
    assert await flow.state(outreach_id) == "replied_yes"
    (reply,) = (await flow.outreach(outreach_id))["replies"]
    assert (reply["channel"], reply["kind"]) == ("sms", "yes")
    assert [a["kind"] for a in await flow.alerts()] == ["reply_yes"]


async def test_an_advanced_opt_out_stop_opts_her_out(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    await _sms_sent(flow, twilio_fake)
    params = _inbound_params("Stopp bitte", OptOutType="STOP")
    assert (await _post_signed(client, INBOUND, params)).status_code == 200
    await flow.dispatch()
    assert await _opted_out_at(flow) is not None


async def test_forged_altered_or_missing_signatures_change_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    reply = _inbound_params("STOP")
    failed = _status_params(sid, "failed", "30003")
    attempts: list[Any] = [
        await client.post(INBOUND, data=reply),  # no signature at all
        await client.post(INBOUND, data=reply, headers={"X-Twilio-Signature": ""}),
        await _post_signed(client, INBOUND, reply, token="not-the-auth-token"),
        # Signed, then altered on the way.
        await _post_signed(client, INBOUND, reply, signed_params=_inbound_params("Hi")),
        await _post_signed(client, INBOUND, {**reply, "OptOutType": "STOP"}, signed_params=reply),
        # Signed for the URL the request claims (Host header), not our public URL.
        await _post_signed(client, INBOUND, reply, signed_url=f"http://testserver{INBOUND}"),
        # A genuine signature for the other webhook.
        await _post_signed(client, INBOUND, reply, signed_url=PUBLIC_URL + STATUS),
        await client.post(STATUS, data=failed),
        await _post_signed(client, STATUS, failed, token="not-the-auth-token"),
        await _post_signed(client, STATUS, failed, signed_params=_status_params(sid, "delivered")),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_signature"
    assert await table_rows(app, "webhook_event", "id") == []
    await flow.dispatch()
    assert await table_rows(app, "inbound_message", "id") == []
    assert await _opted_out_at(flow) is None
    assert (await _message(flow, outreach_id))["status"] == "sent"
    assert await flow.state(outreach_id) == "awaiting_reply"


async def test_a_replayed_delivery_has_one_effect(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    reply = _inbound_params("yes")
    delivered = _status_params(sid, "delivered")
    for _ in range(3):
        assert (await _post_signed(client, INBOUND, reply)).status_code == 200
        assert (await _post_signed(client, STATUS, delivered)).status_code == 200
    assert len(await table_rows(app, "webhook_event", "id")) == 2
    await flow.dispatch()
    # Replayed again after it was handled: still nothing new.
    assert (await _post_signed(client, INBOUND, reply)).status_code == 200
    await flow.dispatch()
    assert len(await table_rows(app, "webhook_event", "id")) == 2
    assert len((await flow.outreach(outreach_id))["replies"]) == 1
    assert len(await flow.alerts()) == 1


async def test_status_callbacks_out_of_order_never_move_backwards(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    flow = await make_flow(app, client)
    outreach_id, sid = await _sms_sent(flow, twilio_fake)
    for status in ("delivered", "sent", "queued", "sending"):
        response = await _post_signed(client, STATUS, _status_params(sid, status))
        assert response.status_code == 200, response.text
        await flow.dispatch()
        assert (await _message(flow, outreach_id))["status"] == "delivered"
    # Only statuses that can move a message are stored.
    assert len(await table_rows(app, "webhook_event", "id")) == 2


async def test_a_message_from_a_non_phone_sender_is_ignored(
    app: Litestar, client: AsyncTestClient[Litestar], twilio_fake: TwilioFake
) -> None:
    response = await _post_signed(client, INBOUND, _inbound_params("hi", sender="CARRIER"))
    assert response.status_code == 200
    assert response.text.endswith("<Response/>")
    assert await table_rows(app, "webhook_event", "id") == []


@pytest.mark.parametrize(
    "params",
    [
        {k: v for k, v in _inbound_params("yes").items() if k not in ("MessageSid", "SmsSid")},
        _inbound_params("yes", sid="SM-not-a-sid"),
        _inbound_params("yes", AccountSid="AC" + "9" * 32),
    ],
    ids=["no-sid", "bad-sid", "other-account"],
)
async def test_a_signed_but_malformed_webhook_is_400(
    app: Litestar, client: AsyncTestClient[Litestar], params: dict[str, str]
) -> None:
    response = await _post_signed(client, INBOUND, params)
    assert response.status_code == 400, response.text
    assert await table_rows(app, "webhook_event", "id") == []


async def test_a_signed_status_without_a_status_is_400(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    params = {k: v for k, v in _status_params(_sid(7), "sent").items() if "Status" not in k}
    response = await _post_signed(client, STATUS, params)
    assert response.status_code == 400, response.text
