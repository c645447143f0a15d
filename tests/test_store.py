"""The SQLite cache (`core.store`) and the offline source over it (`CacheSource`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.store as store_module
from core.clock import NEW_YORK
from core.options.chain import COLUMNS, OptionChain, empty_contracts
from core.sources.base import (
    BAR_COLUMNS,
    EmptyDataError,
    Quote,
    Source,
    SourceError,
    check_bars,
)
from core.sources.cache import CacheSource
from core.store import SCHEMA_VERSION, Store, StoreError, default_store_path, open_store


def bars(sessions: list[str], closes: list[float], **other: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {column: other.get(column, [np.nan] * len(closes)) for column in BAR_COLUMNS},
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    frame["close"] = closes
    return frame.astype("float64")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache" / "regime.sqlite")


def test_default_path_is_in_the_user_cache_dir() -> None:
    path = default_store_path()
    assert path.name == "regime.sqlite"
    assert "regime" in path.parent.parts[-2:] or path.parent.name == "regime"


def test_bars_round_trip_in_the_standard_shape(store: Store) -> None:
    written = bars(
        ["2024-01-02", "2024-01-03", "2024-01-04"],
        [4742.83, 4704.81, 4688.68],
        open=[4745.2, 4725.07, 4697.42],
        high=[4754.33, 4729.29, 4726.78],
        low=[4722.67, 4699.71, 4687.53],
        volume=[3.7e9, np.nan, 3.6e9],
    )
    store.upsert_bars("^GSPC", written)

    read = store.bars("^GSPC", date(2024, 1, 1), date(2024, 1, 31))

    pd.testing.assert_frame_equal(read, written, check_index_type=False)
    assert isinstance(read.index, pd.DatetimeIndex) and read.index.tz is None
    assert read.index.name == "date"
    check_bars(read, "test")
    assert store.last_session("^GSPC") == date(2024, 1, 4)
    assert store.last_session("^VIX") is None
    assert store.symbols() == ["^GSPC"]


def test_close_only_history_is_valid(store: Store) -> None:
    store.upsert_bars("NDX", bars(["2024-01-02"], [16543.9]))
    read = store.bars("NDX")
    assert read["close"].tolist() == [16543.9]
    assert read[["open", "high", "low", "volume"]].isna().all().all()


def test_bars_range_is_inclusive_and_empty_is_standard(store: Store) -> None:
    store.upsert_bars("SPY", bars(["2024-01-02", "2024-01-03", "2024-01-04"], [1.0, 2.0, 3.0]))
    assert store.bars("SPY", date(2024, 1, 3), date(2024, 1, 4))["close"].tolist() == [2.0, 3.0]
    assert store.bars("SPY", end=date(2024, 1, 2))["close"].tolist() == [1.0]
    nothing = store.bars("SPY", date(2025, 1, 1), date(2025, 2, 1))
    assert nothing.empty and list(nothing.columns) == list(BAR_COLUMNS)
    assert isinstance(nothing.index, pd.DatetimeIndex) and nothing.index.name == "date"


def test_upsert_overwrites_a_session_and_replace_drops_the_rest(store: Store) -> None:
    store.upsert_bars("SPY", bars(["2024-01-02", "2024-01-03"], [470.0, 468.0]))
    store.upsert_bars("SPY", bars(["2024-01-03", "2024-01-04"], [467.5, 467.0]))
    assert store.bars("SPY")["close"].tolist() == [470.0, 467.5, 467.0]

    store.upsert_bars("SPY", bars(["2024-01-04"], [233.5]), replace=True)
    assert store.bars("SPY")["close"].tolist() == [233.5]


def test_upsert_bars_rejects_a_bad_frame(store: Store) -> None:
    with pytest.raises(Exception, match="close is missing on 2024-01-02"):
        store.upsert_bars("SPY", bars(["2024-01-02"], [np.nan]))


def test_members_round_trip_wide_to_long_to_wide(store: Store) -> None:
    closes = pd.DataFrame(
        {"MSFT": [370.6, 370.9, 367.9], "AAPL": [185.6, 184.3, 181.9], "NEW": [np.nan, 10.0, 11.0]},
        index=pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], name="Date"),
    )
    store.upsert_members(closes)

    read = store.members(date(2024, 1, 1), date(2024, 1, 31))

    assert read is not None
    assert list(read.columns) == ["AAPL", "MSFT", "NEW"]
    assert isinstance(read.index, pd.DatetimeIndex) and read.index.tz is None
    assert read.index.name == "date"
    pd.testing.assert_frame_equal(
        read, closes[["AAPL", "MSFT", "NEW"]].rename_axis("date"), check_index_type=False
    )
    only = store.members(date(2024, 1, 3), date(2024, 1, 3), ["MSFT", "GONE"])
    assert only is not None and only.to_dict() == {"MSFT": {pd.Timestamp("2024-01-03"): 370.9}}
    assert store.members(date(2025, 1, 1), date(2025, 1, 2)) is None
    assert store.member_last_sessions() == {
        "AAPL": date(2024, 1, 4),
        "MSFT": date(2024, 1, 4),
        "NEW": date(2024, 1, 4),
    }


def test_members_nan_never_overwrites_and_replace_rebuilds(store: Store) -> None:
    index = pd.DatetimeIndex(["2024-01-02", "2024-01-03"])
    store.upsert_members(pd.DataFrame({"AAPL": [185.6, 184.3]}, index=index))
    store.upsert_members(pd.DataFrame({"AAPL": [np.nan, 184.0]}, index=index))
    read = store.members()
    assert read is not None and read["AAPL"].tolist() == [185.6, 184.0]

    store.upsert_members(pd.DataFrame({"AAPL": [46.0]}, index=index[1:]), replace=True)
    read = store.members()
    assert read is not None and read["AAPL"].tolist() == [46.0]


def test_member_info_round_trip(store: Store) -> None:
    info = pd.DataFrame(
        {"name": ["Apple Inc.", "Microsoft"], "sector": ["Information Technology", None]},
        index=pd.Index(["AAPL", "MSFT"], name="ticker"),
    )
    store.upsert_member_info(info)
    store.upsert_member_info(
        pd.DataFrame({"name": ["Microsoft"], "sector": ["IT"], "weight": [0.07]}, index=["MSFT"])
    )
    read = store.member_info()
    assert read.index.name == "ticker"
    assert list(read.columns) == ["name", "sector", "weight"]
    assert read.loc["AAPL", "name"] == "Apple Inc."
    assert read["weight"].isna().to_dict() == {"AAPL": True, "MSFT": False}
    assert read.loc["MSFT", "sector"] == "IT" and read.loc["MSFT", "weight"] == 0.07


def quote(symbol: str, last: float, when: str) -> Quote:
    moment = datetime.fromisoformat(when).replace(tzinfo=NEW_YORK)
    return Quote(symbol, last, moment, moment.date())


def test_quotes_keep_the_latest_per_symbol_in_new_york_time(store: Store) -> None:
    store.record_quote(quote("^GSPC", 4700.0, "2024-01-04 10:00"))
    store.record_quote(quote("^GSPC", 4710.0, "2024-01-05 10:00"))
    store.record_quotes(
        [quote("^GSPC", 4720.0, "2024-01-05 11:00"), quote("SPY", 470.0, "2024-01-05 15:59")]
    )
    store.record_quote(quote("^GSPC", 1.0, "2024-01-05 09:45"))  # older: ignored

    latest = store.quotes()

    assert set(latest) == {"^GSPC", "SPY"}
    assert latest["^GSPC"].last == 4720.0
    assert latest["^GSPC"].session == date(2024, 1, 5)
    assert latest["^GSPC"].time == datetime(2024, 1, 5, 11, 0, tzinfo=NEW_YORK)
    assert latest["^GSPC"].time.utcoffset() == timedelta(hours=-5)
    assert set(store.quotes(["SPY", "IWM"])) == {"SPY"}


def test_fetched_at_round_trip(store: Store) -> None:
    assert store.fetched_at("quotes") is None and store.fetched_at() is None
    when = datetime(2024, 1, 5, 10, 0, tzinfo=NEW_YORK)
    store.mark_fetched("quotes", when)
    store.mark_fetched("daily", when - timedelta(hours=3))
    assert store.fetched_at("quotes") == when
    assert store.fetched_at() == when
    assert store.fetched_at("members") is None
    with pytest.raises(ValueError, match="timezone-aware"):
        store.mark_fetched("quotes", datetime(2024, 1, 5))


def test_coverage_only_widens(store: Store) -> None:
    store.extend_coverage({"SPY": (date(2024, 1, 1), date(2024, 3, 1))})
    store.extend_coverage(
        {"SPY": (date(2024, 2, 1), date(2024, 2, 2)), "IWM": (date(2024, 1, 1), date(2024, 1, 2))}
    )
    store.extend_coverage({"SPY": (date(2023, 1, 1), date(2024, 4, 1))})
    assert store.coverage(["SPY", "IWM", "RSP"]) == {
        "SPY": (date(2023, 1, 1), date(2024, 4, 1)),
        "IWM": (date(2024, 1, 1), date(2024, 1, 2)),
    }


def test_data_survives_reopening_and_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    with Store(path) as first:
        first.upsert_bars("SPY", bars(["2024-01-02"], [470.0]))
    with Store(path) as again:
        assert again.bars("SPY")["close"].tolist() == [470.0]
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_an_older_cache_is_rebuilt_and_a_newer_one_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "regime.sqlite"
    with Store(path) as current:
        current.upsert_bars("SPY", bars(["2024-01-02"], [470.0]))

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(path) as upgraded:  # the cache is older than the code: rebuilt, empty
        assert upgraded.bars("SPY").empty
        upgraded.upsert_bars("SPY", bars(["2024-01-02"], [470.0]))

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION)
    with pytest.raises(StoreError, match=r"regime\.sqlite.*newer version"):
        Store(path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"regime\.sqlite"):
        Store(path)


def test_a_writer_thread_and_a_reader_can_share_a_store(store: Store) -> None:
    sessions = pd.bdate_range("2024-01-01", periods=200)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for at in range(0, 200, 10):
                store.upsert_bars(
                    "SPY", bars([f"{d:%Y-%m-%d}" for d in sessions[at : at + 10]], [1.0] * 10)
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        store.bars("SPY")
    writer.join()
    assert not errors
    assert len(store.bars("SPY")) == 200


def test_upserting_503_members_by_500_sessions_is_fast(store: Store) -> None:
    # A guard against per-row statements or commits, not a benchmark (DESIGN: budgets
    # are measured by the benchmark): an insert plus an upsert plus a read take ~1 s.
    index = pd.bdate_range("2023-01-02", periods=500)
    tickers = [f"T{n:03d}" for n in range(503)]
    closes = pd.DataFrame(
        np.random.default_rng(7).uniform(10, 500, (500, 503)), index=index, columns=tickers
    )
    began = time.perf_counter()
    store.upsert_members(closes)
    store.upsert_members(closes)
    read = store.members()
    assert time.perf_counter() - began < 10.0
    assert read is not None and read.shape == (500, 503)
    np.testing.assert_array_equal(read.to_numpy(), closes.to_numpy())


# Option chains ---------------------------------------------------------------------


def option_chain(as_of: str = "2024-01-05 14:30", **changes: object) -> OptionChain:
    """A small chain with a NaN in every column that may hold one."""
    nan = np.nan
    contracts = pd.DataFrame(
        {
            "expiry": np.array(
                ["2024-01-05", "2024-01-05", "2024-01-19", "NaT"], dtype="datetime64[ns]"
            ),
            "kind": pd.Series(["call", "put", "call", "put"], dtype="object"),
            "strike": [4700.0, 4700.0, 4800.0, 4650.0],
            "implied_vol": [0.1749, nan, 0.1234567890123, 0.3],
            "open_interest": [1200.0, 0.0, nan, 5.0],
            "gamma": [nan, nan, 0.0012, nan],
            "bid": [1.05, 0.0, nan, 2.5],
            "ask": [1.15, 0.05, nan, 2.75],
            "volume": [10.0, nan, 0.0, 3.0],
        }
    )
    chain = OptionChain(
        underlying="^SPX",
        as_of=datetime.fromisoformat(as_of).replace(tzinfo=NEW_YORK),
        spot=4697.2402,
        contracts=contracts,
        source="yahoo",
        fetched_at=datetime.fromisoformat(as_of).replace(tzinfo=NEW_YORK) + timedelta(seconds=9),
        notes=("valued at ^GSPC's quote of 2024-01-05 14:29 (4,697.24)", "expiries skipped: —"),
    )
    return replace(chain, **changes)  # type: ignore[arg-type]


def test_an_option_chain_round_trips_every_column_nan_and_dtype(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    chain = option_chain()
    with Store(path) as first:
        assert first.option_chain() is None and first.option_chain("^SPX") is None
        first.store_option_chain(chain, date(2024, 1, 5))
    with Store(path) as again:  # read from the file, not from memory
        read = again.option_chain("^SPX")
    assert read is not None
    assert tuple(read.contracts.columns) == COLUMNS
    pd.testing.assert_frame_equal(read.contracts, chain.contracts)
    assert read.contracts["kind"].dtype == object
    assert read.contracts["expiry"].dtype == np.dtype("datetime64[ns]")
    assert pd.isna(read.contracts["expiry"].iloc[3])
    assert (read.underlying, read.spot, read.source, read.notes) == (
        chain.underlying,
        chain.spot,
        chain.source,
        chain.notes,
    )
    assert read.as_of == chain.as_of and read.as_of.tzinfo == NEW_YORK
    assert read.fetched_at == chain.fetched_at
    assert read.fetched_at is not None and read.fetched_at.tzinfo == NEW_YORK  # as fetched


def test_the_stored_chain_is_the_last_and_serves_its_session_and_later(store: Store) -> None:
    first = option_chain("2024-01-05 14:30")
    store.store_option_chain(first, date(2024, 1, 5))
    assert store.option_chain(on_or_before=date(2024, 1, 4)) is None
    kept = store.option_chain(on_or_before=date(2024, 1, 5))
    assert kept is not None and kept.as_of == first.as_of
    assert store.option_chain(on_or_before=date(2024, 3, 1)) is kept  # read once, then kept

    later = option_chain("2024-01-06 10:00", contracts=empty_contracts(), fetched_at=None, notes=())
    store.store_option_chain(later)  # the session defaults to the as-of date
    assert store.option_chain(on_or_before=date(2024, 1, 5)) is None  # only the last is kept
    read = store.option_chain(on_or_before=date(2024, 1, 6))
    assert read is not None and read.as_of == later.as_of
    assert read.contracts.empty and tuple(read.contracts.columns) == COLUMNS
    assert (read.fetched_at, read.notes) == (None, ())


def test_a_cache_without_the_option_tables_opens_keeps_its_data_and_gains_them(
    tmp_path: Path,
) -> None:
    """The chains' tables came after schema 1 shipped: a cache written before them is
    neither rebuilt (its bars would be lost) nor moved aside."""
    path = tmp_path / "regime.sqlite"
    with Store(path) as old:
        old.upsert_bars("SPY", bars(["2024-01-02"], [470.0]))
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE option_chains")
        connection.execute("DROP TABLE option_contracts")
    connection.close()

    opened = open_store(path)
    assert opened.store is not None and opened.note is None
    with opened.store as store:
        assert store.bars("SPY")["close"].tolist() == [470.0]
        assert store.option_chain() is None
        store.store_option_chain(option_chain())
        assert store.option_chain() is not None
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert list(tmp_path.glob("*broken*")) == []


# CacheSource -----------------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    store.upsert_bars("^GSPC", bars(["2024-01-02", "2024-01-03"], [4742.83, 4704.81]))
    store.upsert_bars("^VIX", bars(["2024-01-02", "2024-01-03"], [13.2, 14.04]))
    store.upsert_members(
        pd.DataFrame(
            {"AAPL": [185.6, 184.3], "OLD": [1.0, 1.1]},
            index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"]),
        )
    )
    store.upsert_member_info(
        pd.DataFrame({"name": ["Apple Inc."], "sector": ["IT"]}, index=["AAPL"])
    )
    store.record_quote(quote("^GSPC", 4710.0, "2024-01-04 10:00"))
    store.mark_fetched("daily", datetime(2024, 1, 4, 12, 0, tzinfo=UTC))
    store.mark_fetched("quotes", datetime(2024, 1, 4, 15, 0, tzinfo=UTC))
    return store


def test_cache_source_serves_the_store(filled: Store) -> None:
    source = CacheSource(filled)
    assert isinstance(source, Source)
    assert source.has_data()
    assert (source.kind, source.simulated) == ("cache", False)

    daily = source.daily_bars(["^GSPC", "^VIX", "^RUT"], date(2024, 1, 1), date(2024, 1, 2))
    assert set(daily) == {"^GSPC", "^VIX"}  # a symbol it does not carry is absent
    assert daily["^GSPC"]["close"].tolist() == [4742.83]

    panel = source.members(date(2024, 1, 1), date(2024, 1, 31))
    assert panel is not None and list(panel.closes.columns) == ["AAPL", "OLD"]
    assert panel.info.loc["AAPL", "name"] == "Apple Inc."

    quotes = source.quotes(["^GSPC", "SPY"])
    assert list(quotes) == ["^GSPC"] and quotes["^GSPC"].last == 4710.0


def test_cache_source_restricts_members_and_tells_when_it_was_fetched(filled: Store) -> None:
    source = CacheSource(filled, member_tickers=["AAPL"])
    panel = source.members(date(2024, 1, 1), date(2024, 1, 31))
    assert panel is not None and list(panel.closes.columns) == ["AAPL"]

    now = datetime(2024, 1, 4, 18, 0, tzinfo=UTC)
    assert source.fetched_at() == now - timedelta(hours=3)
    assert source.fetched_at("daily") == now - timedelta(hours=6)
    assert source.fetched_at("members") is None


def test_cache_source_raises_empty_when_the_store_has_nothing(store: Store, filled: Store) -> None:
    source = CacheSource(filled)
    with pytest.raises(EmptyDataError, match=r"cache .*regime\.sqlite.*\^RUT"):
        source.daily_bars(["^RUT"], date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(EmptyDataError, match="members' closes from 2025-01-01"):
        source.members(date(2025, 1, 1), date(2025, 2, 1))
    assert source.quotes(["SPY"]) == {}  # no quote is no failure: the daily bars read


def test_cache_source_serves_the_last_option_chain_offline(filled: Store) -> None:
    source = CacheSource(filled)
    assert "option_chains" in source.capabilities
    assert source.option_chain(date(2024, 1, 5)) is None  # none stored: none, no failure
    chain = option_chain()
    filled.store_option_chain(chain, date(2024, 1, 5))
    filled.mark_fetched("options", chain.fetched_at)  # type: ignore[arg-type]
    served = source.option_chain(date(2024, 1, 8))
    assert served is not None
    pd.testing.assert_frame_equal(served.contracts, chain.contracts)
    assert served.fetched_at == chain.fetched_at == source.fetched_at("options")
    assert source.option_chain(date(2024, 1, 4)) is None  # a session before its quotes


def test_cache_source_over_an_empty_store(tmp_path: Path) -> None:
    source = CacheSource(Store(tmp_path / "empty.sqlite"))
    assert not source.has_data()
    assert source.members(date(2024, 1, 1), date(2024, 1, 31)) is None
    assert source.fetched_at() is None
    assert source.option_chain(date(2024, 1, 31)) is None
    with pytest.raises(EmptyDataError):
        source.daily_bars(["^GSPC"], date(2024, 1, 1), date(2024, 1, 31))


def test_a_store_error_names_its_problem_and_leaves_a_foreign_file_as_it_was(
    tmp_path: Path,
) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not sqlite" * 100)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE bars (symbol TEXT, day TEXT)")  # our name, not our columns
    other.close()
    before = foreign.read_bytes()
    for path, problem in [
        (garbage, "broken"),
        (foreign, "broken"),
        (tmp_path / "file" / "regime.sqlite", "unusable"),
    ]:
        (tmp_path / "file").write_text("not a folder")
        with pytest.raises(StoreError) as raised:
            Store(path)
        assert raised.value.problem == problem and str(path) in str(raised.value)
        assert isinstance(raised.value, SourceError)  # a cycle that meets it fails alone
    assert foreign.read_bytes() == before  # not even switched to WAL


def test_open_store_heals_and_says_so_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    healthy = open_store(path)
    assert healthy.store is not None and healthy.note is None
    healthy.store.close()
    path.write_bytes(b"x" * 4096)
    healed = open_store(path, now=lambda: datetime(2026, 1, 27, 9, 30, 5))
    assert healed.store is not None and healed.store.symbols() == []
    assert healed.note == (
        f"cache {path}: file is not a database; "
        "kept as regime.sqlite.broken-20260127T093005, started a new one"
    )
    assert (tmp_path / "regime.sqlite.broken-20260127T093005").read_bytes() == b"x" * 4096
    healed.store.close()
