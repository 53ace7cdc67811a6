"""Settings: one msgspec Struct tree, from an optional TOML file and ``PC_*`` variables.

Every leaf ``name`` of the top level is read from ``PC_NAME``; a leaf of a section
(a nested Struct) ``section.name`` from ``PC_SECTION_NAME``. Any of them may instead
be given as ``PC_..._FILE``, a path whose contents are the value (for secrets). The
TOML file (``PC_CONFIG_FILE``) uses the same names, sections as tables. Variables win
over the file. A bad value stops start-up with a :class:`SettingsError` whose message is
one line naming the variable; values are never echoed, since some are secrets.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_type_hints
from urllib.parse import urlsplit

import msgspec

from partner_contact.participants.risk import RiskRule
from partner_contact.weekly import LocalTime

ENV_PREFIX = "PC_"
# Variables with these names belong to the test suite or the loader itself.
_RESERVED_ENV = re.compile(r"^PC_(TEST_.*|CONFIG_FILE)$")


class SettingsError(Exception):
    """A setting is missing, malformed or inconsistent; the message is one line."""


class AuthSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Staff authentication."""

    idle_timeout_seconds: Annotated[int, msgspec.Meta(ge=60, le=86_400)] = 300
    absolute_timeout_seconds: Annotated[int, msgspec.Meta(ge=300, le=7 * 86_400)] = 8 * 3600
    require_totp: bool = True
    password_min_length: Annotated[int, msgspec.Meta(ge=10, le=128)] = 12
    argon2_memory_kib: Annotated[int, msgspec.Meta(ge=19_456, le=4_194_304)] = 19_456
    argon2_time_cost: Annotated[int, msgspec.Meta(ge=2, le=20)] = 2
    argon2_parallelism: Annotated[int, msgspec.Meta(ge=1, le=16)] = 1
    lockout_threshold: Annotated[int, msgspec.Meta(ge=3, le=50)] = 10


class AuditSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Tamper-evident access log."""

    seal_interval_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 2.0
    checkpoint_interval_seconds: Annotated[int, msgspec.Meta(ge=10, le=86_400)] = 300
    # Signed checkpoints are appended here; copy it off the host (see docs/audit.md).
    checkpoint_file: str = ""


class OrgSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The organisation's regional context."""

    # A fact about police, shelters or courts confirmed longer ago than this is flagged.
    context_stale_after_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14


class OutreachSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The outreach protocol: the safety gate, timers, the dispatcher and retention."""

    # Quiet hours in her local time; messages due inside them wait until they end.
    quiet_start: LocalTime = "21:00"
    quiet_end: LocalTime = "08:00"
    # First message, follow-up and a fallback she asked for fit in one day.
    max_messages_per_day: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    max_messages_per_week: Annotated[int, msgspec.Meta(ge=1, le=30)] = 6
    # No reply this long after the first message: one follow-up (gated again).
    follow_up_after_minutes: Annotated[int, msgspec.Meta(ge=5, le=10_080)] = 240
    # No reply this long after the follow-up: her worker decides.
    no_reply_after_minutes: Annotated[int, msgspec.Meta(ge=5, le=20_160)] = 1440
    # An outreach that never got a message out ends as expired after this long.
    expire_after_hours: Annotated[int, msgspec.Meta(ge=1, le=720)] = 72
    # Message bodies (outbox, sandbox) are erased after this many days; metadata stays.
    # Replies follow retention.reply_days (docs/retention.md).
    message_retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    # Words no template may contain, beyond the built-in list (comma-separated).
    blocked_words: str = ""
    # Run the dispatcher and scheduler inside the web process (off: run `partner-contact dispatch`).
    run_dispatcher: bool = True
    dispatch_interval_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    # A claimed message whose sender vanished is looked up with the provider after this.
    claim_lease_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] = 60

    @property
    def extra_blocked_words(self) -> tuple[str, ...]:
        return tuple(word.strip() for word in self.blocked_words.split(",") if word.strip())


class RetentionSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """How long each kind of her data is kept (docs/retention.md), and the daily purge.

    Message bodies follow ``outreach.message_retention_days`` (PC_OUTREACH_MESSAGE_RETENTION_DAYS).
    """

    # Her replies (inbound texts) and unmatched senders; webhook payloads never handled.
    reply_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    # The sealed free text of assessments (structured answers stay until the case ends).
    assessment_text_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 365
    # The text of notes marked addressed (open notes wait until taken up).
    addressed_note_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 90
    # A closed case is erased this long after it was closed.
    closed_case_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 180
    # Run the purge inside the web process, daily at this UTC hour.
    run_purge: bool = True
    purge_hour_utc: Annotated[int, msgspec.Meta(ge=0, le=23)] = 3


class TwilioSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Twilio Programmable Messaging (SMS), when PC_PROVIDER names ``twilio``."""

    account_sid: str = ""
    auth_token: str = ""  # a secret: give it as PC_TWILIO_AUTH_TOKEN_FILE
    # Preferred over a bare number: Advanced Opt-Out is configured on a Messaging Service.
    messaging_service_sid: str = ""
    from_number: str = ""
    api_base_url: str = "https://api.twilio.com"
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0


class WhatsAppSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Meta WhatsApp Cloud API, when PC_PROVIDER names ``whatsapp``."""

    access_token: str = ""  # secret
    phone_number_id: str = ""
    app_secret: str = ""  # secret: checks X-Hub-Signature-256
    verify_token: str = ""  # secret: the webhook subscription handshake
    api_base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    # An approved, neutral template without parameters, for outside the 24-hour window.
    template_name: str = ""
    template_language: str = "en"
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0


class EmailSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """E-mail out through SMTP and replies in through IMAP or a signed webhook."""

    smtp_host: str = ""
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65_535)] = 587
    smtp_username: str = ""
    smtp_password: str = ""  # secret
    # "none" only for a relay on this host (checked at start-up).
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    from_address: str = ""
    from_name: str = ""  # neutral: it shows in her inbox
    imap_host: str = ""
    imap_port: Annotated[int, msgspec.Meta(ge=1, le=65_535)] = 993
    imap_username: str = ""
    imap_password: str = ""  # secret
    imap_mailbox: str = "INBOX"
    imap_poll_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] = 60
    # For /webhooks/email/inbound (HMAC-SHA256 over timestamp and body; docs/email.md).
    inbound_webhook_secret: str = ""  # secret
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0


class CaseSystemSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Signed webhooks to victim-service case systems (docs/case-systems.md)."""

    # Run the delivery worker inside the web process (off: run `partner-contact deliver`).
    run_worker: bool = True
    poll_interval_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0
    # Retry after 30 s, doubling, at most an hour apart, each delay up to 10 % longer.
    retry_base_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 30
    retry_cap_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 3600
    retry_jitter: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.1
    # After this many attempts an event is marked failed for an operator.
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 12


