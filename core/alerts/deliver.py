"""Alert delivery through the terminal and a user command (issue 12, item 2).

Alerts reach the user as terminal escapes, not local OS calls, so they work over SSH: the
bell (BEL, 0x07); OSC 9 (iTerm2, ConEmu, Windows Terminal: ``ESC ] 9 ; text BEL``); OSC 777
(urxvt, foot, Ghostty, VTE: ``ESC ] 777 ; notify ; title ; body BEL``); OSC 99 (kitty's
desktop notifications, https://sw.kovidgoyal.net/kitty/desktop-notifications/: the title
in one chunk ``ESC ] 99 ; i=ID:d=0 ; title ESC \\`` and the body in the last,
``ESC ] 99 ; i=ID:d=1:p=body ; body ESC \\``). Text is sanitised before it is put in a
sequence: every control character (C0, DEL and C1, so ESC, BEL and the 8-bit ST/CSI too)
becomes a space, whitespace runs collapse to one space, ``;`` becomes ``,`` (it would split
the fields of OSC 777, and ConEmu reads ``9;N;`` as a sub-command), and the title is cut to
``MAX_TITLE_CHARS``, the body to ``MAX_BODY_CHARS`` (ending in ``…``), so no payload can end
its sequence early or flood the terminal. Inside tmux (``TMUX`` set) each OSC sequence is
wrapped for passthrough, ``ESC P tmux ; <sequence, every ESC doubled> ESC \\``, which tmux
only forwards with ``set -g allow-passthrough on`` (tmux >= 3.3); the bell is never wrapped,
tmux turns a pane's bell into its own alert under the user's ``bell-action``. ``notify``
writes the chosen sequences to a binary stream and never raises. ``run_command`` runs
``[*command, time, id, severity, name, message]`` without a shell, kills it (and its process
group) at a timeout, captures its output, and returns any failure as one line, logged; it
blocks, so the app calls it from a worker thread. Stdlib only.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import BinaryIO, Literal

log = logging.getLogger(__name__)

Channel = Literal["bell", "osc9", "osc777", "osc99"]
CHANNELS: tuple[Channel, ...] = ("bell", "osc9", "osc777", "osc99")

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

MAX_TITLE_CHARS = 80
MAX_BODY_CHARS = 300
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_NOTIFICATION_ID = "regime"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def sanitize(text: str, limit: int) -> str:
    """Text safe inside any of the sequences: no control characters, no ``;``, capped.

    Control characters (C0, DEL, C1) become spaces and whitespace runs collapse, so an ESC
    or BEL in a message cannot end a sequence; ``;`` becomes ``,``. Longer than ``limit``
    characters, the text is cut to ``limit - 1`` and ends in ``…``.
    """
    clean = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip().replace(";", ",")
    if len(clean) > limit:
        clean = clean[: max(limit - 1, 0)].rstrip() + "…"
    return clean


def in_tmux(env: Mapping[str, str]) -> bool:
    """Whether the environment says we run inside tmux (``TMUX`` set and non-empty)."""
    return bool(env.get("TMUX"))


def tmux_wrap(sequence: str) -> str:
    """``sequence`` in a tmux passthrough DCS, every ESC inside doubled."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def bell() -> str:
    """The terminal bell (BEL)."""
    return BEL


def osc9(title: str, body: str = "") -> str:
    """OSC 9 notification: one text, ``title: body`` (sanitised, capped)."""
    head, tail = sanitize(title, MAX_TITLE_CHARS), sanitize(body, MAX_BODY_CHARS)
    text = f"{head}: {tail}" if head and tail else head or tail
    return f"{ESC}]9;{text}{BEL}"


def osc777(title: str, body: str = "") -> str:
    """OSC 777 ``notify`` with title and body fields (sanitised, capped, no ``;``)."""
    head, tail = sanitize(title, MAX_TITLE_CHARS), sanitize(body, MAX_BODY_CHARS)
    return f"{ESC}]777;notify;{head};{tail}{BEL}"


