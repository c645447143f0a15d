"""The engine's intraday fetch: every cycle of a session's pre, regular and post phases
(none outside a session: the section says so), once in a replay for the replayed
session, and a failure costing the intraday section alone (its last bars kept STALE
with the reason; the cycle and every other panel healthy)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.engine import NO_SESSION
from core.replay import Replay
from core.sources.base import NetworkError
from tests.fake_source import FakeSource
from tests.test_engine import index_source, make_engine

TUESDAY = date(2026, 1, 27)


def ny(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=NEW_YORK)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def bars(first: str, count: int) -> pd.DataFrame:
    close = 6000.0 + np.arange(count, dtype="float64")
    index = pd.date_range(ny(first), periods=count, freq="5min", name="time")
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": close},
        index=index,
    )


def source(**kwargs: object) -> FakeSource:
    return index_source(intraday={TUESDAY: bars("2026-01-27 09:30", 18)}, **kwargs)


def test_in_regular_hours_every_cycle_fetches_the_sessions_bars() -> None:
    fake = source()
    clock = Clock(ny("2026-01-27 11:00"))
    engine = make_engine(fake, clock=clock)
    first = engine.refresh()
    clock.now = ny("2026-01-27 11:00:15")
    engine.refresh()
    assert fake.intraday_calls == [(TUESDAY, "^GSPC")] * 2
    section = first.intraday
    assert section.session == TUESDAY and len(section.closes) == 18
    assert section.last == 6017.0 and section.prev_close is not None
    assert section.status.state == "LIVE"


def test_pre_market_and_after_hours_fetch_too_and_a_night_does_not() -> None:
    fake = source()
    clock = Clock(ny("2026-01-27 07:00"))
    engine = make_engine(fake, clock=clock)
    engine.refresh()
    clock.now = ny("2026-01-27 17:00")
    after = engine.refresh()
    assert [call[0] for call in fake.intraday_calls] == [TUESDAY, TUESDAY]
    assert len(after.intraday.closes) == 18
    clock.now = ny("2026-01-27 21:00")
    night = engine.refresh()
    assert len(fake.intraday_calls) == 2
    assert night.intraday.times == () and night.intraday.status.detail == NO_SESSION


def test_a_session_without_bars_says_so() -> None:
    fake = index_source(intraday={})
    engine = make_engine(fake, clock=Clock(ny("2026-01-27 11:00")))
    section = engine.refresh().intraday
    assert section.times == ()
    assert section.status.detail == "yahoo has no intraday bars of 2026-01-27"


def test_a_source_without_intraday_bars_is_never_asked() -> None:
    fake = index_source()
    section = make_engine(fake, clock=Clock(ny("2026-01-27 11:00"))).refresh().intraday
    assert fake.intraday_calls == [] and "intraday_bars" not in fake.asked
    assert section.status.detail == "yahoo serves no intraday bars"


def test_a_failed_fetch_costs_the_intraday_section_alone() -> None:
    fake = source()
    clock = Clock(ny("2026-01-27 11:00"))
    engine = make_engine(fake, clock=clock)
    good = engine.refresh()
    fake.intraday_fail_with = NetworkError("yahoo: 5-minute bars of ^GSPC: network failure")
    clock.now = ny("2026-01-27 11:00:15")
    failed = engine.refresh()
    assert engine.failures == [] and engine.consecutive_failures == 0
    section = failed.intraday
    assert section.closes == good.intraday.closes  # the last bars kept
    assert section.status.state == "STALE"
    assert section.status.detail is not None and "network failure" in section.status.detail
    for key in ("price", "rsi", "vix"):
        assert getattr(failed, key).status.state == "LIVE"
    fake.intraday_fail_with = None
    clock.now = ny("2026-01-27 11:00:30")
    healed = engine.refresh()
    assert healed.intraday.status.state == "LIVE" and healed.intraday.status.detail is None


def test_a_first_fetch_that_fails_leaves_the_cycle_healthy() -> None:
    fake = source()
    fake.intraday_fail_with = RuntimeError("a bug")
    engine = make_engine(fake, clock=Clock(ny("2026-01-27 11:00")))
    snapshot = engine.refresh()
    assert engine.consecutive_failures == 0
    assert snapshot.intraday.status.state == "ERROR"
    assert snapshot.intraday.status.detail == "intraday bars: RuntimeError: a bug"
    assert snapshot.price.status.state == "LIVE"


def test_a_new_session_drops_the_last_ones_bars() -> None:
    fake = source()
    clock = Clock(ny("2026-01-27 11:00"))
    engine = make_engine(fake, clock=clock)
    engine.refresh()
    fake.intraday_fail_with = NetworkError("down")
    clock.now = ny("2026-01-28 07:00")
    section = engine.refresh().intraday
    assert section.times == () and section.status.state == "ERROR"


def test_a_replay_asks_once_for_the_replayed_session() -> None:
    fake = index_source(intraday={date(2026, 1, 23): bars("2026-01-23 09:30", 78)})
    engine = make_engine(
        fake, clock=Clock(ny("2026-01-27 11:00")), replay=Replay(date(2026, 1, 23))
    )
    first = engine.refresh()
    engine.refresh()
    assert fake.intraday_calls == [(date(2026, 1, 23), "^GSPC")]
    section = first.intraday
    assert section.session == date(2026, 1, 23) and len(section.closes) == 78
    assert section.status.state == "REPLAY" and section.delay_minutes is None
    assert section.prev_close is not None
