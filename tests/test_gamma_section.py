"""The gamma section (core/sections/gamma.py): readings by session from the cycle's
chains, carried forward over at most MAX_CHAIN_AGE sessions and then unknown with why;
today's reading as the last row, with the panel's series; the flip and the walls as
gamma-kind levels of the price section (a user's level of the same name wins); the
unknown reasons in the status; and, on the real SPX chains, a history whose every row
equals `gamma_reading` of that session's chain."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from core.config import Settings, UserLevel
from core.options.chain import OptionChain
from core.options.files import chain_for_session
from core.section import CycleData, Inputs, builtin
from core.sections import gamma as section
from core.session import MarketSession
from core.signals.gamma import gamma_reading
from tests.market_data import require_market_data
from tests.signals.test_gamma import chain_of

NY = ZoneInfo("America/New_York")
SESSIONS = pd.bdate_range("2026-08-03", "2026-08-21")


def index_bars(sessions: pd.DatetimeIndex = SESSIONS, close: float = 100.0) -> pd.DataFrame:
    frame = pd.DataFrame({name: close for name in ("open", "high", "low", "close")}, index=sessions)
    frame["volume"] = np.nan
    frame.index.name = "date"
    return frame


def small_chain(session: date, spot: float = 100.0, call_oi: float = 1000.0) -> OptionChain:
    """Calls at 105 and puts at 90, expiring in about a month: positive gamma at spot."""
    as_of = datetime(session.year, session.month, session.day, 16, 15, tzinfo=NY)
    rows = [
        ("2026-09-18", "call", 105.0, 0.2, call_oi),
        ("2026-09-18", "put", 90.0, 0.25, 800.0),
        ("2026-09-18", "call", 100.0, 0.2, 0.0),  # no open interest: left out
    ]
    return chain_of(rows, spot=spot, as_of=as_of)


def cycle(
    chains: Mapping[date, OptionChain | None], bars: pd.DataFrame | None = None, **extra: object
) -> CycleData:
    return CycleData(
        bars={"^GSPC": index_bars() if bars is None else bars},
        members=None,
        state="REPLAY",
        detail=None,
        close_time=MarketSession().session_close,
        chains=chains,
        **extra,  # type: ignore[arg-type]
    )


def inputs(data: CycleData, settings: Settings | None = None) -> Inputs:
    return Inputs(settings or Settings(), data, None, {}, builtin(), {}, {})


def test_readings_carry_a_chain_over_five_sessions_then_are_unknown() -> None:
    first = date(2026, 8, 5)
    frame = section.readings(inputs(cycle({first: small_chain(first)})))
    total = frame["gamma.total_gex_bn"]
    assert total.loc[:"2026-08-04"].isna().all()
    carried = total.loc["2026-08-05":"2026-08-12"]
    assert len(carried) == 1 + section.MAX_CHAIN_AGE and carried.notna().all()
    assert total.loc["2026-08-13":].isna().all()
    assert (frame.loc["2026-08-12", "gamma.session"]) == first


def test_today_is_the_last_chain_with_its_series_and_the_reading_of_its_row() -> None:
    chains = {date(2026, 8, 19): small_chain(date(2026, 8, 19), call_oi=500.0)}
    chains[date(2026, 8, 21)] = small_chain(date(2026, 8, 21))
    today = section.compute(inputs(cycle(chains)))
    expected = gamma_reading(chains[date(2026, 8, 21)])
    assert today.session == date(2026, 8, 21)
    assert today.total_gex_bn == pytest.approx(expected.total_gex_bn)
    assert today.regime == "positive"
    assert today.contracts_used == 2 and today.excluded_no_open_interest == 1
    assert len(today.profile) == len(expected.profile_spot)
    assert [point.strike for point in today.by_strike] == [105.0]  # 90 is 10 % away
    assert [exposure.expiry for exposure in today.by_expiry] == [date(2026, 9, 18)]
    assert today.status.as_of is not None and today.status.state == "REPLAY"


def test_a_session_whose_chain_failed_is_unknown_and_nothing_is_carried_over_it() -> None:
    chains: dict[date, OptionChain | None] = {date(2026, 8, 13): small_chain(date(2026, 8, 13))}
    chains[date(2026, 8, 14)] = None  # its file could not be read
    frame = section.readings(inputs(cycle(chains)))
    total = frame["gamma.total_gex_bn"]
    assert pd.notna(total.loc["2026-08-13"])
    assert total.loc["2026-08-14":].isna().all()
    today = section.compute(inputs(cycle(chains, chains_missing=None)))
    assert today.total_gex_bn is None
    assert today.status.detail == "the option chain of 2026-08-14 could not be read"


def test_a_stale_chain_is_unknown_and_says_how_old() -> None:
    chains = {date(2026, 8, 3): small_chain(date(2026, 8, 3))}
    today = section.compute(inputs(cycle(chains)))
    assert today.total_gex_bn is None and today.profile == ()
    assert today.status.detail is not None
    assert "of 2026-08-03, is more than 5 sessions before 2026-08-21" in today.status.detail


def test_no_chain_says_why() -> None:
    today = section.compute(inputs(cycle({}, chains_missing="sim serves no option chains")))
    assert today.total_gex_bn is None
    assert today.status.detail == "sim serves no option chains"


def test_a_chain_of_a_session_the_index_has_no_bar_for_yet_is_shown() -> None:
    bars = index_bars(SESSIONS[:-1])  # up to 2026-08-20
    chains = {date(2026, 8, 21): small_chain(date(2026, 8, 21))}
    assert section.compute(inputs(cycle(chains, bars))).session == date(2026, 8, 21)


def test_unknown_readings_say_why_in_the_status() -> None:
    # Calls only: no put wall, and the profile never changes sign.
    as_of = datetime(2026, 8, 21, 16, 15, tzinfo=NY)
    chain = chain_of([("2026-09-18", "call", 105.0, 0.2, 1000.0)], as_of=as_of)
    today = section.compute(inputs(cycle({date(2026, 8, 21): chain})))
    assert today.put_wall is None and today.zero_gamma is None
    assert today.status.detail is not None
    assert "put wall: no put contracts used" in today.status.detail
    assert "zero gamma:" in today.status.detail


def test_the_flip_and_walls_are_gamma_levels_of_the_price_section() -> None:
    chains = {date(2026, 8, 21): small_chain(date(2026, 8, 21))}
    data = cycle(chains)
    snapshot = builtin().assemble(Settings(), data, _envelope())
    levels = {level.name: level for level in snapshot.price.levels}
    gamma = snapshot.gamma
    assert levels["Call wall"].kind == "gamma" and levels["Call wall"].value == gamma.call_wall
    assert levels["Put wall"].value == gamma.put_wall
    assert levels["Call wall"].distance_pct == pytest.approx((100.0 / 105.0 - 1) * 100)
    assert gamma.zero_gamma is not None
    assert levels["Gamma flip"].value == pytest.approx(gamma.zero_gamma)


def test_a_user_level_named_like_a_gamma_level_wins() -> None:
    settings = Settings(levels=(UserLevel(label="Call wall", value=99.0),))
    chains = {date(2026, 8, 21): small_chain(date(2026, 8, 21))}
    snapshot = builtin().assemble(settings, cycle(chains), _envelope())
    walls = [level for level in snapshot.price.levels if level.name == "Call wall"]
    assert [(wall.kind, wall.value) for wall in walls] == [("user", 99.0)]


def _envelope() -> dict[str, object]:
    return {
        "as_of": datetime(2026, 8, 21, 16, 0, tzinfo=NY),
        "source": {"kind": "files", "simulated": False, "label": "REPLAY"},
        "market": {"phase": "closed", "next_open": None, "next_close": None},
    }


def test_history_rows_equal_each_sessions_own_reading_on_the_real_chains() -> None:
    root = require_market_data("options/SPX/index.csv", "GSPC.csv")
    sessions = pd.bdate_range("2026-07-16", "2026-08-14")
    chains = {
        day.date(): chain
        for day in sessions
        if (chain := chain_for_session(root, day.date())) is not None
    }
    assert len(chains) == 22
    frame = section.readings(inputs(cycle(chains, index_bars(sessions, 7000.0))))
    for day, chain in chains.items():
        expected = gamma_reading(chain)
        values = frame.loc[pd.Timestamp(day), ["gamma.total_gex_bn", "gamma.zero_gamma"]]
        total, flip = (float(value) for value in values.to_numpy(dtype="float64"))
        assert total == pytest.approx(expected.total_gex_bn)
        assert (expected.zero_gamma is None and math.isnan(flip)) or flip == pytest.approx(
            expected.zero_gamma
        )
        assert frame.at[pd.Timestamp(day), "gamma.call_wall"] == expected.call_wall
    # The same chain read twice is computed once (one cycle asks three times).
    again = replace(chains[date(2026, 8, 14)])
    assert section._READINGS.of(again) is section._READINGS.of(again)
