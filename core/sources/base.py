"""The source protocol and the data it hands the engine.

A source answers four questions: daily bars for a few symbols, the index members'
daily closes (for breadth), intraday quotes, and the index's 5-minute bars of a session
(where it has them). It also says, as typed members, what it can do (`capabilities`),
what its data is (historical, cached or simulated, which decides the state every panel
shows), and how fresh it is (`fetched_at`, the `directory` it reads, a `detail` line on
why it was chosen): the engine asks these and never a source's class or kind. Daily
bars are a DataFrame indexed by session date (a tz-naive, normalised DatetimeIndex
named "date", ascending, unique) with float columns open, high, low, close, volume;
close is never NaN, the others may be (close-only history is valid). Intraday bars are
a DataFrame indexed by each bar's start (an aware America/New_York DatetimeIndex named
"time", ascending, unique, all in one session's New York day) with the same float
columns, close never NaN. Nothing a source returns may be dated after the `end` it was
asked for; in a replay that `end` is the replayed session, so a source needs no replay
flag of its own. Failures are raised as the typed `SourceError`s below, whose message
says what failed and where, never as a library's own exception."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.options.chain import OptionChain
from core.session import holidays_among
from core.snapshot import SourceKind

BAR_COLUMNS = ("open", "high", "low", "close", "volume")
INTRADAY_MINUTES = 5
"""The length of an intraday bar."""

Capability = Literal[
    "daily_bars", "intraday_quotes", "members", "member_weights", "option_chains", "intraday_bars"
]
"""What a source can serve: daily bars, intraday quotes, the members' daily closes and
their index weights, the index's option chains (`Source.option_chain`) and the index's
5-minute bars of a session (`Source.intraday_bars`)."""

FetchKind = Literal["daily", "members", "quotes", "holdings", "options", "intraday"]
"""A kind of data a source fetches and records when it fetched it."""


@dataclass(frozen=True)
class Quote:
    """The latest trade of one symbol during a session."""

    symbol: str
    last: float
    time: datetime
    """Timezone-aware, America/New_York."""
    session: date
    """The trading session the quote belongs to."""


@dataclass(frozen=True)
class MemberPanel:
    """Daily closes of the index members, and what is known about each."""

    closes: pd.DataFrame
    """Index: session dates like daily bars; one float column per ticker; NaN where a
    member was not listed yet."""
    info: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Index: ticker; columns: name, sector and, where known, weight (fraction of the
    index by market cap)."""


@runtime_checkable
class Source(Protocol):
    """What the engine needs from a market-data source."""

    kind: SourceKind
    """A label for the Snapshot's JSON (`source.kind`); the engine never branches on it."""
    simulated: bool
    """The data is made up (shown as SIMULATED everywhere)."""
    historical: bool
    """The data is a fixed past that does not grow while the app runs (shown as REPLAY)."""
    cached: bool
    """The data is a copy kept from an earlier online run, served without the network
    (shown as OFFLINE, with when it was fetched)."""
    capabilities: frozenset[Capability]
    """What this source serves; the engine does not ask for anything else."""
    detail: str | None
    """Why this source was chosen (set by whoever chose it, e.g. auto's fallback);
    None when it was asked for by name."""

    @property
    def directory(self) -> Path | None:
        """The directory the source reads its data from, if it reads one."""
        ...

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """When data of `kind` (None: any kind) was last fetched from the network into
        the source's store; None if never, or if the source does not fetch."""
        ...

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Daily bars of `symbols` from `start` to `end` inclusive. A symbol the source
        does not carry is absent from the result (not an error); a source that fails
        outright raises a SourceError."""
        ...

    def members(self, start: date, end: date) -> MemberPanel | None:
        """Members' daily closes from `start` to `end`, or None if the source has none."""
        ...

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """Latest intraday quotes; symbols without one are absent."""
        ...

    def option_chain(self, session: date) -> OptionChain | None:
        """The index's option chain as a replay as of `session` sees it: the latest the
        source holds quoted on or before that session's close (for the session in
        progress, live: the chain now, which a live source fetches). None when it holds
        none (a past session a live source never fetched); a fetch that fails raises a
        SourceError. Asked only of a source whose capabilities include option_chains,
        and never on the quote cycle (the engine's `refresh.options` cadence)."""
        ...

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """The 5-minute bars of `symbol` (the index) in `session`, pre- and after-hours
        included where the source has them, up to now for the session in progress (see
        the module docstring for the frame). No rows: none yet (or none that day); None:
        the source holds no intraday bars of that symbol and session. A fetch that fails
        raises a SourceError. Asked only of a source whose capabilities include
        intraday_bars, on the quote cycle during a session."""
        ...


class SourceError(Exception):
    """A source failed; the message names the source and what went wrong."""


class NetworkError(SourceError):
    """The source could not be reached."""


class RateLimitError(SourceError):
    """The source refused because too many requests were made."""


