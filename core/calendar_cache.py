"""The NYSE schedule kept on disk, so that a start does not import exchange_calendars
and build its XNYS calendar (~0.5 s, on every start of the monitor and every
`regime snapshot`). The file holds the schedule as plain integers (sessions and early
closes as day ordinals, regular opens and closes as Unix seconds) under a header that
names the format, the versions of exchange_calendars and pandas that computed it (its
holiday rules live in both), the day it was built and a CRC-32 of the schedule. It
lives in the user cache directory beside the store. A file is used only when all of
these match and it was built in the last `MAX_AGE` days (the calendar reaches a year
past its build, so a week-old one still reaches 358 days ahead, where the engine looks
at most a few days ahead: the next open, close and phase change). Anything else (no
file, stale, another version, truncated, corrupt, foreign) means the schedule is built
afresh and written over it through a temporary file of a unique name, renamed into
place, so concurrent starts never mix their bytes. A cache directory that is
read-only or full means no cache, never a failure. This module imports nothing heavy:
it neither imports exchange_calendars nor knows how the schedule is built."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from core.atomic_file import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "nyse-calendar.json"
FORMAT = 1
"""The layout of the file; a file of another layout is rebuilt."""
MAX_AGE = timedelta(days=7)
"""How old a build may be and still be used. Rebuilding costs ~0.5 s once a week; the
calendar's end (a year after its build) stays at least 358 days ahead of today."""
MIN_AHEAD = timedelta(days=300)
"""A cached schedule must reach at least this far past today (a build does, by ~a year;
a file that claims a recent build but stops short is not one of ours)."""
_LIBRARIES = ("exchange_calendars", "pandas")
_COLUMNS = ("days", "opens", "closes", "early")


@dataclass(frozen=True)
class CalendarTable:
    """The schedule as plain sorted integers, as the file holds it."""

    days: list[int]
    """The sessions, as proleptic ordinals (`date.toordinal`)."""
    opens: list[int]
    """Regular opens, Unix seconds, one per session."""
    closes: list[int]
    """Regular closes, Unix seconds, one per session."""
    early: list[int]
    """The sessions that close early, as ordinals."""


def calendar_cache_path() -> Path:
    """Where the schedule is kept: the platform's user cache directory, beside the store."""
    import platformdirs

    from core.view_settings import APP_NAME

    return Path(platformdirs.user_cache_dir(APP_NAME)) / FILE_NAME


def library_versions() -> dict[str, str] | None:
    """The installed versions of the libraries that compute the schedule, or None when
    one is not installed as a distribution (then nothing can say a file is current)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return {name: version(name) for name in _LIBRARIES}
    except PackageNotFoundError:
        return None


def cached_table(
    path: Path,
    today: date,
    build: Callable[[], CalendarTable],
    *,
    first: date,
    versions: dict[str, str] | None = None,
) -> CalendarTable:
    """The schedule read from `path` when it is current for `today` and starts on
    `first`, else `build()` written to `path` (best effort) and returned. `versions`
    defaults to `library_versions()`; without them the schedule is built every time."""
    key = library_versions() if versions is None else versions
    if key is None:
        return build()
    table = read(path, key, today, first)
    if table is None:
        table = build()
        write(path, key, today, table)
    return table


def read(path: Path, versions: dict[str, str], today: date, first: date) -> CalendarTable | None:
    """The table in `path`, or None: absent or unreadable, of another format or
    versions, stale, or not a whole, consistent schedule (then logged)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header_line, _, body = data.partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        log.warning("ignoring the calendar cache %s: its header is not JSON", path)
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        log.warning("ignoring the calendar cache %s: not a calendar cache of this format", path)
        return None
    if header.get("versions") != versions:
        log.info("rebuilding the calendar cache %s: built with %s", path, header.get("versions"))
        return None
    try:
        built = date.fromisoformat(header["built"])
    except (KeyError, TypeError, ValueError):
        log.warning("ignoring the calendar cache %s: no build date", path)
        return None
    if not today - MAX_AGE <= built <= today:
        log.info("rebuilding the calendar cache %s: built on %s", path, built)
        return None
    if header.get("crc32") != zlib.crc32(body):
        log.warning("ignoring the calendar cache %s: truncated or corrupt", path)
        return None
    try:
        table = _table(json.loads(body))
    except ValueError as error:
        log.warning("ignoring the calendar cache %s: %s", path, error)
        return None
    if table.days[0] != first.toordinal() or table.days[-1] < (today + MIN_AHEAD).toordinal():
        log.warning("ignoring the calendar cache %s: it does not span the calendar", path)
        return None
    return table


def write(path: Path, versions: dict[str, str], built: date, table: CalendarTable) -> None:
    """Write `table` to `path` atomically (a unique temporary name in the same folder,
    then a rename); a folder that cannot be written is logged, never raised."""
    body = json.dumps(
        {name: getattr(table, name) for name in _COLUMNS},
        separators=(",", ":"),
    ).encode()
    header = {
        "format": FORMAT,
        "versions": versions,
        "built": built.isoformat(),
        "crc32": zlib.crc32(body),
    }
    try:
        write_atomically(path, json.dumps(header).encode() + b"\n" + body)
    except OSError as error:
        log.info("no calendar cache at %s: %s", path, error)


def _table(payload: Any) -> CalendarTable:
    """The table in a parsed body; ValueError when it is not a consistent schedule."""
    if not isinstance(payload, dict):
        raise ValueError("not a schedule")
    days, opens, closes, early = (_integers(payload, name) for name in _COLUMNS)
    if not days or not len(days) == len(opens) == len(closes):
        raise ValueError("its columns differ in length")
    increasing = all(a < b for a, b in pairwise(days))
    if not increasing or not all(o < c for o, c in zip(opens, closes, strict=True)):
        raise ValueError("its sessions are out of order")
    if not set(early) <= set(days):
        raise ValueError("an early close is not a session")
    return CalendarTable(days=days, opens=opens, closes=closes, early=early)


def _integers(payload: dict[str, Any], name: str) -> list[int]:
    column = payload.get(name)
    if not isinstance(column, list) or not all(type(value) is int for value in column):
        raise ValueError(f"its {name} are not a list of integers")
    return column
