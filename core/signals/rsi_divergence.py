"""RSI of the index and its divergences on every session, vectorised over the whole
history, with these exact rules. RSI is Wilder's (`core.indicators.rsi`, default 14).
Pivots are the swing pivots of the close (`core.indicators.swing_pivots`, `left`/`right`
bars, default 5/5); a pivot exists from its confirmation bar, `right` bars after the
extreme. Each time a pivot is confirmed it is compared with the pivot of the same type
(high with high, low with low) just before it, provided the two extremes are
`min_gap`..`max_gap` sessions apart (inclusive, default 5..60) and the RSI is known on
both: two pivot highs give a regular bearish divergence when the later close is strictly
higher and its RSI strictly lower, a hidden bearish one when the later close is strictly
lower and its RSI strictly higher; two pivot lows give a regular bullish divergence when
the later close is strictly lower and its RSI strictly higher, a hidden bullish one when
the later close is strictly higher and its RSI strictly lower (ties are no divergence). A
divergence is dated at the later pivot's confirmation bar and is active on that bar and
the `active_sessions` - 1 bars after it (sessions_active 0..active_sessions - 1, default
20 bars), unless a close invalidates it first: a bearish one (regular or hidden) by a
close strictly above its later pivot's close, a bullish one by a close strictly below its
later pivot's close; from the invalidating bar on it is gone for good. As of a bar, only
the most recently confirmed divergence of each kind counts (regular bearish, regular
bullish, hidden bearish, hidden bullish); the regular reading is whichever of the two
regular ones is active, the more recently confirmed if both are (bearish on a tie), the
hidden reading likewise for the hidden ones, and kind is None when none is active. A bar
without a close reads as the last bar with one (a partial last row). `divergence_timeline`
gives all of it for every bar at once; row t uses only bars up to t."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.indicators import rsi, swing_pivots

__all__ = [
    "TIMELINE_COLUMNS",
    "DivergenceEvent",
    "divergence_events",
    "divergence_timeline",
]

DivergenceKind = Literal["bearish", "bullish"]

TIMELINE_COLUMNS = (
    "rsi",
    "kind",
    "confirmed_on",
    "sessions_active",
    "first_pos",
    "second_pos",
    "confirmed_pos",
    "hidden_kind",
    "hidden_confirmed_on",
    "hidden_sessions_active",
    "hidden_first_pos",
    "hidden_second_pos",
    "hidden_confirmed_pos",
)
"""Columns of `divergence_timeline`. `rsi` is the RSI as of the bar; for the regular
and (prefixed `hidden_`) the hidden divergence reported: its `kind` ("bearish",
"bullish" or None), the session it was `confirmed_on` (a date, or None),
`sessions_active` (float, NaN when none is active), and the positions of its older and
later pivot and of its confirmation (`first_pos`, `second_pos`, `confirmed_pos`; -1 when
none is active)."""


@dataclass(frozen=True)
class DivergenceEvent:
    """One divergence between two consecutive pivots of the same type."""

    kind: DivergenceKind
    hidden: bool
    first_pos: int
    """Position of the older pivot."""
    second_pos: int
    """Position of the later pivot."""
    confirmed_pos: int
    """Position of the later pivot's confirmation bar (second_pos + right)."""
    level: float
    """The later pivot's close: a close beyond it invalidates the divergence."""
    end_pos: int
    """First position at which it is no longer active (expired or invalidated); may lie
    beyond the last bar, where it is still active."""


def _end_pos(close: np.ndarray, confirmed: int, level: float, bearish: bool, active: int) -> int:
    """First bar after `confirmed` at which the divergence stops being active."""
    window = close[confirmed + 1 : confirmed + active]
    with np.errstate(invalid="ignore"):
        broken = window > level if bearish else window < level
    hits = np.flatnonzero(broken)
    return confirmed + 1 + int(hits[0]) if len(hits) else confirmed + active


def _pivot_events(
    close: np.ndarray,
    rsi_values: np.ndarray,
    pivots: pd.DataFrame,
    high: bool,
    min_gap: int,
    max_gap: int,
    active_sessions: int,
) -> list[DivergenceEvent]:
    """Regular and hidden divergences between consecutive pivots of one type."""
    positions = pivots["pivot_pos"].to_numpy(dtype=np.int64)
    confirmed = pivots["confirmed_pos"].to_numpy(dtype=np.int64)
    if len(positions) < 2:
        return []
    price = close[positions]
    strength = rsi_values[positions]
    gap = np.diff(positions)
    usable = (gap >= min_gap) & (gap <= max_gap)
    usable &= np.isfinite(strength[1:]) & np.isfinite(strength[:-1])
    price_up = price[1:] > price[:-1]
    price_down = price[1:] < price[:-1]
    rsi_up = strength[1:] > strength[:-1]
    rsi_down = strength[1:] < strength[:-1]
    if high:  # bearish: regular = higher high & lower RSI high; hidden = the reverse
        regular = usable & price_up & rsi_down
        hidden = usable & price_down & rsi_up
    else:  # bullish: regular = lower low & higher RSI low; hidden = the reverse
        regular = usable & price_down & rsi_up
        hidden = usable & price_up & rsi_down
    kind: DivergenceKind = "bearish" if high else "bullish"
    events = []
    for j in np.flatnonzero(regular | hidden).tolist():
        later = j + 1
        level = float(price[later])
        conf = int(confirmed[later])
        events.append(
            DivergenceEvent(
                kind=kind,
                hidden=bool(hidden[j]),
                first_pos=int(positions[j]),
                second_pos=int(positions[later]),
                confirmed_pos=conf,
                level=level,
                end_pos=_end_pos(close, conf, level, high, active_sessions),
            )
        )
    return events


