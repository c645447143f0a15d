"""Dealer gamma on a large chain: how long `core.signals.gamma.gamma_reading` takes on a
synthetic 20,000-contract SPX-like chain (40 expiries × 250 strikes × call and put,
a skewed smile, open interest heaviest at round strikes and in downside puts (so the
profile changes sign and the flip is searched), a few rows without implied vol
or open interest), the whole computation: exclusions, exposures, by strike and by
expiry, walls, the 161-level profile and the flip's bisection. Median of --runs
repetitions (after one warm-up) against the 50 ms budget of DESIGN.md; then the same
for the whole gamma section (`core.sections.gamma`'s compute: the reading, the readings
row, the panel's profile, by-strike and by-expiry series as pydantic models), each run
on a new chain object so that the section's per-chain cache never answers. No data
files, no network; the chain is built once, outside the timing."""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.options.chain import COLUMNS, OptionChain  # noqa: E402
from core.section import CycleData, Inputs, builtin  # noqa: E402
from core.sections import gamma as gamma_section  # noqa: E402
from core.session import MarketSession  # noqa: E402
from core.signals.gamma import gamma_reading  # noqa: E402

BUDGET_MS = 50.0
SPOT = 7500.0
AS_OF = datetime(2026, 8, 14, 16, 14, 59, tzinfo=ZoneInfo("America/New_York"))


def synthetic_chain(expiries: int = 40, strikes: int = 250, seed: int = 7) -> OptionChain:
    """`expiries` × `strikes` × (call, put) contracts around `SPOT`."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2026-08-17", periods=expiries * 2)[::2][:expiries]
    strike_grid = SPOT * 0.7 + np.arange(strikes) * (SPOT * 0.6 / strikes)
    strike_grid = np.round(strike_grid / 5) * 5
    expiry = np.repeat(dates.to_numpy(), strikes * 2)
    strike = np.tile(np.repeat(strike_grid, 2), expiries)
    kind = np.tile(np.array(["call", "put"], dtype=object), expiries * strikes)
    moneyness = np.log(strike / SPOT)
    vol = 0.16 - 0.35 * moneyness + 1.5 * moneyness**2 + rng.normal(0, 0.005, len(strike))
    round_strike = (strike % 100 == 0) * 4.0 + (strike % 500 == 0) * 10.0
    downside_puts = ((kind == "put") & (strike < SPOT)) * 0.5  # hedges: a flip to find
    open_interest = np.floor(
        rng.gamma(1.5, 300.0, len(strike)) * (1.0 + round_strike) * (1.0 + downside_puts)
    )
    vol[rng.random(len(strike)) < 0.05] = np.nan
    open_interest[rng.random(len(strike)) < 0.05] = 0.0
    frame = pd.DataFrame(
        {
            "expiry": expiry,
            "kind": kind,
            "strike": strike,
            "implied_vol": vol,
            "open_interest": open_interest,
            "gamma": np.nan,
            "bid": np.nan,
            "ask": np.nan,
            "volume": np.nan,
        }
    )
    return OptionChain("^SPX", AS_OF, SPOT, frame.loc[:, list(COLUMNS)], "synthetic")


def section_run(chain: OptionChain) -> Callable[[], object]:
    """The gamma section's compute on a new copy of `chain` (the cache never answers)."""
    settings, registry, session = Settings(), builtin(), MarketSession()

    def run() -> object:
        fresh = dataclasses.replace(chain)
        cycle = CycleData(
            bars={},
            members=None,
            state="REPLAY",
            detail=None,
            close_time=session.session_close,
            chains={AS_OF.date(): fresh},
        )
        return gamma_section.compute(Inputs(settings, cycle, None, {}, registry, {}, {}))

    return run


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each of `runs` calls, after one warm-up."""
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def report(what: str, timings: list[float]) -> None:
    median = statistics.median(timings)
    print(
        f"{what}: median {median:.1f} ms, min {min(timings):.1f} ms,"
        f" max {max(timings):.1f} ms over {len(timings)} runs (budget {BUDGET_MS:.0f} ms:"
        f" {'within' if median <= BUDGET_MS else 'OVER'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    chain = synthetic_chain()
    reading = gamma_reading(chain)
    flip = "none" if reading.zero_gamma is None else f"{reading.zero_gamma:,.2f}"
    print(
        f"chain: {len(chain.contracts):,} contracts ({reading.contracts_used:,} used,"
        f" {reading.contracts_excluded:,} excluded), {reading.expiries_used} expiries,"
        f" profile {len(reading.profile_spot)} levels; net {reading.total_gex_bn:+.2f} $bn/1%,"
        f" flip {flip}"
    )
    report("gamma_reading", timed(lambda: gamma_reading(chain), args.runs))
    report("gamma section", timed(section_run(chain), args.runs))


if __name__ == "__main__":
    main()
