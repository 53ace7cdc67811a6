"""The outreach report: counts, a ratio and a median; no ids, names or partner fields.

Every count is either a whole number of at least :data:`THRESHOLD` or the string
``"<5"``: a count under the threshold (0 included) is never published, so no woman
can be singled out. See ``docs/reports.md`` for how each figure is defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final, Literal

import msgspec

THRESHOLD: Final = 5
SUPPRESSED: Final = "<5"
Count = int | Literal["<5"]
ReportScope = Literal["team", "organisation"]
TooFew = Literal["too_few"]


def suppress(count: int) -> Count:
    """The count itself when it is at least the threshold, otherwise ``"<5"``."""
    return count if count >= THRESHOLD else SUPPRESSED


def suppress_breakdown(parts: Mapping[str, int], *, total_shown: bool) -> dict[str, Count]:
    """Suppress each part; then, if the total is published and exactly one part was
    suppressed, also suppress the smallest other part (ties: the first in order).

    Without that second step a reader could subtract the shown parts from the total
    and recover the one suppressed count.
    """
    shown: dict[str, Count] = {name: suppress(count) for name, count in parts.items()}
    hidden = [name for name, value in shown.items() if value == SUPPRESSED]
    if total_shown and len(hidden) == 1:
        others = [
            (count, index, name)
            for index, (name, count) in enumerate(parts.items())
            if name not in hidden
        ]
        if others:
            shown[min(others)[2]] = SUPPRESSED
    return shown


class ReportPeriod(msgspec.Struct, frozen=True, kw_only=True):
    """Whole days in UTC, both ends included."""

    from_: date = msgspec.field(name="from")
    to: date
    days: int


class OutreachesByState(msgspec.Struct, frozen=True, kw_only=True):
    """The outreaches started in the period, by their state when the report is read."""

    completed: Count
    opted_out: Count
    blocked: Count
    suspended: Count
    cancelled: Count
    expired: Count
    open: Count


class OutreachFigures(msgspec.Struct, frozen=True, kw_only=True):
    started: Count
    by_state: OutreachesByState


class ChannelCount(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    count: Count


class MessagesSent(msgspec.Struct, frozen=True, kw_only=True):
    total: Count
    by_channel: list[ChannelCount]


class DerivedFigure(msgspec.Struct, frozen=True, kw_only=True):
    """A derived figure, published only when the counts behind it are large enough."""

    value: float | None
    reason: TooFew | None = None


class ReferralCount(msgspec.Struct, frozen=True, kw_only=True):
    service: str
    count: Count


class OutreachReport(msgspec.Struct, frozen=True, kw_only=True):
    period: ReportPeriod
    # "team" for a supervisor (her team's cases), "organisation" for an admin.
    scope: ReportScope
    threshold: int = THRESHOLD
    outreaches: OutreachFigures
    # Her replies and calls with her: a message sent or a voicemail is not a contact.
    real_contacts: Count
    # Partners whose opt-out (STOP) falls in the period and still stands.
    opt_outs: Count
    messages_sent: MessagesSent
    # Messages sent per real contact, one decimal.
    attempts_per_real_contact: DerivedFigure
    # Median days from his intake to the first real contact with her, one decimal.
    days_from_intake_to_first_contact: DerivedFigure
    # Referrals sent in the period, for every service of the directory, by name.
    referrals_by_service: list[ReferralCount]
