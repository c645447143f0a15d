"""Exit clean (issue 8, item 4). The real monitor runs in a pseudo-terminal: SIGTERM,
SIGHUP and SIGINT end it with the terminal given back (Textual's restore sequences
written, cooked mode again) and status 128 + the signal; a hangup (the terminal gone
first) still ends it; SIGTSTP and SIGCONT (`fg`) repaint the whole screen at once.
`regime snapshot` and `regime history` into a pipe nobody reads end quietly with 141,
and into a full device with one line and 1; any other OS error is still raised."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import tui.cli as cli
from tests.tui.harness import make_app
from tests.tui.test_tui_app import SilentFeed

ROOT = Path(__file__).resolve().parents[2]
ROWS, COLUMNS = 40, 120

RESTORE = (
    b"\x1b[?1049l",  # leave the alternate screen
    b"\x1b[?25h",  # show the cursor
    b"\x1b[?1000l",  # mouse reporting off: clicks...
    b"\x1b[?1003l",  # ...any motion...
    b"\x1b[?1006l",  # ...SGR coordinates
    b"\x1b[?2004l",  # bracketed paste off
    b"\x1b[?1004l",  # focus events off
    b"\x1b[<u",  # the kitty keyboard protocol popped
)
"""What Textual 8.2.8's LinuxDriver writes to give the terminal back."""


class Terminal:
    """The monitor (`--source sim`) in a pseudo-terminal of ROWS x COLUMNS, and every
    byte it has written there (read all along by a thread: a full pty would block the
    app's writes, its exit included)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.cooked = termios.tcgetattr(self.slave)
        # The test keeps its own end of the slave open: the terminal's modes can be read
        # after the monitor exits, and reading the master never fails with EIO.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "--source", "sim"],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            cwd=ROOT,
            env={**env, "TERM": "xterm-256color"},
            start_new_session=True,
        )
        self._output = bytearray()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closing.is_set():
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:
                    return
                with self._lock:
                    self._output += chunk

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def read_until(self, done: Callable[[bytes], bool], timeout: float) -> bool:
        """Wait until `done(output)` or `timeout` seconds; whether it was done."""
        end = time.monotonic() + timeout
        while not done(self.output):
            if time.monotonic() > end:
                return False
            time.sleep(0.02)
        return True

    def wait_for_data(self) -> None:
        """Until the simulated market's first Snapshot is on screen."""
        assert self.read_until(lambda out: b"SIMULATED" in out, 30), self.output[-500:]

    def stop(self, signum: int) -> tuple[int, bytes]:
        """Send `signum`; the exit status and what was written from then on."""
        start = len(self.output)
        self.process.send_signal(signum)
        status = self.process.wait(10)
        # The last bytes may still be in the pty: they come before the next tick.
        self.read_until(lambda out: b"\x1b[?1004l" in out[start:], 1)
        return status, self.output[start:]

    def hang_up(self) -> None:
        """Close the terminal under the monitor, as a dropped SSH connection does."""
        self._closing.set()
        self._reader.join()
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.master != -1:
            self.hang_up()


@pytest.fixture(scope="module")
def terminals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Terminal]]:
    """One monitor per test below, all started at once: each takes seconds to show its
    first data, and started together they take about as long as one."""
    home = tmp_path_factory.mktemp("home")
    # Set here: the per-test XDG folders of tests/conftest.py do not exist yet.
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        env[name] = str(home / name.lower())  # never the user's folders (the log, the cache)
    started = {name: Terminal(env) for name in ("SIGHUP", "SIGINT", "tstp", "hangup")}
    yield started
    for terminal in started.values():
        terminal.close()


def assert_given_back(terminal: Terminal, tail: bytes) -> None:
    """The restore sequences came after the last time the app took the terminal, and
    the terminal is in the modes it had before the app started."""
    for sequence in RESTORE:
        assert sequence in tail, sequence
    assert b"\x1b[?1049h" not in tail[tail.rindex(b"\x1b[?1049l") :]
    assert termios.tcgetattr(terminal.slave) == terminal.cooked
    assert b"Traceback" not in terminal.output


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGINT], ids=["SIGHUP", "SIGINT"])
def test_an_exit_signal_restores_the_terminal(
    terminals: dict[str, Terminal], signum: signal.Signals
) -> None:
    terminal = terminals[signum.name]
    terminal.wait_for_data()
    assert not termios.tcgetattr(terminal.slave)[3] & termios.ICANON  # the app holds it raw
    status, tail = terminal.stop(signum)
    assert status == 128 + signum
    assert_given_back(terminal, tail)


