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
import os
import pty
import select
import subprocess
import sys
import tempfile
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        name = fill_store(Path(temp))
        env = {
            **os.environ,
            "XDG_CACHE_HOME": temp,
            "XDG_CONFIG_HOME": temp,
            "TERM": "xterm-256color",
            "COLUMNS": "160",
            "LINES": "48",
        }
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD], cwd=ROOT, env=env,
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        try:
            drain(master, 15.0)  # start, restore, first refresh from the store
            cpu_before = cpu_seconds(child.pid)
            idle_bytes = drain(master, args.idle)
            cpu_idle = (cpu_seconds(child.pid) - cpu_before) / args.idle * 100
            rss = rss_mb(child.pid)
            refresh_bytes = []
            for _ in range(3):
                os.write(master, b"r")  # refresh now: same data, same Snapshot
                refresh_bytes.append(drain(master, 3.0))
            tick_bytes = drain(master, 3.0)
        finally:
            os.write(master, b"q")
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
            os.close(master)
    print(f"store filled from: {name}; terminal 160x48, market closed, offline (cache)")
    print(f"idle CPU over {args.idle:.0f} s: {cpu_idle:.2f} % (budget 0.2 %)")
    print(f"RSS with 503 members loaded: {rss:.0f} MB (budget 150 MB)")
    print(f"bytes written idle: {idle_bytes / args.idle:.0f} B/s (the status line's clock)")
    print(
        f"bytes written in 3 s after an unchanged refresh: {refresh_bytes}"
        f" (3 s with no refresh: {tick_bytes})"
    )


if __name__ == "__main__":
    main()
