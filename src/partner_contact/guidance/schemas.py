"""Wire structs of guidance cards and of the cards given to her.

Card texts are the organisation's wording, never her data, so they go out in full.
What she was given goes out as card versions only, never as the text.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

from partner_contact.guidance.cards import Platform, Topic, WarningCode
from partner_contact.payload import Payload

CardSource = Literal["shipped", "organisation"]


class CardWarningBody(Payload):
    code: WarningCode
    text: str


class CardCreate(Payload):
    """A new version of one card; checked before it is stored (422 with each problem)."""

    topic: Topic
    platform: Platform
    # A language tag: "en", "de", "de-AT".
    locale: str
    title: str
    # Read in this order; 1-15 short steps, one line each, no links.
    steps: list[str]
    # At least one; some topics require particular codes (see docs/guidance.md).
    warnings: list[CardWarningBody]


class CardWarningRead(msgspec.Struct, frozen=True, kw_only=True):
    code: WarningCode
    text: str


class GuidanceCardRead(msgspec.Struct, frozen=True, kw_only=True):
    """The card in use for one topic, platform and locale."""

    # "<topic>/<platform>/<locale>/v<version>"; shipped cards are version 0.
    card_ref: str
    card_id: uuid.UUID | None  # None for a shipped card
    source: CardSource
    topic: Topic
    platform: Platform
    locale: str
    version: int
    title: str
    steps: list[str]
    warnings: list[CardWarningRead]


class CardVersionRead(msgspec.Struct, frozen=True, kw_only=True):
    """One stored version of a card, retired or not."""

    id: uuid.UUID
    card_ref: str
    topic: Topic
    platform: Platform
    locale: str
    version: int
    title: str
    steps: list[str]
    warnings: list[CardWarningRead]
    is_active: bool
    created_by: uuid.UUID
    created_at: datetime


class GuidanceGivenCreate(Payload):
    """The cards her worker read to her: 1-20 ``card_ref`` values of cards in use."""

    card_refs: list[str]
    # The outreach during which they were given, when there was one.
    outreach_id: uuid.UUID | None = None


class GuidanceGivenRead(msgspec.Struct, frozen=True, kw_only=True):
    """One card version she was given; the version, never the text."""

    id: uuid.UUID
    partner_id: uuid.UUID
    outreach_id: uuid.UUID | None
    card_ref: str
    topic: Topic
    platform: Platform
    locale: str
    version: int
    given_by: uuid.UUID
    given_at: datetime
