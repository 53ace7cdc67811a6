"""Risk tests move the clock between records: staff sessions must outlive that."""

from __future__ import annotations

from pathlib import Path

import pytest

from partner_contact.settings import AuthSettings, Settings
from tests.fixtures.settings import make_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
    )