REAL_PROVIDERS: Final = ("twilio", "whatsapp", "smtp")


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """All settings of the service, with the defaults of the embedded development setup."""

    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65_535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    data_dir: str = "./var"
    database_url: str = ""
    # "none" opens a connection per transaction: for PgBouncer in transaction mode.
    database_pool: Literal["queue", "none"] = "queue"
    keyring_file: str = ""
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    public_url: str = "http://127.0.0.1:8000"
    # "sandbox" (nothing leaves the machine), or a comma list of real providers:
    # "twilio" (SMS), "whatsapp", "smtp" (e-mail).
    provider: str = "sandbox"
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    auth: AuthSettings = msgspec.field(default_factory=AuthSettings)
    audit: AuditSettings = msgspec.field(default_factory=AuditSettings)
    org: OrgSettings = msgspec.field(default_factory=OrgSettings)
    # The participant risk rule: weights per factor and band thresholds (docs/risk.md).
    risk: RiskRule = msgspec.field(default_factory=RiskRule)
    outreach: OutreachSettings = msgspec.field(default_factory=OutreachSettings)
    retention: RetentionSettings = msgspec.field(default_factory=RetentionSettings)
    twilio: TwilioSettings = msgspec.field(default_factory=TwilioSettings)
    whatsapp: WhatsAppSettings = msgspec.field(default_factory=WhatsAppSettings)
    email: EmailSettings = msgspec.field(default_factory=EmailSettings)
    case_systems: CaseSystemSettings = msgspec.field(default_factory=CaseSystemSettings)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_path / 'partner-contact.db').as_posix()}"

    @property
    def resolved_keyring_file(self) -> Path:
        return Path(self.keyring_file) if self.keyring_file else self.data_path / "keyring.json"

    @property
    def resolved_checkpoint_file(self) -> Path:
        if self.audit.checkpoint_file:
            return Path(self.audit.checkpoint_file)
        return self.data_path / "audit-checkpoints.jsonl"

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers PC_PROVIDER names, in its order, without blanks or repeats."""
        names = (name.strip() for name in self.provider.split(","))
        return tuple(dict.fromkeys(name for name in names if name))

    @property
    def is_sandbox(self) -> bool:
        return self.providers == ("sandbox",)

    @property
    def is_behind_tls(self) -> bool:
        return self.public_url.startswith("https://")


def _env_name(path: tuple[str, ...]) -> str:
    return ENV_PREFIX + "_".join(path).upper()


def _leaves(
    struct_type: type[msgspec.Struct], path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Yield the path of every scalar setting, descending into sections."""
    hints = get_type_hints(struct_type, include_extras=True)
    for field in msgspec.structs.fields(struct_type):
        hint = hints[field.name]
        if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
            yield from _leaves(hint, (*path, field.name))
        else:
            yield (*path, field.name)


