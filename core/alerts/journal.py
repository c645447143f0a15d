"""The stored log and the alerts' watch state (`Journal`), in an SQLite file of their
own (log.sqlite in the user state directory) rather than in the cache: the cache is
disposable and moved aside when broken, while the log is the user's record of what
changed. It holds every `LogEntry` (its time, session, alert or checklist item,
message, source and readings as JSON), each source's `WatchState` with the checklist
statuses last seen (so a restart neither re-fires an alert nor reports a change twice),
and when the app was last closed. stdlib sqlite3 in WAL mode with a busy timeout, so
two monitors on one file can both write; one connection behind a lock, so any thread
may use a `Journal`. Times are stored as UTC ISO text with microseconds (a fixed width,
so text order is time order) and read back in New York time. The schema is versioned
with `PRAGMA user_version`. `open_journal` never raises: a file that is not SQLite,
not a regime log, or written by a newer schema is moved aside (kept, stamped with the
time) and a new log started; a location that cannot be written, or a log locked past
the busy timeout, gives no journal; each says what happened in one line."""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import platformdirs

from core.alerts.entry import EntryKind, LogEntry
from core.alerts.watch import WatchState
from core.clock import NEW_YORK
from core.view_settings import APP_NAME

__all__ = [
    "BUSY_TIMEOUT",
    "SCHEMA_VERSION",
    "Journal",
    "JournalError",
    "default_journal_path",
    "open_journal",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
BUSY_TIMEOUT = 10.0
"""Seconds a statement waits for another connection's write lock before failing."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, session TEXT, kind TEXT NOT NULL,
    alert TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, severity TEXT NOT NULL,
    message TEXT NOT NULL, source TEXT NOT NULL, readings TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_time ON entries (time);
CREATE TABLE IF NOT EXISTS state (
    source TEXT PRIMARY KEY, watch TEXT NOT NULL, statuses TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
_ENTRY_COLUMNS = "time, session, kind, alert, key, name, severity, message, source, readings"
_LAST_CLOSED = "last_closed"

JournalProblem = Literal["broken", "locked", "unusable"]
"""Why a log failed: its file is not a readable regime log of this schema (move it
aside), another connection holds it locked, or its location cannot be used."""

_BROKEN_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
_LOCKED_CODES = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


class JournalError(OSError):
    """The log cannot be opened, read or written: one line naming the file."""

    def __init__(self, message: str, problem: JournalProblem = "unusable"):
        super().__init__(message)
        self.problem: JournalProblem = problem


def _problem(error: BaseException) -> JournalProblem:
    """Classify an sqlite3 or OS error by its SQLite code, or by its text."""
    code = getattr(error, "sqlite_errorname", None)
    text = str(error)
    if code in _BROKEN_CODES or "malformed" in text or "not a database" in text:
        return "broken"
    if code in _LOCKED_CODES or "locked" in text:
        return "locked"
    return "unusable"


def default_journal_path() -> Path:
    """log.sqlite in the platform's user state directory."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "log.sqlite"


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The user tables of a database and their columns."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        table: [name for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))]
        for table in tables
    }


@functools.cache
def _expected_columns() -> dict[str, list[str]]:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(_SCHEMA)
        return _columns(conn)
    finally:
        conn.close()


