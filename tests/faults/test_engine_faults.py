"""The engine never stops: a store that fails, odd data from a source, a section whose
computation raises, a bug outside any computation (a section's symbols, a Snapshot that
fails validation), a clock past the NYSE calendar and a fetch that hangs. Each keeps
the loop running, keeps the last good data marked STALE, names the failure in one
line, backs off (growing, capped) and recovers once the fault clears; `refresh_now`
retries at once even while the loop backs off."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core import format as fmt
from core.clock import NEW_YORK
from core.config import Settings
from core.engine import Backoff, Engine
from core.section import Inputs, Registry, builtin
from core.session import MarketSession
from core.snapshot import Snapshot
from core.store import StoreError
from tests.fake_source import FakeSource, trending_bars

# Tuesday 2026-01-27, 11:00 New York: regular session (cadence 15 s).
NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
PAST_THE_CALENDAR = datetime(2200, 1, 6, 11, 0, tzinfo=NEW_YORK)
FAST = Backoff(first=0.01, factor=2.0, cap=0.04, jitter=0.0)
"""Retries in milliseconds, without jitter, so the sequence can be asserted."""


def index_source(**kwargs: Any) -> FakeSource:
    days = MarketSession().sessions(date(2024, 6, 3), date(2026, 1, 27))
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in days])
    bars = {"^GSPC": trending_bars(index), "^VIX": trending_bars(index, 15.0, 0.0)}
    return FakeSource(bars, **kwargs)


def make_engine(source: FakeSource, moments: list[datetime] | None = None, **kwargs: Any) -> Engine:
    times = moments if moments is not None else [NOW]
    clock = lambda: times[-1]  # noqa: E731 - the test moves the clock by appending
    kwargs.setdefault("backoff", FAST)
    return Engine(Settings(), source, clock=clock, session=MarketSession(clock), **kwargs)


def one_line(text: str | None) -> str:
    """`text`, asserted to be present and on one line."""
    assert text and "\n" not in text
    return text


def failing_section(key: str, fault: dict[str, bool], **broken: Callable[..., Any]) -> Registry:
    """The built-in sections with `key`'s functions replaced by `broken` while
    `fault["on"]` (the originals otherwise)."""
    original = builtin()[key]

    def switch(name: str, bad: Callable[..., Any]) -> Callable[..., Any]:
        good = getattr(original, name)
        return lambda *args: bad(*args) if fault["on"] else good(*args)

    changes: dict[str, Any] = {name: switch(name, bad) for name, bad in broken.items()}
    return builtin().with_sections(replace(original, **changes))


def waits_while_failing(engine: Engine, cycles: int) -> list[float | None]:
    """The loop's wait after each of `cycles` refreshes."""
    waits = []
    for _ in range(cycles):
        engine.refresh()
        waits.append(engine.next_wait())
    return waits


# -- faults in a fetch ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, named",
    [
        (StoreError("cache /tmp/regime.sqlite: database is locked"), "database is locked"),
        (ValueError("could not convert string to float: 'n/a'"), "ValueError: could not"),
        (OSError(28, "No space left on device"), "No space left on device"),
    ],
)
def test_a_fetch_fault_keeps_the_last_good_data_marked_and_named(
    fault: Exception, named: str
) -> None:
    source = index_source()
    moments = [NOW]
    engine = make_engine(source, moments)
    good = engine.refresh()
    assert good.price.status.state == "LIVE"
    source.fail_with = fault
    moments.append(NOW + timedelta(minutes=5))
    stale = engine.refresh()
    assert stale.price.last == good.price.last
    assert stale.vix.last == good.vix.last
    assert stale.price.status.state == "STALE"
    assert stale.source.label == "STALE"
    detail = one_line(stale.price.status.detail)
    assert named in detail and "showing data from 2026-01-27 11:00" in detail
    assert len(engine.failures) == 1 and named in one_line(engine.failures[0])
    # It backs off, growing to the cap (FAST: 10, 20, 40 ms, then 40).
    assert engine.next_wait() == pytest.approx(0.01)
    assert waits_while_failing(engine, 3) == pytest.approx([0.02, 0.04, 0.04])
    # The fault clears: fresh data, no failure, and the normal cadence again.
    source.fail_with = None
    fresh = engine.refresh()
    assert fresh.price.status.state == "LIVE" and fresh.price.status.detail is None
    assert engine.failures == [] and engine.consecutive_failures == 0
    assert engine.next_wait() == engine.cadence() == 15.0


