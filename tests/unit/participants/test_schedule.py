"""His weekly windows: validation naming the range, and local time across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from partner_contact.participants.schedule import WeeklyWindows, check_windows
from partner_contact.weekly import TimeRange, Weekday


def windows(*ranges: tuple[Weekday, str, str], zone: str = "Europe/London") -> WeeklyWindows:
    return WeeklyWindows(
        zone=zone, ranges=tuple(TimeRange(weekday=d, start=s, end=e) for d, s, e in ranges)
    )


def test_valid_windows_have_no_errors_and_ranges_may_touch() -> None:
    valid = windows(
        ("mon", "06:00", "12:00"),
        ("mon", "12:00", "24:00"),
        ("tue", "00:00", "06:00"),
    )
    assert check_windows(valid, field="w") == []


@pytest.mark.parametrize(
    ("value", "fields"),
    [
        (windows(("mon", "08:00", "10:00"), zone="Europe/Atlantis"), ["w.zone"]),
        (windows(), ["w.ranges"]),
        (windows(("mon", "10:00", "10:00")), ["w.ranges[0]"]),
        (windows(("mon", "24:00", "24:00")), ["w.ranges[0]"]),
        (
            windows(("sun", "08:00", "10:00"), ("sun", "09:59", "11:00")),
            ["w.ranges[1]"],
        ),
    ],
)
def test_invalid_windows_name_the_field(value: WeeklyWindows, fields: list[str]) -> None:
    assert [error.field for error in check_windows(value, field="w")] == fields


def test_contains_uses_his_local_time_through_daylight_saving() -> None:
    work = windows(("mon", "09:00", "17:00"))
    # 09:30 London is 09:30 UTC in winter and 08:30 UTC in summer.
    assert work.contains(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    assert not work.contains(datetime(2026, 7, 6, 7, 59, tzinfo=UTC))
    assert work.contains(datetime(2026, 7, 6, 8, 30, tzinfo=UTC))
    assert not work.contains(datetime(2026, 7, 6, 16, 0, tzinfo=UTC))
    assert not work.contains(datetime(2026, 1, 6, 10, 0, tzinfo=UTC))  # a Tuesday
