"""The outreach state machine: allowed steps move on, every other step is a 409."""

from __future__ import annotations

import pytest

from partner_contact.errors import DomainError
from partner_contact.outreach.states import (
    ENDED,
    OPEN,
    TRANSITIONS,
    OutreachState,
    Step,
    next_state,
)


@pytest.mark.parametrize("step", list(Step), ids=str)
def test_every_step_outside_its_states_is_a_conflict(step: Step) -> None:
    allowed, after = TRANSITIONS[step]
    for state in OutreachState:
        if state in allowed:
            assert next_state(state, step) == (after or state)
            continue
        with pytest.raises(DomainError) as refused:
            next_state(state, step)
        assert refused.value.status == 409
        assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize("state", sorted(ENDED), ids=str)
def test_an_ended_outreach_takes_no_step(state: OutreachState) -> None:
    for step in Step:
        with pytest.raises(DomainError):
            next_state(state, step)


def test_stop_and_cancel_are_possible_from_every_open_state() -> None:
    for state in OPEN:
        assert next_state(state, Step.reply_stop) == OutreachState.opted_out
        assert next_state(state, Step.cancelled) == OutreachState.cancelled


def test_steps_that_choose_their_state_take_the_target() -> None:
    assert (
        next_state(OutreachState.queued, Step.message_sent, target=OutreachState.awaiting_reply)
        == OutreachState.awaiting_reply
    )
    assert (
        next_state(
            OutreachState.fallback_offered,
            Step.message_sent,
            target=OutreachState.fallback_offered,
        )
        == OutreachState.fallback_offered
    )
