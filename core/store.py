"""The on-disk cache: one SQLite file holding daily bars, the members' daily closes, what
is known about each member, intraday quotes, the last option chain of each underlying
(with its fetch time and the session its quotes are of), when each kind of data was last
fetched, the index's 5-minute bars of its last few sessions (with when each session's
were fetched, which tells bars stored part-way through from a complete session's), and
which date range of each series has been fetched (so a top-up asks a source only for
what is missing). One row per symbol and session (per contract for a chain), written
with upserts (stdlib sqlite3, WAL, `executemany`); the schema is versioned with `PRAGMA
user_version`, and a cache of an older version is rebuilt rather than migrated, while a
table added within a version (the option chains, the intraday bars and their fetch
times) is created in a cache that lacks it, the rest kept. `open_store` heals a cache at
start: a file that is unreadable (truncated, random bytes), not a regime cache, or
written by a newer schema is moved aside (kept, with a timestamp in its name) and a new
one created; a location that cannot be written (read-only, full) or a cache locked past
the busy timeout gives no store, and each says what happened in one line. A `StoreError`
is a `SourceError`, so a store failing mid-run costs the cycle that met it, named, like
any source failure. One connection is shared behind a lock, so one writer thread and any
number of readers may use a `Store`. Sessions are stored as Unix day numbers and members
as integer ids (reading 500 members x 500 sessions back is then ~3x faster than with
text keys); times are stored as UTC ISO text."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs

from core.clock import NEW_YORK
from core.config import APP_NAME
from core.options.chain import COLUMNS as CHAIN_COLUMNS
from core.options.chain import OptionChain, empty_contracts
from core.sources.base import BAR_COLUMNS, Quote, SourceError, check_bars, empty_bars
from core.sqlite_file import BUSY_TIMEOUT, Problem, SqliteFile
from core.sqlite_file import MEMORY as IN_MEMORY

SCHEMA_VERSION = 1
MEMORY = IN_MEMORY
"""The path of a store that lives in memory only (a run without a cache)."""

_TABLES = (
    "bars",
    "tickers",
    "member_closes",
    "member_info",
    "quotes",
    "fetches",
    "coverage",
    "option_chains",
    "option_contracts",
    "intraday_bars",
    "intraday_fetches",
)

# Columns named `session` or `first`/`through` hold Unix day numbers (days since
# 1970-01-01): `date(session * 86400, 'unixepoch')` shows them in the sqlite3 shell.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS bars (
    symbol TEXT NOT NULL, session INTEGER NOT NULL,
    open REAL, high REAL, low REAL, close REAL NOT NULL, volume REAL,
    PRIMARY KEY (symbol, session)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tickers (
    id INTEGER PRIMARY KEY, ticker TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS member_closes (
    session INTEGER NOT NULL, ticker_id INTEGER NOT NULL, close REAL NOT NULL,
    PRIMARY KEY (session, ticker_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS member_info (
    ticker TEXT PRIMARY KEY, name TEXT, sector TEXT, weight REAL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quotes (
    symbol TEXT NOT NULL, session INTEGER NOT NULL, last REAL NOT NULL, time TEXT NOT NULL,
    PRIMARY KEY (symbol, session)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetches (
    kind TEXT PRIMARY KEY, fetched_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
    key TEXT PRIMARY KEY, first INTEGER NOT NULL, through INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS option_chains (
    underlying TEXT PRIMARY KEY, session INTEGER NOT NULL, as_of TEXT NOT NULL,
    spot REAL NOT NULL, source TEXT NOT NULL, fetched_at TEXT, notes TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS option_contracts (
    underlying TEXT NOT NULL, position INTEGER NOT NULL, expiry INTEGER, kind TEXT,
    strike REAL, implied_vol REAL, open_interest REAL, gamma REAL, bid REAL, ask REAL,
    volume REAL, PRIMARY KEY (underlying, position)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intraday_bars (
    symbol TEXT NOT NULL, session INTEGER NOT NULL, time INTEGER NOT NULL,
    open REAL, high REAL, low REAL, close REAL NOT NULL, volume REAL,
    PRIMARY KEY (symbol, session, time)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intraday_fetches (
    symbol TEXT NOT NULL, session INTEGER NOT NULL, fetched_at TEXT NOT NULL,
    PRIMARY KEY (symbol, session)) WITHOUT ROWID;
"""
# Tables added after a schema version shipped are created in a cache of that version
# that lacks them (`CREATE TABLE IF NOT EXISTS`), without bumping SCHEMA_VERSION, which
# would rebuild the cache and throw its bars away: option_chains, option_contracts,
# intraday_bars (`time`: a bar's start in Unix seconds), intraday_fetches (when each
# session's intraday bars were fetched; none for bars stored before it existed).
_EPOCH = date(1970, 1, 1).toordinal()
_NO_DAY_MIN, _NO_DAY_MAX = -(10**9), 10**9
_MEMBER_ROW = np.dtype([("session", "int32"), ("ticker_id", "int32"), ("close", "float64")])
"""A members' close as read: 16 bytes (Unix day numbers and ticker ids fit in 32 bits),
so three years of 500 members read back in 6 MB, not 9."""

