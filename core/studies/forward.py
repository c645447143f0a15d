"""Forward returns and falls of a price series, for every session at once: the return
`h` sessions ahead (NaN where the horizon runs past the last session: pending, or where
a price is unknown), of one series or of one series relative to another (the return of
their ratio), the path of returns k = 1..h sessions ahead, and the deepest fall within a
horizon, min over k = 1..h of price[t+k] / price[t] − 1. Fractions here (0.0149), percent
only in `core.studies.stats`. Vectorised with numpy: a horizon is one shifted division,
a fall one sliding-window minimum over the sessions asked for."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["deepest_falls", "forward_returns", "reached", "relative"]


def relative(series: np.ndarray, to: np.ndarray) -> np.ndarray:
    """`series` relative to `to`, session by session: their ratio (NaN where either is
    unknown or `to` is not positive), whose return is the relative return."""
    a = np.asarray(series, dtype=float)
    b = np.asarray(to, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: np.ndarray = np.where(b > 0, a / b, np.nan)
    return ratio


def forward_returns(prices: np.ndarray, horizon: int) -> np.ndarray:
    """price[t + horizon] / price[t] − 1 for every session t; NaN where t + horizon is
    past the last session (pending) or either price is unknown."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    p = np.asarray(prices, dtype=float)
    out = np.full(p.size, np.nan)
    if horizon < p.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:-horizon] = p[horizon:] / p[:-horizon] - 1.0
    out[~np.isfinite(out)] = np.nan
    return out


def reached(sessions: int, horizon: int) -> np.ndarray:
    """Whether each of `sessions` sessions has `horizon` sessions after it (bool)."""
    return np.arange(sessions) + horizon < sessions


def deepest_falls(prices: np.ndarray, horizon: int, at: np.ndarray | None = None) -> np.ndarray:
    """The deepest fall within `horizon` sessions after each session in `at` (positions;
    default every session): min over k = 1..horizon of price[t+k] / price[t] − 1,
    negative or (never fell below the start) positive; NaN where the horizon is pending
    or a price in it is unknown."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    p = np.asarray(prices, dtype=float)
    if p.size <= horizon:
        size = p.size if at is None else np.asarray(at).size
        return np.full(size, np.nan)
    # Row t of the windows is price[t + 1 .. t + horizon]; rows exist for t < n - horizon.
    windows = sliding_window_view(p[1:], horizon)
    if at is None:
        starts = p[: windows.shape[0]]
        lows = windows.min(axis=1)
        out = np.full(p.size, np.nan)
        target: slice | np.ndarray = slice(0, windows.shape[0])
    else:
        where = np.asarray(at, dtype=np.intp)
        ok = where + horizon < p.size
        starts = p[where[ok]]
        lows = windows[where[ok]].min(axis=1)
        out = np.full(where.size, np.nan)
        target = ok
    with np.errstate(divide="ignore", invalid="ignore"):
        falls = lows / starts - 1.0
    out[target] = np.where(np.isfinite(falls), falls, np.nan)
    return out
