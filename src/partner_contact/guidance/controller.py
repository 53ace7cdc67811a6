"""Guidance card routes.

Admins manage the organisation's cards (its wording, not partner content) under
``/api/v1/guidance/cards``; workers read the cards in use at ``/api/v1/guidance``; her
worker records and reads which card versions she was given under
``/api/v1/partners/{id}/guidance-given`` (logged: it says she fears being watched).
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
from partner_contact.guidance import given, service
from partner_contact.guidance.cards import LOCALE_MAX_LENGTH, LOCALE_PATTERN, Platform, Topic
from partner_contact.guidance.schemas import (
    CardCreate,
    CardVersionRead,
    GuidanceCardRead,
    GuidanceGivenCreate,
    GuidanceGivenRead,
)
from partner_contact.org.service import current_organisation
from partner_contact.partners.context import Caller

AnyRequest = Request[Any, Any, Any]
_ADMIN = policy(Role.admin)
_READERS = policy(Role.partner_worker, Role.supervisor, Role.admin)
_WORKERS = policy(Role.partner_worker, Role.supervisor)
_LOCALE = QueryParameter(
    pattern=LOCALE_PATTERN,
    max_length=LOCALE_MAX_LENGTH,
    description='A language tag: "en", "de", "de-AT".',
)


class GuidanceCardController(Controller):
    path = "/api/v1/guidance/cards"
    tags = ["guidance"]

    @get(
        "/",
        operation_id="listGuidanceCards",
        summary="The card in use for every topic, platform and locale, shipped ones included",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403),
    )
    async def list_cards(self, db_session: DbSession, state: State) -> list[GuidanceCardRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        current = await service.current_cards(db_session, organisation_id=organisation.id)
        return list(current.values())

    @get(
        "/history",
        operation_id="listGuidanceCardVersions",
        summary="Every saved card version, retired ones included, newest first per card",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403),
    )
    async def list_versions(
        self,
        db_session: DbSession,
        state: State,
        topic: Annotated[Topic | None, QueryParameter()] = None,
        platform: Annotated[Platform | None, QueryParameter()] = None,
        locale: Annotated[str | None, _LOCALE] = None,
    ) -> list[CardVersionRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        return await service.history(
            db_session,
            organisation_id=organisation.id,
            topic=topic,
            platform=platform,
            locale=locale,
        )

    @post(
        "/",
        operation_id="saveGuidanceCard",
        summary="Save a new version of a card; it replaces the one in use at once",
        description=(
            "The version is the previous highest for its topic, platform and locale plus "
            "one (shipped cards are version 0). A 422 `card_refused` lists every problem "
            "by field: blank or too long texts, line breaks, links, 1-15 steps, a warning "
            "code twice, or a warning the topic requires missing."
        ),
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def save_card(
        self, request: AnyRequest, db_session: DbSession, state: State, data: JSONBody[CardCreate]
    ) -> CardVersionRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        card = await service.save_card(
            db_session,
            organisation_id=organisation.id,
            data=data,
            actor_id=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request,
            db_session,
            action="guidance_card.save",
            object_type="guidance_card",
            object_id=str(card.id),
        )
        return service.version_read(card)

    @post(
        "/{card_id:uuid}/retire",
        operation_id="retireGuidanceCard",
        summary="Take a version out of use: the previous active one or the shipped card applies",
        opt=_ADMIN,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def retire_card(
        self, request: AnyRequest, db_session: DbSession, state: State, card_id: FromPath[uuid.UUID]
    ) -> CardVersionRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        card = await service.retire_card(
            db_session, organisation_id=organisation.id, card_id=card_id
        )
        await log_action(
            request,
            db_session,
            action="guidance_card.retire",
            object_type="guidance_card",
            object_id=str(card.id),
        )
        return service.version_read(card)


class GuidanceReadingController(Controller):
    path = "/api/v1/guidance"
    tags = ["guidance"]

    @get(
        "/",
        operation_id="listGuidanceForReading",
        summary="The cards to read to her: one per topic and platform, in her language",
        description=(
            "Each topic and platform comes in the requested locale, else its base "
            "language, else English. Asking for one platform includes the cards marked "
            "`any`. Record what was read with the `card_ref` values."
        ),
        opt=_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_for_reading(
        self,
        db_session: DbSession,
        state: State,
        locale: Annotated[str, _LOCALE] = "en",
        platform: Annotated[Platform | None, QueryParameter()] = None,
    ) -> list[GuidanceCardRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        return await service.cards_for_reading(
            db_session, organisation_id=organisation.id, locale=locale, platform=platform
        )


class GuidanceGivenController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/guidance-given"
    tags = ["guidance"]

    @post(
        "/",
        operation_id="recordGuidanceGiven",
        summary="Record the card versions read to her (never their text)",
        description=(
            "Each `card_ref` must name a shipped card or a saved version not retired; "
            "otherwise a 422 names the position. Nothing is recorded unless all are valid."
        ),
        opt=_WORKERS,
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def record_given(
        self,
        request: AnyRequest,
        db_session: DbSession,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[GuidanceGivenCreate],
    ) -> list[GuidanceGivenRead]:
        return await given.record_given(
            Caller.of(request), db_session, partner_id=partner_id, data=data
        )

    @get(
        "/",
        operation_id="listGuidanceGiven",
        summary="The card versions she was given, newest first (a logged read)",
        opt=_WORKERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_given(
        self, request: AnyRequest, db_session: DbSession, partner_id: FromPath[uuid.UUID]
    ) -> list[GuidanceGivenRead]:
        return await given.list_given(Caller.of(request), db_session, partner_id=partner_id)
