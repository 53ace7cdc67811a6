"""Twilio's X-Twilio-Signature, checked against the example Twilio publishes.

The vector is the worked example of Twilio's request-validation documentation
(https://www.twilio.com/docs/usage/security#validating-requests): auth token ``12345``,
URL ``https://mycompany.com/myapp.php?foo=1&bar=2`` and five POST parameters give
``0/KCTR6DLpKmkAf8muzZqo1nDgQ=``. It was not produced by this implementation, so it
catches a signature that is only consistent with itself (sorted or joined wrongly).
"""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from partner_contact.messaging.providers.twilio import compute_signature, signature_is_valid

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_published_example_gives_the_published_signature() -> None:
    assert compute_signature(TOKEN, URL, PARAMS.items()) == EXPECTED
    assert signature_is_valid(TOKEN, URL, PARAMS.items(), EXPECTED)


def test_the_parameters_order_does_not_matter() -> None:
    assert signature_is_valid(TOKEN, URL, reversed(list(PARAMS.items())), EXPECTED)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_any_changed_parameter_fails(name: str) -> None:
    changed = {**PARAMS, name: PARAMS[name] + "0"}
    assert not signature_is_valid(TOKEN, URL, changed.items(), EXPECTED)


@pytest.mark.parametrize(
    "params",
    [
        {**PARAMS, "Body": ""},  # an added parameter, even an empty one
        {k: v for k, v in PARAMS.items() if k != "Digits"},  # one left out
        {("digits" if k == "Digits" else k): v for k, v in PARAMS.items()},  # a renamed one
    ],
    ids=["added", "removed", "renamed"],
)
def test_added_removed_or_renamed_parameters_fail(params: dict[str, str]) -> None:
    assert not signature_is_valid(TOKEN, URL, params.items(), EXPECTED)


@pytest.mark.parametrize(
    "url",
    [
        "https://mycompany.com/myapp.php?foo=1&bar=3",
        "https://mycompany.com/myapp.php?bar=2&foo=1",
        "https://mycompany.com/myapp.php",
        "http://mycompany.com/myapp.php?foo=1&bar=2",
        "https://evil.example/myapp.php?foo=1&bar=2",
        "https://mycompany.com/other.php?foo=1&bar=2",
    ],
)
def test_any_changed_url_fails(url: str) -> None:
    assert not signature_is_valid(TOKEN, url, PARAMS.items(), EXPECTED)


@pytest.mark.parametrize("token", ["12346", "", "123456", " 12345"])
def test_another_token_fails(token: str) -> None:
    assert not signature_is_valid(token, URL, PARAMS.items(), EXPECTED)


@pytest.mark.parametrize(
    "signature",
    [None, "", EXPECTED[:-1], EXPECTED.lower(), "1" + EXPECTED[1:], EXPECTED + "=", "é" * 28],
)
def test_a_missing_or_altered_signature_fails(signature: str | None) -> None:
    assert not signature_is_valid(TOKEN, URL, PARAMS.items(), signature)


def test_the_default_https_port_may_be_written_or_not() -> None:
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert signature_is_valid(TOKEN, with_port, PARAMS.items(), EXPECTED)
    signed_with_port = compute_signature(TOKEN, with_port, PARAMS.items())
    assert signature_is_valid(TOKEN, URL, PARAMS.items(), signed_with_port)
    other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert not signature_is_valid(TOKEN, other_port, PARAMS.items(), EXPECTED)


def test_it_agrees_with_twilios_own_library() -> None:
    validator = RequestValidator(TOKEN)
    params = {
        "MessageSid": "SM" + "0" * 32,
        "Body": "Ja, gerne \u2013 ok? \u2713",
        "From": "+4915112345678",
    }
    url = "https://pc.example.org/webhooks/twilio/inbound"
    signature = validator.compute_signature(url, params)
    assert compute_signature(TOKEN, url, params.items()) == signature
    assert validator.validate(url, params, EXPECTED) is False
    assert validator.validate(URL, PARAMS, EXPECTED) is True
