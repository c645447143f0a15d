"""The simulated market: a deterministic, seeded stand-in for the S&P 500 and its
neighbours, the offline default source. One path is generated per instance (lazily, on
first use, then cached) from a fixed epoch (2016-01-04) through the last NYSE session the
calendar knows, by named stages that `_generate` runs in the market's order: the session
calendar; the market factor's regime path (calm / normal / stress volatility with
leverage and trends); several hundred synthetic members in the 11 GICS sectors, loading
on the market, their sector and their own noise; ^GSPC as their exact cap-weighted
composite, with a slow pull towards coarse real-world anchors that keeps levels
realistic (^GSPC near 7,000 in 2026); ^RUT, ^IXIC (the tech-like sectors' composite) and
RSP (the equal-weight one) as ratios to it, SPY and IWM as fixed multiples; the VIX
family from the market's forward volatility plus a premium, so it falls as the index
rises and its term structure is in contango except under stress; and the daily bars,
read off each session's intraday Brownian bridge. The stages use only causal recursions
and random streams of their own, drawn a row per session, so a date's bars depend on the
seed alone, never on the window asked for or on how far the calendar reaches. While the
app runs, the session in progress is read off the same bridge, from its open to its own
daily close, at the clock's time, so live and history always agree. Like the index it
stands for, the simulated market trades in regular hours only: in pre-market, after
hours, nights, weekends and holidays it rests, and every symbol quotes its last close
(stamped at that close; no bar for the next session until it opens, which it does with
the gap its bridge spent overnight). SPY and IWM, which really trade in extended hours,
rest with the indices they are multiples of here. So a closed market's refreshes
change nothing, and the engine cycles on the closed cadence then. The index's option
chains (`option_chain`) are `core.sources.sim_options`' chains at the index's and the
VIX's level of the chain's moment: a session's close, or now in the live session."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from core.clock import NEW_YORK, Clock, system_clock
from core.options.chain import OptionChain
from core.session import session_times
from core.snapshot import SourceKind
from core.sources.base import (
    BAR_COLUMNS,
    Capability,
    FetchKind,
    MemberPanel,
    Quote,
    empty_bars,
)
from core.sources.sim_options import simulated_chain

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
_CHUNK: Final = 256
"""Sessions per chunk of the stages that run over every member, so that their
temporaries are a chunk's size, not the whole history's (~12 MB each for 500 members):
each session's row is computed on its own, so the bits are the same either way."""

TREND_SESSIONS: Final = 20
"""The option chains' `trend`: the index's log return over this many sessions."""
CLOSING_CHAINS_KEPT: Final = 4
"""Closing option chains kept for reuse (a replay asking the same sessions again)."""

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
_NORMAL_VOL: Final = 0.008
"""Daily volatility of the normal regime: sector, own and activity noise scale from it."""
_REGIME_VOL = np.log([0.0055, _NORMAL_VOL, 0.02])
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
_BASE_VOLUME: Final = {
    "^GSPC": (3.6e9, 0.03),
    "^IXIC": (1.9e9, 0.13),
    "^RUT": (1.0e9, 0.03),
    "SPY": (9.0e7, -0.03),
    "RSP": (2.5e6, 0.12),
    "IWM": (3.2e7, 0.0),
}
"""Daily volume at the epoch in a normal market, and its annual log growth."""


@dataclass(frozen=True)
class _BridgeSpec:
    """How a symbol's intraday path loads on the three standard bridges of a session
    (market, small-cap/style, volatility), and its daily scale: a multiple of the index's
    intraday volatility or of the VIX family's."""

    loadings: tuple[float, float, float]
    scale: Literal["index", "vix"]
    multiple: float


