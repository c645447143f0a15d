"""Replay stepping's data (core.replay_timeline): a step to a session, built from the
readings computed once over the span, shows what a whole replay of that session shows
(every reading, on the real data with 503 members, the example's levels and theses,
and the option chains where the folder has them); the Edge panel is computed apart and
then equals the replay's; each session's alerts are those `regime log --replay` gives;
a step reads nothing after its session and asks the source for no bars again; and the
engine spans the sessions around where stepping starts."""

from __future__ import annotations

import random
from datetime import date, datetime
from functools import cache
from typing import Any

import pandas as pd
import pytest

from core.alerts.catalog import load_alerts
from core.alerts.replay import replay_log
from core.clock import NEW_YORK, fixed_clock
from core.columns import flatten
from core.config import Settings
from core.engine import Engine
from core.replay import Replay
from core.replay_timeline import STEP_SPAN_YEARS, ReplayTimeline
from core.section import builtin
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import MemberPanel
from core.sources.files import FilesSource
from tests.fake_source import FakeSource, small_chain, trending_bars
from tests.market_data import require_market_data
from tests.test_engine import sessions
from tests.test_history import same, settings_and_theses

SPAN = (date(2025, 1, 2), date(2026, 8, 21))
"""A year and a half of the real data, with the option chains of July–August 2026."""

NOT_READINGS = {"breadth.ad_line"}
"""The A/D line's level counts from where the members' data starts, which differs
between a replay (its years of bars) and a timeline (its span): not a reading."""


@cache
def real_timeline() -> ReplayTimeline:
    settings, theses = settings_and_theses()
    directory = require_market_data("GSPC.csv", "constituents/closes.csv")
    source = FilesSource(directory)
    return ReplayTimeline.load(
        settings,
        source,
        *SPAN,
        registry=builtin(),
        theses=theses,
        alerts=list(load_alerts(settings).values()),
        calendar=MarketSession(),
        where=f"files:{directory}",
        whole_history=lambda: source.daily_bars(
            builtin().full_history_symbols(settings), date(1900, 1, 1), SPAN[1]
        ),
    )


def readings(snapshot: Snapshot) -> dict[str, Any]:
    """Every reading of the Snapshot but the Edge panel's, by column name."""
    found: dict[str, Any] = {}
    for section, reading in snapshot.sections():
        if not section.full_history:
            found.update(flatten(reading, section.key))
    return {key: value for key, value in found.items() if key not in NOT_READINGS}


def replay_of(day: date) -> Snapshot:
    settings, theses = settings_and_theses()
    source = FilesSource(require_market_data())
    engine = Engine(settings, source, replay=Replay(day), session=MarketSession(), theses=theses)
    return engine.refresh()


def test_a_step_shows_every_reading_a_whole_replay_of_its_session_shows() -> None:
    timeline = real_timeline()
    days = list(timeline.sessions)
    chosen = [days[0], days[-1], *random.Random(13).sample(days[1:-1], 8)]
    chained = [day for day in days if day >= date(2026, 7, 16)]
    chosen.append(chained[3])  # a session with its own option chain
    compared = 0
    for day in sorted(chosen):
        step, whole = timeline.snapshot_at(day), replay_of(day)
        assert step.source.replay and step.source.label.startswith(f"REPLAY {day}")
        assert step.as_of == whole.as_of and step.market == whole.market
        stepped, replayed = readings(step), readings(whole)
        assert set(stepped) == set(replayed), f"{day}: {set(stepped) ^ set(replayed)}"
        differ = {
            key: (stepped[key], replayed[key])
            for key in stepped
            if not same(stepped[key], replayed[key])
        }
        assert not differ, f"{day}: step vs replay differ: {differ}"
        for section, reading in step.sections():
            if not section.full_history:
                assert reading.status == getattr(whole, section.key).status, (day, section.key)
        compared += len(stepped)
    assert compared > 11 * 150  # every section's readings, the chain's included
    assert timeline.snapshot_at(chained[3]).gamma.zero_gamma is not None


def test_the_edge_panel_is_computed_apart_and_then_equals_the_replays() -> None:
    timeline = real_timeline()
    day = timeline.sessions[-40]
    step = timeline.snapshot_at(day)
    assert step.edge.studies == ()
    assert step.edge.status.detail == f"computing the studies as of {day}"
    whole = replay_of(day)
    assert timeline.with_edge(step).edge == whole.edge
    assert whole.edge.studies  # the studies did run


