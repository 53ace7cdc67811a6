"""Guidance cards as admins manage them and workers read them.

A card in use for a topic, platform and locale is the newest active version the
organisation saved, else the shipped card. A save is a new version, checked first and
refused with every problem; retiring a version brings back the previous active one, or
the shipped card. Cards are the organisation's wording, never her data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError
from partner_contact.guidance.cards import (
    CardContent,
    CardKey,
    CardWarning,
    Platform,
    Topic,
    WarningCode,
    card_problems,
    card_ref,
    locale_candidates,
)
from partner_contact.guidance.default_cards import SHIPPED_CARDS, SHIPPED_VERSION
from partner_contact.guidance.models import GuidanceCard
from partner_contact.guidance.schemas import (
    CardCreate,
    CardVersionRead,
    CardWarningRead,
    GuidanceCardRead,
)
from partner_contact.org.models import Organisation

_TOPIC_ORDER = {topic: index for index, topic in enumerate(Topic)}
_PLATFORM_ORDER = {platform: index for index, platform in enumerate(Platform)}


def _sort_key(key: CardKey) -> tuple[int, int, str]:
    return _TOPIC_ORDER[key.topic], _PLATFORM_ORDER[key.platform], key.locale


def key_of(card: GuidanceCard) -> CardKey:
    return CardKey(Topic(card.topic), Platform(card.platform), card.locale)


def _warnings_read(warnings: Iterable[CardWarning]) -> list[CardWarningRead]:
    return [CardWarningRead(code=warning.code, text=warning.text) for warning in warnings]


def _stored_warnings(card: GuidanceCard) -> list[CardWarning]:
    return [CardWarning(code=WarningCode(w["code"]), text=str(w["text"])) for w in card.warnings]


def _shipped_read(key: CardKey, content: CardContent) -> GuidanceCardRead:
    return GuidanceCardRead(
        card_ref=card_ref(key, SHIPPED_VERSION),
        card_id=None,
        source="shipped",
        topic=key.topic,
        platform=key.platform,
        locale=key.locale,
        version=SHIPPED_VERSION,
        title=content.title,
        steps=list(content.steps),
        warnings=_warnings_read(content.warnings),
    )


def _stored_read(card: GuidanceCard) -> GuidanceCardRead:
    key = key_of(card)
    return GuidanceCardRead(
        card_ref=card_ref(key, card.version),
        card_id=card.id,
        source="organisation",
        topic=key.topic,
        platform=key.platform,
        locale=key.locale,
        version=card.version,
        title=card.title,
        steps=list(card.steps),
        warnings=_warnings_read(_stored_warnings(card)),
    )


def version_read(card: GuidanceCard) -> CardVersionRead:
    key = key_of(card)
    return CardVersionRead(
        id=card.id,
        card_ref=card_ref(key, card.version),
        topic=key.topic,
        platform=key.platform,
        locale=key.locale,
        version=card.version,
        title=card.title,
        steps=list(card.steps),
        warnings=_warnings_read(_stored_warnings(card)),
        is_active=card.is_active,
        created_by=card.created_by,
        created_at=card.created_at,
    )


async def current_cards(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> Mapping[CardKey, GuidanceCardRead]:
    """The card in use for every topic, platform and locale that has one."""
    active = await session.scalars(
        select(GuidanceCard)
        .where(
            GuidanceCard.organisation_id == organisation_id,
            GuidanceCard.is_active.is_(True),
        )
        .order_by(GuidanceCard.version.desc())
    )
    newest: dict[CardKey, GuidanceCard] = {}
    for stored in active:
        newest.setdefault(key_of(stored), stored)
    current = {key: _shipped_read(key, content) for key, content in SHIPPED_CARDS.items()}
    current.update({key: _stored_read(card) for key, card in newest.items()})
    return {key: current[key] for key in sorted(current, key=_sort_key)}


async def cards_for_reading(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    locale: str,
    platform: Platform | None,
) -> list[GuidanceCardRead]:
    """One card per topic and platform, in her locale, else its base language, else English.

    Asking for one system includes the cards that hold on both ("any").
    """
    current = await current_cards(session, organisation_id=organisation_id)
    wanted = None if platform is None else {platform, Platform.any}
    pairs = dict.fromkeys(
        (key.topic, key.platform) for key in current if wanted is None or key.platform in wanted
    )
    chosen = []
    for topic, card_platform in pairs:
        for candidate in locale_candidates(locale):
            card = current.get(CardKey(topic, card_platform, candidate))
            if card is not None:
                chosen.append(card)
                break
    return chosen


async def history(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    topic: Topic | None,
    platform: Platform | None,
    locale: str | None,
) -> list[CardVersionRead]:
    """Every stored version, retired ones included, newest first within each card."""
    statement = select(GuidanceCard).where(GuidanceCard.organisation_id == organisation_id)
    if topic is not None:
        statement = statement.where(GuidanceCard.topic == topic.value)
    if platform is not None:
        statement = statement.where(GuidanceCard.platform == platform.value)
    if locale is not None:
        statement = statement.where(GuidanceCard.locale == locale)
    versions = list(await session.scalars(statement))
    versions.sort(key=lambda card: (_sort_key(key_of(card)), -card.version))
    return [version_read(card) for card in versions]


def _content(data: CardCreate) -> CardContent:
    return CardContent(
        topic=data.topic,
        platform=data.platform,
        locale=data.locale,
        title=data.title.strip(),
        steps=tuple(step.strip() for step in data.steps),
        warnings=tuple(
            CardWarning(code=warning.code, text=warning.text.strip()) for warning in data.warnings
        ),
    )


async def save_card(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    data: CardCreate,
    actor_id: uuid.UUID,
    now: datetime,
) -> GuidanceCard:
    """Store the next version of a card, or refuse it with every problem it has."""
    content = _content(data)
    problems = card_problems(content)
    if problems:
        raise DomainError(
            "card_refused",
            "The card breaks a rule for guidance cards; nothing was saved",
            status=422,
            errors=problems,
        )
    # Serialises concurrent saves on PostgreSQL; SQLite's writer lock already does, and
    # the unique version constraint turns any race that slips through into a 409.
    await session.execute(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )
    latest = await session.scalar(
        select(func.max(GuidanceCard.version)).where(
            GuidanceCard.organisation_id == organisation_id,
            GuidanceCard.topic == content.topic.value,
            GuidanceCard.platform == content.platform.value,
            GuidanceCard.locale == content.locale,
        )
    )
    card = GuidanceCard(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        topic=content.topic.value,
        platform=content.platform.value,
        locale=content.locale,
        version=(latest or SHIPPED_VERSION) + 1,
        title=content.title,
        steps=list(content.steps),
        warnings=[{"code": w.code.value, "text": w.text} for w in content.warnings],
        is_active=True,
        created_by=actor_id,
        created_at=now,
    )
    session.add(card)
    await session.flush()
    return card


async def retire_card(
    session: AsyncSession, *, organisation_id: uuid.UUID, card_id: uuid.UUID
) -> GuidanceCard:
    """Take a version out of use; the previous active version or the shipped card applies."""
    card = await session.scalar(
        select(GuidanceCard).where(
            GuidanceCard.id == card_id, GuidanceCard.organisation_id == organisation_id
        )
    )
    if card is None:
        raise DomainError("card_not_found", "No such guidance card", status=404)
    card.is_active = False
    await session.flush()
    return card


async def is_in_use(
    session: AsyncSession, *, organisation_id: uuid.UUID, key: CardKey, version: int
) -> bool:
    """Whether this version may be given now: shipped, or saved and not retired."""
    if version == SHIPPED_VERSION:
        return key in SHIPPED_CARDS
    found = await session.scalar(
        select(GuidanceCard.id).where(
            GuidanceCard.organisation_id == organisation_id,
            GuidanceCard.topic == key.topic.value,
            GuidanceCard.platform == key.platform.value,
            GuidanceCard.locale == key.locale,
            GuidanceCard.version == version,
            GuidanceCard.is_active.is_(True),
        )
    )
    return found is not None