INFO_COLUMNS = ("name", "sector", "weight")
INTRADAY_SESSIONS_KEPT = 5
"""Sessions of intraday bars kept per symbol: storing a session's bars drops those
older than the last few (a replay of a recent session still finds its own)."""
_CHAIN_NUMBERS = CHAIN_COLUMNS[2:]
"""The chain's float columns (strike ... volume), stored as they are named."""
_INSERT_CONTRACT = (
    f"INSERT INTO option_contracts (underlying, position, expiry, kind, "
    f"{', '.join(_CHAIN_NUMBERS)}) VALUES ({', '.join('?' * (4 + len(_CHAIN_NUMBERS)))})"
)


StoreProblem = Problem
"""Why a cache failed: its file is not a readable regime cache of this schema (move it
aside), another connection holds it locked, or its location cannot be used (read-only,
full, unopenable)."""


class StoreError(SourceError):
    """The cache file cannot be opened, read or written; the message names the file."""

    def __init__(self, message: str, problem: StoreProblem = "unusable"):
        super().__init__(message)
        self.problem: StoreProblem = problem


def default_store_path() -> Path:
    """regime.sqlite in the platform's user cache directory."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "regime.sqlite"


def _day(day: date) -> int:
    """Unix day number of a date."""
    return day.toordinal() - _EPOCH


def _date(day: int) -> date:
    return date.fromordinal(day + _EPOCH)


def _days(index: pd.Index) -> np.ndarray:
    """Unix day numbers of tz-naive session dates."""
    return index.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def _span(start: date | None, end: date | None) -> tuple[int, int]:
    return (
        _NO_DAY_MIN if start is None else _day(start),
        _NO_DAY_MAX if end is None else _day(end),
    )


def _new_york(stored: str) -> datetime:
    """A time stored as ISO text, in New York time (as the sources give times)."""
    return datetime.fromisoformat(stored).astimezone(NEW_YORK)


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"a timezone-aware datetime is required, not {moment!r}")
    return moment.astimezone(UTC).isoformat()


def _float_or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _contracts(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """Stored contract rows (expiry day, kind, then `_CHAIN_NUMBERS`) as a chain's
    contracts frame; NULL reads as NaN (NaT for an expiry)."""
    if not rows:
        return empty_contracts()
    expiry, kind, *numbers = zip(*rows, strict=True)
    days = np.array([np.nan if day is None else day for day in expiry], dtype="float64")
    frame = pd.DataFrame(
        {
            "expiry": pd.to_datetime(days, unit="D").astype("datetime64[ns]"),
            "kind": pd.Series(kind, dtype="object"),
            **{
                name: np.array(column, dtype="float64")
                for name, column in zip(_CHAIN_NUMBERS, numbers, strict=True)
            },
        }
    )
    return frame.loc[:, list(CHAIN_COLUMNS)]


def _session_index(days: Sequence[int] | np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(days, dtype="int64"), unit="D"), name="date")


class Store(SqliteFile):
    """The SQLite cache at `path` (created with its folders if missing)."""

    NOUN = "cache"
    SCHEMA = _SCHEMA
    ERROR = StoreError

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT):
        """Raises StoreError, whose `problem` says whether the file is broken (see
        `open_store`), locked, or its location unusable."""
        self._chains: dict[str, tuple[tuple[object, ...], OptionChain]] = {}
        """The option chain last read of each underlying, with what identifies it."""
        super().__init__(path, timeout=timeout)

    def schema_version(self) -> int:
        return SCHEMA_VERSION

    def _foreign_refused(self, version: int) -> bool:
        # An older cache is rebuilt whatever it holds; a new file has no tables.
        return version in (0, SCHEMA_VERSION)

    def _upgrade(self, conn: sqlite3.Connection, version: int) -> None:
        if 0 < version < SCHEMA_VERSION:
            # A cache holds nothing that cannot be fetched again: rebuild, don't migrate.
            for table in _TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")

    # Daily bars --------------------------------------------------------------------

    def upsert_bars(self, symbol: str, frame: pd.DataFrame, *, replace: bool = False) -> None:
        """Write `symbol`'s daily bars (standard bar frame), overwriting stored sessions.
        With `replace`, every stored bar of the symbol is deleted first (a re-based
        history, e.g. after a split)."""
        bars = check_bars(frame, f"cache {self.path}: bars of {symbol}")
        sessions = _days(bars.index).tolist()
        values = bars.to_numpy(dtype="float64")
        rows = [
            (symbol, session, *(_float_or_none(v) for v in row))
            for session, row in zip(sessions, values.tolist(), strict=True)
        ]
        with self._tx() as conn:
            if replace:
                conn.execute("DELETE FROM bars WHERE symbol = ?", (symbol,))
            conn.executemany(
                "INSERT INTO bars (symbol, session, open, high, low, close, volume) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, session) DO UPDATE SET "
                "open = excluded.open, high = excluded.high, low = excluded.low, "
                "close = excluded.close, volume = excluded.volume",
                rows,
            )

    def bars(self, symbol: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """`symbol`'s stored bars from `start` to `end` inclusive (None: unbounded), as a
        standard bar frame; empty when nothing is stored."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT session, open, high, low, close, volume FROM bars "
                "WHERE symbol = ? AND session BETWEEN ? AND ? ORDER BY session",
                (symbol, *_span(start, end)),
            ).fetchall()
        if not rows:
            return empty_bars()
        sessions, *columns = zip(*rows, strict=True)
        return pd.DataFrame(
            {
                name: np.array(column, dtype="float64")
                for name, column in zip(BAR_COLUMNS, columns, strict=True)
            },
            index=_session_index(sessions),
        )

    def symbols(self) -> list[str]:
        """The symbols that have daily bars stored, sorted."""
        with self._tx() as conn:
            rows = conn.execute("SELECT DISTINCT symbol FROM bars ORDER BY symbol").fetchall()
        return [symbol for (symbol,) in rows]

    def last_session(self, symbol: str) -> date | None:
        """The newest session stored for `symbol`, or None."""
        with self._tx() as conn:
            (last,) = conn.execute(
                "SELECT MAX(session) FROM bars WHERE symbol = ?", (symbol,)
            ).fetchone()
        return None if last is None else _date(last)

    # Members -----------------------------------------------------------------------

    def _ticker_ids(self, conn: sqlite3.Connection, tickers: Sequence[str]) -> dict[str, int]:
        conn.executemany(
            "INSERT INTO tickers (ticker) VALUES (?) ON CONFLICT (ticker) DO NOTHING",
            [(ticker,) for ticker in tickers],
        )
        wanted = set(tickers)
        return {t: i for i, t in conn.execute("SELECT id, ticker FROM tickers") if t in wanted}

    def upsert_members(self, closes: pd.DataFrame, *, replace: bool = False) -> None:
        """Write members' closes (index: session dates, one column per ticker), stored
        long; NaN cells (not listed yet, or not fetched) are skipped, so they never
        overwrite a stored close. With `replace`, the stored closes of the frame's
        tickers are deleted first (a re-based history, e.g. after a split)."""
        if not isinstance(closes.index, pd.DatetimeIndex) or closes.index.tz is not None:
            raise ValueError("members' closes must be indexed by tz-naive session dates")
        tickers = [str(ticker) for ticker in closes.columns]
        days = _days(closes.index)
        values = closes.to_numpy(dtype="float64")
        at_row, at_column = np.nonzero(~np.isnan(values))
        with self._tx() as conn:
            ids = self._ticker_ids(conn, tickers)
            column_ids = np.array([ids[ticker] for ticker in tickers], dtype="int64")
            if replace:
                conn.executemany(
                    "DELETE FROM member_closes WHERE ticker_id = ?",
                    [(int(i),) for i in column_ids],
                )
            conn.executemany(
                "INSERT INTO member_closes (session, ticker_id, close) VALUES (?, ?, ?) "
                "ON CONFLICT (session, ticker_id) DO UPDATE SET close = excluded.close",
                zip(
                    days[at_row].tolist(),
                    column_ids[at_column].tolist(),
                    values[at_row, at_column].tolist(),
                    strict=True,
                ),
            )

    def members(
        self,
        start: date | None = None,
        end: date | None = None,
        tickers: Sequence[str] | None = None,
    ) -> pd.DataFrame | None:
        """Members' closes from `start` to `end` inclusive as a wide frame (index: session
        dates named "date"; one float column per ticker, sorted; NaN where a ticker has
        no close), restricted to `tickers` if given; None when nothing is stored."""
        with self._tx() as conn:
            names = dict(conn.execute("SELECT id, ticker FROM tickers").fetchall())
            table = np.fromiter(
                conn.execute(
                    "SELECT session, ticker_id, close FROM member_closes "
                    "WHERE session BETWEEN ? AND ? ORDER BY session",
                    _span(start, end),
                ),
                dtype=_MEMBER_ROW,
            )
        if not len(table):
            return None
        days, ids, values = table["session"], table["ticker_id"], table["close"]
        if tickers is not None:
            wanted = set(tickers)
            keep = np.isin(ids, [i for i, name in names.items() if name in wanted])
            days, ids, values = days[keep], ids[keep], values[keep]
            if not len(days):
                return None
        # In session order (the primary key's): each new day starts the next row.
        starts = np.empty(len(days), dtype=bool)
        starts[0] = True
        np.not_equal(days[1:], days[:-1], out=starts[1:])
        session_days, at_row = days[starts], np.cumsum(starts) - 1
        # Columns in ticker order from the start: the grid is the frame's own block
        # (members by sessions, as a frame keeps it), never copied or reordered after.
        column_ids = np.unique(ids)
        tickers_sorted = sorted((names[int(i)], int(i)) for i in column_ids)
        slot = np.empty(int(column_ids[-1]) + 1, dtype=np.intp)
        slot[[i for _, i in tickers_sorted]] = np.arange(len(tickers_sorted))
        grid = np.full((len(tickers_sorted), len(session_days)), np.nan)
        grid[slot[ids], at_row] = values
        return pd.DataFrame(
            grid.T,
            index=_session_index(session_days),
            columns=[ticker for ticker, _ in tickers_sorted],
            copy=False,
        )

    def member_last_sessions(self) -> dict[str, date]:
        """The newest stored session of each member ticker."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT tickers.ticker, MAX(member_closes.session) FROM member_closes "
                "JOIN tickers ON tickers.id = member_closes.ticker_id GROUP BY tickers.ticker"
            ).fetchall()
        return {ticker: _date(last) for ticker, last in rows}

    def upsert_member_info(self, info: pd.DataFrame) -> None:
        """Write what is known about members: index ticker; columns name, sector and
        optionally weight (missing columns and NaN cells are stored as unknown)."""
        frame = info.reindex(columns=list(INFO_COLUMNS))
        rows = [
            (
                str(ticker),
                None if pd.isna(name) else str(name),
                None if pd.isna(sector) else str(sector),
                None if pd.isna(weight) else float(weight),
            )
            for ticker, (name, sector, weight) in zip(
                frame.index, frame.itertuples(index=False, name=None), strict=True
            )
        ]
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO member_info (ticker, name, sector, weight) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (ticker) DO UPDATE SET name = excluded.name, "
                "sector = excluded.sector, weight = excluded.weight",
                rows,
            )

    def member_info(self) -> pd.DataFrame:
        """What is known about members: index "ticker"; columns name, sector, weight."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT ticker, name, sector, weight FROM member_info ORDER BY ticker"
            ).fetchall()
        frame = pd.DataFrame(rows, columns=["ticker", *INFO_COLUMNS]).set_index("ticker")
        return frame.astype({"name": object, "sector": object, "weight": "float64"})

    # Quotes ------------------------------------------------------------------------

    def record_quote(self, quote: Quote) -> None:
        """Keep `quote` as its symbol's latest of its session, unless a later one is stored."""
        self.record_quotes((quote,))

    def record_quotes(self, quotes: Iterable[Quote]) -> None:
        """`record_quote` for many quotes, in one transaction."""
        rows = [(q.symbol, _day(q.session), q.last, _utc_iso(q.time)) for q in quotes]
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO quotes (symbol, session, last, time) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (symbol, session) DO UPDATE SET last = excluded.last, "
                "time = excluded.time WHERE excluded.time >= quotes.time",
                rows,
            )

    def quotes(self, symbols: Sequence[str] | None = None) -> dict[str, Quote]:
        """The latest stored quote of each symbol (of `symbols`, if given), its time in
        America/New_York."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT symbol, session, last, time FROM quotes AS q WHERE session = "
                "(SELECT MAX(session) FROM quotes WHERE symbol = q.symbol)"
            ).fetchall()
        wanted = None if symbols is None else set(symbols)
        return {
            symbol: Quote(
                symbol=symbol,
                last=last,
                time=datetime.fromisoformat(moment).astimezone(NEW_YORK),
                session=_date(session),
            )
            for symbol, session, last, moment in rows
            if wanted is None or symbol in wanted
        }

    # Option chains -----------------------------------------------------------------

    def store_option_chain(self, chain: OptionChain, session: date | None = None) -> None:
        """Keep `chain` as its underlying's last chain, replacing the one stored, with
        `session`, the session its quotes are of (default: its as-of date in New York),
        which `option_chain` compares a replayed session with."""
        quoted = chain.as_of.astimezone(NEW_YORK).date() if session is None else session
        frame = chain.contracts
        expiry = frame["expiry"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        days = expiry.astype("int64").astype(object)
        days[np.isnat(expiry)] = None
        kinds = frame["kind"].astype(object).where(frame["kind"].notna(), None)
        # SQLite binds a NaN as NULL, which reads back as NaN.
        numbers = frame.loc[:, list(_CHAIN_NUMBERS)].to_numpy(dtype="float64").tolist()
        rows = [
            (chain.underlying, position, day, kind, *values)
            for position, (day, kind, values) in enumerate(
                zip(days.tolist(), kinds.tolist(), numbers, strict=True)
            )
        ]
        header = (
            chain.underlying,
            _day(quoted),
            _utc_iso(chain.as_of),
            chain.spot,
            chain.source,
            None if chain.fetched_at is None else _utc_iso(chain.fetched_at),
            json.dumps(list(chain.notes)),
        )
        with self._tx() as conn:
            conn.execute("DELETE FROM option_contracts WHERE underlying = ?", (chain.underlying,))
            conn.execute(
                "INSERT INTO option_chains (underlying, session, as_of, spot, source, "
                "fetched_at, notes) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (underlying) DO "
                "UPDATE SET session = excluded.session, as_of = excluded.as_of, "
                "spot = excluded.spot, source = excluded.source, "
                "fetched_at = excluded.fetched_at, notes = excluded.notes",
                header,
            )
            conn.executemany(_INSERT_CONTRACT, rows)
            self._chains.pop(chain.underlying, None)

    def option_chain(
        self, underlying: str | None = None, *, on_or_before: date | None = None
    ) -> OptionChain | None:
        """The stored chain of `underlying` (None: the one stored last, of any), or None
        when none is stored or, given `on_or_before`, when the stored chain's session is
        after it (only the last chain is kept: an earlier session has none). A chain read
        is kept in memory until another is stored, so asking every session of a history
        reads it once."""
        with self._tx() as conn:
            query = (
                "SELECT underlying, session, as_of, spot, source, fetched_at, notes "
                "FROM option_chains"
            )
            if underlying is None:
                found = conn.execute(f"{query} ORDER BY as_of DESC LIMIT 1").fetchone()
            else:
                found = conn.execute(f"{query} WHERE underlying = ?", (underlying,)).fetchone()
            if found is None:
                return None
            name, session, as_of, spot, source, fetched_at, notes = found
            if on_or_before is not None and _date(session) > on_or_before:
                return None
            stamp = (session, as_of, fetched_at)
            kept = self._chains.get(name)
            if kept is not None and kept[0] == stamp:
                return kept[1]
            rows = conn.execute(
                f"SELECT expiry, kind, {', '.join(_CHAIN_NUMBERS)} FROM option_contracts "
                "WHERE underlying = ? ORDER BY position",
                (name,),
            ).fetchall()
        chain = OptionChain(
            underlying=name,
            as_of=_new_york(as_of),
            spot=float(spot),
            contracts=_contracts(rows),
            source=source,
            fetched_at=(
                None
                if fetched_at is None
                else datetime.fromisoformat(fetched_at).astimezone(NEW_YORK)
            ),
            notes=tuple(json.loads(notes)),
        )
        with self._lock:
            self._chains[name] = (stamp, chain)
        return chain

    # Intraday bars -----------------------------------------------------------------

    def store_intraday_bars(
        self,
        symbol: str,
        session: date,
        frame: pd.DataFrame,
        fetched_at: datetime | None = None,
    ) -> None:
        """Keep `frame` (intraday bars, see `core.sources.base`) as `symbol`'s bars of
        `session`, replacing those stored for it, with when they were fetched
        (`fetched_at`, timezone-aware; None: not known), and drop the symbol's bars of
        sessions older than the last `INTRADAY_SESSIONS_KEPT`."""
        starts = (pd.DatetimeIndex(frame.index).as_unit("ns").asi8 // 1_000_000_000).tolist()
        values = frame.loc[:, list(BAR_COLUMNS)].to_numpy(dtype="float64").tolist()
        rows = [
            (symbol, _day(session), start, *row) for start, row in zip(starts, values, strict=True)
        ]
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM intraday_bars WHERE symbol = ? AND session = ?",
                (symbol, _day(session)),
            )
            conn.executemany(
                "INSERT INTO intraday_bars (symbol, session, time, open, high, low, close, "
                "volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "DELETE FROM intraday_bars WHERE symbol = ? AND session NOT IN (SELECT DISTINCT "
                "session FROM intraday_bars WHERE symbol = ? ORDER BY session DESC LIMIT ?)",
                (symbol, symbol, INTRADAY_SESSIONS_KEPT),
            )
            conn.execute(
                "DELETE FROM intraday_fetches WHERE symbol = ? AND (session = ? OR session "
                "NOT IN (SELECT DISTINCT session FROM intraday_bars WHERE symbol = ?))",
                (symbol, _day(session), symbol),
            )
            if fetched_at is not None:
                conn.execute(
                    "INSERT INTO intraday_fetches (symbol, session, fetched_at) VALUES (?, ?, ?)",
                    (symbol, _day(session), _utc_iso(fetched_at)),
                )

    def intraday_fetched_at(self, symbol: str, session: date) -> datetime | None:
        """When `symbol`'s stored bars of `session` were fetched, New York time (None:
        none stored, or stored without it)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT fetched_at FROM intraday_fetches WHERE symbol = ? AND session = ?",
                (symbol, _day(session)),
            ).fetchone()
        return None if row is None else _new_york(row[0])

    def intraday_bars(self, symbol: str, session: date) -> pd.DataFrame | None:
        """`symbol`'s stored bars of `session` (None: none stored for it), indexed by
        each bar's start in New York time."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT time, open, high, low, close, volume FROM intraday_bars "
                "WHERE symbol = ? AND session = ? ORDER BY time",
                (symbol, _day(session)),
            ).fetchall()
        if not rows:
            return None
        times, *columns = zip(*rows, strict=True)
        index = pd.DatetimeIndex(pd.to_datetime(list(times), unit="s", utc=True), name="time")
        return pd.DataFrame(
            {
                name: np.array(column, dtype="float64")
                for name, column in zip(BAR_COLUMNS, columns, strict=True)
            },
            index=index.tz_convert(NEW_YORK),
        )

    # Bookkeeping -------------------------------------------------------------------

    def mark_fetched(self, kind: str, when: datetime) -> None:
        """Record that data of `kind` ("daily", "members", "quotes") was fetched at `when`
        (timezone-aware)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO fetches (kind, fetched_at) VALUES (?, ?) "
                "ON CONFLICT (kind) DO UPDATE SET fetched_at = excluded.fetched_at",
                (kind, _utc_iso(when)),
            )

    def fetched_at(self, kind: str | None = None) -> datetime | None:
        """When data of `kind` was last fetched (UTC), or of any kind if None; None if never."""
        with self._tx() as conn:
            if kind is None:
                (moment,) = conn.execute("SELECT MAX(fetched_at) FROM fetches").fetchone()
            else:
                row = conn.execute(
                    "SELECT fetched_at FROM fetches WHERE kind = ?", (kind,)
                ).fetchone()
                moment = None if row is None else row[0]
        return None if moment is None else datetime.fromisoformat(moment)

    def coverage(self, keys: Sequence[str]) -> dict[str, tuple[date, date]]:
        """For each of `keys` that has one, the (first, through) date range fetched so far."""
        found: dict[str, tuple[date, date]] = {}
        with self._tx() as conn:
            for offset in range(0, len(keys), 500):  # stay under SQLite's variable limit
                chunk = list(keys[offset : offset + 500])
                marks = ", ".join("?" * len(chunk))
                for key, first, through in conn.execute(
                    f"SELECT key, first, through FROM coverage WHERE key IN ({marks})", chunk
                ):
                    found[key] = (_date(first), _date(through))
        return found

    def extend_coverage(self, spans: Mapping[str, tuple[date, date]]) -> None:
        """Widen each key's fetched range to include the given (first, through) range."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO coverage (key, first, through) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET first = min(first, excluded.first), "
                "through = max(through, excluded.through)",
                [(key, _day(first), _day(through)) for key, (first, through) in spans.items()],
            )


@dataclass(frozen=True)
class OpenedStore:
    """The store `open_store` could open (None: run without a cache), and one line
    saying what was wrong with the cache and what was done about it (None: nothing)."""

    store: Store | None
    note: str | None = None


def open_store(
    path: Path, *, timeout: float = BUSY_TIMEOUT, now: Callable[[], datetime] = datetime.now
) -> OpenedStore:
    """Open the cache at `path`, healing it: a broken file (unreadable, not a regime
    cache, a newer schema) is moved aside, kept under a name stamped with `now`, and
    a new cache created; a location that cannot be used, or a cache still locked after
    `timeout` seconds, gives no store. Never raises."""
    store, note = Store.open_healed(
        path, timeout=timeout, now=now, without="running without a cache"
    )
    return OpenedStore(store, note)
