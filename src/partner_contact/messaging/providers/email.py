"""The e-mail provider: one plain-text message per send, over SMTP (aiosmtplib).

What her mailbox shows must give nothing away if he reads it, so the message carries
only what a private note from a person would: the neutral sender (``from_name`` and
``from_address``), her address, the subject and body the engine already checked, a date
and a Message-ID. No organisation headers, no ``List-Unsubscribe``, no HTML, no links,
no ``X-Mailer``; the EHLO name is the sender's domain rather than this host's name.

The Message-ID is made from the outbox idempotency key (``<key@sender-domain>``), so a
message sent twice after an ambiguous attempt is recognisably the same one, and a bounce
that quotes it can be matched. SMTP cannot be asked afterwards whether a message
arrived, so :meth:`SmtpProvider.lookup` always answers ``unknown``.

How a send ends:

* accepted: the server answered 250 to the end of the message data;
* rejected, permanent: it refused her address outright (550/551/553 at ``RCPT``, or at
  the end of data, unless the enhanced code says it is a policy refusal, 5.7.x);
* rejected, not permanent: any other refusal (4xx, our sender or login refused), or the
  connection failed or timed out before the ``DATA`` command was sent;
* ambiguous: a timeout or a dropped connection once ``DATA`` was sent, when the server
  may have taken the message.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from datetime import UTC
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from typing import Final

import aiosmtplib

from partner_contact.clock import Clock, utc_now
from partner_contact.contact_details import normalised_email
from partner_contact.logs import get_logger
from partner_contact.messaging.providers.base import (
    LookupResult,
    MessageChannel,
    OutgoingMessage,
    SendResult,
)
from partner_contact.settings import EmailSettings

log = get_logger(__name__)

# A refusal of the address itself (RFC 5321 4.2.2): her mailbox does not exist or moved.
PERMANENT_RECIPIENT_CODES: Final = frozenset({550, 551, 553})
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def message_id_local_part(idempotency_key: str) -> str:
    """The left-hand side of the Message-ID: the key itself, or its digest if unusual."""
    if _SAFE_KEY.fullmatch(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def sender_domain(from_address: str) -> str:
    return from_address.rpartition("@")[2].lower()


def build_message(
    message: OutgoingMessage, *, from_name: str, from_address: str, clock: Clock = utc_now
) -> EmailMessage:
    """The message as her mailbox will show it; raises ``ValueError`` on a bad header."""
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = formataddr((from_name, from_address)) if from_name else from_address
    email["To"] = message.recipient
    if message.subject:
        email["Subject"] = message.subject
    email["Date"] = format_datetime(clock().astimezone(UTC))
    local = message_id_local_part(message.idempotency_key)
    email["Message-ID"] = f"<{local}@{sender_domain(from_address)}>"
    email.set_content(message.body, subtype="plain", charset="utf-8")
    return email


def _enhanced_code(text: str) -> str | None:
    match = _ENHANCED.match(text)
    return None if match is None else ".".join(match.groups())


def _is_recipient_gone(code: int, text: str) -> bool:
    enhanced = _enhanced_code(text)
    if enhanced is not None and enhanced.startswith("5.7."):
        return False  # a policy refusal (relaying, spam, authentication): not her address
    return code in PERMANENT_RECIPIENT_CODES


def _failure_kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return "not_supported"  # e.g. STARTTLS required but not offered
    return "connection"


def _rejected(error_code: str, *, is_permanent: bool = False) -> SendResult:
    return SendResult(outcome="rejected", error_code=error_code[:32], is_permanent=is_permanent)


class SmtpProvider:
    """Sends e-mail through the submission server in ``settings.email``."""

    name = "smtp"
    channels: frozenset[MessageChannel] = frozenset({"email"})

    def __init__(
        self,
        settings: EmailSettings,
        *,
        clock: Clock = utc_now,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        # Tests pass a context that trusts their own certificate; otherwise the system's.
        self._tls_context = tls_context

    def _client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        security = settings.smtp_security
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            # Never this host's own name: it may carry the organisation's.
            local_hostname=sender_domain(settings.from_address),
            timeout=settings.timeout_seconds,
            use_tls=security == "tls",
            start_tls=security == "starttls",
            validate_certs=True,
            tls_context=self._tls_context,
        )

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.channel != "email":
            return _rejected("channel", is_permanent=True)
        recipient = normalised_email(message.recipient)
        if recipient is None or not recipient.isascii():
            # Internationalised addresses (SMTPUTF8) are not supported yet.
            return _rejected("invalid_address", is_permanent=True)
        settings = self._settings
        try:
            data = build_message(
                message,
                from_name=settings.from_name,
                from_address=settings.from_address,
                clock=self._clock,
            ).as_bytes()
        except (ValueError, TypeError):
            return _rejected("invalid_message", is_permanent=True)
        provider_message_id = message_id_local_part(message.idempotency_key)
        smtp = self._client()
        data_sent = False
        try:
            await smtp.connect()
            await smtp.mail(settings.from_address)
            await smtp.rcpt(recipient)
            data_sent = True  # from here on the server may have the message
            await smtp.data(data)
        except aiosmtplib.SMTPRecipientRefused as exc:
            return _rejected(str(exc.code), is_permanent=_is_recipient_gone(exc.code, exc.message))
        except aiosmtplib.SMTPResponseException as exc:
            # A definite answer, even after DATA: the server did not take the message.
            permanent = data_sent and _is_recipient_gone(exc.code, exc.message)
            log.info("smtp.refused", code=exc.code, after_data=data_sent)
            return _rejected(str(exc.code), is_permanent=permanent)
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Timeouts and dropped connections (SMTPTimeoutError is a TimeoutError).
            kind = _failure_kind(exc)
            log.warning("smtp.failed", error=kind, after_data=data_sent)
            if data_sent:
                return SendResult(outcome="ambiguous", provider_message_id=provider_message_id)
            return _rejected(kind)
        finally:
            await _close(smtp)
        return SendResult(outcome="accepted", provider_message_id=provider_message_id)

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        """SMTP has no way to ask whether a message arrived."""
        return LookupResult(outcome="unknown")

    async def aclose(self) -> None:
        return None  # one connection per message, closed after each send


async def _close(smtp: aiosmtplib.SMTP) -> None:
    if not smtp.is_connected:
        return
    try:
        await smtp.quit(timeout=2)
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()
