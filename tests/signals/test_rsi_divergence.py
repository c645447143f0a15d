"""RSI divergence, pinned on hand-built close paths whose answer is known (dated at the
confirmation bar and not a bar earlier, active for 20 sessions, invalidated by a close
beyond the later pivot, bullish as the mirror of bearish, hidden reported apart, pivot
pairs outside 5..60 sessions ignored); no look-ahead as a property: the panel on a
prefix (`core.sections.rsi.rsi_section`, the last row of the prefix's timeline) against
the slow, independent bar-by-bar reference (tests/signals/oracles.py) and against the
whole-history timeline; and the readings on real S&P 500 data, checked against TA-Lib
and the pivot definition."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from core.indicators import rsi
from core.sections.rsi import Divergence, RsiSection, rsi_section
from core.signals.rsi_divergence import TIMELINE_COLUMNS, divergence_timeline
from core.snapshot import PanelStatus
from tests.market_data import require_market_data
from tests.signals.oracles import Reference, reference_state

STATUS = PanelStatus(state="REPLAY")
WARM = [1.0, -1.0] * 15
"""A flat, oscillating start: RSI warms up and no pivot forms."""


def path(start: float, *segments: list[float]) -> np.ndarray:
    """Closes from `start` by the given steps."""
    closes = [start]
    for steps in segments:
        for step in steps:
            closes.append(closes[-1] + step)
    return np.asarray(closes)


def series(close: np.ndarray) -> pd.Series:
    return pd.Series(close, index=pd.bdate_range("2020-01-02", periods=len(close)), name="close")


def day(s: pd.Series, pos: int) -> date:
    return pd.Timestamp(s.index[pos]).date()


def as_of(s: pd.Series, t: int, **kwargs: int) -> RsiSection:
    return rsi_section(s.iloc[: t + 1], STATUS, **kwargs)


# A sharp rally to 120 (pivot high at bar 40, RSI ~84), a pullback, a slow grind to a
# higher high of 120.5 (bar 71, RSI ~69), then a decline: regular bearish divergence,
# confirmed at bar 76 (71 + 5).
BEAR_HEAD = path(100.0, WARM, [2.0] * 10, [-1.5] * 8, [1.5, -0.5] * 11 + [1.5])
P1, P2, CONFIRM = 40, 71, 76


def bearish_path(after: list[float]) -> pd.Series:
    return series(np.r_[BEAR_HEAD, path(BEAR_HEAD[-1], after)[1:]])


def test_the_hand_built_path_is_what_it_claims() -> None:
    s = bearish_path([-1.0] * 6 + [-0.3] * 30)
    r = talib.RSI(s.to_numpy(), 14)
    assert s.iloc[P2] > s.iloc[P1] and r[P2] < r[P1]
    assert (
        s.iloc[P1] == s.iloc[P1 - 5 : P1 + 6].max() and s.iloc[P2] == s.iloc[P2 - 5 : P2 + 6].max()
    )


def test_bearish_divergence_is_reported_on_its_confirmation_bar_not_before() -> None:
    s = bearish_path([-1.0] * 6 + [-0.3] * 30)
    assert as_of(s, CONFIRM - 1).divergence == Divergence()
    found = as_of(s, CONFIRM).divergence
    assert found.kind == "bearish"
    assert found.confirmed_on == day(s, CONFIRM)
    assert found.sessions_active == 0
    older, later = found.pivots
    assert (older.date, later.date) == (day(s, P1), day(s, P2))
    assert (older.price, later.price) == (120.0, 120.5)
    assert (older.confirmed_on, later.confirmed_on) == (day(s, P1 + 5), day(s, CONFIRM))
    r = rsi(s)
    assert (older.rsi, later.rsi) == (r.iloc[P1], r.iloc[P2])
    assert as_of(s, CONFIRM).hidden_divergence == Divergence()


def test_it_stays_active_for_20_sessions_then_expires() -> None:
    s = bearish_path([-1.0] * 6 + [-0.3] * 30)
    for t in range(CONFIRM, CONFIRM + 20):
        found = as_of(s, t).divergence
        assert (found.kind, found.sessions_active) == ("bearish", t - CONFIRM)
    assert as_of(s, CONFIRM + 20).divergence == Divergence()
    assert as_of(s, CONFIRM + 10, active_sessions=10).divergence == Divergence()
    assert as_of(s, CONFIRM + 9, active_sessions=10).divergence.kind == "bearish"


def test_a_close_above_the_later_pivot_high_invalidates_it() -> None:
    # down 6 to 114.5, then up 1 a day: 120.5 (equal, still active), then 121.5
    s = bearish_path([-1.0] * 6 + [1.0] * 7 + [-0.5] * 10)
    equal, above = P2 + 12, P2 + 13
    assert (s.iloc[equal], s.iloc[above]) == (120.5, 121.5)
    assert as_of(s, equal).divergence.kind == "bearish"
    assert as_of(s, above).divergence == Divergence()
    assert as_of(s, above + 4).divergence == Divergence()  # gone for good
    # the new high (121.5) is itself a pivot: from its confirmation it is compared
    # with 120.5, and that is a new divergence, not the old one coming back
    newer = as_of(s, above + 5).divergence
    assert [p.date for p in newer.pivots] == [day(s, P2), day(s, above)]
    assert newer.confirmed_on == day(s, above + 5)


def test_bullish_divergence_mirrors_bearish() -> None:
    s = bearish_path([-1.0] * 6 + [1.0] * 7 + [-0.5] * 10)
    mirror = 240.0 - s  # pivot highs become pivot lows; RSI becomes 100 - RSI
    found = as_of(mirror, CONFIRM).divergence
    assert found.kind == "bullish"
    assert [p.date for p in found.pivots] == [day(s, P1), day(s, P2)]
    assert [p.price for p in found.pivots] == [120.0, 119.5]
    assert as_of(mirror, CONFIRM - 1).divergence.kind is None
    assert as_of(mirror, P2 + 12).divergence.kind == "bullish"  # 119.5: equal, not below
    assert as_of(mirror, P2 + 13).divergence.kind is None  # 118.5: below the pivot low


def test_hidden_bullish_is_reported_apart() -> None:
    # a strong run, a one-day drop (pivot low 107 at bar 46, RSI ~51), a rally, and a
    # slide to a higher low of 108 (bar 57, RSI ~48): price higher low, RSI lower low
    s = series(path(100.0, WARM, [1.0] * 15, [-8.0], [1.0] * 6, [-1.0] * 5, [1.0] * 8))
    r = talib.RSI(s.to_numpy(), 14)
    assert s.iloc[57] > s.iloc[46] and r[57] < r[46]
    assert as_of(s, 61).hidden_divergence == Divergence()
    result = as_of(s, 62)
    assert result.divergence == Divergence()
    hidden = result.hidden_divergence
    assert (hidden.kind, hidden.confirmed_on) == ("bullish", day(s, 62))
    assert [p.date for p in hidden.pivots] == [day(s, 46), day(s, 57)]


def test_hidden_bearish_mirrors_hidden_bullish() -> None:
    s = series(path(100.0, WARM, [1.0] * 15, [-8.0], [1.0] * 6, [-1.0] * 5, [1.0] * 8))
    result = as_of(240.0 - s, 62)
    assert result.divergence == Divergence()
    assert result.hidden_divergence.kind == "bearish"


def test_pivots_closer_than_min_gap_are_ignored() -> None:
    # with 2/2 pivot bars: highs at bars 35 (115) and 38 (115.5, lower RSI), 3 apart
    s = series(path(100.0, WARM, [3.0] * 5, [-2.0, 1.0, 1.5], [-1.0] * 4, [-0.2] * 5))
    near = {"left": 2, "right": 2}
    assert as_of(s, 40, **near).divergence == Divergence()  # min_gap 5 by default
    found = as_of(s, 40, **near, min_gap=3).divergence
    assert found.kind == "bearish" and [p.price for p in found.pivots] == [115.0, 115.5]


def test_pivots_farther_than_max_gap_are_ignored() -> None:
    # a sharp rally to 120 (bar 40), a long zigzag down and a zigzag up to 123 (bar 123):
    # no pivot high between them, 83 sessions apart
    s = series(
        path(100.0, WARM, [2.0] * 10, [-2.0, 1.0] * 20, [2.0, -1.0] * 21 + [2.0], [-1.0] * 8)
    )
    assert as_of(s, 128).divergence == Divergence()
    found = as_of(s, 128, max_gap=83).divergence
    assert found.kind == "bearish" and [p.date for p in found.pivots] == [day(s, 40), day(s, 123)]
    assert as_of(s, 128, max_gap=82).divergence == Divergence()


def test_value_period_and_history() -> None:
    s = bearish_path([-1.0] * 6 + [-0.3] * 30)
    result = rsi_section(s, STATUS, period=10, history_sessions=50)
    expected = talib.RSI(s.to_numpy(), 10)
    assert result.period == 10
    assert result.value == pytest.approx(expected[-1], abs=1e-10)
    assert len(result.history.values) == 50
    assert result.history.dates[-1] == day(s, len(s) - 1)
    assert result.history.values == pytest.approx(expected[-50:].tolist(), abs=1e-10)
    short = rsi_section(s.iloc[:20], STATUS, history_sessions=50)
    assert short.history.values[:14] == (None,) * 14  # warm-up is None, not NaN
    assert rsi_section(s.iloc[:0], STATUS) == RsiSection(status=STATUS)


# --- no look-ahead --------------------------------------------------------------


def matches(found: Divergence, ref: Reference, s: pd.Series, t: int) -> bool:
    if ref.kind is None:
        return found == Divergence()
    return (
        found.kind == ref.kind
        and found.confirmed_on == day(s, ref.confirmed)
        and found.sessions_active == t - ref.confirmed
        and [p.date for p in found.pivots] == [day(s, ref.first), day(s, ref.second)]
        and [p.price for p in found.pivots] == [s.iloc[ref.first], s.iloc[ref.second]]
    )


@st.composite
def closes_and_params(draw: st.DrawFn) -> tuple[pd.Series, int, dict[str, int]]:
    """A random walk (integer ticks, so equal closes happen; or continuous), a bar t
    and random rule parameters. Walks come from a drawn seed rather than drawn steps so
    that nearly every example is long and wiggly enough to diverge."""
    n = draw(st.one_of(st.integers(1, 60), st.integers(150, 320), st.integers(150, 320)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        steps = rng.integers(-6, 7, n).astype(np.float64)
    else:
        steps = rng.normal(0.0, 3.0, n)
    close = series(1000.0 + np.cumsum(steps))
    params = {
        "left": draw(st.integers(1, 6)),
        "right": draw(st.integers(0, 6)),
        "min_gap": draw(st.integers(1, 10)),
        "max_gap": draw(st.integers(10, 80)),
        "active_sessions": draw(st.integers(1, 30)),
        "period": draw(st.sampled_from([5, 14])),
    }
    t = draw(st.integers(0, n - 1))
    return close, t, params


def bars_to_check(timeline: pd.DataFrame, t: int, count: int = 6) -> list[int]:
    """t, plus a few bars around those where something is reported (confirmations,
    the last active bar and the first after expiry or invalidation)."""
    reported = timeline["kind"].notna().to_numpy() | timeline["hidden_kind"].notna().to_numpy()
    edges = np.flatnonzero(np.diff(reported.astype(np.int8)) != 0)
    around = np.unique(np.r_[edges, edges + 1, np.flatnonzero(reported)])
    picked = np.random.default_rng(t).permutation(around)[:count]
    return [t, *(int(bar) for bar in picked)]


@settings(max_examples=200, deadline=None)
@given(closes_and_params())
def test_no_look_ahead(case: tuple[pd.Series, int, dict[str, int]]) -> None:
    """The section on closes[:t+1] equals (1) the slow reference reading of the rules at
    t and (2) the whole history's timeline (pivots confirmed later included) at row t."""
    close, t0, params = case
    r = rsi(close, params["period"]).to_numpy()
    timeline = divergence_timeline(close, **params)
    for t in bars_to_check(timeline, t0):
        result = rsi_section(close.iloc[: t + 1], STATUS, **params)
        regular, hidden = reference_state(close.to_numpy(), r, t, params)
        assert matches(result.divergence, regular, close, t)
        assert matches(result.hidden_divergence, hidden, close, t)

        row = timeline.iloc[t]
        for prefix, found in (("", result.divergence), ("hidden_", result.hidden_divergence)):
            assert found.kind == row[f"{prefix}kind"]
            if found.kind is not None:
                assert found.confirmed_on == day(close, row[f"{prefix}confirmed_pos"])
                assert found.pivots[0].date == day(close, row[f"{prefix}first_pos"])
                assert found.pivots[1].date == day(close, row[f"{prefix}second_pos"])
        expected_value = r[t]
        assert result.value == (None if np.isnan(expected_value) else expected_value)


