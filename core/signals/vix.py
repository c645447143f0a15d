"""Implied against realised volatility, one row per session: the VIX's level and
change, where it sits in its last year (IV rank and IV percentile: today against the
previous 252 closes), the index's own 20-session realised volatility and the gap
between the two, the VIX term structure (VIX9D/VIX and VIX/VIX3M, contango below 0.98
and backwardation above 1.02) and the "bullish price, bearish vol" flag (index and VIX
both up over five sessions). Inputs are daily-bar frames with a `close` column indexed
by session date; a close that is missing, not finite or not positive is no close. The
rows are the sessions of the inputs (the VIX's, the index's, and VIX9D's and VIX3M's,
in practice all the same calendar); on each, every series is read at its own last
close on or before it (what a replay as of that session sees), so a session one of
them lacks carries that one's last reading. Readings from two series are only combined
on one date: VIX9D and VIX3M only when their last close is on the VIX's last session,
the VIX-minus-realised gap only when the index and the VIX both close on the session,
and "index up while VIX up" over the dates they have in common. Every row reads only
its session and the sessions before it. A value that cannot be computed is NaN (None
in the object columns), never 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from core.indicators import realized_vol
from core.signals._shared import flag_column

__all__ = [
    "BACKWARDATION_ABOVE",
    "CONTANGO_BELOW",
    "YEAR",
    "iv_percentile",
    "iv_rank",
    "term_structure",
    "vix_readings",
]

YEAR = 252
"""The previous closes today is measured against by the IV rank and IV percentile."""
REALIZED_WINDOW = 20
CHANGE_SESSIONS = 5
CONTANGO_BELOW = 0.98
BACKWARDATION_ABOVE = 1.02

FloatArray = np.ndarray
Positions = np.ndarray
"""For each session, the position of a series' last value on or before it (-1: none)."""


def iv_rank(vix_close: pd.Series, year: int = YEAR) -> pd.Series:
    """IV rank of each close: (close - low) / (high - low) * 100, in [0, 100], the low
    and high taken over the close and the `year` closes before it (Barchart's "IV
    Rank", barchart.com/education/technical-indicators/implied_volatility_rank: the
    current value within its 1-year range, a year being 252 sessions). NaN before
    `year` + 1 closes and where that range is flat. `vix_close` has no gaps (NaN)."""
    values = vix_close.to_numpy(dtype=np.float64)
    out = np.full(len(values), np.nan)
    if 1 <= year < len(values):
        windows = sliding_window_view(values, year + 1)
        low, high = windows.min(axis=1), windows.max(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rank = (values[year:] - low) / (high - low) * 100.0
        ranged = np.isfinite(low) & np.isfinite(high) & (high > low)
        out[year:] = np.where(ranged, rank, np.nan)
    return pd.Series(out, index=vix_close.index)


def iv_percentile(vix_close: pd.Series, year: int = YEAR) -> pd.Series:
    """IV percentile of each close: the % of the `year` closes before it (today not
    among them) that are strictly below it, in [0, 100] (Barchart's "IV Percentile",
    barchart.com/education/technical-indicators/implied_volatility_percentile: "the
    percentage of days with IV closing below the current IV value over the prior
    1-year", 252 sessions). NaN before `year` + 1 closes."""
    values = vix_close.to_numpy(dtype=np.float64)
    out = np.full(len(values), np.nan)
    if 1 <= year < len(values):
        windows = sliding_window_view(values, year + 1)
        below = (windows[:, :-1] < windows[:, -1:]).sum(axis=1)
        out[year:] = below.astype(np.float64) / year * 100.0
    return pd.Series(out, index=vix_close.index)


def term_structure(ratio_30d_3m: pd.Series) -> pd.Series:
    """Contango where VIX/VIX3M < 0.98, backwardation where > 1.02, flat in between;
    None where the ratio is unknown (object Series)."""
    ratio = ratio_30d_3m.to_numpy(dtype=np.float64)
    shape = np.full(len(ratio), None, dtype=object)
    known = np.isfinite(ratio)
    shape[known] = "flat"
    shape[known & (ratio < CONTANGO_BELOW)] = "contango"
    shape[known & (ratio > BACKWARDATION_ABOVE)] = "backwardation"
    return pd.Series(shape, index=ratio_30d_3m.index, dtype=object)


def _closes(frame: pd.DataFrame | None) -> pd.Series:
    """The frame's positive, finite closes in date order (empty when there are none)."""
    if frame is None or "close" not in frame.columns or frame.empty:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=np.float64)
    close = pd.to_numeric(frame["close"], errors="coerce").astype("float64")
    values = close.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(values) & (values > 0)
    close = close[keep]
    return close if close.index.is_monotonic_increasing else close.sort_index()


