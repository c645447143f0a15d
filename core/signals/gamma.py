"""Dealer gamma exposure from one option chain (issue 10): Black-Scholes gamma of every
contract from its own implied vol (r = q = 0), its exposure sign × gamma × open interest
× 100 × spot² × 1 % in $bn per 1 % move (calls +, puts −: dealers long the calls, short
the puts), totals for calls, puts and net, by strike and by expiry, the profile of net
exposure re-priced at spots from 0.8 to 1.2 × spot, the zero-gamma ("flip") level where
it changes sign nearest spot, the call and put walls, the share of exposure expiring
within 1 and 5 sessions, the nearest 1,000-point milestone strike above spot and the
regime (positive or negative gamma). Time to expiry is the public calculators'
convention: T = max(`numpy.busday_count(as_of_date, expiry_date)`, 1) / 262 — weekdays
from the as-of date up to (not including) the expiry date, holidays not skipped, a
same-day or next-weekday expiry floored at one day (github.com/phammings/SPX500-Gamma-
Exposure-Calculator, modules/main.py, after SqueezeMetrics' and perfiliev.com's GEX
write-ups). Pure and vectorised: an `OptionChain` in, a frozen `GammaReading` out, no I/O,
no clock; a value that cannot be computed is None, with why in `GammaReading.why`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from core.options.chain import OptionChain

__all__ = [
    "CONTRACT_SIZE",
    "DAYS_PER_YEAR",
    "EXCLUSION_REASONS",
    "OPTIONAL_READINGS",
    "PROFILE_HIGH",
    "PROFILE_LOW",
    "PROFILE_STEP",
    "GammaReading",
    "bs_gamma",
    "contract_exposure_bn",
    "expired_mask",
    "gamma_reading",
    "net_exposure_profile",
    "sessions_to_expiry",
    "source_gamma_total_bn",
    "years_to_expiry",
]

NEW_YORK = ZoneInfo("America/New_York")
EXPIRY_CUTOFF = time(16, 0)
"""An expiry on the as-of date has expired from 16:00 New York on (the close, when the
PM-settled dailies stop trading). The AM-settled monthlies of the third Friday settle at
that morning's open, but a chain does not tell SPX from SPXW rows, so one cutoff for all."""
DAYS_PER_YEAR = 262
"""Weekdays in a year, the T denominator of the public calculators."""
CONTRACT_SIZE = 100
ONE_PERCENT = 0.01
BILLION = 1e9
PROFILE_LOW = 0.8
PROFILE_HIGH = 1.2
PROFILE_STEP = 0.0025
"""The profile's grid step, a fraction of spot (0.25 %, 161 levels, spot itself one of
them). The exposure of one expiry is a sum of bumps σ√T wide in log-spot; a 1-session
expiry at 8-10 % vol is 0.5-0.6 % wide, so 0.25 % resolves it and finds two sign
changes 0.25 % apart; the flip itself is then refined between the bracketing levels,
not read off the grid, and the whole profile of a 20,000-contract chain stays well
inside the 50 ms budget."""
FLIP_TOLERANCE = 1e-6
"""Bisection stops when the bracket is narrower than this fraction of spot (< 0.01 point
for the S&P 500)."""
MILESTONE = 1000.0
SHORT_SESSIONS = (1, 5)
"""The horizons of `share_within_1_session` and `share_within_5_sessions`."""
EXCLUSION_REASONS = ("expired", "invalid_row", "no_implied_vol", "no_open_interest")
"""Why a contract contributes nothing, each counted once under the first that applies:
expired at the as-of moment; a row that is not a contract (kind not call/put, no expiry,
strike not positive); implied vol missing (NaN) or <= 0; open interest missing or <= 0."""
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PROFILE_CHUNK = 16
"""Profile levels priced at once: keeps the levels × contracts block in cache."""

OPTIONAL_READINGS = (
    "total_gex_bn",
    "call_gex_bn",
    "put_gex_bn",
    "regime",
    "zero_gamma",
    "zero_gamma_distance_pct",
    "call_wall",
    "call_wall_distance_pct",
    "put_wall",
    "put_wall_distance_pct",
    "share_within_1_session",
    "share_within_5_sessions",
    "milestone_strike",
    "milestone_gex_bn",
    "milestone_strike_rank",
)
"""The readings of `GammaReading` that may be None (with why); the counts never are."""

Regime = Literal["positive", "negative"]
FloatArray = np.ndarray


