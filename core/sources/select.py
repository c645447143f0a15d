"""Turns a `--source` value into a ready source: `sim`, `files:DIR`, `yahoo`, or
`auto` — yahoo when Yahoo is reachable, otherwise the store's cached data (OFFLINE,
with its age), otherwise the simulated market — and says why in the chosen source's
`detail`. For yahoo the cache is also handed to the engine as a warm start, so a
second start shows cached data before any network call. The cache is opened healed
(`core.store.open_store`): whatever state its file is in, choosing a source never
fails because of it; a cache moved aside or unusable is named in the chosen source's
`detail`, and yahoo without a usable cache runs over one held in memory. For a live
monitor, Yahoo over a store fetches only in the one process per machine holding that
store's fetcher lock; the others serve what it stores (`core.sources.shared`), so
more monitors (terminals, browser tabs) do not mean more requests to Yahoo."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from core.clock import Clock, system_clock
from core.config import Settings
from core.sources.base import Source, SourceError

YAHOO_HOST = "query1.finance.yahoo.com"

Probe = Callable[[], str | None]
"""Returns None when Yahoo is reachable, else the reason it is not."""


def yahoo_reachable(timeout: float = 2.0) -> str | None:
    """Resolve and connect to Yahoo's API host; None if that works, else why not."""
    try:
        socket.getaddrinfo(YAHOO_HOST, 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"cannot resolve {YAHOO_HOST}"
    try:
        with socket.create_connection((YAHOO_HOST, 443), timeout=timeout):
            return None
    except OSError as error:
        return f"cannot connect to {YAHOO_HOST} ({error.strerror or error})"


@dataclass(frozen=True)
class OpenedSource:
    """The source the engine will use (its `detail` says why it was chosen when `auto`
    fell back), and a warm-start source."""

    source: Source
    warm: Source | None = None


def open_source(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    store_path: Path | None = None,
    probe: Probe | None = None,
    share: bool = False,
) -> OpenedSource:
    """Build the source `settings.source` names (see the module docstring); with
    `share` (a live monitor), Yahoo over a store is the machine's one fetcher or reads
    what that one stores. A replay or a one-off command does not compete for the lock:
    it would hold it while fetching nothing live.

    Raises SourceError when a named source cannot be opened (a missing directory, a
    bad members file)."""
    name = settings.source
    if name == "sim":
        return OpenedSource(_sim(settings, clock))
    if name.startswith("files:"):
        from core.sources.files import FilesSource

        return OpenedSource(FilesSource(Path(name.removeprefix("files:")).expanduser()))

    from core.sources.cache import CacheSource
    from core.sources.yahoo import YahooSource
    from core.store import MEMORY, Store, default_store_path, open_store

    tickers = member_tickers(settings)
    opened = open_store(store_path or default_store_path())
    notes = [opened.note] if opened.note else []
    cache = None if opened.store is None else CacheSource(opened.store, member_tickers=tickers)
    try:
        warm = cache if cache is not None and cache.has_data() else None
    except SourceError as error:  # a cache that opened but cannot be read now
        warm = None
        notes.append(str(error))
    if name == "yahoo" or (problem := (probe or yahoo_reachable)()) is None:
        yahoo = YahooSource(
            store=opened.store or Store(MEMORY),
            clock=clock,
            # Without a cache folder, yfinance's own caches go to a scratch folder.
            cache_dir=None if opened.store else Path(tempfile.gettempdir()) / "regime-yfinance",
            member_tickers=tickers,
            holdings_fund=settings.symbols.cap_weight,
            top_up_every=timedelta(seconds=settings.refresh.daily),
            index=settings.symbols.index,
            option_max_days=settings.options.max_days,
            option_max_expiries=settings.options.max_expiries,
        )
        yahoo.detail = _joined(notes)
        if not share or opened.store is None or cache is None:
            return OpenedSource(yahoo, warm=warm)
        return OpenedSource(_shared(yahoo, cache, opened.store.path), warm=warm)
    if warm is not None:
        warm.detail = _joined([f"Yahoo unreachable ({problem}): showing cached data", *notes])
        return OpenedSource(warm)
    sim = _sim(settings, clock)
    sim.detail = _joined(
        [f"Yahoo unreachable ({problem}), nothing cached: showing the simulated market", *notes]
    )
    return OpenedSource(sim)


def _shared(yahoo: Source, cache: Source, store_path: Path) -> Source:
    """Yahoo behind the store's fetcher lock: one process per store fetches, the
    others read what it stores (`core.sources.shared`)."""
    from core.fetch_lock import FetcherLock, lock_path
    from core.sources.shared import SharedFetcher

    return SharedFetcher(yahoo, cache, FetcherLock(lock_path(store_path)))


def _joined(notes: list[str]) -> str | None:
    """Notes as the one line of a source's `detail`; None without any."""
    return "; ".join(notes) or None


def _sim(settings: Settings, clock: Clock) -> Source:
    from core.sources.sim import SimSource

    return SimSource(seed=settings.seed, clock=clock)


def member_tickers(settings: Settings) -> list[str] | None:
    """The member list for Yahoo breadth, from `members_file`, or None without one."""
    if settings.members_file is None:
        return None
    from core.sources.files import read_member_info

    return [str(ticker) for ticker in read_member_info(settings.members_file.expanduser()).index]
