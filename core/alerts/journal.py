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

import json
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import platformdirs

from core.alerts.entry import EntryKind, LogEntry
from core.alerts.watch import WatchState
from core.clock import NEW_YORK
from core.sqlite_file import BUSY_TIMEOUT, Problem, SqliteFile, problem
from core.view_settings import APP_NAME

if TYPE_CHECKING:
    from core.alerts.watcher import Step

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
_INSERT = f"INSERT INTO entries ({_ENTRY_COLUMNS}) VALUES ({', '.join('?' * 10)})"
_SAVE = (
    "INSERT INTO state (source, watch, statuses) VALUES (?, ?, ?) "
    "ON CONFLICT (source) DO UPDATE SET watch = excluded.watch, statuses = excluded.statuses"
)
_LAST_CLOSED = "last_closed"

JournalProblem = Problem
"""Why a log failed: its file is not a readable regime log of this schema (move it
aside), another connection holds it locked, or its location cannot be used."""


class JournalError(OSError):
    """The log cannot be opened, read or written: one line naming the file."""

    def __init__(self, message: str, problem: JournalProblem = "unusable"):
        super().__init__(message)
        self.problem: JournalProblem = problem


def default_journal_path() -> Path:
    """log.sqlite in the platform's user state directory."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "log.sqlite"


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


def _dumped(state: WatchState, statuses: Mapping[str, str]) -> tuple[str, str]:
    """A state and statuses as the state table stores them."""
    return json.dumps(state.to_dict()), json.dumps(dict(statuses))


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


class Journal(SqliteFile):
    """The log at `path` (created with its folders if missing). Raises JournalError,
    whose `problem` says whether the file is broken (see `open_journal`), locked, or its
    location unusable. A file holding tables not of this schema is refused whatever its
    version: the log is the user's record, never dropped, moved aside instead."""

    NOUN = "log"
    SCHEMA = _SCHEMA
    ERROR = JournalError

    def schema_version(self) -> int:
        return SCHEMA_VERSION

    # The log -----------------------------------------------------------------------

    def record(self, entries: Sequence[LogEntry]) -> None:
        """Append `entries` (times aware), all in one transaction."""
        if not entries:
            return
        rows = [_row(entry) for entry in entries]
        with self._tx() as conn:
            conn.executemany(_INSERT, rows)

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
        return self._parsed(source, row)

    def _parsed(self, source: str, row: Sequence[Any] | None) -> tuple[WatchState, dict[str, str]]:
        """A stored state row read (a fresh state when absent or unreadable, logged)."""
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

    def update(
        self,
        source: str,
        change: Callable[[WatchState, dict[str, str]], Step],
    ) -> Step:
        """Run `change` on `source`'s stored state and statuses and keep what it gives
        (its lines, and the new state and statuses when they differ) in one write
        transaction, begun before the state is read: two monitors on one log step one
        state in turn, so a change one has logged the other finds already done. What
        `change` raises rolls the transaction back and is raised."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT watch, statuses FROM state WHERE source = ?", (source,)
                    ).fetchone()
                    state, statuses = self._parsed(source, row)
                    done = change(state, dict(statuses))
                    entries, new_state, new_statuses, _pending = done
                    if entries:
                        conn.executemany(_INSERT, [_row(entry) for entry in entries])
                    if (new_state, dict(new_statuses)) != (state, statuses):
                        conn.execute(_SAVE, (source, *_dumped(new_state, new_statuses)))
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                raise JournalError(f"log {self.path}: {error}", problem(error)) from None
        return done

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
    return Journal.open_healed(where, timeout=timeout, now=now, without="alerts are not logged")
