"""Normalising and checking what a worker records about her. Pure functions.

Every refusal names the field and the rule, never the value: the value is hers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from partner_contact.contact_details import e164, normalised_email
from partner_contact.errors import DomainError, FieldError
from partner_contact.partners.schemas import Channel, SafeWindow
from partner_contact.weekly import is_known_zone, range_errors

_EMAIL_LIKE = re.compile(r"\S@\S")
# Five digits in an alias look like part of a number; an alias must not carry her details.
_MANY_DIGITS = re.compile(r"(?:\d\D{0,2}){5}")
_CHANNEL_NEEDS: dict[Channel, str] = {
    "sms": "phone",
    "phone_call": "phone",
    "whatsapp": "whatsapp",
    "email": "email",
}


def invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_partner",
        "The partner record is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def normalise_phone(raw: str, *, region: str | None, field: str) -> str:
    """E.164; a number without +country needs a region hint."""
    if not raw.strip().startswith("+") and region is None:
        raise invalid(field, "Give the number with +country code, or a phone_region")
    number = e164(raw, region=region)
    if number is None:
        raise invalid(field, "This is not a possible phone number")
    return number


def normalise_email(raw: str, *, field: str = "email") -> str:
    """The one normal form (trimmed, lower-case) that is sealed and blind-indexed."""
    value = normalised_email(raw)
    if value is None:
        raise invalid(field, "This is not an e-mail address")
    return value


def check_alias(alias: str) -> str:
    value = alias.strip()
    if not value:
        raise invalid("alias", "The alias must not be blank")
    if _EMAIL_LIKE.search(value) or _MANY_DIGITS.search(value):
        raise invalid("alias", "The alias must not look like a phone number or e-mail address")
    return value


def check_time_zone(name: str) -> str:
    if not is_known_zone(name):
        raise invalid("time_zone", "This is not an IANA time zone name")
    return name


def check_safe_windows(windows: Sequence[SafeWindow]) -> list[SafeWindow]:
    """Each window non-empty, within one local day, and none overlapping another."""
    errors = range_errors(windows, field="safe_windows")
    if errors:
        raise DomainError(
            "invalid_partner", "The partner record is not valid", status=422, errors=errors
        )
    return list(windows)


def check_channels(
    channels: Sequence[Channel], *, has_phone: bool, has_whatsapp: bool, has_email: bool
) -> list[Channel]:
    """Channels in her order of preference, each backed by the detail it needs."""
    if len(set(channels)) != len(channels):
        raise invalid("channels", "A channel is listed twice")
    present = {"phone": has_phone, "whatsapp": has_whatsapp, "email": has_email}
    for position, channel in enumerate(channels):
        if not present[_CHANNEL_NEEDS[channel]]:
            raise invalid(
                f"channels[{position}]", f"This channel needs a {_CHANNEL_NEEDS[channel]}"
            )
    return list(channels)


def check_do_not_contact(is_do_not_contact: bool, reason: str | None) -> None:
    if is_do_not_contact and reason is None:
        raise invalid("do_not_contact_reason", "A do-not-contact flag needs a reason")
    if not is_do_not_contact and reason is not None:
        raise invalid("do_not_contact_reason", "A reason is given only with the flag")


def mask_phone(e164: str) -> str:
    return "•••• " + e164[-2:]


def mask_email(address: str) -> str:
    """First letter of the local part and the top-level domain only."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@•••.{domain.rsplit('.', 1)[-1]}"
