"""CTA proxy: a time-series-momentum model of trend followers' equity exposure, from the
index's closes alone. For each lookback L (21, 63, 126, 252 sessions) at session t:
r_L = ln(C_t / C_{t-L}); sd = the sample std (ddof 1) of the last 63 daily log returns
(`core.indicators.realized_vol(close, 63)`, de-annualised); z_L = r_L / (sd·√L), the
momentum t-statistic (≈ N(0, 1) for a driftless random walk, so one scale fits every
lookback); signal_L = tanh(z_L / k) with k = 1: linear with slope 1 for small moves like
Baltas & Kosowski's clip(t, -1, 1) trend rule, 0.76 at a 1-sd move, 0.96 at 2-sd, but smooth,
so exposure never piles up on exactly ±100 and its percentile stays informative (z_L = 0
when r_L = 0, ±∞ when sd = 0). Exposure = mean_L(signal_L) * min(1, 12 / vol_ann) * 100,
vol_ann = sd·√252·100 the annualised vol in percent, clipped to [-100, 100]: the 12%
target is mid-range of what trend funds publish (10-15%) and near the S&P 500's median
63-session realised vol (12.1% since 1950, 13.3% since 1990), so the vol cap binds in
about half of all sessions; above target, doubling vol halves exposure for given signals.
It is defined only where every lookback is (first at the 253rd valid close, 252 + 1; an
exposure from a subset of lookbacks would be a different model, so it is None). Its
1-week change = exposure_t - exposure_{t-5}; its 1-year percentile = % of the previous
252 sessions' exposures (t-252 … t-1, all defined) strictly below exposure_t; crowded =
(percentile ≥ 90 and exposure ≥ +50) or (percentile ≤ 10 and exposure ≤ -50), an extreme
of its own year that is also a large position in the same direction. The flip level of L
is C_{t-(L-1)}, `close.iloc[-L]`: tomorrow's L-session return C_{t+1}/C_{t+1-L} - 1 is zero
exactly when C_{t+1} equals it, so a close beyond it flips that signal's sign; its
distance is (flip / C_t - 1) × 100, and the nearest flips above and below are the lowest
flip level strictly above C_t and the highest strictly below. `trend_frame` gives all of
it for every valid close at once, `trend_by_session` for every session (one without a
valid close reads as the last with one). Every value at t uses closes up to t only
(finite windows, so it is exact from the first session it is defined; no look-ahead);
missing closes are skipped."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from core.indicators import realized_vol
from core.indicators._common import check_length
from core.indicators.volatility import TRADING_DAYS_PER_YEAR

__all__ = [
    "CROWDED_HIGH",
    "CROWDED_LOW",
    "CROWDED_MIN_EXPOSURE",
    "LOOKBACKS",
    "SIGNAL_SCALE",
    "TARGET_VOL_PCT",
    "VOL_WINDOW",
    "WEEK",
    "YEAR",
    "crowded",
    "history_needed",
    "rolling_percentile",
    "trend_by_session",
    "trend_frame",
    "valid_closes",
]

LOOKBACKS: tuple[int, ...] = (21, 63, 126, 252)
"""Momentum lookbacks in sessions: one month, one quarter, six months, one year."""
VOL_WINDOW = 63
"""Sessions of daily log returns behind sd (about three months)."""
TARGET_VOL_PCT = 12.0
"""Annualised volatility target, in percent."""
SIGNAL_SCALE = 1.0
"""k in signal = tanh(z / k): the t-statistic at which a signal reaches tanh(1) ≈ 0.76."""
WEEK = 5
"""Sessions in the exposure's 1-week change."""
YEAR = 252
"""Previous sessions the exposure's percentile ranks against."""
CROWDED_HIGH = 90.0
CROWDED_LOW = 10.0
CROWDED_MIN_EXPOSURE = 50.0
"""|exposure| a crowded reading needs, in the direction of its extreme."""


def _check_lookbacks(lookbacks: Sequence[int]) -> tuple[int, ...]:
    result = tuple(lookbacks)
    if not result:
        raise ValueError("lookbacks must not be empty")
    for lookback in result:
        check_length("lookback", lookback)
    if len(set(result)) != len(result):
        raise ValueError(f"lookbacks must be distinct, got {result}")
    return tuple(int(lookback) for lookback in result)


def valid_closes(close: pd.Series) -> pd.Series:
    """The finite, positive closes as float64 (other bars are skipped, never filled)."""
    values = pd.to_numeric(close, errors="coerce").astype(np.float64)
    return values[np.isfinite(values.to_numpy()) & (values.to_numpy() > 0)]


def rolling_percentile(values: np.ndarray, window: int = YEAR) -> np.ndarray:
    """out[t] = % of values[t-window … t-1] strictly below values[t]; NaN unless all
    window + 1 values are finite (so the first defined value is at index `window`)."""
    check_length("window", window)
    values = np.asarray(values, dtype=np.float64)
    out = np.full(len(values), np.nan)
    if len(values) <= window:
        return out
    windows = sliding_window_view(values, window + 1)
    earlier, current = windows[:, :-1], windows[:, -1:]
    below = (earlier < current).sum(axis=1) * (100.0 / window)
    complete = np.isfinite(windows).all(axis=1)
    out[window:] = np.where(complete, below, np.nan)
    return out