def test_a_fetch_fault_with_no_data_yet_says_what_failed_and_recovers() -> None:
    source = index_source()
    source.fail_with = StoreError("cache /tmp/regime.sqlite: disk I/O error")
    engine = make_engine(source)
    first = engine.refresh()
    assert first.price.last is None and first.price.status.state == "ERROR"
    assert "disk I/O error" in one_line(first.price.status.detail)
    source.fail_with = None
    assert engine.refresh().price.status.state == "LIVE"


# -- faults in and around the sections -----------------------------------------------


def test_a_section_that_raises_keeps_its_last_reading_marked() -> None:
    def odd_data(inputs: Inputs) -> Any:
        raise ValueError("odd VIX data")

    fault = {"on": False}
    source = index_source()
    engine = make_engine(source, sections=failing_section("vix", fault, compute=odd_data))
    good = engine.refresh()
    fault["on"] = True
    bad = engine.refresh()
    # Only the section that raised is marked; its last reading stays.
    assert bad.vix.last == good.vix.last
    assert bad.vix.status.state == "STALE"
    assert one_line(bad.vix.status.detail) == "could not compute: ValueError('odd VIX data')"
    assert bad.vix.status.as_of == good.vix.status.as_of
    assert bad.price.status.state == "LIVE" and bad.price.status.detail is None
    assert engine.next_wait() == pytest.approx(0.01)
    assert waits_while_failing(engine, 2) == pytest.approx([0.02, 0.04])
    fault["on"] = False
    fresh = engine.refresh()
    assert fresh.vix == good.vix
    assert engine.next_wait() == 15.0


def wrong_model(inputs: Inputs) -> Any:
    """A bug: the VIX section answers with the price section's model."""
    return builtin()["price"].fallback(inputs.cycle.status(None, "bug"), inputs.settings)


def bad_symbols(settings: Settings) -> tuple[str, ...]:
    raise RuntimeError("symbols bug")


@pytest.mark.parametrize(
    "broken, named",
    [
        ({"symbols": bad_symbols}, "choosing what to fetch: RuntimeError: symbols bug"),
        ({"compute": wrong_model}, "building the Snapshot: ValidationError: 1 validation error"),
    ],
    ids=["symbols", "snapshot-validation"],
)
def test_a_bug_outside_any_computation_keeps_the_last_snapshot_marked(
    broken: dict[str, Callable[..., Any]], named: str
) -> None:
    fault = {"on": False}
    moments = [NOW]
    engine = make_engine(index_source(), moments, sections=failing_section("vix", fault, **broken))
    good = engine.refresh()
    fault["on"] = True
    moments.append(NOW + timedelta(minutes=5))
    stale = engine.refresh()
    assert stale.price.last == good.price.last and stale.vix.last == good.vix.last
    for _, reading in stale.sections():
        assert reading.status.state == "STALE"
        assert one_line(reading.status.detail).startswith(named)
    assert stale.source.label == "STALE"
    assert one_line(stale.source.detail).startswith(named)
    assert len(engine.failures) == 1 and one_line(engine.failures[0]).startswith(named)
    # Dated at the failed cycle, so each panel's age counts to now.
    assert stale.as_of == NOW + timedelta(minutes=5)
    assert fmt.freshness(stale.price.status, stale.as_of).startswith("STALE 5m")
    assert waits_while_failing(engine, 3) == pytest.approx([0.02, 0.04, 0.04])
    fault["on"] = False
    assert engine.refresh().price.status.state == "LIVE"
    assert engine.next_wait() == 15.0