_BRIDGES: Final = {
    "^GSPC": _BridgeSpec((1.0, 0.0, 0.0), "index", 1.0),
    "^IXIC": _BridgeSpec((0.96, -0.28, 0.0), "index", 1.25),
    "^RUT": _BridgeSpec((0.8, 0.6, 0.0), "index", 1.3),
    "RSP": _BridgeSpec((0.97, 0.243, 0.0), "index", 0.95),
    "^VIX": _BridgeSpec((-0.75, 0.0, 0.661), "vix", 1.0),
    "^VIX9D": _BridgeSpec((-0.75, 0.0, 0.661), "vix", 1.3),
    "^VIX3M": _BridgeSpec((-0.75, 0.0, 0.661), "vix", 0.55),
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


_Bar = tuple[float, float, float, float, float]
"""One session's open, high, low, close and volume."""


@dataclass(frozen=True)
class _LiveBar:
    """The bar of the session in progress at one instant, per symbol."""

    session: int
    bars: dict[str, _Bar]


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


def _trend(index_closes: np.ndarray, session: int, level: float) -> float:
    """The index's log return from the close 20 sessions before `session` to `level`
    (its close, or its live level); 0 within the path's first 20 sessions."""
    before = session + 1 - TREND_SESSIONS
    return math.log(level / float(index_closes[before])) if before >= 0 else 0.0


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
    while the index-like symbols also get the partial bar of the session in progress
    during its regular hours (outside them the market rests on its last close)."""

    kind: SourceKind = "sim"
    simulated: bool = True
    historical: bool = False
    cached: bool = False
    capabilities: frozenset[Capability] = frozenset(
        {
            "daily_bars",
            "intraday_quotes",
            "members",
            "member_weights",
            "option_chains",
            "intraday_bars",
        }
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
        self._closing_chains: OrderedDict[int, OptionChain] = OrderedDict()
        """The chains at the close of the sessions last asked for, least recent first."""

    # --- the Source protocol --------------------------------------------------------

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Daily bars from `start` to `end` inclusive for the symbols the simulation
        carries (index-like symbols and member tickers); others are absent. Completed
        sessions only, plus the partial bar of a session in its regular hours when it
        falls in the window (index-like symbols only)."""
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
        """The current price of each index-like symbol asked for: in regular hours the
        session's price now, outside them the last close, stamped at that close (the
        market rests). Empty before the first session closes and past the calendar."""
        path = self._generated()
        now = self._clock()
        live = self._live_bar(path, now)
        if live is not None:
            stamp = (now if now.tzinfo is not None else now.replace(tzinfo=NEW_YORK)).astimezone(
                NEW_YORK
            )
            session = path.dates[live.session].date()
            return {
                symbol: Quote(symbol, live.bars[symbol][3], stamp, session)
                for symbol in dict.fromkeys(symbols)
                if symbol in live.bars
            }
        completed = self._completed(path, now)
        if completed == 0 or completed >= len(path.dates):
            return {}
        last = completed - 1
        closed_at = datetime.fromtimestamp(int(path.close_ns[last]) // 1_000_000_000, tz=UTC)
        stamp, session = closed_at.astimezone(NEW_YORK), path.dates[last].date()
        return {
            symbol: Quote(symbol, float(path.bars[symbol][last, 3]), stamp, session)
            for symbol in dict.fromkeys(symbols)
            if symbol in path.bars
        }

    def option_chain(self, session: date) -> OptionChain | None:
        """The simulated `^SPX` chain (`core.sources.sim_options`) a replay of `session`
        sees: for a session closed by the clock's time (or a day between sessions: the
        session before it), the chain at its close (16:00, or the early close) with the
        index's and the VIX's closes; for the session in progress in regular hours, the
        chain now at the live index and VIX (as `quotes` reads them); for a session not
        open yet, or past the generated path, the latest there is. None before the first
        session. `trend` is the index's log return over the 20 sessions to the chain's
        moment. Same session and clock, same chain; the last few closing chains are kept
        (about 0.7 MB each; one costs a few ms)."""
        path = self._generated()
        now = self._clock()
        last = int(path.dates.searchsorted(_day(session), side="right")) - 1
        if last < 0:
            return None
        completed = self._completed(path, now)
        if last < completed:
            return self._closing_chain(path, last)
        live = self._live_bar(path, now)
        if live is not None:
            return self._live_chain(path, live, now)
        return self._closing_chain(path, completed - 1) if completed else None

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """The 5-minute bars of `symbol` in `session` (`core.sources.sim_intraday`):
        from its open to the clock's time, or to its close once closed; no rows before
        it opens, on a day that is no session, or past the generated path; None for a
        symbol without an intraday path of its own (members, SPY, IWM). The bar in
        progress ends at the clock's time, so its close is the symbol's quote now."""
        from core.sources.base import empty_intraday
        from core.sources.sim_intraday import session_bars

        path = self._generated()
        if symbol not in path.closes:
            return None
        now = self._clock()
        row = int(path.dates.searchsorted(_day(session), side="left"))
        if row >= len(path.dates) or path.dates[row] != _day(session):
            return empty_intraday()
        moment = _ns(now)
        if moment <= path.open_ns[row]:
            return empty_intraday()
        line = self._log_paths(path, row // _BLOCK)[symbol][row % _BLOCK]
        return session_bars(path, line, row, moment, symbol)

    # --- extras ---------------------------------------------------------------------

    def live_session(self) -> date | None:
        """The session in progress or, outside regular hours, the next one to open (it
        has no bar until then); None past the end of the calendar."""
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

    def _closing_chain(self, path: _Path, session: int) -> OptionChain:
        """The chain at the close of `session` (a row of the path), kept for reuse."""
        with self._lock:
            kept = self._closing_chains.get(session)
            if kept is not None:
                self._closing_chains.move_to_end(session)
                return kept
        index, vix = path.closes["^GSPC"], path.closes["^VIX"]
        closed_at = datetime.fromtimestamp(int(path.close_ns[session]) // 1_000_000_000, tz=UTC)
        chain = simulated_chain(
            path.dates[session].date(),
            float(index[session + 1]),
            float(vix[session + 1]),
            self.seed,
            closed_at.astimezone(NEW_YORK),
            _trend(index, session, float(index[session + 1])),
        )
        with self._lock:
            self._closing_chains[session] = chain
            if len(self._closing_chains) > CLOSING_CHAINS_KEPT:
                self._closing_chains.popitem(last=False)
        return chain

    def _live_chain(self, path: _Path, live: _LiveBar, now: datetime) -> OptionChain:
        """The chain of the session in progress at `now`, at the live index and VIX."""
        stamp = (now if now.tzinfo is not None else now.replace(tzinfo=NEW_YORK)).astimezone(
            NEW_YORK
        )
        spot = live.bars["^GSPC"][3]
        return simulated_chain(
            path.dates[live.session].date(),
            spot,
            live.bars["^VIX"][3],
            self.seed,
            stamp,
            _trend(path.closes["^GSPC"], live.session, spot),
        )

    def _live_bar(self, path: _Path, now: datetime | None = None) -> _LiveBar | None:
        """Every index-like symbol's bar of the session in progress at the clock's time;
        None outside regular hours (the market rests) and past the calendar. The bar is
        kept for its instant, and the intraday paths for the session's block."""
        now = self._clock() if now is None else now
        moment = _ns(now)
        session = int(np.searchsorted(path.close_ns, moment, side="right"))
        if session >= len(path.dates) or moment < path.open_ns[session]:
            return None
        with self._lock:
            if self._live is not None and self._live_key == (session, moment):
                return self._live
            log_paths = self._log_paths_locked(path, session // _BLOCK)
            self._live = _LiveBar(session, _live_bars(path, log_paths, session, moment))
            self._live_key = (session, moment)
            return self._live

    def _log_paths(self, path: _Path, block: int) -> dict[str, np.ndarray]:
        """The intraday log paths of a block of sessions (kept for the last block)."""
        with self._lock:
            return self._log_paths_locked(path, block)

    def _log_paths_locked(self, path: _Path, block: int) -> dict[str, np.ndarray]:
        if self._block_cache is None or self._block_cache[0] != block:
            self._block_cache = (block, _block_log_paths(self.seed, block, path.closes, path.sigma))
        return self._block_cache[1]


# --- generation: the stages, in the order `_generate` runs them ---------------------------
#
# Each random component draws from its own stream, so one stage's draws never shift
# another's; inside a stream the order and shape of the draws are part of the market
# (change them and a seed gives another market, and the snapshots built on it change).


@dataclass(frozen=True)
class _Sessions:
    """The session calendar: each session's date and times (ns since the epoch, UTC)."""

    dates: pd.DatetimeIndex
    open_ns: np.ndarray
    close_ns: np.ndarray


@dataclass(frozen=True)
class _Regime:
    """The market factor every member loads on, session by session."""

    returns: np.ndarray
    """Daily log return of the factor."""
    vol: np.ndarray
    """Daily volatility each session's return was drawn with."""
    forward: np.ndarray
    """n + 1: volatility expected for the next session, after each close (row 0 before
    the epoch)."""
    scale: np.ndarray
    """Each session's volatility against the normal regime's: sector moves, members' own
    moves and trading activity swell with it."""


@dataclass(frozen=True)
class _Roster:
    """The members' fixed attributes, one entry per member in ticker order."""

    tickers: list[str]
    names: list[str]
    sector: np.ndarray
    """Position in SECTORS."""
    big: np.ndarray
    """The 20 largest by starting cap: calmer own moves that mean-revert."""
    beta: np.ndarray
    own_vol: np.ndarray
    """Daily volatility of the member's own (idiosyncratic) moves in the normal regime."""
    drift: np.ndarray
    """Daily drift against the market: the sector's, the member's, and the largest's."""
    first_price: np.ndarray
    shares: np.ndarray
    listing: np.ndarray
    """Row of the member's first close; 0 for members listed from the epoch."""


@dataclass(frozen=True)
class _Composites:
    """Daily log returns of the members' composites, before any pull to the anchors."""

    cap_weighted: np.ndarray
    tech_like: np.ndarray
    """Cap-weighted over the sectors of `_TECH_LIKE` (the Nasdaq's)."""
    equal_weight: np.ndarray


@dataclass(frozen=True)
class _IndexNoise:
    """Noise of the index-level series beyond the market factor. One stream, drawn as six
    columns at once; each column block has one job."""

    style: np.ndarray
    """n x 1: the small caps' style factor."""
    premium: np.ndarray
    """n x 3: the VIX, VIX9D and VIX3M premia."""
    activity: np.ndarray
    """n x 2: trading activity beyond what volatility explains."""


@dataclass(frozen=True)
class _IndexPath:
    """^GSPC's log closes and what each session added to them."""

    log_level: np.ndarray
    """n + 1; row 0 is the level before the epoch."""
    moves: np.ndarray
    """Each session's log return."""
    pull: np.ndarray
    """The part of each session's return that pulls the index towards its anchors."""


def _session_calendar() -> _Sessions:
    """Every NYSE session from EPOCH through the last one the calendar knows (read from
    the calendar cache when it is current: no exchange_calendars import)."""
    days, open_ns, close_ns = session_times(EPOCH)
    # Plain session dates: tz-naive nanoseconds, no calendar frequency.
    dates = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
    return _Sessions(dates, open_ns, close_ns)


def _market_regime(seed: int, n: int) -> _Regime:
    """The market factor's path over `n` sessions: each session first moves between the
    calm, normal and stress regimes, then draws a return with the regime's drift and the
    current volatility. Volatility pulls towards the regime's level and rises after a fall
    (leverage), so the VIX built on it falls as the index rises."""
    # The third column is never read; it stays drawn because the stream's layout fixes
    # the first two.
    draws = _rng(seed, _TAG_MARKET).standard_normal((n, 3))
    uniforms = _rng(seed, _TAG_MARKET, 1).random(n).tolist()
    shocks, vol_shocks = draws[:, 0].tolist(), draws[:, 1].tolist()
    vol = np.empty(n)
    forward = np.empty(n + 1)
    returns = np.empty(n)
    state, log_vol = 1, float(_REGIME_VOL[1])
    forward[0] = np.exp(log_vol)
    stay = _REGIME_STAY.tolist()
    regime_vol = _REGIME_VOL.tolist()
    # A scalar loop over Python floats: the recursion is sequential, and floats beat
    # numpy scalars here.
    for t in range(n):
        row = stay[state]
        state = 0 if uniforms[t] < row[0] else 1 if uniforms[t] < row[1] else 2
        vol[t] = today = math.exp(log_vol)
        z = shocks[t]
        returns[t] = _REGIME_DRIFT[state] + today * z
        # The asymmetric part is centred, so leverage does not lift the average vol.
        leverage = -0.06 * z - 0.05 * (min(z, 0.0) + 0.3989)
        log_vol += 0.06 * (regime_vol[state] - log_vol) + leverage
        forward[t + 1] = math.exp(log_vol)
        log_vol += 0.045 * vol_shocks[t]
    return _Regime(returns=returns, vol=vol, forward=forward, scale=vol / _NORMAL_VOL)


def _member_roster(seed: int, count: int) -> _Roster:
    """The members' fixed attributes. Cap follows a power law of a random rank; betas are
    scaled so the starting cap-weighted beta is 1; a few members outside the top 30 list
    after the epoch. Every draw comes from one stream per member count, in this order."""
    static = _rng(seed, _TAG_STATIC, count)
    ranks = static.permutation(count)
    sector = _sectors_by_rank(static, count)[ranks]
    cap0 = (ranks + 1.0) ** -0.7 * np.exp(static.normal(0, 0.2, count))
    big = ranks < 20
    beta = np.clip(_SECTOR_BETA[sector] + static.normal(0, 0.15, count), 0.35, 1.9)
    beta /= (cap0 * beta).sum() / cap0.sum()
    own_vol = np.exp(static.normal(np.log(0.016), 0.25, count)) * np.where(big, 0.75, 1.0)
    drift = (_SECTOR_ALPHA[sector] + static.normal(0, 0.03, count) + 0.045 * big) / 252
    first_price = np.clip(np.exp(static.normal(np.log(70), 0.75, count)), 8, 900)
    late = (ranks >= 30) & (static.random(count) < 0.08)
    listing = np.where(late, static.integers(5, 2560, count), 0)
    heads = static.integers(0, len(_NAME_HEADS), count)
    tails = static.integers(0, 4, count)
    return _Roster(
        tickers=_tickers(count),
        names=[
            f"{_NAME_HEADS[h]} {_NAME_TAILS[s][k]}"
            for h, s, k in zip(heads, sector, tails, strict=True)
        ],
        sector=sector,
        big=big,
        beta=beta,
        own_vol=own_vol,
        drift=drift,
        first_price=first_price,
        shares=cap0 / first_price * 1e3,
        listing=listing,
    )


def _sectors_by_rank(static: np.random.Generator, count: int) -> np.ndarray:
    """Sector of the member at each cap rank: the ten largest in the sectors of the real
    index's top ten, the others shuffled in the sectors' shares (one member at least each)."""
    counts = _allocate(count, _SECTOR_SHARE)
    sector_of_rank = np.full(count, -1)
    for rank, top_sector in enumerate(_TOP_SECTORS[: min(10, count)]):
        if counts[top_sector] > 0:
            sector_of_rank[rank] = top_sector
            counts[top_sector] -= 1
    pool = np.repeat(np.arange(len(SECTORS)), counts)
    sector_of_rank[sector_of_rank < 0] = static.permutation(pool)
    return sector_of_rank


def _tickers(count: int) -> list[str]:
    """SIM001, SIM002, ...: zero-padded to at least three digits, so they sort in order."""
    width = max(3, len(str(count)))
    return [f"SIM{i + 1:0{width}d}" for i in range(count)]


def _sector_returns(seed: int, scale: np.ndarray) -> np.ndarray:
    """n x sectors: each sector's daily return on top of the market, noise that swells
    with the market's volatility plus a slow rotation between sectors."""
    noise = _rng(seed, _TAG_SECTOR).standard_normal((len(scale), 2 * len(SECTORS)))
    rotation = _ewm(noise[:, len(SECTORS) :], 1 / 40) * 0.0012
    return noise[:, : len(SECTORS)] * 0.0045 * scale[:, None] + rotation


def _own_shocks(seed: int, big: np.ndarray, out: np.ndarray) -> None:
    """Fill `out` (n x members) with standard shocks of each member's own moves. The
    largest members' shocks are the steps of a mean-reverting (Ornstein-Uhlenbeck)
    level, so top-10 concentration follows their drift rather than one name running
    away."""
    shocks = _rng(seed, _TAG_MEMBER).standard_normal(out=out)
    revert = 1 / 250
    own_level = _ewm(np.vstack([np.zeros((1, int(big.sum()))), shocks[:, big]]), revert)
    shocks[:, big] = np.diff(own_level, axis=0) / revert


def _chunks(n: int) -> Iterator[slice]:
    """Row ranges of `_CHUNK` sessions covering n sessions."""
    return (slice(first, min(first + _CHUNK, n)) for first in range(0, n, _CHUNK))


def _counted(listing: np.ndarray, rows: slice) -> np.ndarray:
    """rows x members: whether a member counts in each session's composite return (it
    has a close before that session)."""
    return listing[None, :] <= np.maximum(np.arange(rows.start, rows.stop) - 1, 0)[:, None]


def _member_returns(seed: int, regime: _Regime, roster: _Roster, out: np.ndarray) -> None:
    """Fill `out` (n x members) with daily log returns: beta times the market factor,
    the sector's return, the member's own move (scaled by the market's volatility) and
    its drift, added in that order."""
    _own_shocks(seed, roster.big, out)
    sector = _sector_returns(seed, regime.scale)
    own_scale = np.sqrt(regime.scale)
    for rows in _chunks(len(out)):
        own = out[rows]
        own *= roster.own_vol
        own *= own_scale[rows, None]
        market_and_sector = regime.returns[rows, None] * roster.beta
        market_and_sector += sector[rows][:, roster.sector]
        np.add(market_and_sector, own, out=own)
        own += roster.drift


def _equal_weight_returns(returns: np.ndarray, listing: np.ndarray) -> np.ndarray:
    """The members' equal-weight composite return of each session (from `returns`, n x
    members, before they are compounded in their place)."""
    out = np.empty(len(returns))
    for rows in _chunks(len(returns)):
        counted = _counted(listing, rows)
        gross = np.where(counted, np.exp(returns[rows]), 0.0)
        out[rows] = np.log(gross.sum(axis=1) / counted.sum(axis=1))
    return out


def _compound(log_prices: np.ndarray, first_price: np.ndarray) -> None:
    """Turn `log_prices` (n + 1 x members, rows 1..n holding daily log returns) into log
    prices compounded from the first price (row 0), in place, before the pull to the
    anchors."""
    log_prices[0] = np.log(first_price)
    np.cumsum(log_prices[1:], axis=0, out=log_prices[1:])
    log_prices[1:] += log_prices[0]


def _composite_returns(
    raw_log_prices: np.ndarray, equal_weight: np.ndarray, roster: _Roster
) -> _Composites:
    """The members' cap-weighted and tech-like composite returns (with the equal-weight
    one, computed before the returns were compounded). A member counts in a session's
    return once it has a close before that session."""
    n = len(raw_log_prices) - 1
    cap_weighted, tech_like = np.empty(n), np.empty(n)
    tech = np.isin(roster.sector, _TECH_LIKE)
    for rows in _chunks(n):
        counted = _counted(roster.listing, rows)
        caps = np.exp(raw_log_prices[rows.start : rows.stop + 1]) * roster.shares
        before, after = np.where(counted, caps[:-1], 0.0), np.where(counted, caps[1:], 0.0)
        cap_weighted[rows] = np.log(after.sum(axis=1) / before.sum(axis=1))
        tech_like[rows] = np.log(after[:, tech].sum(axis=1) / before[:, tech].sum(axis=1))
    return _Composites(cap_weighted=cap_weighted, tech_like=tech_like, equal_weight=equal_weight)


def _index_noise(seed: int, n: int) -> _IndexNoise:
    """The index-level noise stream, split into its column blocks."""
    extra = _rng(seed, _TAG_EXTRA).standard_normal((n, 6))
    return _IndexNoise(style=extra[:, :1], premium=extra[:, 1:4], activity=extra[:, 4:])


def _anchored_index(dates: pd.DatetimeIndex, cap_weighted: np.ndarray) -> _IndexPath:
    """^GSPC: the members' cap-weighted composite plus a pull of 1/90 of the gap to its
    anchors a session, from the real close of 2015-12-31."""
    target = _target(dates, _GSPC_ANCHORS, _GROWTH).tolist()
    composite = cap_weighted.tolist()
    n = len(composite)
    level, moves, pull = np.empty(n + 1), np.empty(n), np.empty(n)
    log_level = level[0] = np.log(2043.9)
    for t in range(n):
        pull[t] = push = (target[t] - log_level) / 90
        moves[t] = move = composite[t] + push
        log_level += move
        level[t + 1] = log_level
    return _IndexPath(log_level=level, moves=moves, pull=pull)


def _member_closes(raw_log_prices: np.ndarray, pull: np.ndarray, listing: np.ndarray) -> np.ndarray:
    """n x members closes, NaN before a member lists, made in place of rows 1..n of
    `raw_log_prices`. Every member carries the index's pull to its anchors: the same
    drift for all moves the cap-weighted composite by exactly that much and leaves the
    weights alone."""
    closes = raw_log_prices[1:]
    closes += np.cumsum(pull)[:, None]
    np.exp(closes, out=closes)
    closes[np.arange(len(closes))[:, None] < listing[None, :]] = np.nan
    return closes


def _ratio_path(start: float, excess: np.ndarray, target: np.ndarray, speed: float) -> np.ndarray:
    """n + 1 log ratios of a symbol to ^GSPC, from `start`: each session adds the symbol's
    excess return over the index and 1/speed of the gap to the log target ratio."""
    out = np.empty(len(excess) + 1)
    log_ratio = out[0] = np.log(start)
    steps, goals = excess.tolist(), target.tolist()
    for t in range(len(steps)):
        log_ratio += steps[t] + (goals[t] - log_ratio) / speed
        out[t + 1] = log_ratio
    return out


def _small_cap_style(noise: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The small caps' own daily return: a slowly wandering drift plus noise that swells
    with the market's volatility."""
    return _ewm(noise, 1 / 15)[:, 0] * 0.0025 + noise[:, 0] * 0.004 * scale


def _small_caps(dates: pd.DatetimeIndex, index: _IndexPath, style: np.ndarray) -> np.ndarray:
    """^RUT's log ratio to ^GSPC: small caps move 1.25 times the index plus their own
    style, pulled towards the anchor ratios."""
    return _ratio_path(0.56, 0.25 * index.moves + style, _target(dates, _RUT_RATIO, 0.0), 120)


def _nasdaq(dates: pd.DatetimeIndex, composites: _Composites) -> np.ndarray:
    """^IXIC's log ratio to ^GSPC: the tech-like composite's excess over the index, pulled
    towards the anchor ratios."""
    excess = composites.tech_like - composites.cap_weighted
    return _ratio_path(2.46, excess, _target(dates, _IXIC_RATIO, 0.0), 120)


def _equal_weight(dates: pd.DatetimeIndex, composites: _Composites) -> np.ndarray:
    """RSP's log ratio to ^GSPC: the equal-weight composite's excess over the cap-weighted
    one, pulled slowly towards the anchor ratios."""
    excess = composites.equal_weight - composites.cap_weighted
    return _ratio_path(0.0316, excess, _target(dates, _RSP_RATIO, 0.0), 250)


def _vix_family(forward: np.ndarray, noise: np.ndarray) -> dict[str, np.ndarray]:
    """^VIX, ^VIX9D and ^VIX3M (n + 1 closes each): the market's forward volatility,
    annualised, marked up, times a wandering premium. The term structure is in contango in
    calm markets and inverts when the VIX is high."""
    premium = _ewm(noise, 1 / 20) * np.array([0.08, 0.12, 0.06])
    premium0 = np.vstack([np.zeros((1, 3)), premium])
    vix = (forward * np.sqrt(252) * 100 * 1.15 + 3.0) * np.exp(premium0[:, 0])
    stress = np.log(vix / 18.0)
    return {
        "^VIX": vix,
        "^VIX9D": vix * np.exp(-0.08 + 0.30 * stress + premium0[:, 1]),
        "^VIX3M": vix * np.exp(0.10 - 0.25 * stress + premium0[:, 2]),
    }


def _bridge_scales(vol: np.ndarray, vix: np.ndarray) -> dict[str, np.ndarray]:
    """Daily scale of each bridged symbol's intraday log path, per session: a multiple of
    the index's volatility, or for the VIX family of a scale growing with the VIX."""
    bases = {"index": 0.8 * vol, "vix": 0.055 * np.sqrt(np.clip(vix[1:] / 18.0, 0.5, 4.0))}
    return {symbol: spec.multiple * bases[spec.scale] for symbol, spec in _BRIDGES.items()}


def _volumes(
    dates: pd.DatetimeIndex, scale: np.ndarray, noise: np.ndarray
) -> dict[str, np.ndarray]:
    """Daily volume of each symbol that has one: its base volume growing over the years,
    times an activity that rises with volatility."""
    years = (dates - pd.Timestamp(EPOCH)).days.to_numpy() / 365.25
    activity = scale**0.6 * np.exp(0.2 * noise[:, 0] + 0.1 * noise[:, 1])
    return {
        symbol: start * np.exp(growth * years) * activity
        for symbol, (start, growth) in _BASE_VOLUME.items()
    }


def _standard_bridges(seed: int, block: int) -> np.ndarray:
    """Three independent standard Brownian bridges (0 at both ends, unit variance over
    the interval) for each session of a block: shape (_BLOCK, 3, GRID_STEPS + 1)."""
    steps = _rng(seed, _TAG_BRIDGE, block).standard_normal((_BLOCK, 3, GRID_STEPS))
    walk = np.zeros((_BLOCK, 3, GRID_STEPS + 1))
    np.cumsum(steps, axis=2, out=walk[:, :, 1:])
    walk /= np.sqrt(GRID_STEPS)
    tau = np.linspace(0.0, 1.0, GRID_STEPS + 1)
    return walk - tau * walk[:, :, -1:]


def _block_log_paths(
    seed: int, block: int, closes: Mapping[str, np.ndarray], sigma: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Intraday log-price paths of the bridged symbols for the sessions of a block:
    symbol -> (sessions, GRID_STEPS + 1), from the previous close to the close."""
    first = block * _BLOCK
    stop = min(first + _BLOCK, len(closes["^GSPC"]) - 1)
    bridges = _standard_bridges(seed, block)[: stop - first]
    tau = np.linspace(0.0, 1.0, GRID_STEPS + 1)
    out: dict[str, np.ndarray] = {}
    noises: dict[tuple[float, float, float], np.ndarray] = {}
    for symbol, spec in _BRIDGES.items():
        log_closes = np.log(closes[symbol][first : stop + 1])
        before, after = log_closes[:-1, None], log_closes[1:, None]
        noise = noises.get(spec.loadings)
        if noise is None:
            noise = noises[spec.loadings] = np.einsum("k,skg->sg", np.array(spec.loadings), bridges)
        line = before + tau * (after - before) + sigma[symbol][first:stop, None] * noise
        line[:, 0], line[:, -1] = before[:, 0], after[:, 0]
        out[symbol] = line
    return out


def _extremes(log_paths: np.ndarray, upto: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open, high and low of each session's regular hours up to grid step `upto`. History
    and the live bar both go through here, so they agree to the last bit."""
    regular = log_paths[:, _OPEN_STEP : upto + 1]
    return np.exp(regular[:, 0]), np.exp(regular.max(axis=1)), np.exp(regular.min(axis=1))


def _daily_bars(
    seed: int,
    closes: Mapping[str, np.ndarray],
    sigma: Mapping[str, np.ndarray],
    volumes: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """n x 5 daily bars of every index-like symbol: open, high and low from the regular
    hours of each session's intraday path (the live bar's own, so live and history agree),
    the daily close, and the volume (NaN for the VIX family). SPY and IWM are fixed
    multiples of ^GSPC and ^RUT."""
    n = len(closes["^GSPC"]) - 1
    bars = {symbol: np.empty((n, len(BAR_COLUMNS))) for symbol in INDEX_SYMBOLS}
    for block in range((n + _BLOCK - 1) // _BLOCK):
        first = block * _BLOCK
        for symbol, log_paths in _block_log_paths(seed, block, closes, sigma).items():
            opens, highs, lows = _extremes(log_paths, GRID_STEPS)
            closes_now = closes[symbol][first + 1 : first + 1 + len(log_paths)]
            rows = bars[symbol][first : first + len(log_paths)]
            rows[:, 0] = opens
            rows[:, 1] = np.maximum(highs, closes_now)
            rows[:, 2] = np.minimum(lows, closes_now)
            rows[:, 3] = closes_now
    for symbol, (base, multiple) in _SCALED.items():
        bars[symbol][:, :4] = bars[base][:, :4] * multiple
    for symbol, rows in bars.items():
        volume = volumes.get(symbol)
        rows[:, 4] = np.nan if volume is None else volume
    return bars


def _generate(seed: int, count: int) -> _Path:
    """Build the whole simulated market for `seed` and `count` members, stage by stage."""
    sessions = _session_calendar()
    dates = sessions.dates
    regime = _market_regime(seed, len(dates))
    roster = _member_roster(seed, count)
    # The one n x members array: returns, then log prices, then closes, in place.
    log_prices = np.empty((len(dates) + 1, count))
    _member_returns(seed, regime, roster, out=log_prices[1:])
    equal_weight = _equal_weight_returns(log_prices[1:], roster.listing)
    _compound(log_prices, roster.first_price)
    composites = _composite_returns(log_prices, equal_weight, roster)
    noise = _index_noise(seed, len(dates))
    index = _anchored_index(dates, composites.cap_weighted)
    member_closes = _member_closes(log_prices, index.pull, roster.listing)
    style = _small_cap_style(noise.style, regime.scale)
    gspc = np.exp(index.log_level)
    closes = {
        "^GSPC": gspc,
        "^RUT": gspc * np.exp(_small_caps(dates, index, style)),
        "^IXIC": gspc * np.exp(_nasdaq(dates, composites)),
        "RSP": gspc * np.exp(_equal_weight(dates, composites)),
        **_vix_family(regime.forward, noise.premium),
    }
    sigma = _bridge_scales(regime.vol, closes["^VIX"])
    volumes = _volumes(dates, regime.scale, noise.activity)
    return _Path(
        dates=dates,
        open_ns=sessions.open_ns,
        close_ns=sessions.close_ns,
        closes=closes,
        sigma=sigma,
        bars=_daily_bars(seed, closes, sigma, volumes),
        member_closes=member_closes,
        member_shares=roster.shares,
        tickers=roster.tickers,
        names=roster.names,
        sectors=[SECTORS[s] for s in roster.sector],
        column_of={ticker: column for column, ticker in enumerate(roster.tickers)},
    )


# --- the live bar -----------------------------------------------------------------------


def _bridge_time(path: _Path, session: int, moment: int) -> float:
    """Where `moment` (ns, in regular hours) falls on `session`'s bridge, from 0 at the
    previous close to 1 at its close: OVERNIGHT_SHARE is the gap at the open (nothing
    trades before it), the rest is spent evenly over regular hours."""
    opened = path.open_ns[session]
    tau = OVERNIGHT_SHARE + (1 - OVERNIGHT_SHARE) * (moment - opened) / max(
        path.close_ns[session] - opened, 1
    )
    return min(max(float(tau), OVERNIGHT_SHARE), 1.0)


def _price_on_grid(line: np.ndarray, step: int, weight: float, ends: np.ndarray) -> float:
    """The price `weight` of the way from grid point `step` to the next on one session's
    log path, kept between the two. `ends` holds the previous close and the close, which
    stand for the grid's end points exactly (exp of a log close can miss it by a bit)."""
    left, right = np.exp(line[step : step + 2]).tolist()
    if step == 0:
        left = float(ends[0])
    if step + 1 == GRID_STEPS:
        right = float(ends[1])
    return min(max(left * (1 - weight) + right * weight, min(left, right)), max(left, right))


def _live_bars(
    path: _Path, log_paths: Mapping[str, np.ndarray], session: int, moment: int
) -> dict[str, _Bar]:
    """Every index-like symbol's bar of `session` at `moment` (ns, in regular hours), read
    off the intraday log paths of the session's block: the regular hours so far, with the
    share of the day's volume their time stands for."""
    tau = _bridge_time(path, session, moment)
    position = tau * GRID_STEPS
    step = min(int(position), GRID_STEPS - 1)
    weight = position - step
    share = max(tau - OVERNIGHT_SHARE, 0.0) / (1 - OVERNIGHT_SHARE)
    row = session % _BLOCK
    bars: dict[str, _Bar] = {}
    for symbol, lines in log_paths.items():
        last = _price_on_grid(lines[row], step, weight, path.closes[symbol][session : session + 2])
        # The whole block, then the row: the same call as history's, so bits agree.
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
        bars[symbol] = (bar_open * factor, high * factor, low * factor, close * factor, volume)
    for symbol in _NO_VOLUME:
        bars[symbol] = (*bars[symbol][:4], np.nan)
    return bars
