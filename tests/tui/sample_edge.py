"""Hand-built historical-edge results for the TUI tests (the Edge panel, key 8): the
built-in studies as they might read on the sample's session (Jan 28 2026, the S&P 500
0.31 % under 7,000 after clearing it on Jan 14). Each study's events are placed by hand
(the recent ones, whose long horizons are still pending) or spread over its span with
seeded returns, and its statistics are computed from those events the way the runner
defines them (n and pending per horizon, mean, median, % positive, the edge over a
fixed baseline, Welch's t, a 90 % interval, the worst drawdown), so the panel's
numbers agree with its tables and charts. The headline means are pinned to the
figures the theses quote (+1.49 % vs +0.83 % over 21 sessions after a Russell 2000
streak, +1.33 % vs +0.34 % over 10 within 1 % of a milestone, 100 % positive averaging
+16.29 % a year after a new milestone). Stdlib only, like `tests.tui.sample`."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from core.clock import NEW_YORK
from core.sections.edge import EdgeSection
from core.snapshot import PanelStatus
from core.studies.result import HorizonStats, PathPoint, StudyEvent, StudyResult

SESSION = date(2026, 1, 28)
"""The session the sample's studies are run as of (the sample Snapshot's)."""
EDGE_AS_OF = datetime(2026, 1, 28, 16, 0, tzinfo=NEW_YORK)
SPAN_FROM = date(1928, 1, 3)
"""The first session of the index's history."""
MEMBERS_FROM = date(2016, 1, 4)
"""The first session of the members' history (breadth studies start there)."""
HORIZONS = (5, 10, 21, 63, 126, 252)

BASELINE: dict[int, tuple[float, float]] = {
    5: (0.18, 56.4),
    10: (0.34, 57.9),
    21: (0.83, 62.1),
    63: (2.31, 65.8),
    126: (4.62, 68.9),
    252: (8.91, 72.6),
}
"""Every session's mean forward return (%) and % positive, by horizon (the S&P 500)."""
DAILY_SD = 0.95
"""A session's standard deviation of return (%): a horizon's spread grows with its root."""
SURVIVORSHIP = "breadth uses today's member list (survivorship)"
"""The runner's note on a study that reads breadth (core.studies.run.SURVIVORSHIP)."""


def sessions_between(start: date, end: date) -> int:
    """Weekdays after `start` up to and including `end` (holidays ignored)."""
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Spec:
    """One sample study: its definition and how its events are made."""

    id: str
    title: str
    definition: str
    headline: int
    target: float
    """The mean return (%) its headline horizon is pinned to."""
    n: int
    """Events in all (those spread over the span plus the recent ones)."""
    recent: tuple[tuple[date, float | int | bool | str], ...] = ()
    """Events placed by hand, with their readings (the latest last)."""
    reading: tuple[float, float] = (0.0, 1.0)
    """The spread-out events' readings: uniform between these."""
    integer_reading: bool = False
    reading_choices: tuple[float, ...] = ()
    """The spread-out events' readings: one of these (in place of `reading`)."""
    series: str = "S&P 500"
    span_from: date = SPAN_FROM
    cooldown: int = 21
    active: bool | None = False
    near_pct: float | None = None
    decline_pct: float | None = None
    notes: tuple[str, ...] = ()
    returns: dict[int, tuple[float, ...]] = field(default_factory=dict)
    """Returns set by hand for a horizon (oldest event first), in place of seeded ones."""
    seed: int = 0


def event_dates(spec: Spec) -> list[date]:
    """The spread-out events, evenly over the span up to mid-2025, then the recent ones."""
    spread = spec.n - len(spec.recent)
    first, last = spec.span_from, date(2025, 6, 30)
    step = (last - first) / max(spread, 1)
    dates = [weekday_on_or_after(first + step * (index + 0.5)) for index in range(spread)]
    return dates + [day for day, _ in spec.recent]


def drawn_returns(spec: Spec, dates: list[date], rng: random.Random) -> dict[int, list[float]]:
    """Each horizon's return for every event (pending ones too; they are left out later)."""
    by_horizon: dict[int, list[float]] = {}
    headline_base = BASELINE[spec.headline][0]
    for horizon in HORIZONS:
        if horizon in spec.returns:
            by_horizon[horizon] = list(spec.returns[horizon])
            continue
        drift = BASELINE[horizon][0] + (spec.target - headline_base) * math.sqrt(
            horizon / spec.headline
        )
        spread = DAILY_SD * math.sqrt(horizon)
        by_horizon[horizon] = [rng.gauss(drift, spread) for _ in dates]
    return by_horizon


