"""The crisis situation (``/api/v1/organisation/situation``) and areas (``/api/v1/areas``).

Partner workers, supervisors and admins read both; facilitators read the situation
too, since it shapes their work with him. Admins and supervisors record the situation;
admins manage areas and confirm what is known about them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.errors import problem_responses
from partner_contact.org import areas, situation
from partner_contact.org.models import (
    Area,
    AreaFact,
    AreaFactConfirmation,
    FactValue,
    SituationLevel,
    SituationRecord,
)
from partner_contact.org.schemas import (
    AreaCreate,
    AreaRead,
    AreaRename,
    CurrentSituation,
    FactConfirmationRead,
    FactConfirmations,
    SituationCreate,
    SituationRead,
)
from partner_contact.org.service import current_organisation

StaleAfterDays = Annotated[
    int | None,
    QueryParameter(
        ge=areas.MIN_STALE_AFTER_DAYS,
        le=areas.MAX_STALE_AFTER_DAYS,
        description=(
            "A fact confirmed longer ago than this many days is flagged stale "
            "(default: PC_ORG_CONTEXT_STALE_AFTER_DAYS)."
        ),
    ),
]
_SITUATION_READERS = policy(Role.partner_worker, Role.supervisor, Role.admin, Role.facilitator)
_AREA_READERS = policy(Role.partner_worker, Role.supervisor, Role.admin)
_ADMIN = policy(Role.admin)


def _situation_read(record: SituationRecord) -> SituationRead:
    level = SituationLevel(record.level)
    return SituationRead(
        id=record.id,
        level=level,
        level_name=level.name,
        lockdown_date=record.lockdown_date,
        effective_date=record.effective_date,
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
    )


class SituationController(Controller):
    path = "/api/v1/organisation/situation"
    tags = ["organisation"]

    @get(
        "/",
        operation_id="getSituation",
        summary="The current crisis situation and whether preparation work applies",
        opt=_SITUATION_READERS,
        responses=problem_responses(401, 403),
    )
    async def current(self, db_session: DbSession, state: State) -> CurrentSituation:
        organisation = await current_organisation(db_session, clock=state.clock)
        record = await situation.current_situation(db_session, organisation_id=organisation.id)
        applies = record is not None and situation.preparation_applies(record.level)
        return CurrentSituation(
            current=_situation_read(record) if record else None,
            preparation_applies=applies,
            preparation_tasks=list(situation.PREPARATION_TASKS) if applies else [],
        )

    @get(
        "/history",
        operation_id="listSituationHistory",
        summary="Every recorded situation, newest first",
        opt=_SITUATION_READERS,
        responses=problem_responses(401, 403),
    )
    async def history(self, db_session: DbSession, state: State) -> list[SituationRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        records = await situation.situation_history(db_session, organisation_id=organisation.id)
        return [_situation_read(record) for record in records]

    @post(
        "/",
        operation_id="recordSituation",
        summary="Record a change of the crisis situation (earlier records are kept)",
        opt=policy(Role.admin, Role.supervisor),
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def record(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[SituationCreate],
    ) -> SituationRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        record = await situation.record_situation(
            db_session,
            organisation_id=organisation.id,
            level=data.level,
            effective_date=data.effective_date,
            lockdown_date=data.lockdown_date,
            recorded_by=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request,
            db_session,
            action="situation.record",
            object_type="org_situation",
            object_id=str(record.id),
        )
        return _situation_read(record)


def _confirmation_read(row: AreaFactConfirmation) -> FactConfirmationRead:
    return FactConfirmationRead(
        id=row.id,
        fact=AreaFact(row.fact),
        value=FactValue(row.value),
        confirmed_at=row.confirmed_at,
        confirmed_by=row.confirmed_by,
    )


async def _area_reads(
    session: AsyncSession, state: State, found: list[Area], stale_after_days: int | None
) -> list[AreaRead]:
    facts = await areas.current_facts(session, area_ids=[area.id for area in found])
    days = stale_after_days or state.settings.org.context_stale_after_days
    now, stale_after = state.clock(), timedelta(days=days)
    return [
        AreaRead(
            id=area.id,
            name=area.name,
            created_at=area.created_at,
            facts=areas.fact_reads(facts[area.id], now=now, stale_after=stale_after),
        )
        for area in found
    ]


class AreaController(Controller):
    path = "/api/v1/areas"
    tags = ["areas"]

    @get(
        "/",
        operation_id="listAreas",
        summary="The areas the organisation serves, with what is known of help there",
        opt=_AREA_READERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_areas(
        self,
        db_session: DbSession,
        state: State,
        stale_after_days: StaleAfterDays = None,
    ) -> list[AreaRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        found = await areas.list_areas(db_session, organisation_id=organisation.id)
        return await _area_reads(db_session, state, found, stale_after_days)

    @post(
        "/",
        operation_id="createArea",
        summary="Add an area the organisation serves",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[AreaCreate],
    ) -> AreaRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        area = await areas.create_area(
            db_session, organisation_id=organisation.id, name=data.name, now=state.clock()
        )
        await log_action(
            request, db_session, action="area.create", object_type="area", object_id=str(area.id)
        )
        return (await _area_reads(db_session, state, [area], None))[0]

    @get(
        "/{area_id:uuid}",
        operation_id="getArea",
        summary="One area, with what is known of help there",
        opt=_AREA_READERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_area(
        self,
        db_session: DbSession,
        state: State,
        area_id: FromPath[uuid.UUID],
        stale_after_days: StaleAfterDays = None,
    ) -> AreaRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        area = await areas.get_area(db_session, organisation_id=organisation.id, area_id=area_id)
        return (await _area_reads(db_session, state, [area], stale_after_days))[0]

    @patch(
        "/{area_id:uuid}",
        operation_id="renameArea",
        summary="Rename an area",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404, 409, 413),
    )
    async def rename(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        area_id: FromPath[uuid.UUID],
        data: JSONBody[AreaRename],
    ) -> AreaRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        area = await areas.rename_area(
            db_session, organisation_id=organisation.id, area_id=area_id, name=data.name
        )
        await log_action(
            request, db_session, action="area.rename", object_type="area", object_id=str(area.id)
        )
        return (await _area_reads(db_session, state, [area], None))[0]

    @post(
        "/{area_id:uuid}/confirmations",
        operation_id="confirmAreaFacts",
        summary="Confirm facts about an area now; each becomes a new history entry",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        area_id: FromPath[uuid.UUID],
        data: JSONBody[FactConfirmations],
    ) -> AreaRead:
        organisation = await current_organisation(db_session, clock=state.clock)
        values = {
            fact: value for fact in AreaFact if (value := getattr(data, fact.value)) is not None
        }
        await areas.confirm_facts(
            db_session,
            organisation_id=organisation.id,
            area_id=area_id,
            values=values,
            confirmed_by=principal_of(request).user_id,
            now=state.clock(),
        )
        await log_action(
            request, db_session, action="area.confirm", object_type="area", object_id=str(area_id)
        )
        area = await areas.get_area(db_session, organisation_id=organisation.id, area_id=area_id)
        return (await _area_reads(db_session, state, [area], None))[0]

    @get(
        "/{area_id:uuid}/confirmations",
        operation_id="listAreaConfirmations",
        summary="Every confirmation of the area's facts, newest first",
        opt=_AREA_READERS,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def history(
        self, db_session: DbSession, state: State, area_id: FromPath[uuid.UUID]
    ) -> list[FactConfirmationRead]:
        organisation = await current_organisation(db_session, clock=state.clock)
        rows = await areas.fact_history(
            db_session, organisation_id=organisation.id, area_id=area_id
        )
        return [_confirmation_read(row) for row in rows]
