"""The theses' quoted statistics (issue 11's seeds) side by side with Regime's built-in
studies recomputed from the real data (`../shared/market-data`): each figure, the
study and statistic that recompute it, n and the difference, as of 2026-01-28 (what
was knowable when the figures were quoted) and over all the data (to 2026-08-21); then
what every built-in study says as of 2026-01-28 and 2026-02-05. `pytest -s` prints
both tables. The seeds' numbers are never asserted (they are someone else's
computation, on other data and definitions); what is asserted are facts of the data
the studies rest on: the streak length N the built-ins use is the one closest to the
seeds, the new-milestone events and their 12-month record, the TD and RSI events the
bear thesis names, and which setups are active on the two days. Skipped without the
data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

import pandas as pd
import pytest

from core.config import Settings
from core.sources.files import FilesSource
from core.studies.over_history import study_history
from core.studies.result import StudyResult
from core.studies.run import run_study
from core.studies.study import Study, load_studies
from tests.market_data import require_market_data

QUOTED = date(2026, 1, 28)
"""The day the theses quote their figures: the studies as of then."""
LATER = date(2026, 2, 5)
LAST = date(2026, 8, 21)
"""The data's last session."""
STREAKS = range(3, 15)
"""Streak lengths tried for the Russell 2000 studies."""
FIVE_YEARS = (date(2021, 1, 28), QUOTED)
DECLINE = -10.0
TOPS = {"2020": date(2020, 2, 19), "2022": date(2022, 1, 3)}
"""The S&P 500's closing highs before the 2020 and 2022 declines."""

Stat = Literal["mean_pct", "baseline_mean_pct", "pct_positive"]


@dataclass(frozen=True)
class Seed:
    """One quoted figure and the built-in study statistic that recomputes it."""

    figure: str
    quoted: float
    study: str
    horizon: int
    stat: Stat


SEEDS = (
    Seed("S&P 500, month after a RUT win streak (%)", 1.49, "rut_streak", 21, "mean_pct"),
    Seed("S&P 500, any month (%)", 0.83, "rut_streak", 21, "baseline_mean_pct"),
    Seed("Russell 2000, month after (%)", 2.72, "rut_streak_small_caps", 21, "mean_pct"),
    Seed("Russell 2000 up a month after (% of events)", 79.0, "rut_streak_small_caps", 21,
         "pct_positive"),
    Seed("RUT beat S&P 500 a month after (% of events)", 74.0, "rut_streak_relative", 21,
         "pct_positive"),
    Seed("RUT beat S&P 500 six months after (% ev.)", 47.0, "rut_streak_relative", 126,
         "pct_positive"),
    Seed("S&P 500, 2 weeks after within 1 % below 1,000s", 1.33, "milestone_proximity", 10,
         "mean_pct"),
    Seed("S&P 500, any 2 weeks (%)", 0.34, "milestone_proximity", 10, "baseline_mean_pct"),
    Seed("12 months after a new 1,000: % positive", 100.0, "new_milestone", 252,
         "pct_positive"),
    Seed("12 months after a new 1,000: mean (%)", 16.29, "new_milestone", 252, "mean_pct"),
)  # fmt: skip
STREAK_SEEDS = SEEDS[:2] + SEEDS[2:6]


@dataclass(frozen=True)
class Data:
    settings: Settings
    studies: dict[str, Study]
    readings: pd.DataFrame
    prices: dict[str, pd.Series]

    def run(self, study: Study, as_of: date) -> StudyResult:
        """`study` as known at `as_of`'s close (the readings' rows after it dropped: the
        runner reads no price after the last row)."""
        readings = self.readings.loc[: pd.Timestamp(as_of)]
        return run_study(study, readings, self.prices, self.settings)


@cache
def data() -> Data:
    root = require_market_data("GSPC.csv", "RUT.csv", "VIX.csv", "constituents/closes.csv")
    settings = Settings(source=f"files:{root}")
    studies = load_studies(settings)
    readings, prices = study_history(settings, FilesSource(root), studies.values(), end=LAST)
    return Data(settings, studies, readings, prices)


def value(result: StudyResult, seed: Seed) -> tuple[float | None, int]:
    """The statistic a seed is compared with, and its n (events, or baseline sessions)."""
    stats = result.horizons[str(seed.horizon)]
    n = stats.baseline_n if seed.stat == "baseline_mean_pct" else stats.n
    return getattr(stats, seed.stat), n


