"""Cross-market context the theses quote, one row per session T of the index, from
daily closes as of T (bars of the other markets after T are ignored); a session whose
index close is missing or not finite reads as of the index's last valid session before
it. RUT win streak: on the dates where both the S&P 500 and the Russell 2000 have a
close, each one's daily return is taken from the previous common date; the streak is
the number of consecutive common dates, ending at T, on which RUT's return was strictly
greater (0 when it was not on T); unknown without RUT data, with fewer than two common
dates, or when RUT has no close on T. 52-week closing high on a market's own sessions:
close_t ≥ the max of its last 252 closes (t included), undefined before 252 closes.
index_new_high_52w / nasdaq_new_high_52w are that test on T (Nasdaq: unknown unless it
has a close on T). index_last_new_high is the latest of the index's last 20 sessions
(T included) that was a 52-week closing high, else unknown. nasdaq_confirms, when that
date D exists: True if the Nasdaq made its own 52-week closing high on any of the 5
index sessions ending at D (D-4 … D, D included), False if it made none on those of
them where its test is defined, unknown when it is defined on none of them (missing or
too short Nasdaq history) or when D does not exist. Small caps' relative strength: on
the common dates ending at T, the Russell 2000's return over the last 20 of them minus
the S&P 500's, in percentage points; unknown without a RUT close on T or with fewer
than 21 common dates. Unknown is NaN, or None in the object columns (the flags and the
date). `unknown_reasons` says why a reading of the last session is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.signals._shared import flag_column

__all__ = [
    "CONFIRM_WINDOW",
    "HIGH_WINDOW",
    "RECENT_HIGH_WINDOW",
    "RELATIVE_WINDOW",
    "context_readings",
    "new_high_52w",
    "rut_win_streak",
    "small_caps_relative",
    "unknown_reasons",
]

HIGH_WINDOW = 252
"""Sessions in a 52-week closing high."""
RECENT_HIGH_WINDOW = 20
"""Index sessions, up to the last, searched for its latest 52-week high."""
CONFIRM_WINDOW = 5
"""Index sessions, up to that high, in which the Nasdaq's own high confirms it."""
RELATIVE_WINDOW = 20
"""Common sessions over which the small caps' return is compared with the index's."""
WARMUP = HIGH_WINDOW + RECENT_HIGH_WINDOW + CONFIRM_WINDOW - 2
"""Index sessions behind a session's exact Nasdaq confirmation: a year of closes
behind each of the 24 sessions it may read a 52-week-high flag on."""

FloatArray = np.ndarray


def _closes(frame: pd.DataFrame | None, until: pd.Timestamp | None = None) -> pd.Series:
    """A frame's finite closes as float64, cut at `until` (inclusive) when given."""
    if frame is None or "close" not in frame.columns or len(frame) == 0:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=np.float64)
    close = pd.to_numeric(frame["close"], errors="coerce").astype(np.float64)
    close = close[np.isfinite(close.to_numpy())]
    if until is not None:
        close = close[close.index <= until]
    return close


def _common(index_close: pd.Series, small_close: pd.Series) -> pd.DataFrame:
    return pd.concat({"index": index_close, "small": small_close}, axis=1, join="inner")


def new_high_52w(close: pd.Series) -> pd.Series:
    """1.0 where the close is ≥ the max of its last 252 closes, 0.0 where not, NaN
    before 252 closes (float, so that undefined stays distinguishable from False)."""
    rolling_max = close.rolling(HIGH_WINDOW, min_periods=HIGH_WINDOW).max()
    flags = (close >= rolling_max).astype(np.float64)
    return flags.where(rolling_max.notna())


def rut_win_streak(index_close: pd.Series, small_close: pd.Series) -> pd.Series:
    """On each common date of the two: the consecutive common dates, ending there, on
    which the small caps' daily return beat the index's (0 when it did not on that
    date); NaN on the first common date (no return yet)."""
    both = _common(index_close, small_close)
    returns = both.pct_change().to_numpy()
    dates = np.arange(len(both))
    beat = returns[:, 1] > returns[:, 0]
    beat[:1] = False  # no return on the first date: the streak counts from there
    last_loss = np.maximum.accumulate(np.where(beat, 0, dates))
    streak = (dates - last_loss).astype(np.float64)
    streak[:1] = np.nan
    return pd.Series(streak, index=both.index)


def small_caps_relative(
    index_close: pd.Series, small_close: pd.Series, window: int = RELATIVE_WINDOW
) -> pd.Series:
    """On each common date: the small caps' return minus the index's over the last
    `window` common dates, in percentage points; NaN on the first `window`."""
    both = _common(index_close, small_close)
    closes = both.to_numpy()
    relative = np.full(len(closes), np.nan)
    if len(closes) > window:
        last, first = closes[window:], closes[:-window]
        small = last[:, 1] / first[:, 1] - 1.0
        index = last[:, 0] / first[:, 0] - 1.0
        relative[window:] = (small - index) * 100.0
    return pd.Series(relative, index=both.index)


def _latest_high(flags: FloatArray) -> np.ndarray:
    """At each session, the position of the latest 52-week high among the last
    RECENT_HIGH_WINDOW sessions (-1: none)."""
    sessions = np.arange(len(flags))
    latest = np.maximum.accumulate(np.where(flags == 1.0, sessions, -1))
    recent: np.ndarray = np.where(sessions - latest < RECENT_HIGH_WINDOW, latest, -1)
    return recent


