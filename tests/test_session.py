"""NYSE session: phases, next open/close, holidays, early closes, DST and the refresh
cadence, pinned with a fixed clock against facts checked in exchange_calendars' XNYS."""

from __future__ import annotations

import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import NEW_YORK, fixed_clock
from core.config import Refresh
from core.session import MarketSession, SessionState, nyse_calendar

MARKET = MarketSession()
REFRESH = Refresh(regular=15, pre=60, post=60, closed=900, members=3600)


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def state_at(moment: datetime) -> SessionState:
    """The state through an injected fixed clock, as the app would ask for it."""
    return MarketSession(fixed_clock(moment)).state()


# --- a normal week: Tuesday 2026-06-16 ------------------------------------------------


def test_regular_hours() -> None:
    state = state_at(ny(2026, 6, 16, 10))
    assert state.phase == "regular"
    assert state.session == date(2026, 6, 16)
    assert state.last_session == date(2026, 6, 15)
    assert state.next_close == ny(2026, 6, 16, 16)
    assert state.next_open == ny(2026, 6, 17, 9, 30)
    assert state.early_close is False
    assert state.countdown() == timedelta(hours=6)


def test_pre_market() -> None:
    state = state_at(ny(2026, 6, 16, 8))
    assert state.phase == "pre"
    assert state.session == date(2026, 6, 16)
    assert state.last_session == date(2026, 6, 15)
    assert state.next_open == ny(2026, 6, 16, 9, 30)
    assert state.next_close == ny(2026, 6, 16, 16)
    assert state.countdown() == timedelta(hours=1, minutes=30)


def test_after_hours() -> None:
    state = state_at(ny(2026, 6, 16, 17))
    assert state.phase == "post"
    assert state.session == date(2026, 6, 16)
    assert state.last_session == date(2026, 6, 16)
    assert state.next_open == ny(2026, 6, 17, 9, 30)
    assert state.next_close == ny(2026, 6, 17, 16)


def test_overnight_is_closed() -> None:
    state = state_at(ny(2026, 6, 16, 21))
    assert state.phase == "closed"
    assert state.session is None
    assert state.last_session == date(2026, 6, 16)
    assert state.next_open == ny(2026, 6, 17, 9, 30)
    assert state.countdown() == timedelta(hours=12, minutes=30)


def test_saturday_is_closed_until_monday() -> None:
    state = state_at(ny(2026, 6, 13, 12))
    assert state.phase == "closed"
    assert state.session is None
    assert state.last_session == date(2026, 6, 12)
    assert state.next_open == ny(2026, 6, 15, 9, 30)
    assert state.next_close == ny(2026, 6, 15, 16)


@pytest.mark.parametrize(
    ("clock", "phase"),
    [
        ((3, 59, 59), "closed"),
        ((4, 0, 0), "pre"),
        ((9, 29, 59), "pre"),
        ((9, 30, 0), "regular"),
        ((15, 59, 59), "regular"),
        ((16, 0, 0), "post"),
        ((19, 59, 59), "post"),
        ((20, 0, 0), "closed"),
    ],
)
def test_phase_boundaries(clock: tuple[int, int, int], phase: str) -> None:
    assert state_at(ny(2026, 6, 16, *clock)).phase == phase


def test_last_session_changes_at_the_close() -> None:
    assert state_at(ny(2026, 6, 16, 15, 59, 59)).last_session == date(2026, 6, 15)
    assert state_at(ny(2026, 6, 16, 16)).last_session == date(2026, 6, 16)


def test_clock_is_the_default_and_now_overrides_it() -> None:
    market = MarketSession(fixed_clock(ny(2026, 6, 16, 10)))
    assert market.state().phase == "regular"
    assert market.state(ny(2026, 6, 16, 21)).phase == "closed"


def test_now_in_any_zone_is_reported_in_new_york() -> None:
    state = state_at(datetime(2026, 6, 16, 14, 0, tzinfo=UTC))  # 10:00 EDT
    assert state.phase == "regular"
    assert state.now == ny(2026, 6, 16, 10)
    assert state.now.tzinfo is NEW_YORK
    assert state.next_open.tzinfo is NEW_YORK
    assert state.next_close.tzinfo is NEW_YORK


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MARKET.state(datetime(2026, 6, 16, 10))


# --- holidays -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 1, 19),  # Martin Luther King Jr. Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 6, 19),  # Juneteenth
        date(2026, 7, 3),  # Independence Day, observed (July 4 is a Saturday)
        date(2026, 11, 26),  # Thanksgiving
        date(2026, 12, 25),  # Christmas
    ],
)
def test_holidays_are_closed(holiday: date) -> None:
    assert not nyse_calendar().is_session(holiday)
    state = state_at(datetime.combine(holiday, time(10, 0), tzinfo=NEW_YORK))
    assert state.phase == "closed"
    assert state.session is None
    assert holiday not in MARKET.sessions(holiday, holiday)