def streak_studies(n: int) -> list[Study]:
    """The three Russell 2000 built-ins with a streak of at least `n`."""
    condition = f"context.rut_win_streak >= {n}"
    studies = data().studies
    return [
        studies[key].model_copy(update={"condition": condition})
        for key in ("rut_streak", "rut_streak_small_caps", "rut_streak_relative")
    ]


def streak_distance(n: int, as_of: date) -> float:
    """How far the streak studies with `n` are from the seeds: the sum over the six
    streak figures of |Regime − seed| / |seed| (a figure not computed counts 1)."""
    results = {study.id: data().run(study, as_of) for study in streak_studies(n)}
    total = 0.0
    for seed in STREAK_SEEDS:
        found, _ = value(results[seed.study], seed)
        total += 1.0 if found is None else abs(found - seed.quoted) / abs(seed.quoted)
    return total


def number(x: float | None, spec: str = "+.2f") -> str:
    return "—" if x is None else format(x, spec)


@cache
def recomputed() -> tuple[tuple[Seed, float | None, int, float | None, int], ...]:
    """Each seed with Regime's figure and n as of 2026-01-28, then over all the data."""
    studies = data().studies
    return tuple(
        (
            seed,
            *value(data().run(studies[seed.study], QUOTED), seed),
            *value(data().run(studies[seed.study], LAST), seed),
        )
        for seed in SEEDS
    )


def seeds_table() -> list[str]:
    lines = [
        f"{'figure':<48} {'seed':>7} {'Regime':>7} {'n':>5} {'diff':>7}"
        f" {'all data':>8} {'n':>5}  study (statistic, horizon)"
    ]
    for seed, then, n_then, now, n_now in recomputed():
        diff = None if then is None else then - seed.quoted
        lines.append(
            f"{seed.figure:<48} {seed.quoted:>7.2f} {number(then, '.2f'):>7} {n_then:>5}"
            f" {number(diff):>7} {number(now, '.2f'):>8} {n_now:>5}"
            f"  {seed.study} ({seed.stat}, {seed.horizon})"
        )
    corrections = {key: corrections_in_five_years(key) for key in ("td_sell_9", "td_sell_13")}
    found = " + ".join(f"{len(days)} ({key})" for key, days in corrections.items())
    lines.append(f"TD 9s before a 10 %+ fall in 63 sessions, 5 years: seed 3, Regime {found}")
    for key, days in corrections.items():
        lines.append(f"  {key}: " + ", ".join(f"{day} {fall:+.1f} %" for day, fall in days))
    for year, top in TOPS.items():
        day, gap, falls = divergence_before(top)
        lines.append(
            f"Bearish RSI divergence before the {year} decline (top {top}): {day},"
            f" {gap:+d} sessions from the top; fall within 63/252 sessions"
            f" {falls[0]:+.1f} / {falls[1]:+.1f} %"
        )
    return lines


def corrections_in_five_years(study_id: str) -> list[tuple[date, float]]:
    """The study's events in the five years to 2026-01-28 followed by a fall of 10 % or
    more within 63 sessions, with the fall."""
    result = data().run(data().studies[study_id], QUOTED)
    start, end = FIVE_YEARS
    return [
        (event.date, fall)
        for event in result.events
        if start < event.date <= end
        and (fall := event.drawdown_pct["63"]) is not None
        and fall <= DECLINE
    ]


def divergence_before(top: date) -> tuple[date, int, tuple[float, float]]:
    """The last bearish-divergence event up to 10 sessions after `top` (its
    confirmation comes 5 sessions after the pivot high), how many sessions from the top
    (negative: before it), and its deepest fall within 63 and 252 sessions."""
    result = data().run(data().studies["rsi_bearish_divergence"], LAST)
    sessions = data().readings.index
    at_top = int(sessions.searchsorted(pd.Timestamp(top)))
    latest = sessions[at_top + 10].date()
    event = [e for e in result.events if e.date <= latest][-1]
    gap = int(sessions.searchsorted(pd.Timestamp(event.date))) - at_top
    falls = (event.drawdown_pct["63"], event.drawdown_pct["252"])
    assert falls[0] is not None and falls[1] is not None
    return event.date, gap, (falls[0], falls[1])


