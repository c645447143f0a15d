"""The Yahoo Finance source, and the only module that imports yfinance (lazily, on the
first request, so importing this module stays cheap). Daily history is fetched once
and then topped up incrementally into the `Store` from each series' last stored
session (re-fetching a few sessions to overwrite a partial live bar and to notice a
history that Yahoo re-based after a split); a series is topped up at most every
`DAILY_TOP_UP_EVERY` (and once after each close, for the official close), and served
from the store in between, so the fast quote cycle costs one request; members' closes
are fetched the same way in chunks with a pause between them, each chunk stored as it
comes (a load that fails resumes) and reported to `members_progress` (counts and time
left, which the engine shows on the breadth panel); quotes are the last
one-minute bar of the day. yfinance is reached through a small `YahooClient` seam
(tests pass a fake), and retries network failures itself (`config.network.retries`).
Its `download` swallows per-ticker failures, so the real client recovers them from
yfinance's own "Failed download" log lines, and this module turns them, empty frames
and all-NaN columns into the typed `SourceError`s of `base`, naming the symbols and
what failed. Every timestamp leaves this module in America/New_York; daily session
dates are tz-naive. With the members come their weights: a fund's top holdings (SPY's
ten largest, as fractions of the fund) are fetched at most every `HOLDINGS_REFRESH`,
kept in the store's member info, and reported only for a panel ending about now; a
failure to get them is logged and leaves the weights as they were (unknown at first).
The index's option chain (`option_chain`) is fetched only when asked for today's
session (`core.sources.yahoo_options`, one request per expiry, at the index's latest
stored price), kept in the store as the last chain with its fetch time, and served
from there to a replay of a session on or after the one its quotes are of. The index's
5-minute bars of a session (`intraday_bars`, pre- and after-hours included) are
fetched at most every `INTRADAY_EVERY` for the session in progress and once for a past
one within Yahoo's `INTRADAY_DAYS` (once more when stored part-way through: complete
only when fetched after its after hours ended), cleaned of Yahoo's faults (rows of
another day, repeated stamps, NaN rows, the bar in progress stamped at its last trade),
kept in the store for the session and served from there in between."""

from __future__ import annotations

import ast
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import pandas as pd

from core.chain_sessions import session_of
from core.clock import NEW_YORK, Clock, system_clock
from core.options.chain import OptionChain
from core.progress import Progress
from core.session import AFTER_HOURS, MarketSession
from core.snapshot import SourceKind
from core.sources.base import (
    BAR_COLUMNS,
    INTRADAY_MINUTES,
    Capability,
    DataFormatError,
    EmptyDataError,
    FetchKind,
    MemberPanel,
    NetworkError,
    PartialDataError,
    Quote,
    RateLimitError,
    SourceError,
    check_bars,
    empty_intraday,
    screen_bars,
)
from core.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

TOP_UP_OVERLAP = timedelta(days=7)
"""A top-up re-fetches from this long before the last stored session: at least four
sessions even across a holiday weekend, so a partial live bar is overwritten and
enough completed closes overlap to notice a re-based history."""

DAILY_TOP_UP_EVERY = timedelta(minutes=15)
"""A series' daily bars are topped up at most this often (and once after each close):
the quotes move the live bar's close every cycle, so the top-up only has to bring the
live bar's open, high and low, a new session's bar and the official close, and on the
15-second quote cycle it would double the requests Yahoo sees."""

NETWORK_RETRIES = 2
"""How many times yfinance retries a request that failed on the network (it waits 1,
2, 4 ... seconds between tries)."""

REQUEST_TIMEOUT = 10.0
"""Seconds yfinance gives each HTTP request (passed as its `timeout`, which curl
enforces on the whole transfer): a connection that stalls fails as a network error."""

CALL_DEADLINE = 90.0
"""Seconds one client call may take in all, its retries and parallel requests
included (worst case with the defaults: 3 tries of 10 s plus 1 + 2 s of waits). A
call that overruns raises NetworkError and is abandoned: a thread cannot be stopped,
so it ends on its own in the background and what it brings is dropped."""

REBASE_TOLERANCE = 0.01
"""A stored completed close that differs from Yahoo's by more than this fraction means
Yahoo re-based the history (a split): the series is fetched again in full. Smaller
differences are Yahoo's own corrections and are simply overwritten."""

QUOTE_KIND, DAILY_KIND, MEMBERS_KIND = "quotes", "daily", "members"
HOLDINGS_KIND, OPTIONS_KIND, INTRADAY_KIND = "holdings", "options", "intraday"

INTRADAY_EVERY = timedelta(seconds=60)
"""The session in progress's 5-minute bars are asked of Yahoo at most this often (the
quote cycle runs every 15 s; a bar lasts 5 minutes, and only its last one moves), and
served from the store in between."""

INTRADAY_DAYS = 59
"""Yahoo serves 5-minute bars of the last 60 days only: an older session has none."""

INDEX = "^GSPC"
"""The index whose latest price values the option chain (the chain is ^SPX's)."""

HOLDINGS_FUND = "SPY"
"""The fund whose top holdings give the members' weights (cap-weighted S&P 500)."""

HOLDINGS_REFRESH = timedelta(hours=12)
"""Stored top holdings younger than this are not fetched again: Yahoo revises a fund's
holdings every few weeks, so one request per half day (with the members) is plenty."""

HOLDINGS_CURRENT = timedelta(days=7)
"""Top holdings are today's: a members panel ending more than this before today (a
replay) gets no weights rather than weights from its future."""

_WEIGHT_SUM_TOLERANCE = 1e-6

_MEMBER_KEY = "members:"
"""Prefix of members' keys in the store's coverage table (bars use the bare symbol)."""

