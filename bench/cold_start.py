"""Benchmark: the cold first load on Yahoo (issue 9, item 7) — an empty store, 503
members' daily closes fetched in chunks — measured with the fake yfinance answering at
an estimated Yahoo pace (tests/fake_yfinance.Latency: 0.25 s a request plus 0.05 s per
1,000 rows, 4 requests at a time; an ESTIMATE, there is no network here) and the
source's real 1 s pause between chunks.

The engine runs its loop (as under the app) over a YahooSource on a fixed clock in
regular hours, and every Snapshot it publishes is timed. Printed: the time to the
first Snapshot with prices (the dashboard live), the time until breadth is complete
(every member's closes in), and the progress the breadth panel was shown (how many
updates, the counts and the time left said against the time it really took). Beside
them, the same load as the engine did it before this change — the cycle waiting for
the whole members' load, nothing on screen until then (`members_grace` = infinity).
Runs alternate between the two; medians.

Then the cost of a progress update on screen: a Regime app on a recording terminal
(tests/tui/terminal.py, 120x40 truecolor) is fed the Snapshots the load published,
and the bytes written and the CPU spent per progress-only update are measured
(medians), beside the same for an unchanged Snapshot (the floor: nothing moved).

    uv run python bench/cold_start.py [--runs 1] [--scale 1.0]

`--scale 0.1` shrinks every wait (the latency and the pauses) for a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ["TEXTUAL_COLOR_SYSTEM"] = "truecolor"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from core.clock import NEW_YORK  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import MEMBERS_GRACE, Engine, Publish  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.snapshot import Snapshot  # noqa: E402
from core.sources.yahoo import YahooSource  # noqa: E402
from core.store import MEMORY, Store  # noqa: E402
from tests.fake_yfinance import (  # noqa: E402
    FakeYahoo,
    FakeYahooClient,
    Latency,
    daily_history,
    minute_history,
)

MEMBERS = 503
NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
"""A Tuesday in regular hours."""
SIZE = (120, 40)


def market(symbols: list[str], members: list[str]) -> FakeYahoo:
    """Daily bars since 2019 for the panels' symbols and the members, and the morning's
    one-minute bars for the quotes (deterministic)."""
    days = MarketSession().sessions(date(2019, 1, 2), NOW.date())
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in days])
    rng = np.random.default_rng(9)
    fake = FakeYahoo()
    minutes = [f"2026-01-27 {9 + (30 + m) // 60:02d}:{(30 + m) % 60:02d}" for m in range(90)]
    for n, symbol in enumerate([*symbols, *members]):
        walk = np.exp(np.cumsum(rng.normal(0.0003, 0.012, len(index))))
        closes = (50.0 + 10 * n % 400) * walk
        fake.daily[symbol] = daily_history(index, closes)
        if symbol in symbols:
            fake.minutes[symbol] = minute_history(
                minutes, closes[-1] * np.ones(len(minutes)), tz="America/New_York"
            )
    return fake


@dataclass
class Load:
    """One cold load: when each Snapshot came (seconds from the start) and what it held."""

    seen: list[tuple[float, Snapshot]] = field(default_factory=list)

    def first(self, wanted: Any) -> float | None:
        return next((at for at, snapshot in self.seen if wanted(snapshot)), None)

    @property
    def live(self) -> float | None:
        return self.first(lambda s: s.price.last is not None)

    @property
    def complete(self) -> float | None:
        return self.first(lambda s: s.breadth.members == MEMBERS)

    @property
    def progress(self) -> list[tuple[float, Snapshot]]:
        return [(at, s) for at, s in self.seen if s.breadth.status.progress is not None]


async def cold_load(fake: FakeYahoo, members: list[str], scale: float, grace: float) -> Load:
    """Run the engine's loop on an empty store until breadth is complete."""
    load = Load()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "regime.sqlite")
        clock = lambda: NOW  # noqa: E731
        source = YahooSource(
            store,
            clock,
            client=FakeYahooClient(fake, latency=Latency(scale=scale)),
            member_tickers=members,
            holdings_fund=None,
            chunk_pause=1.0 * scale,
        )
        engine = Engine(
            Settings(), source, clock=clock, session=MarketSession(clock), members_grace=grace
        )
        started = time.monotonic()
        done = asyncio.Event()

        def publish(snapshot: Snapshot) -> None:
            load.seen.append((time.monotonic() - started, snapshot))
            if snapshot.breadth.members == MEMBERS:
                done.set()

        task = asyncio.create_task(engine.run(publish))
        try:
            await asyncio.wait_for(done.wait(), 600 * max(scale, 0.1))
        finally:
            task.cancel()
        store.close()
    return load


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def said_left(load: Load) -> list[str]:
    """Some of the progress the panel showed: counts and time left, against the truth."""
    end = load.complete or float("nan")
    shown: list[str] = []
    last_done = -1
    for at, snapshot in load.progress:
        progress = snapshot.breadth.status.progress
        assert progress is not None
        if progress.done == last_done:
            continue
        last_done = progress.done
        left = "?" if progress.seconds_left is None else f"{progress.seconds_left}s"
        shown.append(
            f"{progress.done}/{progress.total} at {at:.0f}s: said {left}, took {end - at:.0f}s"
        )
    return shown


