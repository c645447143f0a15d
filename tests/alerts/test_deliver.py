"""Alert delivery: the exact bytes of each terminal sequence (in and out of tmux), sanitising
and the length cap, a notify that survives a dead stream, and the user command's failures
(hang killed at its timeout, not found, non-zero exit) as one line each, fields as argv."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.alerts.deliver import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    command_fields,
    notify,
    osc9,
    osc99,
    osc777,
    run_command,
    sanitize,
    sequences,
)

OUTSIDE: dict[str, str] = {}
TMUX = {"TMUX": "/tmp/tmux-1000/default,1234,0"}


def test_bell_bytes_outside_and_inside_tmux() -> None:
    assert sequences("SPX", "x", ["bell"], OUTSIDE) == b"\x07"
    # tmux makes a pane's bell its own alert, so the bell is never wrapped.
    assert sequences("SPX", "x", ["bell"], TMUX) == b"\x07"


def test_osc9_bytes() -> None:
    out = sequences("SPX crossed 6000", "up 1.2%", ["osc9"], OUTSIDE)
    assert out == b"\x1b]9;SPX crossed 6000: up 1.2%\x07"
    wrapped = sequences("SPX crossed 6000", "up 1.2%", ["osc9"], TMUX)
    assert wrapped == b"\x1bPtmux;\x1b\x1b]9;SPX crossed 6000: up 1.2%\x07\x1b\\"


def test_osc777_bytes() -> None:
    out = sequences("Regime", "VIX jump", ["osc777"], OUTSIDE)
    assert out == b"\x1b]777;notify;Regime;VIX jump\x07"
    wrapped = sequences("Regime", "VIX jump", ["osc777"], TMUX)
    assert wrapped == b"\x1bPtmux;\x1b\x1b]777;notify;Regime;VIX jump\x07\x1b\\"


def test_osc99_bytes_title_and_body_chunks() -> None:
    out = sequences("Regime", "Gamma flip", ["osc99"], OUTSIDE, notification_id="a7")
    assert out == (b"\x1b]99;i=a7:d=0;Regime\x1b\\\x1b]99;i=a7:d=1:p=body;Gamma flip\x1b\\")
    wrapped = sequences("Regime", "Gamma flip", ["osc99"], TMUX, notification_id="a7")
    assert wrapped == (
        b"\x1bPtmux;\x1b\x1b]99;i=a7:d=0;Regime\x1b\x1b\\"
        b"\x1b\x1b]99;i=a7:d=1:p=body;Gamma flip\x1b\x1b\\\x1b\\"
    )


def test_osc99_title_only_and_unsafe_id() -> None:
    assert osc99("Regime", "", "x:y;z") == "\x1b]99;i=x_y_z;Regime\x1b\\"


def test_channels_in_the_order_given_utf8() -> None:
    out = sequences("SPX", "−2σ", ["bell", "osc9"], OUTSIDE)
    assert out == b"\x07\x1b]9;SPX: \xe2\x88\x922\xcf\x83\x07"


@pytest.mark.parametrize("evil", ["\x1b\\", "\x07", "\x1b]9;pwned\x07", "\x9c", "\x9b2J"])
def test_escape_or_bell_in_text_cannot_end_a_sequence(evil: str) -> None:
    for sequence in (osc9(f"a{evil}b", evil), osc777(evil, f"c{evil}d")):
        assert sequence.count("\x1b") == 1
        assert sequence.count("\x07") == 1 and sequence.endswith("\x07")
        assert "\x9c" not in sequence and "\x9b" not in sequence
    kitty = osc99(evil, evil)
    assert kitty.count("\x1b") == 4  # two OSC openers, two ST
    assert "\x07" not in kitty


def test_semicolon_cannot_split_osc777_fields() -> None:
    assert osc777("a;b", "c;d;e") == "\x1b]777;notify;a,b;c,d,e\x07"


def test_sanitize_collapses_controls_and_caps_length() -> None:
    assert sanitize("a\n\tb\x00c", 50) == "a b c"
    long = "x" * 1000
    assert sanitize(long, 10) == "x" * 9 + "…"
    sequence = osc777(long, long)
    _, _, title, body = sequence.rstrip("\x07").split(";")
    assert len(title) == MAX_TITLE_CHARS and title.endswith("…")
    assert len(body) == MAX_BODY_CHARS and body.endswith("…")


def test_notify_writes_and_flushes() -> None:
    stream = io.BytesIO()
    assert notify(stream, "SPX", "up", ["bell", "osc777"], OUTSIDE) is None
    assert stream.getvalue() == b"\x07\x1b]777;notify;SPX;up\x07"


def test_notify_on_a_closed_stream_returns_one_line() -> None:
    stream = io.BytesIO()
    stream.close()
    line = notify(stream, "SPX", "up", ["bell"], OUTSIDE)
    assert line is not None and "\n" not in line and "ValueError" in line


def test_notify_on_a_broken_pipe_returns_one_line() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "wb", buffering=0) as stream:
        line = notify(stream, "SPX", "up", ["osc9"], OUTSIDE)
    assert line is not None and "BrokenPipeError" in line


def test_fields_arrive_as_argv(tmp_path: Path) -> None:
    out = tmp_path / "argv.json"
    script = "import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], 'w'))"
    fields = command_fields(
        datetime(2026, 1, 20, 15, 30, tzinfo=UTC),
        "spx_6000",
        "warning",
        "SPX crosses 6000",
        "SPX 6001.5 crossed 6000; $(rm -rf ~) 'quoted'",
    )
    assert run_command([sys.executable, "-c", script, str(out)], fields) is None
    assert json.loads(out.read_text()) == [
        "2026-01-20T15:30:00+00:00",
        "spx_6000",
        "warning",
        "SPX crosses 6000",
        "SPX 6001.5 crossed 6000; $(rm -rf ~) 'quoted'",
    ]


def test_hanging_command_is_killed_at_its_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); "
        "print('noise'); time.sleep(60)"
    )
    line = run_command([sys.executable, "-c", script, str(pid_file)], ("f",), timeout=0.5)
    assert line is not None and "\n" not in line
    assert "killed" in line and "timeout" in line
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # reaped: the process no longer exists
        os.kill(pid, 0)


def test_missing_command_is_one_line(tmp_path: Path) -> None:
    line = run_command([str(tmp_path / "no-such-program")], ("a",))
    assert line is not None and "\n" not in line and "not found" in line


def test_nonzero_exit_is_one_line_with_stderr() -> None:
    script = "import sys; sys.stderr.write('first\\nbad level\\n'); sys.exit(3)"
    line = run_command([sys.executable, "-c", script], ("a",))
    assert line is not None and "\n" not in line
    assert "status 3" in line and line.endswith("bad level")


def test_empty_command_is_one_line() -> None:
    assert run_command([], ("a",)) == "alert command is empty"