def test_independence_day_observed() -> None:
    state = state_at(ny(2026, 7, 3, 10))
    assert state.last_session == date(2026, 7, 2)
    assert state.next_open == ny(2026, 7, 6, 9, 30)
    # 2026-07-02 is a full day: no early close before an observed Friday holiday.
    assert MARKET.session_close(date(2026, 7, 2)) == ny(2026, 7, 2, 16)
    assert state_at(ny(2026, 7, 2, 15)).phase == "regular"


def test_thanksgiving_points_at_the_early_close_next_day() -> None:
    state = state_at(ny(2026, 11, 26, 10))
    assert state.phase == "closed"
    assert state.last_session == date(2026, 11, 25)
    assert state.next_open == ny(2026, 11, 27, 9, 30)
    assert state.next_close == ny(2026, 11, 27, 13)
    assert state.early_close is True


# --- early closes ---------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 11, 27), date(2026, 12, 24)])
def test_early_close_days(day: date) -> None:
    assert day in {stamp.date() for stamp in nyse_calendar().early_closes}
    assert MARKET.session_close(day) == datetime.combine(day, time(13), tzinfo=NEW_YORK)

    def at(hour: int, minute: int = 0) -> SessionState:
        return state_at(datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK))

    assert at(12, 59).phase == "regular"
    assert at(12, 59).next_close == datetime.combine(day, time(13), tzinfo=NEW_YORK)
    assert at(12, 59).early_close is True
    assert at(13).phase == "post"
    assert at(13).session == day
    assert at(13).last_session == day
    assert at(13).early_close is True
    assert at(16, 59).phase == "post"
    assert at(17).phase == "closed"
    assert at(17).session is None


def test_regular_close_is_four_pm() -> None:
    assert MARKET.session_close(date(2026, 11, 25)) == ny(2026, 11, 25, 16)
    assert state_at(ny(2026, 11, 25, 10)).early_close is False


# --- daylight saving time -------------------------------------------------------------


def test_spring_forward_weekend() -> None:
    # DST starts Sunday 2026-03-08: Friday's close is 21:00 UTC, Monday's open 13:30 UTC.
    assert MARKET.session_close(date(2026, 3, 6)).astimezone(UTC) == datetime(
        2026, 3, 6, 21, tzinfo=UTC
    )
    for moment in (ny(2026, 3, 7, 12), ny(2026, 3, 8, 1), ny(2026, 3, 8, 12)):
        state = state_at(moment)
        assert state.phase == "closed"
        assert state.last_session == date(2026, 3, 6)
        assert state.next_open == ny(2026, 3, 9, 9, 30)
        assert state.next_open.astimezone(UTC) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    # Saturday noon EST to Monday 09:30 EDT is 45.5 h on the wall clock but 44.5 h real.
    assert state_at(ny(2026, 3, 7, 12)).countdown() == timedelta(hours=44, minutes=30)
    # The same 09:30 open is a different UTC hour either side of the change.
    assert state_at(datetime(2026, 3, 6, 14, 30, tzinfo=UTC)).phase == "regular"
    assert state_at(datetime(2026, 3, 9, 13, 30, tzinfo=UTC)).phase == "regular"
    assert state_at(datetime(2026, 3, 9, 13, 29, tzinfo=UTC)).phase == "pre"


def test_fall_back_weekend() -> None:
    # DST ends Sunday 2026-11-01: Friday's close is 20:00 UTC, Monday's open 14:30 UTC.
    assert MARKET.session_close(date(2026, 10, 30)).astimezone(UTC) == datetime(
        2026, 10, 30, 20, tzinfo=UTC
    )
    for fold in (0, 1):  # 01:30 happens twice that night
        state = state_at(ny(2026, 11, 1, 1, 30).replace(fold=fold))
        assert state.phase == "closed"
        assert state.last_session == date(2026, 10, 30)
        assert state.next_open == ny(2026, 11, 2, 9, 30)
        assert state.next_open.astimezone(UTC) == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    # Saturday noon EDT to Monday 09:30 EST is 45.5 h on the wall clock but 46.5 h real.
    assert state_at(ny(2026, 10, 31, 12)).countdown() == timedelta(hours=46, minutes=30)
    assert state_at(datetime(2026, 11, 2, 14, 30, tzinfo=UTC)).phase == "regular"
    assert state_at(datetime(2026, 11, 2, 13, 30, tzinfo=UTC)).phase == "pre"


