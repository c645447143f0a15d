"""Dealer gamma on a large chain: how long `core.signals.gamma.gamma_reading` takes on a
synthetic 20,000-contract SPX-like chain (40 expiries × 250 strikes × call and put,
a skewed smile, open interest heaviest at round strikes and in downside puts (so the
profile changes sign and the flip is searched), a few rows without implied vol
or open interest), the whole computation: exclusions, exposures, by strike and by
expiry, walls, the 161-level profile and the flip's bisection. Median of --runs
repetitions (after one warm-up) against the 50 ms budget of DESIGN.md. No data files,
no network; the chain is built once, outside the timing."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.options.chain import COLUMNS, OptionChain  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    chain = synthetic_chain()
    reading = gamma_reading(chain)  # warm-up
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        gamma_reading(chain)
        timings.append((time.perf_counter() - started) * 1000.0)
    median = statistics.median(timings)
    flip = "none" if reading.zero_gamma is None else f"{reading.zero_gamma:,.2f}"
    print(
        f"chain: {len(chain.contracts):,} contracts ({reading.contracts_used:,} used,"
        f" {reading.contracts_excluded:,} excluded), {reading.expiries_used} expiries,"
        f" profile {len(reading.profile_spot)} levels; net {reading.total_gex_bn:+.2f} $bn/1%,"
        f" flip {flip}"
    )
    print(
        f"gamma_reading: median {median:.1f} ms, min {min(timings):.1f} ms,"
        f" max {max(timings):.1f} ms over {args.runs} runs (budget {BUDGET_MS:.0f} ms:"
        f" {'within' if median <= BUDGET_MS else 'OVER'})"
    )


if __name__ == "__main__":
    main()
