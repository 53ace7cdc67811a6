"""The payload a service receives, and which services a referral may go to."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
import pytest

from partner_contact.errors import DomainError
from partner_contact.org.models import SupportService
from partner_contact.referrals.rules import check_can_refer
from partner_contact.referrals.schemas import ReferralPayload, SafeTimes
from partner_contact.weekly import TimeRange

REFERENCE = uuid.UUID("0b9f3d2e-8a51-4c8e-9a7e-2f6d1c3b4a59")
SERVICE = uuid.UUID("6a0e1b7c-3d42-4f19-8b25-9c7d0e1f2a36")


def payload(**agreed: object) -> bytes:
    return msgspec.json.encode(
        ReferralPayload(
            reference=REFERENCE,
            service_id=SERVICE,
            service_name="Harbour refuge",
            referred_on=date(2026, 3, 2),
            language="en",
            **agreed,  # type: ignore[arg-type]
        )
    )


def test_a_field_she_did_not_agree_to_is_absent_not_null() -> None:
    assert msgspec.json.decode(payload()) == {
        "reference": str(REFERENCE),
        "service_id": str(SERVICE),
        "service_name": "Harbour refuge",
        "referred_on": "2026-03-02",
        "language": "en",
    }


def test_agreed_fields_are_carried_as_given() -> None:
    window = TimeRange(weekday="wed", start="13:00", end="14:30")
    decoded = msgspec.json.decode(
        payload(
            phone="+447700900123", safe_times=SafeTimes(time_zone="Europe/London", windows=[window])
        )
    )
    assert decoded["phone"] == "+447700900123"
    assert decoded["safe_times"] == {
        "time_zone": "Europe/London",
        "windows": [{"weekday": "wed", "start": "13:00", "end": "14:30"}],
    }
    assert {"alias", "email", "note"}.isdisjoint(decoded)


@pytest.mark.parametrize(
    ("is_active", "is_operating_now", "accepts_agency_referral", "code"),
    [
        (True, True, True, None),
        (True, False, True, "service_not_operating"),
        (False, True, True, "service_not_operating"),
        (True, True, False, "agency_referrals_not_accepted"),
    ],
)
def test_only_an_active_service_operating_now_taking_agency_referrals(
    is_active: bool, is_operating_now: bool, accepts_agency_referral: bool, code: str | None
) -> None:
    service = SupportService(
        is_active=is_active,
        is_operating_now=is_operating_now,
        accepts_agency_referral=accepts_agency_referral,
    )
    if code is None:
        check_can_refer(service)
        return
    with pytest.raises(DomainError) as refused:
        check_can_refer(service)
    assert (refused.value.status, refused.value.code) == (409, code)
