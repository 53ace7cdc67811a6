"""Importing directory entries from CSV: every line is checked, and all or none are written.

The report names a line, a column and the rule broken; it never repeats a cell, since
a wrong column could hold anything.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import FieldError
from partner_contact.org.directory import check_service_fields, new_service
from partner_contact.org.models import Area, SupportService
from partner_contact.org.schemas import (
    ImportLineError,
    OpeningHours,
    OpeningPeriod,
    ServiceCreate,
)
from partner_contact.weekly import WEEKDAYS

REQUIRED_COLUMNS: Final = (
    "name",
    "area",
    "phone",
    "time_zone",
    "opening_hours",
    "operating_now",
    "accepts_self_referral",
    "accepts_agency_referral",
)
OPTIONAL_COLUMNS: Final = ("languages", "accessibility_notes", "referral_endpoint")
MAX_ROWS: Final = 1000
_MAX_LENGTHS: Final = {"name": 200, "accessibility_notes": 1000, "referral_endpoint": 2048}
_YES_NO: Final = {"yes": True, "no": False}


@dataclass
class ImportResult:
    lines_read: int = 0
    services: list[SupportService] = field(default_factory=list)
    errors: list[ImportLineError] = field(default_factory=list)


def _column_of(path: str) -> str:
    """The CSV column a rule's field path points into."""
    if path == "opening_hours.time_zone":
        return "time_zone"
    return path.split(".", 1)[0].split("[", 1)[0]


def parse_opening_hours(text: str) -> list[OpeningPeriod] | None:
    """``mon-fri 09:00-17:00; sat 10:00-13:00``; None when it does not read so.

    The times themselves are checked by the same rules as the JSON API's.
    """
    periods: list[OpeningPeriod] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days, _, times = part.partition(" ")
        first, _, last = days.partition("-")
        opens, dash, closes = times.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS) or not dash:
            return None
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if end < start:
            return None
        periods += [
            OpeningPeriod(weekday=day, opens=opens.strip(), closes=closes.strip())
            for day in WEEKDAYS[start : end + 1]
        ]
    return periods


def _rows(text: str, result: ImportResult) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []  # reading the header can already fail
    except csv.Error:
        result.errors.append(ImportLineError(line=1, field="header", message="not valid CSV"))
        return
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    result.errors += [ImportLineError(line=1, field=c, message="column missing") for c in missing]
    if unknown or len(set(header)) != len(header):
        result.errors.append(
            ImportLineError(line=1, field="header", message="unknown or repeated column")
        )
    if result.errors:
        return
    try:
        for count, row in enumerate(reader, start=1):
            if count > MAX_ROWS:
                result.errors.append(
                    ImportLineError(line=reader.line_num, field="body", message="too many lines")
                )
                return
            if None in row or any(v is None for v in row.values()):
                result.errors.append(
                    ImportLineError(line=reader.line_num, field="body", message="wrong cell count")
                )
                continue
            yield reader.line_num, {key: value.strip() for key, value in row.items()}
    except csv.Error:
        result.errors.append(
            ImportLineError(line=reader.line_num, field="body", message="not valid CSV")
        )


def _draft(
    row: dict[str, str], areas: dict[str, uuid.UUID]
) -> tuple[ServiceCreate | None, str | None, list[FieldError]]:
    """The row as a create request with its E.164 phone, or every fault found in it."""
    errors = [FieldError(c, "is required") for c in REQUIRED_COLUMNS if not row[c]]
    errors += [
        FieldError(c, f"is longer than {limit} characters")
        for c, limit in _MAX_LENGTHS.items()
        if len(row.get(c, "")) > limit
    ]
    flags = {}
    for column in ("operating_now", "accepts_self_referral", "accepts_agency_referral"):
        flags[column] = _YES_NO.get(row[column].lower())
        if row[column] and flags[column] is None:
            errors.append(FieldError(column, "must be yes or no"))
    area_id = areas.get(row["area"])
    if row["area"] and area_id is None:
        errors.append(FieldError("area", "no area of this name"))
    periods = parse_opening_hours(row["opening_hours"])
    if row["opening_hours"] and periods is None:
        errors.append(FieldError("opening_hours", "write it as: mon-fri 09:00-17:00; sat ..."))
    hours = (
        OpeningHours(time_zone=row["time_zone"], periods=periods)
        if periods is not None and row["time_zone"]
        else None
    )
    languages = row.get("languages", "").replace(",", " ").lower().split()
    endpoint = row.get("referral_endpoint") or None
    e164, rule_errors = check_service_fields(
        phone=row["phone"] or None,
        opening_hours=hours,
        languages=languages,
        referral_endpoint=endpoint,
    )
    errors += rule_errors
    if errors or area_id is None or hours is None or e164 is None:
        return None, None, errors
    data = ServiceCreate(
        name=row["name"],
        area_id=area_id,
        phone=row["phone"],
        opening_hours=hours,
        languages=languages,
        accessibility_notes=row.get("accessibility_notes") or None,
        is_operating_now=flags["operating_now"] is True,
        accepts_self_referral=flags["accepts_self_referral"] is True,
        accepts_agency_referral=flags["accepts_agency_referral"] is True,
        referral_endpoint=endpoint,
    )
    return data, e164, []


async def check_import(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    text: str,
    actor_id: uuid.UUID,
    now: datetime,
) -> ImportResult:
    """Every line checked; the services are built (not added) only when all lines pass."""
    result = ImportResult()
    areas = dict(
        (
            await session.execute(
                select(Area.name, Area.id).where(Area.organisation_id == organisation_id)
            )
        )
        .tuples()
        .all()
    )
    existing = set(
        (
            await session.execute(
                select(SupportService.area_id, SupportService.name).where(
                    SupportService.organisation_id == organisation_id
                )
            )
        )
        .tuples()
        .all()
    )
    for line, row in _rows(text, result):
        result.lines_read += 1
        data, e164, errors = _draft(row, areas)
        if data is not None and (data.area_id, data.name) in existing:
            errors.append(FieldError("name", "is already used in this area"))
        elif data is not None and e164 is not None:
            existing.add((data.area_id, data.name))
            result.services.append(
                new_service(
                    organisation_id=organisation_id,
                    data=data,
                    e164=e164,
                    actor_id=actor_id,
                    now=now,
                )
            )
        result.errors += [
            ImportLineError(line=line, field=_column_of(e.field), message=e.message) for e in errors
        ]
    if result.errors:
        result.services = []
    return result
