"""Moving averages of a price series. `sma` is the plain mean of the last `length`
closes; `ema` is the exponential average with alpha 2/(length+1), seeded the way TA-Lib
seeds it: its first value, at the `length`-th bar, is the SMA of the first `length`
closes, and from there each bar moves it by alpha times its distance to the new close
(so it equals `talib.SMA`/`talib.EMA` from the first value, with no extra warm-up).
Both are NaN during warm-up; missing closes are skipped (the average runs over the
present closes only and is NaN on the missing bar)."""

from __future__ import annotations

import pandas as pd

from core.indicators._common import (
    as_float,
    check_length,
    check_series,
    on_present,
    rolling_mean,
    seeded_recursion,
    to_series,
)

__all__ = ["ema", "sma"]


def sma(close: pd.Series, length: int) -> pd.Series:
    """Simple moving average of the last `length` closes (first value at bar length-1)."""
    check_length("length", length)
    index = check_series(close=close)
    values = on_present(lambda c: rolling_mean(c, length), as_float(close))
    return to_series(values, index, f"sma_{length}")


def ema(close: pd.Series, length: int) -> pd.Series:
    """Exponential moving average, alpha 2/(length+1), SMA-seeded at bar length-1."""
    check_length("length", length)
    index = check_series(close=close)
    alpha = 2.0 / (length + 1)
    values = on_present(lambda c: seeded_recursion(c, length, alpha), as_float(close))
    return to_series(values, index, f"ema_{length}")
