"""E-mail in: a raw RFC 5322 message becomes her reply (or a bounce), and an IMAP poller.

Two ways bring mail here, both ending in the webhook inbox (messaging/webhook_inbox.py)
under the provider name ``smtp``, so the same message arriving both ways counts once:

* ``POST /webhooks/email/inbound`` (messaging/webhooks/email.py), for mail services that
  forward inbound mail over HTTP;
* :class:`ImapPoller`, which reads the unseen messages of the reply mailbox over IMAPS.

Her reply is read from its plain-text part (or its HTML part turned into text), and only
the new text above the quoted history is kept: "1" above "On Mon ... wrote:" and ``>``
lines is "1", so it classifies as yes. A delivery status notification that quotes one of
our Message-IDs becomes a failed status of that message. Automatic replies (Auto-Submitted,
out-of-office) are dropped: they are not her answer.

The inbound id is the SHA-256 of the Message-ID (of the whole message when it has none):
her mail server's names never land in a plaintext column, and a message delivered twice
is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import imaplib
import re
import ssl
from collections.abc import Callable, Iterable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.contact_details import normalised_email
from partner_contact.logs import get_logger
from partner_contact.messaging.inbound import InboundText, StatusReport
from partner_contact.messaging.providers.email import sender_domain
from partner_contact.messaging.webhook_inbox import enqueue
from partner_contact.outreach.engine import Engine
from partner_contact.settings import EmailSettings

log = get_logger(__name__)

PROVIDER: Final = "smtp"
# Her new text is short; the rest is kept for a worker up to this many characters.
MAX_BODY_CHARS: Final = 4000
# Larger messages (attachments) are not parsed beyond their first part's worth.
MAX_RAW_BYTES: Final = 1024 * 1024

# ---- quoted history ---------------------------------------------------------------------

# "On Mon, 2 Mar 2026 at 09:00, X <x@example.org> wrote:" and its translations.
_VERBS: Final = (
    r"(wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|scrisse|schreef|escreveu|skrev"
    r"|kirjoitti|napisał\(a\)|napisał|napisała)"
)
# The verb right before the colon ("... wrote:"), or anywhere in a line that opens like
# an attribution and ends with a colon ("Am Mo., ... schrieb Anna <a@example.org>:").
_ATTRIBUTION_END: Final = re.compile(_VERBS + r"\s*:\s*$", re.IGNORECASE)
_ATTRIBUTION_VERB: Final = re.compile(r"(^|\s)" + _VERBS + r"(\s|:|$)", re.IGNORECASE)
_ATTRIBUTION_START: Final = re.compile(r"^\s*(on|am|le|el|il|op|em|den|w\s+dniu)\b", re.IGNORECASE)
_SEPARATOR: Final = re.compile(
    r"^\s*(-{2,}\s*(original\s+message|ursprüngliche\s+nachricht|message\s+d'origine"
    r"|mensaje\s+original|messaggio\s+originale|forwarded\s+message|weitergeleitete\s+nachricht)"
    r"\s*-{2,}|_{10,}|-- )\s*$",
    re.IGNORECASE,
)
# Outlook's quoted header block: "From: ..." followed by "Sent:" / "Date:" / "To:".
_HEADER_FROM: Final = re.compile(r"^\s*\*?(from|von|de|da|van|od)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT: Final = re.compile(
    r"^\s*\*?(sent|date|to|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado"
    r"|fecha|para|asunto|inviato|data|a|oggetto)\s*:",
    re.IGNORECASE,
)
# What phones add below her words.
_DEVICE_SIGNATURE: Final = re.compile(
    r"^\s*(sent\s+from\s+my\s+\S+|get\s+outlook\s+for\s+\S+|von\s+meinem\s+\S+\s+gesendet"
    r"|envoyé\s+de\s+mon\s+\S+|enviado\s+desde\s+mi\s+\S+|inviato\s+da\s+\S+)",
    re.IGNORECASE,
)


def _attribution_text(text: str) -> bool:
    if _ATTRIBUTION_END.search(text):
        return True
    return bool(
        _ATTRIBUTION_START.match(text)
        and text.rstrip().endswith(":")
        and _ATTRIBUTION_VERB.search(text)
    )


def _is_attribution(lines: list[str], index: int) -> bool:
    """ "On ... wrote:", possibly wrapped over up to three lines by the mail program."""
    if _attribution_text(lines[index]):
        return True
    if not _ATTRIBUTION_START.match(lines[index]):
        return False
    for end in (index + 2, index + 3):
        segment = lines[index:end]
        if len(segment) < end - index or not segment[-1].strip():
            return False
        if _ATTRIBUTION_START.match(segment[-1]) or segment[-1].lstrip().startswith(">"):
            return False
        if _attribution_text(" ".join(part.strip() for part in segment)):
            return True
    return False


def _is_quote_start(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line.lstrip().startswith(">") or _SEPARATOR.match(line) or _DEVICE_SIGNATURE.match(line):
        return True
    if _is_attribution(lines, index):
        return True
    if _HEADER_FROM.match(line):
        return any(_HEADER_NEXT.match(nxt) for nxt in lines[index + 1 : index + 4])
    return False


def strip_quoted(text: str) -> str:
    """The new text of a reply: everything above the first quote marker.

    A reply written below the history (bottom-posting) leaves nothing above it; then
    the lines that are neither quoted nor the attribution are kept instead.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index in range(len(lines)):
        if _is_quote_start(lines, index):
            above = "\n".join(lines[:index]).strip()
            if above:
                return above
            break
    else:
        return text.strip()
    kept = [
        line
        for i, line in enumerate(lines)
        if not line.lstrip().startswith(">") and not _is_quote_start(lines, i)
    ]
    return "\n".join(kept).strip()