def test_each_sessions_alerts_are_those_a_replay_of_the_log_gives() -> None:
    settings, theses = settings_and_theses()
    source = FilesSource(require_market_data())
    alerts = list(load_alerts(settings).values())
    logged = replay_log(settings, source, *SPAN, alerts, theses=theses)
    timeline = real_timeline()
    before = [entry for day in timeline.sessions for entry in timeline.alerts_at(day)]
    timeline.read_chains()
    stepped = [entry for day in timeline.sessions for entry in timeline.alerts_at(day)]
    assert [entry.message for entry in stepped] == [entry.message for entry in logged]
    assert [entry.time for entry in stepped] == [entry.time for entry in logged]
    assert any(entry.kind == "alert" for entry in stepped)
    assert timeline.alerts_at(timeline.sessions[0]) == ()
    # Before the chains are read, the lines that need their readings are missing.
    gamma = [entry for entry in logged if entry not in before]
    assert gamma and all(entry.time.date() >= date(2026, 7, 16) for entry in gamma)


def fake_source(**kwargs: Any) -> FakeSource:
    days = sessions(count=600)
    vix = trending_bars(days, start=15.0, drift=0.0)
    return FakeSource({"^GSPC": trending_bars(days), "^VIX": vix}, **kwargs)


def members(count: int = 30) -> MemberPanel:
    """`count` members drifting up and down at different rates."""
    days = sessions(count=600)
    closes = {
        f"M{number}": trending_bars(days, start=100.0, drift=0.001 * (number % 7 - 3))["close"]
        for number in range(count)
    }
    return MemberPanel(closes=pd.DataFrame(closes, index=days))


def fake_timeline(source: FakeSource) -> ReplayTimeline:
    days = sessions(count=600)
    return ReplayTimeline.load(
        Settings(),
        source,
        days[300].date(),
        days[-1].date(),
        registry=builtin(),
        theses={},
        alerts=[],
        calendar=MarketSession(),
        where="fake",
        whole_history=lambda: source.bars,
    )


def test_a_step_asks_for_no_bars_again_and_reads_nothing_after_its_session() -> None:
    source, changed = fake_source(members=members()), fake_source(members=members())
    timeline = fake_timeline(source)
    day = timeline.sessions[100]
    # Prices after the session differ: a step to it shows the same in both spans.
    after = pd.Timestamp(day) + pd.Timedelta(days=1)
    for frame in changed.bars.values():
        frame.loc[after:, ["open", "high", "low", "close"]] *= 2
    assert changed.member_panel is not None
    changed.member_panel.closes.loc[after:] *= 0.5
    asked = source.bar_calls
    step = timeline.snapshot_at(day)
    assert fake_timeline(changed).snapshot_at(day) == step
    assert fake_timeline(changed).snapshot_at(timeline.sessions[101]) != timeline.snapshot_at(
        timeline.sessions[101]
    )
    assert source.bar_calls == asked
    assert step.breadth.pct_above_200dma is not None
    assert step.price.history.dates[-1] == day
    close = source.bars["^GSPC"]["close"]
    assert step.price.last == pytest.approx(close.loc[pd.Timestamp(day)])


def test_a_session_shows_its_own_chain_and_none_before_the_first() -> None:
    days = sessions(count=600)
    quoted = days[-50].date()
    moment = datetime.combine(quoted, datetime.min.time(), NEW_YORK).replace(hour=15)
    source = fake_source(chains={quoted: small_chain(moment)})
    timeline = fake_timeline(source)
    before = timeline.snapshot_at(days[-51].date())
    assert before.gamma.zero_gamma is None
    assert before.gamma.status.detail == f"fake has no option chain on or before {days[-51].date()}"
    assert "Gamma flip" not in {level.name for level in before.price.levels}
    on = timeline.snapshot_at(quoted)
    assert on.gamma.zero_gamma is not None
    flip = next(level for level in on.price.levels if level.name == "Gamma flip")
    assert flip.kind == "gamma" and flip.value == on.gamma.zero_gamma
    # Six sessions on, the chain is too old to be the reading (as a replay shows).
    assert timeline.snapshot_at(days[-44].date()).gamma.zero_gamma is None


def test_without_members_breadth_is_unknown_and_says_why() -> None:
    snapshot = fake_timeline(fake_source()).snapshot_at(sessions(count=600)[-1].date())
    assert snapshot.breadth.pct_above_200dma is None
    assert snapshot.breadth.status.detail == "this source has no member data"
    assert snapshot.price.last is not None


def test_the_engine_spans_the_years_before_where_stepping_starts() -> None:
    source = fake_source()
    clock = fixed_clock(datetime(2026, 1, 28, 20, 0, tzinfo=NEW_YORK))
    live = Engine(Settings(), source, clock=clock, session=MarketSession(clock))
    assert live.stepping_from == date(2026, 1, 28)  # closed at 16:00
    replayed = Engine(Settings(), source, clock=clock, replay=Replay(date(2025, 6, 2)))
    assert replayed.stepping_from == date(2025, 6, 2)
    timeline = replayed.replay_timeline()
    assert timeline.sessions[-1] == date(2026, 1, 27)  # where the source's bars end
    asked_from = min(start for _, start, _ in source.bar_asks)
    assert asked_from <= date(2025 - STEP_SPAN_YEARS, 6, 2)
