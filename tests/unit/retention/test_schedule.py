"""The daily purge runs at the configured UTC hour: today if still ahead, else tomorrow."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import Mock

import msgspec
import pytest

from partner_contact.retention.purge import Purger
from partner_contact.settings import RetentionSettings


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 2, 2, 59, 59, tzinfo=UTC), datetime(2026, 3, 2, 3, tzinfo=UTC)),
        (datetime(2026, 3, 2, 3, 0, 0, tzinfo=UTC), datetime(2026, 3, 3, 3, tzinfo=UTC)),
        (datetime(2026, 3, 31, 23, 0, tzinfo=UTC), datetime(2026, 4, 1, 3, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_next_purge_hour(now: datetime, expected: datetime) -> None:
    purger = Purger(
        engine=Mock(), database=Mock(), session_maker=Mock(), settings=RetentionSettings()
    )
    assert purger.next_run_after(now) == expected


def test_retention_days_are_at_least_one() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"reply_days": 0}, RetentionSettings)
