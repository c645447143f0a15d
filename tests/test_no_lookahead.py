"""No reading may use a bar after the as-of session: for random as-of dates, the
Snapshot built from a source that also hands over every later bar (and later member
closes) is identical to the one built from a source cut at the as-of session."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.replay import Replay
from core.section import builtin
from core.session import MarketSession
from core.sources.base import MemberPanel
from core.sources.sim import SimSource
from tests.fake_source import FakeSource

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=NEW_YORK)
SETTINGS = Settings()


@pytest.fixture(scope="module")
def market() -> tuple[dict[str, pd.DataFrame], MemberPanel, list[date]]:
    source = SimSource(seed=11, clock=fixed_clock(NOW), members=120)
    start, end = date(2023, 1, 3), date(2026, 2, 27)
    bars = dict(source.daily_bars(builtin().symbols(SETTINGS), start, end))
    members = source.members(start, end)
    sessions = [ts.date() for ts in bars[SETTINGS.symbols.index].index[-200:]]
    return bars, members, sessions


def snapshot_json(bars: dict[str, pd.DataFrame], members: MemberPanel, as_of: date) -> str:
    source = FakeSource(bars, members, kind="sim", simulated=True)
    engine = Engine(
        SETTINGS, source, clock=fixed_clock(NOW), replay=Replay(as_of), session=MarketSession()
    )
    return engine.refresh().model_dump_json()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_later_bars_change_nothing(
    market: tuple[dict[str, pd.DataFrame], MemberPanel, list[date]], data: st.DataObject
) -> None:
    bars, members, sessions = market
    as_of = data.draw(st.sampled_from(sessions[:-1]))
    cutoff = pd.Timestamp(as_of)
    cut_bars = {symbol: frame.loc[:cutoff] for symbol, frame in bars.items()}
    cut_members = MemberPanel(closes=members.closes.loc[:cutoff], info=members.info)
    assert snapshot_json(bars, members, as_of) == snapshot_json(cut_bars, cut_members, as_of)