def test_after_sigtstp_and_fg_the_whole_screen_repaints_and_sigterm_exits(
    terminals: dict[str, Terminal],
) -> None:
    terminal = terminals["tstp"]
    terminal.wait_for_data()
    start = len(terminal.output)
    terminal.process.send_signal(signal.SIGTSTP)
    # Textual's driver gives the terminal back, then stops the process (state T).
    assert terminal.read_until(lambda out: b"\x1b[?1049l" in out[start:], 5)
    stat = Path(f"/proc/{terminal.process.pid}/stat")
    for _ in range(100):
        if not stat.exists() or stat.read_text().split(") ")[1][0] == "T":
            break
        time.sleep(0.02)
    resumed = len(terminal.output)
    terminal.process.send_signal(signal.SIGCONT)

    def painted_rows(out: bytes) -> set[int]:
        return {int(row) for row in re.findall(rb"\x1b\[(\d+);\d+H", out[resumed:])}

    # Every row of the screen is written again, without waiting for a resize.
    assert terminal.read_until(lambda out: painted_rows(out) >= set(range(1, ROWS + 1)), 5)
    assert b"SIMULATED" in terminal.output[resumed:]
    status, tail = terminal.stop(signal.SIGTERM)
    assert status == 128 + signal.SIGTERM
    assert_given_back(terminal, tail)


def test_a_hangup_with_the_terminal_gone_still_exits(terminals: dict[str, Terminal]) -> None:
    terminal = terminals["hangup"]
    terminal.wait_for_data()
    terminal.hang_up()
    terminal.process.send_signal(signal.SIGHUP)
    assert terminal.process.wait(10) == 128 + signal.SIGHUP


# -- the scripting commands' output ------------------------------------------------

SCRIPTS = [
    ["snapshot", "--source", "sim", "--format", "json"],
    ["history", "--source", "sim", "--from", "2026-01-02", "--to", "2026-02-06"],
]


def regime(args: list[str], stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize("args", SCRIPTS, ids=["snapshot", "history"])
def test_a_reader_that_went_away_ends_quietly_with_141(args: list[str]) -> None:
    # A reader that closed before the first byte (`| head -0`): EPIPE, every time.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = regime(args, write_end)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (128 + signal.SIGPIPE, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_stdout_is_one_line_and_status_1() -> None:
    with open("/dev/full", "w") as full:
        result = regime(SCRIPTS[0], full.fileno())
    assert result.returncode == 1
    assert result.stderr == "regime: error: cannot write the output: No space left on device\n"


def test_a_broken_pipe_in_process_returns_141(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(cli, "run_snapshot", broken)
    with (tmp_path / "out").open("w") as out:  # stdout must be a real file: it is redirected
        monkeypatch.setattr(sys, "stdout", out)
        assert cli.main(["snapshot"]) == 141
    assert capsys.readouterr().err == ""


def test_another_os_error_is_not_taken_for_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "/var/cache/regime/x")

    monkeypatch.setattr(cli, "run_snapshot", missing)
    with pytest.raises(OSError, match="/var/cache/regime/x"):
        cli.main(["snapshot"])


# -- the app's side, in process ------------------------------------------------------


async def test_a_signal_exits_with_128_plus_its_number() -> None:
    app = make_app(SilentFeed)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.exit_on_signal(signal.SIGTERM)
        await pilot.pause()
    assert app.return_code == 143


async def test_a_resume_repaints_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        calls: list[dict[str, bool]] = []
        monkeypatch.setattr(app, "refresh", lambda **kwargs: calls.append(kwargs))
        app.app_resume_signal.publish(app)
        await pilot.pause()
        assert {"layout": True} in calls