def bs_gamma(
    spot: FloatArray | float, strike: FloatArray, vol: FloatArray, years: FloatArray
) -> FloatArray:
    """Black-Scholes gamma per 1 point of the underlying, r = q = 0: φ(d1) / (S σ √T),
    d1 = (ln(S/K) + σ²T/2) / (σ√T). Same for calls and puts. Inputs broadcast; σ and T
    must be positive (the caller filters)."""
    vol_sqrt_t = vol * np.sqrt(years)
    d1 = (np.log(spot / strike) + 0.5 * vol_sqrt_t * vol_sqrt_t) / vol_sqrt_t
    return np.exp(-0.5 * d1 * d1) * _INV_SQRT_2PI / (spot * vol_sqrt_t)


def contract_exposure_bn(
    sign: FloatArray, gamma: FloatArray, open_interest: FloatArray, spot: float
) -> FloatArray:
    """sign × gamma × OI × 100 × S² × 0.01, in $bn per 1 % move of the underlying."""
    scale = CONTRACT_SIZE * spot * spot * ONE_PERCENT / BILLION
    return sign * gamma * open_interest * scale


def as_of_new_york(as_of: datetime) -> datetime:
    """`as_of` in New York time; a naive datetime is taken to be New York time already."""
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=NEW_YORK)
    return as_of.astimezone(NEW_YORK)


def expired_mask(expiry: np.ndarray, as_of: datetime) -> np.ndarray:
    """True where the contract has expired at `as_of`: its expiry date (datetime64[D],
    New York) is before the as-of date, or is the as-of date and `as_of` is 16:00 New York
    or later (a chain as of 16:14:59 has just seen that day's expiry expire). NaT: False."""
    local = as_of_new_york(as_of)
    today = np.datetime64(local.date(), "D")
    same_day_expired = local.time() >= EXPIRY_CUTOFF
    with np.errstate(invalid="ignore"):
        before = expiry < today
        on_day = expiry == today
    return before | (on_day & same_day_expired)


def years_to_expiry(expiry: np.ndarray, as_of: datetime) -> FloatArray:
    """T = max(busday_count(as_of_date, expiry_date), 1) / 262 (`expiry` datetime64[D],
    none NaT; the as-of date in New York)."""
    today = np.datetime64(as_of_new_york(as_of).date(), "D")
    days = np.busday_count(today, expiry)
    return np.maximum(days, 1) / DAYS_PER_YEAR


def sessions_to_expiry(expiry: np.ndarray, as_of: datetime) -> np.ndarray:
    """Sessions still to close up to and including the expiry's (weekdays, as T counts
    them): the as-of date's own session counts while it is a weekday before 16:00 New
    York. As of a Friday's 16:14 or a Sunday, the Monday expiry is 1 session away and the
    next Friday's 5. `expiry` datetime64[D], none NaT."""
    local = as_of_new_york(as_of)
    first = np.datetime64(local.date(), "D")
    if not (np.is_busday(first) and local.time() < EXPIRY_CUTOFF):
        first = first + np.timedelta64(1, "D")
    return np.busday_count(first, expiry + np.timedelta64(1, "D"))


@dataclass(frozen=True)
class _Priced:
    """The used contracts, with what pricing them at any spot needs."""

    log_strike: FloatArray
    inv_vol_sqrt_t: FloatArray
    """1 / (σ√T)."""
    half_vol_sqrt_t: FloatArray
    """σ√T / 2."""
    weight: FloatArray
    """sign × OI × 100 × 0.01 / (√(2π) × 1e9): exposure(S) = S × Σ weight/(σ√T) × e^(−d1²/2)."""


def _price(priced: _Priced, levels: FloatArray) -> FloatArray:
    """Net exposure ($bn per 1 %) at each of `levels` (1-D), gamma recomputed at each."""
    out = np.empty(len(levels))
    coef = priced.weight * priced.inv_vol_sqrt_t
    offset = priced.half_vol_sqrt_t - priced.log_strike * priced.inv_vol_sqrt_t
    log_levels = np.log(levels)
    for start in range(0, len(levels), _PROFILE_CHUNK):
        chunk = log_levels[start : start + _PROFILE_CHUNK]
        d1 = np.multiply.outer(chunk, priced.inv_vol_sqrt_t)
        d1 += offset
        np.square(d1, out=d1)
        d1 *= -0.5
        np.exp(d1, out=d1)
        out[start : start + len(chunk)] = d1 @ coef
    return out * levels


