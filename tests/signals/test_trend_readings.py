"""The trend section's readings as history (`core.sections.trend.readings`): one column
per reading of the model, named as `core.columns` names them; no look-ahead (the
readings of the history cut at any session equal the whole history's up to it); today's
model is the last row; a session without a valid close reads as the last one with it;
every reading against the slow oracle of the published formulas
(tests/signals/oracles.py) on a random walk and on the S&P 500 since 1927; and the
warm-up, after which readings from a later start are the same bit for bit."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import NEW_YORK
from core.columns import flatten
from core.config import Settings
from core.section import CycleData, Inputs, Registry, latest
from core.sections.trend import SECTION, WARMUP
from core.signals.trend import history_needed
from tests.market_data import require_market_data
from tests.signals.oracles import trend_at

SETTINGS = Settings()
INDEX = SETTINGS.symbols.index


def close_time(session: date) -> datetime:
    return datetime.combine(session, time(16), tzinfo=NEW_YORK)


def inputs_of(bars: pd.DataFrame) -> Inputs:
    """What the section reads in a cycle whose only data is the index's `bars`."""
    cycle = CycleData(
        bars={INDEX: bars}, members=None, state="REPLAY", detail=None, close_time=close_time
    )
    return Inputs(SETTINGS, cycle, None, {}, Registry((SECTION,)), {}, {})


def readings(bars: pd.DataFrame) -> pd.DataFrame:
    assert SECTION.readings is not None
    return SECTION.readings(inputs_of(bars))


def walk(n: int, seed: int, *, gaps: bool = False) -> pd.DataFrame:
    """n daily bars of a random walk from 4,000 (closes in cents); with `gaps`, about 2%
    of the closes missing and one zero close (neither is a valid close)."""
    rng = np.random.default_rng(seed)
    closes = np.round(4000.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n))), 2)
    if gaps:
        closes[rng.random(n) < 0.02] = np.nan
        closes[rng.integers(0, n)] = 0.0
    index = pd.bdate_range("2019-01-02", periods=n, name="date")
    return pd.DataFrame({"open": closes, "high": closes, "low": closes, "close": closes}, index)


def same(found: Any, expected: Any, rel: float = 1e-9) -> bool:
    """Equal readings: both unknown, equal flags, or floats within `rel`."""
    if found is None or expected is None:
        return found is None and expected is None
    if isinstance(expected, bool):
        return found is expected
    return math.isclose(found, expected, rel_tol=rel, abs_tol=1e-12)


# --- the columns ----------------------------------------------------------------------


def test_one_column_per_reading_named_by_its_json_path() -> None:
    bars = walk(700, 1)
    frame = readings(bars)
    signals = [
        f"trend.signals[{lookback}].{reading}"
        for lookback in (21, 63, 126, 252)
        for reading in ("value", "return_pct", "flip_level", "flip_distance_pct")
    ]
    assert list(frame.columns) == [
        "trend.exposure_pct",
        *signals,
        "trend.exposure_change_1w",
        "trend.exposure_percentile_1y",
        "trend.crowded",
        "trend.nearest_flip_above",
        "trend.nearest_flip_below",
    ]
    assert list(frame.columns) == list(flatten(SECTION.compute(inputs_of(bars)), "trend"))
    assert frame.index.equals(bars.index)
    assert frame["trend.crowded"].dtype == object
    assert set(frame["trend.crowded"].map(repr)) <= {"True", "False", "None"}
    assert (frame.drop(columns="trend.crowded").dtypes == np.float64).all()


def test_no_bars_no_readings() -> None:
    empty = walk(0, 1)
    frame = readings(empty)
    assert frame.empty and list(frame.columns) == list(readings(walk(10, 1)).columns)
    absent = Inputs(
        SETTINGS,
        CycleData(bars={}, members=None, state="REPLAY", detail=None, close_time=close_time),
        None,
        {},
        Registry((SECTION,)),
        {},
        {},
    )
    assert SECTION.readings is not None and SECTION.readings(absent).empty


# --- no look-ahead, today is the last row ---------------------------------------------


def cuts(n: int, seed: int, count: int = 30) -> list[int]:
    """Cut points: the edges of each reading's history, and a seeded random sample."""
    edges = [0, 1, 20, 21, 62, 63, 64, 252, 253, 257, 258, 503, 504, 505, n - 1]
    sample = np.random.default_rng(seed).choice(n, count, replace=False).tolist()
    return sorted({t for t in [*edges, *sample] if 0 <= t < n})


@pytest.mark.parametrize("gaps", [False, True])
def test_the_readings_of_a_cut_history_are_the_whole_historys(gaps: bool) -> None:
    bars = walk(900, 7, gaps=gaps)
    whole = readings(bars)
    invalid = np.flatnonzero(~(bars["close"].to_numpy() > 0))  # NaN or zero
    assert len(invalid) > 10 if gaps else len(invalid) == 0
    for t in sorted({*cuts(len(bars), 7), *invalid.tolist()}):
        pd.testing.assert_frame_equal(
            readings(bars.iloc[: t + 1]), whole.iloc[: t + 1], check_exact=True, check_freq=False
        )


@st.composite
def bars_and_cut(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.one_of(st.integers(1, 300), st.integers(500, 700)))
    bars = walk(n, draw(st.integers(0, 2**32 - 1)), gaps=draw(st.booleans()))
    return bars, draw(st.integers(0, n - 1))


@settings(max_examples=40, deadline=None)
@given(bars_and_cut())
def test_no_look_ahead(case: tuple[pd.DataFrame, int]) -> None:
    bars, t = case
    cut = readings(bars.iloc[: t + 1])
    pd.testing.assert_frame_equal(
        cut, readings(bars).iloc[: t + 1], check_exact=True, check_freq=False
    )
    assert flatten(SECTION.compute(inputs_of(bars.iloc[: t + 1])), "trend") == latest(cut)