_FAILED_LINE = re.compile(r"^\s*(\[[^\]]*\]):\s(.*)$", re.DOTALL)
_ERROR_NAME = re.compile(r"^\s*([A-Za-z_]\w*)\(")


@dataclass(frozen=True)
class Download:
    """What one `yf.download` call produced."""

    frame: pd.DataFrame
    """Exactly as yf.download returns it: columns (Price, Ticker) MultiIndex, index
    "Date" (tz-naive) or "Datetime" (tz-aware) for intraday; a failed ticker's columns
    are all NaN, and when every ticker failed the frame has no rows."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Ticker → the error yfinance recorded for it: the exception's repr, with the
    "$TICKER: " prefix removed, as yfinance logs it."""


class YahooClient(Protocol):
    """The yfinance calls this source makes; tests substitute a fake."""

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
        """yf.download of `tickers`; `start` inclusive and `end` exclusive, as yfinance's."""
        ...

    def options_ticker(self, symbol: str) -> Any:
        """yf.Ticker(symbol), for its `options` and `option_chain(date)` (the
        `OptionsTicker` of `core.sources.yahoo_options`); making it sends no request."""
        ...

    def top_holdings(self, fund: str) -> pd.DataFrame:
        """yf.Ticker(fund).funds_data.top_holdings: index "Symbol" (Yahoo's symbols),
        columns "Name" and "Holding Percent" (a fraction of the fund: 0.07 is 7%); no
        rows when Yahoo lists no holdings. Raises whatever yfinance raises (KeyError
        when the answer lacks a section, the HTTP client's errors, YFRateLimitError)."""
        ...


class _FailedDownloads(logging.Handler):
    """Collects the per-ticker errors that `yf.download` reports only as log lines
    ("['SPY', 'IWM']: YFRateLimitError(...)", logged by the calling thread once its
    worker threads are done); other threads' records are ignored. If the app silences
    the "yfinance" logger below ERROR the reasons are lost, but failed tickers are still
    found by their empty columns."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        matched = _FAILED_LINE.match(record.getMessage())
        if matched is None:
            return
        try:
            tickers = ast.literal_eval(matched.group(1))
        except (ValueError, SyntaxError):
            return
        for ticker in tickers:
            self.errors[str(ticker)] = matched.group(2)


class YFinanceClient:
    """The real `YahooClient`: yfinance, with its caches in `cache_dir`, its exceptions
    raised rather than printed, and network failures retried `retries` times by
    yfinance itself (its config is process-wide; this is its only user)."""

    def __init__(self, cache_dir: Path, retries: int = NETWORK_RETRIES):
        import yfinance as yf

        cache_dir.mkdir(parents=True, exist_ok=True)
        # Before any request: yfinance keeps its tz, cookie and ISIN caches here.
        yf.set_tz_cache_location(str(cache_dir))
        yf.config.debug.hide_exceptions = False
        yf.config.network.retries = retries
        # yfinance 1.7 trips pandas 3 deprecation warnings on every download; under the
        # TUI they would be printed over the screen, and no user can act on them.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"^yfinance")
        self._download: Callable[..., pd.DataFrame | None] = yf.download
        self._ticker: Callable[[str], Any] = yf.Ticker

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
        """yf.download, plus the per-ticker errors it logged."""
        optional: dict[str, Any] = {"period": period} if period is not None else {}
        capture = _FailedDownloads()
        yf_log = logging.getLogger("yfinance")
        yf_log.addHandler(capture)
        try:
            frame = self._download(
                list(tickers),
                start=start,
                end=end,
                interval=interval,
                prepost=prepost,
                # auto_adjust=False: bars are Yahoo's Close, which is split-adjusted but
                # not dividend-adjusted. That is the price the live quotes, the user's
                # levels (7,000; 6,992) and the EMAs/pivots are read against: adjusted
                # history would sit ~1.3% a year below SPY's live price and shift its
                # 200-day average. Indices carry no dividends, so nothing changes there;
                # for RSP/SPY and IWM over the monitor's lookbacks the dividend gap is a
                # few basis points. And adjusted history is re-scaled on every
                # ex-dividend date by less than REBASE_TOLERANCE, so an incremental
                # cache would silently mix scales; splits it does notice and re-fetch.
                # The members' closes come through here too: breadth compares each
                # member's close with its own average on that same basis, split-adjusted
                # and dividend-unadjusted, which is S&P's for $S5TH/$S5FI (adjusted
                # history reads 2.4 pp higher against $S5TH over 2016-2026).
                # actions=False: the Dividends and Stock Splits columns are not needed.
                auto_adjust=False,
                actions=False,
                group_by="column",
                progress=False,
                threads=True,
                timeout=REQUEST_TIMEOUT,
                **optional,
            )
        finally:
            yf_log.removeHandler(capture)
        return Download(pd.DataFrame() if frame is None else frame, capture.errors)

    def options_ticker(self, symbol: str) -> Any:
        """yf.Ticker(symbol), for its `options` and `option_chain(date)` (see
        `core.sources.yahoo_options`); making it sends no request."""
        return self._ticker(symbol)

    def top_holdings(self, fund: str) -> pd.DataFrame:
        """yf.Ticker(fund).funds_data.top_holdings (None, which yfinance returns only
        when it hides exceptions, becomes an empty frame)."""
        holdings = self._ticker(fund).funds_data.top_holdings
        return pd.DataFrame() if holdings is None else holdings


@dataclass
class _Fetched:
    """One batch's outcome: the symbols that came back, and why the others did not."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def _error_name_chain(error: BaseException) -> set[str]:
    return {kind.__name__ for kind in type(error).__mro__}


