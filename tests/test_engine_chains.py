"""The index's option chains in the engine (issue 10): fetched on their own slow cadence
(every `refresh.options` in regular hours, once after the close, none until the open),
never on the quote cycle (a load in a thread of its own, a short grace, then published
without it), kept under the session their `as_of` falls in, the last good one kept
through a failure (named once, with its age), asked once in a replay, never asked of a
source that serves none, and a loop that still ends at once when cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.chain_sessions import session_of
from core.clock import NEW_YORK
from core.engine import CHAIN_FAILED, LOADING_CHAIN, Backoff, Engine
from core.replay import Replay
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import DataFormatError, RateLimitError
from tests.fake_source import FakeSource, small_chain
from tests.test_engine import index_source, make_engine

# Tuesday 2026-01-27: the session the test bars end on.
TUESDAY = date(2026, 1, 27)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def chain_source(**kwargs: object) -> FakeSource:
    """The test index with a chain quoted at Tuesday 11:00 (answered for any session
    from then on)."""
    return index_source(chains={TUESDAY: small_chain(at(TUESDAY, 11))}, **kwargs)


def clocked(source: FakeSource, now: datetime, **kwargs: object) -> tuple[Engine, Clock]:
    clock = Clock(now)
    return make_engine(source, clock=clock, **kwargs), clock


# -- the cadence -----------------------------------------------------------------------


def test_in_regular_hours_a_chain_is_fetched_every_refresh_options_seconds() -> None:
    source = chain_source()
    engine, clock = clocked(source, at(TUESDAY, 11))
    assert engine.settings.refresh.options == 900.0
    engine.refresh()  # the first cycle always asks
    assert source.chain_calls == [TUESDAY]
    for minutes in (1, 5, 14):  # quote cycles in between ask nothing
        clock.now = at(TUESDAY, 11, minutes)
        engine.refresh()
    assert len(source.chain_calls) == 1
    clock.now = at(TUESDAY, 11, 15)
    engine.refresh()
    assert source.chain_calls == [TUESDAY, TUESDAY]
    assert source.quote_calls == 5  # the quotes were fetched every cycle


def test_after_the_close_one_fetch_then_none_until_the_open() -> None:
    source = chain_source()
    engine, clock = clocked(source, at(TUESDAY, 15, 50))
    engine.refresh()
    assert len(source.chain_calls) == 1
    clock.now = at(TUESDAY, 16, 1)  # after-hours: the last fetch was before the close
    engine.refresh()
    assert len(source.chain_calls) == 2
    wednesday = TUESDAY + timedelta(days=1)
    for moment in (at(TUESDAY, 17), at(TUESDAY, 21), at(wednesday, 3), at(wednesday, 9, 29)):
        clock.now = moment  # after-hours, closed, pre-market: nothing new to fetch
        engine.refresh()
    assert len(source.chain_calls) == 2
    clock.now = at(wednesday, 9, 30)  # the open: more than refresh.options since the last
    engine.refresh()
    assert source.chain_calls[-1] == wednesday
    assert len(source.chain_calls) == 3


def test_when_closed_the_first_cycle_asks_and_then_none_until_the_open() -> None:
    saturday = date(2026, 1, 31)
    monday = date(2026, 2, 2)
    source = chain_source()
    engine, clock = clocked(source, at(saturday, 10))
    engine.refresh()
    assert source.chain_calls == [monday]  # `_end`: the next session to open
    for moment in (at(saturday, 22), at(saturday + timedelta(days=1), 12), at(monday, 8)):
        clock.now = moment
        engine.refresh()
    assert len(source.chain_calls) == 1
    clock.now = at(monday, 9, 31)
    engine.refresh()
    assert len(source.chain_calls) == 2


def test_a_chain_that_fails_is_asked_again_after_its_own_backoff() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    engine, clock = clocked(source, at(TUESDAY, 11), backoff=Backoff(first=60.0, jitter=0.0))
    engine.refresh()
    source.chain_fail_with = None
    clock.now = at(TUESDAY, 11) + timedelta(seconds=59)  # the quotes' next cycles
    engine.refresh()
    assert len(source.chain_calls) == 1  # not before the chain's own backoff
    assert engine.consecutive_failures == 0  # the cycle itself was healthy
    clock.now = at(TUESDAY, 11, 1)
    snapshot = engine.refresh()
    assert len(source.chain_calls) == 2
    assert snapshot.gamma.total_gex_bn is not None
    assert snapshot.gamma.status.state == "LIVE"


def test_the_chains_backoff_grows_with_failures_in_a_row() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    engine, clock = clocked(source, at(TUESDAY, 11), backoff=Backoff(first=60.0, jitter=0.0))
    engine.refresh()
    clock.now = at(TUESDAY, 11, 1)
    engine.refresh()  # the second failure: the next try 120 s on
    assert len(source.chain_calls) == 2
    clock.now = at(TUESDAY, 11, 2) + timedelta(seconds=59)
    engine.refresh()
    assert len(source.chain_calls) == 2
    clock.now = at(TUESDAY, 11, 3)
    engine.refresh()
    assert len(source.chain_calls) == 3


# -- keying by session -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "session"),
    [
        (at(TUESDAY, 11), TUESDAY),  # regular hours: that session
        (at(TUESDAY, 9), date(2026, 1, 26)),  # pre-market: the session before
        (at(TUESDAY, 16, 15), TUESDAY),  # after the close: the session just closed
        (at(date(2026, 1, 31), 10), date(2026, 1, 30)),  # Saturday: Friday
        (at(date(2026, 2, 2), 8), date(2026, 1, 30)),  # pre-market Monday: Friday
        (at(date(2026, 1, 19), 12), date(2026, 1, 16)),  # a holiday (MLK day): the Friday
    ],
)
def test_a_chain_belongs_to_the_session_its_as_of_falls_in(as_of: datetime, session: date) -> None:
    assert session_of(MarketSession(), as_of) == session


def test_a_chain_fetched_on_saturday_is_fridays() -> None:
    saturday, friday = date(2026, 1, 31), date(2026, 1, 30)
    source = index_source(chains={saturday: small_chain(at(saturday, 10))})
    engine, _ = clocked(source, at(saturday, 10, 5))
    snapshot = engine.refresh()
    assert snapshot.gamma.session == friday
    assert snapshot.gamma.as_of == at(saturday, 10)
    assert snapshot.gamma.total_gex_bn is not None


# -- the last good chain, and why there is none -----------------------------------------


def test_a_failure_keeps_the_last_chain_with_its_age_and_names_the_failure_once() -> None:
    source = chain_source()
    engine, clock = clocked(source, at(TUESDAY, 11))
    good = engine.refresh()
    assert good.gamma.total_gex_bn is not None
    assert good.gamma.status.state == "LIVE" and good.gamma.status.detail is None
    clock.now = at(TUESDAY, 11, 20)
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    failed = engine.refresh()
    gamma = failed.gamma
    assert gamma.total_gex_bn == good.gamma.total_gex_bn  # the last good chain, kept
    assert gamma.session == TUESDAY
    assert gamma.status.as_of == at(TUESDAY, 11)  # dated at the chain: its age shows
    assert gamma.status.state == "STALE"
    detail = gamma.status.detail or ""
    assert detail.count("rate limited") == 1 and "\n" not in detail
    assert "showing data from 2026-01-27 11:00" in detail
    # The chain's failure is the gamma panel's alone: the cycle and the rest are healthy.
    assert engine.failures == [] and engine.consecutive_failures == 0
    assert failed.price.status.state == "LIVE" and failed.price.status.detail is None


def test_with_no_chain_yet_a_failure_says_so_once() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    engine, _ = clocked(source, at(TUESDAY, 11))
    snapshot = engine.refresh()
    detail = snapshot.gamma.status.detail or ""
    assert detail.startswith(CHAIN_FAILED + ": ")
    assert detail.count("rate limited") == 1
    assert snapshot.gamma.total_gex_bn is None
    assert snapshot.price.last is not None  # the prices are still shown


def test_an_empty_answer_keeps_the_last_chain() -> None:
    source = chain_source()
    engine, clock = clocked(source, at(TUESDAY, 11))
    good = engine.refresh()
    source.chains = {}
    clock.now = at(TUESDAY, 11, 15)
    later = engine.refresh()
    assert len(source.chain_calls) == 2
    assert later.gamma.total_gex_bn == good.gamma.total_gex_bn
    assert later.gamma.status.state == "LIVE"  # no failure: nothing is marked


def test_a_source_with_no_chain_for_the_session_says_so() -> None:
    source = index_source(kind="files", directory=Path("DIR"), chains={})
    engine, _ = clocked(source, at(TUESDAY, 11))
    snapshot = engine.refresh()
    assert snapshot.gamma.status.detail == f"files:DIR has no option chain on or before {TUESDAY}"


def test_a_source_without_option_chains_is_never_asked() -> None:
    source = index_source(capabilities={"daily_bars", "intraday_quotes"})
    source.chains = {TUESDAY: small_chain(at(TUESDAY, 11))}
    engine, clock = clocked(source, at(TUESDAY, 11))
    snapshot = engine.refresh()
    clock.now = at(TUESDAY, 12)
    engine.refresh()
    assert source.chain_calls == []
    assert snapshot.gamma.status.detail == "yahoo serves no option chains"


# -- replay ----------------------------------------------------------------------------


def test_a_replay_asks_once_for_the_replayed_session_and_uses_no_later_chain() -> None:
    replayed = date(2026, 1, 20)
    source = index_source(
        chains={
            date(2026, 1, 16): small_chain(at(date(2026, 1, 16), 16, 15), spot=5900.0),
            date(2026, 1, 21): small_chain(at(date(2026, 1, 21), 16, 15), spot=6100.0),
        }
    )
    # A source that ignores the session it is asked for must not leak a later chain.
    answers = iter([small_chain(at(date(2026, 1, 21), 16, 15))])
    leaky = index_source(capabilities={"daily_bars", "option_chains"})
    leaky.option_chain = lambda session: next(answers)  # type: ignore[method-assign]
    engine = make_engine(source, replay=Replay(replayed))
    first = engine.refresh()
    engine.refresh()
    assert source.chain_calls == [replayed]
    assert first.gamma.session == date(2026, 1, 16)
    assert first.gamma.spot == 5900.0
    assert first.gamma.status.state == "REPLAY"
    leaked = make_engine(leaky, replay=Replay(replayed)).refresh()
    assert leaked.gamma.total_gex_bn is None
    assert "no option chain on or before 2026-01-20" in (leaked.gamma.status.detail or "")


# -- in the loop: a load of its own ----------------------------------------------------


async def published_until(
    published: list[Snapshot], wanted: Callable[[Snapshot], bool], seen: int = 0
) -> Snapshot:
    """The first Snapshot published from index `seen` on that is `wanted` (waiting for it)."""
    for _ in range(1500):
        for snapshot in published[seen:]:
            if wanted(snapshot):
                return snapshot
        await asyncio.sleep(0.01)
    raise AssertionError("no such Snapshot was published")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5.0)
    assert task in done and task.cancelled()


async def test_a_slow_chain_loads_apart_and_the_cycle_publishes_without_it() -> None:
    source = chain_source()
    source.chain_gate.clear()  # the chain hangs until the test lets it through
    engine, clock = clocked(source, at(TUESDAY, 11), chains_grace=0.05)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda s: s.price.last is not None)
        assert first.price.status.state == "LIVE"
        assert first.gamma.total_gex_bn is None
        assert first.gamma.status.detail == LOADING_CHAIN
        for minutes in (20, 40):  # cycles past the chain's cadence start no second load
            clock.now = at(TUESDAY, 11, minutes)
            seen = len(published)
            engine.refresh_now()
            await published_until(published, lambda s: True, seen)
        assert len(source.chain_calls) == 1
        source.chain_gate.set()  # its end wakes the loop, whose cycle takes it
        loaded = await published_until(published, lambda s: s.gamma.total_gex_bn is not None)
        assert loaded.gamma.session == TUESDAY
        assert loaded.gamma.status.detail is None
    finally:
        await stop(task)
    assert len(source.chain_calls) == 1


async def test_a_chain_within_its_grace_is_in_the_first_snapshot() -> None:
    source = chain_source()
    engine, _ = clocked(source, at(TUESDAY, 11))
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda s: True)
        assert first.gamma.total_gex_bn is not None
    finally:
        await stop(task)
    # Asked after the quotes: a live source values the chain at the price just stored
    # (a whole history's load, in a thread of its own, may come in between).
    first_cycle = source.asked[: source.asked.index("option_chain")]
    assert "daily_bars" in first_cycle[: first_cycle.index("quotes")]


async def test_a_chain_failing_in_its_load_is_one_line_and_retried() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    backoff = Backoff(first=0.05, jitter=0.0)
    engine, clock = clocked(source, at(TUESDAY, 11), chains_grace=0.05, backoff=backoff)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        failed = await published_until(
            published, lambda s: "rate limited" in (s.gamma.status.detail or "")
        )
        line = failed.gamma.status.detail or ""
        assert "\n" not in line and "retrying within" in line
        assert failed.price.status.detail is None  # the chain's failure is gamma's alone
        source.chain_fail_with = None
        clock.now = at(TUESDAY, 11) + timedelta(seconds=1)  # past the chain's backoff
        done = await published_until(published, lambda s: s.gamma.total_gex_bn is not None)
        assert done.gamma.status.detail is None
    finally:
        await stop(task)
    assert len(source.chain_calls) >= 2


async def test_the_loop_ends_at_once_when_cancelled_while_a_chain_hangs() -> None:
    source = chain_source()
    source.chain_gate.clear()
    engine, _ = clocked(source, at(TUESDAY, 11), chains_grace=0.05)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, lambda s: s.price.last is not None)
        engine.refresh_now()  # a cycle under way while the load hangs
        await stop(task)
    finally:
        source.chain_gate.set()  # let the daemon thread end


def test_a_failed_chain_shortens_the_rest_to_its_retry_when_the_market_is_closed() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    saturday = at(date(2026, 1, 31), 11)
    engine, clock = clocked(source, saturday, backoff=Backoff(first=60.0, jitter=0.0))
    engine.refresh()
    assert engine.cadence() == 900.0
    assert engine.next_wait() == 60.0  # the chain's retry, not the closed cadence
    clock.now = saturday + timedelta(seconds=70)
    assert engine.next_wait() == 0.0
    source.chain_fail_with = None
    engine.refresh()
    assert engine.next_wait() == 900.0


def test_a_chain_the_gamma_computation_chokes_on_costs_gamma_alone() -> None:
    broken = small_chain(at(TUESDAY, 11))
    broken = replace(broken, contracts=broken.contracts.drop(columns=["implied_vol"]))
    source = index_source(chains={TUESDAY: broken})
    engine, _ = clocked(source, at(TUESDAY, 11))
    snapshot = engine.refresh()
    assert snapshot.gamma.status.state == "ERROR"
    assert snapshot.price.status.state == "LIVE" and snapshot.price.last is not None
    assert not any(level.kind == "gamma" for level in snapshot.price.levels)
    assert engine.consecutive_failures == 0  # the quotes keep their cadence


def test_outside_regular_hours_a_failing_chain_waits_for_the_open_after_three_tries() -> None:
    source = chain_source()
    source.chain_fail_with = RateLimitError("yahoo: options of ^SPX: rate limited")
    saturday = at(date(2026, 1, 31), 11)
    engine, clock = clocked(source, saturday, backoff=Backoff(first=60.0, jitter=0.0))
    for minutes in (0, 1, 3):  # each try once its backoff (60 s, then 120 s) has passed
        clock.now = saturday + timedelta(minutes=minutes)
        engine.refresh()
    assert len(source.chain_calls) == 3
    clock.now = saturday + timedelta(hours=6)
    engine.refresh()
    assert len(source.chain_calls) == 3  # nothing until Monday's open
    assert engine.next_wait() == 900.0  # the closed cadence, not the chain's retry
    clock.now = at(date(2026, 2, 2), 9, 31)
    engine.refresh()
    assert len(source.chain_calls) == 4


def test_a_fixed_past_that_fails_is_not_asked_again_by_a_backoff() -> None:
    source = chain_source(historical=True)
    source.chain_fail_with = DataFormatError("files:DIR/options/SPX/x.csv, line 3: bad")
    engine, clock = clocked(source, at(TUESDAY, 11), backoff=Backoff(first=1.0, jitter=0.0))
    engine.refresh()
    clock.now = at(TUESDAY, 11, 5)
    snapshot = engine.refresh()
    assert len(source.chain_calls) == 1  # asked again at refresh.options (15 min), no sooner
    assert "line 3: bad" in (snapshot.gamma.status.detail or "")
