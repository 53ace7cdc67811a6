from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from partner_contact.settings import SettingsError, load_settings


def test_defaults_give_the_embedded_setup() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_keyring_file == Path("var/keyring.json")
    assert settings.max_body_bytes == 64 * 1024
    assert settings.provider == "sandbox"


def test_variables_are_converted_to_their_types() -> None:
    settings = load_settings({"PC_PORT": "9001", "PC_AUTH_REQUIRE_TOTP": "false"})
    assert settings.port == 9001
    assert settings.auth.require_totp is False


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PC_PORT": "abc"}, "PC_PORT"),
        ({"PC_PORT": "70000"}, "PC_PORT"),
        ({"PC_LOG_FORMAT": "xml"}, "PC_LOG_FORMAT"),
        ({"PC_AUTH_IDLE_TIMEOUT_SECONDS": "5"}, "PC_AUTH_IDLE_TIMEOUT_SECONDS"),
        ({"PC_PUBLIC_URL": "ftp://x"}, "PC_PUBLIC_URL"),
        ({"PC_DATABASE_URL": "mysql://u:secret@h/db"}, "PC_DATABASE_URL"),
        ({"PC_PORTT": "1"}, "PC_PORTT"),
    ],
)
def test_a_bad_setting_names_its_variable_in_one_line(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith(variable + ":")
    assert "\n" not in message


def test_an_invalid_value_is_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"PC_LOG_FORMAT": "s3cr3t-value"})
    assert "s3cr3t-value" not in str(caught.value)


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text("postgresql+asyncpg://u:pw@db/pc\n")
    settings = load_settings({"PC_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql+asyncpg://u:pw@db/pc"


def test_a_setting_given_twice_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "p"
    secret.write_text("1")
    with pytest.raises(SettingsError, match=r"^PC_PORT: set both"):
        load_settings({"PC_PORT": "1", "PC_PORT_FILE": str(secret)})


def test_an_unreadable_secret_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^PC_DATABASE_URL_FILE: cannot read"):
        load_settings({"PC_DATABASE_URL_FILE": str(tmp_path / "missing")})


def test_toml_file_is_read_and_variables_win(tmp_path: Path) -> None:
    config = tmp_path / "pc.toml"
    config.write_text('port = 8100\nhost = "10.1.2.3"\n[auth]\nidle_timeout_seconds = 600\n')
    settings = load_settings({"PC_CONFIG_FILE": str(config), "PC_PORT": "8200"})
    assert (settings.host, settings.port, settings.auth.idle_timeout_seconds) == (
        "10.1.2.3",
        8200,
        600,
    )


def test_a_bad_toml_value_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "pc.toml"
    config.write_text('[auth]\nidle_timeout_seconds = "soon"\n')
    with pytest.raises(
        SettingsError,
        match=r"^PC_AUTH_IDLE_TIMEOUT_SECONDS \(settings file key auth\.idle_timeout_seconds\)",
    ):
        load_settings({"PC_CONFIG_FILE": str(config)})


def test_cli_exits_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "PC_PORT": "abc", "PC_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "partner_contact", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "PC_PORT" in lines[0]
    assert "Traceback" not in result.stderr


def test_postgres_without_its_driver_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "asyncpg" else real_find_spec(name, *a),
    )
    with pytest.raises(SettingsError, match=r"^PC_DATABASE_URL: PostgreSQL needs the driver"):
        load_settings({"PC_DATABASE_URL": "postgresql+asyncpg://u@h/db"})


def test_the_risk_rule_and_context_age_are_configurable(tmp_path: Path) -> None:
    config = tmp_path / "pc.toml"
    config.write_text("[risk]\nhigh_from = 7\n[risk.weights]\ncoercive_control = 4\n")
    settings = load_settings(
        {
            "PC_CONFIG_FILE": str(config),
            "PC_RISK_ELEVATED_FROM": "3",
            "PC_ORG_CONTEXT_STALE_AFTER_DAYS": "30",
        }
    )
    assert (settings.risk.elevated_from, settings.risk.high_from) == (3, 7)
    assert settings.risk.weights.coercive_control == 4
    assert settings.risk.weights.court_mandated == 1  # unnamed weights keep their default
    assert settings.org.context_stale_after_days == 30


def test_an_inconsistent_risk_rule_stops_start_up() -> None:
    with pytest.raises(SettingsError, match=r"^PC_RISK"):
        load_settings({"PC_RISK_ELEVATED_FROM": "9", "PC_RISK_HIGH_FROM": "3"})