@cache
def _network_error_names() -> frozenset[str]:
    """Names of the exceptions that mean Yahoo could not be reached: the OSErrors of
    Python and of yfinance's HTTP client (curl_cffi), which yfinance's own retry treats
    as transient. A per-ticker error logged under one of them is what was left once
    yfinance had retried. Called only after a download, when yfinance is imported."""
    import builtins

    from curl_cffi.requests import exceptions

    classes = [*vars(builtins).values(), *vars(exceptions).values()]
    return frozenset(c.__name__ for c in classes if isinstance(c, type) and issubclass(c, OSError))


def _classify(reason: str) -> Literal["rate", "network", "data"]:
    """Whether a recorded per-ticker error was a rate limit, the network, or the data."""
    if "YFRateLimitError" in reason or "Too Many Requests" in reason:
        return "rate"
    matched = _ERROR_NAME.match(reason)
    if (matched and matched.group(1) in _network_error_names()) or "CURRENTLY DOWN" in reason:
        return "network"
    return "data"


def _within(deadline: float, what: str, call: Callable[[], T]) -> T:
    """`call()`'s result, or its exception, if it ends within `deadline` seconds; else
    NetworkError. The call runs in a daemon thread, which an overrun leaves behind to
    end on its own (its result is dropped; it cannot hold the process at exit)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    worker = threading.Thread(target=run, name=f"yahoo: {what}"[:60], daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        raise NetworkError(f"yahoo: {what}: no answer within {deadline:g} s (abandoned)")
    if failure:
        raise failure[0]
    return outcome[0]


def client_call(deadline: float, what: str, call: Callable[[], T]) -> T:
    """`call()` (one request through the yfinance client) within `deadline` seconds, its
    own exceptions raised as SourceErrors naming `what`: a rate limit, the network
    (an OSError, or the deadline passed), or anything else the library raised."""
    try:
        return _within(deadline, what, call)
    except SourceError:
        raise
    except Exception as error:
        if "YFRateLimitError" in _error_name_chain(error):
            raise RateLimitError(f"yahoo: {what}: rate limited ({error})") from error
        if isinstance(error, OSError):
            raise NetworkError(
                f"yahoo: {what}: network failure ({type(error).__name__}: {error})"
            ) from error
        raise SourceError(f"yahoo: {what}: {type(error).__name__}: {error}") from error


def _one_line(error: SourceError) -> SourceError:
    """`error` with its message on one line (a library's text may span several)."""
    text = " ".join(str(error).split())
    if text == str(error) or isinstance(error, PartialDataError):
        return error
    return type(error)(text)


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[at : at + size]) for at in range(0, len(items), size)]


def _names(symbols: Iterable[str]) -> str:
    return ", ".join(symbols)


def _reasons(failures: Mapping[str, str], limit: int = 5) -> str:
    shown = [f"{symbol}: {reason[:160]}" for symbol, reason in list(failures.items())[:limit]]
    more = len(failures) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _per_ticker(frame: pd.DataFrame, tickers: Sequence[str], what: str) -> dict[str, pd.DataFrame]:
    """Split a yf.download frame into one OHLCV frame per ticker (lower-case columns
    open..volume; rows whose close is NaN dropped; tickers with no rows left out).
    Handles group_by column or ticker, and the flat columns of a single-ticker download
    with multi_level_index=False."""
    if frame.empty:
        return {}
    renamed = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
    by_upper = {ticker.upper(): ticker for ticker in tickers}
    if isinstance(frame.columns, pd.MultiIndex):
        price_level = next(
            (level for level in range(2) if "Close" in frame.columns.get_level_values(level)),
            None,
        )
        if price_level is None or frame.columns.nlevels != 2:
            raise DataFormatError(f"yahoo: {what}: no Close column in {list(frame.columns)[:6]}")
        ticker_level = 1 - price_level
        names = frame.columns.get_level_values(ticker_level)
        parts: dict[str, pd.DataFrame] = {
            str(name): frame.loc[:, names == name].droplevel(ticker_level, axis=1)
            for name in names.unique()
        }
    elif len(tickers) == 1 and "Close" in frame.columns:
        parts = {tickers[0]: frame}
    else:
        raise DataFormatError(f"yahoo: {what}: unexpected columns {list(frame.columns)[:6]}")
    out: dict[str, pd.DataFrame] = {}
    for name, part in parts.items():
        symbol = by_upper.get(name.upper())
        if symbol is None:
            continue
        bars = part.reindex(columns=list(renamed)).rename(columns=renamed).astype("float64")
        bars = bars[bars["close"].notna()]
        if not bars.empty:
            out[symbol] = bars
    return out


def _yahoo_symbol(symbol: str) -> str:
    """A symbol in Yahoo's form, to match members against holdings: upper case, and a
    class share's separator a dash ("BRK.B", "BRK/B" and "brk-b" are all "BRK-B")."""
    return re.sub(r"[./ ]", "-", symbol.strip().upper())


def _raw_number(value: object) -> object:
    """Yahoo's {"raw": 0.07, "fmt": "7.00%"} as 0.07 (yfinance asks for unformatted
    values, so this is only a guard); anything else unchanged."""
    return value.get("raw") if isinstance(value, dict) else value


