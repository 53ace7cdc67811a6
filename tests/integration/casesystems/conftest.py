"""Case-system tests: a receiver on a free port, and a short POST timeout.

Staff sessions must outlive the clock moving by hours between retries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from partner_contact.clock import ManualClock
from partner_contact.settings import AuthSettings, CaseSystemSettings, Settings
from tests.fixtures.case_system_receiver import CaseSystemReceiver
from tests.fixtures.settings import make_settings

# The one wait these tests allow: a held answer runs into this timeout.
POST_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
        case_systems=CaseSystemSettings(run_worker=False, timeout_seconds=POST_TIMEOUT_SECONDS),
    )


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[CaseSystemReceiver]:
    """Checks timestamps against the test's manual clock, as a receiver would its own."""
    with CaseSystemReceiver(clock=lambda: clock().timestamp()) as receiver:
        yield receiver
