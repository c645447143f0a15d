"""Benchmark: the monitor's resident memory over an open market, against DESIGN.md's
budgets (RSS ≤ 150 MB with the members loaded, a start-up peak ≤ 180 MB, flat after
warm-up), beside the bare-Textual floor and the cost of the imports alone.

The real `regime` command runs in a 120x40 pseudo-terminal with Yahoo unreachable,
its clock moved into regular hours by the hidden REGIME_CLOCK_START (so the market is
open whatever the hour here), in two cases started side by side: `--source sim` with
an empty cache (the simulated market is generated at start: 450 members, the app's
default) and the default `auto` over a store filled with three years of the index and
503 members (../shared/market-data when present, else the simulated market), which
auto serves offline. Beside them run the bare Textual app with one Static (the floor,
`bench/floor.py`) and a process that only imports what the app imports and builds the
NYSE calendar (no data, no screen: the part no change to Regime's own code removes).
Every `--every` seconds VmRSS and VmHWM are read from /proc (Linux): the start-up peak
is VmHWM at the end of warm-up, the peak is VmHWM at the end, and "flat" is the RSS
growth from warm-up to the end. With `--runs` above 1 the rounds run one after the
other and each figure is their median (range in brackets).

    uv run python bench/memory.py [--minutes 20] [--warmup 2] [--runs 1] [--every 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import (
    FLOOR_APP,
    OFFLINE_CHILD,
    ROOT,
    SIZE,
    child_env,
    regime_env,
    spawn_in_pty,
    stop,
)
from startup import fill_store, store_clocks

SIM_OPEN = "2026-02-05T10:00:00-05:00"
"""Where the simulated market's clock starts: a Thursday, half an hour after the open."""
BUDGET_RSS = 150.0
BUDGET_PEAK = 180.0

IMPORTS = r"""
import tui.app, tui.cli
import numpy, pandas
import core.engine, core.section, core.store, core.sources.cache, core.sources.sim
from datetime import date
from core.session import session_times
core.section.builtin()
session_times(date.min)  # the schedule, as the app reads it (cached, no exchange_calendars)
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of process `pid`, MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


@dataclass
class Watched:
    """One process in a pseudo-terminal and what was read of its memory."""

    name: str
    child: subprocess.Popen[bytes]
    master: int
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    """(seconds since start, VmRSS, VmHWM)."""

    def at(self, seconds: float) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the first sample at or after `seconds`."""
        for when, rss, hwm in self.samples:
            if when >= seconds:
                return rss, hwm
        raise RuntimeError(f"{self.name}: no sample at {seconds:.0f} s (it ended early?)")


def spawn(name: str, argv: Sequence[str], env: Mapping[str, str]) -> Watched:
    """Start `argv` in a pseudo-terminal of SIZE."""
    return Watched(name, *spawn_in_pty(argv, env))


def watch(processes: list[Watched], seconds: float, every: float) -> None:
    """Read what every process writes (so none blocks on its terminal) for `seconds`,
    sampling their memory every `every` seconds; then stop them all."""
    started = time.monotonic()
    next_sample = started + every
    try:
        while (now := time.monotonic()) < started + seconds + every / 2:
            masters = [p.master for p in processes if p.child.poll() is None]
            ready, _, _ = select.select(masters, [], [], max(0.0, next_sample - now))
            for fd in ready:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
            if time.monotonic() >= next_sample:
                for process in processes:
                    if process.child.poll() is None:
                        rss, hwm = memory_mb(process.child.pid)
                        process.samples.append((next_sample - started, rss, hwm))
                next_sample += every
    finally:
        for process in processes:
            stop(process.child, process.master, b"q")


