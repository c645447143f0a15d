"""Implied against realised volatility, as one `VixSection` per refresh: the VIX's
level and change, where it sits in its last year (IV rank and IV percentile over 252
sessions), the index's own 20-session realised volatility and the gap between the two,
the VIX term structure (VIX9D/VIX and VIX/VIX3M, contango below 0.98 and backwardation
above 1.02) and the "bullish price, bearish vol" flag (index and VIX both up over five
sessions). Inputs are daily-bar frames with a `close` column indexed by session date;
every value reads only the last bar and the bars before it. Readings from two series
are only combined on one date: a VIX9D or VIX3M that does not end on the VIX's last
session is None rather than mixed in, and so is the VIX-minus-realised gap when the
index and the VIX end on different sessions. A value that cannot be computed is None,
never 0."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from core.indicators import realized_vol
from core.sections.vix import VixSection
from core.snapshot import PanelStatus

__all__ = [
    "BACKWARDATION_ABOVE",
    "CONTANGO_BELOW",
    "YEAR",
    "iv_percentile",
    "iv_rank",
    "term_structure",
    "vix_section",
]

YEAR = 252
"""Sessions in the IV rank / IV percentile window."""
REALIZED_WINDOW = 20
CHANGE_SESSIONS = 5
CONTANGO_BELOW = 0.98
BACKWARDATION_ABOVE = 1.02

TermStructure = Literal["contango", "backwardation", "flat"]


def iv_rank(vix_close: pd.Series, window: int = YEAR) -> float | None:
    """IV rank of the last close over the last `window` closes (the last included):
    (last - min) / (max - min) * 100, in [0, 100]. None with fewer than `window`
    closes, or when the window is flat (max == min)."""
    tail = vix_close.iloc[-window:]
    if window < 2 or len(tail) < window:
        return None
    low, high, last = float(tail.min()), float(tail.max()), float(tail.iloc[-1])
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return None
    return (last - low) / (high - low) * 100.0


def iv_percentile(vix_close: pd.Series, window: int = YEAR) -> float | None:
    """IV percentile of the last close: the % of the `window` - 1 closes before it
    (sessions -window+1 .. -1 of the last `window`, the last excluded) that are
    strictly below the last close, in [0, 100]. With window 252 that is the count of
    the previous 251 closes below the last, / 251 * 100. None with fewer than `window`
    closes."""
    tail = vix_close.iloc[-window:]
    if window < 2 or len(tail) < window:
        return None
    last = float(tail.iloc[-1])
    earlier = tail.iloc[:-1].to_numpy(dtype="float64")
    return float((earlier < last).sum()) / len(earlier) * 100.0


def term_structure(ratio_30d_3m: float | None) -> TermStructure | None:
    """Contango when VIX/VIX3M < 0.98, backwardation when > 1.02, flat in between."""
    if ratio_30d_3m is None:
        return None
    if ratio_30d_3m < CONTANGO_BELOW:
        return "contango"
    if ratio_30d_3m > BACKWARDATION_ABOVE:
        return "backwardation"
    return "flat"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _closes(frame: pd.DataFrame | None) -> pd.Series | None:
    """The frame's positive, finite closes in date order; None when there are none."""
    if frame is None or "close" not in frame.columns or frame.empty:
        return None
    close = pd.to_numeric(frame["close"], errors="coerce").astype("float64")
    values = close.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(values) & (values > 0)
    close = close[keep]
    if not close.index.is_monotonic_increasing:
        close = close.sort_index()
    return close if len(close) else None


def _change(close: pd.Series, sessions: int) -> float | None:
    """last - close `sessions` sessions earlier."""
    if len(close) <= sessions:
        return None
    return _finite(float(close.iloc[-1]) - float(close.iloc[-1 - sessions]))


def _on_date(close: pd.Series | None, when: pd.Timestamp) -> float | None:
    """The series' last close if it is dated `when`, else None (never mixes dates)."""
    if close is None or close.index[-1] != when:
        return None
    return _finite(float(close.iloc[-1]))


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return _finite(numerator / denominator)


def vix_section(
    vix: pd.DataFrame | None,
    index: pd.DataFrame | None,
    status: PanelStatus,
    *,
    vix9d: pd.DataFrame | None = None,
    vix3m: pd.DataFrame | None = None,
) -> VixSection:
    """The VIX panel as of the VIX's last bar (the index's for its own readings).

    `index_change_5d_pct` and `vix_change_5d` each use their own last 6 closes;
    `index_up_vix_up` compares both over the last 6 dates they have in common (both
    changes strictly positive). `status` is returned unchanged."""
    vix_close = _closes(vix)
    index_close = _closes(index)

    realized = None
    index_change = None
    if index_close is not None:
        if len(index_close) > REALIZED_WINDOW:
            realized = _finite(float(realized_vol(index_close, REALIZED_WINDOW).iloc[-1]))
        if len(index_close) > CHANGE_SESSIONS:
            before = float(index_close.iloc[-1 - CHANGE_SESSIONS])
            index_change = _finite((float(index_close.iloc[-1]) / before - 1.0) * 100.0)

    if vix_close is None:
        return VixSection(
            status=status, realized_vol_20d=realized, index_change_5d_pct=index_change
        )

    when = pd.Timestamp(vix_close.index[-1])
    last = float(vix_close.iloc[-1])
    nine_day = _on_date(_closes(vix9d), when)
    three_month = _on_date(_closes(vix3m), when)
    ratio_30d_3m = _ratio(last, three_month)

    gap = None
    if realized is not None and index_close is not None and index_close.index[-1] == when:
        gap = _finite(last - realized)

    both_up = None
    if index_close is not None:
        common = pd.concat([index_close, vix_close], axis=1, join="inner").sort_index()
        if len(common) > CHANGE_SESSIONS:
            moved = common.iloc[-1] - common.iloc[-1 - CHANGE_SESSIONS]
            both_up = bool(moved.iloc[0] > 0 and moved.iloc[1] > 0)

    return VixSection(
        status=status,
        last=last,
        change=_change(vix_close, 1),
        iv_rank_1y=iv_rank(vix_close),
        iv_percentile_1y=iv_percentile(vix_close),
        realized_vol_20d=realized,
        vix_minus_realized=gap,
        vix9d=nine_day,
        vix3m=three_month,
        ratio_9d_30d=_ratio(nine_day, last),
        ratio_30d_3m=ratio_30d_3m,
        term_structure=term_structure(ratio_30d_3m),
        index_change_5d_pct=index_change,
        vix_change_5d=_change(vix_close, CHANGE_SESSIONS),
        index_up_vix_up=both_up,
    )
