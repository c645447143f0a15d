"""Benchmark: what the monitor costs while it sits open — idle CPU and resident memory
with 503 members loaded, and the bytes it writes to the terminal per second idle and
per refresh that changes nothing — against DESIGN.md's budgets (idle CPU ≤ 0.2 % with
the market closed, RSS ≤ 150 MB, close to zero bytes per unchanged refresh).

The real `regime` command runs in a pseudo-terminal, offline, from a store filled with
three years of the index and 503 members (../shared/market-data when present, else the
simulated market), so `auto` serves the cache on the closed-market cadence. CPU and
RSS come from /proc (Linux).

    uv run python bench/resources.py [--idle 60]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import ROOT, fill_store

CHILD = r"""
import socket, sys
real = socket.getaddrinfo
def offline(host, *args, **kwargs):
    if "yahoo" in str(host):
        raise socket.gaierror("benchmark: offline")
    return real(host, *args, **kwargs)
socket.getaddrinfo = offline
from tui.cli import main
sys.exit(main([]))
"""
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drain(fd: int, seconds: float) -> int:
    """Read whatever the app writes for `seconds`; return the byte count."""
    total, deadline = 0, time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


def run(temp: str, idle: float, extra_env: dict[str, str]) -> tuple[float, float, int]:
    """Start the CLI in a 160x48 pseudo-terminal; after start-up, measure `idle`
    seconds: CPU %, RSS (MB) and the bytes written."""
    env = {
        **os.environ,
        "XDG_CACHE_HOME": temp,
        "XDG_CONFIG_HOME": temp,
        "TERM": "xterm-256color",
        **extra_env,
    }
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env,
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    try:
        drain(master, 15.0)  # start, restore, first refresh from the store
        cpu_before = cpu_seconds(child.pid)
        written = drain(master, idle)
        cpu = (cpu_seconds(child.pid) - cpu_before) / idle * 100
        return cpu, rss_mb(child.pid), written
    finally:
        os.write(master, b"q")
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure")
    args = parser.parse_args()
    cadence = 5
    with tempfile.TemporaryDirectory() as temp:
        name = fill_store(Path(temp))
        cpu, rss, idle_bytes = run(temp, args.idle, {})
        # The same, refreshing every 5 s: the extra bytes are what a refresh that
        # changes nothing costs the terminal (no key is pressed, so no toast).
        _, _, busy_bytes = run(temp, args.idle, {"REGIME_REFRESH__CLOSED": str(cadence)})
    refreshes = args.idle / cadence
    print(f"store filled from: {name}; terminal 160x48, market closed, offline (cache)")
    print(f"idle CPU over {args.idle:.0f} s: {cpu:.2f} % (budget 0.2 %)")
    print(f"RSS with 503 members loaded: {rss:.0f} MB (budget 150 MB)")
    print(f"bytes written idle: {idle_bytes / args.idle:.0f} B/s (the status line's clock)")
    print(
        f"bytes per unchanged refresh: {(busy_bytes - idle_bytes) / refreshes:.0f} B"
        f" ({busy_bytes} B with a refresh every {cadence} s vs {idle_bytes} B without)"
    )


if __name__ == "__main__":
    main()
