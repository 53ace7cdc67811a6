"""Message templates: ``/api/v1/templates``.

Admins manage the organisation's wording per kind, channel and language: each save is
a new version, linted first and refused with every reason the linter has. Templates
are the organisation's own texts, never partner content, so admins read them in full.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.org.service import current_organisation
from partner_contact.outreach import template_admin
from partner_contact.outreach.default_templates import TemplateKind
from partner_contact.outreach.template_schemas import (
    LANGUAGE_MAX_LENGTH,
    LANGUAGE_PATTERN,
    CurrentTemplateRead,
    TemplateCreate,
    TemplateVersionRead,
)
from partner_contact.outreach.wording import Channel

_ADMIN = policy(Role.admin)
_LANGUAGE_DESCRIPTION = 'A language tag as on her record: "en", "de-AT".'


class TemplateController(Controller):
    path = "/api/v1/templates"
    tags = ["templates"]

    @get(
        "/",
        operation_id="listTemplates",
        summary="The text in use for every kind, channel and language, linted as before a send",
        description=(
            "One row per kind, channel and language: the supported languages plus any "
            "the organisation added. A row shows the newest active version for that "
            "language (or its base language, then English), else the shipped default "
            "(version 0). A version naming the organisation goes only to partners who "
            "agreed to that; the others get the newest one that does not. `problems` "
            "lists what the linter would refuse now (for example after a blocked word "
            "was added); such a text is not sent."
        ),
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403),
    )
    async def list_templates(
        self,
        db_session: DbSession,
        state: State,
        kind: Annotated[TemplateKind | None, QueryParameter()] = None,
        channel: Annotated[Channel | None, QueryParameter()] = None,
        language: Annotated[
            str | None,
            QueryParameter(
                pattern=LANGUAGE_PATTERN,
                max_length=LANGUAGE_MAX_LENGTH,
                description=_LANGUAGE_DESCRIPTION,
            ),
        ] = None,
    ) -> list[CurrentTemplateRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        return await template_admin.list_current(
            db_session,
            organisation=organisation,
            blocked_words=state.settings.outreach.extra_blocked_words,
            kind=kind,
            channel=channel,
            language=language,
        )

    @get(
        "/history",
        operation_id="listTemplateVersions",
        summary="Every stored version of one text, newest first, retired ones included",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403),
    )
    async def list_versions(
        self,
        db_session: DbSession,
        state: State,
        kind: Annotated[TemplateKind, QueryParameter()],
        channel: Annotated[Channel, QueryParameter()],
        language: Annotated[
            str,
            QueryParameter(
                pattern=LANGUAGE_PATTERN,
                max_length=LANGUAGE_MAX_LENGTH,
                description=_LANGUAGE_DESCRIPTION,
            ),
        ],
    ) -> list[TemplateVersionRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        versions = await template_admin.history(
            db_session,
            organisation_id=organisation.id,
            kind=kind,
            channel=channel,
            language=language,
        )
        return [template_admin.version_read(version) for version in versions]

    @post(
        "/",
        operation_id="saveTemplate",
        summary="Save a new version of a text; the linter refuses it with every reason",
        description=(
            "The new version is the previous highest plus one and applies at once. "
            "A 422 `template_refused` lists each problem as `<code>: <detail>` under "
            "`body` or `subject`: a link, the organisation's name (unless `names_org`), "
            "a blocked word, a placeholder, a second SMS segment, a missing or "
            "unexpected subject, or too long a text."
        ),
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def save_template(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[TemplateCreate],
    ) -> TemplateVersionRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        template = await template_admin.save_template(
            db_session,
            organisation=organisation,
            data=data,
            blocked_words=state.settings.outreach.extra_blocked_words,
            actor_id=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request,
            db_session,
            action="template.save",
            object_type="message_template",
            object_id=str(template.id),
        )
        return template_admin.version_read(template)

    @post(
        "/{template_id:uuid}/retire",
        operation_id="retireTemplate",
        summary="Take a version out of use: the previous active version or the default applies",
        opt=_ADMIN,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def retire_template(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        template_id: FromPath[uuid.UUID],
    ) -> TemplateVersionRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        template = await template_admin.retire_template(
            db_session, organisation_id=organisation.id, template_id=template_id
        )
        await log_action(
            request,
            db_session,
            action="template.retire",
            object_type="message_template",
            object_id=str(template.id),
        )
        return template_admin.version_read(template)
