"""The RSI section's readings as history (`core.sections.rsi.readings`): one column per
reading of the model, named as `core.columns` names them; no look-ahead (the readings of
the history cut at any session equal the whole history's up to it); today's model is
the last row, its pivots and chart read from the same timeline; a session without a
close reads as the last one with it; the RSI against TA-Lib and the divergences against
the slow reference reading of the rules (tests/signals/oracles.py) on a random walk and
on the S&P 500 since 1927; and the warm-up, after which a later start changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import NEW_YORK
from core.columns import flatten
from core.config import Settings
from core.section import CycleData, Inputs, Registry, latest
from core.sections.rsi import RSI_CONVERGED, SECTION, WARMUP, RsiSection
from tests.market_data import require_market_data
from tests.signals.oracles import Reference, reference_state

SETTINGS = Settings()
INDEX = SETTINGS.symbols.index
RULES = {"left": 5, "right": 5, "min_gap": 5, "max_gap": 60, "active_sessions": 20}
DIVERGENCE_COLUMNS = [
    f"rsi.{name}.{reading}"
    for name in ("divergence", "hidden_divergence")
    for reading in ("kind", "confirmed_on", "sessions_active")
]


def close_time(session: date) -> datetime:
    return datetime.combine(session, time(16), tzinfo=NEW_YORK)


def inputs_of(bars: dict[str, pd.DataFrame]) -> Inputs:
    cycle = CycleData(bars=bars, members=None, state="REPLAY", detail=None, close_time=close_time)
    return Inputs(SETTINGS, cycle, None, {}, Registry((SECTION,)), {}, {})


def readings(bars: pd.DataFrame) -> pd.DataFrame:
    assert SECTION.readings is not None
    return SECTION.readings(inputs_of({INDEX: bars}))


def compute(bars: pd.DataFrame) -> RsiSection:
    return SECTION.compute(inputs_of({INDEX: bars}))


def walk(n: int, seed: int, *, gaps: bool = False) -> pd.DataFrame:
    """n daily bars of a random walk from 4,000 (closes in cents, so equal closes happen
    now and then); with `gaps`, about 2% of the closes missing."""
    rng = np.random.default_rng(seed)
    closes = np.round(4000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), 2)
    if gaps:
        closes[rng.random(n) < 0.02] = np.nan
    index = pd.bdate_range("2019-01-02", periods=n, name="date")
    return pd.DataFrame({"open": closes, "high": closes, "low": closes, "close": closes}, index)


def interesting(frame: pd.DataFrame, n: int, seed: int, count: int = 40) -> list[int]:
    """Sessions to cut at: the first ones, the divergences' confirmations, last active
    sessions and first sessions after them, and a seeded random sample."""
    active = (
        frame["rsi.divergence.kind"].notna() | frame["rsi.hidden_divergence.kind"].notna()
    ).to_numpy()
    edges = np.flatnonzero(np.diff(active.astype(np.int8)) != 0)
    rng = np.random.default_rng(seed)
    around = rng.permutation(np.unique(np.r_[edges, edges + 1]))[:count].tolist()
    sample = rng.choice(n, count, replace=False).tolist()
    return sorted({t for t in [0, 1, 13, 14, 15, *around, *sample, n - 1] if 0 <= t < n})


# --- the columns ----------------------------------------------------------------------


def test_one_column_per_reading_named_by_its_json_path() -> None:
    bars = walk(600, 1)
    frame = readings(bars)
    expected = ["rsi.period", "rsi.value", *DIVERGENCE_COLUMNS]
    assert list(frame.columns) == sorted(expected, key=expected.index)
    assert list(frame.columns) == list(flatten(compute(bars), "rsi"))
    assert frame.index.equals(bars.index)
    assert frame["rsi.period"].dtype == np.int64 and (frame["rsi.period"] == 14).all()
    assert frame["rsi.value"].dtype == np.float64
    for name in ("divergence", "hidden_divergence"):
        kind = frame[f"rsi.{name}.kind"]
        confirmed = frame[f"rsi.{name}.confirmed_on"]
        assert kind.dtype == object and confirmed.dtype == object
        assert set(kind.map(repr)) <= {"'bearish'", "'bullish'", "None"}
        assert all(type(day) is date for day in confirmed.dropna())
        assert frame[f"rsi.{name}.sessions_active"].dtype == np.float64
        assert (kind.isna() == confirmed.isna()).all()
        assert (kind.isna() == frame[f"rsi.{name}.sessions_active"].isna()).all()


def test_no_bars_no_readings() -> None:
    assert readings(walk(0, 1)).empty
    assert list(readings(walk(0, 1)).columns) == list(readings(walk(5, 1)).columns)
    assert SECTION.readings is not None and SECTION.readings(inputs_of({})).empty


# --- no look-ahead, today is the last row ---------------------------------------------


@pytest.mark.parametrize("gaps", [False, True])
def test_the_readings_of_a_cut_history_are_the_whole_historys(gaps: bool) -> None:
    bars = walk(1200, 7, gaps=gaps)
    whole = readings(bars)
    assert whole["rsi.divergence.kind"].notna().sum() > 100  # the walk does diverge
    missing = np.flatnonzero(bars["close"].isna().to_numpy()).tolist()
    for t in sorted({*interesting(whole, len(bars), 7), *missing}):
        pd.testing.assert_frame_equal(
            readings(bars.iloc[: t + 1]), whole.iloc[: t + 1], check_exact=True, check_freq=False
        )


@st.composite
def bars_and_cut(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.one_of(st.integers(1, 60), st.integers(150, 500)))
    bars = walk(n, draw(st.integers(0, 2**32 - 1)), gaps=draw(st.booleans()))
    return bars, draw(st.integers(0, n - 1))


@settings(max_examples=60, deadline=None)
@given(bars_and_cut())
def test_no_look_ahead(case: tuple[pd.DataFrame, int]) -> None:
    bars, t = case
    cut = readings(bars.iloc[: t + 1])
    pd.testing.assert_frame_equal(
        cut, readings(bars).iloc[: t + 1], check_exact=True, check_freq=False
    )
    assert flatten(compute(bars.iloc[: t + 1]), "rsi") == latest(cut)


@pytest.mark.parametrize("gaps", [False, True])
def test_todays_model_is_the_last_row(gaps: bool) -> None:
    bars = walk(700, 11, gaps=gaps)
    whole = readings(bars)
    for t in interesting(whole, len(bars), 11):
        cut = bars.iloc[: t + 1]
        model = compute(cut)
        assert flatten(model, "rsi") == latest(whole.iloc[: t + 1])
        for name in ("divergence", "hidden_divergence"):
            found = getattr(model, name)
            assert len(found.pivots) == (0 if found.kind is None else 2)
            if found.kind is not None:  # the later pivot is confirmed `right` bars on
                assert found.pivots[1].confirmed_on == found.confirmed_on


def test_a_session_without_a_close_reads_as_the_last_with_one() -> None:
    bars = walk(400, 5)
    bars.loc[bars.index[300], "close"] = np.nan
    bars.loc[bars.index[399], "close"] = np.nan  # a partial last row
    frame = readings(bars)
    for missing in (300, 399):
        assert latest(frame.iloc[: missing + 1]) == latest(frame.iloc[:missing])
    last, earlier = compute(bars), compute(bars.iloc[:399])
    assert last.model_copy(update={"status": earlier.status}) == earlier
    assert last.status.as_of == close_time(bars.index[-1].date())  # dated at the last bar
    assert last.history.dates[-1] == bars.index[398].date()  # the chart ends at a close
    assert last.history.values[-1 - 98] is None  # no RSI on the bar without a close
    leading = walk(100, 5)
    leading.loc[leading.index[:3], "close"] = np.nan
    assert readings(leading).iloc[:3].drop(columns="rsi.period").isna().all().all()


# --- against the oracles --------------------------------------------------------------


def check_against_oracles(bars: pd.DataFrame, frame: pd.DataFrame, sessions: list[int]) -> int:
    """The rows of `frame` at `sessions` against TA-Lib's RSI and the reference reading of
    the divergence rules on the 400 sessions up to each; returns how many reported one."""
    close = bars["close"].to_numpy(dtype=np.float64)
    oracle = talib.RSI(close, 14)
    reported = 0
    for t in sessions:
        row = frame.iloc[t]
        assert row["rsi.value"] == pytest.approx(oracle[t], abs=1e-8)
        start = max(0, t - 399)
        found = reference_state(close[start : t + 1], oracle[start : t + 1], t - start, RULES)
        for name, ref in zip(("divergence", "hidden_divergence"), found, strict=True):
            assert reading_of(row, name) == expected_reading(ref, start, t, bars.index)
            reported += ref.kind is not None
    return reported


def reading_of(row: pd.Series, name: str) -> tuple[object, ...]:
    values = [row[f"rsi.{name}.{reading}"] for reading in ("kind", "confirmed_on")]
    active = row[f"rsi.{name}.sessions_active"]
    return (*values, None if np.isnan(active) else int(active))


def expected_reading(ref: Reference, start: int, t: int, index: pd.Index) -> tuple[object, ...]:
    if ref.kind is None:
        return (None, None, None)
    confirmed = start + ref.confirmed
    return (ref.kind, pd.Timestamp(index[confirmed]).date(), t - confirmed)


def test_a_long_walk_against_talib_and_the_reference() -> None:
    bars = walk(1500, 3)
    frame = readings(bars)
    sessions = interesting(frame, len(bars), 3, count=60)
    assert check_against_oracles(bars, frame, [t for t in sessions if t >= 14]) >= 20


# --- the warm-up ----------------------------------------------------------------------


def test_warmup_is_the_rsis_convergence_plus_the_oldest_pivot() -> None:
    assert RSI_CONVERGED == 14 + 311  # (13/14)^311 < 1e-10 <= (13/14)^310
    assert (13 / 14) ** 311 < 1e-10 <= (13 / 14) ** 310
    assert SECTION.warmup == WARMUP == RSI_CONVERGED + 19 + 5 + 60


@pytest.mark.parametrize("start", [1, 250, 900])
def test_after_the_warmup_a_later_start_changes_nothing(start: int) -> None:
    bars = walk(2000, 9)
    whole = readings(bars).iloc[start + WARMUP :]
    later = readings(bars.iloc[start:]).iloc[WARMUP:]
    np.testing.assert_allclose(later["rsi.value"], whole["rsi.value"], rtol=0, atol=1e-8)
    pd.testing.assert_frame_equal(
        later[DIVERGENCE_COLUMNS], whole[DIVERGENCE_COLUMNS], check_exact=True, check_freq=False
    )


# --- real data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    from core.sources.files import read_bars_csv

    return read_bars_csv(require_market_data("GSPC.csv") / "GSPC.csv")


@pytest.fixture(scope="module")
def gspc_readings(gspc: pd.DataFrame) -> pd.DataFrame:
    return readings(gspc)


def test_sp500_since_1927_rsi_is_talibs(gspc: pd.DataFrame, gspc_readings: pd.DataFrame) -> None:
    oracle = talib.RSI(gspc["close"].to_numpy(dtype=np.float64), 14)
    np.testing.assert_allclose(gspc_readings["rsi.value"], oracle, rtol=0, atol=1e-8)


def test_sp500_divergences_against_the_reference(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame
) -> None:
    sessions = interesting(gspc_readings, len(gspc), 1928, count=40)
    assert check_against_oracles(gspc, gspc_readings, [t for t in sessions if t >= 14]) >= 10


def test_sp500_bearish_divergence_into_7000(gspc_readings: pd.DataFrame) -> None:
    """Higher high in price (2026-01-12, 2026-01-27), lower high in RSI, known from
    2026-02-03 and not a session earlier; still active on 2026-02-05."""
    column = gspc_readings["rsi.divergence.confirmed_on"]
    assert column.loc["2026-02-02"] != date(2026, 2, 3)
    on = gspc_readings.loc["2026-02-03"]
    assert (on["rsi.divergence.kind"], on["rsi.divergence.confirmed_on"]) == (
        "bearish",
        date(2026, 2, 3),
    )
    assert on["rsi.divergence.sessions_active"] == 0
    assert gspc_readings.loc["2026-02-05", "rsi.divergence.sessions_active"] == 2


@pytest.mark.parametrize("as_of", ["2026-01-28", "2026-02-05"])
def test_sp500_replayed_close_is_the_historys_row(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame, as_of: str
) -> None:
    model = compute(gspc.loc[:as_of])
    assert flatten(model, "rsi") == latest(gspc_readings.loc[:as_of])
    print(f"\n{as_of} " + " | ".join(SECTION.text(model)))


def test_sp500_after_the_warmup_a_later_start_changes_nothing(
    gspc: pd.DataFrame, gspc_readings: pd.DataFrame
) -> None:
    later = readings(gspc.loc["1990":]).iloc[WARMUP:]
    whole = gspc_readings.loc[later.index]
    np.testing.assert_allclose(later["rsi.value"], whole["rsi.value"], rtol=0, atol=1e-8)
    pd.testing.assert_frame_equal(later[DIVERGENCE_COLUMNS], whole[DIVERGENCE_COLUMNS])
