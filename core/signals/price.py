"""Price against its key levels, for every session of the index's daily bars at once:
the close, the previous close and the change; the two 1,000-point milestones around the
close, the 20/50-day EMAs and 50/200-day SMAs and the user's own levels and bands, each
with its distance in percent ((close / level - 1) * 100); the milestone just above and
whether the close sits within 1% below it; the highest milestone ever reached and
whether this close is the first to reach it; the EMA 20/50/200 stack; the Bollinger (20,
2 sd) and Keltner (EMA 20 ± 2 ATR 10) band state; and the TD Sequential state.
`price_readings` returns them as one frame, a row per session and a column per reading,
named by its path inside the price section (`last`, `levels[EMA 50].distance_pct`,
`td.countdown`); every value on a row uses that session's bar and the bars before it,
nothing after (the highest milestone reads every bar before, back to the first: it
never forgets where the bars start). A level is shown on a session when its value and
distance are known (an average once warmed up, a milestone while it is one of the two
around the close); on the others every field of it is missing. What needs highs and
lows (Keltner, the squeeze, TD perfection, countdown and TDST) is missing where they
are (close-only history), never computed from NaN. `recent_history` is the chart's
year of closes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.config import UserLevel
from core.indicators import bollinger, ema, keltner, sma, td_sequential
from core.snapshot import History

MILESTONE_STEP = 1000.0
CHART_SESSIONS = 260
"""A year of closes: the dashboard draws the recent part, the detail view all of it."""
AVERAGES: tuple[tuple[str, int], ...] = (("ema", 20), ("ema", 50), ("sma", 50), ("sma", 200))
STACK_LENGTHS = (20, 50, 200)
"""The EMAs of the stack, fastest first."""
NEAR_MILESTONE = 0.99
"""A close at or above milestone * this (and below the milestone) is within 1% of it."""
BAND_LENGTH = 20
BOLLINGER_WIDTH = 2.0
KELTNER_ATR_LENGTH = 10
KELTNER_MULTIPLIER = 2.0
EXPANSION_SESSIONS = 5
"""Bands are expanding when their bandwidth exceeds its value this many sessions earlier."""
TD_SETUP_BARS = 9

Columns = dict[str, np.ndarray]
"""Readings by column name, each an array over the sessions."""


def distance_pct(close: np.ndarray, level: np.ndarray | float) -> np.ndarray:
    """How far each close stands above (+) or below (-) `level`, in percent."""
    with np.errstate(divide="ignore", invalid="ignore"):
        distance: np.ndarray = (close / level - 1.0) * 100.0
    return distance


def _shown(values: Any, shown: np.ndarray) -> np.ndarray:
    """An object column: `values` (an array over the sessions, or one value for all)
    on the sessions where `shown`, else None."""
    column = np.full(len(shown), None, dtype=object)
    if isinstance(values, np.ndarray):
        column[shown] = values[shown]
    elif values is not None:
        column[shown] = values
    return column


def _last_index(mask: np.ndarray) -> np.ndarray:
    """For each session, the position of the last True at or before it, else -1."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))


def level_columns(
    name: str,
    kind: str,
    value: np.ndarray,
    close: np.ndarray,
    *,
    upper: float | None = None,
    thesis: str | None = None,
) -> Columns:
    """One level's readings over the sessions; every field is missing on a session
    whose value or distance is unknown (the level is not shown there)."""
    distance = distance_pct(close, value)
    shown = np.isfinite(value) & np.isfinite(distance)
    missing = np.full(len(close), np.nan)
    return {
        f"levels[{name}].kind": _shown(kind, shown),
        f"levels[{name}].value": np.where(shown, value, np.nan),
        f"levels[{name}].distance_pct": np.where(shown, distance, np.nan),
        f"levels[{name}].upper": missing if upper is None else np.where(shown, upper, np.nan),
        f"levels[{name}].thesis": _shown(thesis, shown),
    }


def milestone_name(value: float) -> str:
    """`7,000 milestone`."""
    return f"{value:,.0f} milestone"


