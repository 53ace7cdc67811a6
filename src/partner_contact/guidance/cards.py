"""What a guidance card is, and the rules every card must pass, shipped or written by admins.

A card is read aloud to her during a call, so it must carry the warnings that make the
advice safe (clearing traces can itself be noticed, the bill still lists calls, removing
stalkerware can make him escalate, his knowing too much is the commonest sign) and it must
not send her anywhere that leaves a trace: no links. Cards are the organisation's own
wording, never her data, so a refusal may say which rule a text broke.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from partner_contact.errors import FieldError


class Topic(enum.StrEnum):
    sms_thread = "sms_thread"
    whatsapp_chat = "whatsapp_chat"
    email = "email"
    call_log = "call_log"
    browser_history = "browser_history"
    stalkerware_signs = "stalkerware_signs"


class Platform(enum.StrEnum):
    android = "android"
    ios = "ios"
    any = "any"  # the card holds on both systems


class WarningCode(enum.StrEnum):
    clearing_noticed = "clearing_noticed"
    bill_lists_calls = "bill_lists_calls"
    removal_escalates = "removal_escalates"
    knows_too_much = "knows_too_much"


FALLBACK_LOCALE: Final = "en"
LOCALE_PATTERN: Final = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$"
LOCALE_MAX_LENGTH: Final = 16
TITLE_MAX_LENGTH: Final = 120
STEP_MAX_LENGTH: Final = 300
WARNING_TEXT_MAX_LENGTH: Final = 400
MAX_STEPS: Final = 15
MAX_WARNINGS: Final = len(WarningCode)

# Every card that tells her to delete something: deleting is what can be noticed.
_DELETION_TOPICS: Final = frozenset(
    {
        Topic.sms_thread,
        Topic.whatsapp_chat,
        Topic.email,
        Topic.call_log,
        Topic.browser_history,
    }
)
REQUIRED_WARNINGS: Final[Mapping[Topic, frozenset[WarningCode]]] = MappingProxyType(
    {
        **{topic: frozenset({WarningCode.clearing_noticed}) for topic in _DELETION_TOPICS},
        Topic.call_log: frozenset({WarningCode.clearing_noticed, WarningCode.bill_lists_calls}),
        Topic.stalkerware_signs: frozenset(
            {WarningCode.removal_escalates, WarningCode.knows_too_much}
        ),
    }
)

_LOCALE = re.compile(LOCALE_PATTERN)
# A link, or the start of one: she must not be sent anywhere that leaves a trace.
_LINK = re.compile(r"https?:|www\.|://", re.IGNORECASE)
# Each text is one line read aloud: no control characters at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_REF = re.compile(r"^([a-z_]+)/([a-z]+)/([A-Za-z0-9-]{2,16})/v(0|[1-9][0-9]{0,8})$")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CardWarning:
    code: WarningCode
    text: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class CardContent:
    """A card's wording, as shipped or as an admin wrote it."""

    topic: Topic
    platform: Platform
    locale: str
    title: str
    steps: tuple[str, ...]
    warnings: tuple[CardWarning, ...]


@dataclasses.dataclass(frozen=True)
class CardKey:
    """The topic, platform and locale a card version belongs to."""

    topic: Topic
    platform: Platform
    locale: str


@dataclasses.dataclass(frozen=True)
class CardRef:
    """One version of one card, as a ``card_ref`` names it."""

    key: CardKey
    version: int


def card_ref(key: CardKey, version: int) -> str:
    """The stable name of one version: ``<topic>/<platform>/<locale>/v<version>``."""
    return f"{key.topic.value}/{key.platform.value}/{key.locale}/v{version}"


def parse_card_ref(raw: str) -> CardRef | None:
    """The version a ``card_ref`` names, or None when it is not one."""
    match = _REF.match(raw)
    if match is None:
        return None
    topic, platform, locale, version = match.groups()
    if topic not in Topic.__members__ or platform not in Platform.__members__:
        return None
    if not _LOCALE.match(locale):
        return None
    return CardRef(CardKey(Topic(topic), Platform(platform), locale), int(version))


def locale_candidates(locale: str) -> list[str]:
    """The locales tried for a request, in order: "de-AT" -> de-AT, de, en."""
    return list(dict.fromkeys([locale, locale.split("-")[0], FALLBACK_LOCALE]))


def _text_problems(field: str, text: str, max_length: int) -> list[FieldError]:
    if not text.strip():
        return [FieldError(field, "must not be blank")]
    problems = []
    if len(text) > max_length:
        problems.append(FieldError(field, f"at most {max_length} characters"))
    if _CONTROL.search(text):
        problems.append(FieldError(field, "one line without control characters"))
    if _LINK.search(text):
        problems.append(
            FieldError(field, "no links: cards are read aloud and must not send her anywhere")
        )
    return problems


def card_problems(card: CardContent) -> list[FieldError]:
    """Every rule the card breaks, each under the field it concerns; empty when valid."""
    problems: list[FieldError] = []
    if len(card.locale) > LOCALE_MAX_LENGTH or not _LOCALE.match(card.locale):
        problems.append(FieldError("locale", 'a language tag such as "en" or "de-AT"'))
    problems += _text_problems("title", card.title, TITLE_MAX_LENGTH)
    if not 1 <= len(card.steps) <= MAX_STEPS:
        problems.append(FieldError("steps", f"between 1 and {MAX_STEPS} steps"))
    for index, step in enumerate(card.steps[: MAX_STEPS + 1]):
        problems += _text_problems(f"steps[{index}]", step, STEP_MAX_LENGTH)
    codes = [warning.code for warning in card.warnings]
    if not card.warnings:
        problems.append(FieldError("warnings", "at least one warning"))
    if len(set(codes)) != len(codes):
        problems.append(FieldError("warnings", "each warning code at most once"))
    for index, warning in enumerate(card.warnings[:MAX_WARNINGS]):
        problems += _text_problems(f"warnings[{index}].text", warning.text, WARNING_TEXT_MAX_LENGTH)
    for missing in sorted(REQUIRED_WARNINGS[card.topic] - set(codes)):
        problems.append(
            FieldError("warnings", f"a {card.topic.value} card must carry {missing.value}")
        )
    return problems


__all__ = [
    "FALLBACK_LOCALE",
    "LOCALE_MAX_LENGTH",
    "LOCALE_PATTERN",
    "REQUIRED_WARNINGS",
    "CardContent",
    "CardKey",
    "CardRef",
    "CardWarning",
    "Platform",
    "Topic",
    "WarningCode",
    "card_problems",
    "card_ref",
    "locale_candidates",
    "parse_card_ref",
]
