"""The price section's readings as history (`core.sections.price.readings`): one row per
session, a column per reading named as `core.columns.flatten` names the model's fields.
Proved here: no look-ahead (the readings of bars cut at t are the full readings' row t,
every column, bit for bit); today's model is the last row; every session's row is the
panel the scalar implementation of old gave at that bar (`tests.signals.oracles_price`),
highs and lows missing or not; milestone levels named by the price; a user level's
name and price win over derived ones; strings and flags in object columns; the warm-up
holds on real S&P 500 history; and the real history's sessions match TA-Lib and the
closes SOURCES.md lists."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from core.columns import flatten
from core.config import UserLevel
from core.section import latest
from core.sections.price import KEY, WARMUP, compute, readings
from tests.market_data import require_market_data
from tests.signals.oracles_price import (
    SYMBOL,
    price_inputs,
    price_section_at_last_bar,
    replay_status,
)

LEVELS = (
    UserLevel(label="6,992 pivot", value=6992.0, thesis="bull"),
    UserLevel(label="6,700–7,000 range", range=(6700.0, 7000.0), thesis="bear"),
    UserLevel(label="5,000 line", value=5000.0),  # at a milestone: replaces it
)


def bars_of(close: np.ndarray, high: np.ndarray, low: np.ndarray) -> pd.DataFrame:
    index = pd.bdate_range("2020-01-02", periods=len(close), name="date")
    return pd.DataFrame(
        {"open": close, "high": high, "low": low, "close": close, "volume": 1e9}, index=index
    )


@st.composite
def price_paths(draw: st.DrawFn) -> pd.DataFrame:
    """Random daily bars around 5,000 (so milestones change hands), sometimes on whole
    points, with highs and lows present, missing early (close-only history), missing
    here and there, or missing throughout, and sometimes a close missing."""
    n = draw(st.integers(min_value=1, max_value=400))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    close = 5000.0 * np.exp(np.cumsum(rng.normal(0.0, draw(st.sampled_from([0.01, 0.03])), n)))
    spread = np.abs(rng.normal(0.0, 0.008, n)) * close
    high = close + spread * rng.uniform(0.0, 1.0, n)
    low = close - spread * rng.uniform(0.0, 1.0, n)
    if draw(st.booleans()):
        close, high, low = close.round(0), high.round(0), low.round(0)
        high, low = np.maximum(high, close), np.minimum(low, close)
    gaps = draw(st.sampled_from(["none", "early", "sparse", "all"]))
    if gaps == "early":
        early = draw(st.integers(min_value=0, max_value=n))
        high[:early] = low[:early] = np.nan
    elif gaps == "sparse":
        high[rng.uniform(size=n) < 0.02] = np.nan
        low[rng.uniform(size=n) < 0.02] = np.nan
    elif gaps == "all":
        high[:] = low[:] = np.nan
    if draw(st.booleans()):  # a bar without a close (no source gives one, but)
        close[rng.uniform(size=n) < 0.03] = np.nan
        close[0] = close[0] if np.isfinite(close[0]) else 5000.0  # never a history without
        # any close: bars without one at all are the fallback's (test_price_signals)
    return bars_of(close, high, low)


def with_a_close(bars: pd.DataFrame) -> pd.DataFrame:
    """`bars` up to the last one with a close (all of them when none has one)."""
    closed = bars.loc[bars["close"].notna()]
    return bars.loc[: closed.index[-1]] if len(closed) else bars


def columns(frame: pd.DataFrame) -> list[str]:
    """The frame's column names (readings are named by strings)."""
    return [str(column) for column in frame.columns]


def same_readings(cut: pd.DataFrame, full: pd.DataFrame) -> None:
    """`cut` equals `full` on its rows, every column bit for bit (NaN == NaN); a column
    only `full` has (a milestone not reached yet) is missing throughout."""
    rows = full.iloc[: len(cut)]
    pd.testing.assert_frame_equal(cut, rows[cut.columns], check_exact=True)
    extra = rows.columns.difference(cut.columns)
    assert rows[extra].isna().all().all(), list(extra)


@settings(max_examples=120, deadline=None)
@given(price_paths(), st.lists(st.integers(min_value=0), min_size=1, max_size=12))
def test_readings_of_bars_cut_at_t_are_the_full_readings_at_t(
    bars: pd.DataFrame, cuts: list[int]
) -> None:
    full = readings(price_inputs(bars, LEVELS))
    assert full.index.equals(bars.index)
    for cut in {cut % len(bars) for cut in cuts}:
        same_readings(readings(price_inputs(bars.iloc[: cut + 1], LEVELS)), full)


