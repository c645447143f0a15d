"""Readings as history: how long `regime history`'s computation takes (issue 7's
budgets). Two runs, each the median of --runs repetitions, with the data already in
memory (the source keeps what it has read; reading the CSVs is timed on its own):

- price-based sections (price, rsi, vix, trend, context) over the S&P 500 since 1928,
  about 24,700 sessions: budget 2 s;
- every section, breadth's 503 members and the checklist included, over 2016–2026:
  budget 5 s.

Reads ../shared/market-data (real history); without it, the simulated market (no
history before 2016, so the first figure is then over the sim's span)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.history import readings_history  # noqa: E402
from core.section import builtin  # noqa: E402
from core.sources.base import Source  # noqa: E402
from core.thesis import load_theses  # noqa: E402

MARKET_DATA = ROOT.parent / "shared" / "market-data"
PRICE_BASED = ("price", "rsi", "vix", "trend", "context")


def open_source() -> tuple[Source, str, date, date]:
    if (MARKET_DATA / "GSPC.csv").exists():
        from core.sources.files import FilesSource

        return (
            FilesSource(MARKET_DATA),
            "real history (../shared/market-data)",
            date(1928, 1, 3),
            date(2026, 8, 21),
        )
    from core.sources.sim import SimSource

    today = date.today()
    return SimSource(members=503), "simulated market (503 members)", date(2017, 1, 3), today


def median_seconds(run: object, runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    settings = Settings()
    theses = load_theses(settings.theses)
    sections = builtin()
    source, name, first, last = open_source()
    started = time.perf_counter()
    bars = source.daily_bars(sections.symbols(settings), date(1927, 1, 1), last)
    panel = source.members(date(1927, 1, 1), last)
    loading = time.perf_counter() - started
    members = panel.closes.shape if panel is not None else (0, 0)
    index = bars[settings.symbols.index]
    print(f"source: {name}; reading it: {loading:.2f} s")
    print(f"index sessions: {len(index)}; members: {members[1]} × {members[0]} sessions")

    def price_based() -> pd.DataFrame:
        return readings_history(settings, source, first, last, keys=PRICE_BASED, theses=theses)

    def everything() -> pd.DataFrame:
        return readings_history(settings, source, date(2016, 1, 4), last, theses=theses)

    table = price_based()
    median, worst = median_seconds(price_based, args.runs)
    print(
        f"price-based sections, {table.index[0]:%Y-%m-%d}..{table.index[-1]:%Y-%m-%d}"
        f" ({len(table)} sessions × {table.shape[1]} columns): median {median:.2f} s,"
        f" worst {worst:.2f} s over {args.runs} runs (budget 2 s)"
    )
    table = everything()
    median, worst = median_seconds(everything, args.runs)
    print(
        f"every section, {table.index[0]:%Y-%m-%d}..{table.index[-1]:%Y-%m-%d}"
        f" ({len(table)} sessions × {table.shape[1]} columns): median {median:.2f} s,"
        f" worst {worst:.2f} s over {args.runs} runs (budget 5 s)"
    )


if __name__ == "__main__":
    main()
