"""Memory that the data paths need not hold: the simulated market's generation keeps
its temporaries to a chunk of sessions (not several copies of the members' whole
history), reading the members' closes back from the store makes one grid (not a copy
and a re-sorted copy of it), and the breadth section reuses its members' readings
between live cycles without keeping the members' panel alive. Allocation peaks are
read with tracemalloc (numpy reports its buffers to it): counts of bytes, not times."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from core.sections import breadth as breadth_section
from core.session import session_times
from core.signals.breadth import breadth_frame
from core.sources import sim
from core.sources.base import MemberPanel
from core.store import Store

T = TypeVar("T")


def peak_bytes(work: Callable[[], T]) -> tuple[T, int]:
    """What `work` returns, and the most it had allocated at once beyond what was
    allocated before it ran."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = work()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_generating_the_simulated_market_holds_no_copies_of_the_members_history() -> None:
    session_times(date.min)  # the schedule is read once per process, whoever asks first
    path, peak = peak_bytes(lambda: sim._generate(7000, 300))
    history = path.member_closes.nbytes
    # It keeps the members' closes; less than as much again passes through on top (it
    # was seven times as much: returns, log prices, caps and their masked copies).
    assert peak < 2 * history, (peak, history)


def test_reading_the_members_back_makes_one_grid(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    sessions = pd.bdate_range("2023-01-02", periods=400, name="date")
    tickers = [f"T{i:03d}" for i in range(300)][::-1]  # ids given out of ticker order
    closes = pd.DataFrame(rng.uniform(10, 500, (400, 300)), index=sessions, columns=tickers)
    with Store(tmp_path / "regime.sqlite") as store:
        store.upsert_members(closes)
        read, peak = peak_bytes(lambda: store.members(date(2023, 1, 1), date(2024, 12, 31)))
    assert read is not None
    pd.testing.assert_frame_equal(read, closes[sorted(tickers)], check_freq=False)
    grid = read.shape[0] * read.shape[1] * 8
    # The rows as read (16 bytes per close, grown as read), the grid and its row and
    # column positions; no copy of the grid (it was nine times the grid).
    assert peak < 7 * grid, (peak, grid)


def _members(seed: int = 3) -> MemberPanel:
    rng = np.random.default_rng(seed)
    sessions = pd.bdate_range("2024-01-01", periods=320, name="date")
    walk = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (320, 40)), axis=0))
    closes = pd.DataFrame(walk, index=sessions, columns=[f"M{i:02d}" for i in range(40)])
    info = pd.DataFrame({"weight": np.full(40, 1 / 40)}, index=closes.columns)
    return MemberPanel(closes=closes, info=info)


def test_breadth_reuses_the_members_readings_of_the_same_panel_with_the_same_numbers() -> None:
    panel = _members()
    last = breadth_section.HISTORY_SESSIONS
    first = breadth_section._frame(panel, None, None, last=last)
    kept = breadth_section._LAST_MEMBERS.readings(panel.closes, last)
    again = breadth_section._frame(panel, None, None, last=last)

    assert breadth_section._LAST_MEMBERS.readings(panel.closes, last) is kept
    fresh = breadth_frame(panel.closes, None, None, last=last).add_prefix("breadth.")
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(again, fresh)


def test_breadth_recomputes_for_another_panel_even_an_equal_one() -> None:
    panel = _members()
    last = breadth_section.HISTORY_SESSIONS
    kept = breadth_section._LAST_MEMBERS.readings(panel.closes, last)
    copy = panel.closes.copy()
    assert breadth_section._LAST_MEMBERS.readings(copy, last) is not kept
    changed = copy.copy()
    changed.iloc[-1] *= 1.5  # the last session jumps: every member above its averages
    moved = breadth_section._LAST_MEMBERS.readings(changed, last)
    assert kept.columns["pct_above_50dma"][-1] < 100.0
    assert moved.columns["pct_above_50dma"][-1] == 100.0


def test_breadth_keeps_no_members_panel_alive() -> None:
    panel = _members()
    breadth_section._frame(panel, None, None, last=breadth_section.HISTORY_SESSIONS)
    gone = weakref.ref(panel.closes)
    del panel
    gc.collect()
    assert gone() is None
