"""The one normal form of a phone number and an e-mail address.

Returns None for something that is not one, so each feature names its own field in
the error; values are never put into messages.
"""

from __future__ import annotations

import re

import phonenumbers

# Local-part@domain.tld, no spaces: a sanity check, not RFC 5322.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


def e164(raw: str, *, region: str | None = None, strict: bool = False) -> str | None:
    """E.164, or None. ``strict`` asks for a number in an allocated range ("valid");
    otherwise a number of the right length for its country ("possible") is enough, so a
    person's number from a range newer than the library's metadata is still recordable."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None


def normalised_email(raw: str) -> str | None:
    """Trimmed and lower-cased (the form that is sealed and blind-indexed), or None."""
    value = raw.strip().lower()
    return value if _EMAIL.fullmatch(value) else None
