"""Outreach payloads in and out. Nothing here carries her words or details, except the
replies a worker reads on purpose (:class:`ReplyText`), each read logged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from partner_contact.outreach.protocol import CallOutcome
from partner_contact.outreach.states import OutreachState
from partner_contact.payload import Payload

Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=500)]


class OutreachConfirm(Payload):
    """A worker's reason for going ahead where the gate asked for one (kept sealed)."""

    reason: Reason


class CallRecord(Payload):
    outcome: CallOutcome


class ReplyReading(Payload):
    """What a worker reading an unclear reply understood it to say."""

    kind: Literal["yes", "not_now", "stop", "other"]


class OutreachRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    state: OutreachState
    channel: str | None
    started_at: datetime
    started_by: uuid.UUID
    updated_at: datetime
    ended_at: datetime | None
    is_confirmed: bool
    has_follow_up: bool
    is_code_word_verified: bool
    # The gate's reasons at its last decision (codes such as "quiet_hours").
    gate_reasons: list[str]
    # When the next message is due to go (deferred to a safe moment), if one waits.
    next_message_due_at: datetime | None


class OutreachEventRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    kind: str
    state: OutreachState
    at: datetime
    actor_id: uuid.UUID | None
    # Codes only: reasons, channel, message kind and id, reply kind, call outcome.
    detail: dict[str, Any]


class OutboxMessageRead(msgspec.Struct, frozen=True, kw_only=True):
    """A message's journey, without its text."""

    id: uuid.UUID
    kind: str
    channel: str
    status: str
    template_version: int
    due_at: datetime
    sent_at: datetime | None
    status_at: datetime | None
    error_code: str | None
    attempts: int


class ReplyRead(msgspec.Struct, frozen=True, kw_only=True):
    """That she replied, when and how it was understood; the text needs a purpose."""

    id: uuid.UUID
    channel: str
    kind: str
    received_at: datetime
    read_at: datetime | None


class ReplyText(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    channel: str
    kind: str
    received_at: datetime
    # None once the retention period erased it.
    body: str | None


class OutreachDetail(msgspec.Struct, frozen=True, kw_only=True):
    outreach: OutreachRead
    events: list[OutreachEventRead]
    messages: list[OutboxMessageRead]
    replies: list[ReplyRead]
