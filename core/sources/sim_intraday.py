"""The simulated market's intraday bars: a session's 5-minute bars read off the same
intraday bridge that its live quotes and daily bars are read off (`core.sources.sim`),
so the last bar's close at the clock's time is the quote at that time, the first bar's
open is the session's open, and a closed session's bars end at its daily close. Each
bar's open and close are the bridge's price at its start and end (the clock's time for
the bar in progress), its high and low the extremes of those and of the bridge's grid
points in between, and its volume the session's volume in proportion to the bar's
share of regular hours. The simulated market trades in regular hours only: no pre- or
after-hours bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.sources.base import BAR_COLUMNS, INTRADAY_MINUTES, empty_intraday

if TYPE_CHECKING:
    from core.sources.sim import _Path

INTERVAL_NS = INTRADAY_MINUTES * 60 * 1_000_000_000
"""The bars' length, in nanoseconds."""


def session_bars(
    path: _Path, line: np.ndarray, session: int, upto_ns: int, symbol: str
) -> pd.DataFrame:
    """The 5-minute bars of `symbol` in `session` (a row of the path) from its open to
    `upto_ns` (ns since the epoch, clipped to the session's close), read off `line`,
    the session's log path on the bridge's grid."""
    from core.sources.sim import GRID_STEPS, OVERNIGHT_SHARE, _bridge_time, _price_on_grid

    opened, closed = int(path.open_ns[session]), int(path.close_ns[session])
    end = min(upto_ns, closed)
    if end <= opened:
        return empty_intraday()
    ends = path.closes[symbol][session : session + 2]
    grid = np.exp(line)
    grid[0], grid[-1] = float(ends[0]), float(ends[1])

    def price(moment: int) -> tuple[float, float]:
        """The bridge's price at `moment` and its position on the grid."""
        position = _bridge_time(path, session, moment) * GRID_STEPS
        step = min(int(position), GRID_STEPS - 1)
        return _price_on_grid(line, step, position - step, ends), position

    starts = np.arange(opened, end, INTERVAL_NS, dtype="int64")
    rows = np.empty((len(starts), len(BAR_COLUMNS)))
    volume = float(path.bars[symbol][session, 4])
    first, first_position = price(opened)
    for row, start in enumerate(starts.tolist()):
        stop = min(start + INTERVAL_NS, end)
        last, last_position = price(stop)
        inside = grid[int(np.floor(first_position)) + 1 : int(np.ceil(last_position))]
        high = max(first, last, float(inside.max()) if inside.size else first)
        low = min(first, last, float(inside.min()) if inside.size else first)
        share = (last_position - first_position) / GRID_STEPS / (1 - OVERNIGHT_SHARE)
        rows[row] = (first, high, low, last, volume * share)
        first, first_position = last, last_position
    if symbol.startswith("^VIX"):
        rows[:, 4] = np.nan
    index = pd.DatetimeIndex(pd.to_datetime(starts, utc=True)).tz_convert(NEW_YORK)
    return pd.DataFrame(rows, index=index.rename("time"), columns=list(BAR_COLUMNS))