def net_exposure_profile(priced: _Priced, spot: float) -> tuple[FloatArray, FloatArray]:
    """The grid of spot levels (0.8-1.2 × spot, `PROFILE_STEP` apart, spot exactly among
    them) and the net exposure at each."""
    half = round((PROFILE_HIGH - 1.0) / PROFILE_STEP)
    levels = spot * (1.0 + np.arange(-half, half + 1) * PROFILE_STEP)
    return levels, _price(priced, levels)


def _zero_gamma(
    priced: _Priced, spot: float, levels: FloatArray, values: FloatArray
) -> tuple[float | None, str | None]:
    """The sign change of the profile nearest spot, refined by bisection on the exact
    function between the bracketing grid levels (all brackets at once), then chosen as the
    root nearest spot. A level where the exposure is exactly 0 (far from every strike it
    underflows to 0) is no sign change by itself: brackets join the nonzero levels on
    either side of it. (None, why) when the profile keeps one sign."""
    nonzero = np.flatnonzero(values != 0.0)
    signs = np.sign(values[nonzero])
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    if not len(changes):
        side = "0" if not len(nonzero) else "positive" if signs[0] > 0 else "negative"
        low_pct, high_pct = round(PROFILE_LOW * 100), round(PROFILE_HIGH * 100)
        return None, (
            f"no sign change between {low_pct} % and {high_pct} % of spot: "
            f"net exposure {side} throughout"
        )
    low, high = levels[nonzero[changes]], levels[nonzero[changes + 1]]
    low_sign = signs[changes]
    while float(np.max(high - low)) > FLIP_TOLERANCE * spot:
        middle = 0.5 * (low + high)
        same = np.sign(_price(priced, middle)) == low_sign
        low = np.where(same, middle, low)
        high = np.where(same, high, middle)
    roots = 0.5 * (low + high)
    return float(roots[np.argmin(np.abs(roots - spot))]), None


def _pct_from_spot(level: float | None, spot: float) -> float | None:
    return None if level is None else (level / spot - 1.0) * 100.0


@dataclass(frozen=True, eq=False)
class GammaReading:
    """Dealer gamma of one chain. Exposures in $bn per 1 % move of the underlying;
    distances in % of spot, signed (negative: below spot). None where not computed, the
    reason under the field's name in `why`."""

    as_of: datetime
    spot: float
    total_gex_bn: float | None
    call_gex_bn: float | None
    put_gex_bn: float | None
    """Negative (puts count −)."""
    regime: Regime | None
    """The sign of the net exposure at spot."""
    zero_gamma: float | None
    """The flip: where the re-priced net exposure changes sign nearest spot."""
    zero_gamma_distance_pct: float | None
    call_wall: float | None
    """The strike with the largest call exposure (all expiries summed)."""
    call_wall_distance_pct: float | None
    put_wall: float | None
    """The strike with the largest put exposure (in size: the most negative)."""
    put_wall_distance_pct: float | None
    share_within_1_session: float | None
    """Σ|exposure| of the expiries within 1 session (`sessions_to_expiry`) / Σ|exposure|, 0-1."""
    share_within_5_sessions: float | None
    milestone_strike: float | None
    """The nearest multiple of 1,000 strictly above spot."""
    milestone_gex_bn: float | None
    """Net exposure at that strike (None when the chain has no used contract there)."""
    milestone_strike_rank: int | None
    """Its rank among strikes by net exposure, 1 = the largest (ties share a rank)."""
    expiries_used: int
    contracts_used: int
    contracts_excluded: int
    excluded_by_reason: Mapping[str, int]
    """`EXCLUSION_REASONS` → count; they sum to `contracts_excluded`."""
    strikes: FloatArray
    """The strikes of the used contracts, ascending; the by-strike arrays follow them."""
    call_by_strike: FloatArray
    put_by_strike: FloatArray
    net_by_strike: FloatArray
    expiries: np.ndarray
    """The used expiries (datetime64[D]), ascending; the by-expiry arrays follow them."""
    call_by_expiry: FloatArray
    put_by_expiry: FloatArray
    net_by_expiry: FloatArray
    profile_spot: FloatArray
    """The spot levels of the profile (empty when nothing was used)."""
    profile_gex_bn: FloatArray
    """Net exposure at each level, gamma recomputed there with the same vols and T."""
    why: Mapping[str, str]
    """For each None field, why it is None."""


