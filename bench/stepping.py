"""Replay stepping's baseline: what one step costs today when it is a whole replay of
the session stepped to (a new engine as of that session, every section computed from
the data cut there), on the real history with 503 members (../shared/market-data:
2016–2026). Issue 13 budgets a step at 150 ms, to be met from the readings' history
computed once rather than by this recompute; this is the figure it is measured
against. The first replay reads the CSVs (shown apart); the median is over --steps
sessions stepping back one at a time from --from, with the files kept. No network."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.replay import Replay  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.sources.files import FilesSource  # noqa: E402

BUDGET_MS = 150.0
MARKET_DATA = ROOT.parent / "shared" / "market-data"


def replay_ms(settings: Settings, source: FilesSource, session: date) -> float:
    """One whole replay of `session`, in ms."""
    start = time.perf_counter()
    Engine(settings, source, replay=Replay(session), session=MarketSession()).refresh()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2026, 2, 5))
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    if not (MARKET_DATA / "GSPC.csv").is_file():
        print(f"skipped: no market data at {MARKET_DATA}")
        return 0
    settings = Settings(source=f"files:{MARKET_DATA}")
    source = FilesSource(MARKET_DATA)
    calendar = MarketSession()
    session = calendar.last_session_on_or_before(args.start)
    cold = replay_ms(settings, source, session)
    times = []
    for _ in range(args.steps):
        session = calendar.last_session_on_or_before(date.fromordinal(session.toordinal() - 1))
        times.append(replay_ms(settings, source, session))
    print(f"replay of one session (files, 503 members): first {cold:.0f} ms (reading the CSVs)")
    print(
        f"  a step as a whole replay: {statistics.median(times):.0f} ms median of {args.steps}"
        f" (budget {BUDGET_MS:.0f} ms: not met this way)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
