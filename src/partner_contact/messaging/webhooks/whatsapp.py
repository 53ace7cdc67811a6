"""The WhatsApp Cloud API webhook (``/webhooks/whatsapp``): her replies and delivery statuses.

Meta checks the callback URL once with a GET (``hub.mode=subscribe``, ``hub.verify_token``,
``hub.challenge``): the challenge is echoed only when the token matches ours. Every POST
carries ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the raw request body
under the app secret; anything unsigned or signed otherwise is refused with 403 before
its body is even parsed, and nothing of it is stored. A forged delivery changes nothing.

A signed delivery is split into events: each ``messages[]`` entry is a message from her
(or anyone) and each ``statuses[]`` entry a status of one of ours. They are stored sealed
in the webhook inbox (messaging/webhook_inbox.py) under Meta's own ids, so a delivery
Meta repeats is stored once, and handed to the engine by the dispatcher after this
request commits; the answer (200) comes at once, as Meta expects. Meta retries a
delivery it could not hand over for up to seven days; an event older than that
(:data:`MAX_EVENT_AGE`) is a replay and is ignored.

Media is never downloaded: an image, voice note or anything but text reaches her worker
as a marker such as ``[image]``, classified as ``other``. Her WhatsApp profile name is
not kept.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import MediaType
from litestar.params import HeaderParameter, QueryParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import PUBLIC
from partner_contact.contact_details import e164
from partner_contact.errors import DomainError, problem_responses
from partner_contact.logs import get_logger
from partner_contact.messaging.inbound import InboundText, ReportedStatus, StatusReport
from partner_contact.messaging.providers.whatsapp import NAME, classify_error
from partner_contact.messaging.webhook_inbox import enqueue
from partner_contact.messaging.webhooks import provider_enabled
from partner_contact.outreach.engine import Engine
from partner_contact.settings import Settings, WhatsAppSettings

AnyRequest = Request[Any, Any, Any]
log = get_logger(__name__)

SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
SIGNATURE_PREFIX: Final = "sha256="
# Meta retries an undelivered webhook for up to seven days; anything older is a replay.
MAX_EVENT_AGE: Final = timedelta(days=7)
MAX_CHALLENGE_LENGTH: Final = 256
MAX_ID_LENGTH: Final = 100
# Meta's status names and ours; "read" implies "delivered", and anything else
# ("deleted", "warning", "played") moves nothing.
_STATUSES: Final[dict[str, ReportedStatus]] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "failed": "failed",
}
# Message types that are not text reach her worker as a marker; their content (media ids,
# locations, contact cards) is neither fetched nor kept.
_MARKED_TYPES: Final = frozenset(
    {
        "audio",
        "contacts",
        "document",
        "image",
        "location",
        "order",
        "reaction",
        "sticker",
        "system",
        "video",
    }
)


def signature_for(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_is_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is Meta's signature of exactly these bytes (constant time)."""
    if not app_secret or not header:
        return False
    offered = header.strip()
    if not offered.lower().startswith(SIGNATURE_PREFIX):
        return False
    offered = SIGNATURE_PREFIX + offered[len(SIGNATURE_PREFIX) :].lower()
    return hmac.compare_digest(offered.encode(), signature_for(app_secret, body).encode())


# ---- Meta's payload: only the fields we use, everything else ignored ----------------------


class _Text(msgspec.Struct, frozen=True):
    body: str = ""


class _Button(msgspec.Struct, frozen=True):
    text: str = ""


class _Reply(msgspec.Struct, frozen=True):
    title: str = ""


class _Interactive(msgspec.Struct, frozen=True):
    button_reply: _Reply | None = None
    list_reply: _Reply | None = None


class _Message(msgspec.Struct, frozen=True):
    id: str = ""
    timestamp: str | int = ""
    type: str = ""
    # ``from`` is a keyword in Python.
    sender: str = msgspec.field(default="", name="from")
    text: _Text | None = None
    button: _Button | None = None
    interactive: _Interactive | None = None