def _holding_weights(holdings: pd.DataFrame, fund: str) -> pd.DataFrame:
    """The fund's holdings as columns weight (fraction of the fund) and name, indexed
    by symbol in Yahoo's form. Holdings without a symbol or a positive weight are
    dropped (and logged). EmptyDataError when none is left; DataFormatError when the
    frame lacks the weights or they cannot be fractions (one above 1, or a sum above 1)."""
    what = f"yahoo: top holdings of {fund}"
    if not isinstance(holdings, pd.DataFrame) or holdings.empty:
        raise EmptyDataError(f"{what}: Yahoo lists none")
    if "Symbol" in holdings.columns:
        holdings = holdings.set_index("Symbol")
    if "Holding Percent" not in holdings.columns:
        raise DataFormatError(f"{what}: no 'Holding Percent' in {list(holdings.columns)[:6]}")
    weights = pd.to_numeric(holdings["Holding Percent"].map(_raw_number), errors="coerce")
    names = holdings["Name"] if "Name" in holdings.columns else pd.Series(None, holdings.index)
    frame = pd.DataFrame(
        {
            "weight": weights.to_numpy(dtype="float64"),
            "name": [name if isinstance(name, str) and name else None for name in names],
        },
        index=[_yahoo_symbol(s) if isinstance(s, str) else "" for s in holdings.index],
    )
    usable = (frame.index != "") & (frame["weight"] > 0)
    if not usable.all():
        dropped = [f"{s or '?'}: {w}" for s, w in frame.loc[~usable, "weight"].items()]
        log.warning("%s: without a symbol or a weight: %s", what, "; ".join(dropped))
    frame = frame[usable]
    frame = frame[~frame.index.duplicated(keep="first")]
    if frame.empty:
        raise EmptyDataError(f"{what}: no holding has a symbol and a weight")
    total = float(frame["weight"].sum())
    if (frame["weight"] > 1.0).any() or total > 1.0 + _WEIGHT_SUM_TOLERANCE:
        raise DataFormatError(f"{what}: weights are not fractions of the fund (sum {total:.4g})")
    return frame


def _to_new_york(index: pd.Index) -> pd.DatetimeIndex:
    """Intraday timestamps in America/New_York (naive ones are taken as New York wall
    time, which is what yfinance gives when asked to ignore time zones)."""
    stamps = pd.DatetimeIndex(index)
    if stamps.tz is None:
        return stamps.tz_localize(NEW_YORK)
    return stamps.tz_convert(NEW_YORK)


def _session_dates(index: pd.Index) -> pd.DatetimeIndex:
    """Daily bars' dates as tz-naive session dates. yfinance stamps a daily bar at
    midnight of its exchange's zone; the session is that wall date (converting it to
    another zone first could move it to the previous day)."""
    stamps = pd.DatetimeIndex(index)
    if stamps.tz is not None:
        stamps = stamps.tz_localize(None)
    return stamps.normalize().rename("date")


def _daily(bars: pd.DataFrame, symbol: str) -> pd.DataFrame:
    frame = bars.set_axis(_session_dates(bars.index), axis=0)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    return check_bars(frame, f"yahoo: daily bars of {symbol}")


def _intraday(bars: pd.DataFrame, session: date) -> pd.DataFrame:
    """Yahoo's 5-minute bars of `session` in the standard intraday shape, cleaned of
    its faults: stamps in New York time; rows of another day dropped (rows without a
    close were dropped already); a missing open, high or low taken from the close; the
    bar in progress, which Yahoo may send apart, stamped at its last trade, moved to
    its bar's start; rows sharing a start merged into one bar (the first open, the
    highest high, the lowest low, the last close and volume)."""
    times = _to_new_york(bars.index)
    frame = bars[times.date == session]
    frame.index = times[times.date == session].floor(f"{INTRADAY_MINUTES}min").rename("time")
    close = frame["close"]
    frame = frame.assign(
        open=frame["open"].fillna(close),
        high=frame[["open", "high", "close"]].max(axis=1),
        low=frame[["open", "low", "close"]].min(axis=1),
    )
    merged = frame.groupby(level=0, sort=True).agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "last"}
    )
    return merged.loc[:, list(BAR_COLUMNS)].astype("float64").rename_axis(None, axis=1)


def _rebased(stored: pd.Series, fresh: pd.Series) -> bool:
    """True when Yahoo's closes differ from the stored completed ones by more than the
    tolerance: the last stored session may hold a partial live bar, so it is skipped."""
    if len(stored) < 2:
        return False
    completed = stored.iloc[:-1]
    both = completed.index.intersection(fresh.index)
    if both.empty:
        return False
    change = (fresh.loc[both] / completed.loc[both] - 1.0).abs()
    return bool((change > REBASE_TOLERANCE).any())


