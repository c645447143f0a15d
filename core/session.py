"""NYSE trading calendar and market phase. The schedule (sessions, regular opens and
closes, early closes at 13:00 New York) comes from exchange_calendars' XNYS calendar
(`nyse_calendar()`); no holiday is hard-coded here. It is read once per process, from
the calendar cache (core.calendar_cache) when that is current, so a warm start imports
neither exchange_calendars nor pandas for it; else the calendar is built and the cache
rewritten. Around each session this module adds the extended hours: pre-market from
04:00 to the open and after-hours for four hours after the close (16:00 to 20:00, or
13:00 to 17:00 on early-close days). `MarketSession` answers, for an injectable clock,
which phase the market is in, the next open and close, and how long the refresh loop
may sleep without missing a phase change. The calendar covers 2000-01-03 to one year
after it was built (at most a week ago); asking about a moment or date outside it
raises ValueError. `session_times` gives the schedule as arrays (for the simulated
market)."""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from core.clock import NEW_YORK, Clock, system_clock
from core.snapshot import MarketInfo, Phase

if TYPE_CHECKING:
    import exchange_calendars as xcals
    import numpy as np

    from core.calendar_cache import CalendarTable
    from core.config import Refresh

PRE_MARKET_START = time(4, 0)
"""Pre-market opens at 04:00 New York on every session day."""
AFTER_HOURS = timedelta(hours=4)
"""After-hours runs this long after the regular close (to 20:00, or 17:00 when early)."""

_NANOS_PER_SECOND = 1_000_000_000
CALENDAR_START = date(2000, 1, 3)
"""The calendar's first session."""
_UNIX_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=1)
def nyse_calendar() -> xcals.ExchangeCalendar:
    """The XNYS calendar, built once per process (importing and building it takes
    ~0.5 s; the schedule is read from its cache file instead whenever it can be)."""
    import exchange_calendars as xcals

    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware columns, which pandas 3
        # deprecates; the warning is the library's, not actionable here.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar("XNYS", start=CALENDAR_START.isoformat())


@dataclass(frozen=True)
class _Schedule:
    """The calendar as plain sorted Python lists, for cheap bisection on every refresh."""

    table: CalendarTable
    """The same schedule as integers (what the cache file holds)."""
    sessions: list[date]
    opens: list[datetime]
    """Regular opens, UTC, one per session."""
    closes: list[datetime]
    """Regular closes, UTC, one per session."""
    early: frozenset[date]

    @classmethod
    def of(cls, table: CalendarTable) -> _Schedule:
        return cls(
            table=table,
            sessions=[date.fromordinal(day) for day in table.days],
            opens=[datetime.fromtimestamp(second, tz=UTC) for second in table.opens],
            closes=[datetime.fromtimestamp(second, tz=UTC) for second in table.closes],
            early=frozenset(date.fromordinal(day) for day in table.early),
        )

    def check_day(self, day: date, what: str) -> None:
        if not self.sessions[0] <= day <= self.sessions[-1]:
            raise ValueError(
                f"{what} {day.isoformat()} is outside the NYSE calendar, which covers "
                f"{self.sessions[0].isoformat()} to {self.sessions[-1].isoformat()}"
            )


