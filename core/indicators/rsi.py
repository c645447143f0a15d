"""Wilder's Relative Strength Index, as TA-Lib computes it. With changes d_t = close_t -
close_{t-1}, gains max(d, 0) and losses max(-d, 0): the first value, at bar `period`,
uses the plain averages of the first `period` gains and losses; after that each average
is smoothed as avg_t = (avg_{t-1}·(period-1) + x_t) / period. RSI = 100·avg_gain /
(avg_gain + avg_loss), i.e. 100 - 100/(1 + avg_gain/avg_loss), so a window with no
losses reads 100 and one with no gains reads 0. A window with neither (a flat price)
reads 50, not TA-Lib's 0: no movement is neutral. Missing closes are skipped (changes are
taken between consecutive present closes) and the RSI is NaN on a missing bar."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.indicators._common import (
    FloatArray,
    as_float,
    check_length,
    check_series,
    on_present,
    seeded_recursion,
    to_series,
)

__all__ = ["rsi"]


def _rsi_kernel(close: FloatArray, period: int) -> FloatArray:
    out = np.full(len(close), np.nan)
    if len(close) <= period:
        return out
    change = np.diff(close)
    alpha = 1.0 / period
    avg_gain = seeded_recursion(np.maximum(change, 0.0), period, alpha)[period - 1 :]
    avg_loss = seeded_recursion(np.maximum(-change, 0.0), period, alpha)[period - 1 :]
    total = avg_gain + avg_loss
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(total > 0.0, 100.0 * (avg_gain / total), 50.0)
    out[period:] = value
    return out


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder's RSI over `period` changes; first value at bar `period`; 0-100."""
    check_length("period", period)
    index = check_series(close=close)
    values = on_present(lambda c: _rsi_kernel(c, period), as_float(close))
    return to_series(values, index, f"rsi_{period}")