class YahooSource:
    """Yahoo Finance through yfinance, cached in and served from a `Store`."""

    kind: SourceKind = "yahoo"
    simulated: bool = False
    historical: bool = False
    cached: bool = False
    directory: Path | None = None
    detail: str | None = None

    def __init__(
        self,
        store: Store,
        clock: Clock = system_clock,
        cache_dir: Path | None = None,
        client: YahooClient | None = None,
        *,
        member_tickers: Sequence[str] | None = None,
        retries: int = NETWORK_RETRIES,
        top_up_every: timedelta = DAILY_TOP_UP_EVERY,
        chunk_size: int = 50,
        chunk_pause: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        holdings_fund: str | None = HOLDINGS_FUND,
        call_deadline: float = CALL_DEADLINE,
        members_progress: Progress | None = None,
        index: str = INDEX,
        option_max_days: int | None = None,
        option_max_expiries: int | None = None,
    ):
        """`member_tickers`: the index members' Yahoo symbols (BRK-B, not BRK.B); None
        means the source has no members. yfinance retries a network failure `retries`
        times; a series' daily bars are topped up at most every `top_up_every`;
        members are fetched `chunk_size` tickers at a time with `chunk_pause` seconds
        between requests. yfinance's caches go to `cache_dir` (default: a "yfinance"
        folder beside the store). `holdings_fund`: the fund whose top holdings are the
        members' weights; None leaves the weights to whatever the store holds. A client
        call running past `call_deadline` seconds fails as a network error.
        `members_progress` is where a members' load reports its chunks (a new one by
        default): the engine shows it on the panels the members feed. `index`: the
        symbol whose latest stored price values the option chain; the chain's expiries
        are those within `option_max_days`, at most `option_max_expiries` (None: the
        defaults of `core.sources.yahoo_options`)."""
        self._store = store
        self._clock = clock
        self._calendar = MarketSession(clock)
        self._cache_dir = cache_dir if cache_dir is not None else store.path.parent / "yfinance"
        self._client = client
        self._member_tickers = None if member_tickers is None else tuple(member_tickers)
        self._retries = retries
        self._top_up_every = top_up_every
        self._topped_up: dict[str, datetime] = {}
        """When each series' daily bars were last asked of Yahoo."""
        self._chunk_size = chunk_size
        self._chunk_pause = chunk_pause
        self._sleep = sleep
        self._holdings_fund = holdings_fund
        self._call_deadline = call_deadline
        self.members_progress = members_progress or Progress("members", "tickers")
        """The members' load in progress, counted in tickers (see `core.progress`)."""
        self._index = index
        self._option_max_days = option_max_days
        self._option_max_expiries = option_max_expiries
        self._intraday_asked: dict[tuple[str, date], datetime] = {}
        """When each symbol's bars of a session were last asked of Yahoo."""
        capabilities: set[Capability] = {
            "daily_bars",
            "intraday_quotes",
            "option_chains",
            "intraday_bars",
        }
        if member_tickers is not None:
            capabilities.add("members")
            if holdings_fund is not None:
                capabilities.add("member_weights")
        self.capabilities = frozenset(capabilities)

    def _yahoo(self) -> YahooClient:
        """The client, creating the real one (and importing yfinance) on first use."""
        if self._client is None:
            self._client = YFinanceClient(self._cache_dir, self._retries)
        return self._client

    def _today(self) -> date:
        return self._clock().astimezone(NEW_YORK).date()

    # The Source protocol -----------------------------------------------------------

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """When data of `kind` (None: any) was last fetched from Yahoo into the store."""
        return self._store.fetched_at(kind)

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Daily bars from the store, after topping it up from Yahoo where a top-up is
        due (see `_recently_topped_up`). Raises PartialDataError (with the good symbols
        attached) when some symbols failed, EmptyDataError when all did, RateLimitError
        or NetworkError when Yahoo could not be used."""
        wanted = list(dict.fromkeys(symbols))
        now = self._clock()
        today = self._today()
        coverage = self._store.coverage(wanted)
        last = {symbol: self._store.last_session(symbol) for symbol in wanted}
        plan = self._plan(wanted, coverage, last, start, end, self._recently_topped_up(now))
        failures: dict[str, str] = {}
        rebased: list[str] = []
        rejected: list[str] = []  # bars screened out: never stored, said once
        for fetch_start, group in plan.items():
            fetched = self._fetch(
                group, f"daily bars of {_names(group)}", start=fetch_start, end=end
            )
            # Only what came back waits for the next top-up; a failed symbol is retried.
            self._topped_up.update(dict.fromkeys(fetched.frames, now))
            failures.update(fetched.failures)
            for symbol, raw in fetched.frames.items():
                bars = self._screened(symbol, raw, today, rejected)
                stored = self._store.bars(symbol, fetch_start, end)["close"]
                if _rebased(stored, bars["close"]):
                    rebased.append(symbol)
                    continue
                self._store.upsert_bars(symbol, bars)
                self._cover({symbol: fetch_start}, end, today)
        if rebased:
            log.warning("yahoo: history of %s was re-based; fetching it again", _names(rebased))
            full_start = min([start, *(coverage[s][0] for s in rebased if s in coverage)])
            fetched = self._fetch(
                rebased, f"daily bars of {_names(rebased)}", start=full_start, end=end
            )
            failures.update(fetched.failures)
            for symbol, raw in fetched.frames.items():
                bars = self._screened(symbol, raw, today, rejected)
                self._store.upsert_bars(symbol, bars, replace=True)
                self._cover({symbol: full_start}, end, today)
        if plan:
            self._store.mark_fetched(DAILY_KIND, self._clock())
        result: dict[str, pd.DataFrame] = {}
        for symbol in wanted:
            if symbol in failures:
                continue
            bars = self._store.bars(symbol, start, end)
            if bars.empty:
                failures[symbol] = f"no sessions between {start} and {end}"
            else:
                result[symbol] = bars
        if failures:
            what = f"yahoo: daily bars of {_names(failures)} from {start} to {end}"
            if not result:
                raise EmptyDataError(f"{what}: nothing came back ({_reasons(failures)})")
            raise PartialDataError(
                f"{what}: missing ({_reasons(failures)})", list(failures), result
            )
        if rejected:
            more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
            raise PartialDataError(rejected[0] + more, [], result)
        return result

    def _screened(
        self, symbol: str, raw: pd.DataFrame, today: date, rejected: list[str]
    ) -> pd.DataFrame:
        """Yahoo's bars of `symbol` fit to store (see `screen_bars`), the first measured
        against the stored close before it; what is refused is added to `rejected`."""
        bars = _daily(raw, symbol)
        previous = None
        if len(bars):
            first = bars.index[0].date()
            before = self._store.bars(symbol, first - TOP_UP_OVERLAP * 2, first - timedelta(days=1))
            previous = float(before["close"].iloc[-1]) if len(before) else None
        kept, bad = screen_bars(bars, today=today, previous=previous)
        rejected.extend(bar.line(f"yahoo: {symbol}") for bar in bad)
        return kept

    def members(self, start: date, end: date) -> MemberPanel | None:
        """Members' closes from the store after topping it up from Yahoo in chunks;
        None when no member list was given. Members Yahoo has nothing for are left out
        (and logged); EmptyDataError when none has any close in the range. The info has
        a row per member in the panel: stored name and sector, and the weight of those
        among the fund's top holdings (refreshed here, see `_refresh_weights`), NaN for
        the rest and for every member when `end` is not about now."""
        if self._member_tickers is None:
            log.info("yahoo: no member list was given, so there are no members' closes")
            return None
        tickers = list(dict.fromkeys(self._member_tickers))
        today = self._today()
        keys = {_MEMBER_KEY + ticker: ticker for ticker in tickers}
        coverage = {keys[key]: span for key, span in self._store.coverage(list(keys)).items()}
        lasts = self._store.member_last_sessions()
        plan = self._plan(tickers, coverage, {t: lasts.get(t) for t in tickers}, start, end)
        failures: dict[str, str] = {}
        requests = [
            (fetch_start, chunk)
            for fetch_start, group in plan.items()
            for chunk in _chunks(group, self._chunk_size)
        ]
        if requests:
            waiting = sum(len(chunk) for _, chunk in requests)
            self.members_progress.begin(
                len(tickers), done=len(tickers) - waiting, lead=self._chunk_pause
            )
        try:
            self._load_members(requests, coverage, start, end, today, failures)
        finally:
            self.members_progress.end()
        if failures:
            log.warning(
                "yahoo: members' closes of %d ticker(s) did not come back: %s",
                len(failures),
                _reasons(failures, limit=10),
            )
        panel = self._store.members(start, end, tickers)
        if panel is None:
            raise EmptyDataError(
                f"yahoo: members' closes from {start} to {end}: none of {len(tickers)} "
                f"tickers has any ({_reasons(failures) or 'nothing stored'})"
            )
        self._refresh_weights(tickers, end, today)
        info = self._store.member_info().reindex(pd.Index(panel.columns, name="ticker"))
        if not self._weights_current(end, today):
            info["weight"] = float("nan")
        return MemberPanel(closes=panel, info=info)

    def _load_members(
        self,
        requests: Sequence[tuple[date, list[str]]],
        coverage: Mapping[str, tuple[date, date]],
        start: date,
        end: date,
        today: date,
        failures: dict[str, str],
    ) -> None:
        """Fetch and store each chunk of `requests` (a pause between them), reporting
        each to `members_progress`, then fetch again in full the members whose history
        Yahoo re-based; what did not come back is added to `failures`. A chunk that
        raises ends the load, the chunks before it stored (the next load resumes)."""
        rebased: list[str] = []
        for number, (fetch_start, chunk) in enumerate(requests):
            if number:
                self._sleep(self._chunk_pause)
            closes, chunk_failures = self._fetch_closes(chunk, fetch_start, end)
            failures.update(chunk_failures)
            stored = self._store.members(fetch_start, end, list(closes.columns))
            moved = [
                ticker
                for ticker in closes.columns
                if stored is not None
                and ticker in stored.columns
                and _rebased(stored[ticker].dropna(), closes[ticker].dropna())
            ]
            rebased.extend(moved)
            self._store.upsert_members(closes.drop(columns=moved))
            self._cover(
                {_MEMBER_KEY + t: fetch_start for t in closes.columns if t not in moved}, end, today
            )
            self.members_progress.advance(len(chunk))
        if rebased:
            log.warning("yahoo: history of members %s was re-based; fetching it again", rebased)
            full_start = min([start, *(coverage[t][0] for t in rebased if t in coverage)])
            for chunk in _chunks(rebased, self._chunk_size):
                self._sleep(self._chunk_pause)
                closes, chunk_failures = self._fetch_closes(chunk, full_start, end)
                failures.update(chunk_failures)
                self._store.upsert_members(closes, replace=True)
                self._cover({_MEMBER_KEY + t: full_start for t in closes.columns}, end, today)
        if requests:
            self._store.mark_fetched(MEMBERS_KIND, self._clock())

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """The last one-minute bar (pre- and post-market included) of each symbol's latest
        session, recorded in the store; the quote's time is that bar's start. Symbols
        without one are absent (and logged); EmptyDataError when none has one."""
        wanted = list(dict.fromkeys(symbols))
        fetched = self._fetch(
            wanted, f"quotes of {_names(wanted)}", period="1d", interval="1m", prepost=True
        )
        quotes: dict[str, Quote] = {}
        for symbol, bars in fetched.frames.items():
            closes = bars["close"].set_axis(_to_new_york(bars.index)).sort_index()
            moment = closes.index[-1].to_pydatetime()
            quotes[symbol] = Quote(symbol, float(closes.iloc[-1]), moment, moment.date())
        missing = {s: fetched.failures.get(s, "no trades") for s in wanted if s not in quotes}
        if not quotes:
            raise EmptyDataError(
                f"yahoo: quotes of {_names(wanted)}: none came back ({_reasons(missing)})"
            )
        if missing:
            log.warning("yahoo: no quote for %s (%s)", _names(missing), _reasons(missing))
        self._store.record_quotes(quotes.values())
        self._store.mark_fetched(QUOTE_KIND, self._clock())
        return quotes

    def option_chain(self, session: date) -> OptionChain | None:
        """For `session` today or later (New York, by the clock): the chain fetched now
        (`fetch_option_chain`, every request within the call deadline), valued at the
        index's latest stored price (its quote, else its last daily close, as the
        chain's first note says), stored as the last chain with its fetch time
        (`fetched_at`, also `fetched_at("options")`) and the session its quotes are of
        (the session in regular hours, else the last one closed). A failed fetch raises
        its SourceError in one line and leaves the stored chain as it was. For a past
        session: the stored chain when its quotes are of that session or an earlier one,
        else None (only the last chain is kept); nothing is fetched."""
        # Here, not above: yahoo_options reaches Yahoo through this module's client_call.
        from core.sources.yahoo_options import (
            MAX_DAYS,
            MAX_EXPIRIES,
            SPX_OPTIONS,
            fetch_option_chain,
        )

        if session < self._today():
            return self._store.option_chain(SPX_OPTIONS, on_or_before=session)

        spot, valued = self._index_price(SPX_OPTIONS)
        try:
            fetched = fetch_option_chain(
                self._yahoo(),
                spot,
                underlying=SPX_OPTIONS,
                max_days=MAX_DAYS if self._option_max_days is None else self._option_max_days,
                max_expiries=(
                    MAX_EXPIRIES if self._option_max_expiries is None else self._option_max_expiries
                ),
                clock=self._clock,
                call_deadline=self._call_deadline,
                sleep=self._sleep,
            )
        except SourceError as error:
            raise _one_line(error) from error
        fetched_at = self._clock()
        chain = replace(fetched.chain, fetched_at=fetched_at, notes=(valued, *fetched.notes))
        self._store.store_option_chain(chain, self._quoted_session(chain.as_of))
        self._store.mark_fetched(OPTIONS_KIND, fetched_at)
        return chain

    def intraday_bars(self, session: date, symbol: str = INDEX) -> pd.DataFrame | None:
        """`symbol`'s 5-minute bars of `session`, pre- and after-hours included. For
        the session in progress (New York's today by the clock): fetched when the last
        ask is `INTRADAY_EVERY` old, stored, else the stored ones; no rows when Yahoo
        has none yet (before the open). For a past session: the stored bars when they
        are complete (fetched after its after hours ended), else fetched once when it
        lies within Yahoo's `INTRADAY_DAYS` and stored (None when Yahoo has none, or it
        lies further back); bars stored part-way through are asked again once (this
        process), and kept when that fails or finds none. A later session has no rows.
        A failed fetch raises its SourceError in one line and leaves the store as it was."""
        today, now = self._today(), self._clock()
        if session > today:
            return empty_intraday()
        stored = self._store.intraday_bars(symbol, session)
        asked = self._intraday_asked.get((symbol, session))
        if session < today:
            if (today - session).days > INTRADAY_DAYS:
                return stored
            if stored is not None:
                end = self._session_end(session)
                fetched = self._store.intraday_fetched_at(symbol, session)
                if end is None or (fetched is not None and fetched >= end):
                    return stored
                if asked is not None and asked >= end:
                    return stored  # asked again once after the session ended already
                try:
                    return self._fetch_intraday(symbol, session, now, stored)
                except SourceError as error:
                    log.warning("yahoo: keeping the part-way bars of %s: %s", session, error)
                    return stored
        if asked is not None and now - asked < INTRADAY_EVERY:
            return stored if stored is not None else empty_intraday()
        return self._fetch_intraday(symbol, session, now, stored)

    def _session_end(self, session: date) -> datetime | None:
        """When `session`'s after hours end (None: the calendar does not know it): bars
        fetched after that are all the session's."""
        try:
            return self._calendar.session_close(session) + AFTER_HOURS
        except ValueError:
            return None

    def _fetch_intraday(
        self, symbol: str, session: date, now: datetime, stored: pd.DataFrame | None
    ) -> pd.DataFrame | None:
        """Ask Yahoo for `symbol`'s bars of `session` and store them with the fetch time
        (see `intraday_bars`)."""
        today = self._today()
        what = f"5-minute bars of {symbol} on {session}"
        # Asked now even if it fails: a failure is not asked again before INTRADAY_EVERY
        # (a rate limit would otherwise be hit every quote cycle).
        self._intraday_asked[(symbol, session)] = now
        try:
            fetched = self._fetch(
                [symbol], what, start=session, end=session, interval="5m", prepost=True
            )
        except SourceError as error:
            raise _one_line(error) from error
        raw = fetched.frames.get(symbol)
        bars = empty_intraday() if raw is None else _intraday(raw, session)
        if bars.empty:
            reason = fetched.failures.get(symbol, "no bars")
            log.info("yahoo: %s: none (%s)", what, reason)
            # A past session: the stored bars, else None; today's: none yet.
            return stored if stored is not None or session < today else bars
        self._store.store_intraday_bars(symbol, session, bars, fetched_at=now)
        self._store.mark_fetched(INTRADAY_KIND, now)
        return bars

    def _index_price(self, underlying: str) -> tuple[float, str]:
        """The index's latest price in the store and a line saying which it is: its
        latest quote, unless a daily bar of a later session is stored (then its close).
        EmptyDataError when the store has neither."""
        index = self._index
        quote = self._store.quotes([index]).get(index)
        last = self._store.last_session(index)
        if quote is not None and (last is None or quote.session >= last):
            moment = quote.time.astimezone(NEW_YORK)
            return quote.last, (
                f"valued at {index}'s quote of {moment:%Y-%m-%d %H:%M} ({quote.last:,.2f})"
            )
        if last is not None:
            close = float(self._store.bars(index, last, last)["close"].iloc[-1])
            return close, f"valued at {index}'s close of {last} ({close:,.2f})"
        raise EmptyDataError(
            f"yahoo: option chain of {underlying}: no price of {index} stored to value it "
            "at (no quote nor daily bar yet)"
        )

    def _quoted_session(self, moment: datetime) -> date:
        """The session whose quotes a chain fetched at `moment` carries
        (`core.chain_sessions.session_of`); its own date outside the calendar's span."""
        try:
            return session_of(self._calendar, moment)
        except ValueError:  # outside the calendar's span
            return moment.astimezone(NEW_YORK).date()

    # Weights -----------------------------------------------------------------------

    def _weights_current(self, end: date, today: date) -> bool:
        return end >= today - HOLDINGS_CURRENT

    def _refresh_weights(self, tickers: Sequence[str], end: date, today: date) -> None:
        """Store the fund's top holdings as the weights of the members they match (a
        class share matched in Yahoo's form), clearing the weights of members no longer
        among them; nothing is fetched when the stored holdings are younger than
        HOLDINGS_REFRESH or `end` is not about now. Any failure is logged and leaves
        the stored weights as they were: members() never fails because of it."""
        fund = self._holdings_fund
        if fund is None or not self._weights_current(end, today):
            return
        now = self._clock()
        fetched = self._store.fetched_at(HOLDINGS_KIND)
        if fetched is not None and now - fetched < HOLDINGS_REFRESH:
            return
        try:
            client = self._yahoo()
            holdings = _within(
                self._call_deadline, f"top holdings of {fund}", lambda: client.top_holdings(fund)
            )
            weights = _holding_weights(holdings, fund)
        except Exception as error:
            log.warning(
                "yahoo: top holdings of %s: %s: %s; members' weights are left as stored",
                fund,
                type(error).__name__,
                str(error)[:200],
            )
            return
        by_symbol = {_yahoo_symbol(ticker): ticker for ticker in tickers}
        outside = [s for s in weights.index if s not in by_symbol]
        if outside:
            log.warning("yahoo: top holdings of %s not in the member list: %s", fund, outside)
        weights = weights[weights.index.isin(list(by_symbol))]
        weights.index = pd.Index([by_symbol[s] for s in weights.index], name="ticker")
        stored = self._store.member_info()
        dropped = stored.index[stored["weight"].notna() & ~stored.index.isin(weights.index)]
        rows = stored.reindex(dropped.union(weights.index))
        rows["weight"] = weights["weight"].reindex(rows.index)
        rows["name"] = rows["name"].where(rows["name"].notna(), weights["name"].reindex(rows.index))
        self._store.upsert_member_info(rows)
        self._store.mark_fetched(HOLDINGS_KIND, now)
        log.info("yahoo: weights of %d member(s) from the top holdings of %s", len(weights), fund)

    # Planning and fetching ---------------------------------------------------------

    def _recently_topped_up(self, now: datetime) -> set[str]:
        """The series whose daily bars were asked of Yahoo less than `top_up_every` ago
        and after the latest close: the first top-up after a close must come at once,
        to replace the live bar with the official close."""
        last_close = self._calendar.session_close(self._calendar.state(now).last_session)
        return {
            symbol
            for symbol, asked in self._topped_up.items()
            if now - asked < self._top_up_every and asked >= last_close
        }

    def _plan(
        self,
        symbols: Sequence[str],
        coverage: Mapping[str, tuple[date, date]],
        last: Mapping[str, date | None],
        start: date,
        end: date,
        not_yet: Collection[str] = (),
    ) -> dict[date, list[str]]:
        """Group the symbols that need fetching by the date to fetch them from: nothing
        when the store already holds [start, end] as fetched and final; from `start` when
        the store does not reach back that far; else, unless the symbol is in `not_yet`
        (its top-up is not due), from the last stored session less the overlap. Symbols
        sharing a start share a request."""
        plan: dict[date, list[str]] = {}
        for symbol in symbols:
            span = coverage.get(symbol)
            newest = last.get(symbol)
            if span is not None and span[0] <= start and span[1] >= end:
                continue
            if span is None or span[0] > start or newest is None:
                fetch_start = start
            elif symbol in not_yet:
                continue
            else:
                fetch_start = newest - TOP_UP_OVERLAP
            plan.setdefault(fetch_start, []).append(symbol)
        return dict(sorted(plan.items()))

    def _cover(self, starts: Mapping[str, date], end: date, today: date) -> None:
        """Record what was fetched: up to `end`, but only sessions before today are final."""
        through = min(end, today - timedelta(days=1))
        self._store.extend_coverage({key: (first, through) for key, first in starts.items()})

    def _fetch_closes(
        self, tickers: list[str], start: date, end: date
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        """One chunk of members' daily closes, as a wide frame of the tickers that came back."""
        fetched = self._fetch(
            tickers, f"members' closes of {_names(tickers)}", start=start, end=end
        )
        closes = {t: _daily(raw, t)["close"] for t, raw in fetched.frames.items()}
        frame = pd.DataFrame(
            closes, index=pd.DatetimeIndex([], name="date") if not closes else None
        )
        return frame.sort_index(), fetched.failures

    def _fetch(
        self,
        symbols: Sequence[str],
        what: str,
        *,
        start: date | None = None,
        end: date | None = None,
        period: str | None = None,
        interval: str = "1d",
        prepost: bool = False,
    ) -> _Fetched:
        """Download `symbols` in one request (daily from `start` to `end` inclusive, or a
        period of intraday bars); yfinance has already retried what failed on the
        network. Raises RateLimitError on a rate limit, NetworkError when nothing came
        back because of the network, DataFormatError on a frame it cannot read; other
        failures (and network failures while other symbols came back) are returned."""
        download = self._download(
            symbols,
            what,
            start=start,
            end=None if end is None else end + timedelta(days=1),  # yfinance: exclusive
            period=period,
            interval=interval,
            prepost=prepost,
        )
        frames = _per_ticker(download.frame, symbols, what)
        errors = {s: download.errors.get(s.upper(), "") for s in symbols if s not in frames}
        limited = {s: reason for s, reason in errors.items() if _classify(reason) == "rate"}
        if limited:
            raise RateLimitError(f"yahoo: {what}: rate limited ({_reasons(limited)})")
        down = {s: reason for s, reason in errors.items() if _classify(reason) == "network"}
        if down and not frames:
            raise NetworkError(f"yahoo: {what}: network failure ({_reasons(down)})")
        failures = {s: reason or "empty or all-NaN data" for s, reason in errors.items()}
        return _Fetched(frames, failures)

    def _download(self, symbols: Sequence[str], what: str, **request: Any) -> Download:
        """One client call; its own exceptions are raised as SourceErrors (a rate limit,
        the network, or anything else the library raised), and a call running past the
        deadline as a NetworkError."""
        client = self._yahoo()
        return client_call(self._call_deadline, what, lambda: client.download(symbols, **request))
