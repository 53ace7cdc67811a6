"""Pure rules: normalisation, windows, channels, masking and clearance."""

from __future__ import annotations

import datetime as dt

import pytest

from partner_contact.errors import DomainError
from partner_contact.partners import validation as check
from partner_contact.partners.clearance import ConsentDecision, derive_clearance
from partner_contact.partners.events import EventKind, Priority, task_priority
from partner_contact.partners.schemas import SafeWindow


def _field(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.errors[0].field


def test_phone_is_normalised_to_e164_with_a_region_hint() -> None:
    assert check.normalise_phone("07700 900123", region="GB", field="phone") == "+447700900123"
    assert check.normalise_phone("+33.6.12.34.56.78", region=None, field="phone") == "+33612345678"


def test_a_national_number_without_region_is_refused_without_echoing_it() -> None:
    with pytest.raises(DomainError) as exc:
        check.normalise_phone("07700 900123", region=None, field="whatsapp")
    assert _field(exc) == "whatsapp"
    assert "900123" not in str(exc.value.errors)


def test_email_is_trimmed_and_lower_cased() -> None:
    assert check.normalise_email("  Amira.Canary@Example.ORG ") == "amira.canary@example.org"


@pytest.mark.parametrize("alias", ["07700 900 123", "a@b.org", "  "])
def test_aliases_that_look_like_details_are_refused(alias: str) -> None:
    with pytest.raises(DomainError):
        check.check_alias(alias)


def test_windows_on_different_days_and_touching_windows_are_fine() -> None:
    windows = [
        SafeWindow(weekday="mon", start="09:00", end="10:00"),
        SafeWindow(weekday="mon", start="10:00", end="24:00"),
        SafeWindow(weekday="tue", start="09:30", end="10:00"),
    ]
    assert check.check_safe_windows(windows) == windows


def test_masks_show_two_digits_and_the_top_level_domain_only() -> None:
    assert check.mask_phone("+447700900123") == "•••• 23"
    assert check.mask_email("amira.canary@example.org") == "a•••@•••.org"


def test_clearance_is_refused_without_her_recorded_agreement() -> None:
    refused = derive_clearance(consent=None, any_do_not_contact=False)
    assert (refused.contact_permitted, refused.review_after) == (False, None)


def test_clearance_follows_her_agreement_unless_a_partner_is_do_not_contact() -> None:
    agreed = ConsentDecision(permits_contact=True, review_after=dt.date(2026, 4, 1))
    permitted = derive_clearance(consent=agreed, any_do_not_contact=False)
    assert (permitted.contact_permitted, permitted.review_after) == (True, dt.date(2026, 4, 1))
    assert not derive_clearance(consent=agreed, any_do_not_contact=True).contact_permitted
    declined = ConsentDecision(permits_contact=False, review_after=dt.date(2026, 4, 1))
    assert derive_clearance(consent=declined, any_do_not_contact=False).review_after is None


def test_a_threat_to_kill_is_urgent_and_a_drop_out_high() -> None:
    assert task_priority(EventKind.threat_disclosed, threat_to_kill=True) == Priority.urgent
    assert task_priority(EventKind.dropped_out, threat_to_kill=False) == Priority.high