def horizon_stats(
    horizon: int, returns: list[float | None], drawdowns: list[float | None], decline: float | None
) -> HorizonStats:
    """One horizon's statistics from the events' returns (None: pending)."""
    reached = [value for value in returns if value is not None]
    falls = [value for value in drawdowns if value is not None]
    n = len(reached)
    base_mean, base_positive = BASELINE[horizon]
    stats = HorizonStats(
        sessions=horizon,
        n=n,
        pending=len(returns) - n,
        baseline_n=24_500 - horizon,
        baseline_mean_pct=base_mean,
        baseline_pct_positive=base_positive,
    )
    if not reached:
        return stats
    mean = statistics.fmean(reached)
    edge = mean - base_mean
    update: dict[str, object] = {
        "mean_pct": round(mean, 4),
        "median_pct": round(statistics.median(reached), 4),
        "pct_positive": round(100 * sum(value > 0 for value in reached) / n, 4),
        "edge_pct": round(edge, 4),
        "worst_drawdown_pct": round(min(falls), 4) if falls else None,
    }
    if n >= 2:
        error = statistics.stdev(reached) / math.sqrt(n)
        update["t_stat"] = round(edge / error, 4) if error else None
        update["ci90_pct"] = (round(edge - 1.645 * error, 4), round(edge + 1.645 * error, 4))
    if decline is not None and falls:
        update["pct_beyond_decline"] = round(100 * sum(f <= -decline for f in falls) / n, 4)
    return stats.model_copy(update=update)


def study(spec: Spec) -> StudyResult:
    """A study's result from its events (see the module docstring)."""
    rng = random.Random(spec.seed or sum(map(ord, spec.id)))
    dates = event_dates(spec)
    by_horizon = drawn_returns(spec, dates, rng)
    reached_now = {
        horizon: [sessions_between(day, SESSION) >= horizon for day in dates]
        for horizon in HORIZONS
    }
    # Pin the headline mean (over the events whose horizon is reached) to the target.
    headline = by_horizon[spec.headline]
    reached = [v for v, ok in zip(headline, reached_now[spec.headline], strict=True) if ok]
    if reached and spec.headline not in spec.returns:
        shift = spec.target - statistics.fmean(reached)
        by_horizon[spec.headline] = [value + shift for value in headline]
    readings = [reading for _, reading in spec.recent]
    spread = len(dates) - len(readings)
    low, high = spec.reading
    drawn = [
        rng.choice(spec.reading_choices) if spec.reading_choices else rng.uniform(low, high)
        for _ in range(spread)
    ]
    spread_readings: list[float | int | bool | str] = [
        round(value) if spec.integer_reading else round(value, 2) for value in drawn
    ]
    all_readings = spread_readings + readings
    events: list[StudyEvent] = []
    drawdowns: dict[int, list[float | None]] = {horizon: [] for horizon in HORIZONS}
    returns: dict[int, list[float | None]] = {horizon: [] for horizon in HORIZONS}
    for index, day in enumerate(dates):
        event_returns: dict[str, float | None] = {}
        event_falls: dict[str, float | None] = {}
        for horizon in HORIZONS:
            value = by_horizon[horizon][index] if reached_now[horizon][index] else None
            fall = (
                None
                if value is None
                else min(0.0, min(value, 0.0) - abs(rng.gauss(0.0, 0.35 * math.sqrt(horizon))))
            )
            event_returns[str(horizon)] = None if value is None else round(value, 4)
            event_falls[str(horizon)] = None if fall is None else round(fall, 4)
            returns[horizon].append(event_returns[str(horizon)])
            drawdowns[horizon].append(event_falls[str(horizon)])
        events.append(
            StudyEvent(
                date=day,
                reading=all_readings[index],
                returns_pct=event_returns,
                drawdown_pct=event_falls,
            )
        )
    horizons = {
        str(horizon): horizon_stats(horizon, returns[horizon], drawdowns[horizon], spec.decline_pct)
        for horizon in HORIZONS
    }
    headline_mean = horizons[str(spec.headline)].mean_pct
    base = BASELINE[spec.headline][0]
    path = tuple(
        PathPoint(
            sessions=step,
            mean_pct=None
            if headline_mean is None
            else round(
                headline_mean * step / spec.headline
                + 0.25 * math.sin(step / max(1, spec.headline) * 5.0) * (step > 0),
                4,
            ),
            baseline_mean_pct=round(base * step / spec.headline, 4),
        )
        for step in range(spec.headline + 1)
    )
    last_event = dates[-1] if dates else None
    within = last_event is not None and sessions_between(last_event, SESSION) < spec.cooldown
    return StudyResult(
        id=spec.id,
        title=spec.title,
        definition=spec.definition,
        series=spec.series,
        span_from=spec.span_from,
        span_to=SESSION,
        headline=spec.headline,
        cooldown=spec.cooldown,
        horizons=horizons,
        events=tuple(events),
        active=spec.active,
        last_event=last_event,
        within_cooldown=within,
        near_pct=spec.near_pct,
        path=path,
        notes=spec.notes,
    )


FORWARD = "Forward returns over 5, 10, 21, 63, 126 and 252 sessions; events 21 sessions apart."

