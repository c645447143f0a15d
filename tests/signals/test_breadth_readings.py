"""The breadth section's readings as history (`core.sections.breadth.readings`): one row
per session of the members' closes, a column per reading named as `core.columns.flatten`
names the model's fields, all but the A/D line's level and the top-10 weight. Proved
here: no look-ahead (the readings of the data cut at t, members and RSP/SPY alike, are
the full readings' rows up to t, every column, bit for bit); every session's row is the
plain member-by-member oracle's (`tests.signals.oracles_breadth`); today's section is
the last row, with the reasons RSP/SPY and the top-10 weight are unknown in its status;
the warm-up is enough for every reading to forget where the data starts; and on the
real members (../shared/market-data) the readings are the series proven against the
official breadth indices, the oracle's on sampled sessions, and SOURCES.md's value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import NEW_YORK
from core.columns import flatten
from core.config import Settings
from core.section import CycleData, Inputs, Registry, latest
from core.sections.breadth import (
    HISTORY_SESSIONS,
    KEY,
    NOT_READINGS,
    READINGS,
    SECTION,
    SURVIVORSHIP,
    WARMUP,
    BreadthSection,
    compute,
    readings,
)
from core.signals.breadth import breadth_frame
from core.sources.base import MemberPanel
from core.sources.files import FilesSource
from tests.market_data import require_market_data
from tests.signals.oracles_breadth import dates, panels, ratio_closes, readings_at

RATIO_COLUMNS = ("breadth.rsp_spy_ratio", "breadth.rsp_spy_vs_50d_pct")
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close_at_four(session: date) -> datetime:
    return datetime.combine(session, time(16), tzinfo=NEW_YORK)


def breadth_inputs(
    closes: pd.DataFrame | None,
    rsp: pd.Series | None = None,
    spy: pd.Series | None = None,
    info: pd.DataFrame | None = None,
    now: datetime | None = None,
) -> Inputs:
    """One cycle's inputs: the members' `closes` and RSP/SPY as daily bars; a replay
    unless `now` (a live cycle's time) is given."""
    bars = {
        symbol: series.to_frame("close")
        for symbol, series in (("RSP", rsp), ("SPY", spy))
        if series is not None
    }
    members = None
    if closes is not None:
        members = MemberPanel(closes=closes, info=info if info is not None else pd.DataFrame())
    cycle = CycleData(
        bars=bars,
        members=members,
        state="REPLAY" if now is None else "LIVE",
        detail=None,
        close_time=close_at_four,
        now=now,
    )
    return Inputs(Settings(), cycle, None, {}, Registry((SECTION,)), {}, {})


def cut(series: pd.Series | None, day: pd.Timestamp) -> pd.Series | None:
    return None if series is None else series.loc[:day]


def same(ours: object, oracle: float | None, column: str) -> bool:
    """A reading equals the oracle's: NaN for None; RSP/SPY's average to rounding."""
    if oracle is None:
        return isinstance(ours, float) and math.isnan(ours)
    if column in RATIO_COLUMNS:
        return math.isclose(float(ours), oracle, rel_tol=1e-12, abs_tol=1e-12)  # type: ignore[arg-type]
    return ours == oracle


def assert_row_is_the_oracles(
    row: Mapping[Any, object], oracle: Mapping[str, float | None]
) -> None:
    assert set(row) == set(oracle)
    wrong = {c: (row[c], oracle[c]) for c in oracle if not same(row[c], oracle[c], c)}
    assert not wrong


# ---------------------------------------------------------------- the frame


def test_columns_are_the_models_readings_but_the_two_for_today_only() -> None:
    section = BreadthSection.model_validate({"status": {"state": "LIVE"}})
    named = [column for column in flatten(section, KEY) if column not in READINGS]
    assert named == [f"{KEY}.{name}" for name in NOT_READINGS]
    assert READINGS[0] == "breadth.members" and "breadth.pct_above_200dma" in READINGS
    assert SECTION.readings is readings and SECTION.warmup == WARMUP == 252


def test_readings_are_indexed_by_the_members_sessions_as_floats() -> None:
    closes = pd.DataFrame({"A": np.arange(1.0, 31.0), "B": np.arange(31.0, 1.0, -1)})
    closes.index = dates(30)
    frame = readings(breadth_inputs(closes))
    assert list(frame.columns) == list(READINGS)
    assert frame.index.equals(closes.index)
    assert (frame.dtypes == "float64").all()
    assert frame["breadth.members"].tolist() == [2.0] * 30
    assert np.isnan(frame["breadth.advances"].iloc[0])
    assert frame["breadth.advances"].iloc[1:].tolist() == [1.0] * 29
    assert frame["breadth.ad_line_change_20d"].iloc[:20].isna().all()
    assert frame["breadth.ad_line_change_20d"].iloc[20:].tolist() == [0.0] * 10


@pytest.mark.parametrize("closes", [None, pd.DataFrame(), pd.DataFrame(index=dates(5))])
def test_no_members_no_rows(closes: pd.DataFrame | None) -> None:
    rsp = pd.Series(50.0, index=dates(60))
    frame = readings(breadth_inputs(closes, rsp, rsp * 2))
    assert list(frame.columns) == list(READINGS) and frame.empty
    assert isinstance(frame.index, pd.DatetimeIndex)
    section = compute(breadth_inputs(closes, rsp, rsp * 2))
    assert section.status.detail == "this source has no member data"
    assert section.pct_above_200dma is None and section.members is None


# ---------------------------------------------------------------- properties


@SLOW
@given(panels(max_rows=400), st.data())
def test_no_look_ahead_every_column(closes: pd.DataFrame, data: st.DataObject) -> None:
    rsp, spy = data.draw(ratio_closes(pd.DatetimeIndex(closes.index)), label="rsp, spy")
    full = readings(breadth_inputs(closes, rsp, spy))
    n = len(closes)
    cuts = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4), label="t")
    for t in cuts:
        day = closes.index[t]
        prefix = readings(breadth_inputs(closes.iloc[: t + 1], cut(rsp, day), cut(spy, day)))
        pd.testing.assert_frame_equal(prefix, full.iloc[: t + 1], check_exact=True)


