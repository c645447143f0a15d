"""Simulated option chains: deterministic per seed and session, in the `OptionChain`
contract, with a put-side skew, open interest piled on round strikes and monthlies, and
dealer gamma that is positive on some of the simulated market's sessions and negative on
others, with a flip and walls on ordinary days."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from core.clock import NEW_YORK
from core.options.chain import COLUMNS, KINDS, OptionChain
from core.session import holidays_among
from core.signals.gamma import gamma_reading
from core.sources.sim import SimSource
from core.sources.sim_options import expiry_schedule, simulated_chain

SEED = 7000
SESSION = date(2026, 6, 16)
"""A regular Tuesday; its third Friday, 2026-06-19, is Juneteenth (a holiday), so that
monthly expires on Thursday 2026-06-18."""


def close_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=NEW_YORK)


def chain_on(day: date = SESSION, spot: float = 7000.0, vix: float = 16.0) -> OptionChain:
    return simulated_chain(day, spot, vix, SEED, close_of(day), trend=0.01)


class FixedClock:
    def __call__(self) -> datetime:
        return datetime(2027, 6, 1, 12, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def year_of_sessions() -> pd.DataFrame:
    """A year of the sim's own sessions: close, VIX and 20-session trend of ^GSPC."""
    source = SimSource(seed=SEED, clock=FixedClock(), members=60)
    bars = source.daily_bars(["^GSPC", "^VIX"], date(2025, 11, 1), date(2026, 12, 31))
    close, vix = bars["^GSPC"]["close"], bars["^VIX"]["close"]
    frame = pd.DataFrame({"close": close, "vix": vix, "trend": np.log(close / close.shift(20))})
    return frame.loc["2026-01-01":"2026-12-31"]


def test_same_inputs_same_chain_other_session_other_chain() -> None:
    first, again = chain_on(), chain_on()
    pd.testing.assert_frame_equal(first.contracts, again.contracts)
    other = chain_on(date(2026, 6, 17))
    assert not np.array_equal(
        first.contracts["open_interest"].to_numpy()[:500],
        other.contracts["open_interest"].to_numpy()[:500],
    )
    reseeded = simulated_chain(SESSION, 7000.0, 16.0, SEED + 1, close_of(SESSION), trend=0.01)
    assert not first.contracts["open_interest"].equals(reseeded.contracts["open_interest"])


def test_contract_shape() -> None:
    chain = chain_on()
    frame = chain.contracts
    assert tuple(frame.columns) == COLUMNS
    assert frame["expiry"].dtype == np.dtype("datetime64[ns]")
    assert frame["kind"].dtype == object
    assert set(frame["kind"]) == set(KINDS)
    for column in ("strike", "implied_vol", "open_interest", "gamma", "bid", "ask", "volume"):
        assert frame[column].dtype == np.float64, column
    assert 5000 <= len(frame) <= 10000, len(frame)
    assert chain.underlying == "^SPX" and chain.spot == 7000.0 and chain.source == "sim"
    assert (frame["implied_vol"] > 0).all() and (frame["implied_vol"] < 5).all()
    assert (frame["bid"] <= frame["ask"]).all() and (frame["bid"] >= 0).all()
    assert (frame["strike"] % 5 == 0).all()
    near = frame.loc[(frame["expiry"] == "2026-06-18") & (frame["strike"].between(6800, 7200))]
    assert np.all(np.diff(np.unique(near["strike"])) == 5)

    expiries = np.unique(frame["expiry"].to_numpy(dtype="datetime64[D]"))
    assert np.is_busday(expiries).all()
    assert not holidays_among(expiries).any()
    assert expiries[0] == np.datetime64(SESSION) and expiries[-1] >= np.datetime64("2026-09-01")
    for monthly in ("2026-06-18", "2026-07-17", "2026-08-21", "2026-09-18"):
        assert np.datetime64(monthly) in expiries
    assert np.datetime64("2026-06-19") not in expiries
    assert np.datetime64("2026-06-30") in expiries  # the quarterly


def test_a_holiday_monthly_moves_to_the_session_before() -> None:
    expiries, kinds = expiry_schedule(date(2025, 4, 7))
    assert np.datetime64("2025-04-18") not in expiries  # Good Friday, the third Friday
    assert kinds[list(expiries).index(np.datetime64("2025-04-17"))] == "monthly"


def test_the_smile_is_skewed_to_the_puts() -> None:
    frame = chain_on().contracts
    monthly = frame.loc[(frame["expiry"] == "2026-07-17") & (frame["kind"] == "put")]
    vol = monthly.set_index("strike")["implied_vol"]
    assert vol[6300.0] > vol[6650.0] > vol[7000.0]
    assert vol[6300.0] > vol[7700.0]
    assert vol[6650.0] > vol[7350.0]


def test_open_interest_peaks_at_round_strikes_and_monthlies() -> None:
    frame = chain_on().contracts
    window = frame.loc[frame["strike"].between(6650, 7350)]
    strike = window["strike"]
    classes = {
        "100": strike % 100 == 0,
        "50": (strike % 50 == 0) & (strike % 100 != 0),
        "25": (strike % 25 == 0) & (strike % 50 != 0),
        "other": strike % 25 != 0,
    }
    means = {
        name: float(window.loc[mask, "open_interest"].mean()) for name, mask in classes.items()
    }
    assert means["100"] > means["50"] > means["25"] > means["other"], means

    by_expiry = frame.groupby("expiry")["open_interest"].sum()
    monthly = by_expiry[pd.Timestamp("2026-07-17")]
    for weekly in ("2026-07-10", "2026-07-24"):
        assert monthly > 1.5 * by_expiry[pd.Timestamp(weekly)], (weekly, by_expiry)


def test_gamma_on_a_typical_day_has_a_flip_and_walls() -> None:
    reading = gamma_reading(chain_on())
    assert reading.regime in ("positive", "negative")
    assert reading.zero_gamma is not None, reading.why
    assert abs(reading.zero_gamma / 7000.0 - 1) < 0.1
    assert reading.call_wall is not None and reading.put_wall is not None
    assert reading.call_wall >= reading.put_wall
    assert reading.contracts_used > 4000


def test_both_gamma_regimes_occur_over_a_simulated_year(year_of_sessions: pd.DataFrame) -> None:
    regimes, flips, walls = [], 0, 0
    for stamp, row in year_of_sessions.iterrows():
        day = pd.Timestamp(str(stamp)).date()
        chain = simulated_chain(day, row["close"], row["vix"], SEED, close_of(day), row["trend"])
        reading = gamma_reading(chain)
        regimes.append(reading.regime)
        flips += reading.zero_gamma is not None
        walls += reading.call_wall is not None and reading.put_wall is not None
    sessions = len(regimes)
    positive = regimes.count("positive") / sessions
    negative = regimes.count("negative") / sessions
    message = (
        f"{sessions} sessions of 2026: positive gamma {positive:.0%}, negative {negative:.0%}, "
        f"flip found on {flips / sessions:.0%}, walls on {walls / sessions:.0%}"
    )
    print("\n" + message)
    assert sessions > 240, message
    assert positive >= 0.15 and negative >= 0.15, message
    assert positive + negative == 1.0, message
    assert flips >= 0.8 * sessions and walls == sessions, message
