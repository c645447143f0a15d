"""A long members' load (issue 9, item 7): in the loop, a cold start publishes live
prices before the members finish, the breadth panel saying that they load, with their
progress (counts, then time left), and its readings once they are in; a load that
fails mid-way is one line and is retried; never two loads at once; a lone refresh
still loads them inline. `core.progress.Progress` itself: counts, pace, time left."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from core import engine as engine_module
from core.clock import NEW_YORK
from core.columns import flatten
from core.engine import LOADING_MEMBERS, Backoff, Engine
from core.progress import Progress, members_progress
from core.snapshot import Snapshot
from core.sources.base import MemberPanel, RateLimitError
from tests.fake_source import FakeSource
from tests.test_engine import index_source, make_engine, sessions

MEMBERS = 30
CHUNK = 10


def member_closes() -> pd.DataFrame:
    days = sessions()
    rng = np.random.default_rng(3)
    walk = np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), MEMBERS)), axis=0))
    return pd.DataFrame(100 * walk, index=days, columns=[f"M{n:03d}" for n in range(MEMBERS)])


class ChunkedMembers(FakeSource):
    """Members loaded in chunks of CHUNK tickers, each let through by the test
    (`release`), reporting to `members_progress`; the chunk numbered `fail_at` raises
    a rate limit (once)."""

    def __init__(self) -> None:
        base = index_source()
        super().__init__(base.bars, MemberPanel(closes=member_closes()))
        self.members_progress = Progress("members", "tickers")
        self.chunks = threading.Semaphore(0)
        self.fail_at: int | None = None
        self.loading = 0
        self.most_loading = 0
        self._count = threading.Lock()

    def release(self, chunks: int = 1) -> None:
        for _ in range(chunks):
            self.chunks.release()

    def members(self, start: date, end: date) -> MemberPanel | None:
        with self._count:
            self.member_calls += 1
            self.loading += 1
            self.most_loading = max(self.most_loading, self.loading)
        try:
            self.members_progress.begin(MEMBERS)
            for number in range(MEMBERS // CHUNK):
                assert self.chunks.acquire(timeout=30), "the test never let the chunk through"
                if number == self.fail_at:
                    self.fail_at = None
                    raise RateLimitError(f"yahoo: members' closes of chunk {number}: rate limited")
                self.members_progress.advance(CHUNK)
            return self.member_panel
        finally:
            self.members_progress.end()
            with self._count:
                self.loading -= 1


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress is re-published every 20 ms rather than every second."""
    monkeypatch.setattr(engine_module, "PROGRESS_EVERY", 0.02)


async def published_until(
    published: list[Snapshot], wanted: Callable[[Snapshot], bool], seen: int = 0
) -> Snapshot:
    """The first Snapshot published from index `seen` on that is `wanted` (waiting for it)."""
    for _ in range(1500):
        for snapshot in published[seen:]:
            if wanted(snapshot):
                return snapshot
        await asyncio.sleep(0.01)
    raise AssertionError("no such Snapshot was published")


def loop_engine(source: FakeSource, **kwargs: object) -> Engine:
    return make_engine(source, members_grace=0.05, **kwargs)


async def test_a_cold_start_is_live_before_the_members_and_breadth_shows_their_progress() -> None:
    source = ChunkedMembers()
    engine = loop_engine(source)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda s: s.price.last is not None)
        # Prices are live while no member has come back: breadth says they load.
        assert first.price.status.state == "LIVE"
        assert first.breadth.pct_above_200dma is None
        assert first.breadth.status.detail == LOADING_MEMBERS
        assert first.breadth.status.progress is not None
        assert first.price.status.progress is None  # only the panels the members feed
        source.release()
        counted = await published_until(
            published,
            lambda s: (
                s.breadth.status.progress is not None and s.breadth.status.progress.done == CHUNK
            ),
        )
        progress = counted.breadth.status.progress
        assert progress is not None
        assert (progress.what, progress.total, progress.unit) == ("members", MEMBERS, "tickers")
        assert progress.seconds_left is not None and progress.seconds_left >= 0
        assert counted.price.last == first.price.last  # a progress tick, not a cycle
        # In the JSON (`regime snapshot`), and no reading of a history.
        assert '"progress":{"what":"members","done":10,"total":30' in counted.model_dump_json()
        assert not any("progress" in column for column in flatten(counted.breadth, "breadth"))
        source.release(2)
        done = await published_until(published, lambda s: s.breadth.members == MEMBERS)
        assert done.breadth.pct_above_200dma is not None
        assert done.breadth.status.progress is None
        assert (
            done.breadth.status.detail is None or LOADING_MEMBERS not in done.breadth.status.detail
        )
    finally:
        task.cancel()
    assert source.member_calls == 1


