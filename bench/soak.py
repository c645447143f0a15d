"""Benchmark: a long day of refreshes does not grow memory — the engine's refresh cycle
over 8 simulated market hours at the fastest cadence the config allows (1 s), from the
simulated market with 503 members, against the budget of RSS growth under 5 % after
warm-up (issue 8). A fake clock steps through regular sessions (at a close it jumps to
the next open), so the hours pass in minutes: every cycle runs `Engine.refresh` at the
clock's time, then the clock moves on by the engine's cadence. With `--app` each
Snapshot also goes to a headless Regime app (`App.run_test`), so the widgets are soaked
too. Resident memory (VmRSS, after a garbage collection) is sampled once warm-up ends
and every simulated half hour; the script prints its growth from warm-up to the end,
the cycles run and the median cycle time.

    uv run python bench/soak.py [--hours 8] [--cadence 1] [--warmup 30] [--app]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.clock import NEW_YORK  # noqa: E402
from core.config import MIN_QUOTE_CADENCE, Settings  # noqa: E402
from core.engine import Engine, Publish  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.snapshot import Snapshot  # noqa: E402
from core.sources.sim import SimSource  # noqa: E402

START = datetime(2026, 2, 5, 9, 30, tzinfo=NEW_YORK)
"""The open the soak starts at (a Thursday: its 8 hours run into Friday's session)."""
MEMBERS = 503
BUDGET_PCT = 5.0
SAMPLE_EVERY = timedelta(minutes=30)
"""Simulated time between RSS samples after warm-up."""


class MarketClock:
    """A clock that only ever stands in a regular session: `advance` moves it on, and
    a step that reaches the close lands on the next session's open instead."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._session = MarketSession(lambda: self.now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        state = self._session.state(self.now)
        later = self.now + timedelta(seconds=seconds)
        if later >= state.next_close:
            later = self._session.state(state.next_close).next_open
        self.now = later


def rss_mb() -> float:
    """Resident memory of this process in MB after a full collection (Linux /proc)."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


@dataclass
class Soak:
    """The run's plan and what it measured."""

    hours: float
    cadence: float
    warmup: timedelta
    cycle_seconds: list[float] = field(default_factory=list)
    samples: list[tuple[float, float]] = field(default_factory=list)
    """(market hours elapsed, RSS MB) from the end of warm-up on."""
    failures: set[str] = field(default_factory=set)

    async def run(self, show: Callable[[Snapshot], Awaitable[None]] | None = None) -> None:
        """Run every cycle; `show`, when given, hands each Snapshot to an app."""
        clock = MarketClock(START)
        settings = Settings(refresh={"regular": self.cadence})
        engine = Engine(settings, SimSource(clock=clock, members=MEMBERS), clock=clock)
        market = timedelta()
        total = timedelta(hours=self.hours)
        next_sample = self.warmup
        while market < total:
            started = time.perf_counter()
            snapshot = engine.refresh()
            if show is not None:
                await show(snapshot)
            self.cycle_seconds.append(time.perf_counter() - started)
            self.failures.update(engine.failures)
            step = engine.cadence()
            clock.advance(step)
            market += timedelta(seconds=step)
            if market >= next_sample or market >= total:
                self.samples.append((market / timedelta(hours=1), rss_mb()))
                next_sample += SAMPLE_EVERY

    def report(self, with_app: bool) -> bool:
        """Print the figures; True when the growth is within budget."""
        (warm_hours, warm), (_, end) = self.samples[0], self.samples[-1]
        growth = (end - warm) / warm * 100
        what = "engine + headless app" if with_app else "engine"
        print(
            f"soak: {what}, sim {MEMBERS} members, {self.hours:g} market hours "
            f"at a {self.cadence:g} s cadence, from {START:%Y-%m-%d %H:%M} New York"
        )
        print(f"cycles run: {len(self.cycle_seconds)}")
        print(f"median cycle: {statistics.median(self.cycle_seconds) * 1000:.1f} ms")
        print(
            "RSS (MB) by market hour: "
            + ", ".join(f"{hours:.1f}h {mb:.1f}" for hours, mb in self.samples)
        )
        print(
            f"RSS after warm-up ({warm_hours:.1f} h): {warm:.1f} MB; at the end: {end:.1f} MB; "
            f"growth {growth:+.2f} % (budget < {BUDGET_PCT:g} %)"
        )
        if self.failures:
            print("failures seen: " + "; ".join(sorted(self.failures)))
        return growth < BUDGET_PCT


async def soak_with_app(soak: Soak) -> None:
    """Run the soak with each Snapshot shown by a headless app (its own feed idles)."""
    from tui.app import RegimeApp

    class IdleFeed:
        async def run(self, publish: Publish) -> None:
            await asyncio.Event().wait()

        def refresh_now(self) -> None:
            pass

    clock = MarketClock(START)
    app = RegimeApp(Settings(), IdleFeed, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:

        async def show(snapshot: Snapshot) -> None:
            clock.now = snapshot.as_of  # the status line's clock follows the data
            app.publish(snapshot)
            await pilot.pause()

        await soak.run(show)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated market hours")
    parser.add_argument(
        "--cadence", type=float, default=MIN_QUOTE_CADENCE, help="seconds between refreshes"
    )
    parser.add_argument("--warmup", type=float, default=30.0, help="market minutes of warm-up")
    parser.add_argument("--app", action="store_true", help="also show each Snapshot in an app")
    args = parser.parse_args()
    if args.cadence < MIN_QUOTE_CADENCE or args.hours <= 0 or args.warmup * 60 >= args.hours * 3600:
        parser.error(f"need --cadence >= {MIN_QUOTE_CADENCE:g}, --hours > 0, --warmup < --hours")
    soak = Soak(args.hours, args.cadence, timedelta(minutes=args.warmup))
    asyncio.run(soak_with_app(soak) if args.app else soak.run())
    sys.exit(0 if soak.report(args.app) else 1)


if __name__ == "__main__":
    main()