def _exclusions(
    contracts: pd.DataFrame, expiry: np.ndarray, as_of: datetime
) -> tuple[np.ndarray, dict[str, int]]:
    """The used-contract mask and the count of each exclusion reason (first reason wins)."""
    kind = contracts["kind"].to_numpy(dtype=object)
    strike = contracts["strike"].to_numpy(dtype=np.float64)
    vol = contracts["implied_vol"].to_numpy(dtype=np.float64)
    open_interest = contracts["open_interest"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        conditions = {
            "expired": expired_mask(expiry, as_of),
            "invalid_row": np.isnat(expiry)
            | ~((kind == "call") | (kind == "put"))
            | ~(strike > 0)
            | ~np.isfinite(strike),
            "no_implied_vol": ~(vol > 0) | ~np.isfinite(vol),
            "no_open_interest": ~(open_interest > 0) | ~np.isfinite(open_interest),
        }
    left = np.ones(len(contracts), dtype=bool)
    counts: dict[str, int] = {}
    for reason in EXCLUSION_REASONS:
        hit = left & conditions[reason]
        counts[reason] = int(hit.sum())
        left &= ~hit
    return left, counts


def _empty_reading(
    chain: OptionChain, used: int, excluded: int, counts: dict[str, int], why_all: str
) -> GammaReading:
    empty = np.empty(0)
    return GammaReading(
        as_of=chain.as_of,
        spot=chain.spot,
        total_gex_bn=None,
        call_gex_bn=None,
        put_gex_bn=None,
        regime=None,
        zero_gamma=None,
        zero_gamma_distance_pct=None,
        call_wall=None,
        call_wall_distance_pct=None,
        put_wall=None,
        put_wall_distance_pct=None,
        share_within_1_session=None,
        share_within_5_sessions=None,
        milestone_strike=None,
        milestone_gex_bn=None,
        milestone_strike_rank=None,
        expiries_used=0,
        contracts_used=used,
        contracts_excluded=excluded,
        excluded_by_reason=MappingProxyType(counts),
        strikes=empty,
        call_by_strike=empty,
        put_by_strike=empty,
        net_by_strike=empty,
        expiries=np.empty(0, dtype="datetime64[D]"),
        call_by_expiry=empty,
        put_by_expiry=empty,
        net_by_expiry=empty,
        profile_spot=empty,
        profile_gex_bn=empty,
        why=MappingProxyType(dict.fromkeys(OPTIONAL_READINGS, why_all)),
    )


def gamma_reading(chain: OptionChain) -> GammaReading:
    """Dealer gamma of `chain` (see the module docstring). Never raises on an empty chain,
    a chain with every contract excluded or a spot that is not a positive number: the
    readings are then None, with why."""
    contracts = chain.contracts
    spot = float(chain.spot)
    expiry = contracts["expiry"].to_numpy(dtype="datetime64[D]")
    used, counts = _exclusions(contracts, expiry, chain.as_of)
    n_used = int(used.sum())
    n_excluded = len(contracts) - n_used
    if not (math.isfinite(spot) and spot > 0):
        counts = dict.fromkeys(EXCLUSION_REASONS, 0) | {"invalid_row": len(contracts)}
        return _empty_reading(chain, 0, len(contracts), counts, "no spot price")
    if n_used == 0:
        reason = "no contracts in the chain" if len(contracts) == 0 else "every contract excluded"
        return _empty_reading(chain, 0, n_excluded, counts, reason)

    expiry = expiry[used]
    strike = contracts["strike"].to_numpy(dtype=np.float64)[used]
    vol = contracts["implied_vol"].to_numpy(dtype=np.float64)[used]
    open_interest = contracts["open_interest"].to_numpy(dtype=np.float64)[used]
    sign = np.where(contracts["kind"].to_numpy(dtype=object)[used] == "call", 1.0, -1.0)
    years = years_to_expiry(expiry, chain.as_of)

    exposure = contract_exposure_bn(sign, bs_gamma(spot, strike, vol, years), open_interest, spot)
    is_call = sign > 0
    call_exposure = np.where(is_call, exposure, 0.0)
    put_exposure = np.where(is_call, 0.0, exposure)
    call_total, put_total = float(call_exposure.sum()), float(put_exposure.sum())
    total = call_total + put_total

    strikes, strike_index = np.unique(strike, return_inverse=True)
    call_by_strike = np.bincount(strike_index, call_exposure, len(strikes))
    put_by_strike = np.bincount(strike_index, put_exposure, len(strikes))
    net_by_strike = call_by_strike + put_by_strike
    expiries, expiry_index = np.unique(expiry, return_inverse=True)
    call_by_expiry = np.bincount(expiry_index, call_exposure, len(expiries))
    put_by_expiry = np.bincount(expiry_index, put_exposure, len(expiries))

    why: dict[str, str] = {}
    call_wall = float(strikes[np.argmax(call_by_strike)]) if is_call.any() else None
    put_wall = float(strikes[np.argmin(put_by_strike)]) if (~is_call).any() else None
    if call_wall is None:
        why["call_wall"] = why["call_wall_distance_pct"] = "no call contracts used"
    if put_wall is None:
        why["put_wall"] = why["put_wall_distance_pct"] = "no put contracts used"

    absolute = np.abs(exposure)
    whole = float(absolute.sum())
    sessions = sessions_to_expiry(expiry, chain.as_of)
    shares = [
        float(absolute[sessions <= horizon].sum()) / whole if whole > 0 else None
        for horizon in SHORT_SESSIONS
    ]
    if whole <= 0:
        why["share_within_1_session"] = why["share_within_5_sessions"] = "no exposure at spot"

    milestone = (math.floor(spot / MILESTONE) + 1) * MILESTONE
    at_milestone = np.flatnonzero(strikes == milestone)
    milestone_gex: float | None = None
    milestone_rank: int | None = None
    if len(at_milestone):
        milestone_gex = float(net_by_strike[at_milestone[0]])
        milestone_rank = 1 + int(np.count_nonzero(net_by_strike > milestone_gex))
    else:
        why["milestone_gex_bn"] = why["milestone_strike_rank"] = (
            f"no contracts used at the {milestone:,.0f} strike"
        )

    vol_sqrt_t = vol * np.sqrt(years)
    priced = _Priced(
        log_strike=np.log(strike),
        inv_vol_sqrt_t=1.0 / vol_sqrt_t,
        half_vol_sqrt_t=0.5 * vol_sqrt_t,
        weight=sign * open_interest * (CONTRACT_SIZE * ONE_PERCENT * _INV_SQRT_2PI / BILLION),
    )
    levels, profile = net_exposure_profile(priced, spot)
    zero_gamma, zero_why = _zero_gamma(priced, spot, levels, profile)
    if zero_why is not None:
        why["zero_gamma"] = why["zero_gamma_distance_pct"] = zero_why

    regime: Regime | None = "positive" if total > 0 else "negative" if total < 0 else None
    if regime is None:
        why["regime"] = "net exposure exactly 0"

    return GammaReading(
        as_of=chain.as_of,
        spot=spot,
        total_gex_bn=total,
        call_gex_bn=call_total,
        put_gex_bn=put_total,
        regime=regime,
        zero_gamma=zero_gamma,
        zero_gamma_distance_pct=_pct_from_spot(zero_gamma, spot),
        call_wall=call_wall,
        call_wall_distance_pct=_pct_from_spot(call_wall, spot),
        put_wall=put_wall,
        put_wall_distance_pct=_pct_from_spot(put_wall, spot),
        share_within_1_session=shares[0],
        share_within_5_sessions=shares[1],
        milestone_strike=milestone,
        milestone_gex_bn=milestone_gex,
        milestone_strike_rank=milestone_rank,
        expiries_used=len(expiries),
        contracts_used=n_used,
        contracts_excluded=n_excluded,
        excluded_by_reason=MappingProxyType(counts),
        strikes=strikes,
        call_by_strike=call_by_strike,
        put_by_strike=put_by_strike,
        net_by_strike=net_by_strike,
        expiries=expiries,
        call_by_expiry=call_by_expiry,
        put_by_expiry=put_by_expiry,
        net_by_expiry=call_by_expiry + put_by_expiry,
        profile_spot=levels,
        profile_gex_bn=profile,
        why=MappingProxyType(why),
    )


def source_gamma_total_bn(chain: OptionChain) -> float | None:
    """Net exposure from the chain's own `gamma` column (Cboe's quotedata gives one,
    rounded to 4 decimals) instead of recomputing it: Σ sign × gamma × OI × 100 × S² ×
    0.01 / 1e9 over every row with a gamma and open interest, as the public calculator
    computed its "Total Gamma" (expired rows included: their gamma is 0). None when the
    chain has no gamma at all."""
    contracts = chain.contracts
    gamma = contracts["gamma"].to_numpy(dtype=np.float64)
    open_interest = contracts["open_interest"].to_numpy(dtype=np.float64)
    kind = contracts["kind"].to_numpy(dtype=object)
    known = np.isfinite(gamma) & np.isfinite(open_interest) & ((kind == "call") | (kind == "put"))
    if not known.any():
        return None
    sign = np.where(kind[known] == "call", 1.0, -1.0)
    spot = float(chain.spot)
    return float(contract_exposure_bn(sign, gamma[known], open_interest[known], spot).sum())
