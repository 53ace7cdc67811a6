"""The organisation's message templates, as its admins manage them.

A change is a new version; old versions stay, and retiring one makes the previous
active version (or the shipped default) apply again. Every text is linted on save,
with the organisation's name and the configured extra blocked words, exactly as the
engine lints it again before every send; a text the linter objects to is refused with
each reason. Template texts are the organisation's wording, never her data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final, get_args

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import Organisation
from partner_contact.outreach.default_templates import (
    FALLBACK_LANGUAGE,
    SUPPORTED_LANGUAGES,
    TemplateKind,
    default_template,
)
from partner_contact.outreach.models import MessageTemplate
from partner_contact.outreach.template_schemas import (
    CurrentTemplateRead,
    SegmentsRead,
    TemplateCreate,
    TemplateProblemRead,
    TemplateVersionRead,
)
from partner_contact.outreach.wording import Channel, count_segments, lint_template

KINDS: Final[tuple[TemplateKind, ...]] = get_args(TemplateKind)
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)
# The linter's e-mail subject problems say so at the start of their detail.
_SUBJECT_PREFIX: Final = "Subject: "
_SUBJECT_CODES: Final = frozenset({"subject_required", "subject_forbidden"})


def segments_of(channel: str, body: str) -> SegmentsRead | None:
    """How an SMS of ``body`` is encoded and split; None for other channels."""
    if channel != "sms":
        return None
    count = count_segments(body)
    return SegmentsRead(encoding=count.encoding, units=count.units, segments=count.segments)


def template_problems(
    body: str,
    *,
    channel: Channel,
    subject: str | None,
    language: str,
    org_names: Sequence[str],
    may_name_org: bool,
    blocked_words: Sequence[str],
) -> list[TemplateProblemRead]:
    """Every reason the linter refuses this text, each with the field it concerns."""
    problems = [
        TemplateProblemRead(
            field=(
                "subject"
                if problem.code in _SUBJECT_CODES or problem.detail.startswith(_SUBJECT_PREFIX)
                else "body"
            ),
            code=problem.code,
            detail=problem.detail,
        )
        for problem in lint_template(
            body,
            channel=channel,
            subject=subject,
            org_names=org_names,
            may_name_org=may_name_org,
            blocked_words=blocked_words,
            language=language,
        )
    ]
    if subject is not None and any(char in subject for char in "\r\n"):
        problems.append(
            TemplateProblemRead(
                field="subject", code="line_break", detail="A subject is a single line."
            )
        )
    return problems


def version_read(template: MessageTemplate) -> TemplateVersionRead:
    return TemplateVersionRead(
        id=template.id,
        kind=template.kind,  # type: ignore[arg-type]  # stored from a TemplateKind
        channel=template.channel,  # type: ignore[arg-type]  # stored from a Channel
        language=template.language,
        version=template.version,
        subject=template.subject,
        body=template.body,
        names_org=template.names_org,
        is_active=template.is_active,
        created_by=template.created_by,
        created_at=template.created_at,
        segments=segments_of(template.channel, template.body),
    )


def _candidates(language: str) -> list[str]:
    """The languages tried for her tag, in order (as ``templates.current_wording`` does)."""
    return list(dict.fromkeys([language, language.split("-")[0].lower(), FALLBACK_LANGUAGE]))


async def _added_languages(session: AsyncSession, organisation_id: uuid.UUID) -> list[str]:
    stored = await session.scalars(
        select(MessageTemplate.language)
        .where(MessageTemplate.organisation_id == organisation_id)
        .distinct()
    )
    return sorted(set(stored) - set(SUPPORTED_LANGUAGES))


def _chosen(
    newest: dict[tuple[str, str, str], MessageTemplate],
    kind: TemplateKind,
    channel: Channel,
    language: str,
) -> MessageTemplate | None:
    for candidate in _candidates(language):
        template = newest.get((kind, channel, candidate))
        if template is not None:
            return template
    return None


async def list_current(
    session: AsyncSession,
    *,
    organisation: Organisation,
    blocked_words: Sequence[str],
    kind: TemplateKind | None = None,
    channel: Channel | None = None,
    language: str | None = None,
) -> list[CurrentTemplateRead]:
    """The text in use for each kind, channel and language, linted as before a send.

    A version naming the organisation is shown where it is the newest: it goes to
    partners who agreed to that, the others get the newest version that does not.
    """
    active = await session.scalars(
        select(MessageTemplate)
        .where(
            MessageTemplate.organisation_id == organisation.id,
            MessageTemplate.is_active.is_(True),
        )
        .order_by(MessageTemplate.version.desc())
    )
    newest: dict[tuple[str, str, str], MessageTemplate] = {}
    for stored in active:
        newest.setdefault((stored.kind, stored.channel, stored.language), stored)
    if language is not None:
        languages: Iterable[str] = [language]
    else:
        languages = [
            *SUPPORTED_LANGUAGES,
            *await _added_languages(session, organisation.id),
        ]
    rows: list[CurrentTemplateRead] = []
    for row_kind in KINDS if kind is None else (kind,):
        for row_channel in CHANNELS if channel is None else (channel,):
            for row_language in languages:
                template = _chosen(newest, row_kind, row_channel, row_language)
                if template is None:
                    shipped = default_template(row_kind, row_channel, row_language)
                    template_id, version, names_org = None, 0, False
                    source, subject, body = shipped.language, shipped.subject, shipped.body
                else:
                    template_id, version = template.id, template.version
                    names_org, source = template.names_org, template.language
                    subject, body = template.subject, template.body
                rows.append(
                    CurrentTemplateRead(
                        kind=row_kind,
                        channel=row_channel,
                        language=row_language,
                        template_id=template_id,
                        source_language=source,
                        version=version,
                        is_default=template_id is None,
                        subject=subject,
                        body=body,
                        names_org=names_org,
                        segments=segments_of(row_channel, body),
                        problems=template_problems(
                            body,
                            channel=row_channel,
                            subject=subject,
                            language=row_language,
                            org_names=[organisation.name],
                            may_name_org=names_org,
                            blocked_words=blocked_words,
                        ),
                    )
                )
    return rows


async def history(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    kind: TemplateKind,
    channel: Channel,
    language: str,
) -> list[MessageTemplate]:
    """Every stored version of one text, newest first, retired ones included."""
    versions = await session.scalars(
        select(MessageTemplate)
        .where(
            MessageTemplate.organisation_id == organisation_id,
            MessageTemplate.kind == kind,
            MessageTemplate.channel == channel,
            MessageTemplate.language == language,
        )
        .order_by(MessageTemplate.version.desc())
    )
    return list(versions)


async def save_template(
    session: AsyncSession,
    *,
    organisation: Organisation,
    data: TemplateCreate,
    blocked_words: Sequence[str],
    actor_id: uuid.UUID,
    now: datetime,
) -> MessageTemplate:
    """Store the next version of a text, or refuse it with every reason the linter has."""
    problems = template_problems(
        data.body,
        channel=data.channel,
        subject=data.subject,
        language=data.language,
        org_names=[organisation.name],
        may_name_org=data.names_org,
        blocked_words=blocked_words,
    )
    if problems:
        codes = ", ".join(dict.fromkeys(problem.code for problem in problems))
        raise DomainError(
            "template_refused",
            "The template could reveal something or arrive badly; nothing was saved",
            status=422,
            detail=f"Refused for: {codes}.",
            errors=[FieldError(p.field, f"{p.code}: {p.detail}") for p in problems],
        )
    # Serialises concurrent saves on PostgreSQL; SQLite's writer lock already does, and
    # the unique version constraint turns any race that slips through into a 409.
    await session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    latest = await session.scalar(
        select(func.max(MessageTemplate.version)).where(
            MessageTemplate.organisation_id == organisation.id,
            MessageTemplate.kind == data.kind,
            MessageTemplate.channel == data.channel,
            MessageTemplate.language == data.language,
        )
    )
    template = MessageTemplate(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        kind=data.kind,
        channel=data.channel,
        language=data.language,
        version=(latest or 0) + 1,
        subject=data.subject,
        body=data.body,
        names_org=data.names_org,
        is_active=True,
        created_by=actor_id,
        created_at=now,
    )
    session.add(template)
    await session.flush()
    return template


async def retire_template(
    session: AsyncSession, *, organisation_id: uuid.UUID, template_id: uuid.UUID
) -> MessageTemplate:
    """Take a version out of use; the previous active version or the default applies."""
    template = await session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.id == template_id,
            MessageTemplate.organisation_id == organisation_id,
        )
    )
    if template is None:
        raise DomainError("template_not_found", "No such template", status=404)
    template.is_active = False
    await session.flush()
    return template


__all__ = [
    "CHANNELS",
    "KINDS",
    "history",
    "list_current",
    "retire_template",
    "save_template",
    "segments_of",
    "template_problems",
    "version_read",
]
