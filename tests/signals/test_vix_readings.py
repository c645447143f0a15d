"""The VIX section's readings as history (`core.sections.vix.readings`): one row per
session of its inputs, every reading of the model a column. Proved three ways: no
look-ahead (the readings of the data cut at a session equal the full readings up to
that session, every column), today's model is the last row (`flatten(compute)`), and
every row equals the former last-bar computation on the data cut at its session (the
oracle in tests/signals/oracles_vix_context.py); on real data, a few sessions against
pinned values, TA-Lib's rolling max/min and standard deviation, and the oracle."""

from __future__ import annotations

import math
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
from core.sections.vix import SECTION, compute, readings
from core.signals.vix import YEAR
from tests.market_data import require_market_data
from tests.signals.oracles_vix_context import vix_at_last_bar

SETTINGS = Settings()
SYMBOLS = SETTINGS.symbols
NAMES = (SYMBOLS.vix, SYMBOLS.index, SYMBOLS.vix9d, SYMBOLS.vix3m)


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
    """A row of readings by field name, NaN as None, numpy scalars as Python."""
    out: dict[str, object] = {}
    for column, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        out[column.removeprefix("vix.")] = None if value != value else value
    return out


def market(seed: int, n: int) -> dict[str, pd.DataFrame]:
    """VIX, index, VIX9D and VIX3M on one calendar, each missing some sessions, with
    a few unusable closes, and one of them running a few sessions past the others."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=n, name="date")
    bars = {}
    for symbol, level, vol in zip(
        NAMES, (20.0, 4000.0, 18.0, 21.0), (0.05, 0.01, 0.06, 0.03), strict=True
    ):
        close = level * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
        if rng.random() < 0.5:
            close = np.round(close, 0)  # ties and flat stretches
        close[rng.random(n) < 0.01] = rng.choice([np.nan, 0.0, -1.0, np.inf])
        frame = pd.DataFrame({"close": close}, index=dates)
        keep = rng.random(n) > rng.choice([0.0, 0.03, 0.2])
        keep[-1] = keep[-1] or rng.random() < 0.5
        bars[symbol] = frame[keep].iloc[: n - int(rng.integers(0, 4))]
    return bars


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([8, 40, 300, 520]), data=st.data())
def test_no_look_ahead_and_equal_to_the_last_bar_oracle(
    seed: int, n: int, data: st.DataObject
) -> None:
    bars = market(seed, n)
    full = readings(inputs(bars))
    assert full.index.is_monotonic_increasing and full.index.is_unique
    assert set(full.index) == set().union(*(frame.index for frame in bars.values()))
    cuts = data.draw(st.lists(st.sampled_from(list(full.index)), min_size=1, max_size=8))
    for session in cuts:
        upto = cut(bars, session)
        assert_frame_equal(readings(inputs(upto)), full.loc[:session], check_freq=False)
        expected = vix_at_last_bar(*(upto[symbol] for symbol in NAMES))
        assert plain(latest(full.loc[:session])) == expected


def test_columns_are_the_models_readings_and_today_is_the_last_row() -> None:
    bars = market(7, 400)
    for present in (NAMES, NAMES[:2], NAMES[1:], NAMES[:1]):
        chosen = {symbol: bars[symbol] for symbol in present}
        frame = readings(inputs(chosen))
        today = flatten(compute(inputs(chosen)), "vix")
        assert list(today) == list(frame.columns)
        assert today == latest(frame)


def test_series_ending_on_other_sessions_keep_the_last_bar_rules() -> None:
    bars = market(3, 300)
    dates = bars[SYMBOLS.index].index
    # The VIX stops two sessions before the index; VIX9D runs one past the VIX.
    bars[SYMBOLS.vix] = bars[SYMBOLS.vix].loc[: dates[-3]]
    bars[SYMBOLS.vix9d] = bars[SYMBOLS.vix9d].loc[: dates[-2]]
    today = plain(latest(readings(inputs(bars))))
    vix_close = bars[SYMBOLS.vix]["close"]
    assert today["last"] == vix_close.iloc[-1]  # the VIX's last close, read on
    assert today["realized_vol_20d"] is not None  # the index's own last session
    assert today["vix_minus_realized"] is None  # never two dates mixed
    assert today["vix9d"] is None  # VIX9D's last close is not on the VIX's
    assert today == vix_at_last_bar(*(bars[symbol] for symbol in NAMES))


def test_no_inputs_give_an_empty_frame_with_every_column() -> None:
    frame = readings(inputs({}))
    assert frame.empty
    assert list(frame.columns) == list(flatten(compute(inputs({})), "vix"))


def test_warmup_is_a_year_of_closes() -> None:
    assert SECTION.warmup == YEAR + 1  # today and the 252 closes before it
    assert SECTION.readings is readings


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    from core.sources.files import FilesSource

    source = FilesSource(require_market_data("GSPC.csv", "VIX.csv"))
    bars = dict(source.daily_bars(NAMES, date(1927, 1, 1), date(2026, 12, 31)))
    assert SYMBOLS.vix9d not in bars and SYMBOLS.vix3m not in bars  # not in the folder
    return bars, readings(inputs(bars))


def test_real_pinned_values_and_the_years_before_the_vix(
    real: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    bars, frame = real
    assert frame.index.equals(bars[SYMBOLS.index].index)  # one calendar (SOURCES.md)
    assert frame.loc["2026-01-28", "vix.last"] == 16.35  # the CBOE close (SOURCES.md)
    # Against the previous 252 closes (2025-01-27 on), 81 below 16.35 and 207 below
    # 21.77; the range of both years is 13.47..52.33 (counted from VIX.csv by hand).
    assert frame.loc["2026-01-28", "vix.iv_percentile_1y"] == pytest.approx(81 / 252 * 100)
    assert frame.loc["2026-02-05", "vix.iv_percentile_1y"] == pytest.approx(207 / 252 * 100)
    for day, close in (("2026-01-28", 16.35), ("2026-02-05", 21.77)):
        rank = (close - 13.47) / (52.33 - 13.47) * 100
        assert frame.loc[day, "vix.iv_rank_1y"] == pytest.approx(rank, rel=1e-12)
    before = frame.loc[:"1989-12-29"]
    assert before["vix.last"].isna().all() and before["vix.iv_rank_1y"].isna().all()
    assert before["vix.realized_vol_20d"].iloc[21:].notna().all()
    assert frame["vix.term_structure"].isna().all()  # no VIX3M in the folder
    first_rank = frame["vix.iv_rank_1y"].first_valid_index()
    assert first_rank == bars[SYMBOLS.vix].index[YEAR]  # the first with 252 closes before


def test_real_against_ta_lib(real: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    bars, frame = real
    vix = bars[SYMBOLS.vix]["close"]
    high, low = talib.MAX(vix.to_numpy(), YEAR + 1), talib.MIN(vix.to_numpy(), YEAR + 1)
    rank = pd.Series((vix.to_numpy() - low) / (high - low) * 100, index=vix.index)
    on_vix = frame.loc[vix.index]
    np.testing.assert_allclose(on_vix["vix.iv_rank_1y"], rank, rtol=1e-12, atol=1e-12)
    index = bars[SYMBOLS.index]["close"]
    returns = np.log(index.to_numpy())
    returns[1:] = np.diff(returns)
    returns[0] = np.nan
    # TA-Lib's STDDEV is the population one: scale to the sample's (ddof=1).
    sample = talib.STDDEV(returns, 20, 1.0) * math.sqrt(20 / 19)
    expected = pd.Series(sample * math.sqrt(252) * 100, index=index.index)
    got = frame["vix.realized_vol_20d"]
    assert got.isna().equals(expected.isna())
    np.testing.assert_allclose(got.dropna(), expected.dropna(), rtol=1e-7)


def test_real_sessions_equal_the_last_bar_oracle(
    real: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    bars, frame = real
    rng = np.random.default_rng(2026)
    sessions = [pd.Timestamp(day) for day in ("1950-06-01", "1990-12-31", "2026-01-28")]
    sessions += list(rng.choice(frame.index[frame.index >= "1990-06-01"], 12, replace=False))
    for session in sessions:
        upto = cut(bars, session)
        expected = vix_at_last_bar(*(upto.get(symbol) for symbol in NAMES))
        assert plain(latest(frame.loc[:session])) == expected, session
    assert flatten(compute(inputs(bars)), "vix") == latest(frame)