@pytest.mark.parametrize("gaps", [False, True])
def test_todays_model_is_the_last_row(gaps: bool) -> None:
    bars = walk(700, 11, gaps=gaps)
    for t in cuts(len(bars), 11):
        cut = bars.iloc[: t + 1]
        model = SECTION.compute(inputs_of(cut))
        assert flatten(model, "trend") == latest(readings(cut))
        assert [s.lookback_days for s in model.signals] == [21, 63, 126, 252]


def test_a_session_without_a_valid_close_reads_as_the_last_with_one() -> None:
    bars = walk(620, 5)
    bars.loc[bars.index[600], "close"] = np.nan
    bars.loc[bars.index[610], "close"] = -1.0
    bars.loc[bars.index[619], "close"] = np.nan  # a partial last row
    frame = readings(bars)
    for missing in (600, 610, 619):
        assert latest(frame.iloc[: missing + 1]) == latest(frame.iloc[:missing])
    last = SECTION.compute(inputs_of(bars))
    earlier = SECTION.compute(inputs_of(bars.iloc[:619]))
    assert last.model_copy(update={"status": earlier.status}) == earlier
    assert last.status.as_of == close_time(bars.index[-1].date())  # dated at the last bar
    leading = walk(300, 5)
    leading.loc[leading.index[:3], "close"] = np.nan
    assert readings(leading).iloc[:3].isna().all().all()
    assert readings(leading).iloc[:3]["trend.crowded"].tolist() == [None] * 3


# --- every reading against the formulas -----------------------------------------------


def test_every_reading_against_the_formulas() -> None:
    bars = walk(800, 3)
    frame = readings(bars)
    closes = bars["close"].to_numpy()
    for t in cuts(len(bars), 3, count=12):
        expected = trend_at(closes, t)
        found = latest(frame.iloc[: t + 1])
        assert found.keys() == expected.keys()
        wrong = {k: (found[k], v) for k, v in expected.items() if not same(found[k], v)}
        assert not wrong, f"session {t}: {wrong}"


def test_crowded_readings_after_a_flat_year() -> None:
    calm = 4000.0 * np.exp(np.cumsum(np.where(np.arange(560) % 2 == 0, 0.006, -0.006)))
    calm[500:] = calm[499] * np.exp(np.cumsum(np.full(60, 0.003)))
    bars = pd.DataFrame({"close": calm}, index=pd.bdate_range("2019-01-02", periods=560))
    frame = readings(bars)
    assert frame["trend.crowded"].iloc[-1] is True
    assert frame["trend.crowded"].iloc[503] is None and frame["trend.crowded"].iloc[504] is False
    expected = trend_at(calm, 559)
    assert same(
        frame["trend.exposure_percentile_1y"].iloc[-1], expected["trend.exposure_percentile_1y"]
    )


# --- the warm-up ----------------------------------------------------------------------


def test_warmup_is_the_history_every_reading_needs() -> None:
    assert SECTION.warmup == WARMUP == history_needed() - 1
    frame = readings(walk(1400, 9))
    assert frame["trend.exposure_percentile_1y"].first_valid_index() == frame.index[WARMUP]
    assert frame["trend.exposure_pct"].first_valid_index() == frame.index[252]
    complete = frame.drop(columns=["trend.nearest_flip_above", "trend.nearest_flip_below"])
    assert complete.iloc[WARMUP:].notna().all().all()


def test_after_the_warmup_a_later_start_changes_nothing() -> None:
    bars = walk(1400, 9)
    whole = readings(bars)
    for start in (1, 137, 600):
        later = readings(bars.iloc[start:])
        pd.testing.assert_frame_equal(
            later.iloc[WARMUP:], whole.iloc[start + WARMUP :], check_exact=True, check_freq=False
        )


# --- real data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    from core.sources.files import read_bars_csv

    return read_bars_csv(require_market_data("GSPC.csv") / "GSPC.csv")


@pytest.fixture(scope="module")
def gspc_readings(gspc: pd.DataFrame) -> pd.DataFrame:
    return readings(gspc)


def test_sp500_since_1927_against_the_formulas(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame
) -> None:
    closes = gspc["close"].to_numpy()
    assert np.isfinite(closes).all() and (closes > 0).all()  # every close is valid
    rng = np.random.default_rng(1928)
    sessions = [
        *gspc.index.get_indexer(pd.to_datetime(["2026-01-28", "2026-02-05"])).tolist(),
        *rng.integers(WARMUP, len(gspc), 10).tolist(),
    ]
    for t in sessions:
        expected = trend_at(closes, int(t))
        found = latest(gspc_readings.iloc[: int(t) + 1])
        wrong = {k: (found[k], v) for k, v in expected.items() if not same(found[k], v)}
        assert not wrong, f"{gspc.index[t].date()}: {wrong}"


@pytest.mark.parametrize("as_of", ["2026-01-28", "2026-02-05"])
def test_sp500_replayed_close_is_the_historys_row(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame, as_of: str
) -> None:
    cut = gspc.loc[:as_of]
    model = SECTION.compute(inputs_of(cut))
    assert flatten(model, "trend") == latest(gspc_readings.loc[:as_of])
    assert model.status.detail is None
    close = cut["close"]
    for signal in model.signals:
        assert signal.flip_level == close.iloc[-signal.lookback_days]  # L - 1 sessions back
    print(f"\n{as_of} trend: {SECTION.text(model)[0]}")