@SLOW
@given(panels(min_rows=200, max_rows=320), st.data())
def test_every_session_is_the_oracles(closes: pd.DataFrame, data: st.DataObject) -> None:
    rsp, spy = data.draw(ratio_closes(pd.DatetimeIndex(closes.index)), label="rsp, spy")
    frame = readings(breadth_inputs(closes, rsp, spy))
    n = len(closes)
    sessions = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3), label="t")
    for t in [*sessions, n - 1]:
        assert_row_is_the_oracles(frame.iloc[t].to_dict(), readings_at(closes, t, rsp, spy))


@SLOW
@given(panels(max_rows=320), st.data())
def test_today_is_the_last_row(closes: pd.DataFrame, data: st.DataObject) -> None:
    rsp, spy = data.draw(ratio_closes(pd.DatetimeIndex(closes.index)), label="rsp, spy")
    inputs = breadth_inputs(closes, rsp, spy)
    frame = readings(inputs)
    section = compute(inputs)
    today = flatten(section, KEY)
    last = latest(frame)
    assert {column: today[column] for column in frame.columns} == last
    # The sparkline is the last year of the % above the 200-day column.
    shown = frame["breadth.pct_above_200dma"].iloc[-HISTORY_SESSIONS:]
    assert section.history_200dma.dates == tuple(stamp.date() for stamp in shown.index)
    assert section.history_200dma.values == tuple(
        None if math.isnan(value) else value for value in shown
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(min_rows=WARMUP + 1, max_rows=WARMUP + 120, interior_gaps=False), st.data())
def test_the_warmup_forgets_where_the_data_starts(
    closes: pd.DataFrame, data: st.DataObject
) -> None:
    """For members with a close on every session they are listed (a member missing
    closes needs as many more sessions: its windows run over its present closes)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    n = len(closes)
    spy = pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), index=closes.index)
    rsp: pd.Series = spy * 0.3 * np.exp(rng.normal(0.0, 0.002, n))
    rsp = rsp.iloc[rng.uniform(size=n) >= 0.02]
    full = readings(breadth_inputs(closes, rsp, spy))
    start = data.draw(st.integers(1, n - WARMUP), label="start")
    first = closes.index[start]
    later = readings(breadth_inputs(closes.iloc[start:], rsp.loc[first:], spy.loc[first:]))
    warm = later.iloc[WARMUP:]
    pd.testing.assert_frame_equal(warm, full.loc[warm.index], check_exact=True)


# ---------------------------------------------------------------- today's notes


def hand_closes() -> pd.DataFrame:
    t = np.arange(80, dtype=np.float64)
    return pd.DataFrame({"A": 100.0 + t, "B": 200.0 - t}, index=dates(80))


def test_status_says_why_rsp_spy_and_the_top10_weight_are_unknown_and_whose_list() -> None:
    closes = hand_closes()
    spy = pd.Series(100.0, index=closes.index)
    rsp = pd.Series(30.0, index=closes.index)
    last = close_at_four(closes.index[-1].date())

    both = compute(breadth_inputs(closes, rsp, spy))
    assert both.rsp_spy_ratio == pytest.approx(0.3)
    assert both.status.state == "REPLAY" and both.status.as_of == last
    assert both.status.detail == (
        "no member weights: top-10 concentration unknown;"
        " member list is today's (survivorship: members that left are missing)"
    )

    stale = compute(breadth_inputs(closes, rsp.iloc[:-3], spy))
    assert stale.rsp_spy_ratio is None
    assert stale.status.detail == (
        f"RSP ends {closes.index[-4]:%Y-%m-%d}, SPY {closes.index[-1]:%Y-%m-%d}: RSP/SPY"
        f" unknown; no member weights: top-10 concentration unknown; {SURVIVORSHIP}"
    )

    # Closes after the members' last session are not read, nor named.
    ahead = pd.Series(100.0, index=dates(85))
    later = compute(breadth_inputs(closes, rsp.iloc[:-3], ahead))
    assert later.status.detail == stale.status.detail

    weights = pd.DataFrame({"weight": [0.6, 0.4]}, index=pd.Index(["A", "B"], name="ticker"))
    live = last + timedelta(days=1)
    missing = compute(breadth_inputs(closes, None, spy, info=weights, now=live))
    assert missing.top10_concentration_pct == pytest.approx(100.0)
    assert missing.status.detail == f"no RSP/SPY data; {SURVIVORSHIP}"

    # Weights are today's: a replay of a past session does not apply them (look-ahead).
    replayed = compute(breadth_inputs(closes, None, spy, info=weights))
    assert replayed.top10_concentration_pct is None
    assert replayed.status.detail == (
        "no RSP/SPY data; member weights are today's: top-10 concentration unknown in a"
        f" replay; {SURVIVORSHIP}"
    )


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.Series, pd.Series, Inputs]:
    root = require_market_data("constituents/closes_unadj.csv", "RSP.csv", "SPY.csv")
    source = FilesSource(Path(root))
    first, last = date(2016, 1, 1), date(2026, 8, 21)
    members = source.members(first, last)
    assert members is not None
    bars = source.daily_bars(("RSP", "SPY"), first, last)
    rsp, spy = bars["RSP"]["close"], bars["SPY"]["close"]
    inputs = breadth_inputs(members.closes, rsp, spy, info=members.info)
    return members.closes, rsp, spy, inputs


def test_real_members_readings(real: tuple[pd.DataFrame, pd.Series, pd.Series, Inputs]) -> None:
    closes, *_, inputs = real
    frame = readings(inputs)
    assert frame.index.equals(closes.index)
    # The % above the averages is the series proven against the official indices
    # (test_breadth_official.py).
    proven = breadth_frame(closes)
    for length in (200, 50):
        column = f"pct_above_{length}dma"
        np.testing.assert_array_equal(frame[f"breadth.{column}"], proven[column])
    # SOURCES.md: on 2026-01-28, 66.5 % of today's members above their 200-day average
    # on the dividend-unadjusted closes the source reads (68.3 on the adjusted ones);
    # HONA and FDXF list later.
    jan28 = frame.loc["2026-01-28"]
    assert jan28["breadth.pct_above_200dma"] == pytest.approx(66.5, abs=0.2)
    assert jan28["breadth.members"] == 501
    assert jan28["breadth.rsp_spy_ratio"] == pytest.approx(0.2843, abs=1e-4)
    # RSP.csv ends 2026-07-01: RSP/SPY unknown after it, never carried forward.
    assert frame["breadth.rsp_spy_ratio"].loc["2026-07-01"] > 0
    assert frame.loc["2026-07-02":, list(RATIO_COLUMNS)].isna().all().all()


def test_real_sessions_are_the_oracles(
    real: tuple[pd.DataFrame, pd.Series, pd.Series, Inputs],
) -> None:
    closes, rsp, spy, inputs = real
    frame = readings(inputs)
    rng = np.random.default_rng(2026)
    picked = {int(t) for t in rng.integers(WARMUP, len(closes), 3)}
    named = {int(closes.index.searchsorted(day)) for day in ("2026-01-28", "2026-02-05")}
    for t in sorted(picked | named):
        assert_row_is_the_oracles(frame.iloc[t].to_dict(), readings_at(closes, t, rsp, spy))


def test_real_replay_is_the_history_row_and_today_the_last(
    real: tuple[pd.DataFrame, pd.Series, pd.Series, Inputs],
) -> None:
    closes, rsp, spy, inputs = real
    frame = readings(inputs)
    for day in ("2026-02-05", "2026-07-01"):
        stamp = pd.Timestamp(day)
        replay = breadth_inputs(closes.loc[:stamp], cut(rsp, stamp), cut(spy, stamp))
        pd.testing.assert_frame_equal(readings(replay), frame.loc[:stamp], check_exact=True)
        today = flatten(compute(replay), KEY)
        assert {column: today[column] for column in frame.columns} == latest(frame.loc[:stamp])
    section = compute(inputs)
    assert section.status.detail == (
        "RSP ends 2026-07-01, SPY 2026-08-21: RSP/SPY unknown;"
        f" no member weights: top-10 concentration unknown; {SURVIVORSHIP}"
    )
