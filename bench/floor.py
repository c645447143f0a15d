"""The bare-Textual floor every start-up and idle figure is quoted against: a Textual
app with one Static and nothing else, in a fresh process. `first_paint` times it from
just before the process is spawned to its Ready event (the first frame is displayed),
headless at 120x40 as bench/startup.py runs Regime; `run_in_pty` runs any command in a
pseudo-terminal of a given size and measures its CPU (% of one core, from /proc, Linux)
and the bytes it writes over a window once it has settled, and `floor_idle` does so for
the bare app. `child_env` is the environment both sides share: Python's bytecode cache
in a directory of its own (this machine sets PYTHONDONTWRITEBYTECODE, so the project's
own modules would be compiled from source on every run; the installed packages are
compiled once by uv, `[tool.uv] compile-bytecode`), so after one warm-up run each
process imports as an installed one would; `--no-bytecode` runs as this machine does
by default (no bytecode written: the installed packages' compiled at install, the
project's own modules compiled each run); `regime_env` adds what a
Regime child needs on top (config, cache, state and data homes of its own, so no run
reads the user's settings or writes to their log), and `OFFLINE_CHILD` is the `regime`
command with Yahoo unreachable. Other benchmarks import this module (`sys.path` holds
bench/ when they run as `python bench/x.py`).

    uv run python bench/floor.py [--runs 5] [--idle 30] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (120, 40)
"""Columns and rows of every run, headless or in a pseudo-terminal."""
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")

FLOOR_APP = r"""
import json, sys, time
from textual.app import App, ComposeResult
from textual.widgets import Static


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Floor: a bare Textual app with one Static.")

    def on_ready(self) -> None:
        self.painted = time.time()
        if "--headless" in sys.argv:
            self.exit()


