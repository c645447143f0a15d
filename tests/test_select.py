"""Source selection: `auto` takes yahoo when reachable (with the cache as a warm
start), else the cache labelled OFFLINE with its age, else the simulated market,
and the Snapshot says which and why (the chosen source's `detail`). A second start
shows cached data before any network call. Each source says what it can do. A cache
that cannot be read is named, and never stops the choice (tests/faults/ has the rest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.session import MarketSession
from core.sources.base import SourceError
from core.sources.cache import CacheSource
from core.sources.select import member_tickers, open_source
from core.store import Store, StoreError
from tests.fake_source import trending_bars

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
CLOCK = fixed_clock(NOW)


def unreachable() -> str:
    return "cannot resolve query1.finance.yahoo.com (no network)"


def fill_store(path: Path) -> None:
    sessions = MarketSession().sessions(NOW.date() - timedelta(days=500), NOW.date())
    import pandas as pd

    index = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    with Store(path) as store:
        store.upsert_bars("^GSPC", trending_bars(index))
        store.mark_fetched("daily", NOW - timedelta(hours=3))


def test_auto_without_network_or_cache_falls_back_to_the_simulated_market(tmp_path: Path) -> None:
    opened = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=tmp_path / "c.db", probe=unreachable
    )
    assert opened.source.kind == "sim" and opened.source.simulated
    assert opened.source.detail is not None and "nothing cached" in opened.source.detail
    snapshot = Engine(Settings(), opened.source, clock=CLOCK).refresh()
    assert snapshot.source.label == "SIMULATED"
    assert snapshot.price.status.state == "SIMULATED"
    assert "Yahoo unreachable" in (snapshot.source.detail or "")


def test_auto_without_network_uses_the_cache_labelled_offline_with_its_age(tmp_path: Path) -> None:
    fill_store(tmp_path / "c.db")
    opened = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=tmp_path / "c.db", probe=unreachable
    )
    assert opened.source.kind == "cache" and opened.source.cached
    snapshot = Engine(Settings(), opened.source, clock=CLOCK).refresh()
    assert snapshot.source.label == "OFFLINE · cache of Jan 27 08:00"
    assert snapshot.source.fetched_at == NOW - timedelta(hours=3)
    assert snapshot.price.status.state == "OFFLINE"
    assert snapshot.price.last is not None
    assert "Yahoo unreachable" in (snapshot.source.detail or "")


def test_reachable_yahoo_gets_the_cache_as_a_warm_start(tmp_path: Path) -> None:
    fill_store(tmp_path / "c.db")
    opened = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=tmp_path / "c.db", probe=lambda: None
    )
    assert opened.source.kind == "yahoo" and opened.source.detail is None
    assert opened.warm is not None and opened.warm.kind == "cache"
    empty = open_source(
        Settings(source="yahoo"), clock=CLOCK, store_path=tmp_path / "empty.db", probe=unreachable
    )
    assert empty.source.kind == "yahoo" and empty.warm is None


def test_named_sources(tmp_path: Path) -> None:
    assert open_source(Settings(source="sim"), clock=CLOCK).source.kind == "sim"
    (tmp_path / "GSPC.csv").write_text("Date,Close\n2026-01-27,1\n", encoding="utf-8")
    assert open_source(Settings(source=f"files:{tmp_path}"), clock=CLOCK).source.kind == "files"
    with pytest.raises(SourceError, match="no such directory"):
        open_source(Settings(source=f"files:{tmp_path / 'nope'}"), clock=CLOCK)


def test_members_file_gives_the_yahoo_member_list(tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text("Ticker,YahooTicker,Name\nBRK.B,BRK-B,Berkshire\nAAPL,AAPL,Apple\n")
    assert member_tickers(Settings(members_file=members)) == ["BRK-B", "AAPL"]
    assert member_tickers(Settings()) is None
    members.write_text("Symbol\nAAPL\n")
    with pytest.raises(SourceError, match=r"members.csv: no Ticker or YahooTicker column"):
        open_source(Settings(source="yahoo", members_file=members), store_path=tmp_path / "c.db")


def test_every_source_says_what_it_is_and_what_it_can_do(tmp_path: Path) -> None:
    (tmp_path / "GSPC.csv").write_text("Date,Close\n2026-01-27,1\n", encoding="utf-8")
    files = open_source(Settings(source=f"files:{tmp_path}"), clock=CLOCK).source
    sim = open_source(Settings(source="sim"), clock=CLOCK).source
    fill_store(tmp_path / "c.db")
    cache = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=tmp_path / "c.db", probe=unreachable
    ).source
    members = tmp_path / "members.csv"
    members.write_text("Ticker\nAAPL\n")
    yahoo = open_source(
        Settings(source="yahoo", members_file=members), store_path=tmp_path / "c.db"
    ).source
    bare_yahoo = open_source(Settings(source="yahoo"), store_path=tmp_path / "c.db").source

    facts = {
        name: (source.historical, source.simulated, source.cached, source.directory)
        for name, source in [("files", files), ("sim", sim), ("cache", cache), ("yahoo", yahoo)]
    }
    assert facts == {
        "files": (True, False, False, tmp_path),
        "sim": (False, True, False, None),
        "cache": (False, False, True, None),
        "yahoo": (False, False, False, None),
    }
    assert files.capabilities == {"daily_bars"}
    assert sim.capabilities == {
        "daily_bars",
        "intraday_bars",
        "intraday_quotes",
        "members",
        "member_weights",
        "option_chains",
    }
    assert cache.capabilities == sim.capabilities == yahoo.capabilities
    assert bare_yahoo.capabilities == {
        "daily_bars",
        "intraday_bars",
        "intraday_quotes",
        "option_chains",
    }
    assert cache.fetched_at("daily") == NOW - timedelta(hours=3)
    assert files.fetched_at() is None and sim.fetched_at() is None


def test_a_cache_that_opens_but_cannot_be_read_falls_back_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_store(tmp_path / "c.db")

    def damaged(self: CacheSource) -> bool:
        raise StoreError(f"cache {tmp_path / 'c.db'}: database disk image is malformed")

    monkeypatch.setattr(CacheSource, "has_data", damaged)
    opened = open_source(
        Settings(source="auto"), clock=CLOCK, store_path=tmp_path / "c.db", probe=unreachable
    )
    assert opened.source.kind == "sim"
    assert opened.source.detail == (
        "Yahoo unreachable (cannot resolve query1.finance.yahoo.com (no network)), nothing "
        f"cached: showing the simulated market; cache {tmp_path / 'c.db'}: database disk "
        "image is malformed"
    )
    yahoo = open_source(Settings(source="yahoo"), clock=CLOCK, store_path=tmp_path / "c.db")
    assert yahoo.warm is None and "malformed" in (yahoo.source.detail or "")
