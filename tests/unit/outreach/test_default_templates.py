"""The shipped neutral texts: all pass the linter, and every SMS is one GSM-7 segment."""

from __future__ import annotations

import itertools
import re
from typing import get_args

import pytest

from partner_contact.outreach.default_templates import (
    DEFAULT_TEMPLATES,
    SUPPORTED_LANGUAGES,
    DefaultTemplate,
    TemplateKind,
    default_template,
)
from partner_contact.outreach.replies import ReplyKind, classify_reply
from partner_contact.outreach.wording import Channel, count_segments, lint_template

KINDS: tuple[TemplateKind, ...] = get_args(TemplateKind)
CHANNELS: tuple[Channel, ...] = get_args(Channel)


def _id(template: DefaultTemplate) -> str:
    return f"{template.kind}-{template.channel}-{template.language}"


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=_id)
def test_default_passes_the_linter(template: DefaultTemplate) -> None:
    problems = lint_template(
        template.body,
        channel=template.channel,
        subject=template.subject,
        language=template.language,
    )
    assert problems == []


@pytest.mark.parametrize("template", [t for t in DEFAULT_TEMPLATES if t.channel == "sms"], ids=_id)
def test_sms_default_is_one_gsm7_segment(template: DefaultTemplate) -> None:
    count = count_segments(template.body)
    assert count.encoding == "gsm7"
    assert count.segments == 1


def test_every_kind_channel_and_language_is_shipped() -> None:
    keys = [(t.kind, t.channel, t.language) for t in DEFAULT_TEMPLATES]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(itertools.product(KINDS, CHANNELS, SUPPORTED_LANGUAGES))


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=_id)
def test_only_email_has_a_subject(template: DefaultTemplate) -> None:
    assert (template.subject is not None) == (template.channel == "email")


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=_id)
def test_texts_are_plain(template: DefaultTemplate) -> None:
    for text in (template.body, template.subject or ""):
        assert "\u2019" not in text  # a curly apostrophe would force UCS-2
        assert text == text.strip()
        assert "  " not in text


@pytest.mark.parametrize(
    "template",
    [t for t in DEFAULT_TEMPLATES if t.kind in ("first_contact", "follow_up")],
    ids=_id,
)
def test_questions_offer_the_digit_answers(template: DefaultTemplate) -> None:
    assert re.search(r"\b1\b", template.body)
    assert re.search(r"\b2\b", template.body)
    assert classify_reply("1", template.language) == ReplyKind.yes
    assert classify_reply("2", template.language) == ReplyKind.not_now


@pytest.mark.parametrize(
    "template", [t for t in DEFAULT_TEMPLATES if t.kind == "fallback_offer"], ids=_id
)
def test_fallback_offer_asks_for_no_digit(template: DefaultTemplate) -> None:
    assert not any(char.isdigit() for char in template.body)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "en"),
        ("de", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("FR", "fr"),
        ("fr-BE", "fr"),
        ("it", "it"),
        ("es-MX", "es"),
        ("pt", "en"),
        ("", "en"),
        ("tlh", "en"),
    ],
)
def test_language_falls_back(language: str, expected: str) -> None:
    template = default_template("first_contact", "sms", language)
    assert template.language == expected
    assert template.kind == "first_contact"
    assert template.channel == "sms"


def test_languages_have_their_own_wording() -> None:
    bodies = {default_template("first_contact", "sms", lang).body for lang in SUPPORTED_LANGUAGES}
    assert len(bodies) == len(SUPPORTED_LANGUAGES)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no default template"):
        default_template("farewell", "sms", "en")  # type: ignore[arg-type]
