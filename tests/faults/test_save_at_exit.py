"""Exit clean (issue 8, item 4): no reading is lost at exit. The engine writes its
latest healthy Snapshot at most once a minute; `Engine.save_now` writes the one still
pending at once (nothing in a replay, nothing twice, never a failed cycle's), and the
app calls it when it exits, so the next start paints the last reading on screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from core import last_snapshot
from core.clock import NEW_YORK
from core.config import Settings
from core.engine import Backoff, Engine
from core.replay import Replay
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import SourceError
from tests.fake_source import FakeSource, trending_bars
from tests.tui.harness import RecordingApp
from tui.app import RegimeApp

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
LATER = NOW + timedelta(seconds=20)
"""Within the minute: the loop does not write this cycle's Snapshot itself."""


def make_engine(moments: list[datetime], path: Path, replay: Replay | None = None) -> Engine:
    sessions = MarketSession().sessions(date(2024, 6, 3), date(2026, 1, 27))
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    source = FakeSource({"^GSPC": trending_bars(index), "^VIX": trending_bars(index, 15.0, 0.0)})
    return Engine(
        Settings(),
        source,
        clock=lambda: moments[-1],
        session=MarketSession(),
        snapshot_path=path,
        replay=replay,
        # A failed cycle is retried only when asked: the test decides what runs.
        backoff=Backoff(first=600.0, cap=600.0),
    )


def saved(path: Path) -> Snapshot | None:
    return last_snapshot.load(path, Settings().source)


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def two_cycles(engine: Engine, path: Path, moments: list[datetime]) -> list[Snapshot]:
    """Run the loop for a first cycle (written) and a second 20 s later (pending)."""
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await until(path.exists, "the first write")
        moments.append(LATER)
        engine.refresh_now()
        await until(lambda: len(published) >= 2, "the second Snapshot")
        await asyncio.sleep(0.05)  # the loop's throttled _remember has run
    finally:
        await stop(task)
    return published


async def test_save_now_writes_the_reading_the_minute_would_lose(tmp_path: Path) -> None:
    path, moments = tmp_path / "last.json", [NOW]
    engine = make_engine(moments, path)
    published = await two_cycles(engine, path, moments)
    assert published[-1].as_of == LATER
    assert saved(path) == published[0]  # the loop kept the second to itself
    engine.save_now()
    assert saved(path) == published[-1]
    path.unlink()
    engine.save_now()  # nothing new is pending: nothing is written
    assert not path.exists()


async def test_save_now_never_writes_a_failed_cycle(tmp_path: Path) -> None:
    path, moments = tmp_path / "last.json", [NOW]
    engine = make_engine(moments, path)
    published = await two_cycles(engine, path, moments)
    assert isinstance(engine.source, FakeSource)
    engine.source.fail_with = SourceError("Yahoo unreachable")
    moments.append(LATER + timedelta(seconds=20))
    failed = engine.refresh()
    assert failed.source.label == "STALE"
    engine.save_now()
    assert saved(path) == published[-1]  # the last healthy reading, not the failure


async def test_save_now_writes_nothing_in_a_replay(tmp_path: Path) -> None:
    path, moments = tmp_path / "replay.json", [NOW]
    engine = make_engine(moments, path, replay=Replay(date(2026, 1, 23)))
    engine._remember(engine.refresh())
    engine.save_now()
    assert not path.exists()


async def test_quitting_the_app_saves_the_last_reading(tmp_path: Path) -> None:
    path, moments = tmp_path / "last.json", [NOW]
    engine = make_engine(moments, path)
    app = RecordingApp(Settings(), lambda: engine, clock=lambda: moments[-1])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(path.exists, "the engine's first write")
        first = saved(path)
        moments.append(LATER)
        await pilot.press("r")
        await until(lambda: app.snapshot is not None and app.snapshot.as_of == LATER, "r")
        await pilot.pause(0.05)
        assert saved(path) == first  # within the minute: not written yet
        shown = app.snapshot
        await pilot.press("q")
    assert app.return_code == 0
    assert saved(path) == shown


async def test_an_app_whose_engine_never_started_exits_cleanly() -> None:
    def no_engine() -> Engine:
        raise SystemExit(2)

    app = RegimeApp(Settings(), no_engine)
    async with app.run_test() as pilot:
        await pilot.press("q")
    assert app.return_code == 0
