"""The whole history in the engine (issue 11: the edge section's studies): loaded from
the source's first session up to the last closed session, once per newly closed
session (never on the quote cycle), in a replay once up to the replayed session with
nothing after it read; in the loop a load of its own that the cycles publish without;
its failure, and a computation of the studies that fails, cost the edge panel alone
(the last history kept, STALE, with the line; asked again after its own backoff live,
not for a fixed past); a cycle that changes nothing runs no study again; on the real
data the panel shows what `regime study` prints (breadth apart: the panel's members
span `history_years`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

import core.history
import core.studies.run
import core.studies.study
from core.clock import NEW_YORK
from core.config import Settings, StudyConfig
from core.engine import FULL_FAILED, FULL_HISTORY_FROM, LOADING_FULL, Backoff, Engine
from core.replay import Replay
from core.sections.edge import plan
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import DataFormatError, RateLimitError
from core.sources.files import FilesSource
from core.studies.over_history import run_studies
from tests.fake_source import FakeSource
from tests.market_data import require_market_data
from tests.test_edge_section import bars, by_id
from tests.test_engine import sessions
from tests.test_engine_chains import Clock, at, published_until, stop

MONDAY, TUESDAY = date(2026, 1, 26), date(2026, 1, 27)
SPIKES = (100, -2)
"""The index at 120 on the 100th session and on Monday: the study's events."""


