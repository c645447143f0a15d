"""SPX option chains from Yahoo, through yfinance's `Ticker.options` (the expiry dates,
one request) and `option_chain(date)` (one request per expiry), reached through the
client seam of `core.sources.yahoo` (which alone imports yfinance): the expiries from
today to `max_days` ahead, at most `max_expiries` of them, each request within the call
deadline and a pause apart, become one `OptionChain` of `^SPX` as of the fetch time in
New York, at the spot the caller gives (the engine has the index's last price; the
chain's own quote is not used, so that chain and index agree). Yahoo's known faults
are met here: an implied vol below `IV_FLOOR` (its 1e-5 placeholders) or above
`IV_CEILING` is NaN; zero bids and asks are kept as they are; open interest all zero
on an expiry (Yahoo's outage of that field) keeps its rows and is said in a note; an
expiry whose request fails or brings no contracts is skipped and named, the others
kept (none left: EmptyDataError, or NetworkError when the network took them all); a
rate limit stops the fetch as a RateLimitError. Open interest Yahoo leaves out is NaN
and counts as zero in that note. Each contract's expiry is the date in its OCC symbol
(the exchange's, New York, date), not the expiry list's string: Yahoo stamps expiries
as epochs at 00:00 UTC, which read in New York time (as yfinance before 0.1.55 did,
and as any client converting Yahoo's timestamps to the exchange's zone does) fall on
the day before; a mismatch is noted. The notes are the lines the caller shows beside
the chain."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from core.clock import NEW_YORK, Clock, system_clock
from core.options.chain import COLUMNS, OptionChain
from core.sources.base import EmptyDataError, NetworkError, RateLimitError, SourceError
from core.sources.yahoo import CALL_DEADLINE, client_call

log = logging.getLogger(__name__)


SPX_OPTIONS = "^SPX"
"""The only Yahoo symbol with SPX chains (`^GSPC` has none)."""

MAX_DAYS = 45
"""Expiries up to this many calendar days ahead are fetched."""

MAX_EXPIRIES = 12
"""At most this many expiries (the nearest): one request each."""

REQUEST_PAUSE = 0.5
"""Seconds between two requests of one fetch, to stay within Yahoo's rate limits."""

IV_FLOOR = 0.01
"""An implied vol below this (1 %) is Yahoo's placeholder (1e-5, 0.0078125 ...): no
index option trades there, so it reads as missing."""

IV_CEILING = 5.0
"""An implied vol above this (500 %) is absurd for the index: read as missing."""

SOURCE = "yahoo"

_OCC = re.compile(r"(\d{6})[CP]\d{8}$")


class OptionsTicker(Protocol):
    """yf.Ticker's options API (yfinance 1.7, ticker.py)."""

    @property
    def options(self) -> tuple[str, ...]:
        """The expiry dates, "YYYY-MM-DD" (one request, the first time)."""
        ...

    def option_chain(self, date: str | None = None, tz: str | None = None) -> Any:
        """A namedtuple (calls, puts, underlying) of one expiry: contract frames, or
        None for both when Yahoo's answer has no contracts; ValueError for a date not
        in `options`."""
        ...


class YahooOptionsClient(Protocol):
    """The client call this module makes (`YFinanceClient`, or a test's fake)."""

    def options_ticker(self, symbol: str) -> OptionsTicker:
        """yf.Ticker(symbol) (no request is sent making it)."""
        ...


