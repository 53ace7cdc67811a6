"""The safety gate: may we message her now? A pure function of its inputs.

Nothing here reads a clock, a database or the network; the caller passes ``now``.

Rules, in order:

1. Blocked. Any of do-not-contact, opted out, no usable channel, the daily cap (messages
   sent in the rolling window (now-24h, now] >= ``max_per_day``) or the weekly cap
   (in (now-7d, now] >= ``max_per_week``) gives ``blocked`` with every blocking reason
   that applies. Nothing else is looked at, and a worker's confirmation does not help.
2. Needs a worker's confirmation. Risk band high; living with him while his working hours
   are unknown; no safe windows recorded. Unless ``is_confirmed``, these give
   ``needs_confirmation`` with those reasons. A risk band of ``None`` (never screened)
   adds no reason of its own: without a screening the engine does not know whether he
   lives with her, so it passes ``shares_home_with_him=True`` and ``his_hours=None``,
   and ``his_hours_unknown`` already asks for a confirmation.
3. Timing. The moment is safe when (a) it lies in one of her safe windows (her zone),
   waived when none are recorded and a worker confirmed; (b) it is outside quiet hours
   (her zone; they may wrap midnight; equal start and end mean no quiet hours); (c) when
   she lives with him and his hours are known, it lies in his working hours (his zone).
   A confirmed unknown ``his_hours`` waives (c); not living with him ignores his hours.
   Safe now: ``clear``, no reasons. Otherwise ``defer`` with the timing reasons that hold
   now and ``next_safe_at``, the earliest safe instant in [now, now + horizon). When there
   is none: ``needs_confirmation`` with ``no_safe_moment_soon`` and the timing reasons,
   even if confirmed: a worker must choose another way.

Reasons come in enum order, without duplicates. ``next_safe_at`` is set for ``defer``
only, in UTC. Times are read at the instant (to the minute, as local times are). The
earliest safe instant is now or an instant at which some condition turns true: a range
start or the end of quiet hours in local time (both readings of a time repeated when
clocks go back), or a daylight-saving transition (which also covers a start that does
not exist locally: the clock jumps past it). Those candidates are checked with the same
predicate as now, in order, and the first safe one wins.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, TypeAlias
from zoneinfo import ZoneInfo

from partner_contact.participants.risk import RiskBand
from partner_contact.weekly import WEEKDAYS, TimeRange, falls_within, minutes

_LOCAL_TIME: Final = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_MINUTE: Final = timedelta(minutes=1)
_DAY: Final = timedelta(days=1)
_StartsOf: TypeAlias = Callable[[date], Iterable[int]]  # a local day's start minutes


class Decision(enum.StrEnum):
    clear = "clear"
    defer = "defer"
    needs_confirmation = "needs_confirmation"
    blocked = "blocked"


class Reason(enum.StrEnum):
    # blocking
    do_not_contact = "do_not_contact"
    opted_out = "opted_out"
    daily_cap_reached = "daily_cap_reached"
    weekly_cap_reached = "weekly_cap_reached"
    no_channel = "no_channel"
    # needing a worker's confirmation
    high_risk = "high_risk"
    his_hours_unknown = "his_hours_unknown"
    no_safe_windows = "no_safe_windows"
    no_safe_moment_soon = "no_safe_moment_soon"
    # deferring
    outside_safe_window = "outside_safe_window"
    quiet_hours = "quiet_hours"
    he_may_be_home = "he_may_be_home"


_ORDER: Final = {reason: index for index, reason in enumerate(Reason)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class GatePolicy:
    quiet_start: str = "21:00"  # her local time; quiet hours may wrap midnight
    quiet_end: str = "08:00"
    max_per_day: int = 2  # messages sent to her in the last 24 h (rolling)
    max_per_week: int = 5  # in the last 7 days (rolling)
    horizon: timedelta = timedelta(days=8)  # how far ahead to look for the next safe moment

    def __post_init__(self) -> None:
        for name in ("quiet_start", "quiet_end"):
            if not _LOCAL_TIME.match(getattr(self, name)):
                raise ValueError(f"{name} must be HH:MM (00:00 to 24:00)")
        if self.max_per_day < 0 or self.max_per_week < 0:
            raise ValueError("caps must not be negative")
        if self.horizon <= timedelta(0):
            raise ValueError("horizon must be positive")


DEFAULT_POLICY: Final = GatePolicy()


@dataclasses.dataclass(frozen=True, kw_only=True)
class HisHours:
    zone: str
    ranges: Sequence[TimeRange]  # when he is at work away from home


@dataclasses.dataclass(frozen=True, kw_only=True)
class GateInput:
    now: datetime  # aware, UTC
    is_do_not_contact: bool
    is_opted_out: bool
    has_channel: bool  # she has at least one agreed message channel usable now
    her_zone: str  # IANA
    safe_windows: Sequence[TimeRange]  # her safe times, her zone; empty = none recorded
    shares_home_with_him: bool  # if False his presence at home does not matter
    his_hours: HisHours | None  # None = his working hours are not known (or he works at home)
    risk_band: RiskBand | None  # None = no screening yet
    sent_times: Sequence[datetime]  # when earlier messages were sent to her (any channel)
    is_confirmed: bool = False  # a worker confirmed with a reason

    def __post_init__(self) -> None:
        if not _is_aware(self.now):
            raise ValueError("now must be timezone-aware")
        if not all(_is_aware(sent) for sent in self.sent_times):
            raise ValueError("sent_times must be timezone-aware")


@dataclasses.dataclass(frozen=True, kw_only=True)
class GateResult:
    decision: Decision
    reasons: tuple[Reason, ...]  # machine-readable, stable order (enum order), no duplicates
    next_safe_at: datetime | None  # set only for defer: the earliest safe instant (UTC) >= now


def evaluate_gate(data: GateInput, policy: GatePolicy = DEFAULT_POLICY) -> GateResult:
    """Whether she may be messaged at ``data.now``, and if not, why and when."""
    now = data.now.astimezone(UTC)

    blocking = _blocking_reasons(data, now, policy)
    if blocking:
        return _result(Decision.blocked, blocking)

    confirmation = _confirmation_reasons(data)
    if confirmation and not data.is_confirmed:
        return _result(Decision.needs_confirmation, confirmation)

    timing = _Timing.of(data, policy)
    failing = timing.failing(now)
    if not failing:
        return _result(Decision.clear, ())
    next_safe = timing.earliest_safe(now, now + policy.horizon)
    if next_safe is None:
        return _result(Decision.needs_confirmation, (Reason.no_safe_moment_soon, *failing))
    return _result(Decision.defer, failing, next_safe)


def _blocking_reasons(data: GateInput, now: datetime, policy: GatePolicy) -> list[Reason]:
    reasons = []
    if data.is_do_not_contact:
        reasons.append(Reason.do_not_contact)
    if data.is_opted_out:
        reasons.append(Reason.opted_out)
    if not data.has_channel:
        reasons.append(Reason.no_channel)
    if _sent_within(data.sent_times, now, _DAY) >= policy.max_per_day:
        reasons.append(Reason.daily_cap_reached)
    if _sent_within(data.sent_times, now, 7 * _DAY) >= policy.max_per_week:
        reasons.append(Reason.weekly_cap_reached)
    return reasons


def _sent_within(sent_times: Iterable[datetime], now: datetime, window: timedelta) -> int:
    """Messages sent in the rolling window (now - window, now]."""
    return sum(1 for sent in sent_times if now - window < sent <= now)


def _confirmation_reasons(data: GateInput) -> list[Reason]:
    reasons = []
    if data.risk_band == RiskBand.high:
        reasons.append(Reason.high_risk)
    if data.shares_home_with_him and data.his_hours is None:
        reasons.append(Reason.his_hours_unknown)
    if not data.safe_windows:
        reasons.append(Reason.no_safe_windows)
    return reasons


@dataclasses.dataclass(frozen=True)
class _Timing:
    """The timing conditions; a ``None`` condition is waived."""

    her_zone: str
    safe_windows: Sequence[TimeRange] | None
    quiet_start: int
    quiet_end: int
    his_hours: HisHours | None

    @classmethod
    def of(cls, data: GateInput, policy: GatePolicy) -> _Timing:
        return cls(
            her_zone=data.her_zone,
            safe_windows=data.safe_windows or None,
            quiet_start=minutes(policy.quiet_start),
            quiet_end=minutes(policy.quiet_end),
            his_hours=data.his_hours if data.shares_home_with_him else None,
        )

    def failing(self, instant: datetime) -> list[Reason]:
        """The timing reasons that hold at ``instant``; empty when it is safe."""
        reasons = []
        if self.safe_windows is not None and not falls_within(
            self.safe_windows, self.her_zone, instant
        ):
            reasons.append(Reason.outside_safe_window)
        if self._is_quiet(instant):
            reasons.append(Reason.quiet_hours)
        if self.his_hours is not None and not falls_within(
            self.his_hours.ranges, self.his_hours.zone, instant
        ):
            reasons.append(Reason.he_may_be_home)
        return reasons

    def _is_quiet(self, instant: datetime) -> bool:
        local = instant.astimezone(ZoneInfo(self.her_zone))
        minute = local.hour * 60 + local.minute
        start, end = self.quiet_start, self.quiet_end
        if start < end:
            return start <= minute < end
        if start > end:  # wraps midnight
            return minute >= start or minute < end
        return False  # equal: no quiet hours

    def earliest_safe(self, start: datetime, end: datetime) -> datetime | None:
        """The earliest safe instant in [start, end), or None."""
        candidates = {c for c in self._candidates(start, end) if start <= c < end}
        return next((c for c in sorted(candidates) if not self.failing(c)), None)

    def _candidates(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Instants at which a condition may turn true (a superset; checked afterwards)."""
        yield start
        her = ZoneInfo(self.her_zone)
        yield from _transitions(her, start, end)
        yield from _local_instants(her, start, end, lambda _day: (self.quiet_end,))
        if self.safe_windows is not None:
            yield from _local_instants(her, start, end, _starts_by_day(self.safe_windows))
        if self.his_hours is not None:
            his = ZoneInfo(self.his_hours.zone)
            yield from _transitions(his, start, end)
            yield from _local_instants(his, start, end, _starts_by_day(self.his_hours.ranges))


