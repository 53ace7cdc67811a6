"""The error model: every error is ``application/problem+json`` (RFC 9457).

A problem carries a stable ``code`` (also in ``type`` as a URN), a human ``title`` and,
for validation failures, field-level ``errors``. Messages are built from field paths
and rule names only: input values are never echoed, since they may be partner data.
A 500 carries nothing but the request id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import IntegrityError

from partner_contact.logs import get_logger
from partner_contact.requestctx import request_id_of

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
_TYPE_PREFIX: Final = "urn:partner-contact:problem:"
log = get_logger(__name__)


class FieldError(msgspec.Struct, frozen=True):
    """One invalid field: a JSON path into the request and what is wrong with it."""

    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True, frozen=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    code: str
    request_id: str
    detail: str | None = None
    errors: list[FieldError] | None = None


class DomainError(Exception):
    """A rule of the service refused the request; raised by services, rendered here."""

    def __init__(
        self,
        code: str,
        title: str,
        *,
        status: int = 409,
        detail: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(code)
        self.code = code
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = list(errors)


_CODES: Final[Mapping[int, str]] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    503: "unavailable",
}

_AT_PATH = re.compile(r"\s*-\s*at `\$[^`]*`")
_QUOTED = re.compile(r"\s*'[^']*'")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def _clean_message(message: str) -> str:
    """Drop the location and any quoted value from a msgspec/Litestar message."""
    return _QUOTED.sub("", _AT_PATH.sub("", message)).strip()


def _field_of(message: str, key: str | None) -> str:
    """A dotted path to the field; ``body`` for the request body as a whole."""
    base = "" if key in (None, "", "data") else str(key)
    named = _NAMED_FIELD.search(message)
    if named:
        return f"{base}.{named.group(1)}" if base else named.group(1)
    return base or "body"


def field_errors_from_validation(extra: Any) -> list[FieldError]:
    """Turn Litestar's ``ValidationException.extra`` into field errors."""
    items: Iterable[Any] = extra if isinstance(extra, list) else [extra] if extra else []
    return [
        FieldError(
            _field_of(str(item.get("message", "")), item.get("key")),
            _clean_message(str(item.get("message", "invalid value"))),
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
) -> Response[Problem]:
    problem = Problem(
        type=_TYPE_PREFIX + code,
        title=title,
        status=status,
        code=code,
        request_id=request_id_of(request.scope),
        detail=detail,
        errors=errors or None,
    )
    return Response(problem, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
    )


def _handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = field_errors_from_validation(exc.extra)
    return problem_response(
        request,
        status=400,
        code="validation_failed",
        title="The request is not valid",
        errors=errors,
    )


def _handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status >= 500:
        return _handle_unexpected(request, exc)
    if isinstance(exc.__cause__, SerializationException):
        return problem_response(
            request, status=400, code="malformed_body", title="The request body is not valid JSON"
        )
    response = problem_response(
        request,
        status=status,
        code=_CODES.get(status, "client_error"),
        title=HTTPStatus(status).phrase,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.error("request.failed", exc_info=exc)
    return problem_response(
        request, status=500, code="internal_error", title="Internal Server Error"
    )


def _is_unique_violation(exc: IntegrityError) -> bool:
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(original)


def _handle_integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Problem]:
    """Two requests racing for the same unique value: the loser may simply retry.

    Any other integrity error is a bug and stays a 500.
    """
    if not _is_unique_violation(exc):
        return _handle_unexpected(request, exc)
    log.warning("request.conflict", exc_info=exc)
    return problem_response(
        request,
        status=409,
        code="conflict",
        title="The change conflicts with another one made at the same time; try again",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _handle_domain_error,
    IntegrityError: _handle_integrity,
    ValidationException: _handle_validation,
    HTTPException: _handle_http,
    Exception: _handle_unexpected,
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem responses a route can give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in statuses
    }
