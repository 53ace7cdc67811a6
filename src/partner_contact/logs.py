"""Structured logging with redaction of contact details and sensitive fields.

Every event, from our code or from a library through the standard ``logging`` module,
passes the redaction processor after exceptions are formatted and before rendering, so
a phone number or an e-mail address inside an exception message is removed too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, Final

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED: Final = "[redacted]"

# Keys whose values are never logged, whatever they hold.
SENSITIVE_KEYS: Final = frozenset(
    {
        "authorization",
        "body",
        "code_word",
        "cookie",
        "csrf_token",
        "email",
        "message",
        "note",
        "password",
        "phone",
        "recovery_code",
        "reply",
        "secret",
        "set-cookie",
        "text",
        "token",
        "totp_code",
        "whatsapp",
    }
)
# Keys our own processors add; they hold no user data and must stay readable.
_TRUSTED_KEYS: Final = frozenset({"timestamp", "level", "logger", "request_id", "event_id"})

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people write phone numbers with. Whether it is a
# phone number is decided by its digit count below; dates and versions of 7+ digits are
# redacted too, which is the safe side to err on.
_PHONE_CANDIDATE = re.compile(r"(?<![\w-])\+?\(?\d[\d \t().\-/]{4,}\d(?![\w-])")
_MIN_PHONE_DIGITS: Final = 7


class Sensitive:
    """A value that must never reach a log line; ``log.info("x", value=Sensitive(v))``."""

    __slots__ = ("_value",)

    def __init__(self, value: object) -> None:
        self._value = value

    def __repr__(self) -> str:
        return REDACTED


def _redact_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return REDACTED if digits >= _MIN_PHONE_DIGITS else match.group(0)


# URL-encoded "+" and "@": a provider URL in an exception carries her number as
# "To=%2B447700900123", which the patterns above would otherwise not see.
_URL_ENCODED = re.compile(r"%(2B|40)", re.IGNORECASE)


def redact_text(text: str) -> str:
    """Remove e-mail addresses and phone-number-like digit runs from ``text``."""
    text = _URL_ENCODED.sub(lambda m: "+" if m.group(1).upper() == "2B" else "@", text)
    return _PHONE_CANDIDATE.sub(_redact_phone, _EMAIL.sub(REDACTED, text))


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Sensitive):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): _redact_entry(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(repr(value))


def _redact_entry(key: str, value: object) -> object:
    if key.lower() in SENSITIVE_KEYS:
        return REDACTED
    return _redact_value(value)


def redact_event(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: return a scrubbed copy of the event."""
    return {
        key: value if key in _TRUSTED_KEYS else _redact_entry(key, value)
        for key, value in event_dict.items()
    }


def _rename_stdlib_message(
    _logger: WrappedLogger, _method: str, event_dict: EventDict
) -> EventDict:
    # A library's positional args are already merged into "event" by the formatter.
    event_dict.pop("positional_args", None)
    event_dict.pop("color_message", None)
    return event_dict


def configure_logging(log_format: str = "json", level: str = "info", stream: Any = None) -> None:
    """Route structlog and the standard library through one redacting pipeline."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _rename_stdlib_message],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks as plain text without local variables, then scrubbed.
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # SQL statements are never logged: parameters would carry partner data.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # Readiness probes inspect the migration state; alembic would log each of them.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO; a provider lookup's URL carries her number.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True

    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def bind_request(request_id: str) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


__all__ = [
    "REDACTED",
    "SENSITIVE_KEYS",
    "Sensitive",
    "bind_request",
    "configure_logging",
    "get_logger",
    "redact_event",
    "redact_text",
]
