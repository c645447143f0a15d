"""Replay stepping against its budget (issue 13: a step renders in <= 150 ms on
2016–2026 data with 503 members). On the real history (../shared/market-data, files
source, 503 members) it measures, in one run: the baseline, a step as a whole replay of
the session stepped to (a new engine as of that session, every section computed from
the bars); the timeline's load (the span's data and every section's readings, once);
a step from the readings as history (`ReplayTimeline.snapshot_at`); a step with its
Edge panel (`with_edge`, which runs off the step on a worker); and a step drawn on the
dashboard (the Snapshot built and applied to a headless app at 120x40, as the `[` key
does). Medians over --steps sessions stepping back one at a time from the span's end,
then a week at a time. No network."""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.replay import Replay  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.sources.files import FilesSource  # noqa: E402

if TYPE_CHECKING:
    from core.replay_timeline import ReplayTimeline

BUDGET_MS = 150.0
MARKET_DATA = ROOT.parent / "shared" / "market-data"


def ms(action: Callable[[], object]) -> float:
    """How long `action` takes, in ms."""
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def median_ms(action: Callable[[date], object], sessions: list[date]) -> float:
    """The median time of `action` on each of `sessions`, in ms."""
    return statistics.median(ms(functools.partial(action, session)) for session in sessions)


def drawn_ms(timeline: ReplayTimeline, sessions: list[date]) -> float:
    """The median of a step built and applied to the dashboard of a headless app."""
    from tests.tui.harness import make_app, wait_for_data
    from tests.tui.sample import FakeFeed

    times: list[float] = []

    async def run() -> None:
        app = make_app(lambda: FakeFeed(timeline.snapshot_at(sessions[0])))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            for session in sessions[1:]:
                start = time.perf_counter()
                app.snapshot = timeline.snapshot_at(session)
                await pilot.pause()  # the repaint the new Snapshot asks for
                times.append((time.perf_counter() - start) * 1000)

    asyncio.run(run())
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    if not (MARKET_DATA / "GSPC.csv").is_file():
        print(f"skipped: no market data at {MARKET_DATA}")
        return 0
    settings = Settings(source=f"files:{MARKET_DATA}")
    source = FilesSource(MARKET_DATA)
    calendar = MarketSession()
    last = calendar.last_session_on_or_before(date.today())
    engine = Engine(settings, source, replay=Replay(last), session=calendar)
    load_started = time.perf_counter()
    timeline = engine.replay_timeline()
    load = (time.perf_counter() - load_started) * 1000
    sessions = list(timeline.sessions)
    back = sessions[-1 : -args.steps - 1 : -1]
    weeks = sessions[-1 : -5 * args.steps - 1 : -5]

    def whole_replay(session: date) -> object:
        return Engine(settings, source, replay=Replay(session), session=calendar).refresh()

    whole_replay(back[0])  # the CSVs read once, as the timeline read them
    baseline = median_ms(whole_replay, back)
    step = median_ms(timeline.snapshot_at, back)
    week = median_ms(timeline.snapshot_at, weeks)
    edge = median_ms(lambda session: timeline.with_edge(timeline.snapshot_at(session)), back[:5])
    drawn = drawn_ms(timeline, back)
    chained = sum(timeline.snapshot_at(session).gamma.spot is not None for session in back)
    members = timeline.cycle.members
    count = 0 if members is None else members.closes.shape[1]
    print(
        f"timeline {sessions[0]} to {sessions[-1]}: {len(sessions)} sessions,"
        f" {count} members, loaded in {load:.0f} ms"
    )
    print(f"  baseline, a step as a whole replay: {baseline:.0f} ms median of {len(back)}")
    print(
        f"  a step back from the readings:      {step:.1f} ms median of {len(back)}"
        f" ({chained} with an option chain to read and compute)"
    )
    print(f"  a week back from the readings:      {week:.1f} ms median of {len(weeks)}")
    print(f"  a step drawn at 120x40:             {drawn:.1f} ms median of {len(back) - 1}")
    print(f"  a step with its Edge (on a worker): {edge:.0f} ms median of 5")
    verdict = "met" if max(step, week, drawn) <= BUDGET_MS else "NOT met"
    print(f"  budget {BUDGET_MS:.0f} ms a step: {verdict}; {baseline / step:.1f}x the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
