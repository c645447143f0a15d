"""Bars are screened at the boundary (core.sources.base.screen_bars): a bar dated on a
weekend, a weekday the NYSE was closed, or after today, a price that is not finite and
positive, a high below the low, or a close five times (or a fifth of) the last good one
is dropped and named with its date and why; good bars pass unchanged, and real history
passes whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.sources.base import DataFormatError, PartialDataError, check_bars, screen_bars
from core.sources.files import FilesSource, read_bars_csv
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
            # Martin Luther King Jr. Day 2026 (a Monday), then the storm closing of 2012-10-29.
            bars(
                [6900, 6910, 6920, 6930], ["2026-01-15", "2026-01-16", "2026-01-19", "2026-01-20"]
            ),
            "2026-01-19",
            "not an NYSE session (a holiday)",
        ),
        (
            bars(
                [1410, 1411, 1412, 1413], ["2012-10-25", "2012-10-26", "2012-10-29", "2012-10-31"]
            ),
            "2012-10-29",
            "not an NYSE session (a holiday)",
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
    kept, rejected = screen_bars(frame, today=TODAY)
    assert pd.Timestamp(rejected_on) not in kept.index
    assert len(kept) == len(frame) - 1
    assert len(rejected) == 1 and rejected[0].session == date.fromisoformat(rejected_on)
    line = rejected[0].line("yahoo: ^GSPC")
    assert line.startswith(f"yahoo: ^GSPC: rejected the bar of {rejected_on}: ") and why in line


def test_a_jump_is_measured_from_the_last_good_close() -> None:
    frame = bars([20.0, 1e6, 21.0, 2e6], DAYS)
    kept, rejected = screen_bars(frame, today=TODAY)
    assert kept["close"].tolist() == [20.0, 21.0] and len(rejected) == 2


def test_a_real_spike_is_kept() -> None:
    # The VIX more than doubled on 2018-02-05 (17.31 → 37.32): a market move, not a print.
    frame = bars([17.31, 37.32], ["2018-02-02", "2018-02-05"])
    kept, rejected = screen_bars(frame, today=TODAY)
    assert len(kept) == 2 and rejected == []


def test_close_only_history_passes() -> None:
    frame = bars([6900.0, 6910.0], DAYS[:2], open=[np.nan] * 2, high=[np.nan] * 2, low=[np.nan] * 2)
    kept, rejected = screen_bars(frame, today=TODAY)
    assert len(kept) == 2 and rejected == []


@pytest.mark.parametrize(
    "name", ["GSPC.csv", "VIX.csv", "RUT.csv", "IXIC.csv", "SPY.csv", "RSP.csv"]
)
def test_real_history_passes_whole(name: str) -> None:
    path = require_market_data(name) / name
    frame = read_bars_csv(path)
    kept, rejected = screen_bars(frame, today=date.today())
    assert rejected == [] and len(kept) == len(frame)


def test_a_bad_bar_in_a_file_names_its_line_and_costs_only_its_symbol(tmp_path: Path) -> None:
    (tmp_path / "GSPC.csv").write_text(
        "Date,Close\n2026-02-02,6900\n2026-02-03,6910\n", encoding="utf-8"
    )
    (tmp_path / "VIX.csv").write_text(
        "Date,Close\n2026-02-02,17.5\n2026-02-03,-18.0\n", encoding="utf-8"
    )
    source = FilesSource(tmp_path)
    with pytest.raises(PartialDataError) as caught:
        source.daily_bars(["^GSPC", "^VIX"], date(2026, 1, 1), date(2026, 2, 6))
    assert caught.value.missing == ("^VIX",) and list(caught.value.partial) == ["^GSPC"]
    assert str(caught.value) == (
        f"{tmp_path / 'VIX.csv'}, line 3: 2026-02-03 has a price that is not finite and positive"
    )
    with pytest.raises(DataFormatError):  # the only symbol asked for
        source.daily_bars(["^VIX"], date(2026, 1, 1), date(2026, 2, 6))


def test_the_first_bar_is_measured_against_the_close_before_it() -> None:
    frame = bars([7000.0, 6990.0], DAYS[:2])
    kept, rejected = screen_bars(frame, today=TODAY, previous=700.0)  # a tenfold jump
    assert [bar.session for bar in rejected] == [date(2026, 2, 2), date(2026, 2, 3)]
    assert kept.empty
    kept, rejected = screen_bars(frame, today=TODAY, previous=6980.0)
    assert rejected == [] and len(kept) == 2
