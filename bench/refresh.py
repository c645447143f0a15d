"""Benchmark: one full signal refresh (index + members + VIX family + the index's option
chain) — the compute part of an engine cycle, with the data already in memory — against
the 100 ms budget of DESIGN.md. Uses ../shared/market-data (503 real members, the real
SPX chain of the session or the latest before it) when present, else the simulated
market with 503 members and its chain. Each run gets a new chain object, so the gamma
section computes it afresh as a new fetch would. Prints the median and worst of N runs.

    uv run python bench/refresh.py [--runs 30] [--years 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.chain_sessions import session_of  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.options.chain import OptionChain  # noqa: E402
from core.section import CycleData, builtin  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.snapshot import MarketInfo, SourceInfo  # noqa: E402
from core.sources.base import Source  # noqa: E402

MARKET_DATA = ROOT.parent / "shared" / "market-data"


def open_source(as_of: date) -> tuple[Source, str]:
    if (MARKET_DATA / "constituents" / "closes.csv").exists():
        from core.sources.files import FilesSource

        return FilesSource(MARKET_DATA), f"files:{MARKET_DATA}"
    from core.clock import NEW_YORK, fixed_clock
    from core.sources.sim import SimSource

    clock = fixed_clock(MarketSession().session_close(as_of).astimezone(NEW_YORK))
    return SimSource(seed=7000, clock=clock, members=503), "sim (503 members)"


def engine_cycle(
    source: Source, settings: Settings, as_of: date, years: float
) -> tuple[CycleData, OptionChain | None]:
    """A cycle's data as the engine loads it as of `as_of`'s close: members over
    `history_years` (or `years`), daily bars back as far as the sections' warm-up
    needs, the option chain when the source serves one (not yet in the cycle)."""
    start = as_of - timedelta(days=round(365.25 * max(years, settings.history_years)))
    bars: dict[str, pd.DataFrame] = {}
    for first, symbols in Engine(settings, source).windows(as_of).items():
        bars.update(source.daily_bars(symbols, min(first, start), as_of))
    chain = source.option_chain(as_of) if "option_chains" in source.capabilities else None
    cycle = CycleData(
        bars=bars,
        members=source.members(start, as_of),
        state="REPLAY",
        detail=None,
        close_time=MarketSession().session_close,
    )
    return cycle, chain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 8, 14))
    args = parser.parse_args()

    settings = Settings()
    session = MarketSession()
    source, name = open_source(args.as_of)
    sections = builtin()
    cycle, chain = engine_cycle(source, settings, args.as_of, args.years)
    bars, members = cycle.bars, cycle.members

    def with_new_chain() -> CycleData:
        if chain is None:
            return cycle
        fresh = dataclasses.replace(chain)
        return dataclasses.replace(cycle, chains={session_of(session, chain.as_of): fresh})

    envelope = {
        "as_of": session.session_close(args.as_of),
        "source": SourceInfo(kind=source.kind, simulated=source.simulated, label="BENCH"),
        "market": MarketInfo(phase="closed", next_open=None, next_close=None),
    }
    sections.assemble(settings, with_new_chain(), envelope)  # warm caches
    timings = []
    for _ in range(args.runs):
        data = with_new_chain()
        started = time.perf_counter()
        sections.assemble(settings, data, envelope)
        timings.append((time.perf_counter() - started) * 1000)
    shape = members.closes.shape if members is not None else (0, 0)
    print(f"source: {name}")
    index_bars = len(bars[settings.symbols.index])
    print(f"members: {shape[1]} × {shape[0]} sessions; index bars: {index_bars}")
    if chain is None:
        print("option chain: none")
    else:
        print(f"option chain: {len(chain.contracts):,} contracts of {chain.as_of:%Y-%m-%d}")
    print(
        f"full signal refresh: median {statistics.median(timings):.1f} ms, "
        f"worst {max(timings):.1f} ms over {args.runs} runs (budget 100 ms)"
    )


if __name__ == "__main__":
    main()
