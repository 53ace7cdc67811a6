"""The rules a referral keeps: which services it may go to, its note, its transitions."""

from __future__ import annotations

import re
import uuid
from typing import Final

from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import SupportService
from partner_contact.referrals.models import Referral
from partner_contact.referrals.schemas import NOTE_MAX_LENGTH, CloseOutcome, ReferralStatus

OPEN: Final = (ReferralStatus.proposed, ReferralStatus.agreed)
AT_SERVICE: Final = (ReferralStatus.sent, ReferralStatus.acknowledged)
# The states each closing outcome may be recorded from.
CLOSABLE_FROM: Final[dict[CloseOutcome, tuple[ReferralStatus, ...]]] = {
    CloseOutcome.declined_by_her: OPEN,
    CloseOutcome.completed: AT_SERVICE,
    CloseOutcome.service_unavailable: (*OPEN, *AT_SERVICE),
}
# Line breaks and tabs are the only control characters free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_referral",
        "The referral is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def invalid_transition(referral: Referral) -> DomainError:
    return DomainError(
        "invalid_transition",
        "The referral cannot make that change from its current state",
        status=409,
        detail=f"The referral is {referral.status}.",
    )


def check_note(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        raise invalid("note", "The note must not be blank")
    if len(text) > NOTE_MAX_LENGTH:
        raise invalid("note", f"At most {NOTE_MAX_LENGTH} characters")
    if _CONTROL.search(text):
        raise invalid("note", "Control characters are not allowed")
    return text


def check_can_refer(service: SupportService) -> None:
    """A referral goes only to an active service operating now that takes agency referrals."""
    if not (service.is_active and service.is_operating_now):
        raise DomainError(
            "service_not_operating",
            "The service is not operating now",
            status=409,
            detail="Choose a service the directory lists as operating now.",
        )
    if not service.accepts_agency_referral:
        raise DomainError(
            "agency_referrals_not_accepted",
            "The service takes no referrals from other agencies",
            status=409,
            detail="She can contact this service herself.",
        )


def area_unknown() -> DomainError:
    return DomainError(
        "area_unknown",
        "Her area is not recorded",
        status=409,
        detail="Record the area she lives in on her record (area_id) first.",
    )


def check_in_her_area(service: SupportService, area_id: uuid.UUID | None) -> None:
    """A referral goes only to a service of the area she lives in."""
    if area_id is None:
        raise area_unknown()
    if service.area_id != area_id:
        raise DomainError(
            "service_not_in_her_area",
            "The service is not in her area",
            status=409,
            detail="Choose a service of the area she lives in (see her referral options).",
        )
