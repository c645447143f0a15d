"""Benchmark: what a refresh writes to the terminal — bytes per refresh (median), rows
rewritten and the drawing CPU — against DESIGN.md's budgets (a refresh rewrites only
the cells that changed; an unchanged refresh close to zero bytes) and issue 9's target
(<= 8 KB for a typical simulated refresh at 120x40).

In one process, deterministic: a Regime app on a recording terminal (Textual's headless
driver that keeps what the app writes, tests/tui/terminal.py; 120x40, truecolor) is
fed Snapshots by an Engine over the simulated market (503 members) on a fixed clock,
stepped by the engine's cadence: during regular hours (a typical refresh: prices move)
and after the close (an unchanged refresh: the market rests). Each refresh is
published and the app settles (no more writes); the figures are medians over the
refreshes. Beside them, the floor measured in the same run: a bare Textual app with
one Static whose line of text (the price headline) changes as Regime's does, so
the least a refresh that moves one price can write.

    uv run python bench/repaint.py [--refreshes 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# A truecolor terminal (the app keeps its theme; 16 colours would switch it), set
# before Textual is imported, which reads it once.
os.environ["TEXTUAL_COLOR_SYSTEM"] = "truecolor"

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Static  # noqa: E402

from core.clock import NEW_YORK  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import Engine, Publish  # noqa: E402
from core.snapshot import Snapshot  # noqa: E402
from core.sources.sim import SimSource  # noqa: E402
from tests.tui.terminal import RecordingDriver, Writes, settled, terminal_of  # noqa: E402
from tui.app import RegimeApp  # noqa: E402
from widgets.price_panel import PricePanel, headline  # noqa: E402

SIZE = (120, 40)
MEMBERS = 503
OPEN = datetime(2026, 2, 5, 10, 30, tzinfo=NEW_YORK)
"""A Thursday in regular hours: the simulated market moves."""
CLOSED = datetime(2026, 2, 5, 20, 0, tzinfo=NEW_YORK)
"""The same evening: the simulated market rests."""
TARGET_KB = 8.0


class SteppedClock:
    """A clock standing where it is told (the engine, sim and status line share it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class IdleFeed:
    """The app's own feed does nothing: the benchmark publishes the Snapshots."""

    async def run(self, publish: Publish) -> None:
        await asyncio.Event().wait()

    def refresh_now(self) -> None:
        """Nothing to refresh."""


@dataclass
class Run:
    """What each refresh of one run wrote, and the CPU the app spent drawing it."""

    writes: list[Writes] = field(default_factory=list)
    draw_ms: list[float] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)


Feed = list[tuple[datetime, Snapshot]]
"""Snapshots, each with the time the engine made it (a closed market's Snapshot is as
of the close, however late in the evening it is made)."""


def snapshots(start: datetime, count: int, run: Run) -> Feed:
    """`count` + 1 Snapshots from the simulated market, one cadence apart from `start`."""
    clock = SteppedClock(start)
    engine = Engine(Settings(), SimSource(clock=clock, members=MEMBERS), clock=clock)
    made = []
    for _ in range(count + 1):
        started = time.perf_counter()
        made.append((clock.now, engine.refresh()))
        run.engine_ms.append((time.perf_counter() - started) * 1000)
        clock.now += timedelta(seconds=engine.cadence())
    return made


async def measure(feed: Feed, run: Run) -> None:
    """Show the first Snapshot, then each of the others, recording what each writes;
    the app's clock (its status line) stands where the engine's stood."""
    clock = SteppedClock(feed[0][0])
    app = RegimeApp(Settings(), IdleFeed, clock=clock)
    app.driver_class = RecordingDriver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        app.publish(feed[0][1])
        for _ in range(500):  # the first Snapshot on screen, with the chart mounted
            await pilot.pause(0.02)
            if app.snapshot is not None and app.dashboard.query_one(PricePanel).chart:
                break
        await settled(pilot)
        terminal = terminal_of(app)
        for made, snapshot in feed[1:]:
            clock.now = made
            terminal.take()
            started = time.process_time()
            app.publish(snapshot)
            await settled(pilot)
            run.draw_ms.append((time.process_time() - started) * 1000)
            run.writes.append(terminal.take())


class Floor(App[None]):
    """A bare Textual app with one Static."""

    def compose(self) -> ComposeResult:
        yield Static("", id="line")


async def measure_floor(feed: Feed, run: Run) -> None:
    """The bare app's line shows each Snapshot's price headline in turn."""
    app = Floor()
    app.driver_class = RecordingDriver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        line = app.query_one("#line", Static)
        line.update(headline(feed[0][1].price))
        await settled(pilot)
        terminal = terminal_of(app)
        for _, snapshot in feed[1:]:
            terminal.take()
            started = time.process_time()
            line.update(headline(snapshot.price))
            await settled(pilot)
            run.draw_ms.append((time.process_time() - started) * 1000)
            run.writes.append(terminal.take())


def median(values: list[float] | list[int]) -> float:
    return statistics.median(values) if values else float("nan")


def kb(run: Run) -> float:
    return median([writes.bytes for writes in run.writes]) / 1000


def rows(run: Run) -> float:
    return median([len(writes.rows) for writes in run.writes])


def moved(run: Run) -> Run:
    """The refreshes of `run` that rewrote more than the status line (the simulated
    quotes do not move on every refresh)."""
    kept = [index for index, writes in enumerate(run.writes) if len(writes.rows) > 1]
    return Run(
        writes=[run.writes[index] for index in kept],
        draw_ms=[run.draw_ms[index] for index in kept],
    )


def report(label: str, run: Run, floor: Run | None) -> None:
    """One line per figure: Regime's median, then the floor's and the ratio."""
    cells = median([len(writes.cells) for writes in run.writes])
    line = (
        f"{label}: {kb(run):.2f} KB/refresh (max {max(w.bytes for w in run.writes) / 1000:.2f}),"
        f" {rows(run):g} of {SIZE[1]} rows, {cells:g} cells;"
        f" drawing {median(run.draw_ms):.0f} ms CPU"
    )
    if floor is not None and kb(floor) > 0:
        line += (
            f"  | floor (one Static, the headline): {kb(floor):.2f} KB, {rows(floor):g} row,"
            f" {median(floor.draw_ms):.0f} ms; ratio {kb(run) / kb(floor):.1f}x"
        )
    print(line)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=12)
    args = parser.parse_args()

    open_run, closed_run = Run(), Run()
    open_feed = snapshots(OPEN, args.refreshes, open_run)
    closed_feed = snapshots(CLOSED, args.refreshes, closed_run)
    typical, unchanged, floor = Run(), Run(), Run()
    await measure(open_feed, typical)
    await measure(closed_feed, unchanged)
    await measure_floor(open_feed, floor)

    print(
        f"terminal {SIZE[0]}x{SIZE[1]} truecolor (recorded in-process); sim {MEMBERS} members; "
        f"{args.refreshes} refreshes one cadence apart from {OPEN:%Y-%m-%d %H:%M} (open) "
        f"and {CLOSED:%H:%M} (closed) New York; medians"
    )
    print(f"engine refresh: {median(open_run.engine_ms[1:]):.0f} ms (open)")
    report("typical refresh, market open", typical, floor)
    if moved(typical).writes:
        report(
            f"  of which the {len(moved(typical).writes)} with prices moving",
            moved(typical),
            floor,
        )
    report("unchanged refresh, market closed", unchanged, None)
    verdict = "within" if kb(typical) <= TARGET_KB else "OVER"
    print(f"target <= {TARGET_KB:g} KB per typical refresh: {kb(typical):.2f} KB, {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
