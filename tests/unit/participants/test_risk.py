"""The risk derivation: living situation, each factor, thresholds, interventions, monotonicity."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partner_contact.participants.risk import (
    DEFAULT_RULE,
    FactorWeights,
    Intervention,
    LivingSituation,
    Reminder,
    RiskBand,
    RiskFactor,
    RiskRule,
    ScreeningFacts,
    WorkStatus,
    derive_risk,
)

ORDER = {RiskBand.low: 0, RiskBand.elevated: 1, RiskBand.high: 2}


def facts(
    living: LivingSituation = LivingSituation.with_long_term_partner,
    *factors: RiskFactor,
    children: int = 0,
    work: WorkStatus = WorkStatus.at_home,
    group_has_met: bool = False,
) -> ScreeningFacts:
    return ScreeningFacts(
        living_situation=living,
        children_count=children,
        work=work,
        group_has_met=group_has_met,
        factors=frozenset(factors),
    )


@pytest.mark.parametrize(
    ("living", "factors", "band"),
    [
        # Living alone is low whatever else is true.
        (LivingSituation.alone, (), RiskBand.low),
        (LivingSituation.alone, tuple(RiskFactor), RiskBand.low),
        # Living with someone and no factor: low.
        (LivingSituation.with_long_term_partner, (), RiskBand.low),
        (LivingSituation.with_new_partner, (), RiskBand.low),
        (LivingSituation.with_family, (), RiskBand.low),
        # Each factor alone, with the default weights (elevated from 2, high from 5).
        (
            LivingSituation.with_long_term_partner,
            (RiskFactor.previous_dv_arrests,),
            RiskBand.elevated,
        ),
        (LivingSituation.with_long_term_partner, (RiskFactor.court_mandated,), RiskBand.low),
        (LivingSituation.with_long_term_partner, (RiskFactor.substance_use,), RiskBand.elevated),
        (
            LivingSituation.with_new_partner,
            (RiskFactor.severe_physical_violence,),
            RiskBand.elevated,
        ),
        (LivingSituation.with_new_partner, (RiskFactor.coercive_control,), RiskBand.elevated),
        (LivingSituation.with_family, (RiskFactor.high_jealousy,), RiskBand.elevated),
        (LivingSituation.with_family, (RiskFactor.low_motivation,), RiskBand.low),
        (LivingSituation.with_family, (RiskFactor.denies_responsibility,), RiskBand.low),
        # Combinations reaching the thresholds.
        (
            LivingSituation.with_long_term_partner,
            (RiskFactor.court_mandated, RiskFactor.low_motivation),
            RiskBand.elevated,
        ),
        (
            LivingSituation.with_long_term_partner,
            (RiskFactor.severe_physical_violence, RiskFactor.coercive_control),
            RiskBand.high,
        ),
        (LivingSituation.with_family, tuple(RiskFactor), RiskBand.high),
    ],
)
def test_band_follows_living_situation_and_weighted_factors(
    living: LivingSituation, factors: tuple[RiskFactor, ...], band: RiskBand
) -> None:
    assessment = derive_risk(facts(living, *factors))
    assert assessment.band == band
    cited = {reason.factor for reason in assessment.reasons if reason.factor is not None}
    if living == LivingSituation.alone:
        assert [reason.rule for reason in assessment.reasons] == ["lives_alone"]
        assert assessment.score is None
    else:
        assert cited == set(factors)
        assert assessment.score == sum(DEFAULT_RULE.weights.of(f) for f in factors)


def test_every_factor_has_a_weight_and_the_default_is_documented() -> None:
    weights = msgspec.structs.asdict(DEFAULT_RULE.weights)
    assert set(weights) == {factor.value for factor in RiskFactor}
    assert all(weight > 0 for weight in weights.values())


def test_intensive_plan_with_children_reminds_of_their_safety() -> None:
    high = (RiskFactor.severe_physical_violence, RiskFactor.coercive_control)
    with_children = derive_risk(facts(LivingSituation.with_family, *high, children=2))
    without = derive_risk(facts(LivingSituation.with_family, *high, children=0))
    assert with_children.recommendations[0].intervention == Intervention.intensive_check_ins
    assert with_children.recommendations[0].reminders == (Reminder.address_children_safety,)
    assert without.recommendations[0].reminders == ()


@pytest.mark.parametrize(
    ("screening", "expected"),
    [
        (facts(LivingSituation.alone), [Intervention.weekly_support, Intervention.partner_contact]),
        (facts(), [Intervention.weekly_support]),
        (
            facts(work=WorkStatus.outside_home, group_has_met=True),
            [Intervention.weekly_support, Intervention.crisis_group, Intervention.partner_contact],
        ),
        (
            facts(LivingSituation.with_new_partner, *RiskFactor, work=WorkStatus.unknown),
            [Intervention.intensive_check_ins],
        ),
    ],
)
def test_recommended_interventions(screening: ScreeningFacts, expected: list[Intervention]) -> None:
    plan = derive_risk(screening).recommendations
    assert [r.intervention for r in plan] == expected


def test_a_crisis_group_only_for_a_group_that_already_met() -> None:
    for met in (False, True):
        plan = derive_risk(facts(group_has_met=met)).recommendations
        assert (Intervention.crisis_group in [r.intervention for r in plan]) is met


def test_rule_loads_from_configuration_and_refuses_inverted_thresholds() -> None:
    rule = msgspec.convert(
        {"weights": {"court_mandated": 5}, "elevated_from": 1, "high_from": 5}, RiskRule
    )
    screening = facts(LivingSituation.with_family, RiskFactor.court_mandated)
    assert derive_risk(screening, rule).band == RiskBand.high
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"elevated_from": 6, "high_from": 5}, RiskRule)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"weights": {"court_mandated": -1}}, RiskRule)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"weights": {"astrology": 1}}, RiskRule)


weights = st.integers(min_value=0, max_value=100)
rules = st.builds(
    lambda w, low, span: RiskRule(
        weights=FactorWeights(**dict(zip([f.value for f in RiskFactor], w, strict=True))),
        elevated_from=low,
        high_from=low + span,
    ),
    st.lists(weights, min_size=len(RiskFactor), max_size=len(RiskFactor)),
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=0, max_value=300),
)


@given(
    rule=rules,
    living=st.sampled_from(LivingSituation),
    present=st.frozensets(st.sampled_from(RiskFactor)),
    added=st.sampled_from(RiskFactor),
    children=st.integers(min_value=0, max_value=20),
)
def test_adding_a_risk_factor_never_lowers_the_band(
    rule: RiskRule,
    living: LivingSituation,
    present: frozenset[RiskFactor],
    added: RiskFactor,
    children: int,
) -> None:
    before = derive_risk(facts(living, *present, children=children), rule)
    after = derive_risk(facts(living, *present, added, children=children), rule)
    assert ORDER[after.band] >= ORDER[before.band]