def as_of_table() -> list[str]:
    lines = [
        f"{'study':<24} {'as of':<10} {'active':<6} {'last event':<10} {'cool':<5}"
        f" {'near':>6} {'h':>4} {'n':>4} {'mean':>7} {'base':>7} {'pos %':>5}"
    ]
    for study in data().studies.values():
        for day in (QUOTED, LATER):
            result = data().run(study, day)
            stats = result.horizons[str(result.headline)]
            lines.append(
                f"{study.id:<24} {day!s:<10} {result.active!s:<6} {result.last_event!s:<10}"
                f" {result.within_cooldown!s:<5} {number(result.near_pct, '.2f'):>6}"
                f" {result.headline:>4} {stats.n:>4} {number(stats.mean_pct):>7}"
                f" {number(stats.baseline_mean_pct):>7} {number(stats.pct_positive, '.0f'):>5}"
            )
    return lines


def test_print_the_seeds_against_regime_and_the_studies_on_the_two_days() -> None:
    print("\n" + "\n".join([*seeds_table(), "", *as_of_table()]))
    missing = [row[0].figure for row in recomputed() if row[1] is None or row[3] is None]
    assert not missing  # every quoted figure has its recomputation, on both spans


@pytest.mark.parametrize("as_of", [QUOTED, LAST])
def test_the_builtin_streak_is_the_n_closest_to_the_seeds(as_of: date) -> None:
    distances: dict[int, float] = {n: streak_distance(n, as_of) for n in STREAKS}
    best = min(distances, key=distances.__getitem__)
    condition = data().studies["rut_streak"].condition
    assert condition == f"context.rut_win_streak >= {best}", distances


def test_new_milestones_and_their_year() -> None:
    result = data().run(data().studies["new_milestone"], QUOTED)
    assert [(e.date.isoformat(), e.reading) for e in result.events] == [
        ("1998-02-02", 1000.0),
        ("2014-08-26", 2000.0),
        ("2019-07-12", 3000.0),
        ("2021-04-01", 4000.0),
        ("2024-02-09", 5000.0),
        ("2024-11-11", 6000.0),
    ]
    year = result.horizons["252"]
    assert (year.n, year.pending) == (6, 0)
    assert year.pct_positive == pytest.approx(500 / 6)  # the seeds say 100
    # the one year that fell: 2,000 in August 2014, a year later the August 2015 sell-off
    returns = {e.date.isoformat(): e.returns_pct["252"] for e in result.events}
    assert [day for day, r in returns.items() if r is not None and r <= 0] == ["2014-08-26"]
    assert year.mean_pct == pytest.approx(12.19, abs=0.005)
    later = data().run(data().studies["new_milestone"], LAST)
    assert later.events[-1].date == date(2026, 4, 15) and later.horizons["252"].pending == 1


def test_td_and_rsi_events_the_bear_thesis_names() -> None:
    nines = corrections_in_five_years("td_sell_9")
    thirteens = corrections_in_five_years("td_sell_13")
    assert [day for day, _ in nines] == [date(2022, 3, 28), date(2022, 8, 8)]
    assert [day for day, _ in thirteens] == [date(2022, 1, 4)]
    assert divergence_before(TOPS["2020"])[:2] == (date(2020, 2, 26), 5)
    day, gap, (quarter, year) = divergence_before(TOPS["2022"])
    assert day == date(2021, 11, 26) and gap < 0 and year <= DECLINE < quarter


def test_what_is_active_on_the_two_days() -> None:
    active: dict[date, set[str]] = {}
    results: dict[tuple[str, date], StudyResult] = {}
    for study in data().studies.values():
        for day in (QUOTED, LATER):
            result = results[study.id, day] = data().run(study, day)
            assert result.active is not None, (study.id, day)
            if result.active:
                active.setdefault(day, set()).add(study.id)
    assert active == {QUOTED: {"milestone_proximity"}}  # 6,978.03: within 1 % of 7,000
    streak = results["rut_streak", QUOTED]
    assert streak.last_event == date(2026, 1, 13) and streak.within_cooldown
    new = results["new_milestone", QUOTED]
    assert new.near_pct == pytest.approx((7000 / 6978.03 - 1) * 100)