def _read_secret_file(variable: str, file_path: str) -> str:
    try:
        return Path(file_path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise SettingsError(f"{variable}: cannot read the file it names ({exc.strerror})") from None


def _set_path(tree: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    node = tree
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise SettingsError(f"{_env_name(path[:-1])}: is a section, not a value")
        node = child
    node[path[-1]] = value


def _load_toml(env: Mapping[str, str]) -> dict[str, Any]:
    config_file = env.get("PC_CONFIG_FILE")
    if not config_file:
        return {}
    try:
        with Path(config_file).open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"PC_CONFIG_FILE: cannot read the file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"PC_CONFIG_FILE: not valid TOML ({exc})") from None


def _source_of_error(message: str, from_env: set[tuple[str, ...]]) -> str:
    """Name the variable (or file key) that a msgspec error path points at."""
    match = re.search(r"at `\$((?:\.\w+)*)`", message)
    path = tuple(match.group(1).lstrip(".").split(".")) if match and match.group(1) else ()
    if not path:
        return "settings"
    if path in from_env:
        return _env_name(path)
    return f"{_env_name(path)} (settings file key {'.'.join(path)})"


def _reason(message: str) -> str:
    reason = re.sub(r"\s*-\s*at `\$[^`]*`", "", message)
    return re.sub(r"'[^']*'", "a value", reason)  # values may be secrets: never echo them


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    tree = _load_toml(env)
    leaves = {_env_name(path): path for path in _leaves(Settings)}
    from_env: set[tuple[str, ...]] = set()

    for variable in sorted(env):
        if not variable.startswith(ENV_PREFIX) or _RESERVED_ENV.match(variable):
            continue
        base = variable.removesuffix("_FILE") if variable.endswith("_FILE") else variable
        if variable not in leaves and base not in leaves:
            raise SettingsError(f"{variable}: unknown setting (see README, Configuration)")
        if variable in leaves and f"{variable}_FILE" in env:
            raise SettingsError(f"{variable}: set both directly and as {variable}_FILE")
        path = leaves[variable] if variable in leaves else leaves[base]
        value = env[variable] if variable in leaves else _read_secret_file(variable, env[variable])
        _set_path(tree, path, value)
        from_env.add(path)

    try:
        settings = msgspec.convert(tree, Settings, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise SettingsError(f"{_source_of_error(message, from_env)}: {_reason(message)}") from None
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
    public = urlsplit(settings.public_url)
    if public.scheme not in {"http", "https"} or not public.hostname:
        raise SettingsError("PC_PUBLIC_URL: must be an absolute http:// or https:// URL")
    if public.query or public.fragment or public.username:
        raise SettingsError("PC_PUBLIC_URL: must not carry credentials, a query or a fragment")
    if settings.database_url and not settings.database_url.startswith(
        ("sqlite+aiosqlite://", "postgresql+asyncpg://")
    ):
        raise SettingsError(
            "PC_DATABASE_URL: must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    _check_providers(settings)
    if (
        settings.database_url.startswith("postgresql")
        and importlib.util.find_spec("asyncpg") is None
    ):
        raise SettingsError(
            "PC_DATABASE_URL: PostgreSQL needs the driver: pip install 'partner-contact[postgres]'"
        )


def _missing(variables: dict[str, str]) -> str | None:
    """The first variable (by name) left empty."""
    return next((name for name, value in variables.items() if not value), None)


def _check_providers(settings: Settings) -> None:
    """A real provider needs its credentials, a sender and a public https URL."""
    names = settings.providers
    if not names or any(n not in ("sandbox", *REAL_PROVIDERS) for n in names):
        raise SettingsError(
            "PC_PROVIDER: must be sandbox, or a comma list of twilio, whatsapp, smtp"
        )
    if "sandbox" in names:
        if len(names) > 1:
            raise SettingsError("PC_PROVIDER: sandbox cannot be combined with real providers")
        return
    if not settings.is_behind_tls:
        raise SettingsError("PC_PUBLIC_URL: must be https:// when a real provider is used")
    twilio, whatsapp, email = settings.twilio, settings.whatsapp, settings.email
    required: dict[str, dict[str, str]] = {
        "twilio": {
            "PC_TWILIO_ACCOUNT_SID": twilio.account_sid,
            "PC_TWILIO_AUTH_TOKEN": twilio.auth_token,
            "PC_TWILIO_MESSAGING_SERVICE_SID or PC_TWILIO_FROM_NUMBER": (
                twilio.messaging_service_sid or twilio.from_number
            ),
        },
        "whatsapp": {
            "PC_WHATSAPP_ACCESS_TOKEN": whatsapp.access_token,
            "PC_WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id,
            "PC_WHATSAPP_APP_SECRET": whatsapp.app_secret,
            "PC_WHATSAPP_VERIFY_TOKEN": whatsapp.verify_token,
            "PC_WHATSAPP_TEMPLATE_NAME": whatsapp.template_name,
        },
        "smtp": {
            "PC_EMAIL_SMTP_HOST": email.smtp_host,
            "PC_EMAIL_FROM_ADDRESS": email.from_address,
            "PC_EMAIL_FROM_NAME": email.from_name,
        },
    }
    for name in names:
        missing = _missing(required[name])
        if missing is not None:
            raise SettingsError(f"{missing}: required when PC_PROVIDER includes {name}")
    if "smtp" in names:
        if email.smtp_security == "none" and email.smtp_host not in (
            "localhost",
            "127.0.0.1",
            "::1",
        ):
            raise SettingsError(
                "PC_EMAIL_SMTP_SECURITY: none is only allowed for a relay on this host"
            )
        if email.imap_host and not (email.imap_username and email.imap_password):
            raise SettingsError("PC_EMAIL_IMAP_USERNAME: IMAP needs a username and password")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()


def settings_for_command() -> Settings:
    """Settings for a CLI command: a bad one ends the command with one line, exit status 2."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"partner-contact: invalid configuration: {exc}", file=sys.stderr)
        sys.exit(2)
    settings.data_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings
