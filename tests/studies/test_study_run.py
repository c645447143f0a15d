"""A study run over a synthetic history (core.studies.run.run_study): events placed by
hand, returns set by hand, overlapping setups and the cool-down, pending horizons, the
baseline, a relative series, unknown sessions, and no look-ahead (a study as of day t
is the study of the history cut at t, whatever comes after)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.studies.run import SURVIVORSHIP, needed_sections, run_study
from core.studies.study import StudyError
from tests.studies.study_helpers import (
    INDEX,
    SETTINGS,
    SMALL,
    geometric,
    prices,
    readings,
    study,
)

#            0  1  2  3  4  5  6  7  8  9  10 11
STREAKS = [0, 3, 4, 0, 3, 0, 0, 0, 5, 0, 0, 3]
"""Holds (>= 3) on 1, 2, 4, 8, 11: events on 1 and 8 (cool-down 3); 2 and 4 overlap 1,
11 comes 3 sessions after 8 held (9 and 10 quiet: only two)."""


def test_events_returns_and_pending_by_hand() -> None:
    frame = readings(STREAKS)
    close = geometric(len(STREAKS))  # +1 % a session: an h-session return is 1.01^h − 1
    result = run_study(study(), frame, {INDEX: prices(frame.index, close)}, SETTINGS)
    assert [event.date for event in result.events] == [frame.index[1].date(), frame.index[8].date()]
    assert [event.reading for event in result.events] == [3, 5]  # the condition's field
    first, last = result.events
    assert first.returns_pct == pytest.approx({"1": 1.0, "2": 2.01, "5": (1.01**5 - 1) * 100})
    # Session 8 of 12: 1 and 2 sessions ahead reached, 5 pending (None, not 0).
    assert last.returns_pct["5"] is None and last.returns_pct["2"] == pytest.approx(2.01)
    five = result.horizons["5"]
    assert (five.n, five.pending) == (1, 1)
    assert five.mean_pct == pytest.approx((1.01**5 - 1) * 100)
    assert five.baseline_n == len(STREAKS) - 5
    assert list(result.horizons) == ["1", "2", "5"]
    assert result.active is True and result.last_event == frame.index[8].date()
    assert result.within_cooldown is True  # 3 sessions after the event, cool-down 3
    assert result.span_from == frame.index[0].date() and result.span_to == frame.index[-1].date()
    assert result.series == "S&P 500"
    # The path: both events reach 1 and 2 sessions; the price rises 1 % every session.
    assert [point.sessions for point in result.path] == [1, 2]
    assert result.path[1].mean_pct == pytest.approx(2.01)
    assert result.path[1].baseline_mean_pct == pytest.approx(2.01)


def test_baseline_edge_and_hit_rate_against_known_returns() -> None:
    # Up 2 % on the session after each event, down 1 % on every other session.
    streaks = [0] * 60
    for at in (5, 20, 35):
        streaks[at] = 4
    moves = np.full(60, -0.01)
    for at in (5, 20, 35):
        moves[at + 1] = 0.02
    moves[0] = 0.0
    close = 100 * np.cumprod(1 + moves)
    frame = readings(streaks)
    result = run_study(
        study(horizons=(1,), headline=1), frame, {INDEX: prices(frame.index, close)}, SETTINGS
    )
    one = result.horizons["1"]
    assert one.n == 3 and one.mean_pct == pytest.approx(2.0) and one.pct_positive == 100.0
    baseline = np.concatenate([moves[1:]])  # every session's next-session return
    assert one.baseline_mean_pct == pytest.approx(baseline.mean() * 100)
    assert one.baseline_pct_positive == pytest.approx(3 / 59 * 100)
    assert one.edge_pct == pytest.approx(2.0 - baseline.mean() * 100)
    # The events' returns do not vary: the t is the edge over the baseline's error.
    error = np.sqrt(baseline.var(ddof=1) / baseline.size)
    assert one.t_stat == pytest.approx((0.02 - baseline.mean()) / error)
    assert one.ci90_pct == pytest.approx((one.edge_pct, one.edge_pct))
    assert result.path[0].mean_pct == pytest.approx(2.0)
    assert result.path[0].baseline_mean_pct == pytest.approx(one.baseline_mean_pct)


def test_unknown_sessions_do_not_hold_and_are_noted() -> None:
    frame = readings([None, 3, None, None, None, 3, None])
    result = run_study(
        study(cooldown=3, horizons=(1,), headline=1),
        frame,
        {INDEX: prices(frame.index, geometric(7))},
        SETTINGS,
    )
    # 2..4 are unknown: they count as not held, so 5 is a new event.
    assert [event.date for event in result.events] == [frame.index[1].date(), frame.index[5].date()]
    assert result.active is None  # unknown on the last session
    # The span starts on session 1, where the condition is first known.
    assert result.span_from == frame.index[1].date()
    assert "the condition is unknown on 4 of 6 sessions" in result.notes


def test_the_baseline_is_the_span_where_the_condition_is_known() -> None:
    # Known from session 4 on: the fall before it is no part of the baseline.
    frame = readings([None, None, None, None, 3, 0, 0, 0])
    close = [100.0, 50.0, 50.0, 50.0, 50.0, 55.0, 60.5, 66.55]
    result = run_study(
        study(horizons=(1,), headline=1), frame, {INDEX: prices(frame.index, close)}, SETTINGS
    )
    one = result.horizons["1"]
    assert one.baseline_n == 3 and one.baseline_mean_pct == pytest.approx(10.0)
    assert result.path[0].baseline_mean_pct == pytest.approx(10.0)
    assert result.span_from == frame.index[4].date()
    assert not any("unknown" in note for note in result.notes)
    never = run_study(
        study(), readings([None, None]), {INDEX: prices(frame.index[:2], [1, 2])}, SETTINGS
    )
    assert never.span_from is None and never.horizons["1"].baseline_n == 0
    assert "the condition is known on no session" in never.notes


def test_relative_series_and_drawdown() -> None:
    frame = readings([3, 0, 0, 0, 0, 0])
    small = np.array([100.0, 90.0, 99.0, 110.0, 110.0, 110.0])
    large = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 110.0])
    given = {INDEX: prices(frame.index, large), SMALL: prices(frame.index, small)}
    measured = study(
        series="small_caps", relative_to="index", horizons=(3, 5), headline=3, decline_pct=5.0
    )
    result = run_study(measured, frame, given, SETTINGS)
    assert result.series == "Russell 2000 relative to S&P 500"
    event = result.events[0]
    assert event.returns_pct["3"] == pytest.approx(10.0)
    assert event.returns_pct["5"] == pytest.approx((110 / 110) / (100 / 100) * 100 - 100)
    assert event.drawdown_pct["3"] == pytest.approx(-10.0)
    assert result.horizons["3"].worst_drawdown_pct == pytest.approx(-10.0)
    assert result.horizons["3"].pct_beyond_decline == 100.0


def test_no_look_ahead() -> None:
    rng = np.random.default_rng(9)
    count = 400
    streaks = np.where(rng.random(count) < 0.08, 3, 0).tolist()
    close = 100 * np.cumprod(1 + rng.normal(0, 0.01, count))
    frame = readings(streaks)
    full = prices(frame.index, close)
    measured = study(horizons=(5, 21), headline=5, cooldown=4)
    cut = 250
    # Given every price (beyond the last reading), the study uses none after it ...
    as_of = run_study(measured, frame.iloc[: cut + 1], {INDEX: full}, SETTINGS)
    truncated = run_study(measured, frame.iloc[: cut + 1], {INDEX: full.iloc[: cut + 1]}, SETTINGS)
    assert as_of == truncated
    # ... and what later sessions add leaves the events known at the cut as they were.
    later = run_study(measured, frame, {INDEX: full}, SETTINGS)
    for before, after in zip(as_of.events, later.events, strict=False):
        assert before.date == after.date and before.reading == after.reading
        for horizon, value in before.returns_pct.items():
            if value is not None:
                assert after.returns_pct[horizon] == value
    assert len(later.events) >= len(as_of.events)
    pending = [e for e in as_of.events if e.returns_pct["21"] is None]
    assert pending and as_of.horizons["21"].pending == len(pending)


def test_missing_prices_are_named() -> None:
    frame = readings([3, 0])
    with pytest.raises(StudyError, match=r"no prices for \^RUT \(small_caps\)"):
        run_study(study(series="small_caps"), frame, {INDEX: prices(frame.index, [1, 2])}, SETTINGS)


def test_needed_sections_and_survivorship() -> None:
    both = study(
        condition='breadth.pct_above_200dma > 70 and level("EMA 50").value > 0',
        near="context.rut_win_streak * 1.0",
    )
    assert needed_sections([both]) == ("price", "breadth", "context")
    frame = readings([0, 0], **{"breadth.pct_above_200dma": [75.0, 80.0]})
    result = run_study(
        both, frame, {INDEX: prices(frame.index, [1.0, 2.0])}, SETTINGS, notes=("given",)
    )
    assert result.notes[0] == "given" and SURVIVORSHIP in result.notes
    assert result.near_pct == 0.0
    assert needed_sections([study()]) == ("context",)
    assert pd.isna(readings([None])["context.rut_win_streak"].iloc[0])


def test_no_sessions_or_no_prices_give_no_figures() -> None:
    frame = readings([3, 0, 0])
    unpriced = run_study(study(), frame, {INDEX: pd.Series(dtype=float)}, SETTINGS)
    assert len(unpriced.events) == 1 and unpriced.events[0].returns_pct["1"] is None
    assert unpriced.horizons["1"].n == 0 and unpriced.horizons["1"].pending == 0
    assert unpriced.horizons["1"].baseline_mean_pct is None
    assert "1 event has no price for the series and count in no figure" in unpriced.notes
    empty = run_study(study(), frame.iloc[:0], {INDEX: pd.Series(dtype=float)}, SETTINGS)
    assert empty.events == () and empty.active is None and empty.span_from is None
    assert all(point.mean_pct is None for point in empty.path)


def test_prices_are_read_on_the_sessions_at_the_last_close_on_or_before() -> None:
    frame = readings([3, 0, 0, 0])
    # The series misses session 1 and has a day between sessions: session 1 reads session 0's close.
    days = [frame.index[0], frame.index[2], frame.index[3]]
    given = pd.Series([100.0, 110.0, 121.0], index=pd.DatetimeIndex(days))
    result = run_study(study(horizons=(1, 2), headline=1), frame, {INDEX: given}, SETTINGS)
    assert result.events[0].returns_pct == pytest.approx({"1": 0.0, "2": 10.0})


def test_a_setup_that_held_within_its_cool_down_is_within_it_though_not_holding_today() -> None:
    # Holds on 1..8 (one event, on 1), then not: 3 sessions after it last held (cool-down 3)
    # it is still within its cool-down; 4 sessions after, no longer.
    held = [0, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0]
    close = geometric(len(held))
    on_11 = readings(held)
    result = run_study(study(), on_11, {INDEX: prices(on_11.index, close)}, SETTINGS)
    assert result.active is False and result.within_cooldown is True
    assert result.last_event == on_11.index[1].date()  # the event is long past
    on_12 = readings([*held, 0])
    later = run_study(study(), on_12, {INDEX: prices(on_12.index, geometric(13))}, SETTINGS)
    assert later.within_cooldown is False


def test_horizons_longer_than_the_cool_down_say_their_returns_overlap() -> None:
    frame = readings(STREAKS)
    result = run_study(study(), frame, {INDEX: prices(frame.index, geometric(12))}, SETTINGS)
    assert any("returns over 5 sessions or more overlap" in note for note in result.notes)
