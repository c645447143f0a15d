"""Readings as history: how long `regime history`'s computation takes (issue 7's
budgets). Two runs, each the median of --runs repetitions, with the data already in
memory (reading the CSVs is timed on its own, once):

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
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.history import readings_history  # noqa: E402
from core.section import builtin  # noqa: E402
from core.sources.base import MemberPanel, Source  # noqa: E402
from core.thesis import load_theses  # noqa: E402

MARKET_DATA = ROOT.parent / "shared" / "market-data"
PRICE_BASED = ("price", "rsi", "vix", "trend", "context")


class InMemory:
    """The bars and members of a source, read once, served by slice (no file I/O in
    the timed part)."""

    kind = "files"
    simulated = False
    historical = True
    cached = False
    capabilities = frozenset({"daily_bars", "members"})
    detail = None
    directory = None

    def __init__(self, source: Source, symbols: Sequence[str], start: date, end: date) -> None:
        self.bars = dict(source.daily_bars(symbols, start, end))
        self.member_panel = source.members(start, end)

    def fetched_at(self, kind: object = None) -> None:
        return None

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        first, last = pd.Timestamp(start), pd.Timestamp(end)
        return {s: self.bars[s].loc[first:last] for s in symbols if s in self.bars}

    def members(self, start: date, end: date) -> MemberPanel | None:
        panel = self.member_panel
        if panel is None:
            return None
        closes = panel.closes.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return MemberPanel(closes=closes, info=panel.info)

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, object]:
        return {}


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
    memory = InMemory(source, sections.symbols(settings), date(1927, 1, 1), last)
    loading = time.perf_counter() - started
    members = memory.member_panel.closes.shape if memory.member_panel is not None else (0, 0)
    index = memory.bars[settings.symbols.index]
    print(f"source: {name}; reading it: {loading:.2f} s")
    print(f"index sessions: {len(index)}; members: {members[1]} × {members[0]} sessions")

    def price_based() -> pd.DataFrame:
        return readings_history(settings, memory, first, last, keys=PRICE_BASED, theses=theses)  # type: ignore[arg-type]

    def everything() -> pd.DataFrame:
        return readings_history(settings, memory, date(2016, 1, 4), last, theses=theses)  # type: ignore[arg-type]

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
