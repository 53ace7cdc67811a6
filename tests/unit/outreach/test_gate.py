"""The safety gate: blocking, confirmation and timing rules, and the next safe moment."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partner_contact.outreach.gate import (
    Decision,
    GateInput,
    GatePolicy,
    GateResult,
    HisHours,
    Reason,
    evaluate_gate,
)
from partner_contact.participants.risk import RiskBand
from partner_contact.weekly import WEEKDAYS, TimeRange, Weekday, minutes

H = timedelta(hours=1)
D = timedelta(days=1)
S = timedelta(seconds=1)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ranges(days: Sequence[Weekday], start: str, end: str) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(weekday=day, start=start, end=end) for day in days)


WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

# Wednesday 2026-01-14, 12:00 in Berlin (CET, UTC+1).
NOW = at(2026, 1, 14, 11)
BASE = GateInput(
    now=NOW,
    is_do_not_contact=False,
    is_opted_out=False,
    has_channel=True,
    her_zone="Europe/Berlin",
    safe_windows=ranges(WORKDAYS, "10:00", "16:00"),
    shares_home_with_him=True,
    his_hours=HisHours(zone="Europe/Berlin", ranges=ranges(WORKDAYS, "08:00", "17:00")),
    risk_band=RiskBand.low,
    sent_times=(),
)
NIGHT_POLICY = GatePolicy(quiet_start="22:00", quiet_end="01:00")  # leaves 01:00-04:00 open
ALONE: dict[str, Any] = {"shares_home_with_him": False, "his_hours": None}


def case(
    id: str,
    decision: Decision,
    reasons: tuple[Reason, ...] = (),
    next_safe_at: datetime | None = None,
    *,
    policy: GatePolicy | None = None,
    **changes: Any,
) -> Any:
    expected = GateResult(decision=decision, reasons=reasons, next_safe_at=next_safe_at)
    return pytest.param(changes, policy or GatePolicy(), expected, id=id)


BLOCKED, CONFIRM, DEFER, CLEAR = (
    Decision.blocked,
    Decision.needs_confirmation,
    Decision.defer,
    Decision.clear,
)
R = Reason

CASES = [
    case("all-well-is-clear", CLEAR),
    # Blocking, and its precedence over everything.
    case("do-not-contact", BLOCKED, (R.do_not_contact,), is_do_not_contact=True),
    case("opted-out", BLOCKED, (R.opted_out,), is_opted_out=True),
    case("no-channel", BLOCKED, (R.no_channel,), has_channel=False),
    case(
        "every-blocking-reason-in-enum-order",
        BLOCKED,
        (R.do_not_contact, R.opted_out, R.daily_cap_reached, R.weekly_cap_reached, R.no_channel),
        is_do_not_contact=True,
        is_opted_out=True,
        has_channel=False,
        sent_times=(NOW - H,) * 5,
    ),
    case(
        "blocked-beats-confirmation-and-timing-even-when-confirmed",
        BLOCKED,
        (R.opted_out,),
        is_opted_out=True,
        risk_band=RiskBand.high,
        his_hours=None,
        safe_windows=(),
        now=at(2026, 1, 14, 22),
        is_confirmed=True,
    ),
    # Caps: rolling windows (now - 24 h, now] and (now - 7 d, now].
    case(
        "daily-cap-at-the-limit",
        BLOCKED,
        (R.daily_cap_reached,),
        sent_times=(NOW - H, NOW - D + S),
    ),
    case("daily-cap-one-below", CLEAR, sent_times=(NOW - H,)),
    case(
        "daily-cap-counts-a-message-sent-at-now",
        BLOCKED,
        (R.daily_cap_reached,),
        sent_times=(NOW, NOW - 23 * H),
    ),
    case("daily-window-excludes-exactly-24h-ago", CLEAR, sent_times=(NOW - H, NOW - D)),
    case("daily-window-excludes-24h-and-1s-ago", CLEAR, sent_times=(NOW - H, NOW - D - S)),
    case("a-sent-time-after-now-is-not-counted", CLEAR, sent_times=(NOW - H, NOW + H)),
    case(
        "weekly-cap-at-the-limit",
        BLOCKED,
        (R.weekly_cap_reached,),
        sent_times=(NOW - D - H, NOW - 2 * D, NOW - 3 * D, NOW - 4 * D, NOW - 7 * D + S),
    ),
    case(
        "weekly-cap-one-below",
        CLEAR,
        sent_times=(NOW - D - H, NOW - 2 * D, NOW - 3 * D, NOW - 4 * D),
    ),
    case(
        "weekly-window-excludes-7d-and-7d-1s-ago",
        CLEAR,
        sent_times=(NOW - D - H, NOW - 2 * D, NOW - 3 * D, NOW - 7 * D, NOW - 7 * D - S),
    ),
    case(
        "both-caps",
        BLOCKED,
        (R.daily_cap_reached, R.weekly_cap_reached),
        sent_times=(NOW - H, NOW - 2 * H, NOW - 2 * D, NOW - 3 * D, NOW - 4 * D),
    ),
    case(
        "custom-daily-cap",
        BLOCKED,
        (R.daily_cap_reached,),
        policy=GatePolicy(max_per_day=1),
        sent_times=(NOW - H,),
    ),
    # Confirmation, and its precedence over timing.
    case("high-risk", CONFIRM, (R.high_risk,), risk_band=RiskBand.high),
    case("high-risk-confirmed", CLEAR, risk_band=RiskBand.high, is_confirmed=True),
    case("elevated-risk", CLEAR, risk_band=RiskBand.elevated),
    case("never-screened-adds-no-reason-itself", CLEAR, risk_band=None),
    case(
        "never-screened-as-the-engine-passes-it",
        CONFIRM,
        (R.his_hours_unknown,),
        risk_band=None,
        his_hours=None,
    ),
    case("his-hours-unknown", CONFIRM, (R.his_hours_unknown,), his_hours=None),
    case(
        "his-hours-unknown-confirmed-waives-his-presence",
        CLEAR,
        his_hours=None,
        is_confirmed=True,
        safe_windows=ranges(WORKDAYS, "10:00", "20:00"),
        now=at(2026, 1, 14, 18),  # 19:00 in Berlin: by his usual hours he could be home
    ),
    case("not-living-with-him-and-his-hours-unknown", CLEAR, **ALONE),
    case("no-safe-windows", CONFIRM, (R.no_safe_windows,), safe_windows=()),
    case("no-safe-windows-confirmed", CLEAR, safe_windows=(), is_confirmed=True),
    case(
        "no-safe-windows-confirmed-still-waits-out-quiet-hours",
        DEFER,
        (R.quiet_hours,),
        at(2026, 1, 15, 7),
        safe_windows=(),
        is_confirmed=True,
        now=at(2026, 1, 14, 21, 30),
        **ALONE,
    ),
    case(
        "every-confirmation-reason-in-enum-order",
        CONFIRM,
        (R.high_risk, R.his_hours_unknown, R.no_safe_windows),
        risk_band=RiskBand.high,
        his_hours=None,
        safe_windows=(),
    ),
    case(
        "confirmation-beats-timing",
        CONFIRM,
        (R.high_risk,),
        risk_band=RiskBand.high,
        now=at(2026, 1, 14, 22),
    ),
    # Timing.
    case(
        "before-her-window-defers-to-its-start",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 1, 14, 9),
        now=at(2026, 1, 14, 8),
    ),
    case(
        "window-end-is-exclusive",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 1, 15, 9),
        now=at(2026, 1, 14, 15),
    ),
    case("last-minute-of-window", CLEAR, now=at(2026, 1, 14, 14, 59, 59)),
    case(
        "seconds-before-the-window",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 1, 14, 9),
        now=at(2026, 1, 14, 8, 59, 30),
    ),
    case(
        "friday-evening-defers-to-monday",
        DEFER,
        (R.outside_safe_window, R.he_may_be_home),
        at(2026, 1, 19, 9),
        now=at(2026, 1, 16, 16),
    ),
    case(
        "he-may-be-home",
        DEFER,
        (R.he_may_be_home,),
        at(2026, 1, 15, 9),
        safe_windows=ranges(WORKDAYS, "10:00", "20:00"),
        now=at(2026, 1, 14, 16, 30),
    ),
    case(
        "every-timing-reason",
        DEFER,
        (R.outside_safe_window, R.quiet_hours, R.he_may_be_home),
        at(2026, 1, 15, 9),
        now=at(2026, 1, 14, 21),
    ),
    # Quiet hours 21:00-08:00 wrap midnight; her windows here cover the whole night.
    *(
        case(
            id,
            decision,
            (R.quiet_hours,) if decision is DEFER else (),
            at(2026, 1, 15, 7) if decision is DEFER else None,
            safe_windows=(*ranges(("wed",), "20:00", "24:00"), *ranges(("thu",), "00:00", "10:00")),
            now=now,
            **ALONE,
        )
        for id, decision, now in [
            ("quiet-hours-not-yet", CLEAR, at(2026, 1, 14, 19, 59)),
            ("quiet-hours-start-inclusive", DEFER, at(2026, 1, 14, 20)),
            ("quiet-hours-before-midnight", DEFER, at(2026, 1, 14, 22, 30)),
            ("quiet-hours-after-midnight", DEFER, at(2026, 1, 14, 23, 30)),
            ("quiet-hours-last-minute", DEFER, at(2026, 1, 15, 6, 59, 59)),
            ("quiet-hours-end-exclusive", CLEAR, at(2026, 1, 15, 7)),
        ]
    ),
    case(
        "quiet-hours-not-wrapping",
        DEFER,
        (R.quiet_hours,),
        at(2026, 1, 14, 12),
        policy=GatePolicy(quiet_start="12:00", quiet_end="13:00"),
    ),
    case(
        "equal-quiet-times-mean-no-quiet-hours",
        CLEAR,
        policy=GatePolicy(quiet_start="00:00", quiet_end="00:00"),
        safe_windows=ranges(("wed",), "20:00", "24:00"),
        now=at(2026, 1, 14, 22),
        **ALONE,
    ),
    case(
        "quiet-hours-ending-at-24:00",
        DEFER,
        (R.quiet_hours,),
        at(2026, 1, 14, 23),
        policy=GatePolicy(quiet_start="23:00", quiet_end="24:00"),
        safe_windows=(*ranges(("wed",), "20:00", "24:00"), *ranges(("thu",), "00:00", "10:00")),
        now=at(2026, 1, 14, 22, 30),
        **ALONE,
    ),
    # His hours in another zone: London 09:00-17:00 is 10:00-18:00 in Berlin in winter.
    *(
        case(
            id,
            decision,
            (R.he_may_be_home,) if decision is DEFER else (),
            at(2026, 1, 14, 9) if decision is DEFER else None,
            safe_windows=ranges(WORKDAYS, "09:00", "12:00"),
            his_hours=HisHours(zone="Europe/London", ranges=ranges(WORKDAYS, "09:00", "17:00")),
            shares_home_with_him=shares,
            now=at(2026, 1, 14, 8, 30),
        )
        for id, decision, shares in [
            ("his-hours-in-his-own-zone", DEFER, True),
            ("not-living-with-him-ignores-his-hours", CLEAR, False),
        ]
    ),
    # New York moves to summer time three weeks before Berlin: he starts an hour earlier.
    *(
        case(
            id,
            DEFER,
            (R.he_may_be_home,),
            next_safe,
            safe_windows=ranges(WORKDAYS, "08:00", "20:00"),
            his_hours=HisHours(zone="America/New_York", ranges=ranges(WORKDAYS, "09:00", "17:00")),
            now=now,
        )
        for id, now, next_safe in [
            ("his-new-york-hours-in-winter", at(2026, 1, 13, 13, 30), at(2026, 1, 13, 14)),
            ("his-new-york-hours-after-us-dst", at(2026, 3, 10, 12, 30), at(2026, 3, 10, 13)),
        ]
    ),
    # Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    case(
        "berlin-spring-window-start-skipped-opens-at-the-jump",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 3, 29, 1),
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "02:30", "04:00"),
        now=at(2026, 3, 29, 0),
        **ALONE,
    ),
    case(
        "berlin-spring-window-inside-the-gap-waits-a-week",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 4, 5, 0),
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "02:00", "02:30"),
        now=at(2026, 3, 29, 0),
        **ALONE,
    ),
    case(
        "berlin-spring-his-shift-starting-in-the-gap",
        DEFER,
        (R.he_may_be_home,),
        at(2026, 3, 29, 1),
        policy=GatePolicy(quiet_start="22:00", quiet_end="23:00"),
        her_zone="Atlantic/Reykjavik",  # UTC all year: only his clock changes
        safe_windows=ranges(("sun",), "00:00", "06:00"),
        his_hours=HisHours(zone="Europe/Berlin", ranges=ranges(("sun",), "02:30", "06:00")),
        now=at(2026, 3, 29, 0, 30),
    ),
    # Berlin, 2026-10-25: 03:00 CEST goes back to 02:00 CET at 01:00 UTC.
    case(
        "berlin-autumn-first-02:45",
        CLEAR,
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "02:30", "04:00"),
        now=at(2026, 10, 25, 0, 45),
        **ALONE,
    ),
    case(
        "berlin-autumn-window-opens-at-the-first-02:30",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 10, 25, 0, 30),
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "02:30", "04:00"),
        now=at(2026, 10, 25, 0, 10),
        **ALONE,
    ),
    case(
        "berlin-autumn-window-opens-again-at-the-second-02:30",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 10, 25, 1, 30),
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "02:30", "04:00"),
        now=at(2026, 10, 25, 1, 10),
        **ALONE,
    ),
    case(
        "berlin-autumn-clock-going-back-reenters-window",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 10, 25, 1),
        policy=NIGHT_POLICY,
        safe_windows=ranges(("sun",), "01:00", "02:30"),
        now=at(2026, 10, 25, 0, 40),
        **ALONE,
    ),
    # New York, 2026-11-01: 02:00 EDT goes back to 01:00 EST at 06:00 UTC.
    case(
        "new-york-autumn-second-01:30",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 11, 1, 6, 30),
        policy=NIGHT_POLICY,
        her_zone="America/New_York",
        safe_windows=ranges(("sun",), "01:30", "01:45"),
        now=at(2026, 11, 1, 5, 50),
        **ALONE,
    ),
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    case(
        "new-york-spring-skips-the-window-in-the-gap",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 3, 8, 7, 30),
        policy=NIGHT_POLICY,
        her_zone="America/New_York",
        safe_windows=(*ranges(("sun",), "02:15", "02:45"), *ranges(("sun",), "03:30", "04:00")),
        now=at(2026, 3, 8, 6, 30),
        **ALONE,
    ),
    # No safe moment within the horizon.
    case(
        "no-safe-moment-soon-when-he-is-home-during-her-windows",
        CONFIRM,
        (R.no_safe_moment_soon, R.outside_safe_window),
        safe_windows=ranges(WORKDAYS, "18:00", "20:00"),
    ),
    case(
        "no-safe-moment-soon-even-when-confirmed",
        CONFIRM,
        (R.no_safe_moment_soon, R.outside_safe_window),
        safe_windows=ranges(WORKDAYS, "18:00", "20:00"),
        risk_band=RiskBand.high,
        is_confirmed=True,
    ),
    case(
        "no-safe-moment-soon-when-windows-lie-in-quiet-hours",
        CONFIRM,
        (R.no_safe_moment_soon, R.outside_safe_window),
        safe_windows=ranges(WORKDAYS, "22:00", "23:00"),
        **ALONE,
    ),
    case(
        "next-window-beyond-a-short-horizon",
        CONFIRM,
        (R.no_safe_moment_soon, R.outside_safe_window),
        policy=GatePolicy(horizon=D),
        safe_windows=ranges(("mon",), "10:00", "16:00"),
    ),
    case(
        "safe-moment-exactly-at-the-horizon-is-beyond-it",
        CONFIRM,
        (R.no_safe_moment_soon, R.outside_safe_window),
        policy=GatePolicy(horizon=H),
        now=at(2026, 1, 14, 8),
    ),
    case(
        "safe-moment-a-minute-before-the-horizon",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 1, 14, 9),
        policy=GatePolicy(horizon=H + timedelta(minutes=1)),
        now=at(2026, 1, 14, 8),
    ),
    case(
        "next-window-within-the-default-horizon",
        DEFER,
        (R.outside_safe_window,),
        at(2026, 1, 19, 9),
        safe_windows=ranges(("mon",), "10:00", "16:00"),
    ),
]


@pytest.mark.parametrize(("changes", "policy", "expected"), CASES)
def test_gate(changes: dict[str, Any], policy: GatePolicy, expected: GateResult) -> None:
    assert evaluate_gate(dataclasses.replace(BASE, **changes), policy) == expected


def test_a_now_in_another_offset_is_the_same_instant_and_next_safe_at_is_utc() -> None:
    now = NOW.astimezone(timezone(timedelta(hours=-5))) - 3 * H  # 09:00 in Berlin
    result = evaluate_gate(dataclasses.replace(BASE, now=now))
    assert result.next_safe_at == at(2026, 1, 14, 9)
    assert result.next_safe_at.tzinfo is UTC


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="now"):
        dataclasses.replace(BASE, now=datetime(2026, 1, 14, 11))
    with pytest.raises(ValueError, match="sent_times"):
        dataclasses.replace(BASE, sent_times=(datetime(2026, 1, 14, 10),))


@pytest.mark.parametrize(
    "changes",
    [
        {"quiet_start": "25:00"},
        {"quiet_end": "8:00"},
        {"max_per_day": -1},
        {"max_per_week": -1},
        {"horizon": timedelta(0)},
    ],
)
def test_policy_is_validated(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"quiet|caps|horizon"):
        GatePolicy(**changes)


# --- Properties -------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",  # -03:30 with summer time
    "America/Santiago",
    "Australia/Lord_Howe",  # summer time of half an hour
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kathmandu",  # +05:45
    "Africa/Casablanca",  # leaves summer time for Ramadan
]
# Clock changes of some of those zones (UTC instants).
CLOCK_CHANGES = [
    ("Europe/Berlin", at(2026, 3, 29, 1)),
    ("Europe/Berlin", at(2026, 10, 25, 1)),
    ("America/New_York", at(2026, 3, 8, 7)),
    ("America/New_York", at(2026, 11, 1, 6)),
    ("America/St_Johns", at(2026, 3, 8, 5, 30)),
    ("America/St_Johns", at(2026, 11, 1, 4, 30)),
    ("America/Santiago", at(2026, 4, 5, 3)),
    ("America/Santiago", at(2026, 9, 6, 4)),
    ("Australia/Lord_Howe", at(2026, 4, 4, 15)),
    ("Australia/Lord_Howe", at(2026, 10, 3, 15, 30)),
    ("Pacific/Chatham", at(2026, 4, 4, 14)),
    ("Pacific/Chatham", at(2026, 9, 26, 14)),
    ("Africa/Casablanca", at(2026, 2, 15, 2)),
    ("Africa/Casablanca", at(2026, 3, 22, 2)),
]
SMALL_HORIZON = GatePolicy(horizon=timedelta(days=2))


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def time_ranges(draw: st.DrawFn, weekdays: st.SearchStrategy[Weekday]) -> TimeRange:
    """Any range, often one starting early in the night, when clocks change."""
    start = draw(st.one_of(st.integers(0, 1439), st.integers(0, 240)))
    end = draw(st.one_of(st.integers(start + 1, 1440), st.integers(start + 1, start + 90)))
    return TimeRange(weekday=draw(weekdays), start=hhmm(start), end=hhmm(min(end, 1440)))


quiet_times = st.integers(0, 1440).map(hhmm)
policies = st.one_of(
    st.just(SMALL_HORIZON),
    st.just(dataclasses.replace(SMALL_HORIZON, quiet_start="00:00", quiet_end="00:00")),
    st.builds(
        lambda start, end: GatePolicy(quiet_start=start, quiet_end=end, horizon=timedelta(days=2)),
        quiet_times,
        quiet_times,
    ),
)


@st.composite
def gate_inputs(draw: st.DrawFn, *, reaching_timing: bool = False) -> GateInput:
    """Random inputs, mostly near a clock change; with ``reaching_timing`` nothing blocks."""
    if draw(st.integers(0, 3)):
        zone, change = draw(st.sampled_from(CLOCK_CHANGES))
        now = change + draw(st.timedeltas(-3 * H, H))
        # Her clock changes, his, or both.
        her_zone, his_zone = draw(st.sampled_from([(zone, zone), (zone, "UTC"), ("UTC", zone)]))
        # Mostly ranges on the local day of the change.
        local_day = WEEKDAYS[change.astimezone(ZoneInfo(zone)).weekday()]
        weekdays = st.one_of(st.just(local_day), st.sampled_from(WEEKDAYS))
    else:
        now = draw(
            st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
        )
        her_zone, his_zone = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
        weekdays = st.sampled_from(WEEKDAYS)
    his_ranges = tuple(draw(st.lists(time_ranges(weekdays), max_size=4)))
    his_hours = draw(st.sampled_from([None, HisHours(zone=his_zone, ranges=his_ranges)]))
    sent = st.lists(st.timedeltas(timedelta(0), 8 * D).map(lambda ago: now - ago), max_size=6)
    flag = st.just(False) if reaching_timing else st.booleans()
    return GateInput(
        now=now,
        is_do_not_contact=draw(flag),
        is_opted_out=draw(flag),
        has_channel=draw(st.just(True) if reaching_timing else st.booleans()),
        her_zone=her_zone,
        safe_windows=tuple(draw(st.lists(time_ranges(weekdays), max_size=8))),
        shares_home_with_him=draw(st.booleans()),
        his_hours=his_hours,
        risk_band=draw(st.one_of(st.none(), st.sampled_from(RiskBand))),
        sent_times=() if reaching_timing else tuple(draw(sent)),
        is_confirmed=draw(st.sampled_from([True, True, True, False])),
    )


def unsafe_now(data: GateInput, policy: GatePolicy, instant: datetime) -> set[Reason]:
    """An independent reading of the timing conditions at ``instant``."""
    reasons = set()

    def local(zone: str) -> tuple[Weekday, int]:
        moment = instant.astimezone(ZoneInfo(zone))
        return WEEKDAYS[moment.weekday()], moment.hour * 60 + moment.minute

    def inside(spans: Sequence[TimeRange], zone: str) -> bool:
        day, minute = local(zone)
        return any(r.weekday == day and minutes(r.start) <= minute < minutes(r.end) for r in spans)

    if data.safe_windows and not inside(data.safe_windows, data.her_zone):
        reasons.add(Reason.outside_safe_window)
    quiet_start, quiet_end, minute = (
        minutes(policy.quiet_start),
        minutes(policy.quiet_end),
        local(data.her_zone)[1],
    )
    in_quiet = (
        quiet_start <= minute < quiet_end
        if quiet_start <= quiet_end
        else minute >= quiet_start or minute < quiet_end
    )
    if in_quiet:
        reasons.add(Reason.quiet_hours)
    his = data.his_hours
    if data.shares_home_with_him and his is not None and not inside(his.ranges, his.zone):
        reasons.add(Reason.he_may_be_home)
    return reasons


def minute_boundaries(start: datetime, end: datetime) -> list[datetime]:
    """Every whole UTC minute in (start, end)."""
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    count = max(0, -((first - end) // timedelta(minutes=1)))
    return [first + timedelta(minutes=k) for k in range(count)]


def needs_worker(data: GateInput) -> bool:
    unknown_his = data.shares_home_with_him and data.his_hours is None
    return not data.is_confirmed and (
        data.risk_band == RiskBand.high or unknown_his or not data.safe_windows
    )


@st.composite
def around_clock_changes(draw: st.DrawFn) -> GateInput:
    """Her windows or his hours starting and ending close to a clock change in their zone."""
    zone, change = draw(st.sampled_from(CLOCK_CHANGES))
    before, after = (change - S).astimezone(ZoneInfo(zone)), change.astimezone(ZoneInfo(zone))
    day = WEEKDAYS[after.weekday()]
    middle = draw(st.sampled_from([before, after]))
    middle_minute = middle.hour * 60 + middle.minute + (1 if middle is before else 0)

    def near_change() -> st.SearchStrategy[TimeRange]:
        return st.builds(
            lambda start, length: TimeRange(
                weekday=day, start=hhmm(start), end=hhmm(min(start + length, 1440))
            ),
            st.integers(max(0, middle_minute - 90), min(1439, middle_minute + 90)),
            st.integers(1, 120),
        )

    spans = tuple(draw(st.lists(near_change(), min_size=1, max_size=3)))
    now = change + draw(st.timedeltas(-3 * H, H))
    common: dict[str, Any] = {
        "now": now,
        "is_do_not_contact": False,
        "is_opted_out": False,
        "has_channel": True,
        "risk_band": RiskBand.low,
        "sent_times": (),
        "is_confirmed": True,
    }
    if draw(st.booleans()):  # her clock changes
        return GateInput(
            her_zone=zone, safe_windows=spans, shares_home_with_him=False, his_hours=None, **common
        )
    return GateInput(  # his clock changes; hers does not, and any time suits her
        her_zone="UTC",
        safe_windows=(),
        shares_home_with_him=True,
        his_hours=HisHours(zone=zone, ranges=spans),
        **common,
    )


def check_next_safe_at(data: GateInput, policy: GatePolicy) -> None:
    """The decision and next_safe_at against a minute-by-minute reading of the conditions."""
    result = evaluate_gate(data, policy)
    if needs_worker(data):
        assert result.decision is Decision.needs_confirmation
        assert Reason.no_safe_moment_soon not in result.reasons
        return
    failing = unsafe_now(data, policy, data.now)
    if result.decision is Decision.clear:
        assert not failing
        assert result.next_safe_at is None
        return
    assert set(result.reasons) - {Reason.no_safe_moment_soon} == failing
    assert failing
    if result.decision is Decision.defer:
        next_safe = result.next_safe_at
        assert next_safe is not None
        assert data.now <= next_safe < data.now + policy.horizon
        assert evaluate_gate(dataclasses.replace(data, now=next_safe), policy).decision is (
            Decision.clear
        )
        assert not unsafe_now(data, policy, next_safe)
        earlier = minute_boundaries(data.now, next_safe)
    else:
        assert result.decision is Decision.needs_confirmation
        assert result.reasons[0] is Reason.no_safe_moment_soon
        assert result.next_safe_at is None
        earlier = minute_boundaries(data.now, data.now + policy.horizon)
    assert all(unsafe_now(data, policy, minute) for minute in earlier)


@settings(max_examples=200, deadline=None)
@given(data=gate_inputs(reaching_timing=True), policy=policies)
def test_next_safe_at_is_the_earliest_safe_minute(data: GateInput, policy: GatePolicy) -> None:
    check_next_safe_at(data, policy)


@settings(max_examples=200, deadline=None)
@given(data=around_clock_changes())
def test_next_safe_at_is_the_earliest_safe_minute_around_clock_changes(data: GateInput) -> None:
    no_quiet_hours = dataclasses.replace(SMALL_HORIZON, quiet_start="00:00", quiet_end="00:00")
    check_next_safe_at(data, no_quiet_hours)


@settings(max_examples=200, deadline=None)
@given(data=gate_inputs(), barred=st.sampled_from([(True, False), (False, True), (True, True)]))
def test_do_not_contact_or_opted_out_always_blocks(
    data: GateInput, barred: tuple[bool, bool]
) -> None:
    data = dataclasses.replace(data, is_do_not_contact=barred[0], is_opted_out=barred[1])
    result = evaluate_gate(data)
    assert result.decision is Decision.blocked
    assert (Reason.do_not_contact in result.reasons) is barred[0]
    assert (Reason.opted_out in result.reasons) is barred[1]
    assert result.next_safe_at is None


@settings(max_examples=200, deadline=None)
@given(data=gate_inputs(), shuffle=st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_lists(
    data: GateInput, shuffle: random.Random
) -> None:
    sent, windows = list(data.sent_times), list(data.safe_windows)
    shuffle.shuffle(sent)
    shuffle.shuffle(windows)
    his = data.his_hours
    if his is not None:
        his_ranges = list(his.ranges)
        shuffle.shuffle(his_ranges)
        his = HisHours(zone=his.zone, ranges=tuple(his_ranges))
    shuffled = dataclasses.replace(
        data, sent_times=tuple(sent), safe_windows=tuple(windows), his_hours=his
    )
    result = evaluate_gate(data)
    assert evaluate_gate(shuffled) == result
    assert list(result.reasons) == sorted(set(result.reasons), key=list(Reason).index)
    assert (result.next_safe_at is not None) is (result.decision is Decision.defer)
