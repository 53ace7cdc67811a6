"""Meta's webhook signature: the HMAC-SHA256 of the exact raw body under the app secret."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from partner_contact.messaging.inbound import InboundText, StatusReport
from partner_contact.messaging.providers.whatsapp import classify_error
from partner_contact.messaging.webhooks.whatsapp import (
    _Delivery,
    events_of,
    signature_for,
    signature_is_valid,
)

SECRET = "app-secret-for-tests"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_signature_is_the_hex_hmac_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert signature_for(SECRET, BODY) == f"sha256={expected}"
    assert signature_is_valid(SECRET, BODY, f"sha256={expected}")
    assert signature_is_valid(SECRET, BODY, f"sha256={expected.upper()}")


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        pytest.param(SECRET, BODY + b" ", signature_for(SECRET, BODY), id="altered-body"),
        pytest.param(SECRET, BODY, signature_for("another-secret", BODY), id="other-secret"),
        pytest.param(SECRET, BODY, None, id="missing"),
        pytest.param(SECRET, BODY, "", id="empty"),
        pytest.param(SECRET, BODY, signature_for(SECRET, BODY)[7:], id="no-prefix"),
        pytest.param(
            SECRET,
            BODY,
            "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(),
            id="sha1",
        ),
        pytest.param(SECRET, BODY, "sha256=zz\u00e9", id="not-hex"),
        pytest.param("", BODY, signature_for("", BODY), id="no-secret-configured"),
    ],
)
def test_anything_but_the_right_signature_fails(
    secret: str, body: bytes, header: str | None
) -> None:
    assert not signature_is_valid(secret, body, header)


def _delivery(value: dict[str, object]) -> _Delivery:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return msgspec.json.decode(msgspec.json.encode(payload), type=_Delivery)


def _at(delta: timedelta = timedelta()) -> str:
    return str(int((NOW + delta).timestamp()))


METADATA = {"display_phone_number": "15550783881", "phone_number_id": "42"}


def test_messages_and_statuses_become_events_with_meta_ids() -> None:
    delivery = _delivery(
        {
            "messaging_product": "whatsapp",
            "metadata": METADATA,
            "contacts": [{"profile": {"name": "Her Name"}, "wa_id": "447700900123"}],
            "messages": [
                {
                    "from": "447700900123",
                    "id": "wamid.A",
                    "timestamp": _at(-timedelta(minutes=1)),
                    "type": "text",
                    "text": {"body": "1"},
                },
                {
                    "from": "447700900123",
                    "id": "wamid.B",
                    "timestamp": _at(),
                    "type": "image",
                    "image": {"id": "media-1", "mime_type": "image/jpeg"},
                },
            ],
            "statuses": [
                {"id": "wamid.C", "status": "read", "timestamp": _at(), "recipient_id": "1"},
                {
                    "id": "wamid.D",
                    "status": "failed",
                    "timestamp": _at(),
                    "errors": [{"code": 131026, "title": "Message undeliverable"}],
                },
                {"id": "wamid.E", "status": "deleted", "timestamp": _at()},
            ],
        }
    )
    events, ignored = events_of(delivery, phone_number_id="42", now=NOW)
    assert ignored == 1  # "deleted" moves nothing
    ids = [event_id for event_id, _ in events]
    assert ids == ["wamid.A", "wamid.B", "wamid.C:read", "wamid.D:failed"]
    text, image, read, failed = (event for _, event in events)
    assert isinstance(text, InboundText)
    assert isinstance(image, InboundText)
    assert (text.sender, text.body, text.channel) == ("+447700900123", "1", "whatsapp")
    assert text.received_at == NOW - timedelta(minutes=1)
    assert image.body == "[image]"  # never downloaded
    assert isinstance(read, StatusReport)
    assert read.status == "delivered"
    assert isinstance(failed, StatusReport)
    assert (failed.status, failed.error_code, failed.is_permanent) == ("failed", "131026", True)


def test_stale_foreign_and_malformed_events_are_ignored() -> None:
    old = _at(-timedelta(days=7, minutes=1))
    delivery = _delivery(
        {
            "metadata": METADATA,
            "messages": [
                {"from": "447700900123", "id": "wamid.old", "timestamp": old, "type": "text"},
                {"from": "not-a-number", "id": "wamid.x", "timestamp": _at(), "type": "text"},
                {"from": "447700900123", "id": "", "timestamp": _at(), "type": "text"},
            ],
            "statuses": [{"id": "wamid.s", "status": "delivered", "timestamp": old}],
        }
    )
    assert events_of(delivery, phone_number_id="42", now=NOW) == ([], 4)
    # A delivery for another business number of the same app is not ours.
    assert events_of(delivery, phone_number_id="43", now=NOW) == ([], 4)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("131026", (True, False)),  # undeliverable: not on WhatsApp
        ("131047", (False, False)),  # outside the 24-hour window: the template can still go
        ("131049", (False, False)),  # held back by Meta's engagement limits
        ("131050", (True, True)),  # she stopped our messages: an opt-out
        ("130429", (False, False)),  # rate limit
        (None, (False, False)),
    ],
)
def test_error_codes(code: str | None, expected: tuple[bool, bool]) -> None:
    assert classify_error(code) == expected