def test_a_clock_past_the_calendar_keeps_the_last_snapshot_and_recovers() -> None:
    moments = [NOW]
    engine = make_engine(index_source(), moments)
    good = engine.refresh()
    moments.append(PAST_THE_CALENDAR)
    # Between cycles the cadence cannot be computed either: the loop waits the cap.
    assert engine.next_wait() == FAST.cap
    stale = engine.refresh()
    detail = one_line(stale.price.status.detail)
    assert detail.startswith("the NYSE calendar: ValueError: 2200-01-06")
    assert "outside the NYSE calendar" in detail
    assert stale.price.last == good.price.last and stale.price.status.state == "STALE"
    assert stale.market == good.market  # the calendar cannot say; the last answer stays
    assert engine.next_wait() == pytest.approx(0.01)
    moments.append(NOW + timedelta(minutes=1))
    assert engine.refresh().price.status.state == "LIVE"


def test_with_no_snapshot_ever_built_every_section_says_what_failed() -> None:
    engine = make_engine(index_source(), [PAST_THE_CALENDAR])
    snapshot = engine.refresh()
    for _, reading in snapshot.sections():
        assert reading.status.state == "ERROR"
        assert "outside the NYSE calendar" in one_line(reading.status.detail)
    assert snapshot.price.last is None
    assert snapshot.source.label == "ERROR"
    assert snapshot.market.phase == "closed" and snapshot.market.next_open is None
    assert engine.failures == [snapshot.price.status.detail]  # no data: nothing older to show
    assert '"state":"ERROR"' in snapshot.model_dump_json()  # the JSON contract holds


# -- the backoff -----------------------------------------------------------------------


def test_the_backoff_doubles_to_its_cap_with_bounded_jitter() -> None:
    steady = Backoff(first=2.0, factor=2.0, cap=300.0, jitter=0.25, draw=lambda: 0.0)
    delays = [steady.delay(failures) for failures in range(1, 12)]
    assert delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert steady.delay(1_000_000) == 300.0  # a week of failures does not overflow
    most = Backoff(first=2.0, factor=2.0, cap=300.0, jitter=0.25, draw=lambda: 0.999_999)
    assert most.delay(1) == pytest.approx(1.5, abs=1e-5)
    assert most.delay(20) == pytest.approx(225.0, abs=1e-3)
    randomised = Backoff()
    for failures in range(1, 20):
        ceiling = min(randomised.cap, randomised.first * randomised.factor ** (failures - 1))
        assert ceiling * (1 - randomised.jitter) <= randomised.delay(failures) <= ceiling


# -- the loop ----------------------------------------------------------------------------


async def published_until(
    published: list[Snapshot],
    condition: Callable[[Snapshot], bool],
    after: int = 0,
    timeout: float = 10.0,
) -> Snapshot:
    """Wait until a Snapshot meeting `condition` is published after the first `after`;
    return it."""

    async def arrived() -> Snapshot:
        seen = after
        while True:
            for snapshot in published[seen:]:
                if condition(snapshot):
                    return snapshot
            seen = len(published)
            await asyncio.sleep(0.005)

    return await asyncio.wait_for(arrived(), timeout)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def is_live(snapshot: Snapshot) -> bool:
    return bool(snapshot.price.status.state == "LIVE")


async def test_the_loop_keeps_running_through_a_fault_and_recovers_by_itself() -> None:
    source = index_source()
    engine = make_engine(source)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        good = await published_until(published, is_live)
        source.fail_with = StoreError("cache /tmp/regime.sqlite: database is locked")
        engine.refresh_now()
        # With the cadence at 15 s, only the backoff's retries can publish this fast.
        while len(published) < 6:
            await asyncio.sleep(0.005)
        for stale in published[2:6]:
            assert stale.price.status.state == "STALE"
            assert stale.price.last == good.price.last
            assert "database is locked" in one_line(stale.price.status.detail)
        source.fail_with = None
        await published_until(published, is_live, after=len(published))
        assert engine.consecutive_failures == 0 and engine.next_wait() == 15.0
        assert source.max_in_flight == 1
    finally:
        await stop(task)


