"""Flags follow the structured answers only; "not asked" and "declined" never raise one."""

from __future__ import annotations

from typing import Any

import pytest

from partner_contact.assessments.schemas import Answer, Answers, Flags, derive_flags

NONE = Flags(
    violence_since_lockdown=False,
    fears_new_violence=False,
    children_affected=False,
    no_support_service=False,
    contact_concern=False,
)
Y, N, NA, D = Answer.yes, Answer.no, Answer.not_asked, Answer.declined


def test_nothing_asked_raises_nothing() -> None:
    assert derive_flags(Answers()) == NONE


@pytest.mark.parametrize(
    ("answers", "raised"),
    [
        ({"episodes_since_lockdown": Y}, {"violence_since_lockdown"}),
        ({"episodes_since_lockdown": N}, set()),
        ({"episodes_since_lockdown": NA}, set()),
        ({"episodes_since_lockdown": D}, set()),
        ({"fears_new_episode": Y}, {"fears_new_violence"}),
        ({"fears_new_episode": N}, set()),
        ({"fears_new_episode": D}, set()),
        ({"children_affected_by_his_behaviour": Y}, {"children_affected"}),
        ({"children_affected_by_his_behaviour": N}, set()),
        ({"children_affected_by_his_behaviour": NA}, set()),
        ({"in_touch_with_support_service": N}, {"no_support_service"}),
        ({"in_touch_with_support_service": Y}, set()),
        # Not asked is not "no": no resources are owed on a question never put to her.
        ({"in_touch_with_support_service": NA}, set()),
        ({"in_touch_with_support_service": D}, set()),
        ({"concerned_about_contact_with_him": Y}, {"contact_concern"}),
        ({"contact_could_endanger_her": Y}, {"contact_concern"}),
        (
            {"concerned_about_contact_with_him": Y, "contact_could_endanger_her": Y},
            {"contact_concern"},
        ),
        ({"concerned_about_contact_with_him": N, "contact_could_endanger_her": D}, set()),
        (
            {
                "episodes_since_lockdown": Y,
                "fears_new_episode": Y,
                "children_affected_by_his_behaviour": Y,
                "in_touch_with_support_service": N,
                "contact_could_endanger_her": Y,
            },
            {
                "violence_since_lockdown",
                "fears_new_violence",
                "children_affected",
                "no_support_service",
                "contact_concern",
            },
        ),
        # Answers that drive no flag leave them all down.
        (
            {"she_works": Y, "financial_difficulties": Y, "use_of_space_changed": Y},
            set(),
        ),
    ],
)
def test_each_flag_follows_its_answers(answers: dict[str, Any], raised: set[str]) -> None:
    flags = derive_flags(Answers(**answers))
    assert {name for name in flags.__struct_fields__ if getattr(flags, name)} == raised
