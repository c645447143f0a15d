"""One fetcher per machine (issue 13 item 3): monitors over one store share one Yahoo
fetcher through the store's fetcher lock. The first to open fetches; the others read
the store, labelled as the cache with the store's fetch time, and say which process
fetches; when the fetcher closes or dies (even by SIGKILL), the next call of another
takes over. No network: a fake Yahoo that records its calls and fills the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.fetch_lock import FetcherLock, lock_path
from core.options.chain import OptionChain
from core.session import MarketSession
from core.snapshot import SourceKind
from core.sources.base import Capability, FetchKind, MemberPanel, Quote, Source, SourceError
from core.sources.cache import CacheSource
from core.sources.select import open_source
from core.sources.shared import SharedFetcher
from core.store import Store
from tests.fake_source import trending_bars

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
CLOCK = fixed_clock(NOW)


class FakeYahoo:
    """A Yahoo that answers from a fixed history, writes it to the store and counts calls."""

    kind: SourceKind = "yahoo"
    simulated = False
    historical = False
    cached = False
    capabilities: frozenset[Capability] = frozenset({"daily_bars"})
    directory: Path | None = None
    detail: str | None = None

    def __init__(self, store: Store):
        self.store = store
        self.calls: list[str] = []
        self.members_progress = "progress of the fake"

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        return self.store.fetched_at(kind)

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        self.calls.append("daily_bars")
        sessions = MarketSession().sessions(start, end)
        bars = trending_bars(pd.DatetimeIndex([pd.Timestamp(day) for day in sessions]))
        self.store.upsert_bars("^GSPC", bars)
        self.store.mark_fetched("daily", NOW - timedelta(minutes=5))
        return {"^GSPC": bars}

    def members(self, start: date, end: date) -> MemberPanel | None:
        self.calls.append("members")
        return None

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        self.calls.append("quotes")
        return {}

    def option_chain(self, session: date) -> OptionChain | None:
        self.calls.append("option_chain")
        return None

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        self.calls.append("intraday_bars")
        return None

    def grown_later(self, asked: str) -> str:
        self.calls.append("grown_later")
        return f"fetched {asked}"


def shared(path: Path) -> tuple[SharedFetcher, FakeYahoo]:
    store = Store(path)
    yahoo = FakeYahoo(store)
    return SharedFetcher(yahoo, CacheSource(store), FetcherLock(lock_path(path))), yahoo


START, END = NOW.date() - timedelta(days=30), NOW.date()


def test_the_first_fetches_the_second_reads_the_store_and_says_who_fetches(
    tmp_path: Path,
) -> None:
    first, first_yahoo = shared(tmp_path / "c.db")
    second, second_yahoo = shared(tmp_path / "c.db")
    assert first.fetching and not second.fetching
    first.daily_bars(["^GSPC"], START, END)
    assert first.kind == "yahoo" and not first.cached and first.detail is None

    answer = second.daily_bars(["^GSPC"], START, END)
    assert "^GSPC" in answer and not answer["^GSPC"].empty
    assert first_yahoo.calls == ["daily_bars"] and second_yahoo.calls == []
    assert second.kind == "cache" and second.cached
    assert second.detail == (
        f"another Regime on this machine fetches from Yahoo (pid {os.getpid()}); "
        "showing what it stores"
    )
    assert second.fetched_at("daily") == NOW - timedelta(minutes=5)
    assert second.intraday_bars(END) is None  # the cache's answer: nothing stored
    assert second_yahoo.calls == []
    assert second.members_progress == "progress of the fake"  # attributes pass through
    assert isinstance(second, Source)
    assert first.grown_later("x") == "fetched x"  # a method the protocol grows later
    with pytest.raises(SourceError, match="only by the process that fetches"):
        second.grown_later("x")
    first_yahoo.calls.remove("grown_later")

    snapshot = Engine(Settings(), second, clock=CLOCK).refresh()
    assert snapshot.source.label == "OFFLINE · cache of Jan 27 10:55"
    assert "another Regime on this machine fetches" in (snapshot.source.detail or "")

    first.close()  # the fetcher exits: the second takes over on its next call
    second.daily_bars(["^GSPC"], START, END)
    assert second_yahoo.calls == ["daily_bars"] and second.fetching
    assert second.kind == "yahoo" and not second.cached and second.detail is None
    first.daily_bars(["^GSPC"], START, END)
    assert first_yahoo.calls == ["daily_bars"] and first.cached
    second.close()


def test_the_lock_of_a_process_killed_with_it_is_free(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "c.db")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from core.fetch_lock import FetcherLock;"
            f"assert FetcherLock(Path({str(path)!r})).try_take(); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        mine = FetcherLock(path)
        assert not mine.try_take() and mine.holder() == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert mine.try_take() and mine.holder() == os.getpid()
    mine.release()
    assert not mine.held and mine.holder() is None


def test_open_source_shares_yahoo_over_one_store_and_not_without_one(tmp_path: Path) -> None:
    store = tmp_path / "c.db"
    # A replay or a one-off command asks for no sharing: it never takes the lock.
    script = open_source(Settings(source="yahoo"), clock=CLOCK, store_path=store)
    assert not isinstance(script.source, SharedFetcher) and script.source.kind == "yahoo"
    first = open_source(Settings(source="yahoo"), clock=CLOCK, store_path=store, share=True)
    second = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=store, probe=lambda: None, share=True
    )
    assert isinstance(first.source, SharedFetcher) and first.source.fetching
    assert isinstance(second.source, SharedFetcher) and not second.source.fetching
    assert second.source.kind == "cache" and second.source.cached
    assert second.source.capabilities == first.source.capabilities
    assert "fetches from Yahoo" in (second.source.detail or "")
    first.source.close()
    second.source.close()

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    alone = open_source(
        Settings(source="yahoo"), clock=CLOCK, store_path=blocked / "c.db", share=True
    )
    assert not isinstance(alone.source, SharedFetcher) and alone.source.kind == "yahoo"


def test_a_deleted_lock_file_never_leaves_two_fetchers(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "c.db")
    first, second = FetcherLock(path), FetcherLock(path)
    assert first.try_take() and first.held
    path.unlink()  # a flock holds the inode: the second locks a new file at the path
    assert second.try_take() and second.holder() == os.getpid()
    # The first sees at its next check that the path names another file, and follows.
    assert not first.held and not first.try_take()
    assert second.held
    second.release()
    assert first.try_take()

    path.unlink()  # deleted with no one else waiting: the holder re-creates it
    assert first.try_take() and first.held and path.exists()
    assert first.holder() == os.getpid() and not second.try_take()
    path.unlink()
    path.write_text("")  # replaced by another file: the same
    assert not second.held and second.try_take() and not first.held
    second.release()
    first.release()


def test_a_shared_fetcher_whose_lock_file_is_deleted_stops_fetching(tmp_path: Path) -> None:
    first, first_yahoo = shared(tmp_path / "c.db")
    lock_path(tmp_path / "c.db").unlink()
    second, second_yahoo = shared(tmp_path / "c.db")
    assert second.fetching
    second.daily_bars(["^GSPC"], START, END)
    first.daily_bars(["^GSPC"], START, END)  # the store's answer
    assert first_yahoo.calls == [] and first.cached and not first.fetching
    assert second_yahoo.calls == ["daily_bars"]
    first.close()
    second.close()