async def test_refresh_now_retries_at_once_even_while_backing_off() -> None:
    source = index_source()
    source.fail_with = ValueError("Saturday 2026-01-24 is not an NYSE session")
    # The test counts cycles: the background loads (the chain, the whole history) are
    # waited for, since one that ends detached wakes the loop for a cycle of its own.
    engine = make_engine(
        source,
        backoff=Backoff(first=600.0, cap=600.0, jitter=0.0),
        full_grace=math.inf,
        chains_grace=math.inf,
    )
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        failed = await published_until(published, lambda snapshot: True)
        assert failed.price.status.state == "ERROR"
        assert "is not an NYSE session" in one_line(failed.price.status.detail)
        assert engine.next_wait() == 600.0  # the loop now sleeps ten minutes...
        engine.refresh_now()  # ...unless asked: the same fault, retried at once
        await published_until(published, lambda snapshot: True, after=1, timeout=5.0)
        assert engine.consecutive_failures == 2
        source.fail_with = None
        engine.refresh_now()
        await published_until(published, is_live, after=2, timeout=5.0)
    finally:
        await stop(task)


async def test_a_hung_fetch_is_shown_stale_and_never_doubled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = index_source()
    engine = make_engine(source)
    monkeypatch.setattr(engine, "cadence", lambda: 0.05)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        good = await published_until(published, is_live)
        source.gate.clear()  # the next fetch hangs
        hung = await published_until(
            published,
            lambda snapshot: "fetch running for" in (snapshot.price.status.detail or ""),
            after=len(published),
        )
        assert hung.price.status.state == "STALE" and hung.source.label == "STALE"
        assert hung.price.last == good.price.last
        assert one_line(hung.price.status.detail).startswith("fetch running for ")
        for _ in range(3):
            engine.refresh_now()
        count = len(published)
        await asyncio.sleep(0.3)
        assert len(published) > count  # re-published once per cadence while it hangs
        assert source.max_in_flight == 1  # and no second fetch was started
        source.gate.set()
        count = len(published)
        await published_until(published, is_live, after=count)
        assert source.max_in_flight == 1
    finally:
        source.gate.set()  # never leave a thread hanging at the end of the test
        await stop(task)


async def test_a_failed_cycle_is_never_saved_over_the_last_good_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "last-snapshot.json"
    source = index_source()
    source.fail_with = StoreError("cache /tmp/regime.sqlite: database disk image is malformed")
    engine = make_engine(source, snapshot_path=path, backoff=Backoff(first=600.0, cap=600.0))
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, lambda snapshot: True)
        await asyncio.sleep(0.05)
        assert not path.exists()
        source.fail_with = None
        engine.refresh_now()
        await published_until(published, is_live, after=len(published))
        while not path.exists():
            await asyncio.sleep(0.005)
    finally:
        await stop(task)


async def test_a_broken_warm_source_is_skipped_not_painted_as_errors() -> None:
    cache = index_source(kind="cache", cached=True)
    cache.fail_with = StoreError("cache /tmp/regime.sqlite: file is not a database")
    engine = make_engine(index_source(), warm_source=cache)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        first = await published_until(published, lambda snapshot: True)
        assert first.source.kind == "yahoo" and is_live(first)
    finally:
        await stop(task)


async def test_a_cancel_arriving_with_a_wake_up_ends_the_loop() -> None:
    """The app cancels the loop at exit; a refresh asked for at the same moment must not
    swallow that cancellation (Python 3.11's `asyncio.wait_for` does, when the awaited
    wake-up completes in the same turn), or the loop would outlive the app."""
    source = index_source()
    engine = make_engine(source)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        await published_until(published, is_live)
        await asyncio.sleep(0.1)  # the loop rests until its cadence or a wake-up
        assert engine._wake is not None
        engine._wake.set()  # the wake-up and the cancel land in the same turn
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5.0)
        assert task in done and task.cancelled()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=5.0)
