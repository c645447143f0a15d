"""Regime's indicator library: pure, vectorised functions of pandas Series indexed by
date. Each returns a Series (or DataFrame) on the input's index, NaN during its warm-up,
whose value at a bar depends only on that bar and the bars before it (no look-ahead); the
swing pivots, one row per pivot, carry the date on which each becomes known. Definitions
follow TA-Lib where one exists (SMA, EMA, Wilder's RSI and ATR, Bollinger bands), which
the tests use as an oracle; this package never imports it. Missing values are never
filled: the averages and bands skip them (see `core.indicators._common`), while swing
pivots and TD Sequential treat a comparison with a missing value as false."""

from core.indicators.bands import bollinger, keltner
from core.indicators.moving_averages import ema, sma
from core.indicators.pivots import swing_pivots
from core.indicators.rsi import rsi
from core.indicators.td_sequential import td_sequential
from core.indicators.volatility import atr, realized_vol, true_range

__all__ = [
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
