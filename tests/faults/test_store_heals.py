"""The store heals (issue 8, item 3): whatever state the cache file is in — truncated,
random bytes, another program's database, a newer schema, a read-only or full
location, locked by another process — `auto` without network still starts, on the
cache when it can be read and on the simulated market otherwise; the chosen source
says what happened in one line, a broken file is kept aside, and one refresh of the
engine raises nothing. A lock held past the busy timeout costs that cycle alone, and
kill -9 in the middle of writes loses no committed bar."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import core.store as store_module
from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.cache import CacheSource
from core.sources.select import OpenedSource, open_source
from core.store import Store, open_store
from tests.fake_source import trending_bars

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
CLOCK = fixed_clock(NOW)


def unreachable() -> str:
    return "cannot resolve query1.finance.yahoo.com (no network)"


def fill_store(path: Path) -> None:
    """A healthy cache holding ^GSPC's last 500 days, fetched three hours ago."""
    sessions = MarketSession().sessions(NOW.date() - timedelta(days=500), NOW.date())
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    with Store(path) as store:
        store.upsert_bars("^GSPC", trending_bars(index))
        store.mark_fetched("daily", NOW - timedelta(hours=3))
        # Everything into the main file, so the tests below damage the whole cache.
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def start(path: Path) -> tuple[OpenedSource, Snapshot]:
    """`auto` without network over the cache at `path`, and the engine's first refresh."""
    opened = open_source(Settings(source="auto"), clock=CLOCK, store_path=path, probe=unreachable)
    return opened, Engine(Settings(), opened.source, clock=CLOCK).refresh()


def one_line(text: str | None) -> str:
    assert text is not None and "\n" not in text
    return text


def kept_aside(path: Path) -> Path:
    (aside,) = path.parent.glob(f"{path.name}.broken-*[0-9]")
    return aside


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def scramble(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def make_foreign(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE people (name TEXT, born INTEGER)")
        other.execute("INSERT INTO people VALUES ('Ada', 1815)")
    other.close()


def make_newer(path: Path) -> None:
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {store_module.SCHEMA_VERSION + 1}")
    newer.close()


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (truncate, "malformed"),
        (scramble, "not a database"),
        (make_foreign, "not a regime cache (it holds people)"),
        (make_newer, "newer version of regime"),
    ],
    ids=["truncated", "random-bytes", "foreign-schema", "newer-schema"],
)
def test_a_broken_store_is_kept_aside_and_auto_shows_the_simulated_market(
    tmp_path: Path, damage: Any, why: str
) -> None:
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    damage(path)
    damaged = path.read_bytes()

    opened, snapshot = start(path)

    assert opened.source.kind == "sim"
    detail = one_line(snapshot.source.detail)
    assert why in detail and "nothing cached: showing the simulated market" in detail
    aside = kept_aside(path)
    assert f"kept as {aside.name}, started a new one" in detail
    assert aside.read_bytes() == damaged  # kept as it was, for a post-mortem
    assert snapshot.source.label == "SIMULATED" and snapshot.price.last is not None
    with Store(path) as fresh:  # the new cache is healthy, and the next start is quiet
        assert fresh.symbols() == []
    again, _ = start(path)
    assert "kept as" not in one_line(again.source.detail)


