"""The log as `regime log` prints it: `render_log` as text (one line per entry: its
time in New York, severity and message), JSON (a list of `LogEntry.as_json`) or CSV
(the entry's fields, then one column per reading in `READINGS`); `render_replay` as
text (the same lines) or JSON (a list of `{time, session, alert, severity, message}`).
Each returns the whole output ending in a newline, to be written as it is."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from core.alerts.entry import READINGS, LogEntry
from core.clock import NEW_YORK

__all__ = ["CSV_FIELDS", "LOG_FORMATS", "REPLAY_FORMATS", "render_log", "render_replay"]

LogFormat = Literal["text", "json", "csv"]
ReplayFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json", "csv")
REPLAY_FORMATS: tuple[ReplayFormat, ...] = ("text", "json")

CSV_FIELDS = ("time", "session", "kind", "alert", "key", "name", "severity", "message", "source")
"""The entry's own columns of the CSV, before one column per reading."""

EMPTY = "nothing was logged in this span"


def _line(entry: LogEntry) -> str:
    """`2026-02-05 15:59 ET  warning   Index crossed below the SMA 200 · 6,812`."""
    when = entry.time.astimezone(NEW_YORK)
    message = " ".join(entry.message.split())
    return f"{when:%Y-%m-%d %H:%M} ET  {entry.severity:<8}  {message}"


def _text(entries: Sequence[LogEntry]) -> str:
    if not entries:
        return EMPTY + "\n"
    return "".join(_line(entry) + "\n" for entry in entries)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(entries: Sequence[LogEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *READINGS])
    for entry in entries:
        whole = entry.as_json()
        writer.writerow(
            [_cell(whole[name]) for name in CSV_FIELDS]
            + [_cell(entry.readings.get(path)) for path in READINGS]
        )
    return out.getvalue()


def render_log(entries: Sequence[LogEntry], fmt: LogFormat) -> str:
    """The log in `fmt` ("text", "json" or "csv"); ValueError, one line, on another."""
    if fmt == "text":
        return _text(entries)
    if fmt == "json":
        return json.dumps([entry.as_json() for entry in entries], indent=2) + "\n"
    if fmt == "csv":
        return _csv(entries)
    raise ValueError(f"unknown log format {fmt!r} (one of {', '.join(LOG_FORMATS)})")


def render_replay(entries: Sequence[LogEntry], fmt: ReplayFormat) -> str:
    """A replay's firings in `fmt` ("text" or "json"); ValueError, one line, on another."""
    if fmt == "text":
        return _text(entries)
    if fmt == "json":
        return json.dumps([entry.replay_json() for entry in entries], indent=2) + "\n"
    raise ValueError(f"unknown replay format {fmt!r} (one of {', '.join(REPLAY_FORMATS)})")