def _built_table() -> CalendarTable:
    """The schedule of a freshly built XNYS calendar, as integers."""
    from core.calendar_cache import CalendarTable

    calendar = nyse_calendar()
    nanos_per_day = 86_400 * _NANOS_PER_SECOND
    return CalendarTable(
        days=[n // nanos_per_day + _UNIX_DAY for n in calendar.sessions.asi8.tolist()],
        opens=[n // _NANOS_PER_SECOND for n in calendar.opens_nanos.tolist()],
        closes=[n // _NANOS_PER_SECOND for n in calendar.closes_nanos.tolist()],
        early=[stamp.date().toordinal() for stamp in calendar.early_closes],
    )


@lru_cache(maxsize=1)
def _schedule() -> _Schedule:
    """The schedule, once per process: read from the calendar cache when it is current
    (core.calendar_cache), else built from exchange_calendars and cached."""
    from core.calendar_cache import cached_table, calendar_cache_path

    table = cached_table(calendar_cache_path(), date.today(), _built_table, first=CALENDAR_START)
    return _Schedule.of(table)


def session_times(start: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sessions from `start` through the calendar's last one: their days
    (datetime64[D]) and regular opens and closes (int64 Unix nanoseconds)."""
    import numpy as np

    table = _schedule().table
    first = bisect_left(table.days, start.toordinal())
    days = np.array(table.days[first:], dtype=np.int64) - _UNIX_DAY
    opens = np.array(table.opens[first:], dtype=np.int64) * _NANOS_PER_SECOND
    closes = np.array(table.closes[first:], dtype=np.int64) * _NANOS_PER_SECOND
    return days.astype("datetime64[D]"), opens, closes


def holidays_among(days: np.ndarray) -> np.ndarray:
    """For each of `days` (datetime64[D]): whether it is a weekday inside the calendar's
    span on which the NYSE held no session (a holiday, or a closing such as 2012-10-29
    for Sandy). Days outside the span, where the calendar cannot tell, are never called
    holidays. Vectorised: a history of 25,000 bars costs a few milliseconds."""
    import numpy as np

    sessions = _session_days()
    inside = (days >= sessions[0]) & (days <= sessions[-1])
    weekday = np.is_busday(days, weekmask="1111100")
    return inside & weekday & ~np.isin(days, sessions, assume_unique=False)


@lru_cache(maxsize=1)
def _session_days() -> np.ndarray:
    """The sessions as a sorted datetime64[D] array."""
    return session_times(date.min)[0]


def _seconds(start: datetime, end: datetime) -> float:
    """Elapsed seconds from start to end. Converts to UTC first: subtracting two
    datetimes that share a tzinfo compares wall clocks and is wrong across DST."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _pre_market_start(session: date) -> datetime:
    return datetime.combine(session, PRE_MARKET_START, tzinfo=NEW_YORK)


@dataclass(frozen=True)
class SessionState:
    """Where the market stands at `now`. All datetimes are America/New_York."""

    now: datetime
    phase: Phase
    session: date | None
    """The trading session in progress (its pre, regular or post phase), else None."""
    last_session: date
    """The most recent session whose regular close is at or before `now`."""
    next_open: datetime
    """The next regular open strictly after `now` (today's open during pre-market)."""
    next_close: datetime
    """The regular close of the session in progress when regular, else of the next one."""
    early_close: bool
    """The session in progress (or, when none is, the next one) closes early."""

    def countdown(self) -> timedelta:
        """Real time left until the close when regular, else until the next open."""
        target = self.next_close if self.phase == "regular" else self.next_open
        return timedelta(seconds=_seconds(self.now, target))

    def local(self, moment: datetime) -> datetime:
        """`moment` in the machine's local time zone."""
        return moment.astimezone()


class MarketSession:
    """The NYSE session as seen from an injectable clock."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self._clock = clock

    def state(self, now: datetime | None = None) -> SessionState:
        """The market's phase, sessions, next open and close at `now` (default: the clock)."""
        return self._resolve(now)[0]

    def market_info(self, at: datetime) -> MarketInfo:
        """The session at `at` as a Snapshot states it."""
        state = self.state(at)
        return MarketInfo(
            phase=state.phase,
            next_open=state.next_open,
            next_close=state.next_close,
            early_close=state.early_close,
        )

    def next_phase_change(self, now: datetime | None = None) -> datetime:
        """When the phase next changes after `now` (New York): the pre-market start, the
        open, the close or the end of after-hours."""
        return self._resolve(now)[1]

    def cadence(
        self, refresh: Refresh, now: datetime | None = None, *, extended_hours: bool = True
    ) -> float:
        """Seconds until the next refresh: the current phase's cadence, cut short so the
        refresh lands on the next phase change, and never below one second. A market
        without `extended_hours` (the simulated one, which rests outside regular hours as
        an index does) refreshes on the closed cadence in pre-market and after hours too."""
        state, change = self._resolve(now)
        every = {
            "pre": refresh.pre if extended_hours else refresh.closed,
            "regular": refresh.regular,
            "post": refresh.post if extended_hours else refresh.closed,
            "closed": refresh.closed,
        }[state.phase]
        return max(1.0, min(every, _seconds(state.now, change)))

    def sessions(self, start: date, end: date) -> list[date]:
        """NYSE sessions from `start` to `end`, both inclusive (empty when start > end)."""
        schedule = _schedule()
        schedule.check_day(start, "start")
        schedule.check_day(end, "end")
        low = bisect_left(schedule.sessions, start)
        high = bisect_right(schedule.sessions, end)
        return schedule.sessions[low:high]

    def session_close(self, session: date) -> datetime:
        """New York time of the regular close of `session` (16:00, or 13:00 if early)."""
        schedule = _schedule()
        schedule.check_day(session, "session")
        index = bisect_left(schedule.sessions, session)
        if schedule.sessions[index] != session:
            raise ValueError(f"{session.isoformat()} is not an NYSE session")
        return schedule.closes[index].astimezone(NEW_YORK)

    def span(self) -> tuple[date, date]:
        """The first and the last session the calendar covers."""
        schedule = _schedule()
        return schedule.sessions[0], schedule.sessions[-1]

    def last_session_on_or_before(self, day: date) -> date:
        """The latest NYSE session on or before `day` (`day` itself if it is one)."""
        schedule = _schedule()
        schedule.check_day(day, "day")
        return schedule.sessions[bisect_right(schedule.sessions, day) - 1]

    def _resolve(self, now: datetime | None) -> tuple[SessionState, datetime]:
        """The state at `now` and the moment of the next phase change."""
        moment = self._clock() if now is None else now
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"MarketSession needs a timezone-aware time, not {moment!r}")
        moment = moment.astimezone(NEW_YORK)
        # Compare instants in UTC: datetimes sharing a tzinfo compare by wall clock,
        # which is ambiguous in the repeated hour when DST ends.
        utc = moment.astimezone(UTC)
        schedule = _schedule()
        # The first session whose close is after now (the current or the next one) and
        # the first open after now; the session before `upcoming` is the last completed.
        upcoming = bisect_right(schedule.closes, utc)
        opening = bisect_right(schedule.opens, utc)
        if upcoming == 0 or opening == len(schedule.opens):
            raise ValueError(
                f"{moment.isoformat()} is outside the NYSE calendar, which covers "
                f"{schedule.closes[0].astimezone(NEW_YORK).isoformat()} to "
                f"{schedule.opens[-1].astimezone(NEW_YORK).isoformat()}"
            )
        previous = upcoming - 1
        after_hours_end = schedule.closes[previous].astimezone(NEW_YORK) + AFTER_HOURS
        open_ = schedule.opens[upcoming].astimezone(NEW_YORK)
        close = schedule.closes[upcoming].astimezone(NEW_YORK)
        pre_start = _pre_market_start(schedule.sessions[upcoming])
        phase: Phase
        if utc < after_hours_end:
            phase, session, change = "post", schedule.sessions[previous], after_hours_end
        elif utc >= open_:
            phase, session, change = "regular", schedule.sessions[upcoming], close
        elif utc >= pre_start:
            phase, session, change = "pre", schedule.sessions[upcoming], open_
        else:
            phase, session, change = "closed", None, pre_start
        state = SessionState(
            now=moment,
            phase=phase,
            session=session,
            last_session=schedule.sessions[previous],
            next_open=schedule.opens[opening].astimezone(NEW_YORK),
            next_close=close,
            early_close=(session if session is not None else schedule.sessions[upcoming])
            in schedule.early,
        )
        return state, change
