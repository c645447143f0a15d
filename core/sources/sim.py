"""The simulated market: a deterministic, seeded stand-in for the S&P 500 and its
neighbours, the offline default source. One path is generated per instance (lazily, on
first use, then cached) from a fixed epoch (2016-01-04) through the last NYSE session
the calendar knows, using only causal recursions and per-session random streams, so a
date's bars depend on the seed alone, never on the window asked for or on how far the
calendar reaches. The market is a regime-switching factor model (calm / normal /
stress volatility with leverage and trends); several hundred synthetic members in the
11 GICS sectors load on the market, their sector and their own noise; ^GSPC is their
exact cap-weighted composite, ^IXIC the composite of the tech-like sectors, RSP the
equal-weight one, and a slow pull towards coarse real-world anchors keeps levels
realistic (^GSPC near 7,000 in 2026). The VIX family is the forward volatility plus a
premium, so it falls as the index rises, and its term structure is in contango except
under stress. While the app runs, the live session (the one in progress, or the next
one outside regular hours) moves along a Brownian bridge from the previous close to the
session's own daily close, sampled on a fixed grid, so live and history always agree."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from core.clock import NEW_YORK, Clock, system_clock
from core.session import nyse_calendar
from core.snapshot import SourceKind
from core.sources.base import (
    BAR_COLUMNS,
    Capability,
    FetchKind,
    MemberPanel,
    Quote,
    empty_bars,
)

EPOCH: Final = date(2016, 1, 4)
"""First simulated session; every random stream is indexed from here."""

GRID_STEPS: Final = 500
"""Grid steps of the intraday bridge from the previous close to a session's close."""
OVERNIGHT_SHARE: Final = 0.2
"""Share of a session's bridge variance spent between the previous close and the open;
the rest is spread evenly over regular hours (about one grid step per 58 s)."""
_OPEN_STEP: Final = round(OVERNIGHT_SHARE * GRID_STEPS)
_BLOCK: Final = 64
"""Sessions per intraday random stream (a block is regenerated for the live bar)."""
_PRE_EPOCH_NIGHT: Final = timedelta(hours=17, minutes=30)

INDEX_SYMBOLS: Final = ("^GSPC", "^VIX", "^VIX9D", "^VIX3M", "^RUT", "^IXIC", "SPY", "RSP", "IWM")
"""The Yahoo symbols the simulation carries besides its members."""

SECTORS: Final = (
    "Information Technology",
    "Financials",
    "Health Care",
    "Consumer Discretionary",
    "Communication Services",
    "Industrials",
    "Consumer Staples",
    "Energy",
    "Utilities",
    "Real Estate",
    "Materials",
)
_IT, _FIN, _HC, _DISC, _COMM = range(5)
_SECTOR_SHARE = np.array([0.14, 0.14, 0.12, 0.10, 0.045, 0.155, 0.075, 0.045, 0.062, 0.062, 0.056])
_SECTOR_BETA = np.array([1.25, 1.1, 0.85, 1.2, 1.1, 1.05, 0.6, 0.9, 0.5, 0.8, 1.0])
_SECTOR_ALPHA = np.array([3.0, 0.5, -0.5, 1.0, 1.5, 0.5, -1.5, -2.0, -1.0, -2.0, -1.0]) / 100
"""Annual drift of each sector relative to the market."""
_TOP_SECTORS = (_IT, _IT, _IT, _DISC, _COMM, _COMM, _IT, _DISC, _FIN, _HC)
"""Sectors of the ten largest members, as in the real index of the 2020s."""
_TECH_LIKE = (_IT, _COMM, _DISC)
"""Sectors whose members make up the simulated Nasdaq Composite."""
_NAME_HEADS = (
    "Alder", "Birch", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
    "Juniper", "Keystone", "Lumen", "Meridian", "Northvale", "Orion", "Pioneer", "Quarry",
    "Redwood", "Summit", "Tidewater", "Union", "Vertex", "Willow", "Zephyr",
)  # fmt: skip
_NAME_TAILS = (
    ("Systems", "Semiconductor", "Software", "Networks"),
    ("Financial", "Bancorp", "Capital", "Insurance"),
    ("Health", "Therapeutics", "Medical", "Biosciences"),
    ("Brands", "Retail", "Motors", "Leisure"),
    ("Media", "Communications", "Interactive", "Broadcasting"),
    ("Industries", "Aerospace", "Logistics", "Machinery"),
    ("Foods", "Beverages", "Household", "Grocers"),
    ("Energy", "Petroleum", "Resources", "Pipelines"),
    ("Power", "Utilities", "Electric", "Gas & Light"),
    ("Realty", "Properties", "REIT", "Land"),
    ("Materials", "Chemicals", "Metals", "Packaging"),
)

# Regimes of the market factor: calm, normal, stress.
_REGIME_VOL = np.log([0.0055, 0.008, 0.02])
"""Log daily volatility each regime pulls towards."""
_REGIME_DRIFT = (0.0006, 0.0002, -0.0022)
_REGIME_STAY = np.array(
    [[0.990, 0.009, 0.001], [0.010, 0.985, 0.005], [0.000, 0.040, 0.960]]
).cumsum(axis=1)

# Coarse real-world anchors (first close of the quarter); the simulated path is pulled
# towards them slowly, so between anchors it is free. After the last one the target
# grows by _GROWTH a year (the ratios stay flat).
_GSPC_ANCHORS = (
    ("2016-01-04", 2012.7), ("2017-01-03", 2257.8), ("2018-01-02", 2695.8),
    ("2018-10-01", 2924.6), ("2019-01-02", 2510.0), ("2020-01-02", 3257.9),
    ("2020-04-01", 2470.5), ("2020-07-01", 3115.9), ("2021-01-04", 3700.7),
    ("2022-01-03", 4796.6), ("2022-07-01", 3825.3), ("2022-10-03", 3678.4),
    ("2023-07-03", 4455.6), ("2023-10-02", 4288.4), ("2024-01-02", 4742.8),
    ("2024-07-01", 5475.1), ("2025-01-02", 5868.6), ("2025-04-01", 5633.1),
    ("2025-07-01", 6198.0), ("2026-01-02", 6858.5), ("2026-04-01", 6575.3),
    ("2026-07-01", 7050.0),
)  # fmt: skip
_RUT_RATIO = (
    ("2016-01-04", 0.551), ("2018-01-02", 0.575), ("2020-01-02", 0.512),
    ("2020-07-01", 0.458), ("2021-04-01", 0.561), ("2023-01-03", 0.458),
    ("2024-07-01", 0.371), ("2025-07-01", 0.355), ("2026-07-01", 0.385),
)  # fmt: skip
_IXIC_RATIO = (
    ("2016-01-04", 2.436), ("2018-01-02", 2.599), ("2020-01-02", 2.791),
    ("2021-01-04", 3.431), ("2023-01-03", 2.716), ("2024-01-02", 3.113),
    ("2025-07-01", 3.260), ("2026-07-01", 3.420),
)  # fmt: skip
_RSP_RATIO = (
    ("2016-01-04", 0.0315), ("2018-01-02", 0.0325), ("2020-01-02", 0.0318),
    ("2022-01-03", 0.0315), ("2024-01-02", 0.0319), ("2025-07-01", 0.0292),
    ("2026-07-01", 0.0285),
)  # fmt: skip
_GROWTH = 0.07
_SPY_PER_INDEX = 0.0998
_IWM_PER_RUT = 0.0990


@dataclass(frozen=True)
class _BridgeSpec:
    """How a symbol's intraday path loads on the three standard bridges of a session
    (market, small-cap/style, volatility), and which daily scale it uses."""

    loadings: tuple[float, float, float]


_BRIDGES: Final = {
    "^GSPC": _BridgeSpec((1.0, 0.0, 0.0)),
    "^IXIC": _BridgeSpec((0.96, -0.28, 0.0)),
    "^RUT": _BridgeSpec((0.8, 0.6, 0.0)),
    "RSP": _BridgeSpec((0.97, 0.243, 0.0)),
    "^VIX": _BridgeSpec((-0.75, 0.0, 0.661)),
    "^VIX9D": _BridgeSpec((-0.75, 0.0, 0.661)),
    "^VIX3M": _BridgeSpec((-0.75, 0.0, 0.661)),
}
"""Symbols with their own bridge; SPY and IWM are fixed multiples of ^GSPC and ^RUT."""
_SCALED: Final = {"SPY": ("^GSPC", _SPY_PER_INDEX), "IWM": ("^RUT", _IWM_PER_RUT)}
_NO_VOLUME: Final = frozenset({"^VIX", "^VIX9D", "^VIX3M"})

