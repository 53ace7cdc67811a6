"""Risk band and recommended interventions, derived from a screening by a configurable rule.

The guideline names the factors but no numeric threshold, so the weights and thresholds
are configuration; ``DEFAULT_RULE`` is the documented default (docs/risk.md). The
derivation is pure: the same facts and rule always give the same band and reasons.
"""

from __future__ import annotations

import enum
from typing import Annotated, Final

import msgspec


class LivingSituation(enum.StrEnum):
    alone = "alone"
    with_long_term_partner = "with_long_term_partner"
    with_new_partner = "with_new_partner"
    with_family = "with_family"


class WorkStatus(enum.StrEnum):
    outside_home = "outside_home"
    at_home = "at_home"
    unknown = "unknown"


class RiskFactor(enum.StrEnum):
    previous_dv_arrests = "previous_dv_arrests"
    court_mandated = "court_mandated"
    substance_use = "substance_use"
    severe_physical_violence = "severe_physical_violence"
    coercive_control = "coercive_control"
    high_jealousy = "high_jealousy"
    low_motivation = "low_motivation"
    denies_responsibility = "denies_responsibility"


class RiskBand(enum.StrEnum):
    low = "low"
    elevated = "elevated"
    high = "high"


class Intervention(enum.StrEnum):
    weekly_support = "weekly_support"  # A
    intensive_check_ins = "intensive_check_ins"  # B
    crisis_group = "crisis_group"  # C
    partner_contact = "partner_contact"  # D


class Reminder(enum.StrEnum):
    address_children_safety = "address_children_safety"


Weight = Annotated[int, msgspec.Meta(ge=0, le=100)]


class FactorWeights(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One non-negative weight per risk factor (field names are the factor codes)."""

    previous_dv_arrests: Weight = 2
    court_mandated: Weight = 1
    substance_use: Weight = 2
    severe_physical_violence: Weight = 3
    coercive_control: Weight = 3
    high_jealousy: Weight = 2
    low_motivation: Weight = 1
    denies_responsibility: Weight = 1

    def of(self, factor: RiskFactor) -> int:
        weight: int = getattr(self, factor.value)
        return weight


class RiskRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Someone lives with him: the weighted sum of his factors against two thresholds."""

    weights: FactorWeights = msgspec.field(default_factory=FactorWeights)
    elevated_from: Annotated[int, msgspec.Meta(ge=0)] = 2
    high_from: Annotated[int, msgspec.Meta(ge=0)] = 5

    def __post_init__(self) -> None:
        if self.high_from < self.elevated_from:
            raise ValueError("high_from must not be below elevated_from")


DEFAULT_RULE: Final = RiskRule()


class ScreeningFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the derivation reads from a screening."""

    living_situation: LivingSituation
    children_count: int
    work: WorkStatus
    group_has_met: bool
    factors: frozenset[RiskFactor]


class RiskReason(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One step of the derivation: the rule applied, or a factor and its weight."""

    rule: str
    text: str
    factor: RiskFactor | None = None
    weight: int | None = None


class Recommendation(msgspec.Struct, frozen=True, kw_only=True):
    intervention: Intervention
    why: str
    reminders: tuple[Reminder, ...] = ()


class RiskAssessment(msgspec.Struct, frozen=True, kw_only=True):
    band: RiskBand
    score: int | None  # None when living alone decided the band
    reasons: tuple[RiskReason, ...]
    recommendations: tuple[Recommendation, ...]


def derive_risk(facts: ScreeningFacts, rule: RiskRule = DEFAULT_RULE) -> RiskAssessment:
    """The risk band, why, and the interventions it recommends."""
    if facts.living_situation == LivingSituation.alone:
        reasons: tuple[RiskReason, ...] = (
            RiskReason(
                rule="lives_alone",
                text="He lives alone: nobody in his home is at risk of physical harm from him",
            ),
        )
        return RiskAssessment(
            band=RiskBand.low,
            score=None,
            reasons=reasons,
            recommendations=_recommend(facts, RiskBand.low),
        )
    present = sorted(facts.factors)
    score = sum(rule.weights.of(factor) for factor in present)
    band = (
        RiskBand.high
        if score >= rule.high_from
        else RiskBand.elevated
        if score >= rule.elevated_from
        else RiskBand.low
    )
    factor_reasons = tuple(
        RiskReason(
            rule="risk_factor",
            text=f"Risk factor present: {factor.value}",
            factor=factor,
            weight=rule.weights.of(factor),
        )
        for factor in present
    )
    threshold = RiskReason(
        rule="weighted_sum",
        text=(
            f"He lives with others ({facts.living_situation.value}); weighted score {score} "
            f"against thresholds elevated {rule.elevated_from}, high {rule.high_from}"
        ),
    )
    return RiskAssessment(
        band=band,
        score=score,
        reasons=(*factor_reasons, threshold),
        recommendations=_recommend(facts, band),
    )


def _recommend(facts: ScreeningFacts, band: RiskBand) -> tuple[Recommendation, ...]:
    plan: list[Recommendation] = []
    if band == RiskBand.high:
        reminders = (Reminder.address_children_safety,) if facts.children_count > 0 else ()
        plan.append(
            Recommendation(
                intervention=Intervention.intensive_check_ins,
                why="High risk: short morning check-ins daily or every 2-3 days, "
                "plus calls 2-3 times a week",
                reminders=reminders,
            )
        )
    else:
        plan.append(
            Recommendation(
                intervention=Intervention.weekly_support,
                why="Weekly individual phone or video support, 45-60 minutes plus 30 in reserve",
            )
        )
    if facts.group_has_met:
        plan.append(
            Recommendation(
                intervention=Intervention.crisis_group,
                why="His group has already met: an online crisis group may continue it",
            )
        )
    if facts.living_situation == LivingSituation.alone:
        plan.append(
            Recommendation(
                intervention=Intervention.partner_contact,
                why="He does not live with her: contact her once the safety gate clears it",
            )
        )
    elif facts.work == WorkStatus.outside_home:
        plan.append(
            Recommendation(
                intervention=Intervention.partner_contact,
                why="He works outside the home: contact her during his working hours, "
                "once the safety gate clears it",
            )
        )
    return tuple(plan)