app = Floor()
if "--headless" in sys.argv:
    app.run(headless=True, size=(int(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps({"paint": app.painted}))
else:
    app.run()
"""

OFFLINE = r"""
import socket
real_getaddrinfo = socket.getaddrinfo
def offline(host, *args, **kwargs):
    # Yahoo unreachable, as on a machine with no network: `auto` takes the store or sim.
    if "yahoo" in str(host):
        raise socket.gaierror("benchmark: offline")
    return real_getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = offline
"""
"""A prelude for a child script: Yahoo's host does not resolve, every other does."""

OFFLINE_CHILD = (
    OFFLINE
    + r"""
import sys
sys.path.insert(0, sys.argv[1])
from tui.cli import main
sys.exit(main(sys.argv[2:]))
"""
)
"""`regime ARGS...` with Yahoo unreachable, run as `python -c OFFLINE_CHILD CHECKOUT ARGS...`
(CHECKOUT: the repository to import Regime from, ROOT or an export of an older commit)."""


def child_env(
    base: Mapping[str, str] | None = None, *, bytecode: bool = True, cache: Path | None = None
) -> dict[str, str]:
    """The environment of a measured child: `base` (default os.environ) with Python's
    bytecode cache under `cache` (default: a directory in the system's temp dir that
    outlives the run, so warm-ups carry over), or with none written when `bytecode`
    is false (what is not compiled at install, the project's own modules, is compiled
    from source each time)."""
    env = dict(os.environ if base is None else base)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        prefix = cache or Path(tempfile.gettempdir()) / "regime-bench-pycache"
        env["PYTHONPYCACHEPREFIX"] = str(prefix)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def regime_env(
    base: Mapping[str, str],
    home: Path,
    extra: Mapping[str, str] | None = None,
    *,
    cache: Path | None = None,
) -> dict[str, str]:
    """A Regime child's environment: `base` (e.g. `child_env()`) without any REGIME_*
    from the shell, with XDG_CONFIG_HOME, XDG_STATE_HOME and XDG_DATA_HOME in folders
    of their own under `home` (no user config read, no line added to the user's log),
    XDG_CACHE_HOME at `cache` (a filled store) or else under `home` too (empty), then
    `extra`."""
    env = {key: value for key, value in base.items() if not key.startswith("REGIME_")}
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        folder = cache if name == "XDG_CACHE_HOME" and cache is not None else home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return {**env, **(extra or {})}


def first_paint(env: Mapping[str, str], size: tuple[int, int] = SIZE) -> float:
    """Seconds from spawning the bare app headless at `size` to its first frame."""
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", FLOOR_APP, "--headless", str(size[0]), str(size[1])],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"floor app failed:\n{result.stderr}")
    painted: float = json.loads(result.stdout.strip().splitlines()[-1])["paint"]
    return painted - started


@dataclass(frozen=True)
class IdleRun:
    """What a command cost over a measured window in a pseudo-terminal."""

    seconds: float
    """Length of the window."""
    cpu_percent: float
    """CPU time of the process (all its threads) over the window, % of one core."""
    bytes_written: int
    """Bytes the process wrote to the terminal over the window."""
    rss_mb: float
    """Resident memory at the end of the window."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (every thread, dead ones too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid`, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drain(fd: int, seconds: float) -> int:
    """Read whatever is written to `fd` for `seconds`; return the byte count."""
    total, deadline = 0, time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            total += len(chunk)
    return total


def spawn_in_pty(
    argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int] = SIZE
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` (from the repository's root) in a pseudo-terminal of `size`, in a
    session of its own; return the process and the terminal's (non-blocking) master
    side, which the caller reads so the child never blocks on it, then `stop`s."""
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    child = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        env={"TERM": "xterm-256color", **env},
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    return child, master


def run_in_pty(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    settle: float,
    seconds: float,
    size: tuple[int, int] = SIZE,
    quit_keys: bytes = b"q",
) -> IdleRun:
    """Run `argv` (from the repository's root) in a pseudo-terminal of `size`, let it
    settle for `settle` seconds (its output read and dropped), then measure `seconds`.
    The process is asked to quit with `quit_keys`, then SIGTERM, then killed."""
    child, master = spawn_in_pty(argv, env, size)
    try:
        drain(master, settle)
        cpu_before = cpu_seconds(child.pid)
        written = drain(master, seconds)
        cpu = (cpu_seconds(child.pid) - cpu_before) / seconds * 100
        return IdleRun(seconds, cpu, written, rss_mb(child.pid))
    finally:
        stop(child, master, quit_keys)


def stop(child: subprocess.Popen[bytes], master: int, quit_keys: bytes) -> None:
    """End a child in a pseudo-terminal: its quit keys, then SIGTERM, then SIGKILL."""
    with contextlib.suppress(OSError):
        os.write(master, quit_keys)
    for action in (None, signal.SIGTERM, signal.SIGKILL):
        if action is not None:
            child.send_signal(action)
        try:
            child.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:
            continue
    os.close(master)


def floor_idle(env: Mapping[str, str], *, settle: float = 3.0, seconds: float = 30.0) -> IdleRun:
    """The bare app's idle cost in a pseudo-terminal of SIZE."""
    return run_in_pty([sys.executable, "-c", FLOOR_APP], env, settle=settle, seconds=seconds)


def spread(values: Sequence[float]) -> str:
    """The noise of `values`: their range, as min–max."""
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="first-paint runs (after a warm-up)")
    parser.add_argument(
        "--idle", type=float, default=0.0, help="also measure idle CPU for this many seconds"
    )
    parser.add_argument(
        "--no-bytecode", action="store_true", help="write no bytecode (as this machine runs)"
    )
    args = parser.parse_args()
    env = child_env(bytecode=not args.no_bytecode)
    first_paint(env)  # warm-up: bytecode cache and the OS's file cache
    paints = [first_paint(env) for _ in range(args.runs)]
    print(
        f"floor first paint ({SIZE[0]}x{SIZE[1]} headless, {args.runs} runs): "
        f"median {statistics.median(paints):.3f} s (range {spread(paints)} s)"
    )
    if args.idle > 0:
        idle = floor_idle(env, seconds=args.idle)
        print(
            f"floor idle over {idle.seconds:.0f} s in a {SIZE[0]}x{SIZE[1]} pty: "
            f"CPU {idle.cpu_percent:.2f} %, {idle.bytes_written} B written, "
            f"RSS {idle.rss_mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
