"""Twilio's webhooks: her SMS replies (``/webhooks/twilio/inbound``) and delivery statuses
(``/webhooks/twilio/status``, the ``StatusCallback`` of every message we send).

Each request must carry ``X-Twilio-Signature``, which is checked against the URL Twilio
was given, built from PC_PUBLIC_URL and the route's path (never from the request's Host
or scheme headers), and exactly the parameters POSTed. Anything unsigned or signed
otherwise is refused with 403 and nothing of it is stored: a forged webhook changes
nothing.

A signed request becomes one event in the webhook inbox (messaging/webhook_inbox.py),
stored sealed under Twilio's own id: the ``MessageSid`` of a reply, ``MessageSid:
MessageStatus`` of a status. A delivery Twilio repeats, or anyone replays, is stored once;
the dispatcher hands each event to the engine after this request commits. The answer is
an empty TwiML ``<Response/>``, so Twilio sends no automatic reply of its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl

from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import PUBLIC
from partner_contact.contact_details import e164
from partner_contact.errors import DomainError, problem_responses
from partner_contact.logs import get_logger
from partner_contact.messaging.inbound import InboundText, ReportedStatus, StatusReport
from partner_contact.messaging.providers.twilio import (
    INBOUND_PATH,
    NAME,
    SIGNATURE_HEADER,
    STATUS_CALLBACK_PATH,
    classify_error,
    signature_is_valid,
)
from partner_contact.messaging.webhook_inbox import enqueue
from partner_contact.messaging.webhooks import provider_enabled
from partner_contact.outreach.engine import Engine
from partner_contact.settings import Settings, TwilioSettings

AnyRequest = Request[Any, Any, Any]
log = get_logger(__name__)

EMPTY_TWIML: Final = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TWIML_MEDIA_TYPE: Final = "text/xml"
FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"
# A Twilio webhook has a few dozen parameters; far more is not Twilio.
MAX_FIELDS: Final = 100
# Message SIDs: two letters (SM, MM) and 32 hex digits.
_SID: Final = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_ERROR_CODE: Final = re.compile(r"^[0-9]{1,10}$")
# Twilio's MessageStatus values and ours; queued, accepted, scheduled, sending and the
# rest move nothing (a status only ever moves a message forward anyway).
_STATUSES: Final[dict[str, ReportedStatus]] = {
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
_FORBIDDEN: Final = "The request is not signed by the configured Twilio account"

_TWIML_RESPONSE: Final = ResponseSpec(
    data_container=str,
    media_type=TWIML_MEDIA_TYPE,
    description="Taken (or ignored): an empty TwiML <Response/>",
    generate_examples=False,
)
_SIGNATURE_DOC: Final = (
    "Only Twilio may call this. Every request must carry `X-Twilio-Signature`: the base64 "
    "HMAC-SHA1, keyed with the account's auth token (PC_TWILIO_AUTH_TOKEN), of this "
    "route's public URL (PC_PUBLIC_URL + path) followed by each POSTed parameter's name "
    "and value, sorted by name. A missing or wrong signature is 403 and nothing is stored."
)

SignatureHeader = Annotated[
    str | None,
    HeaderParameter(
        name=SIGNATURE_HEADER,
        max_length=128,
        description="base64 HMAC-SHA1 of the URL and the sorted POST parameters",
    ),
]


def _settings(request: AnyRequest) -> tuple[TwilioSettings, str]:
    settings: Settings = request.app.state.settings
    return settings.twilio, settings.public_url.rstrip("/")


def _twiml() -> Response[str]:
    return Response(EMPTY_TWIML, media_type=TWIML_MEDIA_TYPE, status_code=200)


def _bad_request(title: str) -> DomainError:
    return DomainError("bad_request", title, status=400)


async def verified_params(request: AnyRequest, path: str, signature: str | None) -> dict[str, str]:
    """The POSTed parameters, once the signature over them and ``path`` is Twilio's."""
    settings, public_url = _settings(request)
    if not signature:
        log.warning("twilio.webhook_bad_signature", has_signature=False)
        raise DomainError("invalid_signature", _FORBIDDEN, status=403)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise _bad_request(f"The body must be {FORM_MEDIA_TYPE}")
    raw = await request.body()
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise _bad_request("The body is not a form Twilio sends") from None
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = public_url + path + (f"?{query}" if query else "")
    if not signature_is_valid(settings.auth_token, url, pairs, signature):
        log.warning("twilio.webhook_bad_signature", has_signature=True)
        raise DomainError("invalid_signature", _FORBIDDEN, status=403)
    params = dict(pairs)
    if len(params) != len(pairs):
        raise _bad_request("A parameter is repeated")
    if params.get("AccountSid") != settings.account_sid:
        raise _bad_request("The request is for another Twilio account")
    return params


