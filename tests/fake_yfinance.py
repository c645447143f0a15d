"""A fake Yahoo for tests, shaped after yfinance 1.7.0's own code. `FakeYahoo` holds a
small market (daily and one-minute bars per symbol, plus scripted failures) and serves
it as `history`, a stand-in for `Ticker.history` returning what
`scrapers/history.py::PriceHistory.history` returns: an index stamped in the
exchange's zone ("Date" at midnight for daily bars, "Datetime" for intraday), columns
Open, High, Low, Close, Adj Close, Volume (int64), `start` inclusive and `end`
exclusive, and yfinance's own exceptions on failure (an unknown symbol has no time
zone: YFTzMissingError; an empty range: YFPricesMissingError). A scripted failure is
met the way yfinance's `YfData` meets a failed request: one it deems transient
(`data._is_transient_error`) is tried again up to `config.network.retries` times,
after 1, 2, 4 ... seconds (recorded in `FakeYahoo.sleeps`, never slept); the last one,
or any other, is raised. `FakeYahooClient`
assembles those per-ticker frames the way `multi.py::_download_impl` does: tickers
upper-cased, a failed ticker's frame replaced by `utils.empty_df()` and its
`repr(error)` recorded, daily indexes made tz-naive, intraday ones converted to the
most common exchange zone, every frame reindexed to the union of dates, concatenated
with keys (Ticker, Price), swapped to (Price, Ticker) and sorted. `test_yahoo.py` checks
this assembly against the real `yf.download` run over the same `history`.

Funds: `FakeYahoo.funds` holds each fund's quoteSummary answer (what
`YfData.get_raw_json` returns for the modules quoteType, summaryProfile, topHoldings
and fundProfile, asked with formatted=false, so weights are plain fractions), and
`FakeYahooClient.top_holdings` parses it as `scrapers/funds.py::FundsData` does with
hide_exceptions=False: a frame indexed by "Symbol" with columns "Name" and "Holding
Percent" (Yahoo's holdingPercent unchanged: 0.07 is 7%), no rows when the answer lists
no holdings, KeyError when a section or a holding's field is missing, and the HTTP
client's HTTPError for a symbol Yahoo does not know (404). `test_yahoo.py` checks this
against the real `Ticker.funds_data.top_holdings` over the same answers.

Latency: by default the fake answers at once. Given a `Latency`, each `download` first
sleeps (really) for as long as Yahoo would take to answer it: yf.download sends one
chart request per ticker, `threads=True` running min(tickers, 2 x CPUs) of them at a
time (multi.py), so a call costs ceil(tickers / parallel) rounds of one request each,
a request `per_request` seconds plus `per_thousand_rows` per 1,000 rows of bars it
carries (sessions from start to end, or a day's 390 minutes). The defaults are an
ESTIMATE, not a measurement (there is no network here): 0.25 s a request is the
round trip commonly seen from a home connection to query1.finance.yahoo.com's chart
endpoint, and 0.05 s per 1,000 rows its JSON (about 60 KB) at a few MB/s; with 4
requests at a time (2 cores), a chunk of 50 members over 3 years takes 13 x 0.29 s,
about 3.8 s."""

from __future__ import annotations

import math
import threading
import time as clock
from collections import Counter, namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import numpy as np
import pandas as pd
import yfinance
from curl_cffi.requests.exceptions import HTTPError
from yfinance.data import _is_transient_error
from yfinance.exceptions import YFPricesMissingError, YFTzMissingError

from core.sources.yahoo import NETWORK_RETRIES, Download

NEW_YORK = "America/New_York"
PRICE_COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]


def daily_history(
    sessions: Sequence[str] | pd.DatetimeIndex, closes: Sequence[float] | np.ndarray
) -> pd.DataFrame:
    """A symbol's daily history as Yahoo has it (tz-naive session dates here; `history`
    stamps them in the exchange zone)."""
    close = np.asarray(closes, dtype="float64")
    index = pd.DatetimeIndex(list(sessions))
    return pd.DataFrame(
        {
            "Open": close * 0.995,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Adj Close": close * 0.98,
            "Volume": np.arange(1, len(close) + 1, dtype="int64") * 1000,
        },
        index=index,
    )


