"""The injectable clock. Everything that asks "what time is it" takes a `Clock`, so
tests and replays can stand on any date and time; `system_clock` is the real one.
Times are timezone-aware; `NEW_YORK` is the market's own zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("fixed_clock needs a timezone-aware datetime")
    return lambda: moment