def osc99(title: str, body: str = "", notification_id: str = DEFAULT_NOTIFICATION_ID) -> str:
    """Kitty OSC 99: the title chunk (``d=0``) then the body chunk (``d=1:p=body``), ST-ended.

    With an empty body the title is one finished chunk (``d`` defaults to 1). The id keeps
    only ``[A-Za-z0-9_-]`` (a subset of the spec's metadata value characters), at most 64.
    """
    ident = _ID_UNSAFE.sub("_", notification_id)[:64] or DEFAULT_NOTIFICATION_ID
    head = sanitize(title, MAX_TITLE_CHARS)
    if not body:
        return f"{ESC}]99;i={ident};{head}{ST}"
    tail = sanitize(body, MAX_BODY_CHARS)
    return f"{ESC}]99;i={ident}:d=0;{head}{ST}{ESC}]99;i={ident}:d=1:p=body;{tail}{ST}"


def sequences(
    title: str,
    body: str,
    channels: Iterable[Channel],
    env: Mapping[str, str],
    *,
    notification_id: str = DEFAULT_NOTIFICATION_ID,
) -> bytes:
    """The UTF-8 bytes for ``channels`` in the order given, wrapped for tmux if ``env`` says so."""
    tmux = in_tmux(env)
    parts: list[str] = []
    for channel in channels:
        if channel == "bell":
            parts.append(bell())
            continue
        if channel == "osc9":
            sequence = osc9(title, body)
        elif channel == "osc777":
            sequence = osc777(title, body)
        elif channel == "osc99":
            sequence = osc99(title, body, notification_id)
        else:
            raise ValueError(f"unknown alert channel {channel!r}; expected one of {CHANNELS}")
        parts.append(tmux_wrap(sequence) if tmux else sequence)
    return "".join(parts).encode("utf-8", errors="replace")


def notify(
    stream: BinaryIO,
    title: str,
    body: str,
    channels: Iterable[Channel],
    env: Mapping[str, str] | None = None,
    *,
    notification_id: str = DEFAULT_NOTIFICATION_ID,
) -> str | None:
    """Write the chosen sequences to ``stream`` and flush; never raises.

    ``env`` defaults to ``os.environ``. Returns None when written, else the failure as one
    line (a closed stream, a broken pipe, an unknown channel), which is also logged.
    """
    try:
        data = sequences(
            title,
            body,
            channels,
            os.environ if env is None else env,
            notification_id=notification_id,
        )
        if data:
            stream.write(data)
            stream.flush()
    except (OSError, ValueError) as error:
        line = f"alert not delivered to the terminal: {type(error).__name__}: {error}"
        log.warning(line)
        return line
    return None


def command_fields(
    time: datetime, alert_id: str, severity: str, name: str, message: str
) -> tuple[str, str, str, str, str]:
    """The arguments a user command receives: time (ISO 8601), id, severity, name, message."""
    return (time.isoformat(), alert_id, severity, name, message)


def _one_line(text: str, limit: int = 200) -> str:
    return sanitize(text, limit) if text.strip() else ""


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and, on POSIX, its process group (children holding our pipes)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        process.kill()


def run_command(
    command: Sequence[str],
    fields: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> str | None:
    """Run ``[*command, *fields]`` (no shell), stdout/stderr captured; never raises.

    ``command`` is the program and any fixed arguments of its own. Returns None on exit
    status 0, else one line (not found, not runnable, non-zero exit with the last line of
    its stderr, killed at the timeout), also logged. The command runs in its own session
    so that a timeout kills whatever it started too.
    """
    argv = [*command, *fields]
    name = command[0] if command else "(empty)"
    line: str | None = None
    if not command:
        line = "alert command is empty"
    else:
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            line = f"alert command not found: {name}"
        except (OSError, ValueError) as error:
            line = f"alert command {name} could not start: {error}"
        else:
            try:
                _, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process)
                try:
                    process.communicate(timeout=2.0)
                except subprocess.TimeoutExpired:
                    process.wait()
                line = f"alert command {name} killed after its {timeout:g} s timeout"
            else:
                if process.returncode != 0:
                    last = stderr.decode("utf-8", errors="replace").strip().splitlines()
                    detail = f": {_one_line(last[-1])}" if last else ""
                    line = f"alert command {name} exited with status {process.returncode}{detail}"
    if line is not None:
        log.warning(line)
    return line
