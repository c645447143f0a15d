"""The last run's readings: shown at once while the engine starts, and never laid
over a fresh Snapshot that arrived first."""

from __future__ import annotations

import asyncio

from core import last_snapshot
from core.clock import fixed_clock
from core.config import Settings
from core.engine import Publish
from tests.tui.sample import EVENING, FakeFeed, sample_snapshot
from tui.app import RegimeApp


class SilentFeed:
    """An engine still starting: it never publishes."""

    async def run(self, publish: Publish) -> None:
        await asyncio.Event().wait()

    def refresh_now(self) -> None:
        pass


async def test_the_last_run_is_shown_while_the_engine_starts() -> None:
    saved = last_snapshot.restored(sample_snapshot())
    app = RegimeApp(Settings(), SilentFeed, clock=fixed_clock(EVENING), restore=lambda: saved)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app.snapshot is not None:
                break
        assert app.snapshot == saved
        assert app.snapshot.source.label.endswith("last run")


async def test_a_fresh_snapshot_is_never_covered_by_the_last_run() -> None:
    fresh = sample_snapshot()
    old = last_snapshot.restored(sample_snapshot(last=6500.0))
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    answered: list[bool] = []

    async def slow_restore_source() -> None:
        await gate.wait()

    def restore() -> object:
        # Runs in a thread: wait until the fresh Snapshot is on screen, then answer.
        asyncio.run_coroutine_threadsafe(slow_restore_source(), loop).result(timeout=5)
        answered.append(True)
        return old

    app = RegimeApp(
        Settings(),
        lambda: FakeFeed(fresh),
        clock=fixed_clock(EVENING),
        restore=restore,  # type: ignore[arg-type]
    )
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app.snapshot is not None:
                break
        assert app.snapshot == fresh
        gate.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if answered:
                break
        await pilot.pause(0.1)
        assert answered
        assert app.snapshot == fresh
