"""Intraday bars from every source: files (`intraday/SYMBOL/YYYY-MM-DD.csv`, bad rows
refused with file and line), the simulated market (its bars read off the bridge its
quotes come from: the last close is the quote at the same clock), Yahoo through the
fake yfinance with its faults (rows of another day, repeated stamps, NaN rows, the bar
in progress stamped at its last trade; a past session stored part-way through asked
again once), the store's intraday_bars table (created in a cache that lacks it, with
each session's fetch time) and the cache source serving what a live run stored."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_yfinance import FakeYahoo, FakeYahooClient, minute_history

from core.clock import NEW_YORK
from core.sources.base import DataFormatError, NetworkError, Source
from core.sources.cache import CacheSource
from core.sources.files import FilesSource
from core.sources.sim import SimSource
from core.sources.yahoo import INTRADAY_EVERY, YahooSource
from core.store import INTRADAY_SESSIONS_KEPT, Store

SESSION = date(2026, 1, 27)


def ny(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=NEW_YORK)


# -- files -----------------------------------------------------------------------------


def write(directory: Path, text: str, name: str = "2026-01-27.csv") -> Path:
    folder = directory / "intraday" / "GSPC"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_files_reads_an_intraday_csv_with_offsets_or_new_york_times(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Datetime,Open,High,Low,Close,Volume\n"
        "2026-01-27 09:30:00-05:00,7000,7005,6995,7001,100\n"
        "2026-01-27T14:35:00+00:00,7001,7010,7000,7008,200\n"  # 09:35 New York
        "2026-01-27 09:40,7008,7009,7002,7003,\n",  # no offset: New York
    )
    source = FilesSource(tmp_path)
    assert isinstance(source, Source)
    assert "intraday_bars" in source.capabilities
    bars = source.intraday_bars(SESSION)
    assert bars is not None
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert [stamp.strftime("%H:%M") for stamp in bars.index] == ["09:30", "09:35", "09:40"]
    assert str(pd.DatetimeIndex(bars.index).tz) == "America/New_York"
    assert bars["close"].tolist() == [7001.0, 7008.0, 7003.0]
    assert np.isnan(bars["volume"].iloc[-1])
    assert source.intraday_bars(date(2026, 1, 26)) is None  # no file: none


def test_files_reads_date_and_time_columns_close_only_volume(tmp_path: Path) -> None:
    write(tmp_path, "Date,Time,Open,High,Low,Close\n2026-01-27,16:05,1,2,0.5,1.5\n")
    bars = FilesSource(tmp_path).intraday_bars(SESSION, "^GSPC")
    assert bars is not None and bars.index[0] == pd.Timestamp(ny("2026-01-27 16:05"))


def test_files_without_an_intraday_folder_does_not_declare_it(tmp_path: Path) -> None:
    assert "intraday_bars" not in FilesSource(tmp_path).capabilities


@pytest.mark.parametrize(
    ("rows", "line", "why"),
    [
        (
            "2026-01-27 09:30,1,2,0.5,1\n2026-01-27 09:35,1,2,0.5,x\n",
            3,
            "Close 'x' is not a number",
        ),
        ("2026-01-27 09:30,1,2,0.5,1\nnot a time,1,2,0.5,1\n", 3, "is not YYYY-MM-DD"),
        ("2026-01-26 15:55,1,2,0.5,1\n", 2, "is not of 2026-01-27"),
        ("2026-01-27 09:31,1,2,0.5,1\n", 2, "is not the start of a 5-minute bar"),
        ("2026-01-27 09:30,1,2,0.5,1\n2026-01-27 09:30,1,2,0.5,1\n", 3, "appears twice"),
        ("2026-01-27 09:35,1,2,0.5,1\n2026-01-27 09:30,1,2,0.5,1\n", 3, "not in ascending"),
        ("2026-01-27 09:30,1,0.5,2,1\n", 2, "the high is below the low"),
        ("2026-01-27 09:30,1,2,0.5,-1\n", 2, "not finite and positive"),
        ("2026-01-27 09:30,1,2,,1\n", 2, "a price is empty"),
    ],
)
def test_files_refuses_a_bad_row_naming_file_and_line(
    tmp_path: Path, rows: str, line: int, why: str
) -> None:
    path = write(tmp_path, "Datetime,Open,High,Low,Close\n" + rows)
    with pytest.raises(DataFormatError) as raised:
        FilesSource(tmp_path).intraday_bars(SESSION)
    message = str(raised.value)
    assert message.startswith(f"{path}, line {line}: ") and why in message
    assert "\n" not in message


def test_files_refuses_a_file_without_its_columns(tmp_path: Path) -> None:
    write(tmp_path, "When,Close\n2026-01-27 09:30,1\n")
    with pytest.raises(DataFormatError, match="no Datetime column, nor Date and Time"):
        FilesSource(tmp_path).intraday_bars(SESSION)
    write(tmp_path, "Datetime,Close\n2026-01-27 09:30,1\n")
    with pytest.raises(DataFormatError, match="no Open column"):
        FilesSource(tmp_path).intraday_bars(SESSION)


# -- sim -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    ["2026-03-10 11:07:13", "2026-03-10 09:30:01", "2026-11-27 12:01", "2026-06-01 15:59:59"],
)
def test_sim_bars_end_at_the_quote_at_the_same_clock(moment: str) -> None:
    now = ny(moment)
    sim = SimSource(clock=lambda: now, members=20)
    assert "intraday_bars" in sim.capabilities
    bars = sim.intraday_bars(now.date())
    assert bars is not None and not bars.empty
    quote = sim.quotes(["^GSPC"])["^GSPC"]
    assert bars["close"].iloc[-1] == quote.last
    daily = sim.daily_bars(["^GSPC"], now.date(), now.date())["^GSPC"].iloc[-1]
    assert bars["open"].iloc[0] == daily["open"]
    assert bars["high"].max() == daily["high"] and bars["low"].min() == daily["low"]
    assert bars["volume"].sum() == pytest.approx(daily["volume"])
    assert bars.index[0] == pd.Timestamp(ny(f"{now.date()} 09:30"))
    assert (
        pd.DatetimeIndex(bars.index).minute % 5 == 0
    ).all() and bars.index.is_monotonic_increasing
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()


def test_sim_a_closed_session_has_its_whole_day_ending_at_the_close() -> None:
    now = ny("2026-03-11 08:00")
    sim = SimSource(clock=lambda: now, members=20)
    bars = sim.intraday_bars(date(2026, 3, 10))
    assert bars is not None and len(bars) == 78
    assert bars.index[-1] == pd.Timestamp(ny("2026-03-10 15:55"))
    daily = sim.daily_bars(["^GSPC"], date(2026, 3, 10), date(2026, 3, 10))["^GSPC"]
    assert bars["close"].iloc[-1] == daily["close"].iloc[-1]
    early = sim.intraday_bars(date(2025, 11, 28))  # closes at 13:00
    assert early is not None and early.index[-1] == pd.Timestamp(ny("2025-11-28 12:55"))


def test_sim_has_no_bars_before_the_open_nor_on_a_holiday() -> None:
    now = ny("2026-03-10 09:00")
    sim = SimSource(clock=lambda: now, members=20)
    before = sim.intraday_bars(now.date())
    assert before is not None and before.empty
    holiday = sim.intraday_bars(date(2026, 1, 1))
    assert holiday is not None and holiday.empty
    assert sim.intraday_bars(now.date(), "SIM001") is None


def test_sim_bars_are_the_same_whatever_was_asked_before() -> None:
    now = ny("2026-03-10 11:00")
    sim = SimSource(clock=lambda: now, members=20)
    first = sim.intraday_bars(now.date())
    sim.intraday_bars(date(2019, 5, 6))  # another block of the bridge
    again = sim.intraday_bars(now.date())
    assert first is not None and again is not None
    pd.testing.assert_frame_equal(first, again)


# -- yahoo -----------------------------------------------------------------------------


def five(first: str, closes: list[float], tz: str = "America/New_York") -> pd.DataFrame:
    stamps = pd.date_range(first, periods=len(closes), freq="5min").strftime("%Y-%m-%d %H:%M:%S")
    return minute_history(list(stamps), closes, tz=tz)


@pytest.fixture
def yahoo(
    tmp_path: Path,
) -> Callable[..., tuple[YahooSource, FakeYahooClient, Store, list[datetime]]]:
    def build(
        market: FakeYahoo, now: str
    ) -> tuple[YahooSource, FakeYahooClient, Store, list[datetime]]:
        store = Store(tmp_path / "regime.sqlite")
        client = FakeYahooClient(market)
        clock = [ny(now)]
        return YahooSource(store, lambda: clock[0], client=client), client, store, clock

    return build


def test_yahoo_cleans_its_faults_and_keeps_the_bars_in_the_store(
    yahoo: Callable[..., tuple],
) -> None:
    pre = five("2026-01-27 08:00", [10.0, 11.0, 12.0])
    regular = five("2026-01-27 09:30", [20.0, 21.0, 22.0, 23.0])
    regular.iloc[1] = np.nan  # a NaN row (09:35)
    regular.loc[regular.index[2], "Open"] = np.nan  # an open missing (09:40)
    # The bar in progress sent apart, stamped at its last trade: 09:45 twice.
    live = minute_history(["2026-01-27 09:47:13"], [24.0], tz="America/New_York")
    live["High"] = 30.0
    market = FakeYahoo(
        five_minutes={"^GSPC": pd.concat([pre, regular, live])},
        strays={"^GSPC": five("2026-01-26 15:50", [5.0, 6.0])},  # another day's bars
    )
    source, client, store, clock = yahoo(market, "2026-01-27 09:48")
    assert "intraday_bars" in source.capabilities
    bars = source.intraday_bars(SESSION)
    assert bars is not None
    call = client.calls[-1]
    assert (call.interval, call.prepost) == ("5m", True)
    assert (call.start, call.end) == (SESSION, date(2026, 1, 28))
    times = [stamp.strftime("%H:%M") for stamp in bars.index]
    assert times == ["08:00", "08:05", "08:10", "09:30", "09:40", "09:45"]
    assert str(pd.DatetimeIndex(bars.index).tz) == "America/New_York" and bars.index.is_unique
    assert bars.loc[pd.Timestamp(ny("2026-01-27 09:40")), "open"] == 22.0
    last = bars.iloc[-1]
    assert (last["open"], last["high"], last["low"], last["close"]) == (23.0, 30.0, 22.5, 24.0)
    assert not bars[["open", "high", "low", "close"]].isna().any().any()
    stored = store.intraday_bars("^GSPC", SESSION)
    assert stored is not None
    pd.testing.assert_frame_equal(stored, bars, check_freq=False)
    assert source.fetched_at("intraday") == clock[0]


def test_yahoo_asks_at_most_every_minute_and_serves_the_store_between(
    yahoo: Callable[..., tuple],
) -> None:
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-27 09:30", [1.0, 2.0])})
    source, client, _, clock = yahoo(market, "2026-01-27 09:41")
    source.intraday_bars(SESSION)
    calls = len(client.calls)
    clock[0] = ny("2026-01-27 09:41:30")
    again = source.intraday_bars(SESSION)
    assert len(client.calls) == calls and again is not None and len(again) == 2
    clock[0] = ny("2026-01-27 09:41") + INTRADAY_EVERY
    source.intraday_bars(SESSION)
    assert len(client.calls) == calls + 1


def test_yahoo_before_any_bar_has_none_yet_and_a_later_session_none(
    yahoo: Callable[..., tuple],
) -> None:
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-26 09:30", [1.0])})
    source, _, store, _ = yahoo(market, "2026-01-27 06:00")
    bars = source.intraday_bars(SESSION)
    assert bars is not None and bars.empty
    assert store.intraday_bars("^GSPC", SESSION) is None
    later = source.intraday_bars(date(2026, 1, 28))
    assert later is not None and later.empty


def test_yahoo_a_past_session_is_fetched_once_then_served_from_the_store(
    yahoo: Callable[..., tuple],
) -> None:
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-26 09:30", [1.0, 2.0])})
    source, client, _, _ = yahoo(market, "2026-01-27 12:00")
    first = source.intraday_bars(date(2026, 1, 26))
    calls = len(client.calls)
    second = source.intraday_bars(date(2026, 1, 26))
    assert first is not None and second is not None and len(second) == 2
    assert len(client.calls) == calls
    assert source.intraday_bars(date(2025, 10, 1)) is None  # past Yahoo's 60 days
    assert len(client.calls) == calls


def rows(frame: pd.DataFrame | None) -> int:
    """How many bars `frame` has (-1: none)."""
    return -1 if frame is None else len(frame)


def test_yahoo_a_past_session_stored_part_way_is_fetched_again_once(
    yahoo: Callable[..., tuple],
) -> None:
    day = date(2026, 1, 26)
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-26 09:30", [1.0, 2.0])})
    source, client, store, clock = yahoo(market, "2026-01-26 09:41")
    part = source.intraday_bars(day)  # the session in progress, two bars so far
    assert part is not None and len(part) == 2
    assert store.intraday_fetched_at("^GSPC", day) == ny("2026-01-26 09:41")
    # The rest of the session comes; the monitor is next run the day after.
    market.five_minutes["^GSPC"] = five("2026-01-26 09:30", [1.0] * 78)
    clock[0] = ny("2026-01-27 08:00")
    calls = len(client.calls)
    whole = source.intraday_bars(day)
    assert whole is not None and len(whole) == 78 and len(client.calls) == calls + 1
    assert store.intraday_fetched_at("^GSPC", day) == ny("2026-01-27 08:00")
    # Complete now: served from the store, by this process and by a new one.
    clock[0] = ny("2026-01-27 09:00")
    assert rows(source.intraday_bars(day)) == 78 and len(client.calls) == calls + 1
    fresh = YahooSource(store, lambda: clock[0], client=client)
    assert rows(fresh.intraday_bars(day)) == 78 and len(client.calls) == calls + 1


def test_yahoo_a_part_way_session_whose_refetch_fails_keeps_its_bars_asked_once(
    yahoo: Callable[..., tuple],
) -> None:
    day = date(2026, 1, 26)
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-26 09:30", [1.0, 2.0])})
    source, client, store, clock = yahoo(market, "2026-01-26 09:41")
    source.intraday_bars(day)
    clock[0] = ny("2026-01-27 08:00")
    client.raises.append(OSError("connection reset"))
    calls = len(client.calls)
    kept = source.intraday_bars(day)
    assert kept is not None and len(kept) == 2
    asked = len(client.calls)
    assert asked > calls
    clock[0] = ny("2026-01-27 09:00")  # not asked again by this process
    assert rows(source.intraday_bars(day)) == 2 and len(client.calls) == asked
    # Bars stored before fetch times were kept (an older cache): asked again once too.
    store.store_intraday_bars("^GSPC", day, kept)
    assert store.intraday_fetched_at("^GSPC", day) is None
    fresh = YahooSource(store, lambda: clock[0], client=client)
    market.five_minutes["^GSPC"] = five("2026-01-26 09:30", [1.0] * 78)
    assert rows(fresh.intraday_bars(day)) == 78 and len(client.calls) == asked + 1


def test_yahoo_a_failure_raises_one_line_and_leaves_the_store(yahoo: Callable[..., tuple]) -> None:
    market = FakeYahoo(five_minutes={"^GSPC": five("2026-01-27 09:30", [1.0])})
    source, client, store, clock = yahoo(market, "2026-01-27 09:36")
    source.intraday_bars(SESSION)
    client.raises.append(OSError("connection reset\nby peer"))
    clock[0] = ny("2026-01-27 09:40")
    with pytest.raises(NetworkError) as raised:
        source.intraday_bars(SESSION)
    assert "\n" not in str(raised.value)
    assert store.intraday_bars("^GSPC", SESSION) is not None
    # A failure is not asked again every quote cycle: the stored bars until a minute on.
    calls = len(client.calls)
    clock[0] = ny("2026-01-27 09:40:15")
    kept = source.intraday_bars(SESSION)
    assert len(client.calls) == calls and kept is not None and len(kept) == 1


# -- the store and the cache -------------------------------------------------------------


def test_the_store_keeps_the_last_few_sessions(tmp_path: Path) -> None:
    store = Store(tmp_path / "regime.sqlite")
    days = pd.bdate_range("2026-01-05", periods=INTRADAY_SESSIONS_KEPT + 2)
    for day in days:
        frame = five(f"{day:%Y-%m-%d} 09:30", [1.0, 2.0]).rename(columns=str.lower)
        frame.index = frame.index.rename("time")
        store.store_intraday_bars(
            "^GSPC", day.date(), frame[["open", "high", "low", "close", "volume"]]
        )
    assert store.intraday_bars("^GSPC", days[0].date()) is None
    assert store.intraday_bars("^GSPC", days[1].date()) is None
    newest = store.intraday_bars("^GSPC", days[-1].date())
    assert newest is not None
    store.store_intraday_bars("^GSPC", days[-1].date(), newest, ny("2026-02-01 09:00"))
    assert store.intraday_fetched_at("^GSPC", days[-1].date()) == ny("2026-02-01 09:00")
    assert store.intraday_fetched_at("^GSPC", days[0].date()) is None
    kept = store.intraday_bars("^GSPC", days[-1].date())
    assert kept is not None and kept.index[0] == pd.Timestamp(ny(f"{days[-1]:%Y-%m-%d} 09:30"))
    cache = CacheSource(store)
    assert "intraday_bars" in cache.capabilities
    served = cache.intraday_bars(days[-1].date())
    assert served is not None and len(served) == 2
    assert cache.intraday_bars(days[0].date()) is None


def test_a_cache_without_the_table_gets_it_and_keeps_its_bars(tmp_path: Path) -> None:
    path = tmp_path / "regime.sqlite"
    with Store(path) as store:
        bars = pd.DataFrame(
            {"open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]},
            index=pd.DatetimeIndex([pd.Timestamp("2026-01-27")], name="date"),
        )
        store.upsert_bars("^GSPC", bars)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE intraday_bars")
    with Store(path) as store:
        assert not store.bars("^GSPC").empty
        assert store.intraday_bars("^GSPC", SESSION) is None
