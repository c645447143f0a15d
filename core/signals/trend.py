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
exactly when C_{t+1} equals it, so a close beyond it flips that signal's sign. Every value
at t uses closes up to t only (finite windows, no look-ahead); missing closes are skipped."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from core.indicators import realized_vol
from core.indicators._common import check_length
from core.indicators.volatility import TRADING_DAYS_PER_YEAR
from core.sections.trend import TrendSection, TrendSignal
from core.snapshot import PanelStatus

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
    "is_crowded",
    "rolling_percentile",
    "trend_frame",
    "trend_section",
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


def _valid_closes(close: pd.Series) -> pd.Series:
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


def is_crowded(exposure: float | None, percentile: float | None) -> bool | None:
    """An extreme of the year in percentile that is also a large same-direction position."""
    if exposure is None or percentile is None:
        return None
    long_extreme = percentile >= CROWDED_HIGH and exposure >= CROWDED_MIN_EXPOSURE
    short_extreme = percentile <= CROWDED_LOW and exposure <= -CROWDED_MIN_EXPOSURE
    return long_extreme or short_extreme


def trend_frame(close: pd.Series, lookbacks: Sequence[int] = LOOKBACKS) -> pd.DataFrame:
    """The CTA proxy at every session, vectorised, on the valid closes' index.

    Columns: `return_pct_{L}` (simple L-session return in %), `signal_{L}`, `flip_{L}`
    for each lookback; `vol_pct` (vol_ann), `scale` (min(1, target / vol_ann)),
    `exposure`, `exposure_change_1w`, `exposure_percentile_1y`. NaN where undefined.
    """
    lookbacks = _check_lookbacks(lookbacks)
    closes = _valid_closes(close)
    values = closes.to_numpy()
    log_close = np.log(values)
    vol_pct = realized_vol(closes, VOL_WINDOW).to_numpy(dtype=np.float64)
    daily_sigma = vol_pct / (100.0 * math.sqrt(TRADING_DAYS_PER_YEAR))
    columns: dict[str, np.ndarray] = {}
    signals = []
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
        columns[f"return_pct_{lookback}"] = simple_return
        columns[f"signal_{lookback}"] = signal
        columns[f"flip_{lookback}"] = flip
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
    columns["exposure_percentile_1y"] = rolling_percentile(exposure, YEAR)
    return pd.DataFrame(columns, index=closes.index)


def _history_needed(lookbacks: Sequence[int]) -> int:
    """Closes behind the last row's every column: exposure at t - YEAR needs its own
    max(L, VOL_WINDOW) + 1 closes (the week's change lies inside that year)."""
    return max(*lookbacks, VOL_WINDOW) + 1 + YEAR


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _with_detail(status: PanelStatus, reasons: list[str]) -> PanelStatus:
    if not reasons:
        return status
    detail = "; ".join(([status.detail] if status.detail else []) + reasons)
    return status.model_copy(update={"detail": detail})


def trend_section(
    index: pd.DataFrame, status: PanelStatus, *, lookbacks: Sequence[int] = LOOKBACKS
) -> TrendSection:
    """The CTA proxy as of the frame's last valid close (see the module docstring).

    `index` is the index's daily bars (a `close` column on a DatetimeIndex); `status` is
    the panel's freshness, returned with the reason appended to its detail when a reading
    is None for lack of history.
    """
    lookbacks = _check_lookbacks(lookbacks)
    closes = _valid_closes(index["close"])
    closes = closes.iloc[-_history_needed(lookbacks) :]  # exact: every column is windowed
    n = len(closes)
    if n == 0:
        return TrendSection(
            status=_with_detail(status, ["no closes of the index"]),
            signals=tuple(TrendSignal(lookback_days=lookback) for lookback in lookbacks),
        )
    frame = trend_frame(closes, lookbacks)
    last_row = frame.iloc[-1]
    last = float(closes.iloc[-1])
    signals = []
    for lookback in lookbacks:
        flip = _finite(last_row[f"flip_{lookback}"])
        signals.append(
            TrendSignal(
                lookback_days=lookback,
                value=_finite(last_row[f"signal_{lookback}"]),
                return_pct=_finite(last_row[f"return_pct_{lookback}"]),
                flip_level=flip,
                flip_distance_pct=None if flip is None else (flip / last - 1.0) * 100.0,
            )
        )
    flips = [s.flip_level for s in signals if s.flip_level is not None]
    above = [flip for flip in flips if flip > last]
    below = [flip for flip in flips if flip < last]
    exposure = _finite(last_row["exposure"])
    percentile = _finite(last_row["exposure_percentile_1y"])
    reasons = []
    first_exposure = max(*lookbacks, VOL_WINDOW) + 1
    if exposure is None:
        reasons.append(f"exposure needs {first_exposure} closes of the index, has {n}")
    elif percentile is None:
        reasons.append(f"1-year exposure percentile needs {first_exposure + YEAR} closes, has {n}")
    return TrendSection(
        status=_with_detail(status, reasons),
        exposure_pct=exposure,
        signals=tuple(signals),
        exposure_change_1w=_finite(last_row["exposure_change_1w"]),
        exposure_percentile_1y=percentile,
        crowded=is_crowded(exposure, percentile),
        nearest_flip_above=min(above) if above else None,
        nearest_flip_below=max(below) if below else None,
    )