class _Error(msgspec.Struct, frozen=True):
    code: int | str | None = None


class _Status(msgspec.Struct, frozen=True):
    id: str = ""
    status: str = ""
    timestamp: str | int = ""
    errors: list[_Error] = []


class _Metadata(msgspec.Struct, frozen=True):
    phone_number_id: str = ""


class _Value(msgspec.Struct, frozen=True):
    metadata: _Metadata | None = None
    messages: list[_Message] = []
    statuses: list[_Status] = []


class _Change(msgspec.Struct, frozen=True):
    field: str = ""
    value: _Value | None = None


class _Entry(msgspec.Struct, frozen=True):
    changes: list[_Change] = []


class _Delivery(msgspec.Struct, frozen=True):
    object: str = ""
    entry: list[_Entry] = []


class WebhookReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """What became of a delivery's events (Meta reads only the status code)."""

    stored: int
    duplicates: int
    ignored: int


# ---- from Meta's events to ours -------------------------------------------------------------


def _time_of(raw: str | int) -> datetime | None:
    try:
        seconds = int(raw)
    except ValueError:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _is_plain_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isascii() and value.isprintable()


def _body_of(message: _Message) -> str:
    if message.type == "text" and message.text is not None:
        return message.text.body
    if message.type == "button" and message.button is not None:
        return message.button.text  # a quick-reply button of a template
    if message.type == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None:
            return reply.title
    return f"[{message.type}]" if message.type in _MARKED_TYPES else "[unsupported]"


def _inbound(message: _Message, now: datetime) -> InboundText | None:
    sent_at = _time_of(message.timestamp)
    sender = e164("+" + message.sender) if message.sender.isdigit() else None
    if sent_at is None or sender is None or not _is_plain_id(message.id):
        return None
    if sent_at < now - MAX_EVENT_AGE:
        return None
    return InboundText(
        provider=NAME,
        provider_message_id=message.id,
        channel="whatsapp",
        sender=sender,
        body=_body_of(message),
        # Her own time, never one ahead of ours: the 24-hour window starts there.
        received_at=min(sent_at, now),
    )


def _report(status: _Status, now: datetime) -> StatusReport | None:
    reported = _STATUSES.get(status.status)
    at = _time_of(status.timestamp)
    if reported is None or at is None or not _is_plain_id(status.id):
        return None
    if at < now - MAX_EVENT_AGE:
        return None
    if reported != "failed":
        return StatusReport(provider=NAME, provider_message_id=status.id, status=reported)
    raw_code = None if not status.errors else status.errors[0].code
    code = None if raw_code is None else str(raw_code)
    if code is not None and not (code.isascii() and code.isalnum() and len(code) <= 32):
        code = None
    is_permanent, is_opt_out = classify_error(code)
    return StatusReport(
        provider=NAME,
        provider_message_id=status.id,
        status="failed",
        error_code=code,
        is_permanent=is_permanent,
        is_opt_out=is_opt_out,
    )


def events_of(
    delivery: _Delivery, *, phone_number_id: str, now: datetime
) -> tuple[list[tuple[str, InboundText | StatusReport]], int]:
    """The delivery's events with their ids, and how many were ignored."""
    events: list[tuple[str, InboundText | StatusReport]] = []
    ignored = 0
    if delivery.object != "whatsapp_business_account":
        return events, 0
    for entry in delivery.entry:
        for change in entry.changes:
            value = change.value
            if change.field != "messages" or value is None:
                continue
            # Another business number of the same app is none of ours.
            if value.metadata is None or value.metadata.phone_number_id != phone_number_id:
                ignored += len(value.messages) + len(value.statuses)
                continue
            for message in value.messages:
                inbound = _inbound(message, now)
                if inbound is None:
                    ignored += 1
                else:
                    events.append((message.id, inbound))
            for status in value.statuses:
                report = _report(status, now)
                if report is None:
                    ignored += 1
                else:
                    events.append((f"{status.id}:{status.status}", report))
    return events, ignored