async def test_a_members_failure_mid_load_is_one_line_and_retried() -> None:
    source = ChunkedMembers()
    source.fail_at = 1
    engine = loop_engine(source, backoff=Backoff(first=0.05, jitter=0.0))
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, lambda s: s.price.last is not None)
        source.release(2)  # the first chunk comes, the second is rate limited
        failed = await published_until(
            published, lambda s: "rate limited" in (s.breadth.status.detail or "")
        )
        line = failed.breadth.status.detail or ""
        assert "\n" not in line and "retrying within" in line
        assert failed.price.last is not None  # the prices stay on show
        # The retry is a second load, which this time runs to its end.
        source.release(MEMBERS // CHUNK)
        done = await published_until(published, lambda s: s.breadth.members == MEMBERS)
        assert (
            done.breadth.status.detail is None or "rate limited" not in done.breadth.status.detail
        )
    finally:
        task.cancel()
    assert source.member_calls == 2
    assert source.most_loading == 1


async def test_no_second_members_load_starts_while_one_runs() -> None:
    source = ChunkedMembers()
    moments = [datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)]
    engine = loop_engine(source, clock=lambda: moments[-1])
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, lambda s: s.price.last is not None)
        # Cycle after cycle, well past the members' cadence, while the load runs.
        for hours in range(1, 6):
            moments.append(moments[0] + timedelta(hours=hours))
            seen = len(published)
            engine.refresh_now()
            await published_until(published, lambda s: True, seen)
        assert source.member_calls == 1
        source.release(MEMBERS // CHUNK)
        await published_until(published, lambda s: s.breadth.members == MEMBERS)
    finally:
        task.cancel()
    # Once it ended, the next cycle may start the next load (the clock is 5 hours on,
    # past the members' cadence): never two at once.
    assert source.most_loading == 1


def test_a_lone_refresh_loads_the_members_inline() -> None:
    source = ChunkedMembers()
    source.release(MEMBERS // CHUNK)
    snapshot = loop_engine(source).refresh()
    assert snapshot.breadth.members == MEMBERS
    assert snapshot.breadth.status.progress is None


def test_members_progress_is_found_on_the_source_that_keeps_one() -> None:
    assert isinstance(members_progress(ChunkedMembers()), Progress)
    assert members_progress(index_source()) is None


def test_progress_counts_and_time_left_at_the_pace_so_far() -> None:
    now = [100.0]
    progress = Progress("members", "tickers", clock=lambda: now[0])
    assert progress.reading() is None
    progress.begin(503, done=103)  # 103 already stored by an earlier load
    start = progress.reading()
    assert start is not None and (start.done, start.total, start.seconds_left) == (103, 503, None)
    now[0] += 10.0
    progress.advance(50)  # 50 in 10 s: 350 to go, 70 s at that pace
    reading = progress.reading()
    assert reading is not None
    assert (reading.done, reading.elapsed) == (153, 10.0)
    assert reading.seconds_left == pytest.approx(70.0)
    now[0] += 30.0  # counts down between chunks
    later = progress.reading()
    assert later is not None and later.seconds_left == pytest.approx(40.0)
    now[0] += 500.0  # never below zero
    late = progress.reading()
    assert late is not None and late.seconds_left == 0.0
    progress.advance(10_000)  # never more than the total
    full = progress.reading()
    assert full is not None and full.done == 503
    progress.end()
    assert progress.reading() is None
    progress.advance(5)  # ignored once ended
    assert progress.reading() is None


def test_a_pause_before_each_chunk_but_the_first_counts_in_the_pace() -> None:
    now = [0.0]
    progress = Progress("members", "tickers", clock=lambda: now[0])
    progress.begin(100, lead=1.0)  # chunks of 25 take 3 s, and 1 s of pause before each
    now[0] += 3.0
    progress.advance(25)
    reading = progress.reading()
    assert reading is not None and reading.seconds_left == pytest.approx(12.0)  # 3 x (1 + 3)
    progress.end()
    assert progress.reading() is None