def test_a_long_random_walk_against_the_reference() -> None:
    """Deterministic companion of the property: many bars of one walk, a good share of
    them with a divergence to report, read from prefixes, the reference and the timeline."""
    rng = np.random.default_rng(3)
    close = series(1000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 700))))
    params = {"left": 5, "right": 5, "min_gap": 5, "max_gap": 60, "active_sessions": 20}
    r = rsi(close).to_numpy()
    timeline = divergence_timeline(close)
    assert timeline["kind"].notna().sum() > 50  # the walk does diverge
    reported = 0
    for t in rng.choice(len(close), 80, replace=False).tolist():
        result = as_of(close, t)
        regular, hidden = reference_state(close.to_numpy(), r, t, params)
        assert matches(result.divergence, regular, close, t)
        assert matches(result.hidden_divergence, hidden, close, t)
        assert result.divergence.kind == timeline["kind"].iloc[t]
        reported += regular.kind is not None
    assert reported >= 10


def test_the_timeline_has_its_documented_columns() -> None:
    s = bearish_path([-1.0] * 6 + [-0.3] * 30)
    timeline = divergence_timeline(s)
    assert list(timeline.columns) == list(TIMELINE_COLUMNS)
    assert timeline.index.equals(s.index)
    on = timeline.iloc[CONFIRM]
    assert (on["kind"], on["confirmed_on"], on["sessions_active"]) == (
        "bearish",
        day(s, CONFIRM),
        0,
    )
    assert (on["first_pos"], on["second_pos"], on["confirmed_pos"]) == (P1, P2, CONFIRM)
    before = timeline.iloc[CONFIRM - 1]
    assert before["kind"] is None and before["confirmed_on"] is None
    assert np.isnan(before["sessions_active"]) and before["first_pos"] == -1


