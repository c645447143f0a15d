"""NYSE trading calendar. (Scaffold: the shared calendar accessor; the phase logic is
being written alongside.)"""

from __future__ import annotations

from functools import lru_cache

import exchange_calendars as xcals


@lru_cache(maxsize=1)
def nyse_calendar() -> xcals.ExchangeCalendar:
    """The XNYS calendar, built once per process (it takes ~0.4 s)."""
    return xcals.get_calendar("XNYS", start="2000-01-03")
