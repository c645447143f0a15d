"""Benchmark: the edge section in an engine's cycle (issue 11). The whole history the
studies read (the index since 1928, the Russell 2000, the VIX family...) is loaded as
the engine loads it (`daily_bars` from 1900 up to the session), then three figures,
each the median of --runs repetitions with the data in memory:

- the whole history's load from a new source (the engine does it off the cycle, once
  a closed session);
- the first cycle after a session closes: every built-in study run over that history
  (the readings the studies read, then each study), a new history object each run so
  that nothing is kept (budget: all built-in studies <= 2 s);
- a cycle that changes nothing: the full signal refresh (every section, the members,
  the option chain) with the studies kept, against the 100 ms budget of a refresh.

Reads ../shared/market-data (503 real members, the real SPX chain); without it the
simulated market.

    uv run python bench/edge.py [--runs 5] [--as-of 2026-02-05]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.refresh import engine_cycle, open_source  # noqa: E402
from core.chain_sessions import session_of  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import FULL_HISTORY_FROM  # noqa: E402
from core.section import Inputs, builtin  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.snapshot import MarketInfo, SourceInfo  # noqa: E402


def median_ms(run: Callable[[], object], runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refresh-runs", type=int, default=30)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 8, 14))
    args = parser.parse_args()

    settings = Settings()
    session = MarketSession()
    source, name = open_source(args.as_of)
    sections = builtin()
    full_symbols = sections.full_history_symbols(settings)

    def load() -> dict[str, pd.DataFrame]:
        # A new source each run: the files are read again, as after a start.
        fresh, _ = open_source(args.as_of)
        bars = fresh.daily_bars(full_symbols, FULL_HISTORY_FROM, args.as_of)
        return {symbol: frame.loc[: pd.Timestamp(args.as_of)] for symbol, frame in bars.items()}

    load_ms, _ = median_ms(load, args.runs)
    full_bars = load()

    window, chain = engine_cycle(source, settings, args.as_of, settings.history_years)
    chains = {} if chain is None else {session_of(session, chain.as_of): chain}
    cycle = replace(window, chains=chains, full_bars=full_bars)
    envelope = {
        "as_of": session.session_close(args.as_of),
        "source": SourceInfo(kind=source.kind, simulated=source.simulated, label="BENCH"),
        "market": MarketInfo(phase="closed", next_open=None, next_close=None),
    }
    edge = sections["edge"]

    def first_cycle() -> object:
        # A new history of new frames: nothing of an earlier run is kept.
        copied = {symbol: frame.copy() for symbol, frame in full_bars.items()}
        fresh = replace(cycle, full_bars=copied)
        return edge.run(Inputs(settings, fresh, None, {}, sections, {}, envelope))

    first_ms, first_worst = median_ms(first_cycle, args.runs)
    reading = edge.run(Inputs(settings, cycle, None, {}, sections, {}, envelope))
    sections.assemble(settings, cycle, envelope)  # warm caches
    cached_ms, cached_worst = median_ms(
        lambda: sections.assemble(settings, replace(cycle, chains=dict(chains)), envelope),
        args.refresh_runs,
    )

    index = full_bars[settings.symbols.index]
    print(f"source: {name}")
    print(
        f"whole history: {', '.join(full_symbols)}; the index from {index.index[0].date()}"
        f" ({len(index):,} sessions)"
    )
    print(f"studies: {len(reading.studies)} run, {len(reading.active)} active")
    print(f"whole history's load: median {load_ms:.0f} ms over {args.runs} runs")
    print(
        f"first cycle after a close (every study): median {first_ms:.0f} ms,"
        f" worst {first_worst:.0f} ms over {args.runs} runs (budget 2000 ms)"
    )
    print(
        f"cycle with the studies kept (full refresh): median {cached_ms:.1f} ms,"
        f" worst {cached_worst:.1f} ms over {args.refresh_runs} runs (budget 100 ms)"
    )


if __name__ == "__main__":
    main()
