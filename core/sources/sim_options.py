"""Simulated S&P 500 option chains for the simulated market (issue 10): one `OptionChain`
per session from what the simulation already has — the session's date, the index level
and the VIX at the chain's moment, the seed, and the index's trailing 20-session log
return (`trend`). Expiries: every weekday of the next eight (the dailies; further out only
Fridays, to keep a chain near 9,000 contracts), the Fridays out to six weeks, the monthlies
(third Friday) and the quarterlies (last weekday of March, June, September, December) out
to about three months; an expiry on an NYSE holiday moves to the weekday before or, for a
daily, is not listed (holidays from `core.session.holidays_among`, the real calendar;
past its span every weekday counts as a session). Strikes: every 5 points within a band of
max(4 %, 3 σ√T) of spot (at most 10 %), every 25 points out to 25 %, every 100 out to
40 %, like the real SPX's. Implied vol: ATM = 0.9 × VIX/100 (the VIX, a variance-swap
rate, carries the skew's premium) × (T / 30 days)^β, β = +0.06 (contango) at a VIX of 20
or less, falling to −0.15 at 40 and beyond; times a skewed smile in standardised
moneyness z = ln(K/S) / (ATM √T): 1 + 0.12 (−0.7 z + √(z² + 0.25) − 0.5), higher for
lower strikes, capped at 3 × ATM. Open interest: a two-sided bump per kind in ln(K/S),
in units of σ√T (at least 1.2 %) — calls peaking 1.5 % above spot and spreading upwards,
puts 4 % below and spreading downwards — times a roundness factor (100s ×6, 50s ×3, 25s
×1.8), an expiry factor (quarterly ×5, monthly ×4, Friday ×1.5, other dailies ×0.6) and
log-normal noise; the puts' weight grows with the VIX and after declines (`PUT_BALANCE`),
which is what makes both positive and negative dealer gamma occur over the simulated
history (2026 of seed 7000: about 78 % positive, 22 % negative). The noise draws from a
stream of its own keyed by (seed, tag, session date), so a date's chain depends on the
seed and its inputs alone, never on which other dates were asked for. Bid/ask: the
Black-Scholes price (r = q = 0, the T convention of `core.signals.gamma`) ± half a spread
of max(0.10, 4 % of the price), on a 0.05 tick; volume a fraction of open interest,
larger for short expiries; gamma the Black-Scholes one. Vectorised: a few ms a chain."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Final

import numpy as np
import pandas as pd

from core.options.chain import COLUMNS, KINDS, OptionChain
from core.session import holidays_among
from core.signals.gamma import bs_gamma, years_to_expiry

__all__ = [
    "PUT_BALANCE",
    "UNDERLYING",
    "atm_vol",
    "expiry_schedule",
    "put_balance",
    "simulated_chain",
    "smile",
]

UNDERLYING: Final = "^SPX"
_TAG_OPTIONS: Final = 101
"""The options' stream tag (sim.py's stages use 0-5)."""
_DAILY_SESSIONS: Final = 8
_WEEKLY_DAYS: Final = 42
_HORIZON_DAYS: Final = 95
_VIX_TO_ATM: Final = 0.9
_SKEW_B, _SKEW_RHO, _SKEW_SIGMA = 0.12, -0.7, 0.5
_MAX_VOL_RATIO: Final = 3.0
_ROUND_FACTORS: Final = ((100.0, 6.0), (50.0, 3.0), (25.0, 1.8))
_EXPIRY_FACTORS: Final = {"quarterly": 5.0, "monthly": 4.0, "friday": 1.5, "daily": 0.6}
_BASE_OI: Final = 250.0
_CALL_CENTRE, _CALL_WIDTHS = 0.015, (1.0, 2.0)
_PUT_CENTRE, _PUT_WIDTHS = -0.04, (2.5, 0.6)
"""Where each kind's open interest peaks (ln(K/S)) and its widths below and above the
peak, in units of σ√T (at least 1.2 %): calls mostly above spot, puts below."""
PUT_BALANCE: Final = (0.2, 0.6, 5.0)
"""log(put OI / call OI scale) = a + b × (VIX − 17)/10 − c × trend, clipped to ±1:
more puts when the VIX is high and after declines, fewer after rallies."""


def expiry_schedule(session: date) -> tuple[np.ndarray, np.ndarray]:
    """The expiries listed on `session` (datetime64[D], ascending, the session itself
    first when it is one) and each one's expiry-factor kind (daily, friday, monthly,
    quarterly; the largest that applies)."""
    start = np.datetime64(session, "D")
    days = start + np.arange(_HORIZON_DAYS + 1)
    weekday = np.is_busday(days)
    days = days[weekday]
    offset = (days - start).astype(int)
    ordinal = np.cumsum(np.ones(len(days), dtype=int)) - 1
    stamps = pd.DatetimeIndex(days)
    friday = stamps.day_of_week == 4
    third_friday = friday & (stamps.day >= 15) & (stamps.day <= 21)
    next_weekday = pd.DatetimeIndex(np.busday_offset(days, 1, roll="forward"))
    last_weekday = stamps.month != next_weekday.month
    quarterly = last_weekday & np.isin(stamps.month, (3, 6, 9, 12))
    kind = np.full(len(days), "", dtype=object)
    kind[ordinal < _DAILY_SESSIONS] = "daily"
    kind[friday & (offset <= _WEEKLY_DAYS)] = "friday"
    kind[third_friday] = "monthly"
    kind[quarterly] = "quarterly"
    listed = kind != ""
    days, kind = days[listed], kind[listed]
    holiday = holidays_among(days)
    moved = holiday & (kind != "daily")
    days = np.where(moved, np.busday_offset(days, -1, roll="backward"), days)
    keep = ~holiday | moved
    days, kind = days[keep], kind[keep]
    order = np.argsort(days, kind="stable")
    days, kind = days[order], kind[order]
    unique = np.concatenate(([True], days[1:] != days[:-1]))
    return days[unique], kind[unique]


def atm_vol(vix: float, years: np.ndarray) -> np.ndarray:
    """ATM implied vol for each time to expiry: 0.9 × VIX/100 × (T / 30 days)^β."""
    beta = 0.06 - 0.21 * min(max((vix - 20.0) / 20.0, 0.0), 1.0)
    return _VIX_TO_ATM * vix / 100.0 * (years / (30.0 / 365.0)) ** beta


def smile(log_moneyness: np.ndarray, atm: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The vol ratio to ATM at ln(K/S), higher for lower strikes (see the docstring)."""
    z = log_moneyness / (atm * np.sqrt(years))
    ratio = 1.0 + _SKEW_B * (_SKEW_RHO * z + np.sqrt(z * z + _SKEW_SIGMA**2) - _SKEW_SIGMA)
    return np.minimum(ratio, _MAX_VOL_RATIO)


