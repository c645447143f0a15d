"""Synthetic histories for the study tests: a frame of readings whose condition column
is set by hand (`context.rut_win_streak`, an int reading; None where unknown) and price
series whose forward returns are known by construction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.config import Settings
from core.studies.study import Study

SETTINGS = Settings()
INDEX = SETTINGS.symbols.index
SMALL = SETTINGS.symbols.small_caps


def sessions(count: int, start: str = "2000-01-03") -> pd.DatetimeIndex:
    """`count` weekday sessions."""
    return pd.bdate_range(start, periods=count, name="session")


def readings(streaks: Sequence[int | None], **columns: Sequence[Any]) -> pd.DataFrame:
    """A readings frame: `context.rut_win_streak` per session (None: unknown), and any
    other columns by dotted name (pass them as `**{"price.last": [...]}`)."""
    index = sessions(len(streaks))
    frame = pd.DataFrame(
        {"context.rut_win_streak": pd.array(list(streaks), dtype="Int64"), **columns},
        index=index,
    )
    return frame


def study(**fields: Any) -> Study:
    """A study of `context.rut_win_streak >= 3` on the index (fields override)."""
    base: dict[str, Any] = {
        "id": "streak",
        "title": "Streak",
        "definition": "three up sessions or more",
        "condition": "context.rut_win_streak >= 3",
        "horizons": (1, 2, 5),
        "headline": 2,
        "cooldown": 3,
    }
    return Study(**(base | fields))


def geometric(count: int, step: float = 0.01, start: float = 100.0) -> np.ndarray:
    """A price that rises by `step` every session: every h-session return is (1+step)^h − 1."""
    return start * (1.0 + step) ** np.arange(count)


def prices(index: pd.Index, values: Sequence[float] | np.ndarray) -> pd.Series:
    """Closes on `index`."""
    return pd.Series(np.asarray(values, dtype=float), index=index)
