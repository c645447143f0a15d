"""Range and volatility measures. `true_range` is Wilder's true range, max(high - low,
|high - previous close|, |low - previous close|); it needs a previous close, so it is NaN
on the first bar (as `talib.TRANGE`). `atr` is Wilder's average of the true range, as
`talib.ATR`: its first value, at bar `period`, is the plain mean of the true ranges of
bars 1..period, then avg_t = (avg_{t-1}·(period-1) + TR_t) / period. `realized_vol` is
the annualised close-to-close volatility in percent: the sample standard deviation
(ddof=1) of the last `window` log returns * sqrt(252) * 100, first value at bar
`window`. Bars with a missing input are skipped (the previous close is the last present
one) and are NaN in the output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.indicators._common import (
    FloatArray,
    as_float,
    check_length,
    check_series,
    on_present,
    rolling_std,
    seeded_recursion,
    to_series,
)

__all__ = ["TRADING_DAYS_PER_YEAR", "atr", "realized_vol", "true_range"]

TRADING_DAYS_PER_YEAR = 252
"""Sessions per year used to annualise daily volatility."""


def _true_range_kernel(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    out = np.full(len(close), np.nan)
    if len(close) < 2:
        return out
    previous = close[:-1]
    out[1:] = np.maximum.reduce(
        [high[1:] - low[1:], np.abs(high[1:] - previous), np.abs(low[1:] - previous)]
    )
    return out


def atr_kernel(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    """Wilder's ATR of NaN-free columns (shared with `keltner`)."""
    out = np.full(len(close), np.nan)
    tr = _true_range_kernel(high, low, close)
    out[1:] = seeded_recursion(tr[1:], period, 1.0 / period)
    return out


def _realized_vol_kernel(close: FloatArray, window: int) -> FloatArray:
    out = np.full(len(close), np.nan)
    if len(close) <= window:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.diff(np.log(close))
    scale = math.sqrt(TRADING_DAYS_PER_YEAR) * 100.0
    out[1:] = rolling_std(returns, window, ddof=1) * scale
    return out


def true_range(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """Wilder's true range; NaN on the first bar (no previous close)."""
    index = check_series(high=high, low=low, close=close)
    values = on_present(_true_range_kernel, as_float(high), as_float(low), as_float(close))
    return to_series(values, index, "true_range")


def atr(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder's average true range; first value at bar `period` (equal to talib.ATR)."""
    check_length("period", period)
    index = check_series(high=high, low=low, close=close)
    values = on_present(
        lambda h, lo, c: atr_kernel(h, lo, c, period),
        as_float(high),
        as_float(low),
        as_float(close),
    )
    return to_series(values, index, f"atr_{period}")


def realized_vol(close: pd.Series, window: int = 20) -> pd.Series:
    """Annualised close-to-close log-return volatility in percent (ddof=1, * sqrt(252))."""
    check_length("window", window, minimum=2)
    index = check_series(close=close)
    values = on_present(lambda c: _realized_vol_kernel(c, window), as_float(close))
    return to_series(values, index, f"realized_vol_{window}")