def test_a_broken_store_heals_under_yahoo_too(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    path.write_bytes(b"garbage" * 1000)
    opened = open_source(Settings(source="yahoo"), clock=CLOCK, store_path=path)
    assert opened.source.kind == "yahoo" and opened.warm is None
    assert "kept as" in one_line(opened.source.detail)


def test_a_newer_cache_still_open_elsewhere_goes_aside_with_its_log(tmp_path: Path) -> None:
    # A newer regime still running keeps the cache's write-ahead log alive: it must go
    # with the cache, or SQLite would replay the old pages into the new one.
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {store_module.SCHEMA_VERSION + 1}")
    newer.execute("DELETE FROM bars")
    newer.commit()

    def moment() -> datetime:
        return datetime(2026, 1, 27, 11, 0)

    try:
        first = open_store(path, now=moment)
        assert first.store is not None
        first.store.close()
        path.write_bytes(b"garbage" * 1000)  # broken again within the same second
        second = open_store(path, now=moment)
        assert second.store is not None
    finally:
        newer.close()
    aside = tmp_path / "regime.sqlite.broken-20260127T110000"
    assert (tmp_path / f"{aside.name}-wal").exists()
    assert (tmp_path / f"{aside.name}-2").read_bytes() == b"garbage" * 1000
    assert second.store.symbols() == []
    second.store.upsert_bars("^GSPC", trending_bars(pd.bdate_range("2026-01-05", periods=3)))
    integrity = second.store._conn.execute("PRAGMA integrity_check").fetchone()
    assert integrity == ("ok",) and len(second.store.bars("^GSPC")) == 3
    second.store.close()


class _Refusing(sqlite3.Connection):
    """A connection whose writes fail with `message`, as on a full disk or a read-only
    file; reads, and pragmas that only read or need no write here, pass."""

    message = "database or disk is full"

    def _check(self, sql: str) -> None:
        statement = sql.strip().upper()
        reads = statement.startswith("SELECT") or (
            statement.startswith("PRAGMA") and "USER_VERSION =" not in statement
        )
        if not reads:
            raise sqlite3.OperationalError(self.message)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return super().executemany(sql, *args)

    def executescript(self, sql: str) -> sqlite3.Cursor:
        self._check(sql)
        return super().executescript(sql)


def refuse_writes(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every database on disk refuses writes with `message` (memory is not the disk)."""
    refusing = type("Refusing", (_Refusing,), {"message": message})
    connect = sqlite3.connect

    def connect_refusing(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if str(database) == ":memory:":
            return connect(database, *args, **kwargs)
        return connect(database, *args, factory=refusing, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect_refusing)


@pytest.mark.parametrize(
    "message", ["database or disk is full", "attempt to write a readonly database"]
)
def test_a_full_or_read_only_location_runs_without_a_cache_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, message: str
) -> None:
    refuse_writes(monkeypatch, message)
    path = tmp_path / "regime.sqlite"

    opened, snapshot = start(path)

    assert opened.source.kind == "sim"
    detail = one_line(snapshot.source.detail)
    assert f"{message}; running without a cache" in detail
    assert not list(tmp_path.glob("*.broken-*"))  # nothing wrong with the file itself
    yahoo = open_source(Settings(source="yahoo"), clock=CLOCK, store_path=path).source
    assert yahoo.kind == "yahoo" and "running without a cache" in one_line(yahoo.detail)


def test_a_full_disk_still_serves_what_the_cache_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    refuse_writes(monkeypatch, "database or disk is full")

    opened, snapshot = start(path)

    assert opened.source.kind == "cache"
    assert snapshot.price.status.state == "OFFLINE" and snapshot.price.last is not None


def test_a_location_that_is_not_a_folder_runs_without_a_cache(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    opened, snapshot = start(tmp_path / "cache" / "regime.sqlite")
    assert opened.source.kind == "sim"
    assert "running without a cache" in one_line(snapshot.source.detail)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a read-only folder")
def test_a_read_only_folder_runs_without_a_cache(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        opened, snapshot = start(folder / "regime.sqlite")
    finally:
        folder.chmod(0o700)
    assert opened.source.kind == "sim"
    assert "running without a cache" in one_line(snapshot.source.detail)


def test_a_store_locked_by_a_writer_still_serves_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM bars")  # not committed: readers still see every bar
    try:
        opened, snapshot = start(path)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert opened.source.kind == "cache" and opened.source.detail is not None
    assert "running without a cache" not in opened.source.detail
    assert snapshot.price.status.state == "OFFLINE" and snapshot.price.last is not None


def exclusive_lock(path: Path) -> sqlite3.Connection:
    """A connection holding `path` locked against readers and writers alike."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE fetches SET fetched_at = fetched_at")
    holder.execute("COMMIT")  # exclusive mode keeps the lock after the commit
    return holder


def test_a_store_locked_at_start_runs_without_a_cache_and_is_not_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    monkeypatch.setattr(store_module, "open_store", partial(open_store, timeout=0.1))
    holder = exclusive_lock(path)
    try:
        opened, snapshot = start(path)
    finally:
        holder.close()
    assert opened.source.kind == "sim"
    assert "database is locked; running without a cache" in one_line(snapshot.source.detail)
    assert not list(tmp_path.glob("*.broken-*"))
    assert start(path)[0].source.kind == "cache"  # the lock gone, the next start has it


class ToppingUp(CacheSource):
    """Writes a bar to its store before each read of daily bars, as yahoo's top-up does."""

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        self._store.upsert_bars("^GSPC", trending_bars(pd.DatetimeIndex([NOW.date()])))
        return super().daily_bars(symbols, start, end)


def test_a_lock_past_the_busy_timeout_costs_that_cycle_only(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    fill_store(path)
    engine = Engine(Settings(), ToppingUp(Store(path, timeout=0.1)), clock=CLOCK)
    assert engine.refresh().price.last is not None
    healthy = list(engine.failures)  # the symbols this cache never held
    assert not any("locked" in failure for failure in healthy)

    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process writing, past the busy timeout
    try:
        locked = engine.refresh()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert f"cache {path}: database is locked" in engine.failures
    assert locked.price.last is not None  # the last good data stays

    engine.refresh()
    assert engine.failures == healthy


_WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from core.store import Store

    store = Store(__import__("pathlib").Path(sys.argv[1]))
    sessions = pd.bdate_range("1990-01-01", periods=20000)
    for at in range(0, len(sessions), 20):
        index = sessions[at : at + 20]
        frame = pd.DataFrame(
            {name: [1.0] * len(index) for name in ("open", "high", "low", "close", "volume")},
            index=pd.DatetimeIndex(index, name="date"),
        )
        store.upsert_bars("^GSPC", frame)
        print(at + len(index), flush=True)  # committed: the parent counts on these
    """
)


def test_kill_9_during_store_writes_loses_no_committed_bar(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None
    reported = [int(child.stdout.readline()) for _ in range(50)]
    child.send_signal(signal.SIGKILL)
    reported += [int(line) for line in child.stdout.read().split()]
    child.wait()
    assert child.returncode == -signal.SIGKILL
    committed = reported[-1]
    assert committed < 20000  # killed mid-run, not after the end

    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (stored,) = check.execute("SELECT count(*) FROM bars").fetchone()
    check.close()
    # Every reported bar is there; at most the one batch in flight may also be.
    assert committed <= stored <= committed + 20
    with Store(path) as reopened:
        assert len(reopened.bars("^GSPC")) == stored