# --- refresh cadence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ny(2026, 6, 16, 11), 15.0),  # regular, far from the close
        (ny(2026, 6, 16, 8), 60.0),  # pre, far from the open
        (ny(2026, 6, 16, 9, 29, 50), 10.0),  # pre: wake exactly at the open
        (ny(2026, 6, 16, 15, 59, 55), 5.0),  # regular: wake exactly at the close
        (ny(2026, 6, 16, 19, 59, 30), 30.0),  # post: wake when after-hours end
        (ny(2026, 6, 16, 3, 59, 50), 10.0),  # closed: wake when pre-market starts
        (ny(2026, 6, 13, 12), 900.0),  # Saturday
        (ny(2026, 11, 27, 12, 59, 50), 10.0),  # early close at 13:00
        (ny(2026, 11, 27, 16, 59, 50), 10.0),  # after-hours end at 17:00 on an early day
    ],
)
def test_cadence_never_sleeps_past_a_phase_change(moment: datetime, expected: float) -> None:
    assert MARKET.cadence(REFRESH, moment) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ny(2026, 6, 16, 11), 15.0),  # regular: as any market
        (ny(2026, 6, 16, 8), 900.0),  # pre: the closed cadence
        (ny(2026, 6, 16, 9, 29, 50), 10.0),  # pre: still wakes exactly at the open
        (ny(2026, 6, 16, 17), 900.0),  # post: the closed cadence
        (ny(2026, 6, 16, 19, 59, 30), 30.0),  # post: wakes when after-hours end
        (ny(2026, 6, 13, 12), 900.0),  # Saturday
    ],
)
def test_a_market_without_extended_hours_cycles_on_the_closed_cadence_outside_regular(
    moment: datetime, expected: float
) -> None:
    assert MARKET.cadence(REFRESH, moment, extended_hours=False) == pytest.approx(expected)


def test_cadence_is_at_least_one_second() -> None:
    moment = ny(2026, 6, 16, 9, 29, 59) + timedelta(milliseconds=500)
    assert MARKET.cadence(REFRESH, moment) == 1.0


def test_cadence_uses_the_clock_and_counts_real_seconds_across_dst() -> None:
    market = MarketSession(fixed_clock(ny(2026, 3, 7, 12)))
    slow = Refresh(regular=15, pre=60, post=60, closed=1e9, members=3600)
    # Saturday 12:00 EST (17:00 UTC) to Monday 04:00 EDT (08:00 UTC): 39 h, not 40 h.
    assert market.cadence(slow) == 39 * 3600
    assert market.next_phase_change() == ny(2026, 3, 9, 4)


# --- sessions and lookups -------------------------------------------------------------


def test_sessions_in_range() -> None:
    assert MARKET.sessions(date(2026, 11, 22), date(2026, 11, 30)) == [
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    assert MARKET.sessions(date(2026, 11, 30), date(2026, 11, 22)) == []


def test_last_session_on_or_before() -> None:
    assert MARKET.last_session_on_or_before(date(2026, 7, 5)) == date(2026, 7, 2)
    assert MARKET.last_session_on_or_before(date(2026, 7, 6)) == date(2026, 7, 6)
    assert MARKET.last_session_on_or_before(date(2026, 11, 26)) == date(2026, 11, 25)


def test_session_close_of_a_holiday_is_an_error() -> None:
    with pytest.raises(ValueError, match="not an NYSE session"):
        MARKET.session_close(date(2026, 11, 26))


def test_outside_the_calendar_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.state(ny(1999, 6, 1, 10))
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.state(ny(2100, 6, 1, 10))
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.cadence(REFRESH, ny(2100, 6, 1, 10))
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.sessions(date(1995, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.session_close(date(2100, 6, 1))
    with pytest.raises(ValueError, match="outside the NYSE calendar"):
        MARKET.last_session_on_or_before(date(1999, 12, 31))


# --- local time -----------------------------------------------------------------------


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/London")
    time_module.tzset()
    yield
    monkeypatch.undo()
    time_module.tzset()


@pytest.mark.usefixtures("london")
def test_local_converts_to_the_machine_zone() -> None:
    state = state_at(ny(2026, 6, 16, 8))
    opens_here = state.local(state.next_open)
    assert opens_here.replace(tzinfo=None) == datetime(2026, 6, 16, 14, 30)
    assert opens_here == state.next_open
    # 2026-03-10: New York is already on EDT, London still on GMT (4 h apart, not 5).
    state = state_at(ny(2026, 3, 10, 8))
    assert state.local(state.next_open).replace(tzinfo=None) == datetime(2026, 3, 10, 13, 30)


# --- properties over 27 years of the calendar -----------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 4), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
    )
)
def test_invariants(moment: datetime) -> None:
    state = MARKET.state(moment)
    # The same instant: `==` across zones is False inside the autumn's repeated hour
    # (PEP 495), so compare the instants themselves.
    assert state.now.timestamp() == moment.timestamp()
    assert state.next_open > moment
    assert state.next_close > moment
    assert state.next_open.time() == time(9, 30)
    assert state.next_close.time() in (time(13), time(16))
    # early_close describes the session in progress, else the next one.
    described = state.session if state.session is not None else state.next_close.date()
    assert state.early_close == (MARKET.session_close(described).time() == time(13))
    assert MARKET.session_close(state.last_session) <= moment
    assert (state.session is None) == (state.phase == "closed")
    assert (state.next_close < state.next_open) == (state.phase == "regular")
    assert state.countdown() > timedelta(0)

    every = {"pre": 60.0, "regular": 15.0, "post": 60.0, "closed": 900.0}[state.phase]
    wait = MARKET.cadence(REFRESH, moment)
    assert 1.0 <= wait <= every
    change = MARKET.next_phase_change(moment)
    if wait < every:  # cut short: the wake-up lands on the phase change
        assert moment + timedelta(seconds=wait) >= change
        assert MARKET.state(change).phase != state.phase
    assert MARKET.state(change - timedelta(microseconds=1)).phase == state.phase
