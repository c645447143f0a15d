"""What the alerts cost: the watcher's step on one refresh (the built-in alerts and the
checklist's statuses on a simulated Snapshot, kept in a log file on disk in one write
transaction, the way the engine's loop runs it after each healthy cycle), with a log
of 10,000 lines; and `regime log --replay` over a month of real history (2026-01-20
to 2026-02-10 from ../shared/market-data, skipped when absent): the readings of the
span, the alerts over them and the checklist's changes, first from cold (the CSVs
read), then with the source's files kept. Medians of --runs repetitions after one
warm-up. No network."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.alerts.catalog import load_alerts  # noqa: E402
from core.alerts.entry import LogEntry  # noqa: E402
from core.alerts.journal import open_journal  # noqa: E402
from core.alerts.replay import replay_log  # noqa: E402
from core.alerts.watcher import AlertWatcher  # noqa: E402
from core.clock import NEW_YORK  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.sources.files import FilesSource  # noqa: E402
from core.sources.sim import SimSource  # noqa: E402

MARKET_DATA = ROOT.parent / "shared" / "market-data"
NOW = datetime(2026, 1, 28, 11, 0, tzinfo=NEW_YORK)


def median_ms(run: Callable[[], object], runs: int) -> float:
    """The median wall time of `run`, in ms, after one warm-up."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def filler(count: int) -> list[LogEntry]:
    """`count` log lines a day of alerts might leave."""
    return [
        LogEntry(
            time=NOW - timedelta(minutes=count - n),
            session=date(2026, 1, 28),
            kind="alert",
            alert="filler",
            key="filler",
            name="Filler",
            severity="info",
            message=f"line {n}",
            source="sim",
        )
        for n in range(count)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    settings = Settings()
    alerts = list(load_alerts(settings).values())
    clock = [NOW]
    session = MarketSession(lambda: clock[0])
    engine = Engine(settings, SimSource(seed=7000, clock=lambda: clock[0]), session=session)
    snapshot = engine.refresh()
    with tempfile.TemporaryDirectory() as folder:
        journal, note = open_journal(Path(folder) / "log.sqlite")
        assert journal is not None, note
        journal.record(filler(10_000))
        watcher = AlertWatcher(alerts, "sim", journal, session)
        step = 0

        def observe() -> None:
            nonlocal step
            step += 1
            watcher.observe(snapshot, NOW + timedelta(seconds=15 * step))

        watch_ms = median_ms(observe, args.runs)
        today_ms = median_ms(lambda: watcher.today(NOW), args.runs)
        journal.close()
    print(f"alerts: {len(alerts)} built-in, log of 10,000 lines")
    print(f"  watcher step per refresh (rules, statuses, one write): {watch_ms:.2f} ms median")
    print(f"  the Today screen's read: {today_ms:.2f} ms median")
    if not (MARKET_DATA / "GSPC.csv").is_file():
        print(f"  replay: skipped (no market data at {MARKET_DATA})")
        return 0
    source = FilesSource(MARKET_DATA)
    start = time.perf_counter()
    replay_log(settings, source, date(2026, 1, 20), date(2026, 2, 10), alerts)
    cold_ms = (time.perf_counter() - start) * 1000
    replay_ms = median_ms(
        lambda: replay_log(settings, source, date(2026, 1, 20), date(2026, 2, 10), alerts),
        max(3, args.runs // 10),
    )
    print(f"  replay 2026-01-20..2026-02-10 (files, 503 members): first {cold_ms:.0f} ms")
    print(f"    (reading the CSVs), then {replay_ms:.0f} ms median (the source's files kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
