"""Swing pivots with `left`/`right` bars, dated without look-ahead. A pivot high at bar i
is a value strictly greater than each of the `left` values before it and greater than or
equal to each of the `right` values after it (a pivot low: strictly less than the left
values, less than or equal to the right ones). So a flat top of equal values yields one
pivot, at its first bar, and a later equal high never forms a second one. A pivot needs
all `left` + 1 + `right` values present; it can only be known `right` bars after the
extreme, so each pivot carries both dates: `pivot_date` (the bar of the extreme) and
`confirmed_date` (the bar `right` bars later, the first bar on which it exists). Unlike
the other indicators this returns one row per pivot, in order, not one row per bar."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from core.indicators._common import as_float, check_length, check_series

__all__ = ["PIVOT_COLUMNS", "swing_pivots"]

PIVOT_COLUMNS = ("pivot_date", "confirmed_date", "value", "pivot_pos", "confirmed_pos")


def _pivot_positions(values: np.ndarray, left: int, right: int) -> np.ndarray:
    """Positions of pivot highs of `values` (NaN never qualifies)."""
    n = len(values)
    span = left + 1 + right
    if n < span:
        return np.empty(0, dtype=np.int64)
    centre = values[left : n - right]
    ok = ~np.isnan(centre)
    if left:
        before = sliding_window_view(values[: n - right - 1], left)
        with np.errstate(invalid="ignore"):
            ok &= (centre[:, None] > before).all(axis=1)
    if right:
        after = sliding_window_view(values[left + 1 :], right)
        with np.errstate(invalid="ignore"):
            ok &= (centre[:, None] >= after).all(axis=1)
    return np.flatnonzero(ok).astype(np.int64) + left


def swing_pivots(
    values: pd.Series,
    left: int = 5,
    right: int = 5,
    kind: Literal["high", "low"] = "high",
) -> pd.DataFrame:
    """Swing pivot highs (or lows) of `values`, one row per pivot (see module docstring).

    Columns: pivot_date, confirmed_date (index labels), value, pivot_pos, confirmed_pos
    (integer positions, confirmed_pos = pivot_pos + right).
    """
    check_length("left", left, minimum=0)
    check_length("right", right, minimum=0)
    if kind not in ("high", "low"):
        raise ValueError(f"kind must be 'high' or 'low', got {kind!r}")
    index = check_series(values=values)
    data = as_float(values)
    positions = _pivot_positions(data if kind == "high" else -data, left, right)
    confirmed = positions + right
    return pd.DataFrame(
        {
            "pivot_date": index[positions],
            "confirmed_date": index[confirmed],
            "value": data[positions],
            "pivot_pos": positions,
            "confirmed_pos": confirmed,
        }
    )
