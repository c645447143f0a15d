"""One fetcher per machine: several monitors (terminals, browser tabs of `regime
serve`) over one store share its Yahoo fetches. A `SharedFetcher` holds the Yahoo
source and a `CacheSource` over the same store; on every call, the process that holds
the store's fetcher lock (`core.fetch_lock`), or can take it now because the previous
holder exited, asks Yahoo (which fills the store); the others answer from the store
the fetcher keeps filled, as a cache (so their state is OFFLINE with the store's fetch
time, and their `detail` names the process that fetches; `fetcher_pid` gives it to
the engine, whose label dates a follower's data by the store's newest quote fetch and
says when the fetcher went silent, see `core.engine`). The Source protocol's
methods are passed through one by one, and any other member of the Yahoo source (one
it grows later too) by name, so a new method needs no change here."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from core.fetch_lock import FetcherLock
from core.options.chain import OptionChain
from core.snapshot import SourceKind
from core.sources.base import (
    Capability,
    FetchKind,
    MemberPanel,
    Quote,
    Source,
    SourceError,
)


class SharedFetcher:
    """A Yahoo source that fetches only while this process holds the store's fetcher
    lock, and otherwise serves the store through `cache`."""

    simulated: bool = False
    historical: bool = False

    def __init__(self, fetcher: Source, cache: Source, lock: FetcherLock):
        self._fetcher = fetcher
        self._cache = cache
        self._lock = lock
        self._choosing = threading.Lock()
        self._detail: str | None = fetcher.detail
        self._following: str | None = None
        self.kind: SourceKind = fetcher.kind
        self.cached: bool = False
        self.capabilities: frozenset[Capability] = fetcher.capabilities
        self._active()

    @property
    def fetcher(self) -> Source:
        """The Yahoo source this process fetches with while it holds the lock."""
        return self._fetcher

    @property
    def fetching(self) -> bool:
        """This process is the machine's fetcher for the store."""
        return self._lock.held

    @property
    def fetcher_pid(self) -> int | None:
        """The pid of the process that fetches into the store, while another does
        (None when this one does, or the other has not written its pid)."""
        return None if not self.cached else self._lock.holder()

    @property
    def detail(self) -> str | None:
        """Why this source was chosen, led, while another process fetches, by who does."""
        notes = [note for note in (self._following, self._detail) if note]
        return "; ".join(notes) or None

    @detail.setter
    def detail(self, value: str | None) -> None:
        self._detail = value

    @property
    def directory(self) -> Path | None:
        """Neither Yahoo nor its cache reads a directory of files."""
        return None

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """When data of `kind` was last fetched into the store, by whichever process."""
        return self._cache.fetched_at(kind)

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """The fetcher's answer while this process fetches, else the store's."""
        return self._active().daily_bars(symbols, start, end)

    def members(self, start: date, end: date) -> MemberPanel | None:
        """The fetcher's answer while this process fetches, else the store's."""
        return self._active().members(start, end)

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """The fetcher's answer while this process fetches, else the store's."""
        return self._active().quotes(symbols)

    def option_chain(self, session: date) -> OptionChain | None:
        """The fetcher's answer while this process fetches, else the store's."""
        return self._active().option_chain(session)

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """The fetcher's answer while this process fetches, else the store's."""
        return self._active().intraday_bars(session, symbol)

    def close(self) -> None:
        """Give up the fetcher's place (the next call of another process takes it)."""
        self._lock.release()

    def _active(self) -> Source:
        """The source that answers this call: Yahoo while this process holds (or can
        take now) the fetcher lock, else the cache; the labels follow."""
        with self._choosing:
            if self._lock.try_take():
                self._following = None
                self.kind, self.cached = self._fetcher.kind, False
                return self._fetcher
            pid = self._lock.holder()
            who = "" if pid is None else f" (pid {pid})"
            self._following = (
                f"another Regime on this machine fetches from Yahoo{who}; showing what it stores"
            )
            self.kind, self.cached = self._cache.kind, True
            return self._cache

    def __getattr__(self, name: str) -> Any:
        """Any other member of the fetcher: its methods run on the source `_active`
        picks at each call; its other attributes (e.g. `members_progress`) are the
        fetcher's own."""
        if name.startswith("_"):
            raise AttributeError(name)
        member = getattr(self._fetcher, name)
        if not callable(member):
            return member

        def call(*args: Any, **kwargs: Any) -> Any:
            source = self._active()
            method: Callable[..., Any] | None = getattr(source, name, None)
            if method is None:
                raise SourceError(f"cache: {name} is answered only by the process that fetches")
            return method(*args, **kwargs)

        call.__name__ = name
        call.__doc__ = member.__doc__
        return call
