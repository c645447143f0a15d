"""Dealer gamma (core/signals/gamma.py): Black-Scholes gamma against hand-computed
values, the vectorised computation against a plain per-contract loop on a real SPX chain,
the issue's proof on Cboe's quotedata export of 2024-01-07 (zero gamma within 1 point of
the published 4,734, the published -11.00 $bn total from the file's own Gamma column),
the sign conventions, the expiry cutoff and session counts, and None (never an
exception) for an empty chain, a chain with every contract excluded and a profile with
no sign change. Real chains are read with core/options/files.py; the rest are built here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from core.options.chain import COLUMNS, OptionChain, empty_contracts
from core.options.files import read_chain
from core.signals.gamma import (
    EXCLUSION_REASONS,
    bs_gamma,
    expired_mask,
    gamma_reading,
    sessions_to_expiry,
    source_gamma_total_bn,
    years_to_expiry,
)
from tests.market_data import require_market_data

NY = ZoneInfo("America/New_York")
REAL_SESSION = "2026-08-14"
QUOTEDATA = "options/reference/spx_quotedata_2024-01-07.csv"


def contracts(rows: list[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    """(expiry, kind, strike, implied_vol, open_interest) rows as a contracts frame."""
    frame = pd.DataFrame(rows, columns=["expiry", "kind", "strike", "implied_vol", "open_interest"])
    frame["expiry"] = pd.to_datetime(frame["expiry"])
    for column in ("gamma", "bid", "ask", "volume"):
        frame[column] = np.nan
    return frame.loc[:, list(COLUMNS)]


def chain_of(
    rows: list[tuple[str, str, float, float, float]],
    spot: float = 100.0,
    as_of: datetime = datetime(2026, 8, 14, 16, 14, 59, tzinfo=NY),
) -> OptionChain:
    return OptionChain("^SPX", as_of, spot, contracts(rows), "test")


def real_chain(session: str = REAL_SESSION) -> OptionChain:
    """A session chain of options/SPX/ (as of 16:14:59 New York, spot from index.csv)."""
    root = require_market_data(f"options/SPX/{session}.csv", "options/SPX/index.csv")
    return read_chain(root / "options" / "SPX" / f"{session}.csv")


def quotedata_chain() -> OptionChain:
    """Cboe's export: spot on line 2 (`Last: 4697.2402`), quotes of Friday 2024-01-05's
    close, dated Sunday 2024-01-07 10:52 AM; calls and puts side by side."""
    root = require_market_data(QUOTEDATA)
    return read_chain(root / QUOTEDATA)


# --- Black-Scholes gamma --------------------------------------------------------------


def test_bs_gamma_at_the_money_by_hand() -> None:
    # S = K = 100, σ = 0.2, T = 1: d1 = 0.1, φ(0.1) = 0.3969525474770118, Γ = φ / 20.
    value = bs_gamma(100.0, np.array([100.0]), np.array([0.2]), np.array([1.0]))
    assert value[0] == pytest.approx(0.3969525474770118 / 20.0, rel=1e-12)


def test_bs_gamma_against_the_formula_written_out() -> None:
    spot, strike, vol, years = 4697.24, 4750.0, 0.13, 5 / 262
    d1 = (math.log(spot / strike) + vol * vol * years / 2) / (vol * math.sqrt(years))
    expected = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi) / (spot * vol * math.sqrt(years))
    got = bs_gamma(spot, np.array([strike]), np.array([vol]), np.array([years]))[0]
    assert got == pytest.approx(expected, rel=1e-12)


# --- time to expiry, the expiry cutoff, sessions ----------------------------------------


def days(*dates: str) -> np.ndarray:
    return np.array(dates, dtype="datetime64[D]")


def test_years_to_expiry_counts_weekdays_with_a_one_day_floor() -> None:
    sunday = datetime(2024, 1, 7, 10, 52, tzinfo=NY)
    # Mon 8th: 0 weekdays from Sunday, floored to 1; Tue 9th: 1 (Monday); Fri 12th: 4.
    got = years_to_expiry(days("2024-01-08", "2024-01-09", "2024-01-12"), sunday)
    np.testing.assert_allclose(got, np.array([1, 1, 4]) / 262)
    friday_close = datetime(2026, 8, 14, 16, 14, 59, tzinfo=NY)
    got = years_to_expiry(days("2026-08-17", "2026-08-21", "2026-09-18"), friday_close)
    np.testing.assert_allclose(got, np.array([1, 5, 25]) / 262)


def test_same_day_expiry_expires_at_the_close_new_york() -> None:
    expiry = days("2026-08-13", "2026-08-14", "2026-08-17")
    before_close = datetime(2026, 8, 14, 15, 59, 59, tzinfo=NY)
    after_close = datetime(2026, 8, 14, 16, 14, 59, tzinfo=NY)
    assert expired_mask(expiry, before_close).tolist() == [True, False, False]
    assert expired_mask(expiry, after_close).tolist() == [True, True, False]
    # 20:14:59 UTC is 16:14:59 in New York (summer time): expired.
    utc = datetime(2026, 8, 14, 20, 14, 59, tzinfo=ZoneInfo("UTC"))
    assert expired_mask(expiry, utc).tolist() == [True, True, False]
    # A naive as-of is New York time.
    assert expired_mask(expiry, datetime(2026, 8, 14, 12, 0)).tolist() == [True, False, False]


def test_sessions_to_expiry() -> None:
    expiry = days("2026-08-14", "2026-08-17", "2026-08-21", "2026-08-24")
    during = datetime(2026, 8, 14, 11, 0, tzinfo=NY)
    after = datetime(2026, 8, 14, 16, 14, 59, tzinfo=NY)
    sunday = datetime(2026, 8, 16, 10, 0, tzinfo=NY)
    assert sessions_to_expiry(expiry, during).tolist() == [1, 2, 6, 7]
    assert sessions_to_expiry(expiry[1:], after).tolist() == [1, 5, 6]
    assert sessions_to_expiry(expiry[1:], sunday).tolist() == [1, 5, 6]


# --- signs, totals, walls, shares, milestone ------------------------------------------


def test_calls_count_plus_and_puts_minus() -> None:
    call = ("2026-08-21", "call", 100.0, 0.2, 1000.0)
    put = ("2026-08-21", "put", 100.0, 0.2, 1000.0)
    calls_only = gamma_reading(chain_of([call]))
    puts_only = gamma_reading(chain_of([put]))
    assert calls_only.total_gex_bn is not None and calls_only.total_gex_bn > 0
    assert calls_only.regime == "positive" and calls_only.put_gex_bn == 0.0
    assert puts_only.total_gex_bn == pytest.approx(-calls_only.total_gex_bn, rel=1e-12)
    assert puts_only.regime == "negative"
    # The per-contract figure: Γ × OI × 100 × S² × 0.01 / 1e9.
    gamma = bs_gamma(100.0, np.array([100.0]), np.array([0.2]), np.array([5 / 262]))[0]
    assert calls_only.call_gex_bn == pytest.approx(gamma * 1000 * 100 * 100**2 * 0.01 / 1e9)
    both = gamma_reading(chain_of([call, put]))
    assert both.total_gex_bn == pytest.approx(0.0, abs=1e-15)


def test_one_sign_throughout_has_no_flip_and_says_why() -> None:
    reading = gamma_reading(chain_of([("2026-08-21", "call", 100.0, 0.2, 1000.0)]))
    assert reading.zero_gamma is None and reading.zero_gamma_distance_pct is None
    assert "no sign change" in reading.why["zero_gamma"]
    assert "positive throughout" in reading.why["zero_gamma"]
    assert len(reading.profile_spot) == len(reading.profile_gex_bn) == 161
    assert reading.profile_spot[80] == 100.0
    assert reading.profile_gex_bn[80] == pytest.approx(reading.total_gex_bn, rel=1e-12)


def test_flip_is_the_root_of_the_repriced_profile_nearest_spot() -> None:
    # Puts at 95, calls at 105, equal size: the profile crosses 0 between them, at 100
    # only by symmetry in log-space, so the root is found, not assumed.
    rows = [
        ("2026-08-21", "put", 95.0, 0.2, 1000.0),
        ("2026-08-21", "call", 105.0, 0.2, 1000.0),
        ("2026-08-21", "call", 120.0, 0.2, 3000.0),
    ]
    reading = gamma_reading(chain_of(rows, spot=101.0))
    assert reading.zero_gamma is not None
    flip = reading.zero_gamma
    assert 95.0 < flip < 105.0
    # Re-price a single-level chain at the flip and either side of it.
    probe = [
        gamma_reading(chain_of(rows, spot=level)).total_gex_bn
        for level in (flip - 0.01, flip + 0.01)
    ]
    assert probe[0] is not None and probe[1] is not None and probe[0] < 0 < probe[1]
    at_flip = gamma_reading(chain_of(rows, spot=flip)).total_gex_bn
    assert at_flip is not None and abs(at_flip) < 1e-2 * abs(probe[1] - probe[0])
    assert reading.zero_gamma_distance_pct == pytest.approx((flip / 101.0 - 1) * 100)


def test_walls_shares_and_milestone() -> None:
    rows = [
        ("2026-08-17", "call", 7000.0, 0.15, 5000.0),
        ("2026-08-21", "call", 7000.0, 0.15, 5000.0),
        ("2026-08-21", "call", 7100.0, 0.15, 1000.0),
        ("2026-08-21", "put", 6800.0, 0.20, 8000.0),
        ("2026-09-18", "put", 6900.0, 0.18, 1000.0),
    ]
    reading = gamma_reading(chain_of(rows, spot=6950.0))
    assert reading.call_wall == 7000.0 and reading.put_wall == 6800.0
    assert reading.call_wall_distance_pct == pytest.approx((7000 / 6950 - 1) * 100)
    assert reading.put_wall_distance_pct == pytest.approx((6800 / 6950 - 1) * 100)
    assert reading.milestone_strike == 7000.0 and reading.milestone_strike_rank == 1
    assert reading.milestone_gex_bn == pytest.approx(float(reading.net_by_strike[2]))
    assert reading.strikes.tolist() == [6800.0, 6900.0, 7000.0, 7100.0]
    assert reading.expiries_used == 3 and reading.contracts_used == 5
    by_expiry = dict(zip(reading.expiries.astype(str), reading.net_by_expiry, strict=True))
    absolute = np.abs(reading.call_by_expiry) + np.abs(reading.put_by_expiry)
    # Monday the 17th is 1 session from Friday's close, the 21st 5, September's 25.
    assert reading.share_within_1_session == pytest.approx(absolute[0] / absolute.sum())
    assert reading.share_within_5_sessions == pytest.approx(absolute[:2].sum() / absolute.sum())
    assert by_expiry["2026-09-18"] < 0
    assert reading.total_gex_bn == pytest.approx(float(reading.net_by_strike.sum()))
    assert reading.total_gex_bn == pytest.approx(float(reading.net_by_expiry.sum()))


def test_milestone_strike_absent_from_the_chain_is_none_with_why() -> None:
    reading = gamma_reading(chain_of([("2026-08-21", "call", 6900.0, 0.15, 10.0)], spot=6950.0))
    assert reading.milestone_strike == 7000.0
    assert reading.milestone_gex_bn is None and reading.milestone_strike_rank is None
    assert "7,000" in reading.why["milestone_gex_bn"]


# --- exclusions and empty chains ------------------------------------------------------


def test_exclusions_counted_by_first_reason() -> None:
    rows = [
        ("2026-08-14", "call", 100.0, 0.2, 10.0),  # expired at 16:14:59 that day
        ("2026-08-13", "put", 100.0, float("nan"), 0.0),  # expired (first reason)
        ("2026-08-21", "call", 100.0, float("nan"), 10.0),  # no implied vol
        ("2026-08-21", "put", 100.0, 0.0, 10.0),  # implied vol 0
        ("2026-08-21", "call", 105.0, 0.2, 0.0),  # no open interest
        ("2026-08-21", "put", 105.0, 0.2, float("nan")),  # no open interest
        ("2026-08-21", "straddle", 105.0, 0.2, 10.0),  # not a contract
        ("2026-08-21", "call", 110.0, 0.2, 10.0),  # used
    ]
    reading = gamma_reading(chain_of(rows))
    assert reading.contracts_used == 1 and reading.contracts_excluded == 7
    assert dict(reading.excluded_by_reason) == {
        "expired": 2,
        "invalid_row": 1,
        "no_implied_vol": 2,
        "no_open_interest": 2,
    }


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ([], "no contracts in the chain"),
        ([("2026-08-21", "call", 100.0, float("nan"), 10.0)], "every contract excluded"),
        ([("2026-08-14", "put", 100.0, 0.2, 10.0)], "every contract excluded"),
    ],
)
def test_nothing_used_gives_none_never_an_exception(
    rows: list[tuple[str, str, float, float, float]], why: str
) -> None:
    reading = gamma_reading(chain_of(rows))
    for name in ("total_gex_bn", "regime", "zero_gamma", "call_wall", "put_wall"):
        assert getattr(reading, name) is None
        assert reading.why[name] == why
    assert reading.contracts_used == 0 and reading.contracts_excluded == len(rows)
    assert len(reading.profile_spot) == 0 and reading.expiries_used == 0


def test_standard_empty_frame_and_missing_spot() -> None:
    as_of = datetime(2026, 8, 14, 16, 14, 59, tzinfo=NY)
    empty = OptionChain("^SPX", as_of, 100.0, empty_contracts(), "test")
    assert gamma_reading(empty).total_gex_bn is None
    no_spot = chain_of([("2026-08-21", "call", 100.0, 0.2, 10.0)], spot=float("nan"))
    reading = gamma_reading(no_spot)
    assert reading.total_gex_bn is None and reading.why["zero_gamma"] == "no spot price"
    assert reading.contracts_excluded == 1


# --- real chains ----------------------------------------------------------------------


@dataclass
class LoopResult:
    calls: float = 0.0
    puts: float = 0.0
    by_strike: dict[float, float] = field(default_factory=dict)
    by_expiry: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUSION_REASONS, 0))
    at_levels: list[float] = field(default_factory=list)


def loop_exposure(
    spot: float, strike: float, vol: float, years: float, sign: float, open_interest: float
) -> float:
    vol_t = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + vol_t * vol_t / 2) / vol_t
    gamma = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi) / (spot * vol_t)
    return sign * gamma * open_interest * 100 * spot * spot * 0.01 / 1e9


def loop_reading(chain: OptionChain, levels: list[float]) -> LoopResult:
    """The computation written plainly, one contract at a time."""
    local = chain.as_of.astimezone(NY)
    today = local.date()
    after_close = local.hour >= 16
    out = LoopResult(at_levels=[0.0] * len(levels))
    frame = chain.contracts
    expiries: list[date] = [stamp.date() for stamp in pd.to_datetime(frame["expiry"])]
    kinds: list[str] = frame["kind"].astype(str).tolist()
    strikes: list[float] = frame["strike"].astype(float).tolist()
    vols: list[float] = frame["implied_vol"].astype(float).tolist()
    interest: list[float] = frame["open_interest"].astype(float).tolist()
    for expiry, kind, strike, vol, open_interest in zip(
        expiries, kinds, strikes, vols, interest, strict=True
    ):
        if expiry < today or (expiry == today and after_close):
            out.reasons["expired"] += 1
            continue
        if not vol > 0:
            out.reasons["no_implied_vol"] += 1
            continue
        if not open_interest > 0:
            out.reasons["no_open_interest"] += 1
            continue
        years = max(int(np.busday_count(today, expiry)), 1) / 262
        sign = 1.0 if kind == "call" else -1.0
        value = loop_exposure(chain.spot, strike, vol, years, sign, open_interest)
        if sign > 0:
            out.calls += value
        else:
            out.puts += value
        out.by_strike[strike] = out.by_strike.get(strike, 0.0) + value
        out.by_expiry[str(expiry)] = out.by_expiry.get(str(expiry), 0.0) + value
        for i, level in enumerate(levels):
            out.at_levels[i] += loop_exposure(level, strike, vol, years, sign, open_interest)
    return out


def test_vectorised_equals_a_plain_loop_on_a_real_chain() -> None:
    chain = real_chain()
    reading = gamma_reading(chain)
    some = [0, 40, 80, 120, 160]
    expected = loop_reading(chain, reading.profile_spot[some].tolist())
    assert reading.call_gex_bn == pytest.approx(expected.calls, rel=1e-9)
    assert reading.put_gex_bn == pytest.approx(expected.puts, rel=1e-9)
    strikes = sorted(expected.by_strike)
    assert reading.strikes.tolist() == strikes
    by_strike = np.array([expected.by_strike[k] for k in strikes])
    np.testing.assert_allclose(reading.net_by_strike, by_strike, rtol=1e-9, atol=1e-15)
    expiries = sorted(expected.by_expiry)
    assert reading.expiries.astype(str).tolist() == expiries
    by_expiry = np.array([expected.by_expiry[e] for e in expiries])
    np.testing.assert_allclose(reading.net_by_expiry, by_expiry, rtol=1e-9)
    assert dict(reading.excluded_by_reason) == expected.reasons
    at_levels = np.array(expected.at_levels)
    np.testing.assert_allclose(reading.profile_gex_bn[some], at_levels, rtol=1e-9)
    # The session's own expiry (2026-08-14) has expired at 16:14:59; many rows have no IV.
    assert np.datetime64(REAL_SESSION) not in reading.expiries
    assert reading.excluded_by_reason["expired"] > 0
    assert reading.excluded_by_reason["no_implied_vol"] > 0


def test_quotedata_zero_gamma_matches_the_published_4734() -> None:
    reading = gamma_reading(quotedata_chain())
    assert reading.spot == pytest.approx(4697.2402)
    assert reading.zero_gamma is not None
    assert abs(reading.zero_gamma - 4734.0) <= 1.0
    assert reading.regime == "negative"  # spot below the flip, net exposure below 0
    # The Friday 2024-01-05 expiry is before the Sunday as-of date: expired, not used.
    assert np.datetime64("2024-01-05") not in reading.expiries


def test_quotedata_total_from_the_files_own_gamma_is_the_published_minus_11() -> None:
    total = source_gamma_total_bn(quotedata_chain())
    assert total is not None and round(total, 2) == -11.00


def test_source_gamma_total_none_without_a_gamma_column() -> None:
    assert source_gamma_total_bn(chain_of([("2026-08-21", "call", 100.0, 0.2, 10.0)])) is None


def test_exposure_underflowing_to_zero_far_from_the_strikes_is_no_flip() -> None:
    # One next-day call at 5 % vol: σ√T ≈ 0.3 %, so 20 % away e^(-d1²/2) is exactly 0.
    reading = gamma_reading(chain_of([("2026-08-17", "call", 100.0, 0.05, 1000.0)]))
    assert reading.profile_gex_bn[0] == 0.0 and reading.profile_gex_bn[-1] == 0.0
    assert reading.zero_gamma is None
    assert "positive throughout" in reading.why["zero_gamma"]


def test_real_session_reading_regression() -> None:
    # 2026-08-14 (the example headline: +31.8 $bn/1%, flip 7,716, -0.9 %).
    reading = gamma_reading(real_chain())
    assert reading.regime == "positive"
    assert reading.total_gex_bn == pytest.approx(31.77, abs=0.01)
    assert reading.zero_gamma == pytest.approx(7716.1, abs=0.1)
    assert reading.zero_gamma_distance_pct == pytest.approx(-0.90, abs=0.01)
    assert reading.call_wall == 7800.0 and reading.milestone_strike == 8000.0