def _sid(params: dict[str, str]) -> str:
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not _SID.fullmatch(sid):
        raise _bad_request("MessageSid is missing or malformed")
    return sid


def inbound_of(params: dict[str, str], *, received_at: datetime) -> InboundText | None:
    """Her (or anyone's) SMS as an event; None when the sender is not a phone number."""
    sid = _sid(params)
    sender = e164(params.get("From", ""))
    if sender is None:
        return None
    opt_out_type = params.get("OptOutType", "").strip().upper()
    return InboundText(
        provider=NAME,
        provider_message_id=sid,
        channel="sms",
        sender=sender,
        body=params.get("Body", ""),
        received_at=received_at,
        is_opt_out=opt_out_type == "STOP",
        is_opt_in=opt_out_type == "START",
    )


def status_of(params: dict[str, str]) -> tuple[str, StatusReport | None]:
    """The event id and report of a status callback; no report for a status we ignore."""
    sid = _sid(params)
    raw_status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if not raw_status or not raw_status.isascii() or not raw_status.isalpha():
        raise _bad_request("MessageStatus is missing or malformed")
    raw_status = raw_status.lower()
    event_id = f"{sid}:{raw_status}"
    status = _STATUSES.get(raw_status)
    if status is None:
        return event_id, None
    if status != "failed":
        return event_id, StatusReport(provider=NAME, provider_message_id=sid, status=status)
    code = params.get("ErrorCode", "").strip()
    error_code = code if _ERROR_CODE.fullmatch(code) else None
    is_permanent, is_opt_out = classify_error(error_code)
    return event_id, StatusReport(
        provider=NAME,
        provider_message_id=sid,
        status="failed",
        error_code=error_code,
        is_permanent=is_permanent,
        is_opt_out=is_opt_out,
    )


class TwilioWebhookController(Controller):
    path = "/webhooks/twilio"
    tags = ["webhooks"]
    guards = [provider_enabled("twilio")]

    @post(
        "/inbound",
        operation_id="receiveTwilioInbound",
        summary="An SMS to our Twilio number: her reply, or anyone's message",
        description=(
            _SIGNATURE_DOC
            + " Each message is stored once under its MessageSid and handled after the "
            "answer; `OptOutType` STOP or START (Advanced Opt-Out) is taken as her opt-out "
            "or opt-in. A sender that is not a phone number is ignored. The answer is an "
            "empty TwiML `<Response/>`: Twilio sends no reply of its own."
        ),
        opt=PUBLIC,
        status_code=200,
        media_type=TWIML_MEDIA_TYPE,
        responses={200: _TWIML_RESPONSE, **problem_responses(400, 403, 404)},
    )
    async def inbound(
        self, request: AnyRequest, db_session: DbSession, signature: SignatureHeader = None
    ) -> Response[str]:
        params = await verified_params(request, INBOUND_PATH, signature)
        engine: Engine = request.app.state.outreach_engine
        event = inbound_of(params, received_at=engine.clock())
        if event is None:
            log.info("twilio.inbound_ignored", reason="sender_not_a_phone_number")
            return _twiml()
        stored = await enqueue(
            db_session, engine, event, provider=NAME, event_id=event.provider_message_id
        )
        log.info("twilio.webhook", kind="inbound", is_duplicate=not stored)
        return _twiml()

    @post(
        "/status",
        operation_id="receiveTwilioStatus",
        summary="A delivery status of one of our messages (its StatusCallback)",
        description=(
            _SIGNATURE_DOC + " `sent`, `delivered`, `undelivered` and `failed` are stored once per "
            "MessageSid and status and handled after the answer; a status never moves a "
            "message backwards. Other statuses (queued, accepted, sending, ...) are ignored."
        ),
        opt=PUBLIC,
        status_code=200,
        media_type=TWIML_MEDIA_TYPE,
        responses={200: _TWIML_RESPONSE, **problem_responses(400, 403, 404)},
    )
    async def status(
        self, request: AnyRequest, db_session: DbSession, signature: SignatureHeader = None
    ) -> Response[str]:
        params = await verified_params(request, STATUS_CALLBACK_PATH, signature)
        event_id, report = status_of(params)
        if report is None:
            return _twiml()
        engine: Engine = request.app.state.outreach_engine
        stored = await enqueue(db_session, engine, report, provider=NAME, event_id=event_id)
        log.info(
            "twilio.webhook",
            kind="status",
            status=report.status,
            error_code=report.error_code,
            is_duplicate=not stored,
        )
        return _twiml()