def put_balance(vix: float, trend: float) -> float:
    """The put OI multiplier over calls (`PUT_BALANCE`)."""
    a, b, c = PUT_BALANCE
    return math.exp(min(max(a + b * (vix - 17.0) / 10.0 - c * trend, -1.0), 1.0))


def _strikes(spot: float, band: float) -> np.ndarray:
    """5-point strikes within `band` of spot, 25 to 30 %, 100 to 45 %."""
    parts = []
    for step, width in ((5.0, band), (25.0, 0.25), (100.0, 0.40)):
        low = math.ceil(spot * (1 - width) / step) * step
        high = math.floor(spot * (1 + width) / step) * step
        parts.append(np.arange(low, high + step / 2, step))
    return np.unique(np.concatenate(parts))


def _bump(log_m: np.ndarray, centre: float, below: np.ndarray, above: np.ndarray) -> np.ndarray:
    """A two-sided Gaussian bump in ln(K/S): `below` wide under `centre`, `above` over it."""
    offset = log_m - centre
    scale = np.where(offset < 0, below, above)
    return np.exp(-0.5 * (offset / scale) ** 2)


def _norm_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x), Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, enough for a quote)."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x) / math.sqrt(2.0))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    tail = 0.5 * poly * np.exp(-0.5 * x * x)
    return np.where(x >= 0, 1.0 - tail, tail)


