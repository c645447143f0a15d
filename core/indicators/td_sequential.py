"""DeMARK TD Sequential, per bar, as Perl publishes it ("DeMark Indicators", 2008), with
the following exact rules. Price flip: a "buy" flip (bearish: it starts a buy setup) is
a bar whose close < the close 4 bars earlier after a bar whose close > the close 4 bars
before it; a "sell" flip is the mirror. Setup: the flip bar is buy setup bar 1 and each
following bar with close < close 4 bars earlier adds one; any other bar (close ≥
close[-4], or a missing value) ends it. Bars 1-9 are numbered; the run may go on past 9
unnumbered (a new setup needs a new flip). Sell setups mirror this with close >
close[-4]. Perfection, judged on bar 9 only: a buy 9 is perfected when the low of bar 8
or of bar 9 is ≤ the lows of both bars 6 and 7 (sell: a high of bar 8 or 9 ≥ the highs
of bars 6 and 7). True high and true low: a bar's high or low stretched to the prior
close (max(high, prior close), min(low, prior close)), so a gap counts. TDST: a
completed buy setup sets `tdst_resistance` = the highest true high of its bars 1-9, a
completed sell setup sets `tdst_support` = the lowest true low of its bars 1-9, each
carried forward until the next setup of that direction completes (a NaN value in the
setup makes the line NaN). Countdown: a completed buy setup starts a buy countdown on its
bar 9 (bar 9 itself may count); every bar with close ≤ the low 2 bars earlier counts
one, not necessarily consecutive; the bar that would be 13 must also have low ≤ the
close of countdown bar 8, otherwise 13 is deferred (`countdown_deferred` is True, the
count stays at 12) until a later counting bar meets it; on 13 the countdown is complete
and ends. Sell countdown mirrors it (close ≥ high 2 bars earlier; 13 needs high ≥ close
of bar 8). On each bar, in this order: a completed buy setup 9 cancels an active sell
countdown and starts a buy countdown, or, if a buy countdown is active, recycles it
(restarts from 0 with the new setup's TDST); a buy setup reaching its 18th bar recycles
the buy countdown the same way (Perl's recycle qualifier: eighteen consecutive closes
below the close 4 bars earlier; a countdown is started if none is active, and TDST
stays that of bars 1-9); sell setups do the mirror; otherwise an active buy countdown
is cancelled by a bar whose true low is above `tdst_resistance` (the whole bar, and its
gap from the prior close, above the setup's true high) and an active sell countdown by
a true high below `tdst_support`; then the bar may count. `countdown_direction`/
`countdown` show the active countdown and its count so far on every bar (0 while armed
and before the first counting bar; 0 and None when none is active; 13 on the completing
bar only); `countdown_bar` marks the bars that advanced it. Setup columns and flips are
vectorised; the countdown's state machine is one pass over the few setup 9s and 18s
and the bars that can count. A missing close, high or low makes every comparison it
enters false (no flip, the setup ends, the bar does not count, no perfection, no
cancellation); bars are never skipped. Every value at bar t depends only on bars up to
t."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np
import pandas as pd

from core.indicators._common import as_float, check_series

__all__ = ["TD_COLUMNS", "td_sequential"]

TD_COLUMNS = (
    "price_flip",
    "setup_direction",
    "setup_count",
    "perfected",
    "countdown_direction",
    "countdown",
    "countdown_bar",
    "countdown_deferred",
    "tdst_support",
    "tdst_resistance",
)

_SETUP_BARS = 9
_COUNTDOWN_BARS = 13
_RECYCLE_BARS = 18
"""A setup that runs on to its 18th bar recycles the countdown (Perl, "TD Sequential
Countdown Recycle Qualifier")."""
_LABELS = np.array([None, "buy", "sell"], dtype=object)
"""Direction label by code: 0 none, 1 buy, 2 sell."""


def _lag(values: np.ndarray, bars: int, fill: float | bool) -> np.ndarray:
    """`values` shifted `bars` later, the first `bars` entries set to `fill`."""
    out = np.full(len(values), fill, dtype=values.dtype)
    if bars < len(values):
        out[bars:] = values[: len(values) - bars]
    return out


def _last_true(mask: np.ndarray) -> np.ndarray:
    """For each bar, the position of the last True at or before it, else -1."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))


def _setup_run(condition: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """Each bar's place in a setup (1, 2, ...; else 0): runs of `condition` that begin
    on a flip, numbered on past 9."""
    run_start = condition & ~_lag(condition, 1, False)
    start = np.maximum(_last_true(run_start), 0)
    position = np.arange(len(condition)) - start + 1
    return np.where(condition & flip[start], position, 0)


def _tdst(completed: np.ndarray, extreme: np.ndarray, use_max: bool) -> np.ndarray:
    """Carried-forward TDST line: the extreme of bars 1-9 of each completed setup
    (`extreme`: the true highs or the true lows)."""
    n = len(completed)
    ends = np.flatnonzero(completed)
    level = np.full(n, np.nan)
    if len(ends):
        windows = extreme[ends[:, None] + np.arange(1 - _SETUP_BARS, 1)]
        level[ends] = windows.max(axis=1) if use_max else windows.min(axis=1)
    last = _last_true(completed)
    return np.where(last >= 0, level[np.maximum(last, 0)], np.nan)


def _countdown(
    close: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    starts: tuple[np.ndarray, np.ndarray],
    true_range: tuple[np.ndarray, np.ndarray],
    tdst: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The countdown state machine: (direction code, count, counted bar, deferred bar).
    `starts`: the buy and sell bars that start a countdown (setup bars 9 and 18);
    `true_range`: the true highs and true lows; `tdst`: resistance and support.

    Every start opens a segment that runs until the next start (which cancels or
    recycles it), a cancelling bar, or its qualified 13. Within a segment
    only its counting bars matter, so the loop runs once per setup 9 and handles the
    first 12 counting bars in bulk; the state is recorded where it changes and carried
    forward between records.
    """
    n = len(close)
    (buy_start, sell_start), (true_high, true_low) = starts, true_range
    resistance, support = tdst
    with np.errstate(invalid="ignore"):
        counts = {
            1: np.flatnonzero(close <= _lag(low, 2, np.nan)).tolist(),
            2: np.flatnonzero(close >= _lag(high, 2, np.nan)).tolist(),
        }
        # The whole bar, with the gap from the prior close, beyond the setup's range.
        cancels = {
            1: np.flatnonzero(true_low > resistance).tolist(),
            2: np.flatnonzero(true_high < support).tolist(),
        }
    start_bars = np.flatnonzero(buy_start | sell_start).tolist()
    is_buy_start = buy_start.tolist()

    # Records: position, direction and count shown there, and carried after it.
    at: list[int] = []
    shown_dir: list[int] = []
    shown_count: list[int] = []
    after_dir: list[int] = []
    after_count: list[int] = []
    counted_at: list[int] = []
    deferred_at: list[int] = []
    last_plain = _COUNTDOWN_BARS - 1

    for k, start in enumerate(start_bars):
        direction = 1 if is_buy_start[start] else 2
        following = start_bars[k + 1] if k + 1 < len(start_bars) else n
        cancel_bars = cancels[direction]
        i = bisect_right(cancel_bars, start)
        cancel = cancel_bars[i] if i < len(cancel_bars) else n
        stop = min(following, cancel)
        count_bars = counts[direction]
        first = bisect_left(count_bars, start)
        bars = count_bars[first : bisect_left(count_bars, stop, lo=first)]
        if not bars or bars[0] != start:
            at.append(start)
            shown_dir.append(direction)
            shown_count.append(0)
            after_dir.append(direction)
            after_count.append(0)
        plain = bars[:last_plain]
        m = len(plain)
        at.extend(plain)
        counted_at.extend(plain)
        shown_dir.extend([direction] * m)
        shown_count.extend(range(1, m + 1))
        after_dir.extend([direction] * m)
        after_count.extend(range(1, m + 1))
        done = False
        if len(bars) > last_plain:
            close8 = close[bars[7]]
            extreme = low if direction == 1 else high
            for t in bars[last_plain:]:
                bar13 = extreme[t] <= close8 if direction == 1 else extreme[t] >= close8
                if not bar13:
                    deferred_at.append(t)
                    continue
                at.append(t)
                counted_at.append(t)
                shown_dir.append(direction)
                shown_count.append(_COUNTDOWN_BARS)
                after_dir.append(0)
                after_count.append(0)
                done = True
                break
        if not done and cancel < following:
            at.append(cancel)
            shown_dir.append(0)
            shown_count.append(0)
            after_dir.append(0)
            after_count.append(0)

    positions = np.asarray(at, dtype=np.int64)
    is_record = np.zeros(n, dtype=bool)
    is_record[positions] = True
    last = _last_true(is_record)
    carried = last >= 0
    source = np.maximum(last, 0)
    after_dir_arr = np.zeros(n, dtype=np.int64)
    after_count_arr = np.zeros(n, dtype=np.int64)
    after_dir_arr[positions] = after_dir
    after_count_arr[positions] = after_count
    direction_code = np.where(carried, after_dir_arr[source], 0)
    countdown = np.where(carried, after_count_arr[source], 0)
    direction_code[positions] = shown_dir
    countdown[positions] = shown_count
    counted = np.zeros(n, dtype=bool)
    counted[counted_at] = True
    deferred = np.zeros(n, dtype=bool)
    deferred[deferred_at] = True
    return direction_code, countdown, counted, deferred


def td_sequential(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.DataFrame:
    """TD Sequential per bar (see module docstring); columns as in TD_COLUMNS."""
    index = check_series(high=high, low=low, close=close)
    h, lo, c = as_float(high), as_float(low), as_float(close)
    n = len(c)

    with np.errstate(invalid="ignore"):
        close4 = _lag(c, 4, np.nan)
        below = c < close4
        above = c > close4
    buy_flip = below & _lag(above, 1, False)
    sell_flip = above & _lag(below, 1, False)
    buy_run = _setup_run(below, buy_flip)
    sell_run = _setup_run(above, sell_flip)
    buy_count = np.where(buy_run <= _SETUP_BARS, buy_run, 0)
    sell_count = np.where(sell_run <= _SETUP_BARS, sell_run, 0)
    buy9 = buy_run == _SETUP_BARS
    sell9 = sell_run == _SETUP_BARS

    perfected = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        for nine, ext, better in ((buy9, lo, np.less_equal), (sell9, h, np.greater_equal)):
            t = np.flatnonzero(nine)
            b6, b7, b8, b9 = ext[t - 3], ext[t - 2], ext[t - 1], ext[t]
            perfected[t] = (better(b8, b6) & better(b8, b7)) | (better(b9, b6) & better(b9, b7))

    prior_close = _lag(c, 1, np.nan)
    true_high, true_low = np.maximum(h, prior_close), np.minimum(lo, prior_close)
    resistance = _tdst(buy9, true_high, use_max=True)
    support = _tdst(sell9, true_low, use_max=False)
    direction, countdown, counted, deferred = _countdown(
        c,
        h,
        lo,
        (buy9 | (buy_run == _RECYCLE_BARS), sell9 | (sell_run == _RECYCLE_BARS)),
        (true_high, true_low),
        (resistance, support),
    )

    flip_code = np.where(buy_flip, 1, np.where(sell_flip, 2, 0))
    setup_code = np.where(buy_count > 0, 1, np.where(sell_count > 0, 2, 0))
    return pd.DataFrame(
        {
            "price_flip": pd.Series(_LABELS[flip_code], index=index, dtype=object),
            "setup_direction": pd.Series(_LABELS[setup_code], index=index, dtype=object),
            "setup_count": pd.Series(buy_count + sell_count, index=index, dtype=np.int64),
            "perfected": pd.Series(perfected, index=index, dtype=bool),
            "countdown_direction": pd.Series(_LABELS[direction], index=index, dtype=object),
            "countdown": pd.Series(countdown, index=index, dtype=np.int64),
            "countdown_bar": pd.Series(counted, index=index, dtype=bool),
            "countdown_deferred": pd.Series(deferred, index=index, dtype=bool),
            "tdst_support": pd.Series(support, index=index, dtype=np.float64),
            "tdst_resistance": pd.Series(resistance, index=index, dtype=np.float64),
        },
        index=index,
    )