class IdleFeed:
    """The app's own feed does nothing: the benchmark publishes the Snapshots."""

    async def run(self, publish: Publish) -> None:
        await asyncio.Event().wait()

    def refresh_now(self) -> None:
        """Nothing to refresh."""


async def screen_cost(load: Load) -> tuple[list[float], list[float], list[float], list[float]]:
    """Bytes written and CPU ms per progress update on a recording terminal, and per
    Snapshot equal to the one on show (the floor: publishing with nothing moved)."""
    from tests.tui.terminal import RecordingDriver, settled, terminal_of
    from tui.app import RegimeApp

    updates = [snapshot for _, snapshot in load.progress]
    sizes: list[float] = []
    cpu: list[float] = []
    floor_sizes: list[float] = []
    floor_cpu: list[float] = []
    if len(updates) < 2:
        return sizes, cpu, floor_sizes, floor_cpu
    app = RegimeApp(Settings(), IdleFeed, clock=lambda: NOW)
    app.driver_class = RecordingDriver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        app.publish(updates[0])
        await pilot.pause(1.0)
        await settled(pilot)
        terminal = terminal_of(app)
        for snapshot in updates[1:]:
            for shown, written, spent in (
                (snapshot, sizes, cpu),
                (snapshot.model_copy(), floor_sizes, floor_cpu),
            ):
                terminal.take()
                began = time.process_time()
                app.publish(shown)
                await settled(pilot)
                spent.append((time.process_time() - began) * 1000)
                written.append(float(terminal.take().bytes))
    return sizes, cpu, floor_sizes, floor_cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    members = [f"M{n:03d}" for n in range(MEMBERS)]
    settings = Settings()
    probe = Engine(settings, YahooSource(Store(MEMORY)), clock=lambda: NOW)
    symbols = list(probe.sections.symbols(settings))
    fake = market(symbols, members)

    now_runs: list[Load] = []
    before_runs: list[Load] = []
    for _ in range(args.runs):  # interleaved
        now_runs.append(await cold_load(fake, members, args.scale, grace=MEMBERS_GRACE))
        before_runs.append(await cold_load(fake, members, args.scale, grace=math.inf))

    def figure(loads: list[Load], what: str) -> str:
        values = [getattr(load, what) for load in loads]
        known = [v for v in values if v is not None]
        spread = f" (range {min(known):.1f}-{max(known):.1f})" if len(known) > 1 else ""
        return f"{median(known):.1f} s{spread}"

    print(
        f"cold first load: empty store, yahoo over the fake yfinance at the estimated pace "
        f"x{args.scale:g}, {MEMBERS} members in chunks of 50, 1 s pause x{args.scale:g}; "
        f"{args.runs} run(s) each, interleaved; medians"
    )
    print(
        f"first Snapshot with prices (dashboard live): {figure(now_runs, 'live')}"
        f"  | before (the cycle waits for the members): {figure(before_runs, 'live')}"
    )
    print(
        f"breadth complete: {figure(now_runs, 'complete')}"
        f"  | before: {figure(before_runs, 'complete')}"
    )
    load = now_runs[-1]
    print(
        f"progress updates published while the members loaded: {len(load.progress)} "
        f"(about one a second), of which {len(said_left(load))} with new counts:"
    )
    for line in said_left(load):
        print(f"  {line}")
    sizes, cpu, floor_sizes, floor_cpu = await screen_cost(load)
    if sizes:
        print(
            f"per progress update on screen ({SIZE[0]}x{SIZE[1]}, {len(sizes)} updates): "
            f"{median(sizes):.0f} B written (max {max(sizes):.0f}), "
            f"{median(cpu):.1f} ms CPU  | floor, an equal Snapshot: "
            f"{median(floor_sizes):.0f} B, {median(floor_cpu):.1f} ms CPU"
        )


if __name__ == "__main__":
    asyncio.run(main())