def simulated_chain(
    session: date,
    spot: float,
    vix: float,
    seed: int,
    as_of: datetime,
    trend: float = 0.0,
) -> OptionChain:
    """The simulated `^SPX` chain listed on `session`, quoted at `as_of` (timezone-aware
    New York; the session's close for a daily chain) with the index at `spot` and the VIX
    at `vix`; `trend` is the index's log return over the 20 sessions before (0 when
    unknown). Same inputs, same chain."""
    expiries, expiry_kind = expiry_schedule(session)
    years_e = years_to_expiry(expiries, as_of)
    atm_e = atm_vol(vix, years_e)
    spread_e = atm_e * np.sqrt(years_e)
    band_e = np.clip(3.0 * spread_e, 0.04, 0.10)
    strike_sets = [_strikes(spot, float(band)) for band in band_e]
    counts = np.array([len(s) for s in strike_sets])
    which = np.repeat(np.arange(len(expiries)), counts)
    strike = np.concatenate(strike_sets)
    n = len(strike)

    years = years_e[which]
    atm = atm_e[which]
    log_m = np.log(strike / spot)
    vol = atm * smile(log_m, atm, years)

    rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(_TAG_OPTIONS, session.toordinal()))
    )
    noise = rng.standard_normal((2, n))
    width = np.maximum(spread_e[which], 0.012)
    roundness = np.ones(n)
    for step, factor in reversed(_ROUND_FACTORS):
        roundness = np.where(np.mod(strike, step) == 0, factor, roundness)
    expiry_factor = np.array([_EXPIRY_FACTORS[str(k)] for k in expiry_kind])[which]
    base = _BASE_OI * roundness * expiry_factor
    call_bump = _bump(log_m, _CALL_CENTRE, width * _CALL_WIDTHS[0], width * _CALL_WIDTHS[1])
    put_bump = _bump(log_m, _PUT_CENTRE, width * _PUT_WIDTHS[0], width * _PUT_WIDTHS[1])
    call_oi = np.floor(base * call_bump * np.exp(0.5 * noise[0]))
    put_oi = np.floor(base * put_balance(vix, trend) * put_bump * np.exp(0.5 * noise[1]))

    sqrt_t = vol * np.sqrt(years)
    d1 = (-log_m + 0.5 * sqrt_t * sqrt_t) / sqrt_t
    d2 = d1 - sqrt_t
    call_price = spot * _norm_cdf(d1) - strike * _norm_cdf(d2)
    put_price = call_price - spot + strike
    gamma = bs_gamma(spot, strike, vol, years)
    volume_share = 0.05 + 0.5 / (1.0 + years * 262.0 / 5.0)

    mid = np.maximum(np.concatenate((call_price, put_price)), 0.0)
    half = 0.5 * np.maximum(0.10, 0.04 * mid)
    open_interest = np.concatenate((call_oi, put_oi))
    contracts = pd.DataFrame(
        {
            "expiry": np.tile(expiries[which], 2).astype("datetime64[ns]"),
            "kind": pd.Series(np.repeat(np.array(KINDS, dtype=object), n), dtype="object"),
            "strike": np.tile(strike, 2),
            "implied_vol": np.tile(vol, 2),
            "open_interest": open_interest,
            "gamma": np.tile(gamma, 2),
            "bid": np.maximum(np.round((mid - half) / 0.05) * 0.05, 0.0),
            "ask": np.maximum(np.round((mid + half) / 0.05) * 0.05, 0.05),
            "volume": np.floor(open_interest * np.tile(volume_share, 2)),
        },
        columns=list(COLUMNS),
    )
    return OptionChain(
        underlying=UNDERLYING, as_of=as_of, spot=float(spot), contracts=contracts, source="sim"
    )