def imports_only(env: Mapping[str, str]) -> float:
    """RSS (MB) of a process that imports what the app imports and nothing else."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS], cwd=ROOT, env=dict(env),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(result.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Round:
    """One round's figures per case: (start-up peak, RSS after warm-up, RSS at the end,
    peak), MB."""

    figures: dict[str, tuple[float, float, float, float]]
    imports: float


def one_round(cache_home: Path, minutes: float, warmup: float, every: float) -> Round:
    """Run the floor and both cases side by side for `minutes` (the simulated market
    with a cache of its own, empty)."""
    with tempfile.TemporaryDirectory() as empty:
        return _round(cache_home, Path(empty), minutes, warmup, every)


def _round(
    cache_home: Path, empty_home: Path, minutes: float, warmup: float, every: float
) -> Round:
    base = child_env()
    imports = imports_only(base)
    python = sys.executable

    regime = [python, "-c", OFFLINE_CHILD, str(ROOT)]
    sim_env = regime_env(base, empty_home / "sim", {"REGIME_CLOCK_START": SIM_OPEN})
    opens = {"REGIME_CLOCK_START": store_clocks(cache_home)[1]}
    cache_env = regime_env(base, empty_home / "cache", opens, cache=cache_home)
    processes = [
        spawn("floor (bare Textual)", [python, "-c", FLOOR_APP], base),
        spawn("sim, empty cache", [*regime, "--source", "sim"], sim_env),
        spawn("cache (auto, offline)", regime, cache_env),
    ]
    watch(processes, minutes * 60, every)
    figures = {}
    for process in processes:
        warm_rss, warm_hwm = process.at(warmup * 60)
        end_rss, end_hwm = process.at(minutes * 60)
        figures[process.name] = (warm_hwm, warm_rss, end_rss, end_hwm)
    return Round(figures, imports)


def median(values: Sequence[float]) -> str:
    """The median, with the range when there is more than one value."""
    text = f"{statistics.median(values):6.1f}"
    return text if len(values) == 1 else f"{text} [{min(values):.1f}–{max(values):.1f}]"


def report(rounds: list[Round], minutes: float, warmup: float, source: str) -> None:
    """Print the table: each case's figures and their difference to the floor."""
    print(
        f"memory: regime in a {SIZE[0]}x{SIZE[1]} pty, Yahoo unreachable, {minutes:g} min of "
        f"an open market (REGIME_CLOCK_START), {len(rounds)} round(s), MB; store filled "
        f"from: {source}"
    )
    print(
        f"{'':24} {'start-up peak':>14} {f'RSS at {warmup:g} min':>14} "
        f"{f'RSS at {minutes:g} min':>14} {'growth':>8} {'peak':>8}"
    )
    floor_name = next(iter(rounds[0].figures))
    floor_end = statistics.median(r.figures[floor_name][2] for r in rounds)
    for name in rounds[0].figures:
        peaks = [r.figures[name][0] for r in rounds]
        warm = [r.figures[name][1] for r in rounds]
        end = [r.figures[name][2] for r in rounds]
        overall = [r.figures[name][3] for r in rounds]
        growth = statistics.median(e - w for w, e in zip(warm, end, strict=True))
        print(
            f"{name:24} {median(peaks):>14} {median(warm):>14} {median(end):>14} "
            f"{growth:+8.1f} {median(overall):>8}"
        )
    print(f"{'imports only':24} {'':>14} {median([r.imports for r in rounds]):>14}")
    for name in list(rounds[0].figures)[1:]:
        last = statistics.median(r.figures[name][2] for r in rounds)
        peak = statistics.median(r.figures[name][0] for r in rounds)
        print(
            f"{name}: RSS {last:.1f} MB (budget {BUDGET_RSS:g}), floor + "
            f"{last - floor_end:.1f} MB ({last / floor_end:.2f}x); start-up peak {peak:.1f} MB "
            f"(budget {BUDGET_PEAK:g})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="minutes of open market")
    parser.add_argument("--warmup", type=float, default=2.0, help="minutes of warm-up")
    parser.add_argument("--runs", type=int, default=1, help="rounds, one after the other")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    args = parser.parse_args()
    if not 0 < args.warmup < args.minutes or args.runs < 1 or args.every <= 0:
        parser.error("need 0 < --warmup < --minutes, --runs >= 1 and --every > 0")
    with tempfile.TemporaryDirectory() as cache_home:
        source = fill_store(Path(cache_home))
        rounds = [
            one_round(Path(cache_home), args.minutes, args.warmup, args.every)
            for _ in range(args.runs)
        ]
    report(rounds, args.minutes, args.warmup, source)


if __name__ == "__main__":
    main()
