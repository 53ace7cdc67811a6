"""The rules every guidance card obeys, and the shipped cards held to them."""

from __future__ import annotations

import dataclasses

import pytest

from partner_contact.guidance.cards import (
    REQUIRED_WARNINGS,
    CardContent,
    CardKey,
    CardWarning,
    Platform,
    Topic,
    WarningCode,
    card_problems,
    card_ref,
    locale_candidates,
    parse_card_ref,
)
from partner_contact.guidance.default_cards import SHIPPED_CARDS

ALL_WARNINGS = tuple(CardWarning(code=code, text="Be careful.") for code in WarningCode)


def card(**overrides: object) -> CardContent:
    base = CardContent(
        topic=Topic.sms_thread,
        platform=Platform.android,
        locale="en",
        title="Deleting a conversation",
        steps=("Open the app.", "Delete the conversation."),
        warnings=ALL_WARNINGS,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def fields(content: CardContent) -> list[str]:
    return [problem.field for problem in card_problems(content)]


@pytest.mark.parametrize(
    "content", list(SHIPPED_CARDS.values()), ids=lambda c: f"{c.topic}-{c.platform}-{c.locale}"
)
def test_every_shipped_card_passes_the_rules(content: CardContent) -> None:
    assert card_problems(content) == []


@pytest.mark.parametrize("locale", ["en", "de"])
def test_shipped_cards_cover_every_topic_on_both_systems(locale: str) -> None:
    for topic in Topic:
        for platform in (Platform.android, Platform.ios):
            assert (
                CardKey(topic, platform, locale) in SHIPPED_CARDS
                or CardKey(topic, Platform.any, locale) in SHIPPED_CARDS
            ), (topic, platform)


def test_cards_ship_in_english_and_german_only() -> None:
    assert {key.locale for key in SHIPPED_CARDS} == {"en", "de"}
    assert all(card.locale == key.locale for key, card in SHIPPED_CARDS.items())


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        (Topic.sms_thread, {WarningCode.clearing_noticed}),
        (Topic.whatsapp_chat, {WarningCode.clearing_noticed}),
        (Topic.email, {WarningCode.clearing_noticed}),
        (Topic.browser_history, {WarningCode.clearing_noticed}),
        (Topic.call_log, {WarningCode.clearing_noticed, WarningCode.bill_lists_calls}),
        (
            Topic.stalkerware_signs,
            {WarningCode.removal_escalates, WarningCode.knows_too_much},
        ),
    ],
)
def test_shipped_cards_carry_the_warnings_their_topic_needs(
    topic: Topic, expected: set[WarningCode]
) -> None:
    assert REQUIRED_WARNINGS[topic] == expected
    shipped = [content for key, content in SHIPPED_CARDS.items() if key.topic == topic]
    assert shipped
    for content in shipped:
        assert expected <= {warning.code for warning in content.warnings}


@pytest.mark.parametrize(
    ("topic", "missing"),
    [
        *(
            (topic, WarningCode.clearing_noticed)
            for topic in Topic
            if topic != Topic.stalkerware_signs
        ),
        (Topic.call_log, WarningCode.bill_lists_calls),
        (Topic.stalkerware_signs, WarningCode.removal_escalates),
        (Topic.stalkerware_signs, WarningCode.knows_too_much),
    ],
)
def test_a_card_without_a_required_warning_is_refused(topic: Topic, missing: WarningCode) -> None:
    warnings = tuple(warning for warning in ALL_WARNINGS if warning.code != missing)
    problems = card_problems(card(topic=topic, warnings=warnings))
    assert [(p.field, missing.value in p.message) for p in problems] == [("warnings", True)]


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.org for more",
        "See http://example.org",
        "Go to www.example.org",
        "Open HTTPS://EXAMPLE.ORG",
        "ftp://example.org",
    ],
)
def test_links_are_refused_in_every_text(text: str) -> None:
    assert fields(card(title=text)) == ["title"]
    assert fields(card(steps=("Open the app.", text))) == ["steps[1]"]
    warnings = (CardWarning(code=WarningCode.clearing_noticed, text=text),)
    assert fields(card(warnings=warnings)) == ["warnings[0].text"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"title": "x" * 120}, [], id="title-longest"),
        pytest.param({"title": "x" * 121}, ["title"], id="title-too-long"),
        pytest.param({"title": "   "}, ["title"], id="title-blank"),
        pytest.param({"title": "Two\nlines"}, ["title"], id="title-line-break"),
        pytest.param({"steps": ()}, ["steps"], id="no-steps"),
        pytest.param({"steps": ("Step.",) * 15}, [], id="most-steps"),
        pytest.param({"steps": ("Step.",) * 16}, ["steps"], id="too-many-steps"),
        pytest.param({"steps": ("x" * 300,)}, [], id="step-longest"),
        pytest.param({"steps": ("x" * 301,)}, ["steps[0]"], id="step-too-long"),
        pytest.param({"steps": ("Fine.", "")}, ["steps[1]"], id="step-blank"),
        pytest.param({"steps": ("Tab\there",)}, ["steps[0]"], id="step-control-char"),
        pytest.param({"warnings": ()}, ["warnings", "warnings"], id="no-warnings"),
        pytest.param(
            {"warnings": (*ALL_WARNINGS, ALL_WARNINGS[0])}, ["warnings"], id="warning-twice"
        ),
        pytest.param(
            {"warnings": (CardWarning(code=WarningCode.clearing_noticed, text="x" * 401),)},
            ["warnings[0].text"],
            id="warning-too-long",
        ),
        pytest.param({"locale": "English"}, ["locale"], id="locale-not-a-tag"),
        pytest.param({"locale": "de-AT"}, [], id="locale-with-region"),
    ],
)
def test_bounds(overrides: dict[str, object], expected: list[str]) -> None:
    assert fields(card(**overrides)) == expected


def test_card_refs_name_one_version_and_nothing_else() -> None:
    key = CardKey(Topic.call_log, Platform.ios, "de-AT")
    ref = card_ref(key, 3)
    assert ref == "call_log/ios/de-AT/v3"
    parsed = parse_card_ref(ref)
    assert parsed is not None
    assert (parsed.key, parsed.version) == (key, 3)
    for wrong in (
        "call_log/ios/de/3",
        "call_log/ios/de/v03",
        "call_log/windows/de/v1",
        "phone_book/ios/de/v1",
        "call_log/ios/German/v1",
        "call_log/ios/de/v1/extra",
        "",
    ):
        assert parse_card_ref(wrong) is None, wrong


def test_locales_fall_back_to_the_base_language_then_english() -> None:
    assert locale_candidates("de-AT") == ["de-AT", "de", "en"]
    assert locale_candidates("fr") == ["fr", "en"]
    assert locale_candidates("en") == ["en"]
