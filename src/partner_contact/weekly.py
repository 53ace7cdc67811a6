"""Weekly local-time ranges: her safe windows and his working hours.

A range lies within one local day ("24:00" may only end it); a night shift is two
ranges (mon 22:00-24:00, tue 00:00-06:00). Times are local to an IANA zone, so a
daylight-saving change moves a range with the person instead of shifting it an hour.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

from partner_contact.errors import FieldError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class TimeRange(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One weekly range, start inclusive, end exclusive, in the owner's local time."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime


def minutes(local_time: str) -> int:
    """Minutes since local midnight of an "HH:MM" already checked by ``LocalTime``."""
    hours, mins = local_time.split(":")
    return int(hours) * 60 + int(mins)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name: str) -> bool:
    return name in _zones()


def range_errors(ranges: Sequence[TimeRange], *, field: str) -> list[FieldError]:
    """Reversed or empty ranges and ranges overlapping an earlier one on the same day."""
    errors = []
    kept: list[tuple[Weekday, int, int]] = []
    for index, time_range in enumerate(ranges):
        start, end = minutes(time_range.start), minutes(time_range.end)
        if start >= end:
            errors.append(FieldError(f"{field}[{index}]", "must end after it starts"))
            continue
        if any(day == time_range.weekday and start < e and s < end for day, s, e in kept):
            errors.append(FieldError(f"{field}[{index}]", "overlaps an earlier range that day"))
        kept.append((time_range.weekday, start, end))
    return errors


def falls_within(ranges: Sequence[TimeRange], zone: str, instant: datetime) -> bool:
    """Whether an aware ``instant`` lies inside one of the ranges, read in ``zone``."""
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    weekday, minute = WEEKDAYS[local.weekday()], local.hour * 60 + local.minute
    return any(r.weekday == weekday and minutes(r.start) <= minute < minutes(r.end) for r in ranges)