# Stream tags: each random component has its own stream, keyed by (seed, tag[, block]).
_TAG_MARKET, _TAG_SECTOR, _TAG_MEMBER, _TAG_STATIC, _TAG_EXTRA, _TAG_BRIDGE = range(6)


@dataclass
class _Path:
    """The whole simulated history, generated once."""

    dates: pd.DatetimeIndex
    open_ns: np.ndarray
    close_ns: np.ndarray
    prev_close_ns: np.ndarray
    """Close time of the previous session (for the first one, a night before its open)."""
    closes: dict[str, np.ndarray]
    """Per bridged symbol: n + 1 closes; row 0 is the level before the epoch."""
    sigma: dict[str, np.ndarray]
    """Per bridged symbol: daily scale of the log bridge of each session."""
    bars: dict[str, np.ndarray]
    """Per symbol: n x 5 open, high, low, close, volume of every session."""
    member_closes: np.ndarray
    """n x members; NaN before a member lists."""
    member_shares: np.ndarray
    tickers: list[str]
    names: list[str]
    sectors: list[str]
    column_of: dict[str, int]
    """Member ticker -> its column in member_closes."""


@dataclass(frozen=True)
class _LiveBar:
    """The live session's bar at one instant, per symbol."""

    session: int
    bars: dict[str, tuple[float, float, float, float, float]]


def _day(value: date) -> pd.Timestamp:
    """A session-date Timestamp (tz-naive, midnight) for a date or datetime."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def _ns(moment: datetime) -> int:
    """Nanoseconds since the epoch (UTC) of a clock reading; naive means New York."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=NEW_YORK)
    return int(pd.Timestamp(moment).value)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _ewm(noise: np.ndarray, alpha: float) -> np.ndarray:
    """A causal AR(1)-like smoothing of white noise, column by column."""
    return np.asarray(pd.DataFrame(noise).ewm(alpha=alpha, adjust=False).mean(), dtype=float)


def _target(
    dates: pd.DatetimeIndex, anchors: Sequence[tuple[str, float]], growth: float
) -> np.ndarray:
    """Log target per session: anchors interpolated by session count, then growth."""
    positions = dates.searchsorted(pd.DatetimeIndex([d for d, _ in anchors]))
    inside = positions < len(dates)
    xs = positions[inside].astype(float)
    ys = np.log([value for _, value in anchors])[inside]
    t = np.arange(len(dates), dtype=float)
    out = np.interp(t, xs, ys)
    after = t > xs[-1]
    out[after] = ys[-1] + growth / 252 * (t[after] - xs[-1])
    return out


