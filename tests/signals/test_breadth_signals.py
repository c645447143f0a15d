"""The breadth signal on hand-built panels with answers worked out by hand (every
BreadthSection field, through `core.sections.breadth.breadth_section`, the last row of
the readings), None for missing inputs, an exact integer oracle for the vectorised %
above SMA (with gaps, late listings and flat stretches), and no look-ahead as
properties: appending future rows changes nothing up to the old last row, and the
section as of a random session t equals the full-history series at t."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sections.breadth import HISTORY_SESSIONS, BreadthSection, breadth_section
from core.signals.breadth import (
    SHORT_SMA,
    _as_values,
    _Panel,
    _share,
    breadth_frame,
    top10_concentration_pct,
)
from core.snapshot import PanelStatus
from core.sources.base import MemberPanel
from tests.signals.oracles_breadth import dates, oracle_pct_above, panels

STATUS = PanelStatus(state="REPLAY", detail="test")
T = 260


def pct_above_sma(closes: pd.DataFrame, length: int) -> pd.Series:
    """% of members above their `length`-close SMA per session, as `breadth_frame`
    computes its 50- and 200-day shares (its internals, for any length)."""
    panel = _Panel(_as_values(closes))
    return pd.Series(_share(*panel.above_sma(length)), index=closes.index, dtype=np.float64)


def hand_panel() -> pd.DataFrame:
    """Five members over 260 sessions (t = 0..259), built so every answer is by hand.

    A rises 100 + t; B falls 400 - t; C rises 100 + t to t = 229 (329), drops to 250 at
    t = 230 and stays there; D lists at t = 100 and rises 50 + t; E rises 100 + t but
    has no close on the last session."""
    t = np.arange(T, dtype=np.float64)
    c = np.where(t < 230, 100.0 + t, 250.0)
    d = np.where(t >= 100, 50.0 + t, np.nan)
    e = 100.0 + t
    e[-1] = np.nan
    frame = pd.DataFrame({"A": 100.0 + t, "B": 400.0 - t, "C": c, "D": d, "E": e})
    frame.index = dates(T)
    return frame


def test_hand_built_panel_every_member_field() -> None:
    section = breadth_section(MemberPanel(closes=hand_panel()), STATUS)
    assert section.status == STATUS
    assert section.members == 4  # E has no close on the last session
    # 200-day: A, B, C have one (D: 160 closes; E: no close today). Above: A and C
    # (C: 250 vs SMA (sum 160..329 + 30 * 250) / 200 = 245.325).
    assert section.pct_above_200dma == pytest.approx(200 / 3)
    # 50-day: A, B, C, D. Above: A, D (C: 250 vs (sum 310..329 + 30 * 250) / 50 = 277.8).
    assert section.pct_above_50dma == pytest.approx(50.0)
    # Five sessions earlier (t = 254): 200-day A, B, C, E counted, A, C, E above = 75%;
    # 50-day A..E counted, A, D, E above = 60%. Same at t = 239 (20 sessions earlier).
    assert section.pct_above_200dma_change_5d == pytest.approx(200 / 3 - 75.0)
    assert section.pct_above_200dma_change_20d == pytest.approx(200 / 3 - 75.0)
    assert section.pct_above_50dma_change_5d == pytest.approx(-10.0)
    assert section.pct_above_50dma_change_20d == pytest.approx(-10.0)
    # Last session: A, D up; B down; C unchanged; E missing.
    assert (section.advances, section.declines) == (2, 1)
    # A/D line: A and B cancel; C +229 - 1; D +159 (t = 101..259); E +258 (t = 1..258).
    assert section.ad_line == 645.0
    # t = 240..259: D 20, E 19.
    assert section.ad_line_change_20d == 39.0
    # 52 weeks: A (high), B (low), C (neither: 329 > 250 > 108) are eligible.
    assert (section.new_highs_52w, section.new_lows_52w, section.net_new_highs_52w) == (1, 1, 0)
    history = section.history_200dma
    assert len(history.dates) == len(history.values) == min(T, HISTORY_SESSIONS)
    assert history.dates[-1] == date(2020, 12, 29)
    assert history.dates[-60] == hand_panel().index[200].date()
    assert history.values[-60:-1] == (75.0,) * 59
    assert history.values[-1] == pytest.approx(200 / 3)
    # Neither RSP/SPY nor weights were given.
    assert section.rsp_spy_ratio is None
    assert section.rsp_spy_vs_50d_pct is None
    assert section.top10_concentration_pct is None


def test_every_session_of_the_frame_agrees_with_the_hand_answers() -> None:
    frame = breadth_frame(hand_panel())
    pct200, pct50 = frame["pct_above_200dma"], frame["pct_above_50dma"]
    assert pct200.iloc[:199].isna().all()  # no member has 200 closes before t = 199
    assert pct200.iloc[254] == 75.0
    assert pct50.iloc[239] == 60.0
    assert pct50.iloc[-1] == 50.0
    # No move on the first session: no advances, declines or line there; the line
    # counts from 0 (t = 1: A, C, E up, B down).
    assert np.isnan(frame["advances"].iloc[0]) and np.isnan(frame["ad_line"].iloc[0])
    assert frame["ad_line"].iloc[1] == 2.0
    assert frame["ad_line"].iloc[-1] == 645.0
    assert (frame["advances"].iloc[-1], frame["declines"].iloc[-1]) == (2.0, 1.0)
    assert (frame["new_highs_52w"].iloc[-1], frame["new_lows_52w"].iloc[-1]) == (1.0, 1.0)
    assert frame["new_highs_52w"].iloc[:251].isna().all()


def test_flat_member_is_not_above_its_average() -> None:
    closes = pd.DataFrame({"F": [0.1 + 0.2] * 60, "G": np.linspace(10, 20, 60)}, index=dates(60))
    section = breadth_section(MemberPanel(closes=closes), STATUS)
    assert section.pct_above_50dma == 50.0  # G above, F equal to its average
    assert (section.advances, section.declines) == (1, 0)


def test_interior_gap_is_skipped_not_filled() -> None:
    t = np.arange(80, dtype=np.float64)
    a = 100.0 + t
    a[70] = np.nan
    closes = pd.DataFrame({"A": a, "B": 200.0 - t}, index=dates(80))
    frame = breadth_frame(closes)
    pct = frame["pct_above_50dma"]
    assert pct.iloc[70] == 0.0  # only B counts on the missing session
    assert pct.iloc[71] == 50.0  # A's average runs over its 50 present closes
    section = breadth_section(MemberPanel(closes=closes), STATUS)
    assert section.pct_above_50dma == 50.0
    assert frame["advances"].iloc[70] == 0.0 and frame["advances"].iloc[71] == 0.0


def test_short_history_is_none_not_zero() -> None:
    closes = pd.DataFrame({"A": np.arange(1.0, 31.0), "B": np.arange(31.0, 1.0, -1)})
    closes.index = dates(30)
    section = breadth_section(MemberPanel(closes=closes), STATUS)
    assert section.members == 2
    assert section.pct_above_200dma is None and section.pct_above_50dma is None
    assert section.pct_above_200dma_change_5d is None
    assert section.pct_above_50dma_change_20d is None
    assert section.new_highs_52w is None and section.new_lows_52w is None
    assert section.net_new_highs_52w is None
    assert (section.advances, section.declines) == (1, 1)
    assert section.ad_line == 0.0
    assert section.ad_line_change_20d == 0.0
    assert section.history_200dma.values == (None,) * 30

    one_row = breadth_section(MemberPanel(closes=closes.iloc[:1]), STATUS)
    assert one_row.members == 2
    assert one_row.advances is None and one_row.ad_line is None


@pytest.mark.parametrize(
    "members",
    [
        None,
        MemberPanel(closes=pd.DataFrame()),
        MemberPanel(closes=pd.DataFrame(index=dates(5))),
    ],
)
def test_missing_members_give_none_everywhere(members: MemberPanel | None) -> None:
    section = breadth_section(members, STATUS)
    assert section == BreadthSection(status=STATUS)


def ratio_inputs() -> tuple[pd.Series, pd.Series]:
    spy = pd.Series(100.0, index=dates(60))
    rsp = pd.Series(50.0, index=dates(60))
    rsp.iloc[-1] = 55.5
    return rsp, spy


ONE_MEMBER = MemberPanel(closes=pd.DataFrame({"A": np.arange(1.0, 61.0)}, index=dates(60)))
"""A member on the 60 sessions of `ratio_inputs`: RSP/SPY is read on its sessions."""


def test_rsp_spy_ratio_and_its_50_day_average() -> None:
    rsp, spy = ratio_inputs()
    section = breadth_section(ONE_MEMBER, STATUS, rsp=rsp, spy=spy)
    assert section.rsp_spy_ratio == pytest.approx(0.555)
    expected = (0.555 / ((49 * 0.5 + 0.555) / 50) - 1) * 100
    assert section.rsp_spy_vs_50d_pct == pytest.approx(expected)
    # RSP/SPY is read on the members' sessions: none without members.
    assert breadth_section(None, STATUS, rsp=rsp, spy=spy) == BreadthSection(status=STATUS)


def test_rsp_spy_are_aligned_on_common_dates() -> None:
    rsp, spy = ratio_inputs()
    frame = breadth_frame(ONE_MEMBER.closes, rsp.drop(rsp.index[10]), spy.drop(spy.index[20]))
    # Known on the 58 dates both have a close, each that date's RSP / SPY.
    ratio = frame["rsp_spy_ratio"].dropna()
    assert len(ratio) == 58
    assert ratio.index[-1] == spy.index[-1]
    expected = (rsp / spy).drop(rsp.index[[10, 20]])
    pd.testing.assert_series_equal(ratio, expected, check_names=False, check_freq=False)
    # RSP lacks the first of the last 50 SPY dates: the 50-session average runs over
    # the last 50 common dates, which reach one session further back.
    section = breadth_section(ONE_MEMBER, STATUS, rsp=rsp.drop(rsp.index[10]), spy=spy)
    assert section.rsp_spy_ratio == pytest.approx(0.555)
    assert section.rsp_spy_vs_50d_pct == pytest.approx(
        (0.555 / ((49 * 0.5 + 0.555) / 50) - 1) * 100
    )


def test_rsp_spy_none_when_missing_stale_or_short() -> None:
    rsp, spy = ratio_inputs()
    assert breadth_section(ONE_MEMBER, STATUS, rsp=None, spy=spy).rsp_spy_ratio is None
    assert breadth_section(ONE_MEMBER, STATUS, rsp=rsp, spy=None).rsp_spy_ratio is None
    stale = breadth_section(ONE_MEMBER, STATUS, rsp=rsp.iloc[:-3], spy=spy)
    assert stale.rsp_spy_ratio is None and stale.rsp_spy_vs_50d_pct is None
    short = breadth_section(ONE_MEMBER, STATUS, rsp=rsp.iloc[-30:], spy=spy.iloc[-30:])
    assert short.rsp_spy_ratio == pytest.approx(0.555)
    assert short.rsp_spy_vs_50d_pct is None


def test_top10_concentration_from_weights() -> None:
    weights = [0.10, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.03, 0.02, 0.02, 0.01, 0.49]
    info = pd.DataFrame(
        {"name": list("ABCDEFGHIJKL"), "sector": "x", "weight": weights},
        index=pd.Index(list("ABCDEFGHIJKL"), name="ticker"),
    )
    # All but the two smallest (0.01 and one 0.02).
    expected = (sum(weights) - 0.01 - 0.02) * 100
    assert top10_concentration_pct(info) == pytest.approx(expected)
    panel = MemberPanel(closes=hand_panel(), info=info)
    assert breadth_section(panel, STATUS).top10_concentration_pct == pytest.approx(expected)
    assert top10_concentration_pct(info.drop(columns="weight")) is None
    assert top10_concentration_pct(info.assign(weight="big")) is None
    assert top10_concentration_pct(pd.DataFrame()) is None
    assert top10_concentration_pct(info.assign(weight=np.nan)) is None
    partial = info.assign(weight=[0.5, 0.1, *([np.nan] * 10)])
    assert top10_concentration_pct(partial) is None  # 2 of 12 known: not a top-10
    small = info.iloc[:3]
    assert top10_concentration_pct(small) == pytest.approx(25.0)  # every weight known


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(max_rows=120), st.sampled_from([1, 2, 5, 20, 50]))
def test_pct_above_sma_equals_an_exact_oracle(closes: pd.DataFrame, length: int) -> None:
    ours = pct_above_sma(closes, length).to_numpy()
    np.testing.assert_array_equal(ours, oracle_pct_above(closes, length))
    if length == SHORT_SMA:  # the frame's own column is the same numbers
        np.testing.assert_array_equal(breadth_frame(closes)["pct_above_50dma"], ours)


def equal_or_both_nan(a: float | None, b: float) -> bool:
    return (a is None and np.isnan(b)) or (a is not None and a == b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(min_rows=200), st.data())
def test_no_look_ahead(closes: pd.DataFrame, data: st.DataObject) -> None:
    n = len(closes)
    t = data.draw(st.integers(min_value=0, max_value=n - 1), label="t")
    prefix = closes.iloc[: t + 1]
    section = breadth_section(MemberPanel(closes=prefix), STATUS)

    # Appending random future rows, then truncating, gives the same section.
    extra = data.draw(st.integers(min_value=1, max_value=30), label="extra")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    future = pd.DataFrame(
        rng.uniform(1.0, 1000.0, (extra, closes.shape[1])),
        index=pd.bdate_range(prefix.index[-1] + pd.offsets.BDay(), periods=extra),
        columns=closes.columns,
    )
    longer = pd.concat([prefix, future])
    assert breadth_section(MemberPanel(closes=longer.iloc[: t + 1]), STATUS) == section

    # The section as of t equals the full-history vectorised frame at t.
    frame = breadth_frame(closes)
    pct200, pct50, line = frame["pct_above_200dma"], frame["pct_above_50dma"], frame["ad_line"]
    assert equal_or_both_nan(section.pct_above_200dma, pct200.iloc[t])
    assert equal_or_both_nan(section.pct_above_50dma, pct50.iloc[t])
    history = pct200.iloc[max(0, t - HISTORY_SESSIONS + 1) : t + 1].to_numpy()
    assert len(section.history_200dma.values) == len(history)
    for ours, full in zip(section.history_200dma.values, history, strict=True):
        assert equal_or_both_nan(ours, full)
    if t >= 5 and section.pct_above_50dma_change_5d is not None:
        assert section.pct_above_50dma_change_5d == pct50.iloc[t] - pct50.iloc[t - 5]
    if t >= 1:
        assert section.advances == frame["advances"].iloc[t]
        assert section.declines == frame["declines"].iloc[t]
        assert section.ad_line == line.iloc[t]
    if t >= 20:
        start = 0.0 if t == 20 else line.iloc[t - 20]  # the line counts from 0 at t = 0
        assert section.ad_line_change_20d == line.iloc[t] - start
    highs, lows = frame["new_highs_52w"], frame["new_lows_52w"]
    for ours, full in ((section.new_highs_52w, highs), (section.new_lows_52w, lows)):
        assert equal_or_both_nan(None if ours is None else float(ours), full.iloc[t])
    assert section.members == int(prefix.iloc[-1].notna().sum())
