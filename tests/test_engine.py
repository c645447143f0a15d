"""The engine: one immutable Snapshot per cycle, last good data kept and marked
STALE when a fetch fails, no bar after the replayed session, fetches that never
overlap, a wake-up on demand, members on their own slow cadence, only what a source's
capabilities declare asked of it, and the state taken from what the source says its
data is."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings, UserLevel
from core.engine import Engine, merge_quotes
from core.replay import Replay
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import MemberPanel, NetworkError, Quote
from tests.fake_source import FakeSource, trending_bars

# Tuesday 2026-01-27, 11:00 New York: regular session.
NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)


def sessions(end: str = "2026-01-27", count: int = 400) -> pd.DatetimeIndex:
    days = MarketSession().sessions(date(2024, 1, 2), date.fromisoformat(end))
    return pd.DatetimeIndex([pd.Timestamp(day) for day in days[-count:]])


def make_engine(source: FakeSource, **kwargs: object) -> Engine:
    settings = Settings(levels=(UserLevel(label="6,992 pivot", value=6992, thesis="bull"),))
    clock = kwargs.pop("clock", fixed_clock(NOW))
    return Engine(settings, source, clock=clock, session=MarketSession(clock), **kwargs)  # type: ignore[arg-type]


def index_source(**kwargs: object) -> FakeSource:
    days = sessions()
    vix = trending_bars(days, start=15.0, drift=0.0)
    return FakeSource({"^GSPC": trending_bars(days), "^VIX": vix}, **kwargs)  # type: ignore[arg-type]


def test_a_cycle_produces_a_complete_snapshot() -> None:
    engine = make_engine(index_source())
    snapshot = engine.refresh()
    assert isinstance(snapshot, Snapshot)
    price = snapshot.price
    assert price.last is not None and price.prev_close is not None
    assert price.change_pct == pytest.approx((price.last / price.prev_close - 1) * 100)
    names = {level.name for level in price.levels}
    assert {"EMA 20", "EMA 50", "SMA 50", "SMA 200", "6,992 pivot"} <= names
    assert any(level.kind == "milestone" for level in price.levels)
    for level in price.levels:
        assert level.distance_pct == pytest.approx((price.last / level.value - 1) * 100)
    assert snapshot.rsi.value is not None and 0 <= snapshot.rsi.value <= 100
    assert snapshot.vix.last is not None
    assert snapshot.market.phase == "regular"
    assert price.status.state == "LIVE"
    # Members are unknown with a reason, never zero.
    assert snapshot.breadth.pct_above_200dma is None
    assert snapshot.breadth.status.detail == "this source has no member data"
    # The JSON carries every key of the contract.
    data = snapshot.model_dump(mode="json")
    for key in (
        "as_of",
        "source",
        "market",
        "price",
        "rsi",
        "breadth",
        "vix",
        "trend",
        "checklist",
    ):
        assert key in data
    assert set(data["price"]["td"]) >= {"setup_direction", "setup_count", "countdown"}


def test_a_failed_fetch_keeps_the_last_good_data_and_says_why() -> None:
    source = index_source()
    engine = make_engine(source)
    good = engine.refresh()
    source.fail_with = NetworkError("yahoo: cannot reach query1.finance.yahoo.com")
    stale = engine.refresh()
    assert stale.price.last == good.price.last
    assert stale.price.status.state == "STALE"
    assert "cannot reach" in (stale.price.status.detail or "")
    assert "showing data from 2026-01-27 11:00" in (stale.price.status.detail or "")
    assert engine.failures


def test_a_failure_with_no_data_at_all_is_an_error_not_a_zero() -> None:
    source = index_source()
    source.fail_with = NetworkError("yahoo: offline")
    snapshot = make_engine(source).refresh()
    assert snapshot.price.last is None
    assert snapshot.price.status.state == "ERROR"
    assert "offline" in (snapshot.price.status.detail or "")


def test_no_bar_after_as_of_is_used() -> None:
    source = index_source()
    as_of = date(2025, 12, 31)
    snapshot = make_engine(source, replay=Replay(as_of)).refresh()
    expected = source.bars["^GSPC"].loc[:"2025-12-31", "close"].iloc[-1]
    assert snapshot.price.last == expected
    assert snapshot.price.history.dates[-1] == as_of
    assert snapshot.price.status.state == "REPLAY"
    assert snapshot.as_of == datetime(2025, 12, 31, 16, 0, tzinfo=NEW_YORK)


def test_quotes_update_the_live_bar() -> None:
    bars = {"^GSPC": trending_bars(sessions())}
    quote = Quote("^GSPC", 7001.5, NOW, date(2026, 1, 27))
    merged = merge_quotes(bars, {"^GSPC": quote})
    assert merged["^GSPC"]["close"].iloc[-1] == 7001.5
    assert merged["^GSPC"]["high"].iloc[-1] >= 7001.5
    assert bars["^GSPC"]["close"].iloc[-1] != 7001.5  # the input is not mutated
    later = Quote("^GSPC", 7010.0, NOW, date(2026, 1, 28))
    grown = merge_quotes(bars, {"^GSPC": later})
    assert grown["^GSPC"].index[-1] == pd.Timestamp("2026-01-28")
    older = Quote("^GSPC", 1.0, NOW, date(2025, 1, 2))
    assert merge_quotes(bars, {"^GSPC": older})["^GSPC"].equals(bars["^GSPC"])


@pytest.mark.parametrize("price", [0.0, -5.0, float("nan"), float("inf"), 1e6, 1.0])
def test_a_quote_that_is_no_price_is_ignored(price: float) -> None:
    bars = {"^GSPC": trending_bars(sessions())}
    quote = Quote("^GSPC", price, NOW, date(2026, 1, 27))
    assert merge_quotes(bars, {"^GSPC": quote})["^GSPC"].equals(bars["^GSPC"])


def test_members_are_fetched_on_their_own_slow_cadence() -> None:
    days = sessions()
    rng = np.random.default_rng(1)
    closes = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), 30)), axis=0)), index=days
    )
    moments = [NOW]
    source = index_source(members=MemberPanel(closes=closes))
    engine = make_engine(source, clock=lambda: moments[-1])
    first = engine.refresh()
    assert first.breadth.members == 30
    assert first.breadth.pct_above_200dma is not None
    moments.append(NOW + timedelta(minutes=5))
    engine.refresh()
    assert source.member_calls == 1
    moments.append(NOW + timedelta(hours=2))
    engine.refresh()
    assert source.member_calls == 2


async def test_the_loop_never_overlaps_fetches_and_wakes_on_demand() -> None:
    source = index_source(delay=0.05)
    engine = make_engine(source)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    while len(published) < 1:
        await asyncio.sleep(0.01)
    for _ in range(3):
        engine.refresh_now()
        engine.refresh_now()  # a second poke while one is pending must not stack
        count = len(published)
        while len(published) == count:
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert source.max_in_flight == 1
    assert 4 <= len(published) <= 7


async def test_a_warm_source_is_published_before_the_first_fetch() -> None:
    cache = index_source(kind="cache", cached=True)
    live = index_source()
    live.fail_with = NetworkError("yahoo: offline")
    engine = make_engine(live, warm_source=cache)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    while len(published) < 2:
        await asyncio.sleep(0.01)
    task.cancel()
    assert published[0].source.kind == "cache"
    assert published[0].price.status.state == "OFFLINE"
    # The live fetch failed: the cached readings stay, marked STALE with the reason.
    assert published[1].price.last == published[0].price.last
    assert published[1].price.status.state == "STALE"


def test_unchanged_data_gives_an_equal_snapshot_however_late() -> None:
    evening = datetime(2026, 1, 27, 19, 0, tzinfo=NEW_YORK)
    moments = [evening]
    engine = make_engine(index_source(kind="cache", cached=True), clock=lambda: moments[-1])
    first = engine.refresh()
    moments.append(evening + timedelta(minutes=7))
    assert engine.refresh() == first  # nothing to repaint
    assert first.as_of == datetime(2026, 1, 27, 16, 0, tzinfo=NEW_YORK)  # the close


def test_a_session_in_progress_without_quotes_is_dated_now_not_at_its_close() -> None:
    snapshot = make_engine(index_source(kind="cache", cached=True)).refresh()
    assert snapshot.as_of == NOW


def test_a_live_snapshot_is_dated_by_its_latest_quote() -> None:
    source = index_source()
    quote_time = NOW - timedelta(seconds=30)
    source.quote_map = {"^GSPC": Quote("^GSPC", 7001.0, quote_time, date(2026, 1, 27))}
    snapshot = make_engine(source).refresh()
    assert snapshot.as_of == quote_time
    assert snapshot.price.last == 7001.0


def member_panel() -> MemberPanel:
    days = sessions()
    rng = np.random.default_rng(2)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), 10)), axis=0))
    return MemberPanel(closes=pd.DataFrame(closes, index=days))


def test_a_source_is_asked_only_for_what_it_declares() -> None:
    source = index_source(members=member_panel(), capabilities={"daily_bars"})
    source.quote_map = {"^GSPC": Quote("^GSPC", 7001.0, NOW, date(2026, 1, 27))}
    snapshot = make_engine(source).refresh()
    # Daily bars in two windows: the index's years of warm-up (its EMA 200), the rest's
    # (and, when there are studies, the whole history they read).
    windows = len(source.window_asks())
    assert (windows, source.member_calls, source.quote_calls) == (2, 0, 0)
    assert snapshot.price.last != 7001.0
    assert snapshot.breadth.pct_above_200dma is None

    everything = index_source(members=member_panel())
    make_engine(everything).refresh()
    windows = len(everything.window_asks())
    assert (windows, everything.member_calls, everything.quote_calls) == (2, 1, 1)


def test_a_replay_asks_for_members_once_and_never_for_quotes() -> None:
    moments = [NOW]
    source = index_source(members=member_panel())
    engine = make_engine(source, clock=lambda: moments[-1], replay=Replay(date(2026, 1, 23)))
    engine.refresh()
    moments.append(NOW + timedelta(hours=5))
    engine.refresh()
    assert (source.member_calls, source.quote_calls) == (1, 0)


@pytest.mark.parametrize(
    "says, state, label",
    [
        ({}, "LIVE", "LIVE"),
        ({"simulated": True, "kind": "sim"}, "SIMULATED", "SIMULATED"),
        (
            {"historical": True, "kind": "files", "directory": Path("/data/market")},
            "REPLAY",
            "REPLAY 2026-01-27 · files:/data/market",
        ),
        (
            {"cached": True, "kind": "cache", "fetched": {"daily": NOW - timedelta(hours=3)}},
            "OFFLINE",
            "OFFLINE · cache of Jan 27 08:00",
        ),
    ],
)
def test_the_state_comes_from_what_the_source_says_its_data_is(
    says: dict[str, object], state: str, label: str
) -> None:
    source = index_source(**says)
    source.quote_map = {"^GSPC": Quote("^GSPC", 7001.0, NOW, date(2026, 1, 27))}
    snapshot = make_engine(source).refresh()
    assert snapshot.price.status.state == state
    assert snapshot.source.label == label
    assert snapshot.source.kind == says.get("kind", "yahoo")
    assert snapshot.source.simulated == says.get("simulated", False)
    assert snapshot.source.replay == (state == "REPLAY")
    cached = state == "OFFLINE"
    assert snapshot.source.fetched_at == (NOW - timedelta(hours=3) if cached else None)


@pytest.mark.parametrize(
    ("moment", "simulated", "expected"),
    [
        (datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK), True, 15.0),  # regular
        (datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK), False, 15.0),
        (datetime(2026, 1, 27, 22, 0, tzinfo=NEW_YORK), True, 900.0),  # closed
        (datetime(2026, 1, 27, 22, 0, tzinfo=NEW_YORK), False, 900.0),
        (datetime(2026, 1, 27, 17, 0, tzinfo=NEW_YORK), True, 900.0),  # after hours
        (datetime(2026, 1, 27, 17, 0, tzinfo=NEW_YORK), False, 60.0),
        (datetime(2026, 1, 28, 8, 0, tzinfo=NEW_YORK), True, 900.0),  # pre-market
        (datetime(2026, 1, 28, 8, 0, tzinfo=NEW_YORK), False, 60.0),
        (datetime(2026, 1, 28, 9, 25, tzinfo=NEW_YORK), True, 300.0),  # lands on the open
        (datetime(2026, 1, 31, 12, 0, tzinfo=NEW_YORK), True, 900.0),  # Saturday
    ],
)
def test_the_cadence_follows_the_phase_and_a_simulated_market_rests_outside_regular_hours(
    moment: datetime, simulated: bool, expected: float
) -> None:
    source = index_source(simulated=simulated, kind="sim" if simulated else "yahoo")
    assert make_engine(source, clock=fixed_clock(moment)).cadence() == pytest.approx(expected)


def test_a_replay_of_any_source_is_labelled_with_the_replayed_session() -> None:
    source = index_source(simulated=True, kind="sim")
    snapshot = make_engine(source, replay=Replay(date(2026, 1, 23))).refresh()
    assert snapshot.source.label == "REPLAY 2026-01-23 · sim"
    assert snapshot.price.status.state == "REPLAY"


def test_the_source_detail_comes_first_then_the_callers_note() -> None:
    source = index_source(detail="Yahoo unreachable (no network): showing cached data")
    snapshot = make_engine(source, source_detail="2026-01-24 is not a NYSE session").refresh()
    assert snapshot.source.detail == (
        "Yahoo unreachable (no network): showing cached data; 2026-01-24 is not a NYSE session"
    )
    assert make_engine(index_source()).refresh().source.detail is None