def _starts_by_day(ranges: Sequence[TimeRange]) -> _StartsOf:
    starts: dict[str, list[int]] = {}
    for time_range in ranges:
        starts.setdefault(time_range.weekday, []).append(minutes(time_range.start))
    return lambda day: starts.get(WEEKDAYS[day.weekday()], ())


def _local_instants(
    zone: ZoneInfo, start: datetime, end: datetime, starts_of: _StartsOf
) -> Iterator[datetime]:
    """Each local day's start minutes in ``zone`` as UTC instants, both readings if repeated.

    A local time skipped by a daylight-saving gap gives some instant near the gap; the
    instant the clock jumps past it comes from ``_transitions``.
    """
    day = start.astimezone(zone).date() - _DAY
    last = end.astimezone(zone).date() + _DAY
    while day <= last:
        midnight = datetime.combine(day, time())
        for minute in starts_of(day):
            local = midnight + timedelta(minutes=minute)  # "24:00" becomes the next midnight
            for fold in (0, 1):
                yield local.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        day += _DAY


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in (start, end] at which ``zone`` changes its UTC offset.

    Offsets change on whole UTC minutes, so an hourly scan finds the hours with a change
    and a binary search over minutes finds the instant.
    """
    base = start.replace(second=0, microsecond=0)
    total = -((base - end) // _MINUTE)  # minutes from base to end, rounded up

    def offset(minute: int) -> timedelta | None:
        return (base + minute * _MINUTE).astimezone(zone).utcoffset()

    found = []
    low, low_offset = 0, offset(0)
    while low < total:
        high = min(low + 60, total)
        high_offset = offset(high)
        if high_offset != low_offset:
            lo, hi = low, high
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == low_offset:
                    lo = mid
                else:
                    hi = mid
            found.append(base + hi * _MINUTE)
        low, low_offset = high, high_offset
    return found


def _result(
    decision: Decision, reasons: Iterable[Reason], next_safe_at: datetime | None = None
) -> GateResult:
    ordered = tuple(sorted(set(reasons), key=_ORDER.__getitem__))
    return GateResult(decision=decision, reasons=ordered, next_safe_at=next_safe_at)


def _is_aware(instant: datetime) -> bool:
    return instant.tzinfo is not None and instant.utcoffset() is not None
