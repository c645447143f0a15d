"""Shared machinery of the indicator library: argument checks, the missing-data policy
and the numeric kernels that several families use. The policy is one rule: an indicator
is computed over the bars on which all of its inputs are present, in order, as if the
other bars did not exist, and it is NaN on the bars with a missing input (so a gap in the
data is skipped, never filled, and never makes a later value depend on a later bar). The
kernels are an SMA-seeded exponential recursion (EMA, Wilder's smoothing) and an exact
per-window rolling standard deviation; both give a value at bar t that depends only on
bars up to t, bit for bit, whatever follows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = np.ndarray
"""A one-dimensional float64 numpy array."""

_STD_CHUNK_ELEMENTS = 1 << 20
"""Bound on the temporary window matrix of `rolling_std` (elements per chunk)."""


def check_length(name: str, value: int, minimum: int = 1) -> None:
    """Raise ValueError unless `value` is an int (not a bool) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def check_series(**series: pd.Series) -> pd.Index:
    """Check that every argument is a Series on one common index; return that index."""
    index: pd.Index | None = None
    for name, s in series.items():
        if not isinstance(s, pd.Series):
            raise TypeError(f"{name} must be a pandas Series, got {type(s).__name__}")
        if index is None:
            index = s.index
        elif not (s.index is index or s.index.equals(index)):
            raise ValueError(f"{name} is not on the same index as the other inputs")
    assert index is not None
    return index


def as_float(s: pd.Series) -> FloatArray:
    """The values of `s` as a float64 array (non-finite values become NaN)."""
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        values = np.where(np.isfinite(values), values, np.nan)
    return values


def on_present(kernel: Callable[..., FloatArray], *columns: FloatArray) -> FloatArray:
    """Apply `kernel` to the bars where every column is present; NaN on the others.

    The kernel receives the compacted (NaN-free) columns and returns one float array of
    the compacted length; the result is scattered back onto the full length.
    """
    present = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        present &= ~np.isnan(column)
    if present.all():
        return kernel(*columns)
    out = np.full(len(columns[0]), np.nan)
    out[present] = kernel(*(column[present] for column in columns))
    return out


def seeded_recursion(values: FloatArray, length: int, alpha: float) -> FloatArray:
    """y[length-1] = mean(values[:length]); y[t] = y[t-1] + alpha * (values[t] - y[t-1]).

    This is TA-Lib's seeding of EMA (alpha 2/(n+1)) and of Wilder's smoothing (alpha 1/n,
    RSI and ATR). `values` must be free of NaN; the result is NaN before bar length-1.
    """
    n = len(values)
    out = np.full(n, np.nan)
    if n < length:
        return out
    tail = values[length - 1 :].copy()
    tail[0] = values[:length].mean()
    smoothed = pd.Series(tail).ewm(alpha=alpha, adjust=False).mean()
    out[length - 1 :] = smoothed.to_numpy(dtype=np.float64)
    return out


def rolling_mean(values: FloatArray, length: int) -> FloatArray:
    """Mean of each trailing window of `length` values (NaN before bar length-1)."""
    return pd.Series(values).rolling(length, min_periods=length).mean().to_numpy(dtype=np.float64)


def rolling_std(values: FloatArray, length: int, ddof: int) -> FloatArray:
    """Two-pass standard deviation of each trailing window of `length` values.

    Exact per window (no running sums), so the value at bar t depends only on its own
    window. NaN before bar length-1, and where length <= ddof.
    """
    n = len(values)
    out = np.full(n, np.nan)
    if n < length or length <= ddof:
        return out
    windows = sliding_window_view(values, length)
    rows = max(1, _STD_CHUNK_ELEMENTS // length)
    for start in range(0, len(windows), rows):
        chunk = windows[start : start + rows]
        out[length - 1 + start : length - 1 + start + len(chunk)] = chunk.std(axis=1, ddof=ddof)
    return out


def to_series(values: FloatArray, index: pd.Index, name: str) -> pd.Series:
    """Wrap a result array as a float Series on the input's index."""
    return pd.Series(values, index=index, name=name, dtype=np.float64)