@pytest.fixture(autouse=True)
def only_this_study(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test's study alone (the built-in ones are tested on real data)."""
    monkeypatch.setattr(core.studies.study, "builtin_studies", lambda: {})
    yield


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the studies run, in order."""
    ran: list[str] = []
    run_study = core.studies.run.run_study

    def counted(study: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(study.id)
        return run_study(study, *args, **kwargs)

    monkeypatch.setattr(core.studies.run, "run_study", counted)
    return ran


def settings() -> Settings:
    study = StudyConfig(
        title="at or above 110",
        definition="the S&P 500 closes at or above 110",
        condition="price.last >= 110",
        horizons=(1, 5),
        headline=1,
    )
    return Settings(studies={"spike": study})


def source(**kwargs: Any) -> FakeSource:
    """The index through Tuesday, at 120 on Monday."""
    return FakeSource({"^GSPC": bars(SPIKES, sessions(count=300))}, **kwargs)


def engine_at(fake: FakeSource, now: datetime, **kwargs: Any) -> tuple[Engine, Clock]:
    clock = Clock(now)
    engine = Engine(settings(), fake, clock=clock, session=MarketSession(clock), **kwargs)
    return engine, clock


def test_the_history_is_loaded_once_per_closed_session_up_to_it(runs: list[str]) -> None:
    fake = source()
    engine, clock = engine_at(fake, at(TUESDAY, 11))
    snapshot = engine.refresh()
    assert fake.long_asks() == [(("^GSPC",), FULL_HISTORY_FROM, MONDAY)]
    # Tuesday is in progress: not a close. The studies are Monday's.
    assert snapshot.edge.session == MONDAY
    assert by_id(snapshot.edge)["spike"].active is True
    assert snapshot.price.last is not None and snapshot.price.last < 110  # Tuesday's bar
    for minutes in (1, 30, 299):  # quote cycles: nothing loaded, nothing run again
        clock.now = at(TUESDAY, 11) + timedelta(minutes=minutes)
        again = engine.refresh()
        assert again.edge.studies == snapshot.edge.studies
    assert len(fake.long_asks()) == 1
    assert runs == ["spike"]
    clock.now = at(TUESDAY, 16, 1)  # Tuesday closed
    closed = engine.refresh()
    assert fake.long_asks()[-1] == (("^GSPC",), FULL_HISTORY_FROM, TUESDAY)
    assert closed.edge.session == TUESDAY
    for moment in (at(TUESDAY, 20), at(date(2026, 1, 28), 9)):
        clock.now = moment
        engine.refresh()
    assert len(fake.long_asks()) == 2
    assert runs == ["spike", "spike"]


def test_a_replay_loads_up_to_its_session_and_reads_nothing_after_it() -> None:
    replayed = date(2026, 1, 16)
    fake = source()  # serves bars through Tuesday whatever it is asked
    engine, _ = engine_at(fake, at(TUESDAY, 11), replay=Replay(replayed))
    snapshot = engine.refresh()
    engine.refresh()
    assert fake.long_asks() == [(("^GSPC",), FULL_HISTORY_FROM, replayed)]
    result = by_id(snapshot.edge)["spike"]
    assert snapshot.edge.session == replayed and result.span_to == replayed
    assert [event.date for event in result.events] == [sessions(count=300)[100].date()]
    assert result.active is False  # Monday's 120 is after the replayed session
    assert snapshot.edge.status.state == "REPLAY"
    # The same as the studies over the bars cut there.
    cut = FakeSource({"^GSPC": bars(SPIKES, sessions(count=300)).loc[:"2026-01-16"]})
    alone, _ = engine_at(cut, at(TUESDAY, 11), replay=Replay(replayed))
    assert alone.refresh().edge.studies == snapshot.edge.studies


def test_a_failed_load_costs_the_edge_panel_alone_and_is_asked_again() -> None:
    fake = source()
    fake.long_fail_with = RateLimitError("yahoo: daily bars of ^GSPC: rate limited")
    backoff = Backoff(first=60.0, jitter=0.0)
    saturday = at(date(2026, 1, 31), 11)
    engine, clock = engine_at(fake, saturday, backoff=backoff)
    snapshot = engine.refresh()
    detail = snapshot.edge.status.detail or ""
    assert detail.startswith(FULL_FAILED) and "rate limited" in detail and "\n" not in detail
    assert snapshot.edge.studies == ()
    assert snapshot.price.status.state == "CLOSED" and snapshot.price.status.detail is None
    assert engine.consecutive_failures == 0 and engine.failures == []
    fake.long_fail_with = None
    clock.now = saturday + timedelta(seconds=30)
    assert engine.cadence() == 900.0
    assert engine.next_wait() == 30.0  # its retry, sooner than the closed cadence
    engine.refresh()
    assert len(fake.long_asks()) == 1  # not before its own backoff
    clock.now = saturday + timedelta(seconds=60)
    healed = engine.refresh()
    assert len(fake.long_asks()) == 2
    assert healed.edge.session == TUESDAY and healed.edge.status.detail is None
    assert engine.next_wait() == 900.0


def test_a_failed_load_keeps_the_last_history_stale_with_the_line() -> None:
    fake = source()
    engine, clock = engine_at(fake, at(TUESDAY, 11))
    before = engine.refresh()
    fake.long_fail_with = RateLimitError("yahoo: daily bars of ^GSPC: rate limited")
    clock.now = at(TUESDAY, 16, 1)
    snapshot = engine.refresh()
    assert len(fake.long_asks()) == 2
    edge = snapshot.edge
    assert edge.session == MONDAY and edge.studies == before.edge.studies
    assert edge.status.state == "STALE"
    assert "rate limited" in (edge.status.detail or "")
    assert "showing data from 2026-01-26 16:00" in (edge.status.detail or "")
    assert snapshot.price.status.detail is None and engine.consecutive_failures == 0


def test_a_fixed_past_that_fails_is_not_asked_again() -> None:
    fake = source(historical=True)
    fake.long_fail_with = DataFormatError("files:DIR/GSPC.csv, line 3: bad")
    engine, clock = engine_at(fake, at(TUESDAY, 11), backoff=Backoff(first=1.0, jitter=0.0))
    engine.refresh()
    clock.now = at(TUESDAY, 12)
    snapshot = engine.refresh()
    assert len(fake.long_asks()) == 1
    assert "line 3: bad" in (snapshot.edge.status.detail or "")


def test_studies_that_fail_to_compute_cost_the_edge_panel_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("odd data")

    monkeypatch.setattr(core.history, "frames_of", broken)
    engine, _ = engine_at(source(), at(TUESDAY, 11))
    snapshot = engine.refresh()
    assert snapshot.edge.status.state == "ERROR"
    assert "could not run the studies" in (snapshot.edge.status.detail or "")
    assert snapshot.price.status.state == "LIVE"
    assert engine.consecutive_failures == 0  # the quotes keep their cadence


def test_the_warm_start_loads_no_history() -> None:
    fake, warm = source(), source(cached=True)
    engine, _ = engine_at(fake, at(TUESDAY, 11), warm_source=warm)
    engine._warm_snapshot()
    assert warm.long_asks() == [] and fake.long_asks() == []
    assert engine.refresh().edge.session == MONDAY


def test_without_studies_no_history_is_loaded() -> None:
    fake = source()
    Engine(Settings(), fake, clock=Clock(at(TUESDAY, 11))).refresh()
    assert fake.long_asks() == []


async def test_in_the_loop_the_history_loads_apart_and_wakes_the_loop() -> None:
    fake = source()
    fake.long_gate.clear()  # the history hangs until the test lets it through
    engine, _ = engine_at(fake, at(TUESDAY, 11), full_grace=0.05)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda s: s.price.last is not None)
        assert first.edge.status.detail == LOADING_FULL and first.edge.studies == ()
        assert first.price.status.state == "LIVE"
        seen = len(published)
        engine.refresh_now()  # a cycle meanwhile starts no second load
        await published_until(published, lambda s: True, seen)
        assert len(fake.long_asks()) == 1
        fake.long_gate.set()  # its end wakes the loop, whose cycle takes it
        loaded = await published_until(published, lambda s: s.edge.session is not None)
        assert loaded.edge.session == MONDAY and loaded.edge.status.detail is None
    finally:
        fake.long_gate.set()
        await stop(task)
    assert len(fake.long_asks()) == 1


async def test_a_replay_in_the_loop_loads_apart_too() -> None:
    fake = source()
    fake.long_gate.clear()
    replayed = date(2026, 1, 16)
    engine, _ = engine_at(fake, at(TUESDAY, 11), replay=Replay(replayed), full_grace=0.05)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda s: s.price.last is not None)
        assert first.edge.status.detail == LOADING_FULL
        fake.long_gate.set()
        loaded = await published_until(published, lambda s: s.edge.session is not None)
        assert loaded.edge.session == replayed
    finally:
        fake.long_gate.set()
        await stop(task)


def test_the_last_closed_session_is_the_replayed_one_or_the_last_close() -> None:
    engine, clock = engine_at(source(), at(TUESDAY, 9))
    assert engine._closed(clock.now) == MONDAY
    clock.now = at(TUESDAY, 16)
    assert engine._closed(clock.now) == TUESDAY
    clock.now = datetime(2026, 1, 31, 12, tzinfo=NEW_YORK)  # Saturday
    assert engine._closed(clock.now) == date(2026, 1, 30)


def test_on_the_real_data_the_panel_shows_what_regime_study_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = require_market_data("GSPC.csv", "RUT.csv", "VIX.csv")
    monkeypatch.undo()  # the built-in studies, not the test's own
    replayed = date(2026, 2, 5)
    real = Settings()
    engine = Engine(real, FilesSource(root), replay=Replay(replayed))
    edge = engine.refresh().edge
    assert edge.session == replayed and edge.span_from == date(1927, 12, 30)
    studied = plan(real)
    alone = [study for study in studied.studies if study.id not in studied.breadth]
    # Breadth differs by design: the panel reads the cycle's members (history_years).
    printed = run_studies(real, FilesSource(root), alone, end=replayed)
    shown = by_id(edge)
    assert len(printed) >= 5
    for result in printed:
        assert result == shown[result.id], result.id


def test_a_live_source_without_the_close_just_past_is_asked_again_soon() -> None:
    fake = source()
    whole = fake.bars["^GSPC"]
    engine, clock = engine_at(fake, at(TUESDAY, 11))
    engine.refresh()
    fake.bars["^GSPC"] = whole.loc[: pd.Timestamp(MONDAY)]  # Tuesday's bar not out yet
    clock.now = at(TUESDAY, 16, 1)
    early = engine.refresh()
    assert fake.long_asks()[-1][2] == TUESDAY and early.edge.session == MONDAY
    clock.now = at(TUESDAY, 16, 5)
    engine.refresh()
    assert len(fake.long_asks()) == 2  # not at every cycle
    fake.bars["^GSPC"] = whole
    clock.now = at(TUESDAY, 16, 11)  # FULL_REASK after the load that came up short
    late = engine.refresh()
    assert len(fake.long_asks()) == 3 and late.edge.session == TUESDAY
    clock.now = at(TUESDAY, 16, 30)
    engine.refresh()
    assert len(fake.long_asks()) == 3  # Tuesday is in: nothing more until Wednesday's close