def _settings(request: AnyRequest) -> WhatsAppSettings:
    settings: Settings = request.app.state.settings
    return settings.whatsapp


_FORBIDDEN: Final = "The request is not from the configured WhatsApp app"


class WhatsAppWebhookController(Controller):
    path = "/webhooks/whatsapp"
    tags = ["webhooks"]
    guards = [provider_enabled("whatsapp")]

    @get(
        "/",
        operation_id="verifyWhatsAppWebhook",
        summary="Meta's webhook subscription check: echoes hub.challenge",
        description=(
            "Meta calls this once when the callback URL is configured. With "
            "`hub.mode=subscribe` and the configured verify token "
            "(PC_WHATSAPP_VERIFY_TOKEN) it answers `hub.challenge` as text/plain; "
            "anything else is 403."
        ),
        opt=PUBLIC,
        media_type=MediaType.TEXT,
        responses=problem_responses(400, 403, 404),
    )
    async def verify(
        self,
        request: AnyRequest,
        mode: Annotated[str | None, QueryParameter(name="hub.mode", max_length=32)] = None,
        verify_token: Annotated[
            str | None, QueryParameter(name="hub.verify_token", max_length=256)
        ] = None,
        challenge: Annotated[
            str | None, QueryParameter(name="hub.challenge", max_length=MAX_CHALLENGE_LENGTH)
        ] = None,
    ) -> str:
        expected = _settings(request).verify_token
        offered = verify_token or ""
        token_ok = bool(expected) and hmac.compare_digest(offered.encode(), expected.encode())
        if mode != "subscribe" or not token_ok:
            raise DomainError("forbidden", "The verify token does not match", status=403)
        if not challenge or not challenge.isascii() or not challenge.isprintable():
            raise DomainError("bad_request", "hub.challenge is missing", status=400)
        return challenge

    @post(
        "/",
        operation_id="receiveWhatsAppWebhook",
        summary="Replies and delivery statuses from the WhatsApp Cloud API",
        description=(
            "Only Meta may call this. Every request must carry `X-Hub-Signature-256: "
            "sha256=<hex>`, the HMAC-SHA256 of the exact raw request body keyed with the "
            "app secret (PC_WHATSAPP_APP_SECRET); a missing or wrong signature is 403 "
            "and nothing is stored. Each message and status is stored once under Meta's "
            "id (a repeated delivery has one effect) and handled after the answer; events "
            "older than seven days, for another business number, or of unknown kinds are "
            "ignored."
        ),
        opt=PUBLIC,
        status_code=200,
        responses=problem_responses(400, 403, 404),
    )
    async def receive(
        self,
        request: AnyRequest,
        db_session: DbSession,
        signature: Annotated[
            str | None,
            HeaderParameter(
                name=SIGNATURE_HEADER,
                max_length=128,
                description="sha256=<hex HMAC-SHA256 of the raw body with the app secret>",
            ),
        ] = None,
    ) -> WebhookReceipt:
        settings = _settings(request)
        raw = await request.body()
        if not signature_is_valid(settings.app_secret, raw, signature):
            log.warning("whatsapp.webhook_bad_signature", has_signature=signature is not None)
            raise DomainError("invalid_signature", _FORBIDDEN, status=403)
        try:
            delivery = msgspec.json.decode(raw, type=_Delivery)
        except msgspec.DecodeError:
            raise DomainError(
                "bad_request", "The body is not a WhatsApp webhook payload", status=400
            ) from None
        engine: Engine = request.app.state.outreach_engine
        events, ignored = events_of(
            delivery, phone_number_id=settings.phone_number_id, now=engine.clock()
        )
        stored = duplicates = 0
        for event_id, event in events:
            if await enqueue(db_session, engine, event, provider=NAME, event_id=event_id):
                stored += 1
            else:
                duplicates += 1
        log.info("whatsapp.webhook", stored=stored, duplicates=duplicates, ignored=ignored)
        return WebhookReceipt(stored=stored, duplicates=duplicates, ignored=ignored)
