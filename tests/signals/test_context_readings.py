"""The context section's readings as history (`core.sections.context.readings`): one
row per session of the index, every reading of the model a column. Proved three
ways: no look-ahead (the readings of the data cut at a session equal the full readings
up to that session, every column), today's model is the last row (`flatten(compute)`,
with the reasons for unknown readings in its status), and every row equals the former
last-bar computation on the data cut at its session, reasons included (the oracle in
tests/signals/oracles_vix_context.py); on real data, the pinned January 2026 streak,
TA-Lib's rolling max for the 52-week highs, and the oracle on sampled sessions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from core.clock import NEW_YORK
from core.columns import flatten
from core.config import Settings
from core.section import CycleData, Inputs, builtin, latest
from core.sections.context import SECTION, compute, readings
from core.signals.context import WARMUP
from tests.market_data import require_market_data
from tests.signals.oracles_vix_context import context_at_last_bar

SETTINGS = Settings()
SYMBOLS = SETTINGS.symbols
NAMES = (SYMBOLS.index, SYMBOLS.small_caps, SYMBOLS.nasdaq)


def inputs(bars: Mapping[str, pd.DataFrame]) -> Inputs:
    cycle = CycleData(
        bars=bars,
        members=None,
        state="REPLAY",
        detail=None,
        close_time=lambda day: datetime(day.year, day.month, day.day, 16, tzinfo=NEW_YORK),
    )
    return Inputs(SETTINGS, cycle, None, {}, builtin(), {}, {})


def cut(bars: Mapping[str, pd.DataFrame], session: pd.Timestamp) -> dict[str, pd.DataFrame]:
    return {symbol: frame.loc[:session] for symbol, frame in bars.items()}


def plain(row: Mapping[str, object]) -> dict[str, object]:
    """A row of readings by field name (None where unknown)."""
    return {column.removeprefix("context."): value for column, value in row.items()}


def oracle(bars: Mapping[str, pd.DataFrame]) -> tuple[dict[str, object], list[str]]:
    index, small_caps, nasdaq = (bars.get(symbol) for symbol in NAMES)
    assert index is not None
    return context_at_last_bar(index, small_caps, nasdaq)


def market(seed: int, n: int) -> dict[str, pd.DataFrame]:
    """The S&P 500, the Russell 2000 and the Nasdaq sharing a trend (so that highs
    coincide often), RUT and the Nasdaq missing some sessions, starting later or
    running past the index, with a few unusable closes."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2016-01-01", periods=n, name="date")
    base = np.cumsum(rng.normal(rng.choice([0.0, 0.002, 0.004]), 0.01, n))
    bars = {}
    for symbol in NAMES:
        close = np.round(1000 * np.exp(base + np.cumsum(rng.normal(0, 0.005, n))), 0)
        close[rng.random(n) < 0.005] = rng.choice([np.nan, np.inf])
        frame = pd.DataFrame({"close": close}, index=dates)
        if symbol != SYMBOLS.index:
            frame = frame[rng.random(n) > rng.choice([0.0, 0.05])]
            frame = frame.iloc[int(rng.choice([0, 0, n // 3])) :]
        bars[symbol] = frame
    bars[SYMBOLS.index] = bars[SYMBOLS.index].iloc[: n - int(rng.integers(0, 3))]
    return bars


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([3, 30, 300, 560]), data=st.data())
def test_no_look_ahead_and_equal_to_the_last_bar_oracle(
    seed: int, n: int, data: st.DataObject
) -> None:
    bars = market(seed, n)
    full = readings(inputs(bars))
    assert full.index.equals(bars[SYMBOLS.index].index)
    late = list(full.index[-60:])  # where the 20- and 5-session windows are busy
    cuts = data.draw(st.lists(st.sampled_from(late), min_size=1, max_size=8))
    for session in cuts:
        upto = cut(bars, session)
        assert_frame_equal(readings(inputs(upto)), full.loc[:session], check_freq=False)
        expected, reasons = oracle(upto)
        assert plain(latest(full.loc[:session])) == expected
        detail = compute(inputs(upto)).status.detail
        assert detail == ("; ".join(reasons) if reasons else None)


def test_columns_are_the_models_readings_and_today_is_the_last_row() -> None:
    bars = market(5, 400)
    for present in (NAMES, NAMES[:1], NAMES[:2], (NAMES[0], NAMES[2])):
        chosen = {symbol: bars[symbol] for symbol in present}
        frame = readings(inputs(chosen))
        today = flatten(compute(inputs(chosen)), "context")
        assert list(today) == list(frame.columns)
        assert today == latest(frame)


def test_a_session_without_a_valid_index_close_reads_as_of_the_one_before() -> None:
    bars = market(9, 300)
    index = bars[SYMBOLS.index].copy()
    index.iloc[[0, 150, -1], 0] = np.nan
    bars[SYMBOLS.index] = index
    frame = readings(inputs(bars))
    assert frame.index.equals(index.index)
    assert frame.iloc[0].isna().all()  # nothing before the first valid close
    assert plain(latest(frame.iloc[:151])) == plain(latest(frame.iloc[:150]))
    assert plain(latest(frame)) == oracle(bars)[0]


def test_no_index_gives_an_empty_frame_with_every_column() -> None:
    frame = readings(inputs({}))
    assert frame.empty
    assert list(frame.columns) == list(flatten(compute(inputs({})), "context"))


def test_warmup_is_a_year_behind_the_confirmation_window() -> None:
    assert SECTION.warmup == WARMUP == 252 + 20 + 5 - 2
    assert SECTION.readings is readings


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    from core.sources.files import FilesSource

    source = FilesSource(require_market_data("GSPC.csv", "RUT.csv", "IXIC.csv"))
    bars = dict(source.daily_bars(NAMES, date(1927, 1, 1), date(2026, 12, 31)))
    return bars, readings(inputs(bars))


def test_real_streak_and_highs(real: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    bars, frame = real
    assert frame.index.equals(bars[SYMBOLS.index].index)
    # Small caps beat the S&P 500 on every session from 2026-01-02 to 2026-01-22.
    assert frame.loc["2026-01-22", "context.rut_win_streak"] == 14
    assert frame.loc["2026-01-23", "context.rut_win_streak"] == 0
    assert frame.loc[:"1987-09-10", "context.rut_win_streak"].isna().all()  # RUT starts
    for symbol, column in ((SYMBOLS.index, "index"), (SYMBOLS.nasdaq, "nasdaq")):
        close = bars[symbol]["close"].to_numpy()
        year_high = talib.MAX(close, 252)
        pairs = zip(close, year_high, strict=True)
        flags = [None if np.isnan(high) else bool(last >= high) for last, high in pairs]
        expected = pd.Series(flags, bars[symbol].index, object)
        got = frame[f"context.{column}_new_high_52w"]
        assert got.loc[expected.index[0] :].tolist() == expected.loc[: got.index[-1]].tolist()


def test_real_sessions_equal_the_last_bar_oracle(
    real: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    bars, frame = real
    rng = np.random.default_rng(2026)
    sessions = [pd.Timestamp(day) for day in ("1960-01-04", "2026-01-28", "2026-02-05")]
    sessions += list(rng.choice(frame.index[frame.index >= "1988-01-01"], 12, replace=False))
    for session in sessions:
        upto = cut(bars, session)
        expected, reasons = oracle(upto)
        assert plain(latest(frame.loc[:session])) == expected, session
        detail = compute(inputs(upto)).status.detail
        assert detail == ("; ".join(reasons) if reasons else None), session
    assert flatten(compute(inputs(bars)), "context") == latest(frame)
    assert frame["context.nasdaq_confirms"].isin([True, False, None]).all()
