"""Start-up checks of the real providers: each stops start-up with one line naming what
is missing, and never echoes a secret."""

from __future__ import annotations

import pytest

from partner_contact.settings import SettingsError, load_settings

TWILIO = {
    "PC_TWILIO_ACCOUNT_SID": "AC0123",
    "PC_TWILIO_AUTH_TOKEN": "twilio-secret-canary",
    "PC_TWILIO_MESSAGING_SERVICE_SID": "MG0123",
}
WHATSAPP = {
    "PC_WHATSAPP_ACCESS_TOKEN": "wa-secret-canary",
    "PC_WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "PC_WHATSAPP_APP_SECRET": "app-secret-canary",
    "PC_WHATSAPP_VERIFY_TOKEN": "verify-canary",
    "PC_WHATSAPP_TEMPLATE_NAME": "neutral_hello",
}
SMTP = {
    "PC_EMAIL_SMTP_HOST": "smtp.example.org",
    "PC_EMAIL_FROM_ADDRESS": "sam@example.org",
    "PC_EMAIL_FROM_NAME": "Sam",
}
HTTPS = {"PC_PUBLIC_URL": "https://contact.example.org"}


def _load(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as refused:
        load_settings(env)
    message = str(refused.value)
    assert "\n" not in message
    assert "canary" not in message
    return message


def test_all_three_providers_load_when_complete() -> None:
    settings = load_settings(
        {"PC_PROVIDER": "twilio, whatsapp,smtp", **HTTPS, **TWILIO, **WHATSAPP, **SMTP}
    )
    assert settings.providers == ("twilio", "whatsapp", "smtp")
    assert not settings.is_sandbox


@pytest.mark.parametrize(
    ("provider", "complete", "dropped"),
    [
        ("twilio", TWILIO, "PC_TWILIO_ACCOUNT_SID"),
        ("twilio", TWILIO, "PC_TWILIO_AUTH_TOKEN"),
        ("twilio", TWILIO, "PC_TWILIO_MESSAGING_SERVICE_SID"),
        ("whatsapp", WHATSAPP, "PC_WHATSAPP_APP_SECRET"),
        ("whatsapp", WHATSAPP, "PC_WHATSAPP_TEMPLATE_NAME"),
        ("smtp", SMTP, "PC_EMAIL_FROM_ADDRESS"),
        ("smtp", SMTP, "PC_EMAIL_FROM_NAME"),
    ],
)
def test_missing_credentials_or_sender_stop_start_up(
    provider: str, complete: dict[str, str], dropped: str
) -> None:
    env = {"PC_PROVIDER": provider, **HTTPS, **complete}
    del env[dropped]
    message = _load(env)
    assert message.startswith(dropped.split(" ")[0])
    assert provider in message


def test_a_real_provider_needs_a_public_https_url() -> None:
    message = _load({"PC_PROVIDER": "twilio", **TWILIO})
    assert message.startswith("PC_PUBLIC_URL:")


def test_the_sandbox_never_mixes_with_real_providers_and_names_are_checked() -> None:
    assert _load({"PC_PROVIDER": "sandbox,twilio", **HTTPS, **TWILIO}).startswith("PC_PROVIDER:")
    assert _load({"PC_PROVIDER": "pigeon"}).startswith("PC_PROVIDER:")


def test_plain_smtp_only_to_a_relay_on_this_host() -> None:
    env = {"PC_PROVIDER": "smtp", **HTTPS, **SMTP, "PC_EMAIL_SMTP_SECURITY": "none"}
    assert _load(env).startswith("PC_EMAIL_SMTP_SECURITY:")
    local = load_settings({**env, "PC_EMAIL_SMTP_HOST": "localhost"})
    assert local.email.smtp_security == "none"
