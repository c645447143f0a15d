"""The engine's alert hook: the loop has its watcher read each healthy cycle's Snapshot
and hands what fired to `on_alerts` on the event loop, once per firing (the first reading
always, so the app can say what changed while it was closed); a failed cycle
and the warm start's Snapshot are never read, and a watcher that raises does not end
the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

import pytest

from core.alerts.alert import parse_alert
from core.alerts.entry import LogEntry
from core.alerts.watch import AlertState, WatchState
from core.alerts.watcher import AlertWatcher
from core.engine import Backoff
from core.snapshot import Snapshot
from core.store import StoreError
from tests.faults.test_engine_faults import (
    index_source,
    is_live,
    make_engine,
    published_until,
    stop,
)

ALWAYS = "price.last > 0"


class SeenWatcher(AlertWatcher):
    """An AlertWatcher that keeps the Snapshots it was given (and can be made to raise)."""

    def __init__(self) -> None:
        alert = parse_alert({"id": "always", "name": "Always", "when": ALWAYS, "message": "up"})
        super().__init__([alert], "yahoo")
        # As if a stored state said the condition was false: the first reading fires.
        self.state = WatchState({"always": AlertState("false", rule=ALWAYS)})
        self.seen: list[Snapshot] = []
        self.broken = False

    def observe(self, snapshot: Snapshot, at: datetime) -> list[LogEntry]:
        self.seen.append(snapshot)
        if self.broken:
            raise RuntimeError("a bug in the watcher")
        return super().observe(snapshot, at)


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait until `condition()` is true."""

    async def waited() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(waited(), timeout)


async def test_a_firing_reaches_on_alerts_once_and_a_failed_cycle_gives_none() -> None:
    source = index_source()
    source.fail_with = StoreError("cache /tmp/regime.sqlite: database is locked")
    watcher = SeenWatcher()
    engine = make_engine(source, watcher=watcher, backoff=Backoff(first=600.0, cap=600.0))
    received: list[Sequence[LogEntry]] = []
    threads: list[int] = []

    def on_alerts(entries: Sequence[LogEntry]) -> None:
        received.append(entries)
        threads.append(threading.get_ident())

    engine.on_alerts = on_alerts
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, lambda snapshot: True)
        await asyncio.sleep(0.05)
        assert watcher.seen == [] and received == []  # the failed cycle is not read
        source.fail_with = None
        engine.refresh_now()
        await published_until(published, is_live, after=len(published))
        await until(lambda: received)
        assert [[entry.alert for entry in entries] for entries in received] == [["always"]]
        assert threads == [threading.get_ident()]  # on the event loop
        engine.refresh_now()
        await until(lambda: len(watcher.seen) == 2)
        await asyncio.sleep(0.05)
        assert len(received) == 1  # the condition still holds: nothing new
    finally:
        await stop(task)


async def test_the_warm_snapshot_is_not_read_and_a_raising_watcher_keeps_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = index_source(kind="cache", cached=True)
    watcher = SeenWatcher()
    watcher.broken = True
    engine = make_engine(index_source(), warm_source=cache, watcher=watcher)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await until(lambda: watcher.seen)
        assert [snapshot.source.kind for snapshot in watcher.seen] == ["yahoo"]
        assert published[0].source.kind == "cache"
        engine.refresh_now()
        await until(lambda: len(watcher.seen) == 2)  # the loop went on
        assert "watching the alerts failed" in caplog.text
    finally:
        await stop(task)


async def test_the_first_reading_is_handed_over_even_when_nothing_fired() -> None:
    """The app counts what changed while it was closed once the watcher has read the
    first Snapshot: the first hand-over comes even empty, later empty ones do not."""
    watcher = SeenWatcher()
    watcher.state = WatchState()  # a fresh start: the first reading only establishes
    engine = make_engine(index_source(), watcher=watcher)
    received: list[Sequence[LogEntry]] = []
    engine.on_alerts = received.append
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await until(lambda: received)
        engine.refresh_now()
        await until(lambda: len(watcher.seen) == 2)
        await asyncio.sleep(0.05)
        assert [list(entries) for entries in received] == [[]]
    finally:
        await stop(task)
