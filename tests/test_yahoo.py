"""The Yahoo source (`core.sources.yahoo`) against a fake yfinance; and the fake itself
against the real `yf.download`, run offline over the same per-ticker data. Daily bars
are topped up on their own slow cadence (and once after each close), not on every
quote cycle; network failures are retried by yfinance itself, as the real client
configures it."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.exceptions import DNSError
from fake_yfinance import (
    DownloadCall,
    FakeYahoo,
    FakeYahooClient,
    Latency,
    daily_history,
    fund_summary,
    minute_history,
    rows_asked,
)
from yfinance.exceptions import YFRateLimitError

from core.clock import NEW_YORK
from core.sections.breadth import breadth_section
from core.session import MarketSession
from core.signals.breadth import top10_concentration_pct
from core.snapshot import PanelStatus
from core.sources.base import (
    EmptyDataError,
    NetworkError,
    PartialDataError,
    RateLimitError,
    Source,
    check_bars,
)
from core.sources.cache import CacheSource
from core.sources.yahoo import (
    DAILY_TOP_UP_EVERY,
    HOLDINGS_REFRESH,
    NETWORK_RETRIES,
    TOP_UP_OVERLAP,
    Download,
    YahooSource,
    YFinanceClient,
    _classify,
    _holding_weights,
    _per_ticker,
    _session_dates,
    _to_new_york,
)
from core.store import Store

SPX = "^GSPC"


def nyse_sessions(start: str, end: str) -> pd.DatetimeIndex:
    """The NYSE sessions from `start` to `end`: Yahoo has bars on no other day (and the
    source screens out a bar dated on a holiday)."""
    days = MarketSession().sessions(date.fromisoformat(start), date.fromisoformat(end))
    return pd.DatetimeIndex([pd.Timestamp(day) for day in days])


DAYS = nyse_sessions("2024-01-02", "2024-03-28")
CURL_DOWN = "Failed to perform, curl: (7) Failed to connect to query2.finance.yahoo.com port 443"


def ny(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=NEW_YORK)


def closes_of(frame: pd.DataFrame, start: str, end: str) -> list[float]:
    return frame.loc[start:end, "Close"].tolist()


@pytest.fixture
def market() -> FakeYahoo:
    fake = FakeYahoo()
    fake.daily[SPX] = daily_history(DAYS, np.linspace(4700.0, 5200.0, len(DAYS)))
    fake.daily["SPY"] = daily_history(DAYS, np.linspace(470.0, 520.0, len(DAYS)))
    return fake


@dataclass
class Harness:
    source: YahooSource
    client: FakeYahooClient
    store: Store
    now: list[datetime]
    sleeps: list[float] = field(default_factory=list)

    def at(self, moment: str) -> None:
        self.now[0] = ny(moment)


@pytest.fixture
def make(tmp_path: Path, market: FakeYahoo) -> Callable[..., Harness]:
    def build(**options: object) -> Harness:
        store = Store(tmp_path / "regime.sqlite")
        client = FakeYahooClient(market)
        now = [ny("2024-01-31 20:00")]
        sleeps: list[float] = []
        source = YahooSource(
            store,
            lambda: now[0],
            client=client,
            sleep=sleeps.append,
            **options,  # type: ignore[arg-type]
        )
        return Harness(source, client, store, now, sleeps)

    return build


# Daily bars ------------------------------------------------------------------------


def test_is_a_source_that_says_what_it_can_do(make: Callable[..., Harness]) -> None:
    source = make().source
    assert isinstance(source, Source)
    assert (source.kind, source.simulated) == ("yahoo", False)
    assert (source.historical, source.cached, source.directory) == (False, False, None)
    assert source.capabilities == {
        "daily_bars",
        "intraday_bars",
        "intraday_quotes",
        "option_chains",
    }
    assert make(member_tickers=["AAPL"]).source.capabilities == {
        "daily_bars",
        "intraday_bars",
        "intraday_quotes",
        "option_chains",
        "members",
        "member_weights",
    }
    with_members = make(member_tickers=["AAPL"], holdings_fund=None).source
    assert with_members.capabilities == {
        "daily_bars",
        "intraday_bars",
        "intraday_quotes",
        "option_chains",
        "members",
    }
    assert source.fetched_at() is None
    source.daily_bars([SPX], date(2024, 1, 2), date(2024, 1, 31))
    assert source.fetched_at("daily") == ny("2024-01-31 20:00")


def test_first_fetch_is_one_batched_request_stored_in_the_standard_shape(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    bars = h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))

    # yfinance's end is exclusive: asking for the 31st asks Yahoo up to the 1st.
    assert h.client.calls == [
        DownloadCall((SPX, "SPY"), date(2024, 1, 2), date(2024, 2, 1), None, "1d", False)
    ]
    assert set(bars) == {SPX, "SPY"}
    spx = bars[SPX]
    check_bars(spx, "test")
    assert isinstance(spx.index, pd.DatetimeIndex) and spx.index.tz is None
    assert spx.index.name == "date"
    assert spx.index[0] == pd.Timestamp("2024-01-02") and spx.index[-1] == pd.Timestamp(
        "2024-01-31"
    )
    assert spx["close"].tolist() == closes_of(market.daily[SPX], "2024-01-02", "2024-01-31")
    assert spx["open"].iloc[0] == market.daily[SPX]["Open"].iloc[0]  # Close, not Adj Close
    assert spx["volume"].iloc[0] == 1000.0
    pd.testing.assert_frame_equal(h.store.bars(SPX, date(2024, 1, 2), date(2024, 1, 31)), spx)
    assert h.store.fetched_at("daily") == ny("2024-01-31 20:00")


def test_top_up_asks_only_from_the_last_stored_session_less_the_overlap(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 1, 31))
    h.at("2024-02-14 20:00")

    bars = h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))

    assert len(h.client.calls) == 2
    top_up = h.client.calls[-1]
    assert (
        top_up.start == date(2024, 1, 31) - timedelta(days=7) == date(2024, 1, 31) - TOP_UP_OVERLAP
    )
    assert top_up.end == date(2024, 2, 15)
    assert bars[SPX]["close"].tolist() == closes_of(market.daily[SPX], "2024-01-02", "2024-02-14")


def test_a_range_already_fetched_and_final_is_served_without_a_request(
    make: Callable[..., Harness],
) -> None:
    h = make()
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 1, 31))
    h.at("2024-02-14 20:00")
    h.source.daily_bars([SPX], date(2024, 1, 10), date(2024, 1, 20))
    assert len(h.client.calls) == 1


def test_the_partial_live_bar_is_overwritten_by_the_next_top_up(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.daily[SPX] = market.daily[SPX].loc[:"2024-02-14"].copy()
    market.daily[SPX].loc["2024-02-14", "Close"] = 5000.0  # at noon
    h = make()
    h.at("2024-02-14 12:00")
    assert (
        h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))[SPX]["close"].iloc[-1]
        == 5000.0
    )

    market.daily[SPX].loc["2024-02-14", "Close"] = 5100.0  # the close, 2% higher
    h.at("2024-02-14 18:00")
    bars = h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))

    assert h.client.calls[-1].start == date(2024, 2, 7)
    assert bars[SPX]["close"].iloc[-1] == 5100.0
    assert len(h.client.calls) == 2  # not mistaken for a re-based history


def test_a_history_re_based_by_a_split_is_fetched_again_in_full(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    h.source.daily_bars(["SPY"], date(2024, 1, 2), date(2024, 1, 31))
    split = market.daily["SPY"].copy()
    split[["Open", "High", "Low", "Close", "Adj Close"]] /= 2.0
    market.daily["SPY"] = split
    h.at("2024-02-14 20:00")

    bars = h.source.daily_bars(["SPY"], date(2024, 1, 2), date(2024, 2, 14))

    assert [call.start for call in h.client.calls] == [
        date(2024, 1, 2),
        date(2024, 1, 24),
        date(2024, 1, 2),
    ]
    assert bars["SPY"]["close"].tolist() == closes_of(split, "2024-01-02", "2024-02-14")


def test_a_failed_ticker_is_a_partial_error_naming_it_with_the_good_part_attached(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    with pytest.raises(PartialDataError) as caught:
        h.source.daily_bars([SPX, "NOPE"], date(2024, 1, 2), date(2024, 1, 31))
    error = caught.value
    assert error.missing == ("NOPE",)
    assert list(error.partial) == [SPX]
    assert len(error.partial[SPX]) == len(nyse_sessions("2024-01-02", "2024-01-31"))
    message = str(error)
    assert message.startswith("yahoo: daily bars of NOPE")
    assert "no timezone found" in message  # the error yfinance recorded for it


def test_an_all_nan_column_is_missing_data(make: Callable[..., Harness], market: FakeYahoo) -> None:
    # Rows with no prices but a volume survive yfinance's keepna=False cleaning.
    market.daily["BAD"] = daily_history(DAYS, [np.nan] * len(DAYS))
    h = make()
    with pytest.raises(PartialDataError, match=r"BAD: empty or all-NaN data") as caught:
        h.source.daily_bars([SPX, "BAD"], date(2024, 1, 2), date(2024, 1, 31))
    assert caught.value.missing == ("BAD",)


def test_every_ticker_failing_is_empty_data(make: Callable[..., Harness]) -> None:
    h = make()
    with pytest.raises(
        EmptyDataError, match=r"yahoo: daily bars of NOPE, NADA .*nothing came back"
    ):
        h.source.daily_bars(["NOPE", "NADA"], date(2024, 1, 2), date(2024, 1, 31))


def test_a_rate_limit_is_a_rate_limit_error_and_is_not_retried(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.fail(SPX, YFRateLimitError())
    market.fail("SPY", YFRateLimitError())
    h = make()
    with pytest.raises(RateLimitError, match=r"yahoo: daily bars of \^GSPC, SPY: rate limited"):
        h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert len(h.client.calls) == 1 and h.sleeps == [] and market.sleeps == []


def test_a_rate_limit_raised_by_the_client_is_a_rate_limit_error(
    make: Callable[..., Harness],
) -> None:
    h = make()
    h.client.raises.append(YFRateLimitError())
    with pytest.raises(RateLimitError, match="Too Many Requests"):
        h.source.quotes([SPX])


def test_a_network_failure_yfinance_retried_in_vain_is_a_network_error(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.fail(SPX, CurlConnectionError(CURL_DOWN))
    market.fail("SPY", CurlConnectionError(CURL_DOWN))
    h = make()
    with pytest.raises(NetworkError) as caught:
        h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert len(h.client.calls) == 1 and h.sleeps == []  # the source does not retry...
    assert market.sleeps == [1.0, 2.0, 1.0, 2.0]  # ...yfinance did, twice per ticker
    message = str(caught.value)
    assert "yahoo: daily bars of ^GSPC, SPY: network failure" in message
    assert "Failed to connect" in message


def test_a_symbol_that_failed_is_asked_again_next_cycle_not_after_the_top_up_cadence(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    h.at("2024-02-14 09:30")
    h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 2, 14))  # both stored
    market.fail("SPY", CurlConnectionError(CURL_DOWN))
    h.at("2024-02-14 10:00")  # a top-up is due: SPY fails
    with pytest.raises(PartialDataError):
        h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 2, 14))
    market.failures.clear()  # the network is back
    calls = len(h.client.calls)
    h.at("2024-02-14 10:00:15")
    h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 2, 14))
    assert len(h.client.calls) == calls + 1
    assert h.client.calls[-1].tickers == ("SPY",)  # SPX waits for its cadence


def test_a_bad_bar_from_yahoo_is_never_stored_and_is_named(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.daily[SPX].loc["2024-01-10", "Close"] = -5.0  # a bad print
    h = make()
    with pytest.raises(PartialDataError, match=r"yahoo: \^GSPC: rejected the bar of 2024-01-10"):
        h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 1, 31))
    stored = h.store.bars(SPX, date(2024, 1, 2), date(2024, 1, 31))
    assert pd.Timestamp("2024-01-10") not in stored.index and len(stored) > 10


def test_a_transient_network_failure_is_retried_by_yfinance_unseen(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.fail("SPY", CurlConnectionError(CURL_DOWN), then_recover=True)
    h = make()
    bars = h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert set(bars) == {SPX, "SPY"}
    assert [call.tickers for call in h.client.calls] == [(SPX, "SPY")]
    assert market.sleeps == [1.0]


def test_a_network_exception_from_the_client_is_a_network_error(
    make: Callable[..., Harness],
) -> None:
    h = make()
    h.client.raises.append(DNSError("Could not resolve host"))
    with pytest.raises(
        NetworkError, match=r"yahoo: quotes of \^GSPC: network failure \(DNSError: Could not"
    ):
        h.source.quotes([SPX])
    assert len(h.client.calls) == 1 and h.sleeps == []


def test_one_symbol_down_on_the_network_while_others_arrive_is_partial(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.fail("SPY", CurlConnectionError(CURL_DOWN))
    h = make()
    with pytest.raises(PartialDataError, match="SPY: ConnectionError") as caught:
        h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert caught.value.missing == ("SPY",) and list(caught.value.partial) == [SPX]


# The top-up's cadence ----------------------------------------------------------------


def test_daily_bars_are_topped_up_on_their_own_slow_cadence_not_every_quote_cycle(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    h = make()
    opened = ny("2024-02-14 10:00")
    h.now[0] = opened
    first = h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))
    for cycle in range(1, 60):  # a quote cycle every 15 seconds for 15 minutes
        h.now[0] = opened + timedelta(seconds=15 * cycle)
        served = h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))
        pd.testing.assert_frame_equal(served[SPX], first[SPX])  # from the store
    assert len(h.client.calls) == 1
    assert h.store.fetched_at("daily") == opened

    h.now[0] = opened + DAILY_TOP_UP_EVERY
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))
    assert len(h.client.calls) == 2
    assert h.client.calls[-1].start == date(2024, 2, 14) - TOP_UP_OVERLAP


def test_the_cadence_is_a_parameter(make: Callable[..., Harness]) -> None:
    h = make(top_up_every=timedelta(minutes=1))
    h.at("2024-02-14 10:00")
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))
    h.at("2024-02-14 10:01")
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 2, 14))
    assert len(h.client.calls) == 2


def test_the_first_top_up_after_the_close_comes_at_once_for_the_official_close(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.daily[SPX] = market.daily[SPX].loc[:"2024-02-14"].copy()
    market.daily[SPX].loc["2024-02-14", "Close"] = 5000.0  # the live bar at 15:55
    h = make()
    h.at("2024-02-14 15:55")
    h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))
    market.daily[SPX].loc["2024-02-14", "Close"] = 5100.0  # the official close
    h.at("2024-02-14 15:59")
    assert (
        h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))[SPX]["close"].iloc[-1]
        == 5000.0
    )  # not due yet

    h.at("2024-02-14 16:01")
    bars = h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))
    assert len(h.client.calls) == 2 and bars[SPX]["close"].iloc[-1] == 5100.0

    h.at("2024-02-14 16:05")  # then the slow cadence again
    h.source.daily_bars([SPX], date(2024, 2, 1), date(2024, 2, 14))
    assert len(h.client.calls) == 2


def test_a_series_not_stored_yet_is_fetched_at_once_whatever_the_cadence(
    make: Callable[..., Harness],
) -> None:
    h = make()
    h.source.daily_bars([SPX], date(2024, 1, 2), date(2024, 1, 31))
    bars = h.source.daily_bars([SPX, "SPY"], date(2024, 1, 2), date(2024, 1, 31))
    assert set(bars) == {SPX, "SPY"}
    assert [call.tickers for call in h.client.calls] == [(SPX,), ("SPY",)]
    h.source.daily_bars([SPX], date(2023, 6, 1), date(2024, 1, 31))  # further back
    assert h.client.calls[-1] == DownloadCall(
        (SPX,), date(2023, 6, 1), date(2024, 2, 1), None, "1d", False
    )


# Shapes of yf.download frames ----------------------------------------------------------


def test_per_ticker_reads_every_shape_yf_download_returns(market: FakeYahoo) -> None:
    client = FakeYahooClient(market)
    column_grouped = client.download([SPX], start=date(2024, 1, 2), end=date(2024, 1, 6)).frame
    assert column_grouped.columns.names == ["Price", "Ticker"]
    ticker_grouped = column_grouped.swaplevel(0, 1, axis=1)  # group_by="ticker"
    flat = column_grouped.droplevel(1, axis=1)  # multi_level_index=False, one ticker

    for frame in (column_grouped, ticker_grouped, flat):
        bars = _per_ticker(frame, [SPX.lower()], "test")
        assert list(bars) == [SPX.lower()]  # yfinance upper-cases; the request's name wins
        assert list(bars[SPX.lower()].columns) == ["open", "high", "low", "close", "volume"]
        assert bars[SPX.lower()]["close"].tolist() == closes_of(
            market.daily[SPX], "2024-01-02", "2024-01-05"
        )


def test_daily_session_dates_keep_the_exchange_wall_date() -> None:
    london_midnights = pd.DatetimeIndex(["2024-07-01", "2024-07-02"]).tz_localize("Europe/London")
    assert list(_session_dates(london_midnights)) == [
        pd.Timestamp("2024-07-01"),
        pd.Timestamp("2024-07-02"),
    ]


def test_intraday_timestamps_are_converted_to_new_york() -> None:
    utc = pd.DatetimeIndex(["2024-02-14 14:30", "2024-07-01 13:30"]).tz_localize("UTC")
    assert [str(t) for t in _to_new_york(utc)] == [
        "2024-02-14 09:30:00-05:00",
        "2024-07-01 09:30:00-04:00",
    ]
    naive_exchange_time = pd.DatetimeIndex(["2024-02-14 09:30"])  # ignore_tz=True
    assert str(_to_new_york(naive_exchange_time)[0]) == "2024-02-14 09:30:00-05:00"


# Quotes -------------------------------------------------------------------------------


def test_quotes_are_the_last_minute_bar_in_new_york_time_and_are_stored(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.minutes[SPX] = minute_history(
        ["2024-02-14 14:30", "2024-02-14 20:59"], [5000.0, 5010.0], tz="UTC"
    )
    market.minutes["SPY"] = minute_history(
        ["2024-02-14 09:00", "2024-02-14 16:45"], [500.0, 501.5], tz=NEW_YORK.key
    )  # the 16:45 bar is post-market
    h = make()

    quotes = h.source.quotes([SPX, "SPY", "NOPE"])

    assert h.client.calls == [DownloadCall((SPX, "SPY", "NOPE"), None, None, "1d", "1m", True)]
    assert set(quotes) == {SPX, "SPY"}  # no quote: absent
    assert quotes[SPX].last == 5010.0
    assert quotes[SPX].time == ny("2024-02-14 15:59")
    assert quotes[SPX].time.tzinfo is not None and quotes[SPX].time.utcoffset() == timedelta(
        hours=-5
    )
    assert quotes["SPY"].time == ny("2024-02-14 16:45") and quotes["SPY"].session == date(
        2024, 2, 14
    )
    assert h.store.quotes() == quotes
    assert h.store.fetched_at("quotes") == h.now[0]


def test_quotes_of_a_foreign_exchange_come_back_in_new_york_time(
    make: Callable[..., Harness], market: FakeYahoo
) -> None:
    market.exchange_tz["VOD.L"] = "Europe/London"
    market.minutes["VOD.L"] = minute_history(
        ["2024-07-01 08:00", "2024-07-01 16:29"], [70.0, 71.0], tz="Europe/London"
    )
    h = make()
    [quote] = h.source.quotes(["VOD.L"]).values()
    assert quote.time == ny("2024-07-01 11:29")
    assert quote.session == date(2024, 7, 1)


def test_no_quote_at_all_is_empty_data(make: Callable[..., Harness]) -> None:
    with pytest.raises(EmptyDataError, match=r"yahoo: quotes of \^GSPC, SPY: none came back"):
        make().source.quotes([SPX, "SPY"])


# Members ------------------------------------------------------------------------------


MEMBERS = [f"M{n:03d}" for n in range(120)]


@pytest.fixture
def with_members(market: FakeYahoo) -> FakeYahoo:
    for n, ticker in enumerate(MEMBERS):
        market.daily[ticker] = daily_history(DAYS, np.linspace(10.0 + n, 20.0 + n, len(DAYS)))
    return market


def test_members_are_fetched_in_chunks_with_a_pause_and_topped_up(
    make: Callable[..., Harness], with_members: FakeYahoo
) -> None:
    h = make(member_tickers=MEMBERS, chunk_size=50, chunk_pause=0.5)
    h.store.upsert_member_info(
        pd.DataFrame({"name": ["First"], "sector": ["Energy"]}, index=["M000"])
    )

    panel = h.source.members(date(2024, 1, 2), date(2024, 1, 31))

    assert [len(call.tickers) for call in h.client.calls] == [50, 50, 20]
    assert h.sleeps == [0.5, 0.5]
    assert {call.start for call in h.client.calls} == {date(2024, 1, 2)}
    assert panel is not None
    assert panel.closes.shape == (len(nyse_sessions("2024-01-02", "2024-01-31")), 120)
    assert isinstance(panel.closes.index, pd.DatetimeIndex) and panel.closes.index.tz is None
    assert panel.closes.index.name == "date"
    assert panel.closes["M007"].tolist() == closes_of(
        with_members.daily["M007"], "2024-01-02", "2024-01-31"
    )
    assert panel.info.loc["M000", "sector"] == "Energy"

    h.at("2024-02-14 20:00")
    panel = h.source.members(date(2024, 1, 2), date(2024, 2, 14))

    top_ups = h.client.calls[3:]
    assert [len(call.tickers) for call in top_ups] == [50, 50, 20]
    assert {call.start for call in top_ups} == {date(2024, 1, 24)}
    assert panel is not None and panel.closes.index[-1] == pd.Timestamp("2024-02-14")


def test_members_without_a_member_list_are_none(
    make: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="core.sources.yahoo"):
        assert make().source.members(date(2024, 1, 2), date(2024, 1, 31)) is None
    assert "no member list" in caplog.text


def test_a_member_yahoo_lacks_is_left_out_and_logged(
    make: Callable[..., Harness], with_members: FakeYahoo, caplog: pytest.LogCaptureFixture
) -> None:
    h = make(member_tickers=[*MEMBERS[:3], "GONE"])
    with caplog.at_level(logging.WARNING, logger="core.sources.yahoo"):
        panel = h.source.members(date(2024, 1, 2), date(2024, 1, 31))
    assert panel is not None and list(panel.closes.columns) == MEMBERS[:3]
    assert "GONE: YFTzMissingError" in caplog.text


def test_a_rate_limit_mid_way_keeps_the_chunks_already_stored(
    make: Callable[..., Harness], with_members: FakeYahoo
) -> None:
    for ticker in MEMBERS[50:100]:
        with_members.fail(ticker, YFRateLimitError())
    h = make(member_tickers=MEMBERS, chunk_size=50)
    with pytest.raises(RateLimitError, match="members' closes of M050"):
        h.source.members(date(2024, 1, 2), date(2024, 1, 31))
    assert len(h.client.calls) == 2
    stored = h.store.members()
    assert stored is not None and list(stored.columns) == MEMBERS[:50]


def test_a_members_load_reports_each_chunk_to_its_progress(
    make: Callable[..., Harness], with_members: FakeYahoo
) -> None:
    h = make(member_tickers=MEMBERS, chunk_size=50)
    seen: list[tuple[int, int] | None] = []

    def pause(seconds: float) -> None:  # between chunks: what the panel would show
        reading = h.source.members_progress.reading()
        seen.append(None if reading is None else (reading.done, reading.total))

    h.source._sleep = pause
    assert h.source.members_progress.reading() is None
    h.source.members(date(2024, 1, 2), date(2024, 1, 31))
    assert seen == [(50, 120), (100, 120)]
    assert h.source.members_progress.reading() is None  # over


def test_a_resumed_members_load_counts_what_is_stored_as_done(
    make: Callable[..., Harness], with_members: FakeYahoo
) -> None:
    for ticker in MEMBERS[50:100]:
        with_members.fail(ticker, YFRateLimitError(), then_recover=True)
    h = make(member_tickers=MEMBERS, chunk_size=50)
    # Up to a past session: what is stored of it is final, not topped up again.
    with pytest.raises(RateLimitError):
        h.source.members(date(2024, 1, 2), date(2024, 1, 30))
    assert h.source.members_progress.reading() is None  # a failed load is over too
    seen: list[tuple[int, int]] = []

    def pause(seconds: float) -> None:
        reading = h.source.members_progress.reading()
        assert reading is not None
        seen.append((reading.done, reading.total))

    h.source._sleep = pause
    h.source.members(date(2024, 1, 2), date(2024, 1, 30))
    assert seen == [(100, 120)]  # 50 stored, then 50 more: the last 20 to go


def test_the_fake_can_answer_at_yahoos_pace(with_members: FakeYahoo) -> None:
    slept: list[float] = []
    latency = Latency(per_request=0.25, per_thousand_rows=0.05, parallel=4, sleep=slept.append)
    client = FakeYahooClient(with_members, latency=latency)
    client.download(MEMBERS[:50], start=date(2023, 1, 2), end=date(2026, 1, 1))
    rows = rows_asked(date(2023, 1, 2), date(2026, 1, 1), "1d")
    assert rows == 783  # weekdays from 2023-01-02 to 2025-12-31
    assert slept == [pytest.approx(13 * (0.25 + 0.05 * rows / 1000))]
    client.download(["M000"], period="1d", interval="1m")
    assert slept[-1] == pytest.approx(0.25 + 0.05 * 0.39)


def test_no_member_with_any_close_is_empty_data(make: Callable[..., Harness]) -> None:
    h = make(member_tickers=["GONE", "LOST"])
    with pytest.raises(EmptyDataError, match="none of 2 tickers"):
        h.source.members(date(2024, 1, 2), date(2024, 1, 31))


# Members' weights: the top holdings of SPY -----------------------------------------------

# SPY's top ten as Yahoo lists them (fractions of the fund), Berkshire with a dot.
SPY_TOP = [
    ("NVDA", "NVIDIA Corp", 0.0771),
    ("MSFT", "Microsoft Corp", 0.0675),
    ("AAPL", "Apple Inc", 0.0596),
    ("AMZN", "Amazon.com Inc", 0.0403),
    ("META", "Meta Platforms Inc Class A", 0.0300),
    ("AVGO", "Broadcom Inc", 0.0254),
    ("GOOGL", "Alphabet Inc Class A", 0.0207),
    ("TSLA", "Tesla Inc", 0.0179),
    ("BRK.B", "Berkshire Hathaway Inc Class B", 0.0167),
    ("GOOG", "Alphabet Inc Class C", 0.0167),
]
TOP_TICKERS = [symbol.replace(".", "-") for symbol, _, _ in SPY_TOP]
OTHERS = [f"M{n:03d}" for n in range(5)]
JAN = (date(2024, 1, 2), date(2024, 1, 31))


@pytest.fixture
def with_spy(market: FakeYahoo) -> FakeYahoo:
    for n, ticker in enumerate([*TOP_TICKERS, *OTHERS]):
        market.daily[ticker] = daily_history(DAYS, np.linspace(50.0 + n, 60.0 + n, len(DAYS)))
    market.funds["SPY"] = fund_summary(SPY_TOP)
    return market


def test_spy_top_holdings_are_the_members_weights_and_give_the_top10_concentration(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    h = make(member_tickers=[*OTHERS, *TOP_TICKERS])
    h.store.upsert_member_info(
        pd.DataFrame({"name": ["Nvidia"], "sector": ["Technology"]}, index=["NVDA"])
    )

    panel = h.source.members(*JAN)

    assert h.client.holdings_calls == ["SPY"]
    assert panel is not None
    assert list(panel.info.index) == list(panel.closes.columns)
    weights = panel.info["weight"]
    assert weights[TOP_TICKERS].tolist() == [weight for _, _, weight in SPY_TOP]
    assert weights["BRK-B"] == 0.0167  # Yahoo's BRK.B is the member BRK-B
    assert weights[OTHERS].isna().all()
    # Stored name and sector are kept; a member without a name takes Yahoo's.
    assert (panel.info.loc["NVDA", "name"], panel.info.loc["NVDA", "sector"]) == (
        "Nvidia",
        "Technology",
    )
    assert panel.info.loc["BRK-B", "name"] == "Berkshire Hathaway Inc Class B"

    expected = sum(weight for _, _, weight in SPY_TOP) * 100.0
    assert top10_concentration_pct(panel.info) == pytest.approx(expected)  # 37.19
    section = breadth_section(panel, PanelStatus(state="LIVE"))
    assert section.top10_concentration_pct == pytest.approx(37.19)

    # The weights are in the store: the offline cache serves them too.
    cached = CacheSource(h.store, member_tickers=[*OTHERS, *TOP_TICKERS]).members(*JAN)
    assert cached is not None
    assert top10_concentration_pct(cached.info) == pytest.approx(expected)
    assert h.store.fetched_at("holdings") == h.now[0]


def test_holdings_are_fetched_with_the_members_only_never_with_quotes_or_daily_bars(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    with_spy.minutes["SPY"] = minute_history(["2024-01-31 14:30"], [480.0])
    h = make(member_tickers=TOP_TICKERS)
    h.source.quotes(["SPY"])
    h.source.daily_bars([SPX, "SPY"], *JAN)
    assert h.client.holdings_calls == []
    h.source.members(*JAN)
    assert h.client.holdings_calls == ["SPY"]


def test_holdings_are_fetched_again_only_once_the_stored_ones_are_old(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    h = make(member_tickers=[*OTHERS, *TOP_TICKERS])
    h.source.members(*JAN)
    h.at("2024-01-31 21:00")
    h.source.members(*JAN)
    assert h.client.holdings_calls == ["SPY"]

    # Later, Yahoo lists M000 instead of GOOG: GOOG's weight becomes unknown.
    with_spy.funds["SPY"] = fund_summary([*SPY_TOP[:9], ("M000", "Member Zero", 0.0150)])
    h.now[0] = ny("2024-01-31 20:00") + HOLDINGS_REFRESH
    panel = h.source.members(*JAN)

    assert h.client.holdings_calls == ["SPY", "SPY"]
    assert panel is not None
    assert panel.info.loc["M000", "weight"] == 0.0150
    assert panel.info["weight"].isna()["GOOG"]
    assert panel.info["weight"].notna().sum() == 10
    expected = (sum(weight for _, _, weight in SPY_TOP[:9]) + 0.0150) * 100.0
    assert top10_concentration_pct(panel.info) == pytest.approx(expected)


def empty_holdings(market: FakeYahoo) -> None:
    del market.funds["SPY"]["topHoldings"]["holdings"]


def no_fund_profile(market: FakeYahoo) -> None:
    del market.funds["SPY"]["fundProfile"]


def a_holding_without_a_weight(market: FakeYahoo) -> None:
    del market.funds["SPY"]["topHoldings"]["holdings"][0]["holdingPercent"]


def weights_in_percent(market: FakeYahoo) -> None:
    market.funds["SPY"] = fund_summary([(s, n, w * 100.0) for s, n, w in SPY_TOP])


def unknown_fund(market: FakeYahoo) -> None:
    del market.funds["SPY"]


def network_down(market: FakeYahoo) -> None:
    market.fund_errors["SPY"] = CurlConnectionError(CURL_DOWN)


def rate_limited(market: FakeYahoo) -> None:
    market.fund_errors["SPY"] = YFRateLimitError()


HOLDINGS_FAILURES = {
    "no holdings listed": (empty_holdings, "EmptyDataError"),
    "a section missing": (no_fund_profile, "KeyError: 'fundProfile'"),
    "a holding without a weight": (a_holding_without_a_weight, "KeyError: 'holdingPercent'"),
    "weights in percent": (weights_in_percent, "not fractions"),
    "an unknown fund": (unknown_fund, "HTTPError: HTTP Error 404"),
    "the network down": (network_down, "ConnectionError"),
    "a rate limit": (rate_limited, "YFRateLimitError"),
}


@pytest.mark.parametrize("spoil, logged", HOLDINGS_FAILURES.values(), ids=list(HOLDINGS_FAILURES))
def test_a_holdings_failure_leaves_members_working_without_weights(
    spoil: Callable[[FakeYahoo], None],
    logged: str,
    make: Callable[..., Harness],
    with_spy: FakeYahoo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spoil(with_spy)
    h = make(member_tickers=[*OTHERS, *TOP_TICKERS])
    with caplog.at_level(logging.WARNING, logger="core.sources.yahoo"):
        panel = h.source.members(*JAN)

    assert panel is not None and panel.closes.shape[1] == 15
    assert panel.info["weight"].isna().all()
    assert top10_concentration_pct(panel.info) is None
    assert "top holdings of SPY" in caplog.text and logged in caplog.text
    assert h.store.fetched_at("holdings") is None
    h.at("2024-01-31 21:00")  # not marked fetched: the next members() asks again
    h.source.members(*JAN)
    assert h.client.holdings_calls == ["SPY", "SPY"]


def test_a_holdings_failure_keeps_the_weights_stored_before(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    h = make(member_tickers=[*OTHERS, *TOP_TICKERS])
    h.source.members(*JAN)
    network_down(with_spy)
    h.now[0] += HOLDINGS_REFRESH
    panel = h.source.members(*JAN)
    assert h.client.holdings_calls == ["SPY", "SPY"]
    assert panel is not None
    assert top10_concentration_pct(panel.info) == pytest.approx(37.19)


def test_a_replay_gets_no_weights_from_its_future(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    h = make(member_tickers=[*OTHERS, *TOP_TICKERS])
    h.source.members(*JAN)
    h.at("2024-03-29 20:00")
    panel = h.source.members(date(2024, 1, 2), date(2024, 1, 19))
    assert h.client.holdings_calls == ["SPY"]
    assert panel is not None and panel.info["weight"].isna().all()


def test_without_a_holdings_fund_nothing_is_fetched(
    make: Callable[..., Harness], with_spy: FakeYahoo
) -> None:
    h = make(member_tickers=TOP_TICKERS, holdings_fund=None)
    panel = h.source.members(*JAN)
    assert h.client.holdings_calls == []
    assert panel is not None and top10_concentration_pct(panel.info) is None


# The real client, offline -----------------------------------------------------------


def test_importing_the_module_or_building_the_source_does_not_import_yfinance(
    tmp_path: Path,
) -> None:
    script = f"""