def _allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Split `total` by `shares` (largest remainder), at least one each."""
    raw = shares / shares.sum() * (total - len(shares))
    counts = np.floor(raw).astype(int) + 1
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


class SimSource:
    """A deterministic simulated market implementing the Source protocol.

    Carries the symbols of `INDEX_SYMBOLS` and `members` synthetic index members
    (tickers SIM001...). Members' live session is omitted: `members()` and members'
    `daily_bars` return completed sessions only (close at or before the clock's time),
    while the index-like symbols also get the live session's partial bar."""

    kind: SourceKind = "sim"
    simulated: bool = True
    historical: bool = False
    cached: bool = False
    capabilities: frozenset[Capability] = frozenset(
        {"daily_bars", "intraday_quotes", "members", "member_weights"}
    )
    directory: Path | None = None
    detail: str | None = None
    """Why the simulated market was chosen (auto's last fallback), else None."""

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """The simulation fetches nothing: None."""
        return None

    def __init__(self, seed: int = 7000, clock: Clock = system_clock, members: int = 450) -> None:
        if members < len(SECTORS):
            raise ValueError(f"sim: need at least {len(SECTORS)} members, not {members}")
        self.seed = seed
        self.member_count = members
        self._clock = clock
        self._path: _Path | None = None
        self._lock = threading.Lock()
        self._live: _LiveBar | None = None
        self._live_key: tuple[int, int] | None = None
        self._block_cache: tuple[int, dict[str, np.ndarray]] | None = None
        """The intraday log paths of the live session's block, kept between calls."""

    # --- the Source protocol --------------------------------------------------------

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Daily bars from `start` to `end` inclusive for the symbols the simulation
        carries (index-like symbols and member tickers); others are absent. Completed
        sessions only, plus the live session's partial bar when it falls in the window
        (index-like symbols only)."""
        path = self._generated()
        now = self._clock()
        first, stop = self._window(path, start, end)
        completed = self._completed(path, now)
        done = max(first, min(stop, completed))
        live = self._live_bar(path, now) if first <= completed < stop else None
        out: dict[str, pd.DataFrame] = {}
        for symbol in dict.fromkeys(symbols):
            if symbol in path.bars:
                rows = path.bars[symbol][first:done]
                index = path.dates[first:done]
                if live is not None:
                    rows = np.vstack([rows, np.array(live.bars[symbol])])
                    index = pd.DatetimeIndex(
                        index.append(path.dates[live.session : live.session + 1])
                    )
                out[symbol] = self._frame(rows, index)
            elif symbol in path.column_of:
                closes = path.member_closes[first:done, path.column_of[symbol]]
                listed = ~np.isnan(closes)
                rows = np.full((int(listed.sum()), len(BAR_COLUMNS)), np.nan)
                rows[:, 3] = closes[listed]
                out[symbol] = self._frame(rows, path.dates[first:done][listed])
        return out

    def members(self, start: date, end: date) -> MemberPanel:
        """Members' closes over the completed sessions from `start` to `end` (NaN before
        a member lists), with name, sector and cap weight as of the last row."""
        path = self._generated()
        first, stop = self._window(path, start, end)
        completed = self._completed(path)
        done = max(first, min(stop, completed))
        closes = pd.DataFrame(
            path.member_closes[first:done].copy(),
            index=path.dates[first:done].rename("date"),
            columns=pd.Index(path.tickers, name="ticker"),
        )
        as_of = min(stop, completed) - 1
        if as_of >= 0:
            caps = np.nan_to_num(path.member_closes[as_of]) * path.member_shares
        else:
            caps = np.where(np.isnan(path.member_closes[0]), 0.0, path.member_shares)
        info = pd.DataFrame(
            {"name": path.names, "sector": path.sectors, "weight": caps / caps.sum()},
            index=pd.Index(path.tickers, name="ticker"),
        )
        return MemberPanel(closes=closes, info=info)

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """The live session's current price of each index-like symbol asked for; empty
        past the end of the calendar."""
        path = self._generated()
        now = self._clock()
        live = self._live_bar(path, now)
        if live is None:
            return {}
        stamp = (now if now.tzinfo is not None else now.replace(tzinfo=NEW_YORK)).astimezone(
            NEW_YORK
        )
        session = path.dates[live.session].date()
        return {
            symbol: Quote(symbol, live.bars[symbol][3], stamp, session)
            for symbol in dict.fromkeys(symbols)
            if symbol in live.bars
        }

    # --- extras ---------------------------------------------------------------------

    def live_session(self) -> date | None:
        """The session the live bar belongs to: the one in progress or, outside regular
        hours, the next one; None past the end of the calendar."""
        path = self._generated()
        completed = self._completed(path)
        return path.dates[completed].date() if completed < len(path.dates) else None

    def generate(self) -> None:
        """Generate (and cache) the whole path now rather than on first use."""
        self._generated()

    # --- plumbing -------------------------------------------------------------------

    @staticmethod
    def _frame(rows: np.ndarray, index: pd.DatetimeIndex) -> pd.DataFrame:
        if len(index) == 0:
            return empty_bars()
        frame = pd.DataFrame(
            np.array(rows, dtype="float64"), index=index.rename("date"), columns=list(BAR_COLUMNS)
        )
        return frame

    @staticmethod
    def _window(path: _Path, start: date, end: date) -> tuple[int, int]:
        """Row range [first, stop) of the sessions dated from start to end."""
        first = int(path.dates.searchsorted(_day(start), side="left"))
        stop = int(path.dates.searchsorted(_day(end), side="right"))
        return first, max(first, stop)

    def _completed(self, path: _Path, now: datetime | None = None) -> int:
        """How many sessions have closed at the clock's time."""
        moment = _ns(self._clock() if now is None else now)
        return int(np.searchsorted(path.close_ns, moment, side="right"))

    def _generated(self) -> _Path:
        if self._path is None:
            with self._lock:
                if self._path is None:
                    self._path = _generate(self.seed, self.member_count)
        return self._path

    def _live_bar(self, path: _Path, now: datetime | None = None) -> _LiveBar | None:
        """Every index-like symbol's bar of the live session at the clock's time."""
        now = self._clock() if now is None else now
        moment = _ns(now)
        session = int(np.searchsorted(path.close_ns, moment, side="right"))
        if session >= len(path.dates):
            return None
        with self._lock:
            if self._live is not None and self._live_key == (session, moment):
                return self._live
            block = session // _BLOCK
            if self._block_cache is None or self._block_cache[0] != block:
                self._block_cache = (block, _block_log_paths(path, block, self.seed))
            log_paths = self._block_cache[1]
            row = session - block * _BLOCK
            opened = path.open_ns[session]
            before = path.prev_close_ns[session]
            if moment < opened:
                tau = OVERNIGHT_SHARE * (moment - before) / max(opened - before, 1)
            else:
                tau = OVERNIGHT_SHARE + (1 - OVERNIGHT_SHARE) * (moment - opened) / max(
                    path.close_ns[session] - opened, 1
                )
            tau = min(max(float(tau), 0.0), 1.0)
            position = tau * GRID_STEPS
            step = min(int(position), GRID_STEPS - 1)
            weight = position - step
            share = max(tau - OVERNIGHT_SHARE, 0.0) / (1 - OVERNIGHT_SHARE)
            bars: dict[str, tuple[float, float, float, float, float]] = {}
            for symbol, lines in log_paths.items():
                # Grid points at either end are the two closes themselves, exactly.
                left, right = np.exp(lines[row, step : step + 2]).tolist()
                if step == 0:
                    left = float(path.closes[symbol][session])
                if step + 1 == GRID_STEPS:
                    right = float(path.closes[symbol][session + 1])
                last = min(
                    max(left * (1 - weight) + right * weight, min(left, right)), max(left, right)
                )
                if step < _OPEN_STEP:
                    bars[symbol] = (last, last, last, last, 0.0)
                    continue
                opens, highs, lows = _extremes(lines, step)
                bars[symbol] = (
                    float(opens[row]),
                    max(float(highs[row]), last),
                    min(float(lows[row]), last),
                    last,
                    float(path.bars[symbol][session, 4] * share),
                )
            for symbol, (base, factor) in _SCALED.items():
                bar_open, high, low, close, _ = bars[base]
                volume = float(path.bars[symbol][session, 4] * share)
                bars[symbol] = (
                    bar_open * factor,
                    high * factor,
                    low * factor,
                    close * factor,
                    volume,
                )
            for symbol in _NO_VOLUME:
                bars[symbol] = (*bars[symbol][:4], np.nan)
            self._live = _LiveBar(session, bars)
            self._live_key = (session, moment)
            return self._live


