"""The clock: `system_clock` is the machine's, unless the hidden REGIME_CLOCK_START
moves it (a benchmark's way into regular hours), in which case it starts there at its
first reading and runs at real speed; a bad value is one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import clock
from core.clock import CLOCK_START_VARIABLE, NEW_YORK, check_clock_start, clock_start
from core.session import MarketSession


@pytest.fixture
def fresh_clock(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """`system_clock` as at the start of a process, its shift not yet fixed (and put
    back as it was afterwards)."""
    monkeypatch.setattr(clock, "_offset", None)
    return monkeypatch


def test_without_the_variable_it_is_the_machine_clock(fresh_clock: pytest.MonkeyPatch) -> None:
    fresh_clock.delenv(CLOCK_START_VARIABLE, raising=False)
    before = datetime.now(UTC)
    now = clock.system_clock()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC


def test_the_variable_starts_the_clock_in_regular_hours(fresh_clock: pytest.MonkeyPatch) -> None:
    fresh_clock.setenv(CLOCK_START_VARIABLE, "2026-02-05T10:00:00-05:00")
    first = clock.system_clock()
    start = datetime(2026, 2, 5, 10, tzinfo=NEW_YORK)
    assert timedelta(0) <= first - start < timedelta(seconds=5)
    second = clock.system_clock()
    assert first <= second < first + timedelta(seconds=5), "it runs on at real speed"
    assert MarketSession(clock.system_clock).state().phase == "regular"
    fresh_clock.setenv(CLOCK_START_VARIABLE, "2030-01-01T00:00:00+00:00")
    assert clock.system_clock() - start < timedelta(seconds=5), "fixed at the first reading"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("tomorrow at ten", "not an ISO time"),
        ("2026-02-30T10:00:00-05:00", "not an ISO time"),
        ("2026-02-05T10:00:00", "give the UTC offset"),
    ],
)
def test_a_bad_value_is_one_clear_line(
    fresh_clock: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    fresh_clock.setenv(CLOCK_START_VARIABLE, value)
    with pytest.raises(ValueError) as caught:
        check_clock_start()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{CLOCK_START_VARIABLE}={value!r}: {reason}")
    with pytest.raises(ValueError, match=reason):
        clock.system_clock()


def test_an_empty_value_is_unset() -> None:
    assert clock_start("") is None
    assert clock_start("  ") is None
    assert clock_start("2026-02-05T15:00:00Z") == datetime(2026, 2, 5, 15, tzinfo=UTC)
