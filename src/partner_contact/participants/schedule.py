"""His working hours outside the home: weekly ranges in his IANA zone (see weekly.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from partner_contact.errors import FieldError
from partner_contact.weekly import TimeRange, falls_within, is_known_zone, range_errors

ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MAX_RANGES = 50


class WeeklyWindows(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Recurring weekly time ranges in an IANA time zone."""

    zone: ZoneName
    ranges: Annotated[tuple[TimeRange, ...], msgspec.Meta(max_length=MAX_RANGES)]

    def contains(self, instant: datetime) -> bool:
        """Whether an aware ``instant`` falls inside one of the ranges, in the zone."""
        return falls_within(self.ranges, self.zone, instant)


def check_windows(windows: WeeklyWindows, *, field: str) -> list[FieldError]:
    """What is wrong with ``windows`` (unknown zone, empty, reversed or overlapping ranges)."""
    errors = []
    if not is_known_zone(windows.zone):
        errors.append(FieldError(f"{field}.zone", "not a known IANA time zone"))
    if not windows.ranges:
        errors.append(FieldError(f"{field}.ranges", "at least one range is needed"))
    return errors + range_errors(windows.ranges, field=f"{field}.ranges")