# --- generation -------------------------------------------------------------------------


def _standard_bridges(seed: int, block: int) -> np.ndarray:
    """Three independent standard Brownian bridges (0 at both ends, unit variance over
    the interval) for each session of a block: shape (_BLOCK, 3, GRID_STEPS + 1)."""
    steps = _rng(seed, _TAG_BRIDGE, block).standard_normal((_BLOCK, 3, GRID_STEPS))
    walk = np.zeros((_BLOCK, 3, GRID_STEPS + 1))
    np.cumsum(steps, axis=2, out=walk[:, :, 1:])
    walk /= np.sqrt(GRID_STEPS)
    tau = np.linspace(0.0, 1.0, GRID_STEPS + 1)
    return walk - tau * walk[:, :, -1:]


def _block_log_paths(path: _Path, block: int, seed: int) -> dict[str, np.ndarray]:
    """Intraday log-price paths of the bridged symbols for the sessions of a block:
    symbol -> (sessions, GRID_STEPS + 1), from the previous close to the close."""
    first = block * _BLOCK
    stop = min(first + _BLOCK, len(path.dates))
    bridges = _standard_bridges(seed, block)[: stop - first]
    tau = np.linspace(0.0, 1.0, GRID_STEPS + 1)
    out: dict[str, np.ndarray] = {}
    noises: dict[tuple[float, float, float], np.ndarray] = {}
    for symbol, spec in _BRIDGES.items():
        log_closes = np.log(path.closes[symbol][first : stop + 1])
        before, after = log_closes[:-1, None], log_closes[1:, None]
        noise = noises.get(spec.loadings)
        if noise is None:
            noise = noises[spec.loadings] = np.einsum("k,skg->sg", np.array(spec.loadings), bridges)
        line = before + tau * (after - before) + path.sigma[symbol][first:stop, None] * noise
        line[:, 0], line[:, -1] = before[:, 0], after[:, 0]
        out[symbol] = line
    return out


