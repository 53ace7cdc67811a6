"""Which text a message uses: the organisation's newest active version, else the default.

Her language picks the text: an exact match ("de-AT"), then its base ("de"), then
English. Organisations manage their own versions through the admin API (template_admin).
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.outreach.default_templates import TemplateKind, default_template
from partner_contact.outreach.models import MessageTemplate
from partner_contact.outreach.wording import Channel


@dataclasses.dataclass(frozen=True, kw_only=True)
class Wording:
    template_id: uuid.UUID | None  # None: a shipped default
    version: int  # 0 for a shipped default
    subject: str | None
    body: str


def _languages(language: str) -> list[str]:
    base = language.split("-")[0].lower()
    return list(dict.fromkeys([language, base, "en"]))


async def current_wording(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    kind: TemplateKind,
    channel: Channel,
    language: str,
    may_name_org: bool,
) -> Wording:
    """The text to send her; a version naming the organisation only if she agreed."""
    for candidate in _languages(language):
        statement = (
            select(MessageTemplate)
            .where(
                MessageTemplate.organisation_id == organisation_id,
                MessageTemplate.kind == kind,
                MessageTemplate.channel == channel,
                MessageTemplate.language == candidate,
                MessageTemplate.is_active.is_(True),
            )
            .order_by(MessageTemplate.version.desc())
            .limit(1)
        )
        if not may_name_org:
            statement = statement.where(MessageTemplate.names_org.is_(False))
        template = await session.scalar(statement)
        if template is not None:
            return Wording(
                template_id=template.id,
                version=template.version,
                subject=template.subject,
                body=template.body,
            )
    shipped = default_template(kind, channel, language)
    return Wording(template_id=None, version=0, subject=shipped.subject, body=shipped.body)
