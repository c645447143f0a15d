"""The offline source: whatever the `Store` holds, served as it is, with no network.
It is what `auto` falls back to when Yahoo cannot be reached (and the warm start
before Yahoo's first answer). It is `cached`, and says when each kind of data was
fetched (`fetched_at`) so the status line can read "OFFLINE · cache of Jan 27 08:00".
It serves whatever the store holds of daily bars, quotes, members and their weights,
and the last option chain a live run stored (it always declares option chains: a
store without one answers None, which says "none fetched yet" rather than "this
source has none"), and the index's intraday bars of a session a live run stored (none
stored: None).
A symbol the store has nothing for is absent, as the protocol asks; a request the
store has nothing at all for raises EmptyDataError naming what was asked; a store that
fails to answer (locked, damaged) raises its `StoreError`, a `SourceError` that costs
the engine that cycle alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from core.options.chain import OptionChain
from core.snapshot import SourceKind
from core.sources.base import Capability, EmptyDataError, FetchKind, MemberPanel, Quote
from core.store import Store, StoreError


class CacheSource:
    """The Source protocol over a `Store` alone."""

    kind: SourceKind = "cache"
    simulated: bool = False
    historical: bool = False
    cached: bool = True
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

    def __init__(self, store: Store, member_tickers: Sequence[str] | None = None):
        """`member_tickers`: the current members, if known; otherwise every member the
        store has closes for is served."""
        self._store = store
        self._member_tickers = None if member_tickers is None else list(member_tickers)

    def has_data(self) -> bool:
        """Whether the store holds any daily bars to serve."""
        return bool(self._store.symbols())

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """When the newest fetch of `kind` (None: any) was written to the cache; None if
        never, or if the store cannot say now (the cycle's reads name its failure)."""
        try:
            return self._store.fetched_at(kind)
        except StoreError:
            return None

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Stored daily bars; EmptyDataError when the store has none of the symbols."""
        found = {}
        for symbol in dict.fromkeys(symbols):
            bars = self._store.bars(symbol, start, end)
            if not bars.empty:
                found[symbol] = bars
        if not found:
            raise EmptyDataError(
                f"cache {self._store.path}: no daily bars of {', '.join(symbols)} "
                f"from {start} to {end}"
            )
        return found

    def members(self, start: date, end: date) -> MemberPanel | None:
        """Stored members' closes; None when the store has never held any, EmptyDataError
        when it holds some but none in the range."""
        closes = self._store.members(start, end, self._member_tickers)
        if closes is None:
            if not self._store.member_last_sessions():
                return None
            raise EmptyDataError(
                f"cache {self._store.path}: no members' closes from {start} to {end}"
            )
        info = self._store.member_info()
        return MemberPanel(closes=closes, info=info[info.index.isin(closes.columns)])

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """The latest stored quote of each symbol; none at all is no failure (a cache
        filled after the close holds none, and its daily bars are the reading)."""
        return self._store.quotes(symbols)

    def option_chain(self, session: date) -> OptionChain | None:
        """The store's last option chain when its quotes are of `session` or an earlier
        one (its `fetched_at` says when it was fetched), else None; read once, then kept
        until another is stored."""
        return self._store.option_chain(on_or_before=session)

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """The intraday bars of `symbol` in `session` a live run stored; None if none."""
        return self._store.intraday_bars(symbol, session)