import sys
from pathlib import Path
from core.sources.yahoo import YahooSource
from core.store import Store
source = YahooSource(Store(Path({str(tmp_path)!r}) / "r.sqlite"))
assert "yfinance" not in sys.modules, "imported too early"
source._yahoo()
assert "yfinance" in sys.modules
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr


def test_the_real_client_keeps_yfinance_caches_in_the_app_cache_and_raises(tmp_path: Path) -> None:
    import yfinance
    from yfinance.cache import _TzDBManager

    YFinanceClient(tmp_path / "yf")
    assert _TzDBManager.get_location() == str(tmp_path / "yf")
    assert (tmp_path / "yf").is_dir()
    assert yfinance.config.debug.hide_exceptions is False
    assert yfinance.config.network.retries == NETWORK_RETRIES
    YahooSource(Store(tmp_path / "r.sqlite"), retries=3)._yahoo()
    assert yfinance.config.network.retries == 3


def test_the_real_client_has_yfinance_retry_a_network_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """yfinance's own request layer, over an HTTP client that cannot connect."""
    import curl_cffi.requests
    import yfinance

    charts: list[str] = []

    def unreachable(session: object, method: str, url: str, *args: object, **kw: object) -> None:
        if "/v8/finance/chart/" in url:
            charts.append(url)
        raise CurlConnectionError(CURL_DOWN)

    backoff: list[float] = []
    poll = time.sleep  # yf.download polls its threads every 10 ms with the same sleep

    def sleep(seconds: float) -> None:
        if seconds >= 1:
            backoff.append(seconds)
        else:
            poll(seconds)

    monkeypatch.setattr(curl_cffi.requests.Session, "request", unreachable)
    monkeypatch.setattr(yfinance.data._time, "sleep", sleep)
    download = YFinanceClient(tmp_path / "yf", retries=2).download(["SPY"], period="5d")

    assert len(charts) == 3 and backoff == [1, 2]
    assert _classify(download.errors["SPY"]) == "network"