def divergence_events(
    close: pd.Series,
    rsi_values: pd.Series,
    *,
    left: int = 5,
    right: int = 5,
    min_gap: int = 5,
    max_gap: int = 60,
    active_sessions: int = 20,
) -> list[DivergenceEvent]:
    """Every divergence (regular and hidden, both kinds) of `close` against
    `rsi_values`, in order of confirmation (see the module docstring)."""
    if active_sessions < 1:
        raise ValueError(f"active_sessions must be >= 1, got {active_sessions}")
    values = close.to_numpy(dtype=np.float64, na_value=np.nan)
    strength = rsi_values.to_numpy(dtype=np.float64, na_value=np.nan)
    events: list[DivergenceEvent] = []
    for high in (True, False):
        pivots = swing_pivots(close, left, right, "high" if high else "low")
        events += _pivot_events(values, strength, pivots, high, min_gap, max_gap, active_sessions)
    events.sort(key=lambda event: (event.confirmed_pos, event.kind != "bearish"))
    return events


def _as_of_bars(close: pd.Series) -> np.ndarray:
    """For each bar, the position of the last bar up to it with a close (-1 before the
    first): the bar whose reading it shows."""
    present = np.isfinite(close.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.maximum.accumulate(np.where(present, np.arange(len(close)), -1))


def _timeline_of(
    events: list[DivergenceEvent], hidden: bool, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per bar, read as of bar `at` (-1: no bar yet): kind code (0 none, 1 bearish,
    2 bullish), first, second and confirmed positions of the reported divergence among
    the regular (or hidden) ones."""
    n = len(at)
    best_conf = np.full(n, -1, dtype=np.int64)
    best_first = np.full(n, -1, dtype=np.int64)
    best_second = np.full(n, -1, dtype=np.int64)
    best_code = np.zeros(n, dtype=np.int64)
    # bullish first so that bearish wins a tie on the confirmation bar
    for code, kind in ((2, "bullish"), (1, "bearish")):
        of_kind = [e for e in events if e.hidden == hidden and e.kind == kind]
        if not of_kind:
            continue
        conf = np.array([e.confirmed_pos for e in of_kind], dtype=np.int64)
        end = np.array([e.end_pos for e in of_kind], dtype=np.int64)
        first = np.array([e.first_pos for e in of_kind], dtype=np.int64)
        second = np.array([e.second_pos for e in of_kind], dtype=np.int64)
        latest = np.searchsorted(conf, at, side="right") - 1  # the kind's latest by `at`
        safe = np.maximum(latest, 0)
        active = (at >= 0) & (latest >= 0) & (at < end[safe])
        better = active & (conf[safe] >= best_conf)
        best_conf = np.where(better, conf[safe], best_conf)
        best_first = np.where(better, first[safe], best_first)
        best_second = np.where(better, second[safe], best_second)
        best_code = np.where(better, code, best_code)
    return best_code, best_first, best_second, best_conf


def _sessions(index: pd.Index, positions: np.ndarray) -> np.ndarray:
    """The session date at each position (None at -1), as an object array."""
    dates = np.full(len(positions), None, dtype=object)
    known = positions >= 0
    if known.any():
        dates[known] = pd.DatetimeIndex(index[positions[known]]).date
    return dates


def divergence_timeline(
    close: pd.Series,
    *,
    period: int = 14,
    left: int = 5,
    right: int = 5,
    min_gap: int = 5,
    max_gap: int = 60,
    active_sessions: int = 20,
) -> pd.DataFrame:
    """The RSI and the reported divergences on every bar of `close` (a dated index,
    oldest first; columns TIMELINE_COLUMNS), computed once over the whole history: row
    t is the reading on the history up to bar t (see the module docstring)."""
    strength = rsi(close, period)
    events = divergence_events(
        close,
        strength,
        left=left,
        right=right,
        min_gap=min_gap,
        max_gap=max_gap,
        active_sessions=active_sessions,
    )
    at = _as_of_bars(close)
    rsi_values = np.append(strength.to_numpy(dtype=np.float64), np.nan)
    labels = np.array([None, "bearish", "bullish"], dtype=object)
    columns: dict[str, object] = {"rsi": rsi_values[at]}  # at -1: the NaN appended
    for hidden, prefix in ((False, ""), (True, "hidden_")):
        code, first, second, conf = _timeline_of(events, hidden, at)
        # object columns: None where unknown (pandas would infer strings with NaN)
        columns[f"{prefix}kind"] = pd.Series(labels[code], index=close.index, dtype=object)
        columns[f"{prefix}confirmed_on"] = pd.Series(
            _sessions(close.index, conf), index=close.index, dtype=object
        )
        columns[f"{prefix}sessions_active"] = np.where(conf >= 0, at - conf, np.nan)
        columns[f"{prefix}first_pos"] = first
        columns[f"{prefix}second_pos"] = second
        columns[f"{prefix}confirmed_pos"] = conf
    return pd.DataFrame(columns, index=close.index)  # in the order of TIMELINE_COLUMNS
