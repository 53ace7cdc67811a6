"""Weekly local-time windows: his working hours outside the home, in his IANA zone.

A range lies within one day; a night shift is two ranges (Mon 22:00-24:00, Tue
00:00-06:00). Times are "HH:MM" local to the zone, so daylight-saving changes move the
window with him rather than shifting it by an hour.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from partner_contact.errors import FieldError

# "24:00" may only end a range (midnight at the end of the day).
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")]
ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MAX_RANGES = 50


class Weekday(enum.StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"


_WEEKDAYS = list(Weekday)


def _minutes(local_time: str) -> int:
    hours, minutes = local_time.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRange(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    weekday: Weekday
    start: LocalTime
    end: LocalTime


class WeeklyWindows(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Recurring weekly time ranges in an IANA time zone."""

    zone: ZoneName
    ranges: Annotated[tuple[TimeRange, ...], msgspec.Meta(max_length=MAX_RANGES)]

    def contains(self, instant: datetime) -> bool:
        """Whether an aware ``instant`` falls inside one of the ranges, in the zone."""
        local = instant.astimezone(ZoneInfo(self.zone))
        weekday = _WEEKDAYS[local.weekday()]
        minute = local.hour * 60 + local.minute
        return any(
            r.weekday == weekday and _minutes(r.start) <= minute < _minutes(r.end)
            for r in self.ranges
        )


def _is_known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_windows(windows: WeeklyWindows, *, field: str) -> list[FieldError]:
    """What is wrong with ``windows`` (unknown zone, empty, reversed or overlapping ranges)."""
    errors = []
    if not _is_known_zone(windows.zone):
        errors.append(FieldError(f"{field}.zone", "not a known IANA time zone"))
    if not windows.ranges:
        errors.append(FieldError(f"{field}.ranges", "at least one range is needed"))
    for index, time_range in enumerate(windows.ranges):
        if _minutes(time_range.start) >= _minutes(time_range.end):
            errors.append(FieldError(f"{field}.ranges[{index}]", "start must be before end"))
    valid = [
        (index, r) for index, r in enumerate(windows.ranges) if _minutes(r.start) < _minutes(r.end)
    ]
    for position, (index, current) in enumerate(valid):
        for _, earlier in valid[:position]:
            if earlier.weekday == current.weekday and (
                _minutes(current.start) < _minutes(earlier.end)
                and _minutes(earlier.start) < _minutes(current.end)
            ):
                errors.append(FieldError(f"{field}.ranges[{index}]", "overlaps an earlier range"))
                break
    return errors
