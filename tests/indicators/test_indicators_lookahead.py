"""No look-ahead, as properties: for random price paths (with ties from tick rounding,
flat stretches and missing bars) and a random bar t, every indicator computed on the
bars up to t equals, bit for bit, the same indicator on the full history, for every bar
up to t. For pivots: exactly the pivots confirmed on or before t."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.indicators import (
    atr,
    bollinger,
    ema,
    keltner,
    realized_vol,
    rsi,
    sma,
    swing_pivots,
    td_sequential,
    true_range,
)

Bars = pd.DataFrame
Indicator = Callable[[Bars], pd.Series | pd.DataFrame]


@st.composite
def paths_and_cut(draw: st.DrawFn) -> tuple[Bars, int]:
    """A random OHLC path on business days, and a cut bar t inside it."""
    n = draw(st.integers(min_value=1, max_value=300))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    tick = draw(st.sampled_from([0.0, 0.5, 1.0]))
    flat = draw(st.booleans())
    missing = draw(st.sampled_from([0.0, 0.0, 0.03]))
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    if flat and n > 10:
        start = int(rng.integers(0, n - 5))
        close[start : start + int(rng.integers(3, 30))] = close[start]
    spread = np.abs(rng.normal(0.0, 0.01, n)) * close
    high = close + spread * rng.uniform(0.0, 1.0, n)
    low = close - spread * rng.uniform(0.0, 1.0, n)
    if tick:
        close = np.round(close / tick) * tick
        high = np.ceil(high / tick) * tick
        low = np.floor(low / tick) * tick
    frame = pd.DataFrame(
        {"high": high, "low": low, "close": close},
        index=pd.bdate_range("2000-01-03", periods=n, name="date"),
    )
    if missing:
        for column in frame.columns:
            frame.loc[rng.uniform(size=n) < missing, column] = np.nan
    return frame, draw(st.integers(min_value=0, max_value=n - 1))


INDICATORS: dict[str, Indicator] = {
    "sma_1": lambda b: sma(b["close"], 1),
    "sma_20": lambda b: sma(b["close"], 20),
    "ema_3": lambda b: ema(b["close"], 3),
    "ema_50": lambda b: ema(b["close"], 50),
    "rsi_2": lambda b: rsi(b["close"], 2),
    "rsi_14": lambda b: rsi(b["close"]),
    "true_range": lambda b: true_range(b["high"], b["low"], b["close"]),
    "atr_1": lambda b: atr(b["high"], b["low"], b["close"], 1),
    "atr_14": lambda b: atr(b["high"], b["low"], b["close"]),
    "realized_vol_2": lambda b: realized_vol(b["close"], 2),
    "realized_vol_20": lambda b: realized_vol(b["close"]),
    "bollinger_20": lambda b: bollinger(b["close"]),
    "bollinger_5_1.5": lambda b: bollinger(b["close"], 5, 1.5),
    "keltner": lambda b: keltner(b["high"], b["low"], b["close"]),
    "keltner_5_3": lambda b: keltner(b["high"], b["low"], b["close"], 5, 3, 1.0),
    "td_sequential": lambda b: td_sequential(b["high"], b["low"], b["close"]),
}


@pytest.mark.parametrize("name", list(INDICATORS))
@settings(max_examples=60, deadline=None)
@given(case=paths_and_cut())
def test_no_look_ahead(name: str, case: tuple[Bars, int]) -> None:
    bars, t = case
    indicator = INDICATORS[name]
    full = indicator(bars)
    truncated = indicator(bars.iloc[: t + 1])
    if isinstance(full, pd.DataFrame):
        assert isinstance(truncated, pd.DataFrame)
        pd.testing.assert_frame_equal(truncated, full.iloc[: t + 1], check_exact=True)
    else:
        assert isinstance(truncated, pd.Series)
        pd.testing.assert_series_equal(truncated, full.iloc[: t + 1], check_exact=True)


@pytest.mark.parametrize(("left", "right"), [(5, 5), (2, 3), (0, 1), (3, 0)])
@pytest.mark.parametrize("kind", ["high", "low"])
@settings(max_examples=40, deadline=None)
@given(case=paths_and_cut())
def test_pivots_no_look_ahead(left: int, right: int, kind: str, case: tuple[Bars, int]) -> None:
    bars, t = case
    column = bars["high"] if kind == "high" else bars["low"]
    full = swing_pivots(column, left, right, kind)  # type: ignore[arg-type]
    truncated = swing_pivots(column.iloc[: t + 1], left, right, kind)  # type: ignore[arg-type]
    known = full[full["confirmed_pos"] <= t].reset_index(drop=True)
    pd.testing.assert_frame_equal(truncated, known, check_exact=True)
