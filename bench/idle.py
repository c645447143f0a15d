"""Benchmark: what the default offline run costs while it sits open, market closed and
in regular hours, against the bare-Textual floor measured in the same run (DESIGN.md:
idle CPU ≤ 0.2 % of a core with the market closed; issue 9, items 2 and 6).

Each repeat runs, interleaved, each in a fresh process in a 120x40 pseudo-terminal
(bench/floor.py's `run_in_pty`, bytecode cached as an installed copy's would be):

- floor: a bare Textual app with one Static (`floor.FLOOR_APP`);
- closed: `regime` with no arguments, offline (Yahoo's host does not resolve) and an
  empty cache, so `auto` falls back to the simulated market; on the real clock when the
  market is closed now, else with the hidden clock (`REGIME_CLOCK_START`, see
  core/clock.py) on a Saturday;
- regular: the same with the hidden clock in regular hours (a Thursday, 10:00 New
  York), so open-market CPU and bytes are measured without waiting for the market;
- with `--store`, all the Regime runs take a store filled with three years of the index
  and 503 members (bench/startup.py's `fill_store`: ../shared/market-data when present,
  else the simulated market) in place of the empty cache, so `auto` serves the cache,
  on the hidden clock at the evening of the store's last session (closed) and half an
  hour after the next open (regular);
- with `--resting-cadence N`, also closed with `REGIME_REFRESH__CLOSED=N`: the extra
  CPU and bytes over `closed` are what a refresh of the resting market costs, shown
  amortised over the default closed cadence (900 s).

After `--settle` seconds (start-up, generating the market, the first refresh) the CPU
(% of one core, from /proc) and the bytes written are measured over `--seconds`; the
figures are medians over the repeats (with their range), each beside the floor's
median and their ratio. `--root DIR` runs the app from another checkout (an export
of an older commit, for before/after figures; the hidden clock needs this one's
core/clock.py, so add `--closed-only` for a checkout without it). Linux only.

    uv run python bench/idle.py [--repeats 3] [--seconds 60] [--settle 25] [--store]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import (
    FLOOR_APP,
    OFFLINE_CHILD,
    ROOT,
    SIZE,
    IdleRun,
    child_env,
    regime_env,
    run_in_pty,
    spread,
)
from startup import fill_store, store_clocks

REGULAR_AT = "2026-02-05T10:00:00-05:00"
"""A Thursday, half an hour into regular hours."""
SATURDAY_AT = "2026-02-07T12:00:00-05:00"
"""A Saturday noon: the market closed, for runs made while it is open."""
CLOSED_CADENCE = 900.0
"""The default `refresh.closed`, over which a resting refresh is amortised."""


@dataclass(frozen=True)
class Variant:
    """One kind of run: its label and how to start it in a fresh home directory."""

    label: str
    start: Callable[[Path], IdleRun]


def market_closed_now() -> bool:
    """Whether the NYSE is outside regular hours on the real clock."""
    sys.path.insert(0, str(ROOT))
    from core.session import MarketSession

    return MarketSession().state(datetime.now(UTC)).phase != "regular"


def variants(
    args: argparse.Namespace, base: Mapping[str, str], store: Path | None
) -> list[Variant]:
    """The floor and each kind of Regime run; over the filled cache `store` if given
    (the clocks then at the evening of its last session and the next session's open)."""
    root = str(Path(args.root).resolve())
    closed_at = SATURDAY_AT if store is None else store_clocks(store)[0]
    regular_at = REGULAR_AT if store is None else store_clocks(store)[1]
    if store is None and market_closed_now():
        closed_clock = {}
    else:
        closed_clock = {"REGIME_CLOCK_START": closed_at}

    def floor(_: Path) -> IdleRun:
        return run_in_pty(
            [sys.executable, "-c", FLOOR_APP], base, settle=3.0, seconds=args.seconds,
            quit_keys=b"\x11",
        )  # fmt: skip

    def regime(extra: Mapping[str, str]) -> Callable[[Path], IdleRun]:
        def start(home: Path) -> IdleRun:
            env = regime_env(base, home, extra, cache=store)
            argv = [sys.executable, "-c", OFFLINE_CHILD, root]
            return run_in_pty(argv, env, settle=args.settle, seconds=args.seconds)

        return start

    where = "real clock" if not closed_clock else f"clock from {closed_at}"
    out = [
        Variant("floor (bare Textual, one Static)", floor),
        Variant(f"regime, market closed ({where})", regime(closed_clock)),
    ]
    if not args.closed_only:
        regular = {"REGIME_CLOCK_START": regular_at}
        out.append(Variant(f"regime, regular hours (clock from {regular_at})", regime(regular)))
    if args.resting_cadence:
        cadence = {"REGIME_REFRESH__CLOSED": str(args.resting_cadence)}
        out.append(
            Variant(
                f"regime, market closed, refresh every {args.resting_cadence:g} s",
                regime({**closed_clock, **cadence}),
            )
        )
    return out


def ratio(value: float, floor: float) -> str:
    return f"x{value / floor:.1f}" if floor > 0 else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs of each kind")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window, s")
    parser.add_argument("--settle", type=float, default=25.0, help="start-up before it, s")
    parser.add_argument(
        "--resting-cadence", type=float, default=0.0,
        help="also run closed refreshing every N s (cost of a resting refresh)",
    )  # fmt: skip
    parser.add_argument("--root", default=str(ROOT), help="checkout to run regime from")
    parser.add_argument(
        "--closed-only", action="store_true", help="no regular-hours run (an older --root)"
    )
    parser.add_argument(
        "--store", action="store_true",
        help="auto over a filled store (3 years, 503 members) rather than an empty cache",
    )  # fmt: skip
    args = parser.parse_args()
    base = child_env()
    with tempfile.TemporaryDirectory() as temp:
        store = Path(temp) / "store" if args.store else None
        filled = "empty cache" if store is None else f"store from {fill_store(store)}"
        kinds = variants(args, base, store)
        results: dict[str, list[IdleRun]] = {kind.label: [] for kind in kinds}
        kinds[1].start(Path(temp) / "warm-up")  # bytecode cache and the OS's file cache
        for repeat in range(args.repeats):
            for kind in kinds:
                run = kind.start(Path(temp) / f"{repeat}-{len(results[kind.label])}-{kind.label}")
                results[kind.label].append(run)
                print(
                    f"  [{repeat + 1}/{args.repeats}] {kind.label}: CPU {run.cpu_percent:.2f} %, "
                    f"{run.bytes_written / run.seconds:.0f} B/s, RSS {run.rss_mb:.0f} MB",
                    flush=True,
                )
    print(
        f"\n{SIZE[0]}x{SIZE[1]} pty, offline, {filled}, {args.repeats} interleaved repeats of "
        f"{args.seconds:.0f} s after {args.settle:.0f} s; medians (range); root {args.root}"
    )
    floor_runs = results[kinds[0].label]
    floor_cpu = statistics.median(run.cpu_percent for run in floor_runs)
    floor_bytes = statistics.median(run.bytes_written / run.seconds for run in floor_runs)
    for kind in kinds:
        runs = results[kind.label]
        cpus = [run.cpu_percent for run in runs]
        rates = [run.bytes_written / run.seconds for run in runs]
        cpu, rate = statistics.median(cpus), statistics.median(rates)
        print(
            f"{kind.label}:\n    CPU {cpu:.2f} % ({spread(cpus)}) {ratio(cpu, floor_cpu)} floor, "
            f"{cpu - floor_cpu:+.2f} pt; {rate:.0f} B/s ({min(rates):.0f}–{max(rates):.0f}) "
            f"vs floor {floor_bytes:.0f} B/s; "
            f"RSS {statistics.median(run.rss_mb for run in runs):.0f} MB"
        )
    if args.resting_cadence:
        closed = results[kinds[1].label]
        busy = results[kinds[-1].label]
        refreshes = args.seconds / args.resting_cadence
        extra_cpu = (
            (statistics.median(r.cpu_percent for r in busy) - statistics.median(
                r.cpu_percent for r in closed))
            / 100 * args.seconds / refreshes
        )  # fmt: skip
        extra_bytes = (
            statistics.median(r.bytes_written for r in busy)
            - statistics.median(r.bytes_written for r in closed)
        ) / refreshes
        print(
            f"a resting (market closed) refresh: {extra_cpu * 1000:.0f} ms CPU, "
            f"{extra_bytes:.0f} B; every {CLOSED_CADENCE:.0f} s that is "
            f"{extra_cpu / CLOSED_CADENCE * 100:.3f} % of a core"
        )


if __name__ == "__main__":
    main()
