"""Volatility bands around a moving average. `bollinger` is the `length`-bar SMA ±
`width` population standard deviations (ddof=0, as `talib.BBANDS`) of the same closes;
`keltner` is the `length`-bar EMA ± `multiplier` * the `atr_length`-bar Wilder ATR
(as `ema` and `atr`, over the bars where high, low and close are all present).
Both return a DataFrame on the input's index with columns lower, middle, upper and
bandwidth = (upper - lower) / middle (a fraction, not percent); Bollinger adds
percent_b = (close - lower) / (upper - lower), NaN when the bands have zero width. Rows
are NaN until every component has warmed up, and on bars with a missing input, which
are skipped rather than filled."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.indicators._common import (
    FloatArray,
    as_float,
    check_length,
    check_series,
    on_present,
    rolling_mean,
    rolling_std,
    seeded_recursion,
)
from core.indicators.volatility import atr_kernel

__all__ = ["bollinger", "keltner"]


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, NaN where the denominator is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0.0, numerator / denominator, np.nan)


def bollinger(close: pd.Series, length: int = 20, width: float = 2.0) -> pd.DataFrame:
    """Bollinger bands: SMA(length) ± width * population stdev; first row at bar length-1."""
    check_length("length", length)
    index = check_series(close=close)
    values = as_float(close)
    middle = on_present(lambda c: rolling_mean(c, length), values)
    stdev = on_present(lambda c: rolling_std(c, length, ddof=0), values)
    upper = middle + width * stdev
    lower = middle - width * stdev
    return pd.DataFrame(
        {
            "lower": lower,
            "middle": middle,
            "upper": upper,
            "bandwidth": _ratio(upper - lower, middle),
            "percent_b": _ratio(values - lower, upper - lower),
        },
        index=index,
        dtype=np.float64,
    )


def keltner(
    high: pd.Series,
    low: pd.Series,
    close: pd.Series,
    length: int = 20,
    atr_length: int = 10,
    multiplier: float = 2.0,
) -> pd.DataFrame:
    """Keltner channel: EMA(close, length) ± multiplier * ATR(atr_length)."""
    check_length("length", length)
    check_length("atr_length", atr_length)
    index = check_series(high=high, low=low, close=close)
    columns = (as_float(high), as_float(low), as_float(close))
    alpha = 2.0 / (length + 1)
    middle = on_present(lambda _h, _lo, c: seeded_recursion(c, length, alpha), *columns)
    band = multiplier * on_present(lambda h, lo, c: atr_kernel(h, lo, c, atr_length), *columns)
    upper = middle + band
    lower = middle - band
    return pd.DataFrame(
        {
            "lower": lower,
            "middle": middle,
            "upper": upper,
            "bandwidth": _ratio(upper - lower, middle),
        },
        index=index,
        dtype=np.float64,
    )
