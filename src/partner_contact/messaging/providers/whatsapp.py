"""The WhatsApp provider: Meta's WhatsApp Cloud API (``POST /{version}/{number-id}/messages``).

WhatsApp lets a business write freely only inside the 24-hour customer service window
that opens when she writes to us. Inside it (``is_conversation_open``) we send our own
linted text; outside it only a template Meta approved can go, so we send the one neutral
template of the settings, with no parameters: a parameter would put our words into it,
and those words are exactly what must not be on her lock screen. The body we wrote is
then not sent at all.

Results, for the dispatcher:

- a 2xx answer with a message id is ``accepted``;
- an error answer (4xx) is ``rejected``: permanent for a number that cannot get WhatsApp
  messages (131026, 131021), an opt-out where she stopped our messages (131050), and
  temporary otherwise (rate limits, our own token or template, the window: 131047);
- no connection (refused, DNS, connect timeout) is ``rejected`` and temporary: nothing left;
- a timeout or a broken connection after the request went out, a server error (5xx) or
  a 2xx without a message id is ``ambiguous``: the Cloud API may have it.

The Cloud API cannot be asked about a message by our own key (it has no idempotency key
either), so :meth:`WhatsAppProvider.lookup` always answers ``unknown`` and an ambiguous
send goes to a worker rather than out twice. Nothing here logs her number or the text.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
import msgspec

from partner_contact.logs import get_logger
from partner_contact.messaging.providers.base import (
    LookupResult,
    MessageChannel,
    OutgoingMessage,
    SendResult,
)
from partner_contact.settings import WhatsAppSettings

log = get_logger(__name__)

NAME: Final = "whatsapp"
# The error codes (in a send's answer or a "failed" status) that will not change on
# retry for this number: 131026 "message undeliverable" (not on WhatsApp, old client,
# terms not accepted) and 131021 "recipient cannot be sender".
PERMANENT_ERRORS: Final = frozenset({"131026", "131021"})
# 131050: she stopped marketing messages from this business. That is her own "stop" to
# us, so it is treated as an opt-out from every channel, like an SMS STOP.
OPT_OUT_ERRORS: Final = frozenset({"131050"})
# WhatsApp accepts at most this much text in one message.
MAX_TEXT_LENGTH: Final = 4096


def classify_error(code: str | None) -> tuple[bool, bool]:
    """``(is_permanent, is_opt_out)`` for a Cloud API error code.

    Everything not listed is temporary: 131047 (outside the 24-hour window), 131049
    (held back by Meta's engagement limits), rate limits, and our own configuration
    (token, template, payment), which a worker or an operator must see to, not her number.
    """
    if code in OPT_OUT_ERRORS:
        return True, True
    return code in PERMANENT_ERRORS, False


class _ErrorBody(msgspec.Struct, frozen=True):
    code: int | str | None = None


class _ErrorAnswer(msgspec.Struct, frozen=True):
    error: _ErrorBody | None = None


class _SentMessage(msgspec.Struct, frozen=True):
    id: str | None = None


class _SentAnswer(msgspec.Struct, frozen=True):
    messages: list[_SentMessage] | None = None


def _error_code(response: httpx.Response) -> str:
    """The Graph API's own error code, or ``http_<status>`` when the answer has none."""
    try:
        answer = msgspec.json.decode(response.content, type=_ErrorAnswer)
    except msgspec.DecodeError:
        return f"http_{response.status_code}"
    code = None if answer.error is None else answer.error.code
    text = "" if code is None else str(code)
    if not text.isascii() or not text.isalnum() or len(text) > 32:
        return f"http_{response.status_code}"
    return text


def _message_id(response: httpx.Response) -> str | None:
    try:
        answer = msgspec.json.decode(response.content, type=_SentAnswer)
    except msgspec.DecodeError:
        return None
    if not answer.messages:
        return None
    message_id = answer.messages[0].id
    return message_id if message_id and len(message_id) <= 128 else None


class WhatsAppProvider:
    """Sends through the Cloud API with the business phone number of the settings."""

    name = NAME
    channels: frozenset[MessageChannel] = frozenset({"whatsapp"})

    def __init__(
        self,
        settings: WhatsAppSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        base = settings.api_base_url.rstrip("/")
        self._url = f"{base}/{settings.api_version}/{settings.phone_number_id}/messages"
        timeout = settings.timeout_seconds
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Authorization": f"Bearer {settings.access_token}"},
            transport=transport,
            follow_redirects=False,
        )

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        """The request body: our text inside her 24-hour window, the template outside it."""
        base: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient,
        }
        if message.is_conversation_open:
            # No link preview: a preview card would show more than the words on her screen.
            return {**base, "type": "text", "text": {"preview_url": False, "body": message.body}}
        template = {
            "name": self._settings.template_name,
            "language": {"code": self._settings.template_language},
        }
        return {**base, "type": "template", "template": template}

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.channel != "whatsapp":
            return SendResult(outcome="rejected", error_code="wrong_channel", is_permanent=True)
        if message.is_conversation_open and len(message.body) > MAX_TEXT_LENGTH:
            return SendResult(outcome="rejected", error_code="too_long", is_permanent=True)
        kind = "text" if message.is_conversation_open else "template"
        try:
            response = await self._client.post(self._url, json=self.payload(message))
        except (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            httpx.UnsupportedProtocol,
            httpx.LocalProtocolError,
        ) as exc:
            # No connection was made, or no request formed: it certainly did not leave.
            log.warning("whatsapp.send_not_connected", error=type(exc).__name__)
            return SendResult(outcome="rejected", error_code="connect_error")
        except httpx.HTTPError as exc:
            # Sent, or partly sent, and no answer: Meta may have it.
            log.warning("whatsapp.send_no_answer", error=type(exc).__name__)
            return SendResult(outcome="ambiguous", error_code="no_answer")
        status = response.status_code
        if 200 <= status < 300:
            message_id = _message_id(response)
            if message_id is None:
                log.warning("whatsapp.send_unreadable_answer", status=status)
                return SendResult(outcome="ambiguous", error_code="unreadable_answer")
            log.info("whatsapp.sent", kind=kind)
            return SendResult(outcome="accepted", provider_message_id=message_id)
        code = _error_code(response)
        if status >= 500:
            log.warning("whatsapp.send_server_error", status=status, error_code=code)
            return SendResult(outcome="ambiguous", error_code=code)
        is_permanent, is_opt_out = classify_error(code)
        log.warning(
            "whatsapp.send_rejected",
            status=status,
            error_code=code,
            kind=kind,
            is_permanent=is_permanent,
        )
        return SendResult(
            outcome="rejected",
            error_code=code,
            is_permanent=is_permanent,
            is_opt_out=is_opt_out,
        )

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        # The Cloud API has no way to find a message by our key: a worker decides.
        return LookupResult(outcome="unknown")

    async def aclose(self) -> None:
        await self._client.aclose()