def _confirmed(nasdaq_flags: FloatArray) -> FloatArray:
    """At each index session D: 1.0 when the Nasdaq made a 52-week high on one of the
    CONFIRM_WINDOW sessions ending at D, 0.0 when it made none where its test is
    defined, NaN when defined on none of them."""

    def in_window(hits: np.ndarray) -> np.ndarray:
        total = np.cumsum(hits, dtype=np.int64)
        before = np.concatenate((np.zeros(CONFIRM_WINDOW, np.int64), total[:-CONFIRM_WINDOW]))
        counts: np.ndarray = total - before[: len(total)]
        return counts

    defined = in_window(~np.isnan(nasdaq_flags))
    highs = in_window(nasdaq_flags == 1.0)
    return np.where(highs > 0, 1.0, np.where(defined > 0, 0.0, np.nan))


def _on(values: pd.Series, dates: pd.DatetimeIndex) -> FloatArray:
    """`values` on `dates`, NaN where it has no value."""
    on_dates: FloatArray = values.reindex(dates).to_numpy(dtype=np.float64)
    return on_dates


def context_readings(
    index: pd.DataFrame | None,
    small_caps: pd.DataFrame | None,
    nasdaq: pd.DataFrame | None,
) -> pd.DataFrame:
    """The context readings on every session of `index` (see the module docstring),
    one column per reading named as `ContextSection`'s fields. `small_caps` is the
    Russell 2000, `nasdaq` the Nasdaq Composite, either None when unavailable."""
    index_close = _closes(index)
    dates = pd.DatetimeIndex(index_close.index)
    small_close = _closes(small_caps)
    streak = _on(rut_win_streak(index_close, small_close), dates)
    relative = _on(small_caps_relative(index_close, small_close), dates)
    index_flags = new_high_52w(index_close).to_numpy()
    nasdaq_flags = _on(new_high_52w(_closes(nasdaq)), dates)
    latest_high = _latest_high(index_flags)
    has_high = latest_high >= 0
    high_dates = np.full(len(dates), None, dtype=object)
    high_dates[has_high] = dates[latest_high[has_high]].date
    confirms = np.where(has_high, _confirmed(nasdaq_flags)[np.maximum(latest_high, 0)], np.nan)

    readings = pd.DataFrame(
        {
            "rut_win_streak": streak,
            "index_new_high_52w": flag_column(index_flags, dates),
            "nasdaq_new_high_52w": flag_column(nasdaq_flags, dates),
            "nasdaq_confirms": flag_column(confirms, dates),
            "index_last_new_high": pd.Series(high_dates, dates, object),
            "small_caps_rel_20d_pct": relative,
        },
        index=dates,
    )
    return _as_of_valid_close(readings, index)


def _as_of_valid_close(readings: pd.DataFrame, index: pd.DataFrame | None) -> pd.DataFrame:
    """`readings` (on the index's valid closes) on every session of `index`: a session
    without a valid close reads as of the last one before it."""
    if index is None or "close" not in index.columns or len(readings) == len(index):
        return readings
    sessions = pd.DatetimeIndex(index.index)
    positions = readings.index.searchsorted(sessions, side="right") - 1
    if len(readings) == 0:  # no valid close yet: each column keeps its type
        carried = readings.reindex(sessions)
    else:
        carried = readings.iloc[np.maximum(positions, 0)].set_axis(sessions)
    carried.iloc[np.flatnonzero(positions < 0)] = None  # before the first valid close
    return carried


def unknown_reasons(
    index: pd.DataFrame | None,
    small_caps: pd.DataFrame | None,
    nasdaq: pd.DataFrame | None,
    today: Mapping[str, Any],
) -> list[str]:
    """Why readings of the last session (`today`, by field name, None where unknown)
    are unknown: the missing data or history, for the panel's status."""
    index_close = _closes(index)
    if index_close.empty:
        return ["no closes of the index"]
    last = pd.Timestamp(index_close.index[-1])
    reasons: list[str] = []
    small_close = _closes(small_caps, last)
    if small_close.empty:
        reasons.append("no Russell 2000 closes")
    elif last not in small_close.index:
        reasons.append(f"no Russell 2000 close on {last.date()}")
    else:
        if today.get("rut_win_streak") is None:
            reasons.append("too few Russell 2000 closes for a daily return")
        if today.get("small_caps_rel_20d_pct") is None:
            reasons.append(f"small caps' {RELATIVE_WINDOW}-session return needs more closes")
    if today.get("index_new_high_52w") is None:
        reasons.append(f"52-week highs need {HIGH_WINDOW} closes of the index")
    if _closes(nasdaq, last).empty:
        reasons.append("no Nasdaq closes")
    else:
        if today.get("nasdaq_new_high_52w") is None:
            reasons.append(f"no Nasdaq 52-week-high reading on {last.date()}")
        last_high = today.get("index_last_new_high")
        if last_high is not None and today.get("nasdaq_confirms") is None:
            reasons.append(f"no Nasdaq 52-week-high reading up to {last_high}")
    return reasons