DOWNLOADS = {
    "two tickers and one unknown": dict(
        tickers=[SPX, "SPY", "NOPE"], start=date(2024, 1, 1), end=date(2024, 1, 20)
    ),
    "one ticker, lower case": dict(
        tickers=["^gspc"], start=date(2024, 1, 1), end=date(2024, 1, 20)
    ),
    "every ticker failed": dict(
        tickers=["NOPE", "NADA"], start=date(2024, 1, 1), end=date(2024, 1, 20)
    ),
    "an empty range": dict(tickers=[SPX, "SPY"], start=date(2024, 6, 1), end=date(2024, 6, 5)),
    "intraday": dict(tickers=[SPX, "SPY", "NOPE"], period="1d", interval="1m", prepost=True),
    "rate limited": dict(tickers=[SPX, "RATE"], start=date(2024, 1, 1), end=date(2024, 1, 20)),
    "network down": dict(tickers=[SPX, "DOWN"], start=date(2024, 1, 1), end=date(2024, 1, 20)),
}


@pytest.mark.parametrize("request_", DOWNLOADS.values(), ids=list(DOWNLOADS))
def test_the_fake_download_matches_real_yf_download(
    request_: dict[str, object],
    market: FakeYahoo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real yf.download (threads, concat, logging of failures) over a Ticker.history
    serving the fake market, against FakeYahooClient over the same market."""
    import yfinance

    market.minutes[SPX] = minute_history(["2024-02-14 14:30", "2024-02-14 14:31"], [5000.0, 5001.0])
    market.minutes["SPY"] = minute_history(["2024-02-14 14:30", "2024-02-14 14:32"], [500.0, 501.0])
    market.daily["RATE"] = market.daily["DOWN"] = market.daily["SPY"]
    market.fail("RATE", YFRateLimitError())
    market.fail("DOWN", CurlConnectionError(CURL_DOWN))
    monkeypatch.setattr(yfinance.Ticker, "history", market.ticker_history())
    tickers = request_.pop("tickers")
    assert isinstance(tickers, list)

    real: Download = YFinanceClient(tmp_path / "yf").download(tickers, **request_)  # type: ignore[arg-type]
    real_retries = list(market.sleeps)
    market.sleeps.clear()
    fake = FakeYahooClient(market).download(tickers, **request_)

    pd.testing.assert_frame_equal(real.frame, fake.frame)
    assert real.errors == fake.errors
    assert real_retries == market.sleeps
    assert real.frame.columns.names == ["Price", "Ticker"]


FUNDS = {
    "SPY's top holdings": lambda market: None,
    "no holdings listed": empty_holdings,
    "a section missing": no_fund_profile,
    "a holding without a weight": a_holding_without_a_weight,
    "an unknown fund": unknown_fund,
    "the network down": network_down,
    "a rate limit": rate_limited,
}


@pytest.mark.parametrize("spoil", FUNDS.values(), ids=list(FUNDS))
def test_the_fake_top_holdings_match_real_funds_data(
    spoil: Callable[[FakeYahoo], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real Ticker.funds_data.top_holdings (FundsData's request and parsing, with
    hide_exceptions=False as YFinanceClient sets it) over a YfData.get_raw_json serving
    the fake funds, against FakeYahooClient.top_holdings over the same funds."""
    import yfinance

    market = FakeYahoo(funds={"SPY": fund_summary(SPY_TOP)})
    spoil(market)
    monkeypatch.setattr(yfinance.data.YfData, "get_raw_json", market.raw_json())
    real_client = YFinanceClient(tmp_path / "yf")
    fake_client = FakeYahooClient(market)

    try:
        real = real_client.top_holdings("spy")
    except Exception as error:
        with pytest.raises(type(error)) as raised:
            fake_client.top_holdings("spy")
        assert str(raised.value) == str(error)
        return
    fake = fake_client.top_holdings("spy")
    pd.testing.assert_frame_equal(real, fake)
    assert real.index.name == "Symbol"
    assert list(real.columns) == ["Name", "Holding Percent"]
    if len(real):
        assert real.loc["BRK.B", "Holding Percent"] == 0.0167  # a fraction, not 1.67


def test_yahoo_holdings_read_as_fractions_by_member_symbol() -> None:
    holdings = pd.DataFrame(
        {
            "Symbol": ["brk/b", "BF.B", "AAPL", None, "XOM"],
            "Name": ["Berkshire", "Brown-Forman", "Apple", "Cash", None],
            "Holding Percent": [{"raw": 0.0167, "fmt": "1.67%"}, 0.0001, 0.06, 0.01, "n/a"],
        }
    ).set_index("Symbol")
    frame = _holding_weights(holdings, "SPY")
    assert frame["weight"].to_dict() == {"BRK-B": 0.0167, "BF-B": 0.0001, "AAPL": 0.06}
    assert frame["name"].to_dict() == {
        "BRK-B": "Berkshire",
        "BF-B": "Brown-Forman",
        "AAPL": "Apple",
    }
