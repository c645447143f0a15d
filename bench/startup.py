"""Benchmark: first paint of the monitor against the bare-Textual floor measured in the
same run (DESIGN.md: at most 0.3 s above it), the last run's readings restored, and
the first data computed from the store (at most 2.0 s). Each run is a fresh `python`
process running the `regime` command's own path (`tui.cli.main([])`, headless at
120x40 as the floor), timed from just before it is spawned: first paint is Textual's
Ready event (the first frame is displayed); a data mark is the first frame after a
Snapshot with prices has reached the panels. Floor and Regime runs alternate, so both
see the same machine. The store is filled beforehand in a temporary cache directory,
from ../shared/market-data when present (else from the simulated market), and the
child runs `auto` with Yahoo unreachable, so the data comes from the store as on a
second start offline. Python's bytecode is cached (bench/floor.py's `child_env`),
as in an installed copy; `--no-bytecode` compiles every module each run instead.

    uv run python bench/startup.py [--runs 5] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKET_DATA = ROOT.parent / "shared" / "market-data"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import OFFLINE, SIZE, child_env, first_paint, regime_env, spread  # noqa: E402

CHILD_TIMEOUT = 60.0
"""Seconds a child may take before it counts as hung (its marks so far are shown)."""


def fill_store(cache_home: Path) -> str:
    """Write into the store under `cache_home` what the engine loads: three years of
    members' closes and daily bars as far back as the sections' warm-up needs."""
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    sys.path.insert(0, str(ROOT))
    from core.config import Settings
    from core.engine import Engine
    from core.store import Store, default_store_path

    settings = Settings()
    if (MARKET_DATA / "GSPC.csv").exists():
        from core.sources.files import FilesSource

        source: object = FilesSource(MARKET_DATA)
        end, name = date(2026, 8, 21), "real history (../shared/market-data)"
    else:
        from core.sources.sim import SimSource

        source, end, name = SimSource(), date.today(), "simulated market"
    start = end - timedelta(days=3 * 366)
    windows = Engine(settings, source).windows(end)  # type: ignore[arg-type]
    with Store(default_store_path()) as store:
        for first, symbols in windows.items():
            for symbol, bars in source.daily_bars(symbols, first, end).items():  # type: ignore[attr-defined]
                store.upsert_bars(symbol, bars)
        members = source.members(start, end)  # type: ignore[attr-defined]
        if members is not None:
            store.upsert_members(members.closes)
        store.mark_fetched("daily", datetime.now(UTC))
    return name


def store_clocks(cache_home: Path) -> tuple[str, str]:
    """Times for REGIME_CLOCK_START that suit the store `fill_store` filled under
    `cache_home`: the evening (20:00 New York, market closed) of its last session, and
    half an hour after the open of the next session (regular hours)."""
    sys.path.insert(0, str(ROOT))
    from core.clock import NEW_YORK
    from core.session import MarketSession
    from core.store import Store

    with Store(cache_home / "regime" / "regime.sqlite") as store:
        last: date | None = store.last_session("^GSPC")
    if last is None:
        raise SystemExit(f"the store under {cache_home} holds no ^GSPC bars")
    evening = datetime(last.year, last.month, last.day, 20, 0, tzinfo=NEW_YORK)
    opens = MarketSession().state(evening).next_open + timedelta(minutes=30)
    return evening.isoformat(), opens.astimezone(NEW_YORK).isoformat()


CHILD = (
    OFFLINE
    + r"""
import json, sys, time
from functools import partial

marks = {}
from tui import cli

make_monitor = cli.make_monitor


def timed_app(*args, **kwargs):
    # The app the command builds, measured: its class gains the marks (Textual finds
    # handlers on the class), and it runs headless at the floor's size.
    app = make_monitor(*args, **kwargs)

    class Timed(type(app)):
        def on_ready(self) -> None:
            marks["paint"] = time.time()
            super().on_ready()

        def watch_snapshot(self, snapshot) -> None:
            super().watch_snapshot(snapshot)
            if snapshot is None or snapshot.price.last is None:
                return
            kind = "restored" if snapshot.source.label.endswith("last run") else "computed"

            def painted() -> None:
                marks.setdefault(kind, time.time())
                print(json.dumps(marks), file=sys.stderr, flush=True)
                if kind == "computed":
                    self.exit()

            self.call_after_refresh(painted)

    app.__class__ = Timed
    app.run = partial(app.run, headless=True, size=(int(sys.argv[1]), int(sys.argv[2])))
    return app


cli.make_monitor = timed_app
status = cli.main([])
print(json.dumps(marks))
sys.exit(status)
"""
)
"""`regime` offline (floor.OFFLINE), headless at argv[1] x argv[2], printing its marks."""


def run_once(env: dict[str, str]) -> tuple[float, float, float]:
    """One fresh Regime process: seconds to first paint, restored data, computed data."""
    started = time.time()
    argv = [sys.executable, "-c", CHILD, str(SIZE[0]), str(SIZE[1])]
    try:
        result = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT
        )
    except subprocess.TimeoutExpired as hung:
        raise SystemExit(
            f"child hung for {CHILD_TIMEOUT:.0f} s; its marks so far (stderr):\n{hung.stderr!r}"
        ) from None
    if result.returncode != 0:
        raise SystemExit(f"child failed ({result.returncode}):\n{result.stderr}")
    marks = json.loads(result.stdout.strip().splitlines()[-1])
    return (
        marks["paint"] - started,
        marks.get("restored", float("nan")) - started,
        marks["computed"] - started,
    )


def line(label: str, values: Sequence[float], note: str = "") -> str:
    """`label`: median and range of `values` (seconds)."""
    return f"{label:<38} median {statistics.median(values):.3f} s  (range {spread(values)} s){note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="write no bytecode (as this machine runs)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        cache = Path(temp) / "cache"
        name = fill_store(cache)
        env = regime_env(child_env(bytecode=not args.no_bytecode), Path(temp), cache=cache)
        # Warm the install (bytecode, OS file cache); this run also leaves the last
        # Snapshot behind, as any earlier session would.
        first_paint(env)
        run_once(env)
        floors: list[float] = []
        runs: list[tuple[float, float, float]] = []
        for _ in range(args.runs):
            floors.append(first_paint(env))
            runs.append(run_once(env))
    paints = [run[0] for run in runs]
    above = [paint - floor for paint, floor in zip(paints, floors, strict=True)]
    ratio = [paint / floor for paint, floor in zip(paints, floors, strict=True)]
    bytecode = (
        "no bytecode written (own modules compiled each run)"
        if args.no_bytecode
        else "bytecode cached"
    )
    print(
        f"store filled from: {name}; {args.runs} interleaved runs, headless"
        f" {SIZE[0]}x{SIZE[1]}, {bytecode}"
    )
    print(line("floor first paint (bare Textual)", floors))
    print(line("Regime first paint", paints))
    print(line("  above the floor", above, " (budget 0.3 s)"))
    print(
        f"{'  ratio to the floor':<38} median {statistics.median(ratio):.2f}×"
        f"  (range {min(ratio):.2f}–{max(ratio):.2f})"
    )
    print(line("last run's readings restored", [run[1] for run in runs]))
    print(line("fresh data computed from the store", [run[2] for run in runs], " (budget 2.0 s)"))


if __name__ == "__main__":
    main()
