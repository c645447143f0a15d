"""What the signal modules share: a flag reading (index up with VIX up, a 52-week high,
the Nasdaq confirming) is worked out as 1.0/0.0/NaN in float arrays and stored as an
object column of Python bools and None, as a Snapshot holds it."""

from __future__ import annotations

import numpy as np
import pandas as pd


def flag_column(values: np.ndarray, sessions: pd.DatetimeIndex) -> pd.Series:
    """1.0/0.0/NaN as True/False/None (an object Series on `sessions`)."""
    column = np.full(len(values), None, dtype=object)
    known = ~np.isnan(values)
    column[known] = values[known] == 1.0  # stored as Python bools
    return pd.Series(column, sessions, object)