@settings(max_examples=60, deadline=None)
@given(price_paths(), st.lists(st.integers(min_value=0), min_size=1, max_size=6))
def test_every_session_is_the_panel_the_scalar_oracle_gives_at_that_bar(
    bars: pd.DataFrame, cuts: list[int]
) -> None:
    """Today's model (the last row with a close) of bars cut at t equals the old
    at-the-last-bar computation of the same bars, field by field, the TD fields' rules
    on missing highs and lows included."""
    for cut in {cut % len(bars) for cut in cuts}:
        part = bars.iloc[: cut + 1]
        status = replay_status(with_a_close(part))  # dated at the last close
        expected = price_section_at_last_bar(part, SYMBOL, LEVELS, status)
        # as JSON: a chart with a missing close holds NaN, and NaN != NaN
        assert compute(price_inputs(part, LEVELS)).model_dump_json() == expected.model_dump_json()


@settings(max_examples=60, deadline=None)
@given(price_paths())
def test_todays_model_is_the_last_row(bars: pd.DataFrame) -> None:
    inputs = price_inputs(bars, LEVELS)
    row = latest(readings(inputs).loc[: with_a_close(bars).index[-1]])
    flat = flatten(compute(inputs), KEY)
    assert set(flat) <= set(row)  # every reading of the model is a column
    assert {column: flat.get(column) for column in row} == row


# Six falling closes, then a sell setup: bar 1 (the flip) at 6, bar 9 at 14, and the
# sell countdown counting from bar 9 on (as in test_price_signals).
TD_PATH = np.array([110.0, 109.0, 108.0, 107.0, 106.0, 105.0] + [120.0 + k for k in range(12)])
SETUP_BAR_1, NINE = 6, 14


@pytest.mark.parametrize(("missing", "known"), [(SETUP_BAR_1 - 1, True), (SETUP_BAR_1, False)])
def test_td_needs_highs_and_lows_from_setup_bar_1_of_the_latest_nine(
    missing: int, known: bool
) -> None:
    """A missing high before bar 1 of the latest setup 9 leaves its countdown, TDST
    and perfection known on every session from the 9 on; one inside the setup does not."""
    high, low = TD_PATH + 0.5, TD_PATH - 0.5
    high[missing] = np.nan
    frame = readings(price_inputs(bars_of(TD_PATH, high, low)))
    after = frame.iloc[NINE:]
    assert bool(after["price.td.countdown"].notna().all()) is known
    assert bool(after["price.td.perfected"].notna().all()) is known
    assert bool(after["price.td.tdst_support"].notna().all()) is known
    assert (frame["price.td.countdown"].iloc[:NINE] == 0).all()  # no 9 yet: no countdown
    if known:
        assert after["price.td.countdown"].tolist() == [1.0, 2.0, 3.0, 4.0]
        assert after["price.td.countdown_direction"].eq("sell").all()


# --- levels ----------------------------------------------------------------------


def milestones_shown(frame: pd.DataFrame, session: int) -> list[str]:
    """The milestone levels shown on a session, in column order."""
    row = frame.iloc[session]
    kinds = [c for c in columns(frame) if c.endswith("].kind")]
    return [c[len("price.levels[") : -len("].kind")] for c in kinds if row[c] == "milestone"]


def test_milestone_columns_follow_the_price_and_are_missing_when_not_around_it() -> None:
    close = np.r_[np.full(5, 950.0), np.full(5, 1500.0), np.full(5, 2400.0)]
    frame = readings(price_inputs(bars_of(close, close, close)))
    groups = [c for c in columns(frame) if c.startswith("price.levels[") and "milestone]" in c]
    assert len(groups) == 3 * 5  # one group of five fields per milestone ever shown
    assert milestones_shown(frame, 0) == ["1,000 milestone"]  # no "0 milestone" below 1,000
    assert milestones_shown(frame, 5) == ["2,000 milestone", "1,000 milestone"]
    assert milestones_shown(frame, 10) == ["3,000 milestone", "2,000 milestone"]
    gone = frame.iloc[10][[c for c in groups if c.startswith("price.levels[1,000 ")]]
    assert gone.isna().all()
    assert frame["price.levels[2,000 milestone].distance_pct"].iloc[5] == (1500 / 2000 - 1) * 100