def milestone_columns(close: np.ndarray, taken: set[float]) -> Columns:
    """The round-number milestones just below (or at) and just above each close, one
    group of columns per milestone that is ever one of them, highest first; a milestone
    the user has a level at (in `taken`) is left to that level."""
    with np.errstate(invalid="ignore"):
        below = np.floor(close / MILESTONE_STEP) * MILESTONE_STEP
    above = below + MILESTONE_STEP
    below = np.where(below > 0, below, np.nan)  # no 0 milestone under a price below 1,000
    values = np.unique(np.r_[below, above])
    columns: Columns = {}
    for value in sorted(values[np.isfinite(values)], reverse=True):
        if value in taken:
            continue
        level = np.where((below == value) | (above == value), value, np.nan)
        columns.update(level_columns(milestone_name(value), "milestone", level, close))
    return columns


def average_columns(close: pd.Series) -> Columns:
    """EMA 20/50 and SMA 50/200, each shown once warmed up."""
    values = close.to_numpy()
    columns: Columns = {}
    for kind, length in AVERAGES:
        average = ema(close, length) if kind == "ema" else sma(close, length)
        columns.update(level_columns(f"{kind.upper()} {length}", kind, average.to_numpy(), values))
    return columns


def user_level_columns(levels: Sequence[UserLevel], close: np.ndarray) -> Columns:
    """The configured levels; a band's distance is measured from its bottom."""
    columns: Columns = {}
    for level in levels:
        if level.range is not None:
            low, high = level.range
            value, kind, upper = low, "range", high
        elif level.value is not None:
            value, kind, upper = level.value, "user", None
        else:
            continue
        constant = np.full(len(close), value)
        columns.update(
            level_columns(level.label, kind, constant, close, upper=upper, thesis=level.thesis)
        )
    return columns


def key_level_columns(close: pd.Series, configured: Sequence[UserLevel]) -> Columns:
    """Every level the price panel shows, by session: milestones, averages, then the
    user's levels (the order the panel breaks ties in). A user level at a milestone's
    price replaces the milestone, and a user level's name wins over a derived level of
    the same name (as `level("...")` in a rule finds it); of two user levels with one
    name the first is kept, a name being one level."""
    values = close.to_numpy()
    unique: dict[str, UserLevel] = {}
    for level in configured:
        unique.setdefault(level.label, level)
    mine = user_level_columns(list(unique.values()), values)
    taken = {level.value for level in unique.values() if level.value is not None}
    derived = {**milestone_columns(values, taken), **average_columns(close)}
    kept = {name: column for name, column in derived.items() if name not in mine}
    return {**kept, **mine}


