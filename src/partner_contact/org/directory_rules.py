"""Checks of a directory entry's phone, opening hours, languages and referral endpoint.

Shared by the JSON API and the CSV import. Messages name the rule only, never the
value that broke it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from partner_contact.contact_details import e164
from partner_contact.errors import FieldError
from partner_contact.org.languages import ISO_639_1
from partner_contact.org.schemas import OpeningHours, OpeningPeriod
from partner_contact.weekly import WEEKDAYS, is_known_zone

_MIDNIGHT_END: Final = 24 * 60


def e164_phone(raw: str) -> str | None:
    """A service's public number: international and in an allocated range, or None."""
    return e164(raw, strict=True)


def _minutes(value: str, *, is_end: bool) -> int | None:
    """Minutes since midnight of "HH:MM"; "24:00" only as the end of a period."""
    hours, sep, minutes = value.partition(":")
    if not (sep and len(hours) == 2 and len(minutes) == 2 and (hours + minutes).isdigit()):
        return None
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > _MIDNIGHT_END or (total == _MIDNIGHT_END and not is_end):
        return None
    return total


def opening_hours_errors(hours: OpeningHours) -> list[FieldError]:
    prefix = "opening_hours"
    errors: list[FieldError] = []
    if not is_known_zone(hours.time_zone):
        errors.append(FieldError(f"{prefix}.time_zone", "not a known IANA time zone"))
    ranges: list[tuple[str, int, int, int]] = []
    for index, period in enumerate(hours.periods):
        field = f"{prefix}.periods[{index}]"
        opens = _minutes(period.opens, is_end=False)
        closes = _minutes(period.closes, is_end=True)
        if opens is None:
            errors.append(FieldError(f"{field}.opens", "must be a time from 00:00 to 23:59"))
        if closes is None:
            errors.append(FieldError(f"{field}.closes", "must be a time from 00:01 to 24:00"))
        if opens is not None and closes is not None:
            if opens >= closes:
                errors.append(FieldError(field, "must open before it closes on the same day"))
            else:
                ranges.append((period.weekday, opens, closes, index))
    ranges.sort()
    for earlier, later in itertools.pairwise(ranges):
        if earlier[0] == later[0] and later[1] < earlier[2]:
            errors.append(
                FieldError(f"{prefix}.periods[{later[3]}]", "overlaps another period that day")
            )
    return errors


def sorted_periods(periods: Sequence[OpeningPeriod]) -> list[OpeningPeriod]:
    """Periods in week order, as they are stored."""
    return sorted(periods, key=lambda p: (WEEKDAYS.index(p.weekday), p.opens))


def language_errors(codes: Sequence[str]) -> list[FieldError]:
    errors = [
        FieldError(f"languages[{index}]", "not an ISO 639-1 language code")
        for index, code in enumerate(codes)
        if code not in ISO_639_1
    ]
    if len(set(codes)) != len(codes):
        errors.append(FieldError("languages", "lists a language twice"))
    return errors


def endpoint_errors(url: str) -> list[FieldError]:
    """Referrals carry personal data: only an https URL without credentials will do."""
    field = "referral_endpoint"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return [FieldError(field, "not a valid URL")]
    if parts.scheme != "https":
        return [FieldError(field, "must be an https:// URL")]
    if not host or parts.username or parts.password or parts.fragment or " " in url:
        return [FieldError(field, "must be an https URL with a host and no credentials")]
    return []
