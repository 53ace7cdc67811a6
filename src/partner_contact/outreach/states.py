"""The outreach state machine: which step may follow which, and nothing else.

Every change of state goes through :func:`next_state`; a step that is not allowed from
the current state raises a 409 problem, so nothing ever changes silently.
"""

from __future__ import annotations

import enum
from typing import Final

from partner_contact.errors import DomainError


class OutreachState(enum.StrEnum):
    awaiting_confirmation = "awaiting_confirmation"  # the gate needs a worker's reason
    queued = "queued"  # a message waits in the outbox (maybe deferred to a safe moment)
    awaiting_reply = "awaiting_reply"  # a message went out; a timer waits for her
    replied_yes = "replied_yes"  # she can talk: her worker is alerted to call now
    fallback_offered = "fallback_offered"  # not now: she was offered another channel
    needs_reading = "needs_reading"  # a reply no rule understood, or she asked for help
    no_reply = "no_reply"  # no answer after the one follow-up: her worker decides
    needs_worker = "needs_worker"  # no channel left, or a send whose fate is unknown
    # Ends.
    blocked = "blocked"
    opted_out = "opted_out"
    completed = "completed"
    suspended = "suspended"  # someone else answered her phone, or the number is wrong
    cancelled = "cancelled"
    expired = "expired"


S = OutreachState
ENDED: Final = frozenset({S.blocked, S.opted_out, S.completed, S.suspended, S.cancelled, S.expired})
OPEN: Final = frozenset(S) - ENDED


class Step(enum.StrEnum):
    gate_blocked = "gate_blocked"
    gate_needs_confirmation = "gate_needs_confirmation"
    message_queued = "message_queued"
    wording_refused = "wording_refused"  # the linter refused the text at send time
    confirmed = "confirmed"
    message_deferred = "message_deferred"
    message_sent = "message_sent"
    delivery_failed = "delivery_failed"  # next channel queued
    no_channel_left = "no_channel_left"
    send_outcome_unknown = "send_outcome_unknown"
    follow_up_due = "follow_up_due"
    no_reply_due = "no_reply_due"
    expired = "expired"
    reply_yes = "reply_yes"
    reply_not_now = "reply_not_now"  # fallback queued on the next channel
    reply_stop = "reply_stop"
    reply_unreadable = "reply_unreadable"  # "other" or "help"
    call_completed = "call_completed"
    call_suspends = "call_suspends"
    call_no_answer = "call_no_answer"
    code_word_verified = "code_word_verified"
    cancelled = "cancelled"


def _from(*states: S) -> frozenset[S]:
    return frozenset(states)


# step -> (states it may happen in, state after; None keeps the current state)
TRANSITIONS: Final[dict[Step, tuple[frozenset[S], S | None]]] = {
    Step.gate_blocked: (_from(S.awaiting_confirmation, S.queued, S.fallback_offered), S.blocked),
    Step.gate_needs_confirmation: (
        _from(S.awaiting_confirmation, S.queued, S.fallback_offered),
        S.awaiting_confirmation,
    ),
    # The target is "fallback_offered" for a fallback message, otherwise "queued".
    Step.message_queued: (_from(S.awaiting_confirmation, S.queued, S.fallback_offered), None),
    Step.wording_refused: (
        _from(S.awaiting_confirmation, S.queued, S.fallback_offered),
        S.needs_worker,
    ),
    Step.confirmed: (_from(S.awaiting_confirmation), None),
    Step.message_deferred: (_from(S.queued, S.fallback_offered), None),
    # The target is "fallback_offered" for a fallback message, "awaiting_reply" for the
    # others; a message that left while she was already answering keeps the state.
    Step.message_sent: (OPEN, None),
    # The target is where the next channel's message goes ("queued"/"fallback_offered").
    Step.delivery_failed: (
        _from(S.queued, S.awaiting_reply, S.fallback_offered, S.no_reply),
        None,
    ),
    Step.no_channel_left: (
        _from(S.queued, S.awaiting_reply, S.fallback_offered, S.no_reply, S.needs_reading),
        S.needs_worker,
    ),
    Step.send_outcome_unknown: (_from(S.queued, S.fallback_offered), S.needs_worker),
    Step.follow_up_due: (_from(S.awaiting_reply), S.queued),
    Step.no_reply_due: (_from(S.awaiting_reply), S.no_reply),
    Step.expired: (_from(S.awaiting_confirmation, S.queued), S.expired),
    # Her words are always taken in, whatever the outreach was waiting for.
    Step.reply_yes: (OPEN, S.replied_yes),
    Step.reply_not_now: (OPEN, S.fallback_offered),
    Step.reply_stop: (OPEN, S.opted_out),
    Step.reply_unreadable: (OPEN, S.needs_reading),
    Step.call_completed: (OPEN, S.completed),
    Step.call_suspends: (OPEN, S.suspended),
    Step.call_no_answer: (OPEN, None),
    Step.code_word_verified: (OPEN, None),
    Step.cancelled: (OPEN, S.cancelled),
}


def next_state(current: S, step: Step, *, target: S | None = None) -> S:
    """The state after ``step``; ``target`` picks it for steps that decide it themselves.

    Raises a 409 problem when the step cannot happen in ``current``.
    """
    allowed, after = TRANSITIONS[step]
    if current not in allowed:
        raise DomainError(
            "invalid_transition",
            "The outreach cannot do that in its current state",
            status=409,
            detail=f"'{step.value}' is not possible while the outreach is '{current.value}'.",
        )
    if after is not None:
        return after
    return current if target is None else target