def test_a_user_level_takes_a_milestones_price_and_a_derived_levels_name() -> None:
    close = np.linspace(4800.0, 5400.0, 260)
    levels = [
        UserLevel(label="5k", value=5000.0),
        UserLevel(label="EMA 50", value=5100.0, thesis="bear"),
    ]  # two user levels with one label are refused by the config (test_config)
    inputs = price_inputs(bars_of(close, close + 1, close - 1), levels)
    frame = readings(inputs)
    assert not any(column.startswith("price.levels[5,000 milestone]") for column in columns(frame))
    assert frame["price.levels[5k].value"].eq(5000.0).all()
    assert frame["price.levels[EMA 50].kind"].eq("user").all()
    assert frame["price.levels[EMA 50].value"].eq(5100.0).all()
    assert "price.levels[4,000 milestone].value" in frame
    # Today's section holds one level per name (a Snapshot's row names a level by it).
    names = [level.name for level in compute(inputs).levels]
    assert len(names) == len(set(names))
    assert {"5k", "EMA 50"} <= set(names)


def test_averages_are_shown_once_warmed_up() -> None:
    close = np.linspace(100.0, 300.0, 210)
    frame = readings(price_inputs(bars_of(close, close + 1, close - 1)))
    for name, first in (("EMA 20", 19), ("EMA 50", 49), ("SMA 50", 49), ("SMA 200", 199)):
        kind = frame[f"price.levels[{name}].kind"]
        assert kind.iloc[:first].isna().all() and kind.iloc[first:].notna().all(), name


def test_todays_levels_are_highest_first_ties_as_before() -> None:
    close = np.linspace(6000.0, 6978.03, 250)
    model = compute(price_inputs(bars_of(close, close + 1, close - 1), LEVELS))
    tops = [level.upper or level.value for level in model.levels]
    assert tops == sorted(tops, reverse=True)
    names = [level.name for level in model.levels]
    # the 7,000 milestone and the top of the 6,700–7,000 range tie: the milestone first
    assert names.index("7,000 milestone") + 1 == names.index("6,700–7,000 range")


def test_strings_and_flags_are_object_columns_and_numbers_float() -> None:
    close = 5000.0 * np.exp(np.cumsum(np.random.default_rng(3).normal(0.0, 0.01, 300)))
    frame = readings(price_inputs(bars_of(close, close + 5, close - 5), LEVELS))
    objects = {
        "price.symbol",
        "price.td.setup_direction",
        "price.td.perfected",
        "price.td.countdown_direction",
        "price.within_1pct_below_milestone",
        "price.new_milestone",
        "price.ema_stack",
        "price.bands.bollinger_expanding",
        "price.bands.keltner_expanding",
        "price.bands.squeeze",
    } | {column for column in columns(frame) if column.endswith((".kind", ".thesis"))}
    assert {c for c in columns(frame) if frame[c].dtype == object} == objects
    assert frame["price.td.setup_count"].dtype == np.int64
    numbers = frame.columns.difference([*objects, "price.td.setup_count"])
    assert (frame[numbers].dtypes == np.float64).all()
    flags = frame["price.bands.squeeze"].dropna()
    assert len(flags) and all(type(flag) is bool for flag in flags)


def test_new_milestone_is_the_first_close_at_or_above_a_multiple_never_reached() -> None:
    close = np.array([990.0, 1000.0, 980.0, 1500.0, np.nan, 2999.0, 3000.0, 2500.0, 3000.5])
    frame = readings(price_inputs(bars_of(close, close + 1, close - 1)))
    highest = [None, 1000, 1000, 1000, None, 2000, 3000, 3000, 3000]
    assert [None if math.isnan(v) else v for v in frame["price.highest_milestone"]] == highest
    new = [False, True, False, False, None, True, True, False, False]
    assert list(frame["price.new_milestone"]) == new  # 2,000 skipped: 2,999 reached it
    late = readings(price_inputs(bars_of(close[5:], close[5:] + 1, close[5:] - 1)))
    assert list(late["price.new_milestone"]) == [None, True, False, False]  # first: unknown


def test_no_bars_no_sessions() -> None:
    frame = readings(price_inputs(bars_of(np.array([]), np.array([]), np.array([]))))
    assert frame.empty and "price.last" in frame and "price.td.countdown" in frame


# --- real data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    from core.sources.files import FilesSource

    source = FilesSource(require_market_data("GSPC.csv"))
    return source.daily_bars([SYMBOL], date(1927, 1, 1), date(2100, 1, 1))[SYMBOL]


@pytest.fixture(scope="module")
def gspc_readings(gspc: pd.DataFrame) -> pd.DataFrame:
    return readings(price_inputs(gspc, LEVELS))


