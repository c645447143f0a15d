"""Realised volatility against a direct numpy computation, Keltner against its manual
composition, swing pivots on a hand-made series, RSI edge cases, the missing-data rule
(skip, never fill), argument checks, and the rule that core never imports TA-Lib."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.indicators as indicators
from core.indicators import (
    atr,
    bollinger,
    ema,
    keltner,
    realized_vol,
    rsi,
    sma,
    swing_pivots,
    true_range,
)

INDEX = pd.bdate_range("2020-01-01", periods=300, name="date")


def random_bars(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.012, n)))
    spread = np.abs(rng.normal(0.0, 0.01, n)) * close
    return pd.DataFrame(
        {"high": close + spread, "low": close - spread * 0.7, "close": close},
        index=pd.bdate_range("2020-01-01", periods=n, name="date"),
    )


# --- realised volatility ---------------------------------------------------------------


@pytest.mark.parametrize("window", [2, 5, 20, 63])
def test_realized_vol_equals_direct_numpy(window: int) -> None:
    close = random_bars(7)["close"]
    ours = realized_vol(close, window)
    returns = np.diff(np.log(close.to_numpy()))
    expected = np.full(len(close), np.nan)
    for t in range(window, len(close)):
        expected[t] = np.std(returns[t - window : t], ddof=1) * math.sqrt(252) * 100.0
    assert ours.index.equals(close.index)
    assert np.isnan(ours.to_numpy()[:window]).all()
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-12, atol=0.0)


def test_realized_vol_is_in_percent_units() -> None:
    # Alternating +1%/-1% log returns: stdev ~1% a day, ~15.9% a year.
    close = pd.Series(100.0 * np.exp(np.cumsum([0.0] + [0.01, -0.01] * 30)))
    value = realized_vol(close, 20).iloc[-1]
    assert value == pytest.approx(0.01 * math.sqrt(20 / 19) * math.sqrt(252) * 100, rel=1e-9)


# --- Keltner and Bollinger -------------------------------------------------------------


@pytest.mark.parametrize(("length", "atr_length", "multiplier"), [(20, 10, 2.0), (5, 3, 1.5)])
def test_keltner_is_ema_plus_minus_atr(length: int, atr_length: int, multiplier: float) -> None:
    bars = random_bars(11)
    h, lo, c = bars["high"], bars["low"], bars["close"]
    channel = keltner(h, lo, c, length, atr_length, multiplier)
    middle = ema(c, length)
    band = multiplier * atr(h, lo, c, atr_length)
    assert list(channel.columns) == ["lower", "middle", "upper", "bandwidth"]
    assert channel.index.equals(bars.index)
    np.testing.assert_array_equal(channel["middle"], middle)
    np.testing.assert_allclose(channel["upper"], middle + band, rtol=1e-15)
    np.testing.assert_allclose(channel["lower"], middle - band, rtol=1e-15)
    np.testing.assert_allclose(channel["bandwidth"], 2 * band / middle, rtol=1e-12)
    warm = max(length - 1, atr_length)
    assert channel.iloc[:warm].isna().all().all() and channel.iloc[warm:].notna().all().all()


def test_bollinger_flat_price_has_zero_width_and_no_percent_b() -> None:
    bands = bollinger(pd.Series(np.full(30, 50.0), index=INDEX[:30]), 20)
    assert (bands["upper"].iloc[19:] == 50.0).all() and (bands["lower"].iloc[19:] == 50.0).all()
    assert (bands["bandwidth"].iloc[19:] == 0.0).all()
    assert bands["percent_b"].isna().all()


def test_bollinger_percent_b_is_position_in_band() -> None:
    close = random_bars(3)["close"]
    bands = bollinger(close, 20, 2.0)
    expected = (close - bands["lower"]) / (bands["upper"] - bands["lower"])
    np.testing.assert_allclose(bands["percent_b"], expected, rtol=1e-12)


# --- swing pivots ----------------------------------------------------------------------

#                 bar: 0  1  2  3  4  5  6  7  8  9 10 11
PIVOT_VALUES = [1.0, 3, 2, 5, 4, 4, 5, 1, 0, 2, 2, 1]


def test_pivot_highs_hand_made() -> None:
    # left = right = 2. Bar 3 (5) is above 3, 2 and >= 4, 4. Bar 6 (5) is above 4, 4
    # and >= 1, 0. Bar 9 (2) is above 1, 0 and >= its equal right neighbour 2 (ties to
    # the right allowed); bar 10 (2) is not strictly above bar 9 (ties to the left are
    # not), so the flat top 9-10 gives one pivot, at its first bar. Bars 10 and 11 cannot
    # be confirmed: fewer than 2 bars follow them.
    values = pd.Series(PIVOT_VALUES, index=INDEX[:12])
    pivots = swing_pivots(values, left=2, right=2, kind="high")
    assert list(pivots.columns) == [
        "pivot_date",
        "confirmed_date",
        "value",
        "pivot_pos",
        "confirmed_pos",
    ]
    assert pivots["pivot_pos"].tolist() == [3, 6, 9]
    assert pivots["confirmed_pos"].tolist() == [5, 8, 11]
    assert pivots["value"].tolist() == [5.0, 5.0, 2.0]
    assert pivots["pivot_date"].tolist() == [INDEX[3], INDEX[6], INDEX[9]]
    assert pivots["confirmed_date"].tolist() == [INDEX[5], INDEX[8], INDEX[11]]
    assert pivots["pivot_pos"].dtype == np.int64


def test_pivot_lows_hand_made() -> None:
    # Bar 8 (0) is below 5, 1 and <= 2, 2. Bar 7 (1) is below 4, 5 but not <= bar 8's 0;
    # bar 5 (4) is not strictly below bar 4's equal 4.
    values = pd.Series(PIVOT_VALUES, index=INDEX[:12])
    pivots = swing_pivots(values, left=2, right=2, kind="low")
    assert pivots["pivot_pos"].tolist() == [8]
    assert pivots["confirmed_date"].tolist() == [INDEX[10]]
    assert pivots["value"].tolist() == [0.0]


def test_pivots_asymmetric_windows_and_missing_values() -> None:
    values = pd.Series(PIVOT_VALUES, index=INDEX[:12])
    # left 3, right 1: bar 3 (5) is above 1, 3, 2 and >= 4: a pivot. Bar 6 (5) is not
    # strictly above bar 3's 5, three bars back; bar 9 (2) is below bar 6's 5.
    assert swing_pivots(values, 3, 1)["pivot_pos"].tolist() == [3]
    # A missing value in a window prevents the pivot: bar 5 blocks bars 3 and 6.
    gappy = values.copy()
    gappy.iloc[5] = np.nan
    assert swing_pivots(gappy, 2, 2)["pivot_pos"].tolist() == [9]


def test_pivots_empty_and_short() -> None:
    for n in (0, 3, 4):
        pivots = swing_pivots(pd.Series(PIVOT_VALUES[:n], index=INDEX[:n]), 2, 2)
        assert pivots.empty
        assert list(pivots.columns)[:2] == ["pivot_date", "confirmed_date"]


# --- RSI edge cases --------------------------------------------------------------------


def test_rsi_extremes_and_flat() -> None:
    up = pd.Series(np.arange(1.0, 41.0), index=INDEX[:40])
    assert rsi(up).iloc[:14].isna().all()
    assert (rsi(up).iloc[14:] == 100.0).all()
    assert (rsi(-up + 100.0).iloc[14:] == 0.0).all()
    assert (rsi(pd.Series(np.full(40, 7.0), index=INDEX[:40])).iloc[14:] == 50.0).all()
    rising_then_flat = pd.Series(np.r_[np.arange(1.0, 21.0), np.full(20, 20.0)], INDEX[:40])
    assert (rsi(rising_then_flat).iloc[14:] == 100.0).all()


def test_rsi_first_value_by_hand() -> None:
    # Changes: +1, -1, +2, -0.5 with period 4: avg gain 3/4, avg loss 1.5/4, RSI 66.67.
    # Next change +1: gain (0.75*3 + 1)/4 = 0.8125, loss 0.375*3/4 = 0.28125.
    close = pd.Series([10.0, 11.0, 10.0, 12.0, 11.5, 12.5], index=INDEX[:6])
    values = rsi(close, 4).tolist()
    assert np.isnan(values[:4]).all()
    assert values[4] == pytest.approx(100.0 * 0.75 / 1.125)
    assert values[5] == pytest.approx(100.0 * 0.8125 / (0.8125 + 0.28125))


# --- the missing-data rule: skip, never fill -------------------------------------------


def assert_identical(ours: pd.Series | pd.DataFrame, expected: pd.Series | pd.DataFrame) -> None:
    if isinstance(ours, pd.DataFrame):
        assert isinstance(expected, pd.DataFrame)
        pd.testing.assert_frame_equal(ours, expected, check_exact=True)
    else:
        assert isinstance(expected, pd.Series)
        pd.testing.assert_series_equal(ours, expected, check_exact=True)


SINGLE: dict[str, Callable[[pd.Series], pd.Series | pd.DataFrame]] = {
    "sma": lambda c: sma(c, 10),
    "ema": lambda c: ema(c, 10),
    "rsi": lambda c: rsi(c, 14),
    "realized_vol": lambda c: realized_vol(c, 20),
    "bollinger": lambda c: bollinger(c, 20),
}
TRIPLE: dict[str, Callable[[pd.Series, pd.Series, pd.Series], pd.Series | pd.DataFrame]] = {
    "true_range": true_range,
    "atr": lambda h, lo, c: atr(h, lo, c, 14),
    "keltner": lambda h, lo, c: keltner(h, lo, c, 20, 10, 2.0),
}


@pytest.mark.parametrize("name", list(SINGLE))
def test_missing_closes_are_skipped(name: str) -> None:
    close = random_bars(5)["close"]
    close.iloc[[0, 1, 2, 50, 51, 120, 299]] = np.nan
    ours = SINGLE[name](close)
    expected = SINGLE[name](close.dropna()).reindex(close.index)
    assert_identical(ours, expected)


@pytest.mark.parametrize("name", list(TRIPLE))
def test_missing_bars_are_skipped(name: str) -> None:
    bars = random_bars(9)
    bars.iloc[[3, 60], 0] = np.nan  # high
    bars.iloc[[4, 61], 1] = np.nan  # low
    bars.iloc[[5, 200], 2] = np.inf  # close: non-finite counts as missing
    ours = TRIPLE[name](bars["high"], bars["low"], bars["close"])
    complete = bars.replace(np.inf, np.nan).dropna()
    expected = TRIPLE[name](complete["high"], complete["low"], complete["close"])
    expected = expected.reindex(bars.index)
    assert_identical(ours, expected)


def test_close_only_history_gives_nan_ranges() -> None:
    close = random_bars(1)["close"]
    nothing = pd.Series(np.nan, index=close.index)
    assert atr(nothing, nothing, close).isna().all()
    assert true_range(nothing, nothing, close).isna().all()
    # Keltner needs all three inputs on a bar, its middle line included.
    assert keltner(nothing, nothing, close).isna().all().all()


def test_warm_up_positions_and_names() -> None:
    bars = random_bars(2)
    h, lo, c = bars["high"], bars["low"], bars["close"]
    for series, first in [
        (sma(c, 20), 19),
        (ema(c, 20), 19),
        (rsi(c, 14), 14),
        (true_range(h, lo, c), 1),
        (atr(h, lo, c, 14), 14),
        (realized_vol(c, 20), 20),
    ]:
        assert series.index.equals(c.index)
        assert series.iloc[:first].isna().all() and series.iloc[first:].notna().all()
    assert sma(c, 20).name == "sma_20" and rsi(c).name == "rsi_14"


def test_shorter_than_warm_up_is_all_nan() -> None:
    c = random_bars(4, n=5)["close"]
    assert sma(c, 10).isna().all() and ema(c, 10).isna().all() and rsi(c).isna().all()
    assert bollinger(c).isna().all().all() and realized_vol(c).isna().all()
    empty = c.iloc[:0]
    assert sma(empty, 3).empty and ema(empty, 3).empty and rsi(empty).empty


# --- argument checks -------------------------------------------------------------------


def test_bad_arguments_are_rejected() -> None:
    c = random_bars(6)["close"]
    with pytest.raises(ValueError, match="length"):
        sma(c, 0)
    with pytest.raises(TypeError, match="length"):
        ema(c, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="window"):
        realized_vol(c, 1)
    with pytest.raises(TypeError, match="Series"):
        rsi(c.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        swing_pivots(c, kind="middle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same index"):
        atr(c, c.iloc[1:], c)


def test_public_api() -> None:
    assert sorted(indicators.__all__) == [
        "atr",
        "bollinger",
        "ema",
        "keltner",
        "realized_vol",
        "rsi",
        "sma",
        "swing_pivots",
        "td_sequential",
        "true_range",
    ]


def test_core_never_imports_talib() -> None:
    package = Path(indicators.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "talib" for n in names), source.name