class EmptyDataError(SourceError):
    """The source answered with no usable rows."""


class PartialDataError(SourceError):
    """Some symbols came back and some did not."""

    def __init__(self, message: str, missing: Sequence[str], partial: Mapping[str, pd.DataFrame]):
        super().__init__(message)
        self.missing = tuple(missing)
        self.partial = dict(partial)


class DataFormatError(SourceError):
    """Data is malformed (a bad CSV, an all-NaN column); the message says where."""


def empty_bars() -> pd.DataFrame:
    """A daily-bar frame with no rows, in the standard shape."""
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in BAR_COLUMNS})
    frame.index = pd.DatetimeIndex([], name="date")
    return frame


def empty_intraday() -> pd.DataFrame:
    """An intraday-bar frame with no rows, in the standard shape."""
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in BAR_COLUMNS})
    frame.index = pd.DatetimeIndex([], tz=NEW_YORK, name="time")
    return frame


def check_bars(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Validate a daily-bar frame and return it in the standard shape.

    Raises DataFormatError naming `where` when the frame breaks the contract."""
    missing = [column for column in BAR_COLUMNS if column not in frame.columns]
    if missing:
        raise DataFormatError(f"{where}: missing column(s) {', '.join(missing)}")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataFormatError(f"{where}: index is not dates")
    if frame.index.tz is not None:
        raise DataFormatError(f"{where}: session dates must be tz-naive")
    if frame.index.has_duplicates:
        duplicate = frame.index[frame.index.duplicated()][0]
        raise DataFormatError(f"{where}: duplicate date {duplicate:%Y-%m-%d}")
    if not frame.index.is_monotonic_increasing:
        raise DataFormatError(f"{where}: dates are not in ascending order")
    if frame["close"].isna().any():
        bad = frame.index[frame["close"].isna()][0]
        raise DataFormatError(f"{where}: close is missing on {bad:%Y-%m-%d}")
    out = frame.loc[:, list(BAR_COLUMNS)].astype("float64")
    out.index.name = "date"
    return out


MAX_JUMP = 5.0
"""A close more than this many times, or less than one over this many times, the
previous kept close is not a market move (the VIX more than doubled on 2018-02-05; no
index has moved fivefold in a session): it is a bad print."""


@dataclass(frozen=True)
class RejectedBar:
    """A bar screened out at the boundary: its session and why."""

    session: date
    why: str

    def line(self, where: str) -> str:
        """One line naming `where`, the bar and why: `VIX.csv: rejected the bar of ...`."""
        return f"{where}: rejected the bar of {self.session:%Y-%m-%d}: {self.why}"


def screen_bars(
    bars: pd.DataFrame,
    *,
    today: date,
    max_jump: float = MAX_JUMP,
    previous: float | None = None,
) -> tuple[pd.DataFrame, list[RejectedBar]]:
    """The bars of a standard frame (see `check_bars`) fit to store and compute, and
    each bar rejected with why: a weekend, a weekday the NYSE was closed (within the
    calendar's span, see `holidays_among`) or a date after `today`, a close (or open,
    high, low where given) that is not a finite positive price, a high below the low,
    or a close more than `max_jump` times (or less than 1/`max_jump` of) the previous
    kept close (`previous`, the close before these bars, for the first: a top-up's
    first bar is measured against the stored history). Rejected bars are dropped,
    never stored; the rest are returned unchanged."""
    prices = bars[["open", "high", "low", "close"]].to_numpy(dtype="float64")
    close = prices[:, 3]
    known = ~np.isnan(prices)
    reasons = np.full(len(bars), "", dtype=object)
    days = pd.DatetimeIndex(bars.index)
    reasons[days.day_of_week >= 5] = "a weekend"
    holidays = holidays_among(days.to_numpy(dtype="datetime64[D]"))
    reasons[holidays & (reasons == "")] = "not an NYSE session (a holiday)"
    reasons[(days > pd.Timestamp(today)) & (reasons == "")] = f"after today ({today})"
    bad_price = (known & ~(np.isfinite(prices) & (prices > 0))).any(axis=1)
    reasons[bad_price & (reasons == "")] = "a price that is not finite and positive"
    high, low = prices[:, 1], prices[:, 2]
    inverted = known[:, 1] & known[:, 2] & (high < low)
    reasons[inverted & (reasons == "")] = "a high below the low"
    previous = np.nan if previous is None else previous
    for position in range(len(bars)):  # each jump is against the last bar kept
        if reasons[position]:
            continue
        if previous == previous and not 1 / max_jump <= close[position] / previous <= max_jump:
            reasons[position] = f"a close of {close[position]:,.2f} after {previous:,.2f}"
            continue
        previous = close[position]
    rejected = reasons != ""
    screened = [
        RejectedBar(day.date(), why)
        for day, why in zip(days[rejected], reasons[rejected], strict=True)
    ]
    return bars.loc[~rejected], screened
