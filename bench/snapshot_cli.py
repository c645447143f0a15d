"""Benchmark: `regime snapshot --source files:../shared/market-data` with `--format json`
and `--format text`, each a fresh process of the installed `regime` script, timed from
spawn to exit, against DESIGN.md's 1.6 s for a files source. Beside them, interleaved
in the same run: Python doing nothing and Python importing pandas (the least any
command that computes with pandas costs). The config, cache and log directories are
empty temporary ones, and Python's bytecode is cached as in an installed copy
(bench/floor.py's `regime_env` and `child_env`; `--no-bytecode` compiles every module each run).

    uv run python bench/snapshot_cli.py [--runs 5] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor import ROOT, child_env, regime_env, spread

MARKET_DATA = ROOT.parent / "shared" / "market-data"
BUDGET = 1.6
"""Seconds DESIGN.md allows `regime snapshot` over a files source."""


def regime_command() -> list[str]:
    """The installed `regime` script beside this Python, else the module."""
    script = Path(sys.executable).with_name("regime")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


def timed(argv: Sequence[str], env: Mapping[str, str]) -> float:
    """Seconds from spawning `argv` to its exit; a failure ends the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(
        list(argv), cwd=ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="write no bytecode (as this machine runs)"
    )
    parser.add_argument("--data", type=Path, default=MARKET_DATA, help="the files directory")
    args = parser.parse_args()
    if not (args.data / "GSPC.csv").exists():
        raise SystemExit(f"{args.data}: no GSPC.csv (the files layout); see --data")
    regime = regime_command()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        **{
            f"regime snapshot --format {form}": [
                *regime, "snapshot", "--source", f"files:{args.data}", "--format", form
            ]
            for form in ("json", "text")
        },
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as temp:
        env = regime_env(child_env(bytecode=not args.no_bytecode), Path(temp))
        for argv in cases.values():  # warm-up: bytecode cache and the OS's file cache
            timed(argv, env)
        times: dict[str, list[float]] = {label: [] for label in cases}
        for _ in range(args.runs):
            for label, argv in cases.items():
                times[label].append(timed(argv, env))
    bytecode = (
        "no bytecode written (own modules compiled each run)"
        if args.no_bytecode
        else "bytecode cached"
    )
    print(f"files: {args.data}; {args.runs} interleaved runs, fresh processes, {bytecode}")
    for label, values in times.items():
        budget = f" (budget {BUDGET} s)" if label.startswith("regime") else ""
        print(
            f"{label:<32} median {statistics.median(values):.3f} s"
            f"  (range {spread(values)} s){budget}"
        )


if __name__ == "__main__":
    main()