# ---- HTML to text -------------------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML body, without quoted history (blockquote, Gmail's quote)."""

    _SKIP: Final = frozenset({"blockquote", "style", "script", "head", "title"})
    _BREAK: Final = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"})
    _VOID: Final = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(value or "" for name, value in attrs if name in ("class", "id"))
        quote = "gmail_quote" in classes or "moz-cite-prefix" in classes
        quote = quote or "divRplyFwdMsg" in classes or "yahoo_quoted" in classes
        if tag in self._BREAK:
            self.parts.append("\n")
        if tag not in self._VOID:
            self._stack.append((tag, tag in self._SKIP or quote))

    def handle_endtag(self, tag: str) -> None:
        for position in range(len(self._stack) - 1, -1, -1):
            if self._stack[position][0] == tag:
                del self._stack[position:]
                break
        if tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


# ---- parsing ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParsedMail:
    """What one raw message means: an event for the inbox, or why it is ignored."""

    event_id: str
    event: InboundText | StatusReport | None
    ignored: str | None = None


def digest(value: bytes | str) -> str:
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def _text_of(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def body_text(message: EmailMessage) -> str:
    """Her new words: the plain part (or the HTML part as text) without quoted history."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _text_of(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return strip_quoted(text)[:MAX_BODY_CHARS]


def _is_automatic(message: EmailMessage) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        auto not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
        or str(message.get("X-Auto-Response-Suppress", "")).strip().lower() == "all"
    )


_MESSAGE_ID: Final = re.compile(r"<([^<>@\s]{1,64})@([^<>@\s]{1,255})>")
_DSN_STATUS: Final = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\s*$")


def _fields(block: Message) -> Iterable[tuple[str, str]]:
    """Header-like fields of a delivery-status part, whichever way it was parsed."""
    if isinstance(block.get_payload(), list):
        for sub in block.get_payload():
            if isinstance(sub, Message):
                yield from ((k.lower(), str(v)) for k, v in sub.items())
    else:
        text = _text_of(block)
        for line in text.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                yield name.strip().lower(), value.strip()


def _bounce_of(message: EmailMessage, our_domain: str, event_id: str) -> ParsedMail | None:
    """A delivery status notification about one of our messages, as a failed status."""
    if message.get_content_type() != "multipart/report":
        return None
    status_code: str | None = None
    failed = False
    original: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            for name, value in _fields(part):
                if name == "action" and value.strip().lower() == "failed":
                    failed = True
                elif name == "status" and _DSN_STATUS.match(value):
                    status_code = value.strip()
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            headers = _original_headers(part)
            found = _MESSAGE_ID.search(headers.get("message-id", ""))
            if found and found.group(2).lower() == our_domain:
                original = found.group(1)
    if original is None:
        return ParsedMail(event_id=event_id, event=None, ignored="bounce_not_ours")
    if not failed:
        return ParsedMail(event_id=event_id, event=None, ignored="delivery_report")
    return ParsedMail(
        event_id="dsn:" + event_id,
        event=StatusReport(
            provider=PROVIDER,
            provider_message_id=original,
            status="failed",
            error_code=status_code,
            is_permanent=status_code is None or status_code.startswith("5."),
        ),
    )


def _original_headers(part: Message) -> dict[str, str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return {k.lower(): str(v) for k, v in payload[0].items()}
    text = _text_of(part) if not isinstance(payload, list) else ""
    headers = message_from_bytes(text.encode("utf-8", "replace"), policy=policy.default)
    return {k.lower(): str(v) for k, v in headers.items()}


def _sender(message: EmailMessage) -> str | None:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ())
    except (IndexError, ValueError, TypeError, AttributeError):  # too broken to parse
        return None
    for address in addresses:
        value = normalised_email(str(address.addr_spec))
        if value is not None:
            return value
    return None


def parse_mail(raw: bytes, *, received_at: datetime, our_domain: str = "") -> ParsedMail:
    """Read one raw RFC 5322 message; never raises for malformed input."""
    raw = raw[:MAX_RAW_BYTES]
    try:
        return _parse(raw, received_at=received_at, our_domain=our_domain.lower())
    except Exception as exc:  # the parser is lenient; this is the last resort for odd input
        log.warning("email.unreadable", error=type(exc).__name__)
        return ParsedMail(event_id=digest(raw), event=None, ignored="unreadable")


def _parse(raw: bytes, *, received_at: datetime, our_domain: str) -> ParsedMail:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    message_id = str(parsed.get("Message-ID", "") or "").strip()
    event_id = digest(message_id) if message_id else digest(raw)
    if our_domain:
        bounce = _bounce_of(parsed, our_domain, event_id)
        if bounce is not None:
            return bounce
    if _is_automatic(parsed):
        return ParsedMail(event_id=event_id, event=None, ignored="automatic")
    sender = _sender(parsed)
    if sender is None:
        return ParsedMail(event_id=event_id, event=None, ignored="no_sender")
    try:
        body = body_text(parsed)
    except Exception as exc:  # a body no decoder can read: a worker still sees she wrote
        log.warning("email.body_unreadable", error=type(exc).__name__)
        body = ""
    return ParsedMail(
        event_id=event_id,
        event=InboundText(
            provider=PROVIDER,
            provider_message_id=event_id,
            channel="email",
            sender=sender,
            body=body,
            received_at=received_at,
        ),
    )


async def store_mail(
    session: AsyncSession, engine: Engine, raw: bytes, *, our_domain: str
) -> ParsedMail | None:
    """Parse and put one message into the webhook inbox; None when it was there already."""
    parsed = parse_mail(raw, received_at=engine.clock(), our_domain=our_domain)
    if parsed.event is None:
        log.info("email.inbound_ignored", reason=parsed.ignored)
        return parsed
    stored = await enqueue(
        session, engine, parsed.event, provider=PROVIDER, event_id=parsed.event_id
    )
    kind = "status" if isinstance(parsed.event, StatusReport) else "inbound"
    log.info("email.inbound", kind=kind, is_duplicate=not stored)
    return parsed if stored else None


# ---- IMAP ------------------------------------------------------------------------------


@dataclasses.dataclass
class PollReport:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0


def _quote_mailbox(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.\-/]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapPoller:
    """Reads the reply mailbox's unseen messages every ``imap_poll_seconds``.

    Each message is fetched with ``BODY.PEEK[]`` (so fetching does not mark it read),
    stored in the inbox in its own transaction, and only then flagged ``\\Seen``: a crash
    in between fetches it again, and the inbox stores it once. A message that cannot be
    stored (the database is down) stays unseen for the next poll.
    """

    def __init__(
        self,
        settings: EmailSettings,
        *,
        engine: Engine,
        session_maker: async_sessionmaker[AsyncSession],
        ssl_context: ssl.SSLContext | None = None,
        on_stored: Callable[[], None] | None = None,
        batch_size: int = 50,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._session_maker = session_maker
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._on_stored = on_stored
        self._batch_size = batch_size
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- running ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the IMAP poller is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="imap-poller")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        task, self._task = self._task, None
        await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.poll_once()
            except Exception as exc:
                # Never the message: an IMAP error text may quote a mailbox or address.
                log.warning("imap.poll_failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.imap_poll_seconds)

    # ---- one poll -------------------------------------------------------------------------

    def _connect(self) -> imaplib.IMAP4:
        settings = self._settings
        connection = imaplib.IMAP4_SSL(
            settings.imap_host,
            settings.imap_port,
            ssl_context=self._ssl_context,
            timeout=settings.timeout_seconds,
        )
        try:
            connection.login(settings.imap_username, settings.imap_password)
            typ, _ = connection.select(_quote_mailbox(settings.imap_mailbox))
            if typ != "OK":
                raise imaplib.IMAP4.error("SELECT refused")
        except BaseException:
            with contextlib.suppress(Exception):
                connection.logout()
            raise
        return connection

    @staticmethod
    def _unseen(connection: imaplib.IMAP4) -> list[bytes]:
        typ, data = connection.uid("SEARCH", "UNSEEN")
        if typ != "OK":
            raise imaplib.IMAP4.error("SEARCH refused")
        found = data[0] if data and isinstance(data[0], bytes) else b""
        return [uid for uid in found.split() if uid.isdigit()]

    @staticmethod
    def _fetch(connection: imaplib.IMAP4, uid: bytes) -> bytes | None:
        typ, data = connection.uid("FETCH", uid.decode("ascii"), "(BODY.PEEK[])")
        if typ != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # gone meanwhile (another reader expunged it)

    @staticmethod
    def _mark_seen(connection: imaplib.IMAP4, uid: bytes) -> None:
        connection.uid("STORE", uid.decode("ascii"), "+FLAGS", "(\\Seen)")

    @staticmethod
    def _logout(connection: imaplib.IMAP4) -> None:
        with contextlib.suppress(Exception):
            connection.logout()

    async def poll_once(self) -> PollReport:
        """Fetch, store and mark seen up to ``batch_size`` unseen messages."""
        report = PollReport()
        connection = await asyncio.to_thread(self._connect)
        try:
            uids = (await asyncio.to_thread(self._unseen, connection))[: self._batch_size]
            for uid in uids:
                raw = await asyncio.to_thread(self._fetch, connection, uid)
                if raw is None:
                    continue
                report.fetched += 1
                try:
                    outcome = await self._store(raw)
                except Exception as exc:
                    log.warning("imap.store_failed", error=type(exc).__name__)
                    report.failed += 1
                    continue  # left unseen: the next poll tries again
                if outcome is None:
                    report.duplicates += 1
                elif outcome.event is None:
                    report.ignored += 1
                else:
                    report.stored += 1
                await asyncio.to_thread(self._mark_seen, connection, uid)
        finally:
            await asyncio.to_thread(self._logout, connection)
        if report.stored and self._on_stored is not None:
            self._on_stored()
        if report.fetched:
            log.info("imap.polled", **dataclasses.asdict(report))
        return report

    async def _store(self, raw: bytes) -> ParsedMail | None:
        async with self._session_maker.begin() as session:
            return await store_mail(
                session,
                self._engine,
                raw,
                our_domain=sender_domain(self._settings.from_address),
            )
