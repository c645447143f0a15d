"""The injectable clock. Everything that asks "what time is it" takes a `Clock`, so
tests and replays can stand on any date and time; `system_clock` is the real one.
Times are timezone-aware; `NEW_YORK` is the market's own zone.

Hidden, for benchmarks only: when the environment holds `REGIME_CLOCK_START` (an ISO
8601 time with its UTC offset, e.g. `2026-02-05T10:00:00-05:00`), `system_clock`
starts there at its first reading and runs at real speed from then on, so a benchmark
can measure the app in regular hours on a night or a weekend. It is no setting (the
config reads no REGIME_* name that is not a field) and not in the README; a bad value
makes `system_clock` raise ValueError, and `check_clock_start` says so up front."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""

CLOCK_START_VARIABLE = "REGIME_CLOCK_START"
"""The hidden variable that moves `system_clock` (see the module docstring)."""

_offset: timedelta | None = None
"""How far `system_clock` stands from the machine's clock, once known."""
_offset_lock = threading.Lock()


def clock_start(value: str | None = None) -> datetime | None:
    """The start `REGIME_CLOCK_START` asks for (or `value`), None when unset or empty.
    Raises ValueError with a one-line message when it is no timezone-aware ISO time."""
    text = os.environ.get(CLOCK_START_VARIABLE, "") if value is None else value
    if not text.strip():
        return None
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{CLOCK_START_VARIABLE}={text!r}: not an ISO time (like 2026-02-05T10:00:00-05:00)"
        ) from None
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(
            f"{CLOCK_START_VARIABLE}={text!r}: give the UTC offset (like 2026-02-05T10:00:00-05:00)"
        )
    return start


def check_clock_start() -> None:
    """Raise ValueError (one line) if `REGIME_CLOCK_START` is set to a bad value; for
    the CLI, before anything reads the clock."""
    clock_start()


def _clock_offset() -> timedelta:
    """The shift of `system_clock`, fixed at its first reading."""
    global _offset
    if _offset is None:
        with _offset_lock:
            if _offset is None:
                start = clock_start()
                _offset = timedelta(0) if start is None else start - datetime.now(UTC)
    return _offset


def system_clock() -> datetime:
    """The machine's clock, in UTC (moved by the hidden REGIME_CLOCK_START)."""
    offset = _clock_offset()
    now = datetime.now(UTC)
    return now + offset if offset else now


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("fixed_clock needs a timezone-aware datetime")
    return lambda: moment