def test_speed_on_long_histories() -> None:
    """Not a budget (that is the benchmark's job): a guard against a quadratic loop."""
    rng = np.random.default_rng(5)
    close = series(1000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 24_000))))
    start = time.perf_counter()
    rsi_section(close, STATUS)
    assert time.perf_counter() - start < 2.0


# --- real data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def gspc_close() -> pd.Series:
    from core.sources.files import read_bars_csv

    return read_bars_csv(require_market_data("GSPC.csv") / "GSPC.csv")["close"]


def position(close: pd.Series, session: date | str | None) -> int:
    """The position of `session` in `close`'s index."""
    assert session is not None
    found = close.index.get_indexer(pd.DatetimeIndex([session]))[0]
    assert found >= 0, session
    return int(found)


def is_swing_high(close: np.ndarray, i: int, left: int = 5, right: int = 5) -> bool:
    return bool(
        all(close[i] > close[i - k] for k in range(1, left + 1))
        and all(close[i] >= close[i + k] for k in range(1, right + 1))
    )


def is_swing_low(close: np.ndarray, i: int, left: int = 5, right: int = 5) -> bool:
    return is_swing_high(-close, i, left, right)


@pytest.mark.parametrize("as_of_date", [date(2026, 1, 28), date(2026, 2, 5)])
def test_real_gspc_rsi_and_divergence(gspc_close: pd.Series, as_of_date: date) -> None:
    close = gspc_close.loc[: pd.Timestamp(as_of_date)]
    assert close.index[-1].date() == as_of_date
    result = rsi_section(close, STATUS)
    print(as_of_date, result.model_dump_json(exclude={"history"}))
    c = close.to_numpy(dtype=np.float64)
    oracle = talib.RSI(c, 14)
    assert result.value == pytest.approx(oracle[-1], abs=1e-8)
    assert result.history.values[-1] == pytest.approx(oracle[-1], abs=1e-8)
    # the slow reference reading of the rules agrees (last 400 sessions are plenty:
    # pivots are at most 60 apart and a divergence lives 20 sessions)
    tail = 400
    params = {"left": 5, "right": 5, "min_gap": 5, "max_gap": 60, "active_sessions": 20}
    regular, hidden = reference_state(c[-tail:], oracle[-tail:], tail - 1, params)
    assert matches(result.divergence, regular, close.iloc[-tail:], tail - 1)
    assert matches(result.hidden_divergence, hidden, close.iloc[-tail:], tail - 1)
    for found in (result.divergence, result.hidden_divergence):
        if found.kind is None:
            continue
        positions = [position(close, p.date) for p in found.pivots]
        pivot_test = is_swing_high if found.kind == "bearish" else is_swing_low
        assert all(pivot_test(c, i) for i in positions)
        assert all(
            p.rsi == pytest.approx(oracle[i], abs=1e-8)
            for p, i in zip(found.pivots, positions, strict=True)
        )
        confirmed = position(close, found.confirmed_on)
        assert confirmed == positions[1] + 5
        assert found.sessions_active == len(c) - 1 - confirmed
        assert 5 <= positions[1] - positions[0] <= 60


def test_real_gspc_bearish_divergence_into_7000(gspc_close: pd.Series) -> None:
    """As of 2026-02-05: higher high in price (6,977.27 on 2026-01-12, 6,978.60 on
    2026-01-27), lower high in RSI, known from 2026-02-03; not yet known on 2026-02-02."""
    close = gspc_close.loc[:"2026-02-05"]
    c = close.to_numpy(dtype=np.float64)
    oracle = talib.RSI(c, 14)
    p1 = position(close, "2026-01-12")
    p2 = position(close, "2026-01-27")
    assert is_swing_high(c, p1) and is_swing_high(c, p2)
    assert c[p2] > c[p1] and oracle[p2] < oracle[p1]
    assert pd.Timestamp(close.index[p2 + 5]).date() == date(2026, 2, 3)
    found = rsi_section(close, STATUS).divergence
    assert (found.kind, found.confirmed_on) == ("bearish", date(2026, 2, 3))
    assert rsi_section(gspc_close.loc[:"2026-02-02"], STATUS).divergence.confirmed_on != date(
        2026, 2, 3
    )