def crowded(exposure: np.ndarray, percentile: np.ndarray) -> np.ndarray:
    """Per session: True where the exposure is an extreme of its year in percentile and
    a large position on that side, False where it is not, None where either is NaN (an
    object array)."""
    with np.errstate(invalid="ignore"):
        long_extreme = (percentile >= CROWDED_HIGH) & (exposure >= CROWDED_MIN_EXPOSURE)
        short_extreme = (percentile <= CROWDED_LOW) & (exposure <= -CROWDED_MIN_EXPOSURE)
    out = (long_extreme | short_extreme).astype(object)
    out[np.isnan(exposure) | np.isnan(percentile)] = None
    return out


def _nearest_flips(flips: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per session (rows of `flips`, one column per lookback): the lowest flip level
    strictly above the close and the highest strictly below (NaN where there is none)."""
    with np.errstate(invalid="ignore"):
        above = np.where(flips > last[:, None], flips, np.inf).min(axis=1, initial=np.inf)
        below = np.where(flips < last[:, None], flips, -np.inf).max(axis=1, initial=-np.inf)
    return np.where(np.isfinite(above), above, np.nan), np.where(np.isfinite(below), below, np.nan)


def trend_frame(close: pd.Series, lookbacks: Sequence[int] = LOOKBACKS) -> pd.DataFrame:
    """The CTA proxy at every session, vectorised, on the valid closes' index.

    Columns: `return_pct_{L}` (simple L-session return in %), `signal_{L}`, `flip_{L}`,
    `flip_distance_pct_{L}` for each lookback; `vol_pct` (vol_ann), `scale` (min(1,
    target / vol_ann)), `exposure`, `exposure_change_1w`, `exposure_percentile_1y`,
    `crowded` (True/False/None, an object column), `nearest_flip_above`,
    `nearest_flip_below`. NaN where undefined.
    """
    lookbacks = _check_lookbacks(lookbacks)
    closes = valid_closes(close)
    values = closes.to_numpy()
    log_close = np.log(values)
    vol_pct = realized_vol(closes, VOL_WINDOW).to_numpy(dtype=np.float64)
    daily_sigma = vol_pct / (100.0 * math.sqrt(TRADING_DAYS_PER_YEAR))
    columns: dict[str, np.ndarray | pd.Series] = {}
    signals, flips = [], []
    n = len(values)
    for lookback in lookbacks:
        log_return = np.full(n, np.nan)
        log_return[lookback:] = log_close[lookback:] - log_close[:-lookback]
        simple_return = np.full(n, np.nan)
        simple_return[lookback:] = (values[lookback:] / values[:-lookback] - 1.0) * 100.0
        flip = np.full(n, np.nan)
        if n >= lookback:
            flip[lookback - 1 :] = values[: n - lookback + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(log_return == 0.0, 0.0, log_return / (daily_sigma * math.sqrt(lookback)))
        signal = np.tanh(z / SIGNAL_SCALE)
        signals.append(signal)
        flips.append(flip)
        columns[f"return_pct_{lookback}"] = simple_return
        columns[f"signal_{lookback}"] = signal
        columns[f"flip_{lookback}"] = flip
        columns[f"flip_distance_pct_{lookback}"] = (flip / values - 1.0) * 100.0
    with np.errstate(divide="ignore"):
        scale = np.minimum(1.0, TARGET_VOL_PCT / vol_pct)
    mean_signal = np.mean(np.vstack(signals), axis=0)  # NaN unless every lookback is defined
    exposure = np.clip(mean_signal * scale * 100.0, -100.0, 100.0)
    change = np.full(n, np.nan)
    change[WEEK:] = exposure[WEEK:] - exposure[:-WEEK]
    columns["vol_pct"] = vol_pct
    columns["scale"] = scale
    columns["exposure"] = exposure
    columns["exposure_change_1w"] = change
    percentile = rolling_percentile(exposure, YEAR)
    columns["exposure_percentile_1y"] = percentile
    columns["crowded"] = pd.Series(crowded(exposure, percentile), index=closes.index, dtype=object)
    above, below = _nearest_flips(np.column_stack(flips), values)
    columns["nearest_flip_above"] = above
    columns["nearest_flip_below"] = below
    return pd.DataFrame(columns, index=closes.index)


def trend_by_session(close: pd.Series, lookbacks: Sequence[int] = LOOKBACKS) -> pd.DataFrame:
    """`trend_frame` on every session of `close`: a session without a valid close reads
    as the last session with one (all NaN, `crowded` None, before the first)."""
    frame = trend_frame(close, lookbacks)
    by_session = frame.reindex(close.index, method="ffill")  # NaN readings stay NaN
    by_session["crowded"] = (
        by_session["crowded"].astype(object).where(by_session["crowded"].notna(), None)
    )
    return by_session


def history_needed(lookbacks: Sequence[int] = LOOKBACKS) -> int:
    """Valid closes behind a session's every reading: its exposure needs max(L,
    VOL_WINDOW) + 1, and its percentile the YEAR exposures before it (the week's change
    lies inside that year)."""
    return max(*lookbacks, VOL_WINDOW) + 1 + YEAR
