"""Risk bands: from a count of "yes" answers to a band, and what a band set must satisfy.

Bands are ordered by their threshold: a band holds every count from its ``min_yes`` up to
the next band's. Professional judgement may move her to a higher band, never a lower one.
"""

from __future__ import annotations

from collections.abc import Sequence

from partner_contact.errors import FieldError
from partner_contact.risk.schemas import Band


def check_bands(bands: Sequence[Band], question_count: int) -> list[FieldError]:
    """What is wrong with a band set for a checklist of ``question_count`` questions."""
    errors: list[FieldError] = []
    if bands[0].min_yes != 0:
        errors.append(FieldError("bands[0].min_yes", "The first band starts at 0"))
    seen: set[str] = set()
    for index, band in enumerate(bands):
        if band.name in seen:
            errors.append(FieldError(f"bands[{index}].name", "Band names must be unique"))
        seen.add(band.name)
        if index and band.min_yes <= bands[index - 1].min_yes:
            errors.append(
                FieldError(f"bands[{index}].min_yes", "Thresholds must rise from band to band")
            )
        if band.min_yes > question_count:
            errors.append(
                FieldError(
                    f"bands[{index}].min_yes",
                    "The threshold is above the number of questions",
                )
            )
    return errors


def band_for(bands: Sequence[Band], yes_count: int) -> Band:
    """The highest band whose threshold the count reaches (bands are checked on load)."""
    reached = [band for band in bands if band.min_yes <= yes_count]
    return reached[-1]


def rank(bands: Sequence[Band], name: str) -> int | None:
    """A band's place in the order (0 = lowest), or ``None`` for no such band."""
    for index, band in enumerate(bands):
        if band.name == name:
            return index
    return None