def test_real_history_milestones_are_named_by_the_price(gspc_readings: pd.DataFrame) -> None:
    kinds = [c for c in columns(gspc_readings) if c.endswith("].kind")]
    milestones = {c for c in kinds if "milestone" in c}
    # 17.66 in 1928 to 7,816.70 in 2026; 5,000 is the user's "5,000 line"
    expected = {f"price.levels[{m:,} milestone].kind" for m in range(1000, 9000, 1000)}
    assert milestones == expected - {"price.levels[5,000 milestone].kind"}
    row = gspc_readings.loc["1928-01-03"]
    assert [c for c in milestones if row[c] is not None] == ["price.levels[1,000 milestone].kind"]
    row = gspc_readings.loc["2026-01-28"]
    shown = {c for c in milestones if row[c] is not None}
    assert shown == {"price.levels[6,000 milestone].kind", "price.levels[7,000 milestone].kind"}


def test_real_closes_and_the_7000_milestone(gspc_readings: pd.DataFrame) -> None:
    # SOURCES.md spot checks; the distance to 7,000 that test_real_data_snapshot pins
    closes = {"2026-01-27": 6978.60, "2026-01-28": 6978.03, "2026-01-29": 6969.01}
    for day, close in closes.items():
        assert gspc_readings["price.last"].loc[day] == close
    row = gspc_readings.loc["2026-01-28"]
    assert row["price.prev_close"] == 6978.60
    assert round(row["price.levels[7,000 milestone].distance_pct"], 2) == -0.31
    assert row["price.nearest_milestone_above"] == 7000.0
    assert row["price.within_1pct_below_milestone"] is True
    above = gspc_readings.loc[gspc_readings["price.last"] >= 7000.0]
    assert above.index[0] == pd.Timestamp("2026-04-15")  # the first close >= 7,000
    assert above["price.nearest_milestone_above"].iloc[0] == 8000.0


def test_real_new_milestones_since_1927(gspc_readings: pd.DataFrame) -> None:
    """The first close at or above each 1,000 (the new_milestone study's events)."""
    new = gspc_readings.loc[gspc_readings["price.new_milestone"].eq(True)]
    expected = {
        "1998-02-02": 1000.0,
        "2014-08-26": 2000.0,
        "2019-07-12": 3000.0,
        "2021-04-01": 4000.0,
        "2024-02-09": 5000.0,
        "2024-11-11": 6000.0,
        "2026-04-15": 7000.0,
    }
    dates = [stamp.date().isoformat() for stamp in pd.DatetimeIndex(new.index)]
    assert dict(zip(dates, new["price.highest_milestone"], strict=True)) == expected
    assert gspc_readings["price.new_milestone"].iloc[0] is False  # 17.66: below every 1,000
    assert gspc_readings.loc["2026-01-28", "price.highest_milestone"] == 6000.0


SESSIONS = ("1932-06-01", "1955-09-26", "1987-10-19", "2008-10-10", "2020-03-23", "2026-02-05")


@pytest.mark.parametrize("session", SESSIONS)
def test_real_sessions_match_talib_and_the_scalar_oracle(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame, session: str
) -> None:
    row = gspc_readings.loc[session]
    bars = gspc.loc[:session]
    c = bars["close"].to_numpy()
    h, lo = bars["high"].to_numpy(), bars["low"].to_numpy()
    for name, values in (
        ("EMA 20", talib.EMA(c, 20)),
        ("EMA 50", talib.EMA(c, 50)),
        ("SMA 50", talib.SMA(c, 50)),
        ("SMA 200", talib.SMA(c, 200)),
    ):
        assert row[f"price.levels[{name}].value"] == pytest.approx(values[-1], rel=1e-9)
    upper, _, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    assert row["price.bands.bollinger_position"] == pytest.approx(
        (c[-1] - lower[-1]) / (upper[-1] - lower[-1]) * 100, abs=1e-6
    )
    middle, atr = talib.EMA(c, 20)[-1], talib.ATR(h, lo, c, 10)[-1]
    assert row["price.bands.keltner_position"] == pytest.approx(
        (c[-1] - middle + 2 * atr) / (4 * atr) * 100, abs=1e-6
    )
    expected = price_section_at_last_bar(bars, SYMBOL, LEVELS, replay_status(bars))
    assert compute(price_inputs(bars, LEVELS)) == expected
    assert flatten(expected, KEY).items() <= latest(gspc_readings.loc[:session]).items()


def test_real_readings_forget_where_the_data_starts_after_the_warmup(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame
) -> None:
    """Started in 1990 instead of 1927, the readings from WARMUP sessions on are the
    full history's: the same flags, counts and TD state, numbers within 1e-9."""
    late = readings(price_inputs(gspc.loc["1990-01-02":], LEVELS)).iloc[WARMUP:]
    full = gspc_readings.loc[late.index[0] :, late.columns]
    for column in late:
        if late[column].dtype == object:
            pd.testing.assert_series_equal(late[column], full[column], check_exact=True)
        else:
            np.testing.assert_allclose(late[column], full[column], rtol=1e-9, err_msg=column)
