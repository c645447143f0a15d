"""A scriptable in-memory Source for engine tests: bars from a frame per symbol,
optional members, failures on demand (any exception), a fetch that hangs until the test
opens its gate, what it says it is and can do (`cached`, `historical`, `capabilities`,
...) as the test asks, and counters for what was asked."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.options.chain import OptionChain
from core.snapshot import SourceKind
from core.sources.base import Capability, FetchKind, MemberPanel, Quote


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


class FakeSource:
    """Serves fixed frames; `fail_with` makes the next calls raise; a cleared `gate`
    makes daily bars hang until it is set. By default it serves daily bars and quotes,
    and members when it is given some."""

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
    ) -> None:
        self.kind = kind
        self.simulated = simulated
        self.historical = historical
        self.cached = cached
        default: set[Capability] = {"daily_bars", "intraday_quotes"}
        if members is not None:
            default.add("members")
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
            self.bar_calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            self.gate.wait()
            if self.fail_with is not None:
                raise self.fail_with
            # Deliberately ignores `end`: the engine must cut later bars itself.
            return {symbol: self.bars[symbol] for symbol in symbols if symbol in self.bars}
        finally:
            with self._lock:
                self.in_flight -= 1

    def members(self, start: date, end: date) -> MemberPanel | None:
        self.member_calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.member_panel

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        self.quote_calls += 1
        return {symbol: quote for symbol, quote in self.quote_map.items() if symbol in symbols}

    def option_chain(self, session: date) -> OptionChain | None:
        """None: a test that wants chains sets `chains`."""
        return None