def _sessions(*frames: pd.DataFrame | None) -> pd.DatetimeIndex:
    """Every date of the frames that have closes, ascending, once each."""
    sessions: pd.Index | None = None
    for frame in frames:
        if frame is not None and "close" in frame.columns:
            sessions = frame.index if sessions is None else sessions.union(frame.index)
    if sessions is None:
        return pd.DatetimeIndex([], name="date")
    dates = sessions.unique().sort_values()
    return pd.DatetimeIndex(dates.to_numpy(), name=dates.name)  # no freq: sessions skip days


def _last_on_or_before(close: pd.Series, sessions: pd.DatetimeIndex) -> Positions:
    positions: Positions = close.index.searchsorted(sessions, side="right") - 1
    return positions


def _as_of(values: pd.Series, sessions: pd.DatetimeIndex) -> FloatArray:
    """`values` read at their last date on or before each session (NaN before the
    first; infinities as NaN)."""
    positions = _last_on_or_before(values, sessions)
    if len(values) == 0:
        return np.full(len(sessions), np.nan)
    read = values.to_numpy(dtype=np.float64)[np.maximum(positions, 0)]
    return np.where((positions >= 0) & np.isfinite(read), read, np.nan)


def _same_last_date(first: pd.Series, second: pd.Series, sessions: pd.DatetimeIndex) -> np.ndarray:
    """Where both series' last closes on or before each session fall on one date."""
    at_first = _last_on_or_before(first, sessions)
    at_second = _last_on_or_before(second, sessions)
    both = (at_first >= 0) & (at_second >= 0)
    if not both.any():
        return both
    first_dates = first.index.to_numpy()[np.maximum(at_first, 0)]
    second_dates = second.index.to_numpy()[np.maximum(at_second, 0)]
    same: np.ndarray = both & (first_dates == second_dates)
    return same


def _on_vix_date(close: pd.Series, vix_close: pd.Series, sessions: pd.DatetimeIndex) -> FloatArray:
    """`close` where its last close is on the VIX's last session, else NaN."""
    on_date = _same_last_date(close, vix_close, sessions)
    return np.where(on_date, _as_of(close, sessions), np.nan)


def index_up_vix_up(index_close: pd.Series, vix_close: pd.Series) -> pd.Series:
    """On the dates both have a close: 1.0 where the index and the VIX are both
    strictly up over the last 5 of those dates, 0.0 where not, NaN before 6."""
    common = pd.concat([index_close, vix_close], axis=1, join="inner").sort_index()
    moved = common.diff(CHANGE_SESSIONS).to_numpy()
    both_up = (moved > 0).all(axis=1).astype(np.float64)
    return pd.Series(np.where(np.isnan(moved[:, 0]), np.nan, both_up), index=common.index)


def vix_readings(
    vix: pd.DataFrame | None,
    index: pd.DataFrame | None,
    *,
    vix9d: pd.DataFrame | None = None,
    vix3m: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The VIX readings on every session of the four inputs (see the module
    docstring), one column per reading named as `VixSection`'s fields.

    `index_change_5d_pct` and `vix_change_5d` each use their own last 6 closes;
    `index_up_vix_up` compares both over the last 6 dates they have in common (both
    changes strictly positive)."""
    sessions = _sessions(vix, index, vix9d, vix3m)
    vix_close, index_close = _closes(vix), _closes(index)
    last = _as_of(vix_close, sessions)
    realized = _as_of(realized_vol(index_close, REALIZED_WINDOW), sessions)
    nine_day = _on_vix_date(_closes(vix9d), vix_close, sessions)
    three_month = _on_vix_date(_closes(vix3m), vix_close, sessions)
    one_session = _same_last_date(index_close, vix_close, sessions)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_9d_30d, ratio_30d_3m = nine_day / last, last / three_month
    ratio_30d_3m = np.where(np.isfinite(ratio_30d_3m), ratio_30d_3m, np.nan)

    readings = {
        "last": last,
        "change": _as_of(vix_close.diff(), sessions),
        "iv_rank_1y": _as_of(iv_rank(vix_close), sessions),
        "iv_percentile_1y": _as_of(iv_percentile(vix_close), sessions),
        "realized_vol_20d": realized,
        "vix_minus_realized": np.where(one_session, last - realized, np.nan),
        "vix9d": nine_day,
        "vix3m": three_month,
        "ratio_9d_30d": np.where(np.isfinite(ratio_9d_30d), ratio_9d_30d, np.nan),
        "ratio_30d_3m": ratio_30d_3m,
        "term_structure": term_structure(pd.Series(ratio_30d_3m, index=sessions)),
        "index_change_5d_pct": _as_of(index_close.pct_change(CHANGE_SESSIONS) * 100.0, sessions),
        "vix_change_5d": _as_of(vix_close.diff(CHANGE_SESSIONS), sessions),
        "index_up_vix_up": flag_column(
            _as_of(index_up_vix_up(index_close, vix_close), sessions), sessions
        ),
    }
    return pd.DataFrame(readings, index=sessions)
