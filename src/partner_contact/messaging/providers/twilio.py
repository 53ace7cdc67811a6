"""Twilio Programmable Messaging (SMS): sending, finding a sent message, and webhook signatures.

A send is one ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``. Twilio documents
that request as not idempotent, so a send is only called ``rejected`` when Twilio
certainly did not create a message: it answered 4xx, or the connection was never made.
A timeout or a 5xx after the request went out is ``ambiguous``, and :meth:`lookup` then
searches the Message list for it; a list is never proof that a message does *not*
exist, so lookup answers ``found`` or ``unknown``, never ``not_found``.

Twilio's error texts repeat her number, so only its numeric codes are ever kept or
logged, never a message text, a number or a response body.

The ``X-Twilio-Signature`` check (:func:`signature_is_valid`) implements Twilio's
documented algorithm: HMAC-SHA1, keyed with the auth token, over the full webhook URL
followed by every POSTed parameter's name and value, sorted by name; base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx

from partner_contact.logs import get_logger
from partner_contact.messaging.providers.base import (
    LookupResult,
    MessageChannel,
    OutgoingMessage,
    SendResult,
)
from partner_contact.settings import TwilioSettings

log = get_logger(__name__)

NAME: Final = "twilio"
SIGNATURE_HEADER: Final = "X-Twilio-Signature"
STATUS_CALLBACK_PATH: Final = "/webhooks/twilio/status"
INBOUND_PATH: Final = "/webhooks/twilio/inbound"
API_VERSION: Final = "2010-04-01"

# Twilio error codes (https://www.twilio.com/docs/api/errors), as strings like SendResult's.
OPT_OUT_CODES: Final = frozenset({"21610"})  # she sent STOP to this sender
# Her number cannot take an SMS and retrying will not change it: try her next channel.
PERMANENT_CODES: Final = frozenset(
    {
        "21211",  # invalid 'To' phone number
        "21612",  # 'To' number not currently reachable via SMS
        "21614",  # 'To' number is not a valid mobile number
        "21635",  # 'To' number is a landline
        "30003",  # unreachable destination handset
        "30005",  # unknown destination handset
        "30006",  # landline or unreachable carrier
    }
)
# Everything else (30004 blocked, 30007 carrier filtering, 30008 unknown, account or
# sender problems) is not about her number: the dispatcher retries a certain rejection,
# and a failed delivery goes to her worker.

# A lookup reads at most this many list pages before it gives up ("unknown").
MAX_LOOKUP_PAGES: Final = 10
LOOKUP_PAGE_SIZE: Final = 100
# Twilio's clock and ours may differ a little: a match may be this much older than the claim.
LOOKUP_CLOCK_SKEW: Final = timedelta(minutes=5)


def classify_error(code: str | None) -> tuple[bool, bool]:
    """``(is_permanent, is_opt_out)`` for a Twilio error code from a send or a status."""
    if code in OPT_OUT_CODES:
        return False, True
    return code in PERMANENT_CODES, False


# ---- webhook signatures ------------------------------------------------------------------------


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's signature over ``url`` and the POSTed ``params`` (name, value pairs)."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as given, then with its default port added or removed.

    Twilio may sign with or without an explicit default port (its own validators try both).
    """
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if default is None:
        return [url]
    if parts.port is None:
        other = parts._replace(netloc=f"{host}:{default}")
    elif parts.port == default:
        other = parts._replace(netloc=host)
    else:
        return [url]
    return [url, urlunsplit(other)]


def signature_is_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's for this URL and these parameters (constant time)."""
    if not auth_token or not signature:
        return False
    pairs = list(params)
    given = signature.encode("ascii", errors="replace")
    valid = False
    for candidate in _url_variants(url):
        expected = compute_signature(auth_token, candidate, pairs).encode("ascii")
        valid |= hmac.compare_digest(expected, given)
    return valid


# ---- the provider ------------------------------------------------------------------------------


def _parse_twilio_date(value: object) -> datetime | None:
    """Twilio's RFC 2822 dates ("Mon, 02 Mar 2026 09:00:00 +0000"), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _error_code(response: httpx.Response) -> str:
    """Twilio's numeric error code from an error response, else ``http_<status>``."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    code = payload.get("code") if isinstance(payload, dict) else None
    if isinstance(code, int) and not isinstance(code, bool) and 0 < code < 10**9:
        return str(code)
    if isinstance(code, str) and code.isdigit() and len(code) < 10:
        return code
    return f"http_{response.status_code}"