def _utc_iso(moment: datetime) -> str:
    """A time as stored: UTC ISO text, always with microseconds (sorts as time)."""
    if moment.tzinfo is None:
        raise ValueError(f"a timezone-aware datetime is required, not {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _new_york(stored: str) -> datetime:
    return datetime.fromisoformat(stored).astimezone(NEW_YORK)


def _row(entry: LogEntry) -> tuple[object, ...]:
    return (
        _utc_iso(entry.time),
        None if entry.session is None else entry.session.isoformat(),
        entry.kind,
        entry.alert,
        entry.key,
        entry.name,
        entry.severity,
        entry.message,
        entry.source,
        json.dumps(dict(entry.readings), default=str),
    )


def _entry(row: Sequence[Any]) -> LogEntry:
    time, session, kind, alert, key, name, severity, message, source, readings = row
    return LogEntry(
        time=_new_york(time),
        session=None if session is None else date.fromisoformat(session),
        kind=cast(EntryKind, kind),
        alert=alert,
        key=key,
        name=name,
        severity=severity,
        message=message,
        source=source,
        readings=json.loads(readings),
    )


class Journal:
    """The log at `path` (created with its folders if missing)."""

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT):
        """Raises JournalError, whose `problem` says whether the file is broken (see
        `open_journal`), locked, or its location unusable."""
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=timeout)
        except (OSError, sqlite3.Error) as error:
            raise JournalError(f"log {path}: cannot open ({error})", _problem(error)) from None
        try:
            with self._tx() as conn:
                self._init_schema(conn)
        except JournalError:
            self._conn.close()
            raise

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        """Check the file is a regime log of this schema, reading only (a file that is
        not is left as found), then switch to WAL and create what is missing."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"log {self.path}: written by a newer version of regime (schema "
                f"{version}, this one reads {SCHEMA_VERSION})",
                "broken",
            )
        expected = _expected_columns()
        present = _columns(conn)
        foreign = [table for table, columns in present.items() if expected.get(table) != columns]
        if foreign:
            # The log is the user's record: never dropped, moved aside instead.
            raise JournalError(
                f"log {self.path}: not a regime log (it holds {', '.join(sorted(foreign))})",
                "broken",
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if version == SCHEMA_VERSION and present.keys() == expected.keys():
            return  # a healthy log opens with reads alone
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """The connection, locked, inside one transaction; sqlite errors become
        JournalError."""
        with self._lock:
            try:
                with self._conn:
                    yield self._conn
            except sqlite3.Error as error:
                raise JournalError(f"log {self.path}: {error}", _problem(error)) from None

    def close(self) -> None:
        """Close the connection; the Journal is unusable afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # The log -----------------------------------------------------------------------

    def record(self, entries: Sequence[LogEntry]) -> None:
        """Append `entries` (times aware), all in one transaction."""
        if not entries:
            return
        rows = [_row(entry) for entry in entries]
        with self._tx() as conn:
            conn.executemany(
                f"INSERT INTO entries ({_ENTRY_COLUMNS}) VALUES ({', '.join('?' * 10)})", rows
            )

    def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> list[LogEntry]:
        """The stored lines from `since` (inclusive) to `until` (exclusive), of one
        `source` if given, in time order (then the order recorded); times in New York."""
        clauses: list[str] = []
        values: list[object] = []
        if since is not None:
            clauses.append("time >= ?")
            values.append(_utc_iso(since))
        if until is not None:
            clauses.append("time < ?")
            values.append(_utc_iso(until))
        if source is not None:
            clauses.append("source = ?")
            values.append(source)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries{where} ORDER BY time, id", values
            ).fetchall()
        return [_entry(row) for row in rows]

    # The watch state ---------------------------------------------------------------

    def load_state(self, source: str) -> tuple[WatchState, dict[str, str]]:
        """The alerts' state and the checklist statuses (by `thesis.item_id`) last saved
        for `source`; a fresh state and no statuses when none was saved, or when what
        was saved cannot be read (logged as a warning)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT watch, statuses FROM state WHERE source = ?", (source,)
            ).fetchone()
        if row is None:
            return WatchState(), {}
        try:
            state = WatchState.from_dict(json.loads(row[0]))
            statuses = json.loads(row[1])
            if not isinstance(statuses, dict) or not all(
                isinstance(key, str) and isinstance(value, str) for key, value in statuses.items()
            ):
                raise ValueError("checklist statuses are not a table of text")
        except (ValueError, TypeError, AttributeError) as error:
            log.warning(
                "log %s: stored state of %s unreadable, starting afresh (%s)",
                self.path,
                source,
                error,
            )
            return WatchState(), {}
        return state, statuses

    def save_state(self, source: str, state: WatchState, statuses: Mapping[str, str]) -> None:
        """Keep `source`'s alert state and checklist statuses, replacing the last."""
        watch = json.dumps(state.to_dict())
        seen = json.dumps(dict(statuses))
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO state (source, watch, statuses) VALUES (?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET watch = excluded.watch, "
                "statuses = excluded.statuses",
                (source, watch, seen),
            )

    def mark_closed(self, at: datetime) -> None:
        """Record that the app was closed at `at` (aware)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_LAST_CLOSED, _utc_iso(at)),
            )

    def last_closed(self) -> datetime | None:
        """When the app was last closed (New York time), or None if never recorded."""
        with self._tx() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (_LAST_CLOSED,)).fetchone()
        if row is None:
            return None
        try:
            return _new_york(row[0])
        except (ValueError, TypeError):
            log.warning("log %s: stored close time %r unreadable", self.path, row[0])
            return None


def open_journal(
    path: Path | None = None,
    *,
    timeout: float = BUSY_TIMEOUT,
    now: Callable[[], datetime] = datetime.now,
) -> tuple[Journal | None, str | None]:
    """Open the log at `path` (None: `default_journal_path()`), and one line saying what
    was wrong and what was done (None: nothing). A broken file (unreadable, not a regime
    log, a newer schema) is moved aside, kept under a name stamped with `now`, and a new
    log started; a location that cannot be used, or a log still locked after `timeout`
    seconds, gives no journal. Never raises."""
    where = default_journal_path() if path is None else path
    try:
        return Journal(where, timeout=timeout), None
    except JournalError as error:
        if error.problem != "broken":
            return None, f"{error}; alerts are not logged"
        broken = error
    try:
        aside = _move_aside(where, now())
    except OSError as error:
        return None, f"{broken}; cannot move it aside ({error}); alerts are not logged"
    try:
        journal = Journal(where, timeout=timeout)
    except JournalError as error:
        return None, f"{broken}; kept as {aside.name}; {error}; alerts are not logged"
    return journal, f"{broken}; kept as {aside.name}, started a new one"


def _move_aside(path: Path, moment: datetime) -> Path:
    """Rename the log at `path` (and its -wal and -shm files) to an unused name stamped
    with `moment`; return the new name of the log. (The same as core.store's.)"""
    stem = f"{path.name}.broken-{moment:%Y%m%dT%H%M%S}"
    aside = path.with_name(stem)
    count = 1
    while aside.exists():
        count += 1
        aside = path.with_name(f"{stem}-{count}")
    # The write-ahead log goes first: left beside a new log, SQLite would replay the
    # old database's pages into it.
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    os.replace(path, aside)
    return aside
