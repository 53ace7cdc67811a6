"""E-mail end to end: the SMTP provider against a real local aiosmtpd server, her replies
through the signed webhook and through IMAP (a small fake IMAPS server over a real TLS
socket), and what her mailbox shows: a neutral sender and subject, plain text, no links,
no organisation name."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formataddr
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.app import create_app
from partner_contact.clock import ManualClock
from partner_contact.messaging.email_inbound import (
    ImapPoller,
    PollReport,
    parse_mail,
    strip_quoted,
)
from partner_contact.messaging.inbound import InboundText, StatusReport
from partner_contact.messaging.providers.base import OutgoingMessage
from partner_contact.messaging.providers.email import SmtpProvider
from partner_contact.messaging.webhooks.email import EmailWebhookController, signature_for
from partner_contact.org.service import DEFAULT_NAME
from partner_contact.settings import AuthSettings, EmailSettings, Settings
from tests.fixtures.settings import make_settings
from tests.fixtures.smtp_server import (
    FakeImapServer,
    LocalTls,
    SmtpServer,
    closed_port,
    make_local_tls,
    running_imap_server,
    running_smtp_server,
)
from tests.fixtures.staff import on_app_loop, table_rows
from tests.integration.outreach.flow import HER_EMAIL, Flow, make_flow

FROM_ADDRESS = "anna.berger@mail-example.org"
FROM_NAME = "Anna"
SECRET = "inbound-mail-secret-for-tests"
WEBHOOK = "/webhooks/email/inbound"
KEY = "3f2b8c0e9d1a4b5c8e7f6a5b4c3d2e1f"
SUBJECT = "Catching up"
BODY = "Hi, it's Anna. Is now a good moment for a short chat? Reply 1 for yes, 2 for not now."


@pytest.fixture(scope="module")
def tls() -> LocalTls:
    return make_local_tls()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


def email_settings(port: int, **overrides: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "from_address": FROM_ADDRESS,
        "from_name": FROM_NAME,
        "inbound_webhook_secret": SECRET,
        "timeout_seconds": 1.0,
        **overrides,
    }
    return EmailSettings(**values)


def outgoing(*, key: str = KEY, recipient: str = HER_EMAIL) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key=key,
        channel="email",
        recipient=recipient,
        subject=SUBJECT,
        body=BODY,
        template_kind="first_contact",
        language="en",
        is_conversation_open=False,
        claimed_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


# ---- the provider against a real SMTP server -------------------------------------------------


async def test_one_plain_neutral_message_reaches_the_server(smtp: SmtpServer) -> None:
    provider = SmtpProvider(email_settings(smtp.port), clock=ManualClock())
    result = await provider.send(outgoing())
    assert (result.outcome, result.provider_message_id) == ("accepted", KEY)
    (received,) = smtp.handler.messages
    assert received.mail_from == FROM_ADDRESS
    assert received.rcpt_tos == [HER_EMAIL]
    assert received.ehlo == "mail-example.org"  # not this host's name
    message = received.message
    assert message["From"] == formataddr((FROM_NAME, FROM_ADDRESS))
    assert message["To"] == HER_EMAIL
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == f"<{KEY}@mail-example.org>"
    assert message["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == BODY
    headers = {name.lower() for name in message}
    assert headers <= {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
    raw = received.data.lower()
    for tell in (b"http", b"www.", b"unsubscribe", b"<html", DEFAULT_NAME.lower().encode()):
        assert tell not in raw
    assert (await provider.lookup(outgoing())).outcome == "unknown"


async def test_a_message_sent_twice_is_recognisably_the_same(smtp: SmtpServer) -> None:
    provider = SmtpProvider(email_settings(smtp.port))
    await provider.send(outgoing())
    await provider.send(outgoing())
    first, second = smtp.handler.messages
    assert first.message["Message-ID"] == second.message["Message-ID"]


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("550 5.1.1 No such user", True),
        ("551 5.1.6 User has moved", True),
        ("553 5.1.3 Bad address syntax", True),
        ("451 4.3.0 Try again later", False),
        ("452 4.2.2 Mailbox full", False),
        ("550 5.7.1 Relaying denied", False),  # our side's policy, not her address
    ],
)
async def test_refusals_at_rcpt(smtp: SmtpServer, reply: str, permanent: bool) -> None:
    smtp.handler.refuse[HER_EMAIL] = reply
    result = await SmtpProvider(email_settings(smtp.port)).send(outgoing())
    assert result.outcome == "rejected"
    assert result.error_code == reply[:3]
    assert result.is_permanent is permanent
    assert smtp.handler.messages == []


async def test_a_refusal_after_the_data_is_a_rejection(smtp: SmtpServer) -> None:
    smtp.handler.data_reply = "554 5.7.1 Message refused"
    result = await SmtpProvider(email_settings(smtp.port)).send(outgoing())
    assert (result.outcome, result.error_code, result.is_permanent) == ("rejected", "554", False)


async def test_no_server_is_a_temporary_rejection() -> None:
    result = await SmtpProvider(email_settings(closed_port())).send(outgoing())
    assert (result.outcome, result.error_code, result.is_permanent) == (
        "rejected",
        "connection",
        False,
    )


async def test_a_timeout_before_data_is_a_temporary_rejection(smtp: SmtpServer) -> None:
    smtp.handler.rcpt_delay = 3.0
    result = await SmtpProvider(email_settings(smtp.port, timeout_seconds=0.5)).send(outgoing())
    assert (result.outcome, result.error_code, result.is_permanent) == (
        "rejected",
        "timeout",
        False,
    )


@pytest.mark.parametrize("after_data", ["hang", "drop"])
async def test_a_timeout_or_drop_after_data_is_ambiguous(smtp: SmtpServer, after_data: Any) -> None:
    smtp.handler.after_data = after_data
    provider = SmtpProvider(email_settings(smtp.port, timeout_seconds=0.5))
    result = await provider.send(outgoing())
    assert smtp.handler.data_arrived.is_set()
    assert (result.outcome, result.provider_message_id) == ("ambiguous", KEY)
    assert (await provider.lookup(outgoing())).outcome == "unknown"


async def test_starttls_is_used_and_required(tls: LocalTls) -> None:
    with running_smtp_server(tls) as server:
        secure = SmtpProvider(
            email_settings(server.port, smtp_security="starttls"), tls_context=tls.client
        )
        assert (await secure.send(outgoing())).outcome == "accepted"
        (received,) = server.handler.messages
        assert received.is_tls
        # An untrusted certificate is never sent to: nothing went out, try again later.
        untrusted = SmtpProvider(email_settings(server.port, smtp_security="starttls"))
        result = await untrusted.send(outgoing())
        assert (result.outcome, result.is_permanent) == ("rejected", False)
        assert len(server.handler.messages) == 1


async def test_an_address_that_is_not_one_is_refused_without_sending(smtp: SmtpServer) -> None:
    provider = SmtpProvider(email_settings(smtp.port))
    result = await provider.send(outgoing(recipient="her\r\nBcc: him@example.org"))
    assert (result.outcome, result.error_code, result.is_permanent) == (
        "rejected",
        "invalid_address",
        True,
    )
    assert smtp.handler.messages == []


# ---- reading her reply ---------------------------------------------------------------------

QUOTED_REPLIES = [
    ("1\n\nOn Mon, 2 Mar 2026 at 09:00, Anna <a@example.org> wrote:\n> old", "1"),
    ("yes\r\n\r\nOn Mon, 2 Mar 2026 at 09:00, Anna <\r\na@example.org> wrote:\r\n> old", "yes"),
    (
        "Ja gerne\n\nAm Mo., 2. März 2026 um 10:00 Uhr schrieb Anna <a@example.org>:\n> alt",
        "Ja gerne",
    ),
    ("2\n\nLe lun. 2 mars 2026 à 10:00, Anna <a@example.org> a écrit :\n> ancien", "2"),
    ("1\n\n________________________________\nFrom: Anna\nSent: Monday\nTo: me\n\nold", "1"),
    ("1\n\nFrom: Anna <a@example.org>\nSent: Monday, 2 March 2026 09:00\n\nold", "1"),
    ("1\n\n-----Original Message-----\nFrom: Anna\n\nold", "1"),
    ("1\n\nSent from my iPhone", "1"),
    ("1\n-- \nAmira", "1"),
    ("On Mon, 2 Mar 2026, Anna wrote:\n> old text\n\n1", "1"),  # written below the quote
    ("On my way home, can talk later", "On my way home, can talk later"),
]


@pytest.mark.parametrize(("text", "expected"), QUOTED_REPLIES)
def test_only_her_new_text_is_kept(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


def her_mail(
    body: str,
    *,
    message_id: str = "<CAB1reply@mail.example.org>",
    sender: str = HER_EMAIL,
    headers: str = "",
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    head = (
        f"From: Amira <{sender}>\r\n"
        f"To: {FROM_NAME} <{FROM_ADDRESS}>\r\n"
        f"Subject: Re: {SUBJECT}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 2 Mar 2026 09:05:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        f"{headers}"
    )
    return (head + "\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")).encode()


NOW = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def test_a_reply_becomes_her_inbound_text() -> None:
    parsed = parse_mail(
        her_mail("1\n\nOn Mon, 2 Mar 2026 at 09:00, Anna wrote:\n> old"),
        received_at=NOW,
        our_domain="mail-example.org",
    )
    event = parsed.event
    assert isinstance(event, InboundText)
    assert (event.provider, event.channel, event.sender, event.body) == (
        "smtp",
        "email",
        HER_EMAIL,
        "1",
    )
    assert event.received_at == NOW
    # Her mail server's name is not kept in the clear: the id is a digest.
    assert len(event.provider_message_id) == 64
    assert "example" not in event.provider_message_id
    # The same message relayed with another header added is the same message.
    relayed = parse_mail(b"Received: from relay.example.net\r\n" + her_mail("1"), received_at=NOW)
    assert relayed.event_id == parsed.event_id


def test_an_html_only_reply_is_read_without_its_quote() -> None:
    html = (
        '<div dir="ltr">Yes</div><br><div class="gmail_quote"><div>On Mon, Anna wrote:'
        "</div><blockquote>Is now a good moment? <a href='x'>link</a></blockquote></div>"
    )
    parsed = parse_mail(her_mail(html, content_type="text/html; charset=utf-8"), received_at=NOW)
    assert isinstance(parsed.event, InboundText)
    assert parsed.event.body == "Yes"


def test_automatic_replies_and_strangers_without_sender_are_dropped() -> None:
    auto = parse_mail(
        her_mail("I am away", headers="Auto-Submitted: auto-replied\r\n"), received_at=NOW
    )
    assert (auto.event, auto.ignored) == (None, "automatic")
    nobody = parse_mail(her_mail("1", sender="not an address"), received_at=NOW)
    assert (nobody.event, nobody.ignored) == (None, "no_sender")
    garbage = parse_mail(b"\x00\xff not a message", received_at=NOW)
    assert garbage.event is None


def bounce(original_id: str, status: str = "5.1.1") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mail-example.org>\r\n"
        f"To: {FROM_ADDRESS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mail-example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail-example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {HER_EMAIL}\r\nAction: failed\r\nStatus: {status}\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {FROM_ADDRESS}\r\nTo: {HER_EMAIL}\r\nMessage-ID: {original_id}\r\n"
        "\r\n--B--\r\n"
    ).encode()


def test_a_bounce_of_our_message_is_its_failed_status() -> None:
    parsed = parse_mail(
        bounce(f"<{KEY}@mail-example.org>"), received_at=NOW, our_domain="mail-example.org"
    )
    assert parsed.event == StatusReport(
        provider="smtp",
        provider_message_id=KEY,
        status="failed",
        error_code="5.1.1",
        is_permanent=True,
    )
    foreign = parse_mail(
        bounce("<other@elsewhere.example>"), received_at=NOW, our_domain="mail-example.org"
    )
    assert (foreign.event, foreign.ignored) == (None, "bounce_not_ours")


# ---- through the app: the webhook and IMAP ------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
        provider="smtp",
        email=email_settings(smtp.port),
    )


@pytest.fixture
async def app(settings: Settings, engine: object, clock: ManualClock) -> Litestar:
    app = create_app(settings, clock=clock)
    if not any(route.path == WEBHOOK for route in app.routes):
        app = create_app(settings, clock=clock, extra_route_handlers=[EmailWebhookController])
    return app


async def post(
    client: AsyncTestClient[Litestar],
    body: bytes,
    clock: ManualClock,
    *,
    secret: str = SECRET,
    signed_body: bytes | None = None,
    at: datetime | None = None,
    content_type: str = "message/rfc822",
) -> Any:
    timestamp = str(int((at or clock()).timestamp()))
    headers = {
        "Content-Type": content_type,
        "X-PC-Timestamp": timestamp,
        "X-PC-Signature": signature_for(secret, timestamp, signed_body or body),
    }
    return await client.post(WEBHOOK, content=body, headers=headers)


async def email_flow(app: Litestar, client: AsyncTestClient[Litestar]) -> Flow:
    return await make_flow(app, client, channels=["email"])


REPLY_YES = "1\n\nOn Mon, 2 Mar 2026 at 09:00, Anna <anna.berger@mail-example.org> wrote:\n> old"


async def test_the_first_message_goes_out_by_smtp(
    app: Litestar, client: AsyncTestClient[Litestar], smtp: SmtpServer
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    report = await flow.dispatch()
    assert report.sent == 1
    (received,) = smtp.handler.messages
    assert received.rcpt_tos == [HER_EMAIL]
    message = received.message
    assert message["From"] == formataddr((FROM_NAME, FROM_ADDRESS))
    assert message["Subject"]
    assert message.get_content_type() == "text/plain"
    raw = received.data.lower()
    for tell in (b"http", b"www.", DEFAULT_NAME.lower().encode()):
        assert tell not in raw
    detail = await flow.outreach(outreach["id"])
    assert [m["status"] for m in detail["messages"]] == ["sent"]


async def test_her_signed_reply_moves_the_outreach(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    response = await post(client, her_mail(REPLY_YES), clock)
    assert response.status_code == 200, response.text
    assert response.json() == {"is_duplicate": False, "is_ignored": False}
    await flow.dispatch()
    assert await flow.state(outreach["id"]) == "replied_yes"
    (reply,) = (await flow.outreach(outreach["id"]))["replies"]
    assert (reply["channel"], reply["kind"]) == ("email", "yes")
    for table in ("webhook_event", "inbound_message"):
        for row in await table_rows(app, table):
            dump = repr(row).encode()
            assert HER_EMAIL.encode() not in dump
            assert b"mail.example.org" not in dump  # nor her mail server's Message-ID


async def test_a_forged_stale_or_altered_message_changes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    body = her_mail("STOP")
    refused = [
        await post(client, body, clock, secret="not-the-secret"),
        await post(client, body, clock, at=clock() - timedelta(minutes=6)),
        await post(client, body, clock, at=clock() + timedelta(minutes=6)),
        await post(client, her_mail("1"), clock, signed_body=body),  # body changed
        await client.post(WEBHOOK, content=body, headers={"Content-Type": "message/rfc822"}),
        await client.post(
            WEBHOOK,
            content=body,
            headers={
                "Content-Type": "message/rfc822",
                "X-PC-Timestamp": "not-a-number",
                "X-PC-Signature": "00" * 32,
            },
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert {r.json()["code"] for r in refused} == {"invalid_signature"}
    wrong_type = await post(client, body, clock, content_type="application/json")
    assert wrong_type.status_code == 415
    await flow.dispatch()
    assert await table_rows(app, "webhook_event") == []
    assert await table_rows(app, "inbound_message") == []
    assert await flow.state(outreach["id"]) == "awaiting_reply"


async def test_the_same_message_twice_has_one_effect(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    body = her_mail(REPLY_YES)
    first = await post(client, body, clock)
    again = await post(client, b"X-Forwarded-By: relay\r\n" + body, clock)
    assert first.json() == {"is_duplicate": False, "is_ignored": False}
    assert again.json() == {"is_duplicate": True, "is_ignored": False}
    await flow.dispatch()
    assert (await post(client, body, clock)).json()["is_duplicate"] is True
    await flow.dispatch()
    assert len((await flow.outreach(outreach["id"]))["replies"]) == 1
    assert len(await flow.alerts()) == 1
    assert len(await table_rows(app, "inbound_message")) == 1


async def test_an_automatic_reply_is_answered_and_dropped(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    body = her_mail("I am out of the office", headers="Auto-Submitted: auto-replied\r\n")
    response = await post(client, body, clock)
    assert response.json() == {"is_duplicate": False, "is_ignored": True}
    await flow.dispatch()
    assert await table_rows(app, "webhook_event") == []
    assert await flow.state(outreach["id"]) == "awaiting_reply"


@pytest.fixture
def imap(tls: LocalTls) -> Iterator[FakeImapServer]:
    with running_imap_server(tls) as server:
        yield server


@pytest.fixture
def poller(app: Litestar, imap: FakeImapServer, tls: LocalTls) -> ImapPoller:
    settings = email_settings(
        1,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_username=imap.state.username,
        imap_password=imap.state.password,
    )
    return ImapPoller(
        settings,
        engine=app.state.outreach_engine,
        session_maker=app.state.session_maker,
        ssl_context=tls.client,
    )


async def test_her_reply_through_imap_moves_the_outreach_once(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    imap: FakeImapServer,
    poller: ImapPoller,
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    imap.state.deliver(her_mail(REPLY_YES))
    imap.state.deliver(
        her_mail("Away", message_id="<ooo@x.example>", headers="Precedence: bulk\r\n")
    )
    report = await on_app_loop(app, poller.poll_once)
    assert report == PollReport(fetched=2, stored=1, ignored=1)
    assert all(message.seen for message in imap.state.messages)
    fetches = [c for c in imap.state.commands if c.startswith("UID FETCH")]
    assert fetches
    assert all("BODY.PEEK[]" in c for c in fetches)  # fetching marks nothing read
    await flow.dispatch()
    assert await flow.state(outreach["id"]) == "replied_yes"
    # Seen messages are not fetched again; the same mail delivered again counts once.
    assert await on_app_loop(app, poller.poll_once) == PollReport()
    imap.state.deliver(her_mail(REPLY_YES))
    assert await on_app_loop(app, poller.poll_once) == PollReport(fetched=1, duplicates=1)
    await flow.dispatch()
    assert len((await flow.outreach(outreach["id"]))["replies"]) == 1


async def test_wrong_imap_credentials_store_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], imap: FakeImapServer, tls: LocalTls
) -> None:
    imap.state.deliver(her_mail("1"))
    settings = email_settings(
        1,
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_username=imap.state.username,
        imap_password="wrong",
    )
    poller = ImapPoller(
        settings,
        engine=app.state.outreach_engine,
        session_maker=app.state.session_maker,
        ssl_context=tls.client,
    )
    with pytest.raises(imaplib.IMAP4.error):
        await on_app_loop(app, poller.poll_once)
    assert not imap.state.messages[0].seen
    assert await table_rows(app, "webhook_event") == []


async def test_a_bounce_fails_the_message_it_quotes(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock, smtp: SmtpServer
) -> None:
    flow = await email_flow(app, client)
    outreach = await flow.start()
    await flow.dispatch()
    (received,) = smtp.handler.messages
    response = await post(client, bounce(received.message["Message-ID"]), clock)
    assert response.json() == {"is_duplicate": False, "is_ignored": False}
    await flow.dispatch()
    detail = await flow.outreach(outreach["id"])
    assert [m["status"] for m in detail["messages"]] == ["failed"]
    assert detail["outreach"]["state"] == "needs_worker"  # no other channel agreed
    assert detail["replies"] == []