def price_columns(close: np.ndarray) -> Columns:
    """The close, the previous close (the last one before the session) and the change
    in percent (unknown without a previous close, or when it is 0)."""
    previous = np.full(len(close), np.nan)
    previous[1:] = pd.Series(close).ffill().to_numpy()[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(previous != 0, (close / previous - 1.0) * 100.0, np.nan)
    return {"last": close, "prev_close": previous, "change_pct": change}


def milestone_flags(close: np.ndarray) -> Columns:
    """The first milestone strictly above the close (7,000 → 8,000) and whether the
    close lies in [milestone * 0.99, milestone); the highest milestone a close has
    reached and whether this close is the first to reach it (`milestone_records`)."""
    with np.errstate(invalid="ignore"):
        above = (np.floor(close / MILESTONE_STEP) + 1.0) * MILESTONE_STEP
        within = (above * NEAR_MILESTONE <= close) & (close < above)
    return {
        "nearest_milestone_above": above,
        "within_1pct_below_milestone": _shown(within, np.isfinite(close)),
        **milestone_records(close),
    }


def milestone_records(close: np.ndarray) -> Columns:
    """On each session with a close: `highest_milestone`, the highest 1,000-point
    multiple any close up to it (included) is at or above (missing while none has
    reached 1,000), and `new_milestone`, whether this close is the first at or above a
    multiple no earlier close reached (6,000 → a close of 7,000.00 or more, when every
    earlier close was below 7,000). "Earlier" means in these bars: on the index's whole
    history (the S&P 500 from 1927) the flag is exact; on bars that start later it is
    the first close above the multiple since they start, and on the first close it is
    unknown when that close is at or above 1,000 (below it, no multiple is reached:
    false). A session without a close has neither reading."""
    known = np.isfinite(close)
    record = np.fmax.accumulate(np.where(known, close, np.nan)) if close.size else close
    with np.errstate(invalid="ignore"):
        reached = np.floor(record / MILESTONE_STEP) * MILESTONE_STEP
        own = np.floor(close / MILESTONE_STEP) * MILESTONE_STEP
    highest = np.where(known & (reached >= MILESTONE_STEP), reached, np.nan)
    before = np.full(close.size, np.nan)
    before[1:] = reached[:-1]
    first = known & np.isnan(before)  # no close before this one
    with np.errstate(invalid="ignore"):
        new = (own >= MILESTONE_STEP) & (own > np.nan_to_num(before, nan=0.0))
    return {
        "highest_milestone": highest,
        "new_milestone": _shown(new, known & ~(first & (own >= MILESTONE_STEP))),
    }


def ema_stack(close: pd.Series) -> np.ndarray:
    """Order of the close and its EMA 20/50/200 by session: bullish when close > EMA 20
    > EMA 50 > EMA 200, bearish when close < EMA 20 < EMA 50 < EMA 200, else mixed;
    None while any of them is still warming up (or the close is missing)."""
    lines = [close.to_numpy()] + [ema(close, length).to_numpy() for length in STACK_LENGTHS]
    known = np.logical_and.reduce([np.isfinite(line) for line in lines])
    with np.errstate(invalid="ignore"):
        rising = np.logical_and.reduce([a > b for a, b in itertools.pairwise(lines)])
        falling = np.logical_and.reduce([a < b for a, b in itertools.pairwise(lines)])
    return _shown(np.where(rising, "bullish", np.where(falling, "bearish", "mixed")), known)


def _expanding(bandwidth: np.ndarray) -> np.ndarray:
    """Bandwidth above its value EXPANSION_SESSIONS bars earlier (None if either is unknown)."""
    before = np.full(len(bandwidth), np.nan)
    before[EXPANSION_SESSIONS:] = bandwidth[:-EXPANSION_SESSIONS]
    known = np.isfinite(bandwidth) & np.isfinite(before)
    with np.errstate(invalid="ignore"):
        return _shown(bandwidth > before, known)


def band_state(close: pd.Series, high: pd.Series, low: pd.Series) -> Columns:
    """Bollinger (20, 2 sd) and Keltner (EMA 20 ± 2 ATR 10) state by session.

    Bollinger needs closes only; Keltner and the squeeze need highs and lows and are
    unknown where those are missing.
    """
    boll = bollinger(close, BAND_LENGTH, BOLLINGER_WIDTH)
    kelt = keltner(high, low, close, BAND_LENGTH, KELTNER_ATR_LENGTH, KELTNER_MULTIPLIER)
    b_lower, b_upper = boll["lower"].to_numpy(), boll["upper"].to_numpy()
    k_lower, k_upper = kelt["lower"].to_numpy(), kelt["upper"].to_numpy()
    last = close.to_numpy()
    width = k_upper - k_lower
    with np.errstate(divide="ignore", invalid="ignore"):
        keltner_position = (last - k_lower) / width * 100.0
        squeeze = (b_upper < k_upper) & (b_lower > k_lower)
    known = np.isfinite(last) & np.isfinite(width) & (width != 0)
    bands_known = np.logical_and.reduce(
        [np.isfinite(v) for v in (b_lower, b_upper, k_lower, k_upper)]
    )
    percent_b = boll["percent_b"].to_numpy() * 100.0
    return {
        "bands.bollinger_position": np.where(np.isfinite(percent_b), percent_b, np.nan),
        "bands.keltner_position": np.where(known, keltner_position, np.nan),
        "bands.bollinger_expanding": _expanding(boll["bandwidth"].to_numpy()),
        "bands.keltner_expanding": _expanding(kelt["bandwidth"].to_numpy()),
        "bands.squeeze": _shown(squeeze, bands_known),
    }


def td_state(close: pd.Series, high: pd.Series, low: pd.Series) -> Columns:
    """TD Sequential state by session (see core.indicators.td_sequential).

    The setup (direction and count 1-9, 0 and None when none is under way) needs closes
    only. Perfection, countdown and TDST need highs and lows: the state on a session
    depends on the bars from bar 1 of the most recent completed setup 9 onwards (every
    9 starts or recycles the countdown, and its bars set the TDST it can be cancelled
    by), so those fields are unknown unless every high and low from there to the
    session is present. With no completed setup 9 yet there is no countdown (0, None)
    and no perfection.
    """
    td = td_sequential(high, low, close)
    count = td["setup_count"].to_numpy()
    latest_nine = _last_index(count == TD_SETUP_BARS)
    has_nine = latest_nine >= 0
    range_missing = np.isnan(high.to_numpy()) | np.isnan(low.to_numpy())
    ranges_known = has_nine & (_last_index(range_missing) < latest_nine - (TD_SETUP_BARS - 1))
    perfected = td["perfected"].to_numpy()[np.maximum(latest_nine, 0)]
    countdown = np.where(ranges_known, td["countdown"].to_numpy(), np.where(has_nine, np.nan, 0))
    return {
        "td.setup_direction": _shown(td["setup_direction"].to_numpy(), count > 0),
        "td.setup_count": count,
        "td.countdown": countdown.astype(np.float64),
        "td.perfected": _shown(perfected, ranges_known),
        "td.countdown_direction": _shown(td["countdown_direction"].to_numpy(), ranges_known),
        "td.tdst_support": np.where(ranges_known, td["tdst_support"].to_numpy(), np.nan),
        "td.tdst_resistance": np.where(ranges_known, td["tdst_resistance"].to_numpy(), np.nan),
    }


def _float_column(bars: pd.DataFrame, name: str) -> pd.Series:
    """A price column as float64 (all NaN when the bars have none: close-only data)."""
    if name not in bars:
        return pd.Series(np.nan, index=bars.index, dtype=np.float64)
    return bars[name].astype(np.float64)


def price_readings(
    bars: pd.DataFrame, symbol: str, user_levels: Sequence[UserLevel]
) -> pd.DataFrame:
    """The price readings of every session of the index's daily bars (columns
    open/high/low/close/volume, oldest first; high/low may be missing): one row per
    bar, on its date, the columns in the section's order (see the module docstring).
    A bar without a close has no reading of its own close (its row shows the symbol,
    the previous close and the TD state of that bar)."""
    close = _float_column(bars, "close")
    high, low = _float_column(bars, "high"), _float_column(bars, "low")
    values = close.to_numpy()
    td = td_state(close, high, low)
    columns: Columns = {
        "symbol": np.full(len(values), symbol, dtype=object),
        **price_columns(values),
        **key_level_columns(close, user_levels),
        **td,
        **milestone_flags(values),
        "ema_stack": ema_stack(close),
        **band_state(close, high, low),
    }
    return as_frame(columns, bars.index)


def as_frame(columns: Columns, index: pd.Index) -> pd.DataFrame:
    """The readings as a frame on `index`, strings and flags kept in object columns
    (pandas would infer a string dtype for them, and slowly)."""
    typed = {
        name: pd.Series(column, index=index, dtype=object, copy=False)
        if column.dtype == object
        else column
        for name, column in columns.items()
    }
    return pd.DataFrame(typed, index=index, copy=False)


def recent_history(close: pd.Series, sessions: int = CHART_SESSIONS) -> History:
    """The last `sessions` closes, oldest first, for the chart."""
    tail = close.iloc[-sessions:]
    return History(
        dates=tuple(timestamp.date() for timestamp in pd.DatetimeIndex(tail.index)),
        closes=tuple(float(value) for value in tail.to_numpy()),
    )
