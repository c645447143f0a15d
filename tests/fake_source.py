"""A scriptable in-memory Source for engine tests: bars from a frame per symbol,
optional members and option chains, failures on demand (any exception), a fetch that
hangs until the test opens its gate, what it says it is and can do (`cached`,
`historical`, `capabilities`, ...) as the test asks, and counters for what was asked.
A request for daily bars from before `LONG_AGO` is the engine's load of a whole
history: it can be made to fail or hang apart from the cycle's own bars.
`small_chain` makes a little option chain quoted at a given moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core.options.chain import OptionChain
from core.snapshot import SourceKind
from core.sources.base import Capability, FetchKind, MemberPanel, Quote

LONG_AGO = date(2000, 1, 1)
"""Daily bars asked from before this are a whole history's load (the engine asks from
1900), not a cycle's window."""


def trending_bars(
    sessions: pd.DatetimeIndex, start: float = 6000.0, drift: float = 0.0005
) -> pd.DataFrame:
    """A gently rising OHLC path with a little deterministic noise."""
    steps = np.full(len(sessions), drift) + 0.004 * np.sin(np.arange(len(sessions)) / 3.0)
    close = start * np.exp(np.cumsum(steps))
    frame = pd.DataFrame(
        {
            "open": close * 0.999,
            "high": close * 1.004,
            "low": close * 0.995,
            "close": close,
            "volume": np.full(len(sessions), 1e9),
        },
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    return frame


def small_chain(as_of: datetime, spot: float = 6000.0, source: str = "fake") -> OptionChain:
    """A few calls and puts on two expiries around `spot` and at the next 1,000-point
    strike, quoted at `as_of`: every gamma reading known (positive, with a flip)."""
    milestone = (spot // 1000 + 1) * 1000  # the next 1,000-point strike is listed too
    strikes = np.append(spot * np.array([0.94, 0.97, 1.0, 1.03, 1.06]), milestone)
    expiries = [as_of.date() + timedelta(days=days) for days in (7, 30)]
    rows = [
        {
            "expiry": pd.Timestamp(expiry),
            "kind": kind,
            "strike": float(round(strike)),
            "implied_vol": 0.18,
            # Calls heavier above spot and puts below: a put wall under a call wall.
            "open_interest": 2000.0 * (1 + n if kind == "call" else 5 - n),
        }
        for expiry in expiries
        for kind in ("call", "put")
        for n, strike in enumerate(strikes)
    ]
    contracts = pd.DataFrame(rows)
    for column in ("gamma", "bid", "ask", "volume"):
        contracts[column] = np.nan
    return OptionChain(
        underlying="^SPX", as_of=as_of, spot=spot, contracts=contracts, source=source
    )


class FakeSource:
    """Serves fixed frames; `fail_with` makes the next calls raise; a cleared `gate`
        makes daily bars hang until it is set. By default it serves daily bars and quotes,
        members when it is given some, and option chains when it is given `chains` (by
        day: `option_chain(session)` answers the latest on or before it, as a replay sees
        it); `chain_fail_with` makes the chain fail, a cleared `chain_gate` makes it hang;
        `long_fail_with` and a cleared `long_gate` do the same to a whole history's load
        (daily bars from before LONG_AGO), and `bar_asks` records every request of daily
        bars (symbols, start, end). `in_flight` counts the cycles' requests of daily bars
        running at once (a whole history's load runs apart by design). Given `intraday` (the
    index's bars by session) it serves intraday bars (a session without any: None);
    `intraday_fail_with` makes them fail, and `intraday_calls` records the sessions asked."""

    def __init__(
        self,
        bars: Mapping[str, pd.DataFrame],
        members: MemberPanel | None = None,
        *,
        kind: SourceKind = "yahoo",
        simulated: bool = False,
        historical: bool = False,
        cached: bool = False,
        capabilities: Collection[Capability] | None = None,
        directory: Path | None = None,
        detail: str | None = None,
        fetched: Mapping[FetchKind, datetime] | None = None,
        delay: float = 0.0,
        chains: Mapping[date, OptionChain] | None = None,
        intraday: Mapping[date, pd.DataFrame] | None = None,
    ) -> None:
        self.kind = kind
        self.simulated = simulated
        self.historical = historical
        self.cached = cached
        default: set[Capability] = {"daily_bars", "intraday_quotes"}
        if members is not None:
            default.add("members")
        if chains is not None:
            default.add("option_chains")
        if intraday is not None:
            default.add("intraday_bars")
        self.capabilities = frozenset(default if capabilities is None else capabilities)
        self.directory = directory
        self.detail = detail
        self.fetched = dict(fetched or {})
        self.bars = dict(bars)
        self.member_panel = members
        self.fail_with: Exception | None = None
        self.gate = threading.Event()
        self.gate.set()
        self.quote_map: dict[str, Quote] = {}
        self.delay = delay
        self.bar_calls = 0
        self.member_calls = 0
        self.quote_calls = 0
        self.chains = dict(chains or {})
        self.chain_calls: list[date] = []
        """The sessions `option_chain` was asked for, in order."""
        self.asked: list[str] = []
        """Every call, in order: "daily_bars", "members", "quotes", "option_chain"."""
        self.chain_fail_with: Exception | None = None
        self.chain_gate = threading.Event()
        self.chain_gate.set()
        self.bar_asks: list[tuple[tuple[str, ...], date, date]] = []
        """Every request of daily bars: its symbols, start and end, in order."""
        self.long_fail_with: Exception | None = None
        self.long_gate = threading.Event()
        self.long_gate.set()
        self.intraday = dict(intraday or {})
        self.intraday_fail_with: Exception | None = None
        self.intraday_calls: list[tuple[date, str]] = []
        """The sessions and symbols `intraday_bars` was asked for, in order."""
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        if kind is None:
            return max(self.fetched.values(), default=None)
        return self.fetched.get(kind)

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        with self._lock:
            self.asked.append("daily_bars")
            self.bar_asks.append((tuple(symbols), start, end))
            self.bar_calls += 1
            window = start >= LONG_AGO
            self.in_flight += window
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            self.gate.wait()
            if self.fail_with is not None:
                raise self.fail_with
            if start < LONG_AGO:
                self.long_gate.wait()
                if self.long_fail_with is not None:
                    raise self.long_fail_with
            # Deliberately ignores `end`: the engine must cut later bars itself.
            return {symbol: self.bars[symbol] for symbol in symbols if symbol in self.bars}
        finally:
            with self._lock:
                self.in_flight -= window

    def long_asks(self) -> list[tuple[tuple[str, ...], date, date]]:
        """The requests of a whole history (daily bars from before LONG_AGO)."""
        return [ask for ask in self.bar_asks if ask[1] < LONG_AGO]

    def window_asks(self) -> list[tuple[tuple[str, ...], date, date]]:
        """The requests of a cycle's window of daily bars (the others)."""
        return [ask for ask in self.bar_asks if ask[1] >= LONG_AGO]

    def members(self, start: date, end: date) -> MemberPanel | None:
        with self._lock:
            self.asked.append("members")
        self.member_calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.member_panel

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        with self._lock:
            self.asked.append("quotes")
        self.quote_calls += 1
        return {symbol: quote for symbol, quote in self.quote_map.items() if symbol in symbols}

    def option_chain(self, session: date) -> OptionChain | None:
        """The latest of `chains` on or before `session` (None when there is none)."""
        with self._lock:
            self.asked.append("option_chain")
            self.chain_calls.append(session)
        self.chain_gate.wait()
        if self.chain_fail_with is not None:
            raise self.chain_fail_with
        held = [day for day in self.chains if day <= session]
        return self.chains[max(held)] if held else None

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """The bars given for `session` (None when there are none)."""
        with self._lock:
            self.asked.append("intraday_bars")
            self.intraday_calls.append((session, symbol))
        if self.intraday_fail_with is not None:
            raise self.intraday_fail_with
        return self.intraday.get(session)
