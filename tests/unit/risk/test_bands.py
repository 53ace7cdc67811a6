"""Bands: the count's band at each threshold, and what a band set must satisfy."""

from __future__ import annotations

import pytest

from partner_contact.risk.bands import band_for, check_bands, rank
from partner_contact.risk.schemas import DEFAULT_BANDS, Band


@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (60, "high")],
)
def test_default_bands_at_their_thresholds(yes: int, band: str) -> None:
    assert band_for(DEFAULT_BANDS, yes).name == band


def test_only_the_default_high_band_proposes_a_referral() -> None:
    assert [band.proposes_referral for band in DEFAULT_BANDS] == [False, False, True]


def test_the_default_bands_fit_14_questions_and_not_13() -> None:
    assert check_bands(DEFAULT_BANDS, 14) == []
    assert [error.field for error in check_bands(DEFAULT_BANDS, 13)] == ["bands[2].min_yes"]


def test_every_broken_rule_is_reported_once() -> None:
    bands = [Band(name="a", min_yes=2), Band(name="a", min_yes=2), Band(name="b", min_yes=9)]
    errors = [(error.field, error.message) for error in check_bands(bands, 5)]
    assert errors == [
        ("bands[0].min_yes", "The first band starts at 0"),
        ("bands[1].name", "Band names must be unique"),
        ("bands[1].min_yes", "Thresholds must rise from band to band"),
        ("bands[2].min_yes", "The threshold is above the number of questions"),
    ]


def test_rank_orders_bands_and_knows_no_others() -> None:
    assert [rank(DEFAULT_BANDS, name) for name in ("standard", "medium", "high", "x")] == [
        0, 1, 2, None
    ]  # fmt: skip