SPECS = (
    Spec(
        id="milestone_proximity",
        title="Within 1 % below a 1,000 milestone",
        definition=(
            "The S&P 500 closes at or above 99% of the next 1,000-point milestone and below "
            f"it. {FORWARD}"
        ),
        headline=10,
        target=1.33,
        n=41,
        recent=((date(2024, 11, 6), 6000.0), (date(2026, 1, 6), 7000.0)),
        reading_choices=(1000.0, 2000.0, 3000.0, 4000.0, 5000.0),
        active=True,
        near_pct=0.0,
    ),
    Spec(
        id="vix_up_with_index",
        title="VIX up with the index",
        definition=(
            "Over 5 sessions the S&P 500 rises and the VIX rises with it (bullish price, "
            f"bearish volatility). {FORWARD}"
        ),
        headline=21,
        target=0.41,
        n=212,
        recent=((date(2025, 12, 10), 1.12), (date(2026, 1, 28), 1.37)),
        reading=(0.1, 6.0),
        span_from=date(1990, 1, 2),
        active=True,
    ),
    Spec(
        id="rsi_bearish_divergence",
        title="Bearish RSI divergence confirmed",
        definition=(
            "Price makes a higher high while the 14-session RSI makes a lower high, dated "
            f"when the second high is confirmed. {FORWARD}"
        ),
        headline=63,
        target=1.02,
        n=57,
        recent=((date(2025, 7, 28), 71.2), (date(2026, 1, 22), 64.18)),
        reading=(58.0, 80.0),
        active=False,
    ),
    Spec(
        id="new_milestone",
        title="First close above a new 1,000 milestone",
        definition=(
            "The first close above a multiple of 1,000 points the S&P 500 never closed above "
            f"before. {FORWARD}"
        ),
        headline=252,
        target=16.29,
        n=7,
        recent=(
            (date(1998, 2, 2), 1000.0),
            (date(2014, 8, 26), 2000.0),
            (date(2019, 7, 12), 3000.0),
            (date(2021, 4, 1), 4000.0),
            (date(2024, 2, 9), 5000.0),
            (date(2024, 11, 11), 6000.0),
            (date(2026, 1, 14), 7000.0),
        ),
        returns={252: (21.12, 6.35, 10.44, 27.80, 24.91, 7.12, 0.0)},
        active=False,
        near_pct=0.31,
    ),
    Spec(
        id="rut_streak",
        title="Russell 2000 win streak ≥ 8",
        definition=(
            "The Russell 2000 outperforms the S&P 500 for at least 8 sessions in a row; the "
            f"S&P 500's forward return. {FORWARD}"
        ),
        headline=21,
        target=1.49,
        n=48,
        reading=(8, 12),
        integer_reading=True,
        span_from=date(1987, 9, 10),
        near_pct=62.5,
    ),
    Spec(
        id="rut_streak_small_caps",
        title="Small caps after a Russell 2000 streak ≥ 8",
        definition=(
            "The Russell 2000 outperforms the S&P 500 for at least 8 sessions in a row; the "
            f"Russell 2000's forward return. {FORWARD}"
        ),
        series="Russell 2000",
        headline=21,
        target=2.72,
        n=48,
        reading=(8, 12),
        integer_reading=True,
        span_from=date(1987, 9, 10),
        near_pct=62.5,
    ),
    Spec(
        id="td_sell_9",
        title="TD Sequential sell 9",
        definition=(
            "A TD sell setup completes its 9th close above the close 4 sessions earlier. "
            "The largest decline within 63 sessions, and how often it passed 10%. "
            f"{FORWARD}"
        ),
        headline=63,
        target=1.71,
        n=164,
        reading=(16.0, 6000.0),
        decline_pct=10.0,
    ),
    Spec(
        id="breadth_above_70",
        title="Breadth above 70 %",
        definition=(
            f"More than 70% of the S&P 500's members close above their 200-day average. {FORWARD}"
        ),
        headline=21,
        target=1.12,
        n=14,
        reading=(70.0, 78.0),
        span_from=MEMBERS_FROM,
        notes=(SURVIVORSHIP,),
        near_pct=11.6,
    ),
)


@cache
def sample_studies() -> tuple[StudyResult, ...]:
    """Every sample study, in the studies' order (built once: they are immutable)."""
    return tuple(study(spec) for spec in SPECS)


ACTIVE = ("vix_up_with_index", "rsi_bearish_divergence", "new_milestone", "milestone_proximity")
"""The sample's active studies, most recent event first: two whose condition holds on
the session (VIX up with the index triggered that day; within 1% of 7,000 since Jan 6)
and two within their cool-down (the divergence of Jan 22, the new milestone of Jan 14)."""


def sample_edge() -> EdgeSection:
    """The sample's edge section: four studies active on Jan 28 2026."""
    return EdgeSection(
        status=PanelStatus(state="CLOSED", as_of=EDGE_AS_OF),
        session=SESSION,
        span_from=SPAN_FROM,
        studies=sample_studies(),
        active=ACTIVE,
    )


def quiet_edge() -> EdgeSection:
    """No study active: the three nearest to triggering, nearest first."""
    studies = tuple(
        result.model_copy(update={"active": False, "within_cooldown": False})
        for result in sample_studies()
    )
    return sample_edge().model_copy(
        update={
            "studies": studies,
            "active": (),
            "nearest": ("new_milestone", "breadth_above_70", "rut_streak"),
        }
    )