def _extremes(log_paths: np.ndarray, upto: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open, high and low of each session's regular hours up to grid step `upto`. History
    and the live bar both go through here, so they agree to the last bit."""
    regular = log_paths[:, _OPEN_STEP : upto + 1]
    return np.exp(regular[:, 0]), np.exp(regular.max(axis=1)), np.exp(regular.min(axis=1))


def _generate(seed: int, count: int) -> _Path:
    """Build the whole simulated path for `seed` and `count` members."""
    calendar = nyse_calendar()
    dates = calendar.sessions_in_range(pd.Timestamp(EPOCH), calendar.last_session)
    schedule = calendar.schedule.loc[dates]
    open_ns = pd.DatetimeIndex(schedule["open"]).as_unit("ns").asi8.copy()
    close_ns = pd.DatetimeIndex(schedule["close"]).as_unit("ns").asi8.copy()
    prev_close_ns = np.empty_like(close_ns)
    prev_close_ns[1:] = close_ns[:-1]
    prev_close_ns[0] = open_ns[0] - _PRE_EPOCH_NIGHT // timedelta(microseconds=1) * 1000
    n = len(dates)
    # Plain session dates: tz-naive, no calendar frequency (slices of it keep none).
    dates = pd.DatetimeIndex(dates.tz_localize(None).to_numpy(), name="date")

    # Market factor: regime-switching drift and volatility, with leverage (a fall
    # raises tomorrow's volatility), so the VIX built on it falls as the index rises.
    draws = _rng(seed, _TAG_MARKET).standard_normal((n, 3))
    uniforms = _rng(seed, _TAG_MARKET, 1).random(n).tolist()
    shocks, vol_shocks = draws[:, 0].tolist(), draws[:, 1].tolist()
    sigma = np.empty(n)
    forward = np.empty(n + 1)
    factor = np.empty(n)
    state, log_vol = 1, float(_REGIME_VOL[1])
    forward[0] = np.exp(log_vol)
    stay = _REGIME_STAY.tolist()
    regime_vol = _REGIME_VOL.tolist()
    for t in range(n):
        row = stay[state]
        state = 0 if uniforms[t] < row[0] else 1 if uniforms[t] < row[1] else 2
        sigma[t] = vol = math.exp(log_vol)
        z = shocks[t]
        factor[t] = _REGIME_DRIFT[state] + vol * z
        # The asymmetric part is centred, so leverage does not lift the average vol.
        leverage = -0.06 * z - 0.05 * (min(z, 0.0) + 0.3989)
        log_vol += 0.06 * (regime_vol[state] - log_vol) + leverage
        forward[t + 1] = math.exp(log_vol)
        log_vol += 0.045 * vol_shocks[t]
    scale = sigma / 0.008

    # Members: static attributes, then sector + market + idiosyncratic returns.
    static = _rng(seed, _TAG_STATIC, count)
    ranks = static.permutation(count)
    counts = _allocate(count, _SECTOR_SHARE)
    sector_of_rank = np.full(count, -1)
    for rank, top_sector in enumerate(_TOP_SECTORS[: min(10, count)]):
        if counts[top_sector] > 0:
            sector_of_rank[rank] = top_sector
            counts[top_sector] -= 1
    pool = np.repeat(np.arange(len(SECTORS)), counts)
    sector_of_rank[sector_of_rank < 0] = static.permutation(pool)
    sector = sector_of_rank[ranks]
    cap0 = (ranks + 1.0) ** -0.7 * np.exp(static.normal(0, 0.2, count))
    big = ranks < 20
    beta = np.clip(_SECTOR_BETA[sector] + static.normal(0, 0.15, count), 0.35, 1.9)
    beta /= (cap0 * beta).sum() / cap0.sum()
    idio = np.exp(static.normal(np.log(0.016), 0.25, count)) * np.where(big, 0.75, 1.0)
    alpha = (_SECTOR_ALPHA[sector] + static.normal(0, 0.03, count) + 0.045 * big) / 252
    price0 = np.clip(np.exp(static.normal(np.log(70), 0.75, count)), 8, 900)
    shares = cap0 / price0 * 1e3
    late = (ranks >= 30) & (static.random(count) < 0.08)
    listing = np.where(late, static.integers(5, 2560, count), 0)
    heads = static.integers(0, len(_NAME_HEADS), count)
    tails = static.integers(0, 4, count)
    width = max(3, len(str(count)))
    tickers = [f"SIM{i + 1:0{width}d}" for i in range(count)]
    names = [
        f"{_NAME_HEADS[h]} {_NAME_TAILS[s][k]}"
        for h, s, k in zip(heads, sector, tails, strict=True)
    ]

    sector_noise = _rng(seed, _TAG_SECTOR).standard_normal((n, 2 * len(SECTORS)))
    rotation = _ewm(sector_noise[:, len(SECTORS) :], 1 / 40) * 0.0012
    sector_returns = sector_noise[:, : len(SECTORS)] * 0.0045 * scale[:, None] + rotation
    member_noise = _rng(seed, _TAG_MEMBER).standard_normal((n, count))
    # The largest members' own moves mean-revert (an Ornstein-Uhlenbeck level), so top-10
    # concentration follows their drift rather than one name running away.
    revert = 1 / 250
    own_level = _ewm(np.vstack([np.zeros((1, int(big.sum()))), member_noise[:, big]]), revert)
    member_noise[:, big] = np.diff(own_level, axis=0) / revert
    returns = (
        factor[:, None] * beta
        + sector_returns[:, sector]
        + member_noise * idio * np.sqrt(scale)[:, None]
        + alpha
    )
    log_price = np.empty((n + 1, count))
    log_price[0] = np.log(price0)
    np.cumsum(returns, axis=0, out=log_price[1:])
    log_price[1:] += log_price[0]

    # Composites of the raw returns: cap-weighted (index), tech-like, equal-weight. A
    # member counts in a session's return once it has a close before that session.
    session_index = np.arange(n)
    counted = listing[None, :] <= np.maximum(session_index - 1, 0)[:, None]
    caps = np.exp(log_price) * shares
    before, after = np.where(counted, caps[:-1], 0.0), np.where(counted, caps[1:], 0.0)
    index_raw = np.log(after.sum(axis=1) / before.sum(axis=1))
    tech = np.isin(sector, _TECH_LIKE)
    nasdaq_raw = np.log(after[:, tech].sum(axis=1) / before[:, tech].sum(axis=1))
    gross = np.where(counted, np.exp(returns), 0.0)
    equal_raw = np.log(gross.sum(axis=1) / counted.sum(axis=1))
    del caps, before, after, gross

    # Pull the index towards its anchors (the same drift is added to every member, which
    # moves the composite by exactly that much and leaves the weights alone), and the
    # Russell, Nasdaq and RSP towards their ratios to the index.
    extra = _rng(seed, _TAG_EXTRA).standard_normal((n, 6))
    small_drift = _ewm(extra[:, :1], 1 / 15)[:, 0] * 0.0025
    small_caps = (small_drift + extra[:, 0] * 0.004 * scale).tolist()
    target = _target(dates, _GSPC_ANCHORS, _GROWTH).tolist()
    rut_target = _target(dates, _RUT_RATIO, 0.0).tolist()
    ixic_target = _target(dates, _IXIC_RATIO, 0.0).tolist()
    rsp_target = _target(dates, _RSP_RATIO, 0.0).tolist()
    index_list, nasdaq_list = index_raw.tolist(), nasdaq_raw.tolist()
    equal_list = equal_raw.tolist()
    level = np.empty(n + 1)
    rut, ixic, rsp = np.empty(n + 1), np.empty(n + 1), np.empty(n + 1)
    log_level = np.log(2043.9)
    log_rut, log_ixic, log_rsp = np.log(0.56), np.log(2.46), np.log(0.0316)
    level[0], rut[0], ixic[0], rsp[0] = log_level, log_rut, log_ixic, log_rsp
    pull = np.empty(n)
    for t in range(n):
        pull[t] = push = (target[t] - log_level) / 90
        move = index_list[t] + push
        log_level += move
        log_rut += 0.25 * move + small_caps[t] + (rut_target[t] - log_rut) / 120
        log_ixic += nasdaq_list[t] - index_list[t] + (ixic_target[t] - log_ixic) / 120
        log_rsp += equal_list[t] - index_list[t] + (rsp_target[t] - log_rsp) / 250
        level[t + 1], rut[t + 1], ixic[t + 1], rsp[t + 1] = log_level, log_rut, log_ixic, log_rsp
    log_price[1:] += np.cumsum(pull)[:, None]
    member_closes = np.exp(log_price[1:])
    member_closes[session_index[:, None] < listing[None, :]] = np.nan

    gspc = np.exp(level)
    closes = {
        "^GSPC": gspc,
        "^RUT": gspc * np.exp(rut),
        "^IXIC": gspc * np.exp(ixic),
        "RSP": gspc * np.exp(rsp),
    }

    # The VIX family: forward volatility, annualised, plus a wandering premium; the
    # term structure steepens in calm and inverts when the VIX is high.
    premium = _ewm(extra[:, 1:4], 1 / 20) * np.array([0.08, 0.12, 0.06])
    premium0 = np.vstack([np.zeros((1, 3)), premium])
    vix = (forward * np.sqrt(252) * 100 * 1.15 + 3.0) * np.exp(premium0[:, 0])
    stress = np.log(vix / 18.0)
    closes["^VIX"] = vix
    closes["^VIX9D"] = vix * np.exp(-0.08 + 0.30 * stress + premium0[:, 1])
    closes["^VIX3M"] = vix * np.exp(0.10 - 0.25 * stress + premium0[:, 2])

    intraday = 0.8 * sigma
    vix_scale = 0.055 * np.sqrt(np.clip(vix[1:] / 18.0, 0.5, 4.0))
    sigmas = {
        "^GSPC": intraday,
        "^IXIC": 1.25 * intraday,
        "^RUT": 1.3 * intraday,
        "RSP": 0.95 * intraday,
        "^VIX": vix_scale,
        "^VIX9D": 1.3 * vix_scale,
        "^VIX3M": 0.55 * vix_scale,
    }

    years = (dates - pd.Timestamp(EPOCH)).days.to_numpy() / 365.25
    activity = scale**0.6 * np.exp(0.2 * extra[:, 4] + 0.1 * extra[:, 5])
    base_volume = {
        "^GSPC": (3.6e9, 0.03),
        "^IXIC": (1.9e9, 0.13),
        "^RUT": (1.0e9, 0.03),
        "SPY": (9.0e7, -0.03),
        "RSP": (2.5e6, 0.12),
        "IWM": (3.2e7, 0.0),
    }
    volumes = {
        symbol: start * np.exp(growth * years) * activity
        for symbol, (start, growth) in base_volume.items()
    }

    path = _Path(
        dates=dates,
        open_ns=open_ns,
        close_ns=close_ns,
        prev_close_ns=prev_close_ns,
        closes=closes,
        sigma=sigmas,
        bars={},
        member_closes=member_closes,
        member_shares=shares,
        tickers=tickers,
        names=names,
        sectors=[SECTORS[s] for s in sector],
        column_of={ticker: column for column, ticker in enumerate(tickers)},
    )
    for symbol in INDEX_SYMBOLS:
        path.bars[symbol] = np.empty((n, len(BAR_COLUMNS)))
    for block in range((n + _BLOCK - 1) // _BLOCK):
        first = block * _BLOCK
        for symbol, log_paths in _block_log_paths(path, block, seed).items():
            rows = slice(first, first + len(log_paths))
            opens, highs, lows = _extremes(log_paths, GRID_STEPS)
            closes_now = path.closes[symbol][first + 1 : first + 1 + len(log_paths)]
            bars = path.bars[symbol][rows]
            bars[:, 0] = opens
            bars[:, 1] = np.maximum(highs, closes_now)
            bars[:, 2] = np.minimum(lows, closes_now)
            bars[:, 3] = closes_now
    for symbol, (base, multiple) in _SCALED.items():
        path.bars[symbol][:, :4] = path.bars[base][:, :4] * multiple
    for symbol, bars in path.bars.items():
        volume = volumes.get(symbol)
        bars[:, 4] = np.nan if volume is None else volume
    return path
