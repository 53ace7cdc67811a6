from __future__ import annotations

import io
import json
import logging

import pytest

from partner_contact.logs import REDACTED, Sensitive, configure_logging, get_logger, redact_text
from tests.fixtures.canaries import CODE_WORD, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries


@pytest.fixture(params=["json", "console"])
def log_output(request: pytest.FixtureRequest) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(request.param, "debug", stream=stream)
    return stream


def test_contact_details_never_reach_the_log(log_output: io.StringIO) -> None:
    log = get_logger("test")
    for phone in PHONE_FORMS:
        log.info(f"sending to {phone}", destination=phone, nested={"to": [phone]})
    for email in EMAILS:
        log.warning("mail bounced", address=email, detail=f"<{email}> unknown")
    log.info("reply stored", body=FREE_TEXT, code_word=CODE_WORD, note=Sensitive(FREE_TEXT))
    log.info("wrapped", value=Sensitive(CODE_WORD))
    try:
        raise ValueError(f"provider rejected {PHONE_FORMS[0]} and {EMAILS[0]}")
    except ValueError:
        log.exception("send failed")
    logging.getLogger("some.library").error("could not deliver to %s", PHONE_FORMS[2])

    output = log_output.getvalue()
    assert find_canaries(output) == []
    assert "send failed" in output
    assert "ValueError" in output  # the traceback is kept, only scrubbed
    assert "could not deliver to" in output
    assert REDACTED in output


def test_json_lines_carry_level_time_and_request_context() -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    from partner_contact.logs import bind_request

    bind_request("req-12345678")
    get_logger("test").info("hello", count=3)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "hello"
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "info"
    assert line["count"] == 3
    assert line["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    "text",
    ["request took 35 ms", "status 404", "uuid 123e4567-e89b-12d3-a456-426614174000", "v1.2.3"],
)
def test_short_numbers_stay_readable(text: str) -> None:
    assert redact_text(text) == text


def test_url_encoded_numbers_and_addresses_are_redacted_too() -> None:
    # A provider's request URL in an exception carries her number URL-encoded.
    url = "https://api.example.com/Messages.json?To=%2B447700900123&From=amira.canary%40example.org"
    redacted = redact_text(f"Client error for url '{url}'")
    assert find_canaries(redacted) == []
    assert "900123" not in redacted
