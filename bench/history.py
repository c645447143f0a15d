"""Readings as history: how long `regime history`'s computation takes (issue 7's
budgets). Two runs, each the median of --runs repetitions, with the data already in
memory (the source keeps what it has read; reading the CSVs is timed on its own):

- price-based sections (price, rsi, vix, trend, context) over the S&P 500 since 1928,
  about 24,700 sessions: budget 2 s;
- every section, breadth's 503 members and the checklist included, over 2016–2026:
  budget 5 s;
- the gamma section alone over the span of the option chains asked for: every session
  of the index asked for its chain (`core.chain_sessions`), each chain read once and
  its gamma computed (no budget of its own: it is part of the two above, and the
  figure says what the chains cost in them).

The price section lists the gamma levels, so the first two figures include the chains
too. Reads ../shared/market-data (real history: 22 chains); without it, or with
`--sim`, the simulated market (a chain every session; no history before 2016, so the
first figure is then over the sim's span, and `--sim-years` shortens the others)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
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


def open_source(sim: bool) -> tuple[Source, str, date, date]:
    if not sim and (MARKET_DATA / "GSPC.csv").exists():
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
    parser.add_argument("--sim", action="store_true", help="the simulated market")
    parser.add_argument(
        "--sim-years",
        type=float,
        default=None,
        help="with the sim: the last N years only for every section and gamma",
    )
    args = parser.parse_args()

    settings = Settings()
    theses = load_theses(settings.theses)
    sections = builtin()
    source, name, first, last = open_source(args.sim)
    since = date(2016, 1, 4)
    if args.sim_years is not None and source.simulated:
        since = last - timedelta(days=round(365.25 * args.sim_years))
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
        return readings_history(settings, source, since, last, theses=theses)

    def gamma() -> pd.DataFrame:
        return readings_history(settings, source, since, last, keys=["gamma"])

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
    table = gamma()
    chains = table["gamma.session"].nunique() if "gamma.session" in table else 0
    median, worst = median_seconds(gamma, args.runs)
    print(
        f"gamma alone, {table.index[0]:%Y-%m-%d}..{table.index[-1]:%Y-%m-%d}"
        f" ({len(table)} sessions asked, {chains} chains): median {median:.2f} s,"
        f" worst {worst:.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
