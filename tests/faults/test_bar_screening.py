"""Bars are screened at the boundary (core.sources.base.screen_bars): a bar dated on a
weekend or after today, a price that is not finite and positive, a high below the low,
or a close five times (or a fifth of) the last good one is dropped and named with its
date and why; good bars pass unchanged, and real history passes whole."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.sources.base import check_bars, screen_bars
from core.sources.files import read_bars_csv
from tests.market_data import require_market_data

TODAY = date(2026, 2, 6)


def bars(closes: list[float], days: list[str], **columns: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "open": columns.get("open", closes),
            "high": columns.get("high", [c * 1.01 for c in closes]),
            "low": columns.get("low", [c * 0.99 for c in closes]),
            "close": closes,
            "volume": [1e9] * len(closes),
        },
        index=pd.DatetimeIndex(days, name="date"),
    )
    return check_bars(frame, "test")


DAYS = ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"]


@pytest.mark.parametrize(
    ("frame", "rejected_on", "why"),
    [
        (
            bars(
                [6900, 6910, 6920, 6930], ["2026-02-02", "2026-02-03", "2026-02-05", "2026-02-07"]
            ),
            "2026-02-07",
            "a weekend",
        ),
        (
            bars(
                [6900, 6910, 6920, 6930], ["2026-02-02", "2026-02-03", "2026-02-04", "2027-03-10"]
            ),
            "2027-03-10",
            "after today",
        ),
        (bars([6900, -6798.4, 6920, 6930], DAYS), "2026-02-03", "not finite and positive"),
        (bars([6900, 0.0, 6920, 6930], DAYS), "2026-02-03", "not finite and positive"),
        (bars([6900, np.inf, 6920, 6930], DAYS), "2026-02-03", "not finite and positive"),
        (bars([6900, 1e308, 6920, 6930], DAYS), "2026-02-03", "a close of"),
        (
            bars([6900, 6910, 6920, 6930], DAYS, high=[6950, 6800, 6950, 6950]),
            "2026-02-03",
            "a high below the low",
        ),
        (bars([20.0, 1e6, 21.0, 22.0], DAYS), "2026-02-03", "a close of 1,000,000.00 after 20.00"),
    ],
)
def test_a_bad_bar_is_dropped_and_named(frame: pd.DataFrame, rejected_on: str, why: str) -> None:
    kept, lines = screen_bars(frame, "yahoo: ^GSPC", today=TODAY)
    assert pd.Timestamp(rejected_on) not in kept.index
    assert len(kept) == len(frame) - 1
    assert len(lines) == 1 and f"yahoo: ^GSPC: rejected the bar of {rejected_on}: " in lines[0]
    assert why in lines[0]


def test_a_jump_is_measured_from_the_last_good_close() -> None:
    frame = bars([20.0, 1e6, 21.0, 2e6], DAYS)
    kept, lines = screen_bars(frame, "VIX.csv", today=TODAY)
    assert kept["close"].tolist() == [20.0, 21.0] and len(lines) == 2


def test_a_real_spike_is_kept() -> None:
    # The VIX more than doubled on 2018-02-05 (17.31 → 37.32): a market move, not a print.
    frame = bars([17.31, 37.32], ["2018-02-02", "2018-02-05"])
    kept, lines = screen_bars(frame, "VIX.csv", today=TODAY)
    assert len(kept) == 2 and lines == []


def test_close_only_history_passes() -> None:
    frame = bars([6900.0, 6910.0], DAYS[:2], open=[np.nan] * 2, high=[np.nan] * 2, low=[np.nan] * 2)
    kept, lines = screen_bars(frame, "GSPC.csv", today=TODAY)
    assert len(kept) == 2 and lines == []


@pytest.mark.parametrize(
    "name", ["GSPC.csv", "VIX.csv", "RUT.csv", "IXIC.csv", "SPY.csv", "RSP.csv"]
)
def test_real_history_passes_whole(name: str) -> None:
    path = require_market_data(name) / name
    frame = read_bars_csv(path)
    kept, lines = screen_bars(frame, name, today=date.today())
    assert lines == [] and len(kept) == len(frame)
