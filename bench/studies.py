"""All built-in studies over the S&P 500 since 1928 (issue 11's budget: 2 s together),
as `regime study` and the Edge panel compute them: one history of the readings the
studies read (`core.studies.over_history.study_history`, the sections
`sections_read` names, breadth's members included) and every study run on it
(`core.studies.run.run_study`). Each figure is the median of --runs repetitions with
the data already in memory (the source keeps what it has read; reading the CSVs is
timed on its own), split into the readings and the runs, then each section's share of
the readings and each study's run, so a figure over budget says where the time goes.
Reads ../shared/market-data (real history); without it, or with `--sim`, the
simulated market (no history before its start: a shorter span)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.history import fetch_cycle, frames_of, readings_table  # noqa: E402
from core.section import builtin  # noqa: E402
from core.sources.base import Source  # noqa: E402
from core.studies.over_history import (  # noqa: E402
    measured_symbols,
    sections_read,
    study_history,
)
from core.studies.run import run_study  # noqa: E402
from core.studies.study import load_studies  # noqa: E402

MARKET_DATA = ROOT.parent / "shared" / "market-data"
BUDGET = 2.0


def open_source(sim: bool) -> tuple[Source, str, date | None, date]:
    if not sim and (MARKET_DATA / "GSPC.csv").exists():
        from core.sources.files import FilesSource

        return (
            FilesSource(MARKET_DATA),
            "real history (../shared/market-data)",
            None,
            date(2026, 8, 21),
        )
    from core.sources.sim import SimSource

    return SimSource(members=503), "simulated market (503 members)", None, date.today()


def median_seconds(run: Callable[[], Any], runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sim", action="store_true", help="the simulated market")
    args = parser.parse_args()

    settings = Settings()
    studies = list(load_studies(settings).values())
    source, name, first, last = open_source(args.sim)
    registry = builtin()
    wanted, computed = sections_read(studies, registry)
    symbols = measured_symbols(settings, studies)

    started = time.perf_counter()
    readings, prices = study_history(settings, source, studies, first, last)  # reads the CSVs
    loading = time.perf_counter() - started
    print(f"source: {name}; first history, the CSVs read: {loading:.2f} s")
    print(
        f"{len(studies)} studies over {readings.index[0]:%Y-%m-%d}..{readings.index[-1]:%Y-%m-%d}"
        f" ({len(readings)} sessions × {readings.shape[1]} columns); sections read:"
        f" {', '.join(section.key for section in wanted)}; computed:"
        f" {', '.join(section.key for section in computed)}"
    )

    def history() -> Any:
        return study_history(settings, source, studies, first, last)

    def runs() -> Any:
        return [run_study(study, readings, prices, settings) for study in studies]

    read_median, read_worst = median_seconds(history, args.runs)
    run_median, run_worst = median_seconds(runs, args.runs)
    total = read_median + run_median
    verdict = "within" if total <= BUDGET else "OVER"
    print(
        f"readings: median {read_median:.2f} s (worst {read_worst:.2f}); runs: median"
        f" {run_median:.2f} s (worst {run_worst:.2f}); together {total:.2f} s over"
        f" {args.runs} runs: {verdict} the {BUDGET:g} s budget"
    )

    # Where the readings' time goes: the fetch from memory, each section, the table.
    start = first if first is not None else date(1900, 1, 1)
    cycle = fetch_cycle(settings, source, start, last, computed, symbols=symbols)
    fetch, _ = median_seconds(
        lambda: fetch_cycle(settings, source, start, last, computed, symbols=symbols), args.runs
    )
    shares = [f"data {fetch:.2f}"]
    # Each section with those before it, less those before it: a section may read their
    # frames (the checklist, the price section's levels from gamma).
    done = 0.0
    for number, section in enumerate(computed):
        upto = partial(frames_of, settings, cycle, registry, computed[: number + 1], None, start)
        seconds, _ = median_seconds(upto, args.runs)
        seconds, done = seconds - done, seconds
        shares.append(f"{section.key} {seconds:.2f}")
    frames = frames_of(settings, cycle, registry, computed, None, start)
    table, _ = median_seconds(lambda: readings_table(frames, wanted), args.runs)
    shares.append(f"table {table:.2f}")
    print("readings by part (s, medians): " + ", ".join(shares))

    by_study = []
    for study in studies:
        seconds, _ = median_seconds(
            partial(run_study, study, readings, prices, settings), args.runs
        )
        by_study.append((seconds, study.id))
    slowest = ", ".join(
        f"{study_id} {seconds * 1000:.0f} ms"
        for seconds, study_id in sorted(by_study, reverse=True)
    )
    print(f"runs by study (medians): {slowest}")


if __name__ == "__main__":
    main()