class TwilioProvider:
    """Sends SMS through Twilio's REST API; the webhooks live in messaging/webhooks/twilio.py."""

    name = NAME
    channels: frozenset[MessageChannel] = frozenset({"sms"})

    def __init__(self, settings: TwilioSettings, *, public_url: str) -> None:
        self._settings = settings
        self._status_callback = public_url.rstrip("/") + STATUS_CALLBACK_PATH
        self._base_url = settings.api_base_url.rstrip("/")
        self._messages_path = f"/{API_VERSION}/Accounts/{settings.account_sid}/Messages.json"
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(settings.account_sid, settings.auth_token),
            timeout=httpx.Timeout(settings.timeout_seconds),
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )

    def _form(self, message: OutgoingMessage) -> dict[str, str]:
        form = {
            "To": message.recipient,
            "Body": message.body,
            "StatusCallback": self._status_callback,
        }
        if self._settings.messaging_service_sid:
            form["MessagingServiceSid"] = self._settings.messaging_service_sid
        else:
            form["From"] = self._settings.from_number
        return form

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.channel not in self.channels:
            return SendResult(outcome="rejected", error_code="channel_unsupported")
        try:
            response = await self._client.post(
                self._base_url + self._messages_path, data=self._form(message)
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # No connection was made, so no request reached Twilio: safe to retry later.
            log.warning("twilio.send_not_connected", error=type(exc).__name__)
            return SendResult(outcome="rejected", error_code="connect_failed")
        except httpx.TimeoutException as exc:
            log.warning("twilio.send_timed_out", error=type(exc).__name__)
            return SendResult(outcome="ambiguous", error_code="timeout")
        except httpx.HTTPError as exc:
            log.warning("twilio.send_interrupted", error=type(exc).__name__)
            return SendResult(outcome="ambiguous", error_code="transport_error")
        status = response.status_code
        if 200 <= status < 300:
            sid = self._sid_of(response)
            if sid is None:
                log.warning("twilio.send_unreadable_answer", http_status=status)
                return SendResult(outcome="ambiguous", error_code="unreadable_answer")
            return SendResult(outcome="accepted", provider_message_id=sid)
        if 400 <= status < 500:
            # Twilio validated the request and created nothing.
            code = _error_code(response)
            is_permanent, is_opt_out = classify_error(code)
            log.warning(
                "twilio.send_rejected",
                http_status=status,
                error_code=code,
                is_permanent=is_permanent,
                is_opt_out=is_opt_out,
            )
            return SendResult(
                outcome="rejected",
                error_code=code,
                is_permanent=is_permanent,
                is_opt_out=is_opt_out,
            )
        # 5xx (or anything else) after the request was sent: it may have been created.
        log.warning("twilio.send_ambiguous", http_status=status)
        return SendResult(outcome="ambiguous", error_code=f"http_{status}")

    @staticmethod
    def _sid_of(response: httpx.Response) -> str | None:
        try:
            payload = response.json()
        except ValueError:
            return None
        sid = payload.get("sid") if isinstance(payload, dict) else None
        return sid if isinstance(sid, str) and 0 < len(sid) <= 64 else None

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        """Search the messages sent to her since the claim for this exact text.

        First with Twilio's ``DateSent>=`` filter, then (a message still queued may not
        have a send date yet) the newest messages to her without it.
        """
        since = message.claimed_at.astimezone(UTC)
        first: dict[str, str] = {
            "To": message.recipient,
            "DateSent>": since.date().isoformat(),
            "PageSize": str(LOOKUP_PAGE_SIZE),
        }
        second = {"To": message.recipient, "PageSize": str(LOOKUP_PAGE_SIZE)}
        try:
            for params, pages in ((first, MAX_LOOKUP_PAGES), (second, 2)):
                sid = await self._search(params, pages, message, since - LOOKUP_CLOCK_SKEW)
                if sid is not None:
                    return LookupResult(outcome="found", provider_message_id=sid)
        except httpx.HTTPError as exc:
            log.warning("twilio.lookup_failed", error=type(exc).__name__)
        except _LookupUnreadable as exc:
            log.warning("twilio.lookup_failed", error=str(exc))
        return LookupResult(outcome="unknown")

    async def _search(
        self,
        params: Mapping[str, str],
        max_pages: int,
        message: OutgoingMessage,
        not_before: datetime,
    ) -> str | None:
        url: str | None = self._base_url + self._messages_path
        query: Mapping[str, str] | None = params
        for _ in range(max_pages):
            if url is None:
                return None
            response = await self._client.get(url, params=query)
            if response.status_code != 200:
                raise _LookupUnreadable(f"http_{response.status_code}")
            try:
                payload = response.json()
            except ValueError:
                raise _LookupUnreadable("not_json") from None
            if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
                raise _LookupUnreadable("no_message_list")
            for item in payload["messages"]:
                if self._matches(item, message, not_before):
                    sid: str = item["sid"]
                    return sid
            url, query = self._next_page(payload.get("next_page_uri")), None
        return None

    def _next_page(self, uri: object) -> str | None:
        # Only ever follow a page of the same list on the same host.
        if not isinstance(uri, str) or not uri.startswith(self._messages_path + "?"):
            return None
        return self._base_url + uri

    @staticmethod
    def _matches(item: Any, message: OutgoingMessage, not_before: datetime) -> bool:
        if not isinstance(item, dict):
            return False
        created = _parse_twilio_date(item.get("date_created"))
        sid = item.get("sid")
        return (
            isinstance(sid, str)
            and 0 < len(sid) <= 64
            and item.get("to") == message.recipient
            and item.get("body") == message.body
            and str(item.get("direction", "")).startswith("outbound")
            and created is not None
            and created >= not_before
        )

    async def aclose(self) -> None:
        await self._client.aclose()


class _LookupUnreadable(Exception):
    """The list answer was not what Twilio documents; the code names what was wrong."""
