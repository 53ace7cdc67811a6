"""The rules a directory entry, the situation and area facts follow, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from partner_contact.org.areas import is_stale
from partner_contact.org.directory_import import parse_opening_hours
from partner_contact.org.directory_rules import (
    e164_phone,
    endpoint_errors,
    language_errors,
    opening_hours_errors,
)
from partner_contact.org.models import SituationLevel
from partner_contact.org.schemas import OpeningHours, OpeningPeriod
from partner_contact.org.situation import PREPARATION_TASKS, preparation_applies


def _hours(*periods: tuple[str, str, str], zone: str = "Europe/Vienna") -> OpeningHours:
    return OpeningHours(
        time_zone=zone,
        periods=[OpeningPeriod(weekday=d, opens=o, closes=c) for d, o, c in periods],  # type: ignore[arg-type]
    )


def _fields(hours: OpeningHours) -> list[str]:
    return [error.field for error in opening_hours_errors(hours)]


@pytest.mark.parametrize(
    ("level", "applies"),
    [
        (SituationLevel.in_person_running, True),
        (SituationLevel.advised_to_limit, True),
        (SituationLevel.lockdown_date_known, True),
        (SituationLevel.in_lockdown, False),
    ],
)
def test_preparation_applies_until_the_lockdown_starts(
    level: SituationLevel, applies: bool
) -> None:
    assert preparation_applies(level) is applies
    assert preparation_applies(int(level)) is applies


def test_preparation_tasks_cover_details_a_preparatory_contact_and_safe_channels() -> None:
    assert [task.code for task in PREPARATION_TASKS] == [
        "contact_details_and_consent",
        "preparatory_partner_contact",
        "safe_channels_and_times",
    ]


def test_phone_numbers_are_stored_in_e164_form() -> None:
    assert e164_phone("+43 1 544 08 20") == "+4315440820"


@pytest.mark.parametrize("raw", ["01 544 08 20", "+43 12", "not a number", "+999 123456"])
def test_invalid_or_national_phone_numbers_are_refused(raw: str) -> None:
    assert e164_phone(raw) is None


def test_well_formed_hours_pass() -> None:
    hours = _hours(("mon", "09:00", "12:00"), ("mon", "12:00", "17:00"), ("sat", "20:00", "24:00"))
    assert opening_hours_errors(hours) == []


def test_unknown_time_zone_is_named() -> None:
    assert _fields(_hours(zone="Europe/Atlantis")) == ["opening_hours.time_zone"]


def test_overlapping_periods_name_the_later_one() -> None:
    hours = _hours(("tue", "13:00", "17:00"), ("tue", "09:00", "13:30"), ("wed", "09:00", "17:00"))
    assert _fields(hours) == ["opening_hours.periods[0]"]


@pytest.mark.parametrize(("opens", "closes"), [("10:00", "10:00"), ("17:00", "09:00")])
def test_empty_or_backwards_periods_are_refused(opens: str, closes: str) -> None:
    assert _fields(_hours(("fri", opens, closes))) == ["opening_hours.periods[0]"]


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        ("24:00", "24:00", "opens"),
        ("09:60", "17:00", "opens"),
        ("9:00", "17:00", "opens"),
        ("09:00", "25:00", "closes"),
        ("09:00", "24:01", "closes"),
    ],
)
def test_out_of_range_times_name_the_end_that_is_wrong(opens: str, closes: str, field: str) -> None:
    assert _fields(_hours(("sun", opens, closes))) == [f"opening_hours.periods[0].{field}"]


def test_languages_must_be_iso_639_1_codes_listed_once() -> None:
    assert language_errors(["de", "en"]) == []
    assert [e.field for e in language_errors(["de", "xx", "de"])] == ["languages[1]", "languages"]


@pytest.mark.parametrize(
    "url",
    [
        "http://cases.example.org/referrals",
        "https://user:secret@cases.example.org/referrals",
        "https:///referrals",
        "ftp://cases.example.org",
    ],
)
def test_referral_endpoint_must_be_plain_https(url: str) -> None:
    assert [e.field for e in endpoint_errors(url)] == ["referral_endpoint"]
    assert all(url not in e.message for e in endpoint_errors(url))


def test_https_referral_endpoint_passes() -> None:
    assert endpoint_errors("https://cases.example.org/api/referrals") == []


def test_csv_hours_expand_day_ranges() -> None:
    periods = parse_opening_hours("mon-wed 09:00-17:00; sat 10:00-13:00")
    assert periods is not None
    assert [(p.weekday, p.opens, p.closes) for p in periods] == [
        ("mon", "09:00", "17:00"),
        ("tue", "09:00", "17:00"),
        ("wed", "09:00", "17:00"),
        ("sat", "10:00", "13:00"),
    ]


@pytest.mark.parametrize("text", ["monday 09:00-17:00", "fri-mon 09:00-17:00", "mon 09:00"])
def test_csv_hours_that_do_not_read_as_periods_are_refused(text: str) -> None:
    assert parse_opening_hours(text) is None


def test_a_fact_is_stale_only_after_the_limit_has_passed() -> None:
    confirmed = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    limit = timedelta(days=14)
    assert not is_stale(confirmed, now=confirmed + limit, stale_after=limit)
    assert is_stale(confirmed, now=confirmed + limit + timedelta(seconds=1), stale_after=limit)
    assert is_stale(None, now=confirmed, stale_after=limit)