def minute_history(stamps: Sequence[str], closes: Sequence[float], tz: str = "UTC") -> pd.DataFrame:
    """A symbol's one-minute bars; `stamps` are wall times in `tz`."""
    close = np.asarray(closes, dtype="float64")
    index = pd.DatetimeIndex(list(stamps)).tz_localize(tz)
    return pd.DataFrame(
        {
            "Open": close,
            "High": close + 0.5,
            "Low": close - 0.5,
            "Close": close,
            "Adj Close": close,
            "Volume": np.full(len(close), 100, dtype="int64"),
        },
        index=index,
    )


def stamps(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """A frame's index, typed as the DatetimeIndex it is."""
    return pd.DatetimeIndex(frame.index)


def empty_df() -> pd.DataFrame:
    """yfinance.utils.empty_df(): what download() keeps for a ticker that failed."""
    empty = pd.DataFrame(
        index=[],
        data={
            "Open": np.nan,
            "High": np.nan,
            "Low": np.nan,
            "Close": np.nan,
            "Adj Close": np.nan,
            "Volume": np.nan,
        },
    )
    empty.index.name = "Date"
    return empty


def fund_summary(holdings: Sequence[tuple[str, str, float]]) -> dict[str, Any]:
    """A fund's quoteSummary result (`result[0]`) as Yahoo sends it unformatted, with
    `holdings` as (symbol, name, fraction of the fund) in Yahoo's order (largest first)."""
    return {
        "quoteType": {"symbol": "SPY", "quoteType": "ETF", "exchange": "PCX"},
        "summaryProfile": {"longBusinessSummary": "The trust seeks to track the S&P 500."},
        "topHoldings": {
            "maxAge": 1,
            "cashPosition": 0.0011,
            "stockPosition": 0.9989,
            "bondPosition": 0.0,
            "otherPosition": 0.0,
            "preferredPosition": 0.0,
            "convertiblePosition": 0.0,
            "holdings": [
                {"symbol": symbol, "holdingName": name, "holdingPercent": weight}
                for symbol, name, weight in holdings
            ],
            "equityHoldings": {"priceToEarnings": 0.0389, "priceToBook": 0.2093},
            "bondHoldings": {},
            "bondRatings": [{"bb": 0.0}, {"aa": 0.0}],
            "sectorWeightings": [{"technology": 0.3329}, {"healthcare": 0.0912}],
        },
        "fundProfile": {
            "categoryName": "Large Blend",
            "family": "SPDR State Street Global Advisors",
            "legalType": "Exchange Traded Fund",
            "feesExpensesInvestment": {"annualReportExpenseRatio": 0.0009},
            "feesExpensesInvestmentCat": {"annualReportExpenseRatio": 0.0082},
        },
    }


@dataclass
class FakeYahoo:
    """The fake market: what Yahoo would answer for each symbol."""

    daily: dict[str, pd.DataFrame] = field(default_factory=dict)
    minutes: dict[str, pd.DataFrame] = field(default_factory=dict)
    five_minutes: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Five-minute bars per symbol (see `minute_history`), served by start and end or
    the latest day (period="1d"), pre- and post-market only with prepost."""
    strays: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Five-minute rows Yahoo sends whatever range was asked (its faults: another
    day's bars), appended to every five-minute answer of the symbol. A stamp that
    comes twice is kept once, its first row, as `history` does."""
    exchange_tz: dict[str, str] = field(default_factory=dict)
    """Exchange zone per symbol (default America/New_York)."""
    failures: dict[str, list[BaseException]] = field(default_factory=dict)
    """Raised by `history`, one per request to Yahoo (retries included), in order; the
    last one keeps being raised unless `recover` is set for the symbol."""
    recover: set[str] = field(default_factory=set)
    sleeps: list[float] = field(default_factory=list)
    """yfinance's waits before each retry of a transient failure."""
    funds: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A fund's quoteSummary `result[0]` (see `fund_summary`)."""
    fund_errors: dict[str, BaseException] = field(default_factory=dict)
    """Raised by every `quote_summary` of the fund (a network error, a rate limit)."""

    def quote_summary(self, symbol: str) -> dict[str, Any]:
        """What YfData.get_raw_json returns for a fund's quoteSummary, or raises:
        `response.raise_for_status()` fails with HTTP 404 for an unknown symbol."""
        symbol = symbol.upper()
        if symbol in self.fund_errors:
            raise self.fund_errors[symbol]
        if symbol not in self.funds:
            raise HTTPError("HTTP Error 404: Not Found")
        return {"quoteSummary": {"result": [self.funds[symbol]], "error": None}}

    def raw_json(self) -> Any:
        """A replacement for `yfinance.data.YfData.get_raw_json` serving the funds."""
        market = self

        def get_raw_json(data: Any, url: str, params: Any = None, timeout: int = 30) -> Any:
            assert "/v10/finance/quoteSummary/" in url, url
            assert params["modules"] == "quoteType,summaryProfile,topHoldings,fundProfile"
            assert params["formatted"] == "false"
            return market.quote_summary(url.rsplit("/", 1)[-1])

        return get_raw_json

    def fail(self, symbol: str, *errors: BaseException, then_recover: bool = False) -> None:
        self.failures[symbol.upper()] = list(errors)
        if then_recover:
            self.recover.add(symbol.upper())

    def _raise_scripted(self, symbol: str) -> None:
        errors = self.failures.get(symbol)
        if not errors:
            return
        error = errors[0]
        if len(errors) > 1 or symbol in self.recover:
            errors.pop(0)
        raise error

    def _request(self, symbol: str, retries: int) -> None:
        """One request for `symbol`, retried as `YfData._make_request` does."""
        for attempt in range(retries + 1):
            try:
                self._raise_scripted(symbol)
                return
            except Exception as error:
                if not _is_transient_error(error) or attempt == retries:
                    raise
                self.sleeps.append(float(2**attempt))

    def history(
        self,
        symbol: str,
        *,
        period: Any = None,
        interval: str = "1d",
        start: date | str | None = None,
        end: date | str | None = None,
        prepost: bool = False,
        actions: bool = True,
        auto_adjust: bool = True,
        retries: int = 0,
        **_: Any,
    ) -> pd.DataFrame:
        """What PriceHistory.history returns (hide_exceptions=False) for this market,
        with yfinance's `config.network.retries` set to `retries`."""
        symbol = symbol.upper()
        assert not auto_adjust and not actions, "the fake serves auto_adjust=False, actions=False"
        self._request(symbol, retries)
        tz = self.exchange_tz.get(symbol, NEW_YORK)
        if interval == "1d":
            if symbol not in self.daily:
                raise YFTzMissingError(symbol)
            bars = self.daily[symbol]
            sessions = stamps(bars)
            first = pd.Timestamp(start) if start is not None else sessions.min()
            stop = pd.Timestamp(end) if end is not None else sessions.max() + pd.Timedelta(days=1)
            bars = bars[(sessions >= first) & (sessions < stop)].copy()
            if bars.empty:
                raise YFPricesMissingError(symbol, f" (1d {start} -> {end})")
            # history.py: quotes.index = pd.to_datetime(quotes.index.date).tz_localize(tz)
            bars.index = pd.to_datetime(list(stamps(bars).date)).tz_localize(tz)
            bars.index.name = "Date"
            return bars
        if interval == "5m":
            return self._five_minutes(symbol, tz, period, start, end, prepost)
        assert interval == "1m" and period == "1d", (interval, period)
        if symbol not in self.minutes:
            raise YFTzMissingError(symbol)
        bars = self.minutes[symbol].copy()
        bars.index = stamps(bars).tz_convert(tz)  # utils.set_df_tz
        days = stamps(bars).date
        bars = bars[days == days[-1]]  # period="1d": the latest day
        if not prepost:
            wall = stamps(bars).time
            bars = bars[(wall >= time(9, 30)) & (wall < time(16, 0))]
        if bars.empty:
            raise YFPricesMissingError(symbol, f" (period={period})")
        bars.index.name = "Datetime"
        return bars

    def _five_minutes(
        self,
        symbol: str,
        tz: str,
        period: Any,
        start: date | str | None,
        end: date | str | None,
        prepost: bool,
    ) -> pd.DataFrame:
        """Five-minute bars as `history` gives them: stamped in the exchange's zone,
        from `start` (midnight there, inclusive) to `end` (exclusive), or the latest
        day for period="1d"; the symbol's `strays` appended as they are."""
        if symbol not in self.five_minutes:
            raise YFTzMissingError(symbol)
        bars = self.five_minutes[symbol].copy()
        bars.index = stamps(bars).tz_convert(tz)
        if period == "1d":
            days = stamps(bars).date
            bars = bars[days == days[-1]]
        else:
            assert start is not None and end is not None, (start, end)
            first = pd.Timestamp(start).tz_localize(tz)
            stop = pd.Timestamp(end).tz_localize(tz)
            bars = bars[(stamps(bars) >= first) & (stamps(bars) < stop)]
        if not prepost:
            wall = stamps(bars).time
            bars = bars[(wall >= time(9, 30)) & (wall < time(16, 0))]
        stray = self.strays.get(symbol)
        if stray is not None:
            extra = stray.copy()
            extra.index = stamps(extra).tz_convert(tz)
            bars = pd.concat([bars, extra])
        bars = bars[~stamps(bars).duplicated(keep="first")]  # history.py, before repair
        if bars.empty:
            raise YFPricesMissingError(symbol, f" (5m {start} -> {end})")
        bars.index.name = "Datetime"
        return bars

    def ticker_history(self) -> Any:
        """A replacement for `yfinance.Ticker.history` serving this market, retrying as
        yfinance's config says."""
        market = self

        def history(ticker: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
            assert not args, "yf.download passes everything by keyword"
            retries = yfinance.config.network.retries
            return market.history(ticker.ticker, retries=retries, **kwargs)

        return history


@dataclass(frozen=True)
class Latency:
    """How long a fake download takes, as Yahoo would (an estimate: see the module
    docstring); `scale` shrinks it all for quick runs."""

    per_request: float = 0.25
    """Seconds of one chart request's round trip."""
    per_thousand_rows: float = 0.05
    """Seconds more per 1,000 rows of bars a request carries."""
    parallel: int = 4
    """Requests at a time: yfinance's threads, min(tickers, 2 x CPUs) on 2 cores."""
    scale: float = 1.0
    sleep: Callable[[float], None] = clock.sleep

    def seconds(self, tickers: int, rows: int) -> float:
        """How long a download of `tickers` tickers, `rows` bars each, takes."""
        rounds = math.ceil(max(tickers, 0) / max(self.parallel, 1))
        one = self.per_request + self.per_thousand_rows * max(rows, 0) / 1000
        return rounds * one * self.scale


def rows_asked(start: date | None, end: date | None, interval: str) -> int:
    """Rows of bars a request carries: weekdays from `start` to `end` (exclusive) for
    daily bars, a regular session's 390 minutes for one-minute bars."""
    if interval != "1d":
        return 390
    if start is None or end is None:
        return 252
    return int(np.busday_count(start, end))


@dataclass(frozen=True)
class DownloadCall:
    tickers: tuple[str, ...]
    start: date | None
    end: date | None
    period: str | None
    interval: str
    prepost: bool


class FakeYahooClient:
    """A `YahooClient` over a `FakeYahoo`, recording every call; yfinance retries as
    `YFinanceClient(retries=...)` configures it."""

    def __init__(
        self,
        market: FakeYahoo,
        retries: int = NETWORK_RETRIES,
        latency: Latency | None = None,
        options: OptionsMarket | None = None,
    ):
        self.market = market
        self.options = options if options is not None else OptionsMarket()
        """What `options_ticker` serves."""
        self.latency = latency
        """How long each download takes (None: no time at all)."""
        self.retries = retries
        self.calls: list[DownloadCall] = []
        self.raises: list[BaseException] = []
        """Raised by the next download() calls themselves, one per call."""
        self.holdings_calls: list[str] = []
        self.answering = threading.Event()
        """Cleared: every call waits until it is set again (a connection that stalls
        past any timeout yfinance gives it)."""
        self.answering.set()

    def download(
        self,
        tickers: Sequence[str],
        *,
        start: date | None = None,
        end: date | None = None,
        period: str | None = None,
        interval: str = "1d",
        prepost: bool = False,
    ) -> Download:
        self.calls.append(DownloadCall(tuple(tickers), start, end, period, interval, prepost))
        self.answering.wait()
        if self.latency is not None:
            self.latency.sleep(self.latency.seconds(len(tickers), rows_asked(start, end, interval)))
        if self.raises:
            raise self.raises.pop(0)
        ignore_tz = interval[-1] not in ("m", "h")
        dfs: dict[str, pd.DataFrame] = {}
        errors: dict[str, str] = {}
        for symbol in sorted({ticker.upper() for ticker in tickers}):
            try:
                dfs[symbol] = self.market.history(
                    symbol,
                    period=period,
                    interval=interval,
                    start=start,
                    end=end,
                    prepost=prepost,
                    actions=False,
                    auto_adjust=False,
                    retries=self.retries,
                )
            except Exception as error:
                dfs[symbol] = empty_df()
                errors[symbol] = repr(error).replace(f"${symbol}: ", "")
        frames = [df for df in dfs.values() if not df.empty]
        if ignore_tz:
            for df in frames:
                df.index = stamps(df).tz_localize(None)
        elif frames:
            # multi.reindex_dfs: the most common zone; np.unique sorts, argmax takes the first
            zones = Counter(str(stamps(df).tz) for df in frames)
            mode = max(sorted(zones), key=zones.__getitem__)
            for df in frames:
                df.index = stamps(df).tz_convert(mode)
        union = pd.DatetimeIndex([])
        if frames:
            union = stamps(frames[0])
            for df in frames[1:]:
                union = union.union(stamps(df))
        data = pd.concat(
            [df.reindex(union) for df in dfs.values()],
            axis=1,
            sort=True,
            keys=list(dfs),
            names=["Ticker", "Price"],
        )
        data = data.swaplevel(0, 1, axis=1).sort_index(level=0, axis=1)
        return Download(data, errors)

    def options_ticker(self, symbol: str) -> FakeOptionsTicker:
        """yf.Ticker(symbol), for its options (it waits while `answering` is clear)."""
        return FakeOptionsTicker(self.options, symbol, self)

    def top_holdings(self, fund: str) -> pd.DataFrame:
        """Ticker(fund).funds_data.top_holdings: FundsData._fetch_and_parse with
        hide_exceptions=False, which re-raises whatever parsing raised."""
        self.holdings_calls.append(fund)
        self.answering.wait()
        result = self.market.quote_summary(fund)
        data = result["quoteSummary"]["result"][0]
        _ = data["quoteType"]["quoteType"]
        _ = data["summaryProfile"].get("longBusinessSummary", "")
        symbols, names, weights = [], [], []
        for item in data["topHoldings"].get("holdings", []):
            symbols.append(item["symbol"])
            names.append(item["holdingName"])
            weights.append(item["holdingPercent"])
        _ = data["fundProfile"].get("feesExpensesInvestment", {})
        return pd.DataFrame(
            {"Symbol": symbols, "Name": names, "Holding Percent": weights}
        ).set_index("Symbol")


# Options ---------------------------------------------------------------------------
#
# Yahoo's /v7/finance/options/{symbol}[?date=EPOCH] answer, and yfinance 1.7's reading
# of it (ticker.py): `Ticker.options` is the answer's `expirationDates` (epochs at
# 00:00 UTC of each expiry date) as "%Y-%m-%d" strings of `pd.Timestamp(epoch,
# unit="s")`, i.e. read in UTC, which is right; `option_chain(date)` looks the string
# up among those (ValueError when absent), asks for that epoch and returns a namedtuple
# (calls, puts, underlying) whose frames are the contracts reindexed to OPTION_COLUMNS
# (a key Yahoo left out is a NaN column; no rows: an empty frame of object columns) with
# lastTradeDate converted from epoch seconds to UTC; an answer with no `options` gives
# (None, None, None). The contracts carry no expiry column: the expiry is in the
# contract symbol (OCC: root, YYMMDD, C/P, strike x 1000). Reading an epoch in local
# or New York time instead (what yfinance did before 0.1.55, issue #180, and what a
# client that converts Yahoo's timestamps to the exchange's zone does) names every
# expiry a day early: `OptionsMarket.local_expiry_strings` reproduces that.

OPTION_COLUMNS = [
    "contractSymbol",
    "lastTradeDate",
    "strike",
    "lastPrice",
    "bid",
    "ask",
    "change",
    "percentChange",
    "volume",
    "openInterest",
    "impliedVolatility",
    "inTheMoney",
    "contractSize",
    "currency",
]


def expiry_epoch(day: str) -> int:
    """Yahoo's expirationDate of an expiry date: 00:00 UTC of that date."""
    return int(pd.Timestamp(day, tz="UTC").timestamp())


def contract(
    root: str,
    expiry: str,
    kind: str,
    strike: float,
    *,
    open_interest: int | None = 100,
    implied_vol: float | None = 0.18,
    bid: float | None = 10.0,
    ask: float | None = 10.5,
    volume: int | None = 5,
    last_trade: str = "2026-07-16 19:59:00",
) -> dict[str, Any]:
    """One contract as Yahoo's JSON has it (a field given as None is left out, as Yahoo
    leaves out what it lacks); `last_trade` is a UTC wall time."""
    day = pd.Timestamp(expiry)
    symbol = f"{root}{day:%y%m%d}{'C' if kind == 'call' else 'P'}{round(strike * 1000):08d}"
    row: dict[str, Any] = {
        "contractSymbol": symbol,
        "strike": strike,
        "currency": "USD",
        "lastPrice": 10.2,
        "change": 0.0,
        "percentChange": 0.0,
        "volume": volume,
        "openInterest": open_interest,
        "bid": bid,
        "ask": ask,
        "contractSize": "REGULAR",
        "expiration": expiry_epoch(expiry),
        "lastTradeDate": int(pd.Timestamp(last_trade, tz="UTC").timestamp()),
        "impliedVolatility": implied_vol,
        "inTheMoney": False,
    }
    return {key: value for key, value in row.items() if value is not None}


def chain_of(
    root: str, expiry: str, strikes: Sequence[float], **fields: Any
) -> dict[str, list[dict[str, Any]]]:
    """Calls and puts at `strikes` for one expiry, every contract with `fields`."""
    return {
        kind + "s": [contract(root, expiry, kind, strike, **fields) for strike in strikes]
        for kind in ("call", "put")
    }


class _Response:
    def __init__(self, payload: dict[str, Any]):
        self._payload = payload

    def json(self) -> dict[str, Any]:
        return self._payload


@dataclass
class OptionsMarket:
    """Yahoo's options of one or more underlyings: per symbol, per expiry date
    ("YYYY-MM-DD"), the calls and puts Yahoo would send (see `chain_of`); an expiry
    listed with None has no contracts in its answer (`options` empty)."""

    chains: dict[str, dict[str, dict[str, list[dict[str, Any]]] | None]] = field(
        default_factory=dict
    )
    errors: dict[tuple[str, str | None], BaseException] = field(default_factory=dict)
    """Raised by the request for (symbol, expiry date), None: the expiries' list."""
    local_expiry_strings: bool = False
    """Name the expiries by their epoch read in New York time (a day early)."""
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    spot: float = 7000.0

    def answer(self, symbol: str, epoch: int | None) -> dict[str, Any]:
        """The JSON of /v7/finance/options/{symbol}[?date=epoch]."""
        symbol = symbol.upper()
        day = None if epoch is None else pd.Timestamp(epoch, unit="s").strftime("%Y-%m-%d")
        self.requests.append((symbol, day))
        if (symbol, day) in self.errors:
            raise self.errors[(symbol, day)]
        chains = self.chains.get(symbol)
        if chains is None:
            return {"optionChain": {"result": [], "error": None}}
        days = sorted(chains)
        day = days[0] if day is None and days else day
        contracts = chains.get(day) if day is not None else None
        options = []
        if contracts is not None:
            options = [
                {"expirationDate": expiry_epoch(day), "hasMiniOptions": False, **contracts}  # type: ignore[arg-type]
            ]
        result = {
            "underlyingSymbol": symbol,
            "expirationDates": [expiry_epoch(d) for d in days],
            "strikes": [],
            "hasMiniOptions": False,
            "quote": {"symbol": symbol, "regularMarketPrice": self.spot},
            "options": options,
        }
        return {"optionChain": {"result": [result], "error": None}}

    def data_get(self) -> Any:
        """A replacement for `yfinance.data.YfData.get` serving the options endpoint."""
        market = self

        def get(data: Any, url: str, params: Any = None, timeout: int = 30) -> _Response:
            path, _, query = url.partition("?")
            assert "/v7/finance/options/" in path, url
            epoch = int(query.removeprefix("date=")) if query else None
            return _Response(market.answer(path.rsplit("/", 1)[-1], epoch))

        return get

    def expiry_string(self, epoch: int) -> str:
        if self.local_expiry_strings:
            return pd.Timestamp(epoch, unit="s", tz="UTC").tz_convert(NEW_YORK).strftime("%Y-%m-%d")
        return pd.Timestamp(epoch, unit="s").strftime("%Y-%m-%d")


OptionsTuple = namedtuple("OptionsTuple", ["calls", "puts", "underlying"])


def options_frame(contracts: list[dict[str, Any]]) -> pd.DataFrame:
    """ticker.py::_options2df with tz=None."""
    data = pd.DataFrame(contracts).reindex(columns=OPTION_COLUMNS)
    data["lastTradeDate"] = pd.to_datetime(data["lastTradeDate"], unit="s", utc=True)
    return data


class FakeOptionsTicker:
    """yf.Ticker's options API over an `OptionsMarket`, request for request as
    ticker.py makes them (`options` once, then one request per `option_chain(date)`)."""

    def __init__(self, market: OptionsMarket, symbol: str, client: FakeYahooClient | None = None):
        self.market = market
        self.ticker = symbol.upper()
        self._client = client
        self._expirations: dict[str, int] = {}

    def _download_options(self, epoch: int | None = None) -> dict[str, Any]:
        if self._client is not None:
            self._client.answering.wait()
        r = self.market.answer(self.ticker, epoch)
        if len(r.get("optionChain", {}).get("result", [])) > 0:
            result = r["optionChain"]["result"][0]
            for exp in result["expirationDates"]:
                self._expirations[self.market.expiry_string(exp)] = exp
            opt = result.get("options", [])
            return dict(**opt[0], underlying=result.get("quote", {})) if len(opt) > 0 else {}
        return {}

    @property
    def options(self) -> tuple[str, ...]:
        if not self._expirations:
            self._download_options()
        return tuple(self._expirations.keys())

    def option_chain(self, date: str | None = None, tz: str | None = None) -> OptionsTuple:
        assert tz is None
        if date is None:
            options = self._download_options()
        else:
            if not self._expirations:
                self._download_options()
            if date not in self._expirations:
                raise ValueError(
                    f"Expiration `{date}` cannot be found. "
                    f"Available expirations are: [{', '.join(self._expirations)}]"
                )
            options = self._download_options(self._expirations[date])
        if not options:
            return OptionsTuple(None, None, None)
        return OptionsTuple(
            options_frame(options["calls"]), options_frame(options["puts"]), options["underlying"]
        )
