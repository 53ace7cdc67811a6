"""Webhook URL rules and signatures, checked against the independent receiver's recipe."""

from __future__ import annotations

import pytest

from partner_contact.casesystems.registry import webhook_url_errors
from partner_contact.casesystems.signing import SECRET_PREFIX, new_secret, signature
from tests.fixtures.case_system_receiver import verify

BODY = b'{"event_id":"e1","type":"referral.sent","created_at":"2026-03-02T09:00:00Z","data":{}}'
NOW = 1_772_442_000


@pytest.mark.parametrize(
    "url",
    [
        "https://cases.example.org/hooks/partner-contact",
        "https://cases.example.org:8443/h?tenant=7",
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_https_and_loopback_http_urls_are_accepted(url: str) -> None:
    assert webhook_url_errors(url) == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://cases.example.org/hook", id="http-elsewhere"),
        pytest.param("http://127.0.0.2/hook", id="http-other-loopback-address"),
        pytest.param("http://localhost.example.org/hook", id="http-lookalike"),
        pytest.param("ftp://cases.example.org/hook", id="other-scheme"),
        pytest.param("https://user:pw@cases.example.org/hook", id="userinfo"),
        pytest.param("https://user@cases.example.org/hook", id="user-only"),
        pytest.param("https://cases.example.org/hook#part", id="fragment"),
        pytest.param("https://cases.example.org/hook#", id="empty-fragment"),
        pytest.param("https:///hook", id="no-host"),
        pytest.param("https://cases.example.org:99999/", id="bad-port"),
        pytest.param("https://cases.example.org/a b", id="space"),
        pytest.param("https://cases.example.org/\x00", id="control"),
        pytest.param("cases.example.org/hook", id="relative"),
        pytest.param("https://[::1/hook", id="broken-ipv6"),
        pytest.param("https://xn--.example/hook", id="malformed-idna-label"),
    ],
)
def test_other_urls_are_refused_without_echoing_them(url: str) -> None:
    errors = webhook_url_errors(url)
    assert [error.field for error in errors] == ["webhook_url"]
    assert "example" not in errors[0].message


def test_secrets_are_random_and_recognisable() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith(SECRET_PREFIX)
    assert len(first) == len(SECRET_PREFIX) + 43  # 32 bytes, base64url without padding


def _headers(secret: str, *, timestamp: int = NOW, body: bytes = BODY) -> dict[str, str]:
    return {
        "x-partner-contact-event-id": "e1",
        "x-partner-contact-timestamp": str(timestamp),
        "x-partner-contact-signature": signature(secret, timestamp=timestamp, body=body),
    }


def test_a_signature_verifies_with_the_documented_recipe() -> None:
    secret = new_secret()
    assert verify(secret, _headers(secret), BODY, now=NOW + 299) is not None


def test_a_forged_altered_or_stale_request_fails_the_recipe() -> None:
    secret = new_secret()
    assert verify(new_secret(), _headers(secret), BODY, now=NOW) is None
    altered = BODY.replace(b"referral.sent", b"referral.gone")
    assert verify(secret, _headers(secret), altered, now=NOW) is None
    moved = _headers(secret) | {"x-partner-contact-timestamp": str(NOW + 1)}
    assert verify(secret, moved, BODY, now=NOW) is None
    assert verify(secret, _headers(secret), BODY, now=NOW + 301) is None
    assert verify(secret, _headers(secret), BODY, now=NOW - 301) is None
    other_event = _headers(secret) | {"x-partner-contact-event-id": "e2"}
    assert verify(secret, other_event, BODY, now=NOW) is None
