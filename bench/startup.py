"""Benchmark: first paint of the UI and first full data from the store, against the
1.0 s and 1.5 s budgets of DESIGN.md. Each run is a fresh `python` process, timed from
just before it is spawned: first paint is Textual's Ready event (the first frame is
displayed); first data is the first frame after a Snapshot with prices has reached
the panels. The store is filled beforehand in a temporary cache directory, from
../shared/market-data when present (else from the simulated market), and the child
runs `auto` with Yahoo unreachable, so the data comes from the store as on a second
start offline.

    uv run python bench/startup.py [--runs 5]
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
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKET_DATA = ROOT.parent / "shared" / "market-data"


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
        from datetime import UTC, datetime

        store.mark_fetched("daily", datetime.now(UTC))
    return name


CHILD = r"""
import json, socket, sys, time

marks = {}
real_getaddrinfo = socket.getaddrinfo


def offline(host, *args, **kwargs):
    # Yahoo unreachable, as on a machine with no network: auto takes the store.
    if "yahoo" in str(host):
        raise socket.gaierror("benchmark: offline")
    return real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = offline
import tui.app
from core.config import load_settings
from tui import cli


class Timed(tui.app.RegimeApp):
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
            if kind == "computed":
                self.exit()

        self.call_after_refresh(painted)


tui.app.RegimeApp = Timed
settings = load_settings()
cli.make_app(settings, None, cli.load_theses(settings, None)).run(headless=True, size=(120, 40))
print(json.dumps(marks))
"""


def run_once(env: dict[str, str]) -> tuple[float, float, float]:
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"child failed:\n{result.stderr}")
    marks = json.loads(result.stdout.strip().splitlines()[-1])
    return (
        marks["paint"] - started,
        marks.get("restored", float("nan")) - started,
        marks["computed"] - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        name = fill_store(Path(temp))
        env = {**os.environ, "XDG_CACHE_HOME": temp, "XDG_CONFIG_HOME": temp}
        # Warm the install (bytecode, OS file cache); this run also leaves the last
        # Snapshot behind, as any earlier session would.
        run_once(env)
        runs = [run_once(env) for _ in range(args.runs)]
    print(f"store filled from: {name}")
    for label, values, budget in (
        ("first paint", [run[0] for run in runs], "1.0 s"),
        ("first full data (last run's readings, restored)", [run[1] for run in runs], "1.5 s"),
        ("first data computed from the store", [run[2] for run in runs], "none"),
    ):
        print(
            f"{label}: median {statistics.median(values):.2f} s,"
            f" worst {max(values):.2f} s (budget {budget})"
        )


if __name__ == "__main__":
    main()
