"""The `files:DIR` source: a directory of daily CSVs, one per symbol, named after the
Yahoo symbol without a leading caret (`^GSPC` → `GSPC.csv`), with columns
`Date,Open,High,Low,Close[,Volume]` (Close-only files are valid), plus the members'
closes as a wide CSV (Date + one column per ticker) and their names and sectors in
`constituents/constituents.csv`. The members' closes are `constituents/closes_unadj.csv`
(split-adjusted, not dividend-adjusted: the official breadth indices' price basis)
when the folder has it, else `constituents/closes.csv`. Each file is parsed once per
source and checked row by row: a bad file raises DataFormatError naming the file, the
line and what is wrong. The directory is a fixed past (historical: every reading from
it is a REPLAY); it serves members only when it has the closes file, their weights only
when the member list has a Weight column, the index's option chains only when it has
an `options/SPX/` folder (one `YYYY-MM-DD.csv` per session, either format
`core.options.files` reads: a session gets the latest file dated on or before it; the
folder is listed once and the last `CHAIN_CACHE` chains read are kept, so a history
asking every session reads each file once), the index's 5-minute bars of a session
only when it has `intraday/SYMBOL/YYYY-MM-DD.csv` (SYMBOL without the caret; columns
Datetime, or Date and Time, then Open, High, Low, Close[, Volume]; times with a UTC
offset, or else New York time; every row of that New York day, each checked like the
daily files' rows), and never any intraday quotes."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.options.chain import OptionChain
from core.options.files import CHAINS_DIR, read_chain
from core.snapshot import SourceKind
from core.sources.base import (
    BAR_COLUMNS,
    INTRADAY_MINUTES,
    Capability,
    DataFormatError,
    FetchKind,
    MemberPanel,
    PartialDataError,
    Quote,
    SourceError,
    check_bars,
    screen_bars,
)

MEMBERS_DIR = "constituents"
MEMBER_CLOSES = ("closes_unadj.csv", "closes.csv")
"""The members' closes files, preferred first. S&P's $S5TH/$S5FI compare each member's
close with its average on split-adjusted, dividend-unadjusted prices; dividend-adjusted
history sits lower the further back it goes, so more members read above their 200-day
average (+2.4 pp on average against $S5TH over 2016-2026 in ../shared/market-data)."""
MEMBER_INFO = "constituents.csv"
INTRADAY_DIR = "intraday"
"""The folder of intraday bars: `intraday/GSPC/2026-01-22.csv`."""
_CHAIN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
CHAIN_CACHE = 8
"""Chains kept parsed (a session's chain is about 0.5 MB): a history asks its sessions
in order, so each file is read once; a few more spare a replay stepping back and forth."""


def symbol_file(directory: Path, symbol: str) -> Path:
    """The CSV that holds `symbol`'s daily bars."""
    return directory / f"{symbol.removeprefix('^')}.csv"


def _line_of(frame: pd.DataFrame, mask: pd.Series) -> int:
    """1-based file line of the first row where `mask` is true (header is line 1)."""
    return int(np.argmax(mask.to_numpy())) + 2


def _parse_dates(raw: pd.Series, path: Path) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        line = _line_of(raw.to_frame(), bad)
        raise DataFormatError(f"{path}, line {line}: date {raw[bad].iloc[0]!r} is not YYYY-MM-DD")
    index = pd.DatetimeIndex(parsed, name="date")
    if index.has_duplicates:
        line = _line_of(raw.to_frame(), pd.Series(index.duplicated()))
        raise DataFormatError(f"{path}, line {line}: date {raw.iloc[line - 2]} appears twice")
    if not index.is_monotonic_increasing:
        line = _line_of(raw.to_frame(), pd.Series(np.r_[False, np.diff(index.asi8) < 0]))
        raise DataFormatError(f"{path}, line {line}: dates are not in ascending order")
    return index


def _numeric(raw: pd.Series, path: Path, column: str) -> pd.Series:
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        line = _line_of(raw.to_frame(), bad)
        raise DataFormatError(f"{path}, line {line}: {column} {raw[bad].iloc[0]!r} is not a number")
    return values.astype("float64")


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """A CSV's rows as text, and its columns by their lower-case, stripped name;
    DataFormatError naming the file when it is empty or cannot be read."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"{path}: the file is empty") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{path}: cannot read CSV ({error})") from None
    return raw, {name.strip().lower(): name for name in raw.columns}


def read_bars_csv(path: Path) -> pd.DataFrame:
    """Parse one daily-bar CSV into the standard bar frame (see core.sources.base)."""
    raw, columns = _read_csv(path)
    for required in ("date", "close"):
        if required not in columns:
            raise DataFormatError(
                f"{path}: no {required.title()} column (has {', '.join(raw.columns)})"
            )
    frame = pd.DataFrame(index=_parse_dates(raw[columns["date"]], path))
    for column in BAR_COLUMNS:
        if column in columns:
            frame[column] = _numeric(raw[columns[column]], path, column.title()).to_numpy()
        else:
            frame[column] = np.nan
    if frame["close"].isna().any():
        line = _line_of(frame, frame["close"].isna().reset_index(drop=True))
        raise DataFormatError(f"{path}, line {line}: Close is empty")
    bars = check_bars(frame, str(path))
    _, rejected = screen_bars(bars, today=date.today())
    if rejected:
        # A file is the user's data: name its first bad bar rather than skip it.
        first = rejected[0]
        line = int(np.flatnonzero(bars.index == pd.Timestamp(first.session))[0]) + 2
        more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
        raise DataFormatError(f"{path}, line {line}: {first.session} has {first.why}{more}")
    return bars


def intraday_file(directory: Path, symbol: str, session: date) -> Path:
    """The CSV that holds `symbol`'s intraday bars of `session`."""
    return directory / INTRADAY_DIR / symbol.removeprefix("^") / f"{session.isoformat()}.csv"


def _bar_time(text: str, path: Path, line: int, session: date) -> datetime:
    """One row's time, aware in New York time (a time without an offset is New York's)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DataFormatError(
            f"{path}, line {line}: time {text!r} is not YYYY-MM-DD HH:MM[:SS][+HH:MM]"
        ) from None
    moment = (
        moment.replace(tzinfo=NEW_YORK) if moment.tzinfo is None else moment.astimezone(NEW_YORK)
    )
    if moment.date() != session:
        raise DataFormatError(
            f"{path}, line {line}: {moment:%Y-%m-%d %H:%M} New York is not of {session}"
        )
    if moment.minute % INTRADAY_MINUTES or moment.second or moment.microsecond:
        raise DataFormatError(
            f"{path}, line {line}: {moment:%H:%M:%S} is not the start of a "
            f"{INTRADAY_MINUTES}-minute bar"
        )
    return moment


def read_intraday_csv(path: Path, session: date) -> pd.DataFrame:
    """Parse one intraday CSV of `session` into the standard intraday frame (see
    core.sources.base); a bad row raises DataFormatError naming the file and line."""
    raw, columns = _read_csv(path)
    if "datetime" in columns:
        stamps = raw[columns["datetime"]]
    elif "date" in columns and "time" in columns:
        stamps = raw[columns["date"]].str.strip() + " " + raw[columns["time"]].str.strip()
    else:
        raise DataFormatError(
            f"{path}: no Datetime column, nor Date and Time (has {', '.join(raw.columns)})"
        )
    for required in ("open", "high", "low", "close"):
        if required not in columns:
            raise DataFormatError(
                f"{path}: no {required.title()} column (has {', '.join(raw.columns)})"
            )
    lines = range(2, len(raw) + 2)
    times = [
        _bar_time("" if text != text else str(text), path, line, session)
        for text, line in zip(stamps, lines, strict=True)
    ]
    index = pd.DatetimeIndex(times, name="time")
    frame = pd.DataFrame(index=index)
    for column in BAR_COLUMNS:
        if column in columns:
            frame[column] = _numeric(raw[columns[column]], path, column.title()).to_numpy()
        else:
            frame[column] = np.nan
    prices = frame[["open", "high", "low", "close"]].to_numpy()
    starts = index.asi8
    checks = (
        (np.isnan(prices).any(axis=1), "a price is empty"),
        (~(np.isfinite(prices) & (prices > 0)).all(axis=1), "a price is not finite and positive"),
        (prices[:, 1] < prices[:, 2], "the high is below the low"),
        (np.r_[False, starts[1:] == starts[:-1]], "the time appears twice"),
        (np.r_[False, starts[1:] < starts[:-1]], "the times are not in ascending order"),
    )
    for bad, why in checks:
        if bad.any():
            at = int(np.argmax(bad))
            raise DataFormatError(f"{path}, line {at + 2}: {frame.index[at]:%H:%M}: {why}")
    frame.index = index.tz_convert(NEW_YORK)
    return frame.astype("float64")


def member_closes_file(directory: Path) -> Path | None:
    """The members' closes file the directory holds (see MEMBER_CLOSES), if any."""
    folder = directory / MEMBERS_DIR
    return next((folder / name for name in MEMBER_CLOSES if (folder / name).exists()), None)


def _capabilities(directory: Path) -> frozenset[Capability]:
    """What the directory holds: daily bars always, members when it has their closes,
    their weights when the member list has a Weight column (only its header is read),
    option chains and intraday bars when it has their folders."""
    found: set[Capability] = {"daily_bars"}
    if (directory / CHAINS_DIR).is_dir():
        found.add("option_chains")
    if (directory / INTRADAY_DIR).is_dir():
        found.add("intraday_bars")
    if member_closes_file(directory) is not None:
        found.add("members")
        try:
            with (directory / MEMBERS_DIR / MEMBER_INFO).open(encoding="utf-8") as info:
                header = info.readline()
        except (OSError, UnicodeDecodeError):
            header = ""
        if "Weight" in (name.strip() for name in header.split(",")):
            found.add("member_weights")
    return frozenset(found)


def read_member_info(path: Path) -> pd.DataFrame:
    """A member list: a CSV with a YahooTicker or Ticker column and, optionally, Name,
    Sector and Weight. Returns a frame indexed by ticker with columns name, sector
    (and weight when given)."""
    try:
        raw = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{path}: cannot read CSV ({error})") from None
    ticker = next((name for name in ("YahooTicker", "Ticker") if name in raw.columns), None)
    if ticker is None:
        raise DataFormatError(f"{path}: no Ticker or YahooTicker column")
    info = pd.DataFrame(
        {
            "name": raw.get("Name", pd.Series(index=raw.index, dtype=str)),
            "sector": raw.get("Sector", pd.Series(index=raw.index, dtype=str)),
        }
    )
    if "Weight" in raw.columns:
        info["weight"] = _numeric(raw["Weight"], path, "Weight").to_numpy()
    info.index = pd.Index(raw[ticker].str.strip(), name="ticker")
    return info[~info.index.duplicated()]


class FilesSource:
    """Daily history from a directory of CSVs (see the module docstring)."""

    kind: SourceKind = "files"
    simulated: bool = False
    historical: bool = True
    cached: bool = False
    detail: str | None = None

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise SourceError(f"files:{directory}: no such directory")
        self.directory = directory
        self.capabilities = _capabilities(directory)
        self._bars: dict[str, pd.DataFrame] = {}
        self._members: MemberPanel | None = None
        self._chain_files_found: dict[date, Path] | None = None
        """The chain files by date, ascending (listed on first use)."""
        self._chains: OrderedDict[date, OptionChain | DataFormatError] = OrderedDict()
        """The chains last read (or why a file could not be), least recent first."""
        self._chains_lock = threading.Lock()

    def fetched_at(self, kind: FetchKind | None = None) -> datetime | None:
        """Files are never fetched: None."""
        return None

    def _load(self, symbol: str) -> pd.DataFrame | None:
        if symbol not in self._bars:
            path = symbol_file(self.directory, symbol)
            if not path.exists():
                return None
            self._bars[symbol] = read_bars_csv(path)
        return self._bars[symbol]

    def daily_bars(
        self, symbols: Sequence[str], start: date, end: date
    ) -> Mapping[str, pd.DataFrame]:
        """Bars of each symbol that has a file, from `start` to `end` inclusive. A bad
        file costs only its own symbol: PartialDataError carries the others (and says
        which file, line and why), unless it is the only one asked for."""
        found: dict[str, pd.DataFrame] = {}
        failed: dict[str, str] = {}
        for symbol in symbols:
            try:
                bars = self._load(symbol)
            except DataFormatError as error:
                failed[symbol] = str(error)
                continue
            if bars is not None:
                found[symbol] = bars.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        if failed:
            message = "; ".join(failed.values())
            if not found:
                raise DataFormatError(message)
            raise PartialDataError(message, list(failed), found)
        return found

    def _load_members(self) -> MemberPanel | None:
        if self._members is None:
            closes_path = member_closes_file(self.directory)
            if closes_path is None:
                return None
            try:
                raw = pd.read_csv(closes_path, dtype={"Date": str})
            except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
                raise DataFormatError(f"{closes_path}: cannot read CSV ({error})") from None
            if "Date" not in raw.columns:
                raise DataFormatError(f"{closes_path}: no Date column")
            index = _parse_dates(raw.pop("Date"), closes_path)
            non_numeric = [name for name, dtype in raw.dtypes.items() if dtype.kind not in "fi"]
            if non_numeric:
                column = non_numeric[0]
                _numeric(raw[column], closes_path, str(column))
            # One contiguous float block: per-column blocks make every operation on
            # 500 members crawl.
            closes = pd.DataFrame(
                raw.to_numpy(dtype="float64"), index=index, columns=raw.columns.astype(str)
            )
            info_path = self.directory / MEMBERS_DIR / MEMBER_INFO
            info = read_member_info(info_path) if info_path.exists() else pd.DataFrame()
            self._members = MemberPanel(closes=closes, info=info)
        return self._members

    def members(self, start: date, end: date) -> MemberPanel | None:
        """Members' closes from `start` to `end`, or None without a constituents folder."""
        panel = self._load_members()
        if panel is None:
            return None
        window = panel.closes.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return MemberPanel(closes=window, info=panel.info)

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """Files hold daily history only: never any intraday quotes."""
        return {}

    def intraday_bars(self, session: date, symbol: str = "^GSPC") -> pd.DataFrame | None:
        """`symbol`'s bars of `session` from `intraday/SYMBOL/YYYY-MM-DD.csv`; None when
        there is no such file. A bad file raises its DataFormatError (file and line)."""
        path = intraday_file(self.directory, symbol, session)
        if not path.is_file():
            return None
        return read_intraday_csv(path, session)

    def option_chain(self, session: date) -> OptionChain | None:
        """The chain of the latest `options/SPX/YYYY-MM-DD.csv` dated on or before
        `session` (the same chain object for every session it serves); None before the
        first file or without the folder. A bad file raises its DataFormatError, one
        line naming the file and line (and again, unread, each time it is asked)."""
        with self._chains_lock:
            files = self._chain_files()
            dates = list(files)
            at = bisect_right(dates, session) - 1
            if at < 0:
                return None
            day = dates[at]
            found = self._chains.get(day)
            if found is None:
                try:
                    found = read_chain(files[day])
                except DataFormatError as error:
                    found = error
                self._chains[day] = found
                if len(self._chains) > CHAIN_CACHE:
                    self._chains.popitem(last=False)
            else:
                self._chains.move_to_end(day)
        if isinstance(found, DataFormatError):
            raise DataFormatError(str(found))
        return found

    def _chain_files(self) -> dict[date, Path]:
        """The folder's chain files by date, ascending, listed once; a file not named
        YYYY-MM-DD.csv (index.csv) is not a chain."""
        if self._chain_files_found is None:
            folder = self.directory / CHAINS_DIR
            found = {}
            for path in folder.glob("*.csv") if folder.is_dir() else ():
                if _CHAIN_NAME.fullmatch(path.stem):
                    try:
                        found[date.fromisoformat(path.stem)] = path
                    except ValueError:  # 2026-02-30
                        continue
            self._chain_files_found = dict(sorted(found.items()))
        return self._chain_files_found
