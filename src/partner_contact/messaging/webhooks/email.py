"""Inbound e-mail over HTTP (``POST /webhooks/email/inbound``), for mail services that
forward what arrives at the reply address instead of holding it for IMAP.

The body is the raw RFC 5322 message, exactly as received (``message/rfc822`` or
``application/octet-stream``). The forwarder signs it: ``X-PC-Timestamp`` is the unix
time in seconds and ``X-PC-Signature`` the hex HMAC-SHA256, keyed with
PC_EMAIL_INBOUND_WEBHOOK_SECRET, of ``"{timestamp}."`` followed by the raw body bytes. A
missing, wrong or stale signature (more than five minutes from our clock), or any change
to the body, is 403 and nothing is stored; without a configured secret every request is
refused.

A verified message is read like one from IMAP (messaging/email_inbound.py) and stored
once in the webhook inbox under the SHA-256 of its Message-ID; the dispatcher hands it
to the engine after this request commits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, post
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import HeaderParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import PUBLIC
from partner_contact.errors import DomainError, problem_responses
from partner_contact.logs import get_logger
from partner_contact.messaging.email_inbound import store_mail
from partner_contact.messaging.providers.email import sender_domain
from partner_contact.messaging.webhooks import provider_enabled
from partner_contact.outreach.engine import Engine
from partner_contact.settings import Settings

AnyRequest = Request[Any, Any, Any]
log = get_logger(__name__)

INBOUND_PATH: Final = "/webhooks/email/inbound"
TIMESTAMP_HEADER: Final = "X-PC-Timestamp"
SIGNATURE_HEADER: Final = "X-PC-Signature"
MAX_SKEW_SECONDS: Final = 300
MEDIA_TYPES: Final = ("message/rfc822", "application/octet-stream")
_TIMESTAMP: Final = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE: Final = re.compile(r"^[0-9a-fA-F]{64}$")
_FORBIDDEN: Final = "The request is not signed with the configured inbound e-mail secret"

RECIPE: Final = (
    "Only the configured mail forwarder may call this. The body is the raw RFC 5322 "
    "message as received (Content-Type `message/rfc822` or `application/octet-stream`). "
    "Sign it: `X-PC-Timestamp` = the current unix time in seconds; `X-PC-Signature` = "
    "hex(HMAC-SHA256(key = PC_EMAIL_INBOUND_WEBHOOK_SECRET, message = timestamp + '.' + "
    "raw body bytes)). A missing or wrong signature, a timestamp more than 5 minutes "
    "from the server's clock, or a changed body is 403 and nothing is stored. Each "
    "message is stored once (by Message-ID) and handled after the answer; automatic "
    "replies and unreadable messages are answered 200 and dropped. Example: "
    "`ts=$(date +%s); sig=$(printf '%s.' \"$ts\" | cat - mail.eml | openssl dgst -sha256 "
    '-hmac "$SECRET" -r | cut -d" " -f1); curl -H "Content-Type: message/rfc822" '
    '-H "X-PC-Timestamp: $ts" -H "X-PC-Signature: $sig" --data-binary @mail.eml URL`.'
)

TimestampHeader = Annotated[
    str | None,
    HeaderParameter(
        name=TIMESTAMP_HEADER, max_length=32, description="unix time in seconds of signing"
    ),
]
SignatureHeader = Annotated[
    str | None,
    HeaderParameter(
        name=SIGNATURE_HEADER,
        max_length=128,
        description="hex HMAC-SHA256 of `{timestamp}.` followed by the raw body",
    ),
]


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a forwarder sends: hex HMAC-SHA256 over ``timestamp.`` + body."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def signature_is_valid(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: float
) -> bool:
    if not secret or not timestamp or not signature:
        return False
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    expected = signature_for(secret, timestamp, body)
    return hmac.compare_digest(expected, signature.lower())


@dataclasses.dataclass
class _RawMailOperation(Operation):
    """The OpenAPI operation, with the raw message body Litestar cannot infer."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            description="The raw RFC 5322 message, as received",
            content={media: OpenAPIMediaType(schema=binary) for media in MEDIA_TYPES},
        )


class EmailInboundResult(msgspec.Struct, frozen=True, kw_only=True):
    # Stored before under the same Message-ID: nothing new happened.
    is_duplicate: bool
    # An automatic reply, or nothing we can read: answered and dropped.
    is_ignored: bool


class EmailWebhookController(Controller):
    path = "/webhooks/email"
    tags = ["webhooks"]
    guards = [provider_enabled("smtp")]

    @post(
        "/inbound",
        operation_id="receiveEmailInbound",
        summary="A message to the reply address, forwarded raw and signed by a mail service",
        description=RECIPE,
        opt=PUBLIC,
        status_code=200,
        operation_class=_RawMailOperation,
        responses=problem_responses(400, 403, 404, 413, 415),
    )
    async def inbound(
        self,
        request: AnyRequest,
        db_session: DbSession,
        timestamp: TimestampHeader = None,
        signature: SignatureHeader = None,
    ) -> EmailInboundResult:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in MEDIA_TYPES:
            raise DomainError(
                "unsupported_media_type",
                "The body must be the raw message (message/rfc822)",
                status=415,
            )
        settings: Settings = request.app.state.settings
        engine: Engine = request.app.state.outreach_engine
        body = await request.body()
        if not signature_is_valid(
            settings.email.inbound_webhook_secret,
            timestamp,
            signature,
            body,
            now=engine.clock().timestamp(),
        ):
            log.warning("email.webhook_bad_signature", has_signature=bool(signature))
            raise DomainError("invalid_signature", _FORBIDDEN, status=403)
        parsed = await store_mail(
            db_session, engine, body, our_domain=sender_domain(settings.email.from_address)
        )
        return EmailInboundResult(
            is_duplicate=parsed is None, is_ignored=parsed is not None and parsed.event is None
        )