@dataclass(frozen=True)
class FetchedChain:
    """One fetch's chain, and what the caller should show about it."""

    chain: OptionChain
    notes: tuple[str, ...] = ()
    """One line each: Yahoo's faults met (zero open interest, implied vol placeholders,
    shifted expiry dates) and the expiries skipped."""
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Expiry ("YYYY-MM-DD" as Yahoo lists it) → why it is not in the chain."""


def fetch_option_chain(
    client: YahooOptionsClient,
    spot: float,
    *,
    underlying: str = SPX_OPTIONS,
    max_days: int = MAX_DAYS,
    max_expiries: int = MAX_EXPIRIES,
    clock: Clock = system_clock,
    call_deadline: float = CALL_DEADLINE,
    pause: float = REQUEST_PAUSE,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchedChain:
    """The chain of `underlying`'s expiries within `max_days` (at most `max_expiries`),
    as of now in New York, at `spot` (the caller's last price of the index). Raises
    RateLimitError on a rate limit, NetworkError when the expiry list or every expiry
    failed on the network, EmptyDataError when no expiry brought contracts."""
    as_of = clock().astimezone(NEW_YORK)
    ticker = client.options_ticker(underlying)
    listed = client_call(call_deadline, f"option expiries of {underlying}", lambda: ticker.options)
    wanted = _expiries_within(listed, as_of.date(), max_days, max_expiries)
    if not wanted:
        raise EmptyDataError(
            f"yahoo: option expiries of {underlying}: none within {max_days} days "
            f"of {as_of.date()} (listed: {', '.join(list(listed)[:5]) or 'none'})"
        )
    parts: list[pd.DataFrame] = []
    skipped: dict[str, str] = {}
    down = 0
    for number, day in enumerate(wanted):
        if number:
            sleep(pause)
        what = f"option chain of {underlying} expiring {day}"
        try:
            answer = client_call(call_deadline, what, lambda day=day: ticker.option_chain(day))  # type: ignore[misc]
        except RateLimitError as error:
            raise RateLimitError(f"{error} (after {number} of {len(wanted)} expiries)") from error
        except SourceError as error:
            down += isinstance(error, NetworkError)
            skipped[day] = str(error).removeprefix(f"yahoo: {what}: ")
            continue
        frames = [
            _contracts(frame, kind, day)
            for frame, kind in ((answer.calls, "call"), (answer.puts, "put"))
            if frame is not None and len(frame)
        ]
        if not frames:
            skipped[day] = "no contracts"
            continue
        parts.extend(frames)
    reasons = "; ".join(f"{day}: {why[:120]}" for day, why in skipped.items())
    if not parts:
        kind = NetworkError if down == len(wanted) else EmptyDataError
        raise kind(f"yahoo: option chains of {underlying}: no expiry came back ({reasons})")
    contracts = pd.concat(parts, ignore_index=True).loc[:, list(COLUMNS)]
    notes = _notes(parts, skipped)
    for note in notes:
        log.warning("yahoo: option chain of %s: %s", underlying, note)
    chain = OptionChain(underlying, as_of, float(spot), contracts, SOURCE)
    return FetchedChain(chain, tuple(notes), skipped)


def _expiries_within(
    listed: tuple[str, ...], today: date, max_days: int, max_expiries: int
) -> list[str]:
    """The listed expiries from the day before `today` (a list named a day early still
    yields today's expiry; a contract already expired is the computation's to drop)
    to `max_days` ahead, the nearest `max_expiries` of them."""
    days: list[tuple[date, str]] = []
    for text in listed:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            log.warning("yahoo: an option expiry that is no date: %r", text)
            continue
        if today - timedelta(days=1) <= day <= today + timedelta(days=max_days):
            days.append((day, text))
    return [text for _, text in sorted(days)[:max_expiries]]


def _contracts(frame: pd.DataFrame, kind: str, listed: str) -> pd.DataFrame:
    """One side of one expiry's answer in `OptionChain`'s columns; the expiry from
    each contract's OCC symbol, else the listed date."""
    symbols = frame["contractSymbol"].astype("string")
    occ = symbols.str.extract(_OCC, expand=False)
    expiry = pd.to_datetime(occ, format="%y%m%d", errors="coerce").astype("datetime64[ns]")
    expiry = expiry.fillna(pd.Timestamp(listed))

    def number(column: str) -> pd.Series:
        return pd.to_numeric(frame[column], errors="coerce").astype("float64")

    vol = number("impliedVolatility")
    out = pd.DataFrame(
        {
            "expiry": expiry.to_numpy(),
            # object, the contract's dtype: pandas 3 would infer its str dtype
            "kind": pd.Series([kind] * len(frame), dtype=object),
            "strike": number("strike").to_numpy(),
            "implied_vol": vol.where((vol >= IV_FLOOR) & (vol <= IV_CEILING)).to_numpy(),
            "open_interest": number("openInterest").to_numpy(),
            "gamma": np.nan,
            "bid": number("bid").to_numpy(),
            "ask": number("ask").to_numpy(),
            "volume": number("volume").to_numpy(),
            "_listed": listed,
            "_vol_bad": (vol.notna() & ((vol < IV_FLOOR) | (vol > IV_CEILING))).to_numpy(),
        }
    )
    return out


def _notes(parts: list[pd.DataFrame], skipped: Mapping[str, str]) -> list[str]:
    """The lines that say which of Yahoo's faults this chain has."""
    notes: list[str] = []
    everything = pd.concat(parts, ignore_index=True)
    no_oi = everything["open_interest"].fillna(0) <= 0
    zero_days = sorted(
        pd.Timestamp(day).strftime("%Y-%m-%d")  # type: ignore[arg-type]
        for day, empty in no_oi.groupby(everything["expiry"]).all().items()
        if empty
    )
    if bool(no_oi.all()):
        notes.append(
            "open interest is zero or missing on every contract (Yahoo's known fault): "
            "rows kept, no exposure can be measured"
        )
    elif zero_days:
        notes.append(
            f"open interest is zero or missing on every contract expiring "
            f"{', '.join(zero_days)} (Yahoo's known fault): rows kept, they add no exposure"
        )
    bad_vol = int(everything["_vol_bad"].sum())
    if bad_vol:
        notes.append(
            f"{bad_vol} implied vol(s) below {IV_FLOOR:g} (Yahoo's placeholders) or above "
            f"{IV_CEILING:g} read as missing"
        )
    shifted = sorted(
        {
            (listed, day.strftime("%Y-%m-%d"))
            for listed, day in zip(everything["_listed"], everything["expiry"], strict=True)
            if listed != day.strftime("%Y-%m-%d")
        }
    )
    if shifted:
        pairs = ", ".join(f"{listed} → {day}" for listed, day in shifted[:6])
        notes.append(f"expiries named by Yahoo's list differ from the contracts' own: {pairs}")
    if skipped:
        names = "; ".join(f"{day} ({why[:80]})" for day, why in skipped.items())
        notes.append(f"expiries skipped: {names}")
    return notes
