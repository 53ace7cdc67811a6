"""Programme events about him become tasks for her worker; nothing flows back.

The facilitator's answer is the same whether his case has no partner or several, and
it never changes when a task is done. Tasks and alerts are written in the event's own
transaction, so an event is never recorded without them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.service import current_organisation
from partner_contact.participants.models import Participant
from partner_contact.partners.access import not_found, reachable_cases
from partner_contact.partners.alert_bus import announce
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner, PartnerAlert, PartnerTask, ProgrammeEvent
from partner_contact.payload import Payload


class EventKind(enum.StrEnum):
    missed_session = "missed_session"
    dropped_out = "dropped_out"
    excluded = "excluded"
    completed = "completed"
    threat_disclosed = "threat_disclosed"
    new_partner_disclosed = "new_partner_disclosed"
    moved_back_home = "moved_back_home"


class Priority(enum.StrEnum):
    normal = "normal"
    high = "high"
    urgent = "urgent"


# Her risk tends to rise when he stops attending, is excluded or moves back home.
_PRIORITY: Final[dict[EventKind, Priority]] = {
    EventKind.missed_session: Priority.normal,
    EventKind.dropped_out: Priority.high,
    EventKind.excluded: Priority.high,
    EventKind.completed: Priority.normal,
    EventKind.threat_disclosed: Priority.high,
    EventKind.new_partner_disclosed: Priority.normal,
    EventKind.moved_back_home: Priority.high,
}
TASK_KIND: Final = "contact_partner"


class ProgrammeEventCreate(Payload):
    kind: EventKind
    threat_to_kill: bool = False


class EventRecorded(msgspec.Struct, frozen=True, kw_only=True):
    """What the facilitator gets back: nothing about her or her worker's tasks."""

    id: uuid.UUID
    kind: EventKind
    recorded_at: datetime


class TaskRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    kind: str
    reason: EventKind
    priority: Priority
    created_at: datetime
    done_at: datetime | None


def task_priority(kind: EventKind, *, threat_to_kill: bool) -> Priority:
    return Priority.urgent if threat_to_kill else _PRIORITY[kind]


async def record_event(
    caller: Caller, session: AsyncSession, *, participant_id: uuid.UUID, data: ProgrammeEventCreate
) -> EventRecorded:
    if data.threat_to_kill and data.kind != EventKind.threat_disclosed:
        raise DomainError(
            "invalid_event",
            "The event is not valid",
            status=422,
            errors=[
                FieldError("threat_to_kill", "Only a disclosed threat can be a threat to kill")
            ],
        )
    participant = await session.scalar(
        select(Participant).where(
            Participant.id == participant_id,
            Participant.facilitator_id == caller.principal.user_id,
        )
    )
    if participant is None:
        raise not_found("participant")
    organisation = await current_organisation(session, clock=caller.clock)
    now = caller.clock()
    event = ProgrammeEvent(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        participant_id=participant.id,
        kind=data.kind.value,
        is_threat_to_kill=data.threat_to_kill,
        recorded_by=caller.principal.user_id,
        recorded_at=now,
    )
    session.add(event)
    await session.flush()
    priority = task_priority(data.kind, threat_to_kill=data.threat_to_kill)
    partner_ids = (
        await session.scalars(
            # An erased partner gets no more tasks or alerts: nobody may act on her record.
            select(Partner.id).where(
                Partner.participant_id == participant.id, Partner.erased_at.is_(None)
            )
        )
    ).all()
    for partner_id in partner_ids:
        session.add(
            PartnerTask(
                id=uuid.uuid4(),
                organisation_id=organisation.id,
                partner_id=partner_id,
                event_id=event.id,
                kind=TASK_KIND,
                reason=data.kind.value,
                priority=priority.value,
                created_at=now,
            )
        )
        if data.threat_to_kill:
            session.add(
                PartnerAlert(
                    id=uuid.uuid4(),
                    organisation_id=organisation.id,
                    partner_id=partner_id,
                    event_id=event.id,
                    kind="threat_to_kill",
                    level=Priority.urgent.value,
                    occurred_at=now,
                    created_at=now,
                )
            )
    await session.flush()
    if data.threat_to_kill and partner_ids:
        await announce(session)
    await caller.log(
        session, action="programme_event.record", object_type="programme_event", object_id=event.id
    )
    return EventRecorded(id=event.id, kind=data.kind, recorded_at=now)


def _task_read(task: PartnerTask) -> TaskRead:
    return TaskRead(
        id=task.id,
        partner_id=task.partner_id,
        kind=task.kind,
        reason=EventKind(task.reason),
        priority=Priority(task.priority),
        created_at=task.created_at,
        done_at=task.done_at,
    )


def _reachable_tasks(caller: Caller) -> Select[tuple[PartnerTask]]:
    """Tasks of the caller's cases; never of a man she facilitates (staff separation)."""
    return (
        select(PartnerTask)
        .join(Partner, Partner.id == PartnerTask.partner_id)
        .join(Participant, Participant.id == Partner.participant_id)
        .where(reachable_cases(caller.principal), Partner.erased_at.is_(None))
        .where(Participant.facilitator_id.is_distinct_from(caller.principal.user_id))
    )


async def list_tasks(caller: Caller, session: AsyncSession) -> list[TaskRead]:
    """Open tasks first, the most urgent at the top, then the done ones."""
    statement = _reachable_tasks(caller).order_by(PartnerTask.created_at, PartnerTask.id)
    tasks = (await session.scalars(statement)).all()
    rank = {Priority.urgent: 0, Priority.high: 1, Priority.normal: 2}
    reads = [_task_read(task) for task in tasks]
    return sorted(reads, key=lambda task: (task.done_at is not None, rank[task.priority]))


async def complete_task(caller: Caller, session: AsyncSession, *, task_id: uuid.UUID) -> TaskRead:
    task = await session.scalar(_reachable_tasks(caller).where(PartnerTask.id == task_id))
    if task is None:
        raise not_found("task")
    if task.done_at is None:
        task.done_at = caller.clock()
        task.done_by = caller.principal.user_id
        await caller.log(
            session, action="partner_task.done", object_type="partner_task", object_id=task.id
        )
    return _task_read(task)
