"""What the app's SQLite files (the cache, `core.store`, and the alerts' log,
`core.alerts.journal`) share: `SqliteFile` opens a file (its folders made) with a busy
timeout, keeps one connection behind a lock so any thread may use it, runs each
transaction under that lock turning sqlite errors into the file's own error class with
a `problem` ("broken", "locked" or "unusable", classified by `problem`), and checks at
open that the file is this schema's (`PRAGMA user_version` and each expected table's
columns) before switching to WAL and creating what is missing; a subclass names its
file ("cache", "log"), its schema and error class, and what it does with an older
schema. `open_healed` opens one without raising: a broken file is moved aside (with
its -wal and -shm, stamped with the time) and a new one made, and an unusable location
gives none, each said in one line. stdlib only."""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Literal, Protocol, Self, cast

Problem = Literal["broken", "locked", "unusable"]
"""Why a file failed: it is not a readable file of this schema (move it aside), another
connection holds it locked, or its location cannot be used (read-only, full,
unopenable)."""

BUSY_TIMEOUT = 10.0
"""Seconds a statement waits for another connection's write lock before failing."""
MEMORY = Path(":memory:")
"""The path of a database that lives in memory only (no folders to make)."""

_BROKEN_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
_LOCKED_CODES = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


class _Failure(Protocol):
    """What a subclass's error class carries besides its message."""

    problem: Problem


def problem(error: BaseException) -> Problem:
    """Classify an sqlite3 or OS error by its SQLite code, or by its text when it has
    none (an error raised by Python code rather than by SQLite)."""
    code = getattr(error, "sqlite_errorname", None)
    text = str(error)
    if code in _BROKEN_CODES or "malformed" in text or "not a database" in text:
        return "broken"
    if code in _LOCKED_CODES or "locked" in text:
        return "locked"
    return "unusable"


def columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
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
def expected_columns(schema: str) -> dict[str, list[str]]:
    """Each table `schema` (a script of CREATE statements) makes and its columns, as
    SQLite reports them."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(schema)
        return columns(conn)
    finally:
        conn.close()


class SqliteFile:
    """One SQLite file at `path` (created with its folders if missing), one connection
    shared behind a lock. Subclasses set `NOUN`, `SCHEMA` and `ERROR` and give
    `schema_version`; `ERROR(message, problem)` must carry `problem`."""

    NOUN: ClassVar[str]
    """What the file is called in messages ("cache PATH: ...") and in "not a regime
    NOUN"."""
    SCHEMA: ClassVar[str]
    """The CREATE ... IF NOT EXISTS script of this schema."""
    ERROR: ClassVar[type[Exception]]
    """The error raised, as `ERROR(message, problem)`."""

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT):
        """Raises `ERROR`, whose `problem` says whether the file is broken, locked, or
        its location unusable."""
        self.path = path
        self._lock = threading.RLock()
        try:
            if path != MEMORY:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=timeout)
        except (OSError, sqlite3.Error) as error:
            raise self.ERROR(f"{self.NOUN} {path}: cannot open ({error})", problem(error)) from None
        try:
            with self._tx() as conn:
                self._init_schema(conn)
        except self.ERROR:
            self._conn.close()
            raise

    def schema_version(self) -> int:
        """The `PRAGMA user_version` this code writes (read when the file is opened)."""
        raise NotImplementedError

    def _foreign_refused(self, version: int) -> bool:
        """Whether tables not of this schema make a file of `version` broken (by
        default always: only a subclass that rebuilds an older file tolerates them)."""
        return True

    def _upgrade(self, conn: sqlite3.Connection, version: int) -> None:
        """Prepare a file of an older `version` (or a new file, 0) for the schema
        script; by default nothing (the tables missing are created)."""

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        """Check the file is this schema's, reading only (a file that is not is left as
        it was found), then switch to WAL and create what is missing."""
        wanted = self.schema_version()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > wanted:
            raise self.ERROR(
                f"{self.NOUN} {self.path}: written by a newer version of regime (schema "
                f"{version}, this one reads {wanted})",
                "broken",
            )
        expected = expected_columns(self.SCHEMA)
        present = columns(conn)
        foreign = [table for table, names in present.items() if expected.get(table) != names]
        if foreign and self._foreign_refused(version):
            raise self.ERROR(
                f"{self.NOUN} {self.path}: not a regime {self.NOUN} (it holds "
                f"{', '.join(sorted(foreign))})",
                "broken",
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if version == wanted and present.keys() == expected.keys():
            # A healthy file opens with reads alone: on a full disk, or while another
            # process holds its write lock.
            return
        self._upgrade(conn, version)
        conn.executescript(self.SCHEMA)
        conn.execute(f"PRAGMA user_version = {wanted}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """The connection, locked, inside one transaction; sqlite errors become `ERROR`."""
        with self._lock:
            try:
                with self._conn:
                    yield self._conn
            except sqlite3.Error as error:
                raise self.ERROR(f"{self.NOUN} {self.path}: {error}", problem(error)) from None

    def close(self) -> None:
        """Close the connection; the object is unusable afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @classmethod
    def open_healed(
        cls, path: Path, *, timeout: float, now: Callable[[], datetime], without: str
    ) -> tuple[Self | None, str | None]:
        """Open the file at `path`, and one line saying what was wrong and what was done
        (None: nothing). A broken file is moved aside, kept under a name stamped with
        `now`, and a new one made; a location that cannot be used, or a file still
        locked after `timeout` seconds, gives None, its line ending with `without` (what
        the app does without the file). Never raises `ERROR`."""
        try:
            return cls(path, timeout=timeout), None
        except cls.ERROR as error:
            if cast(_Failure, error).problem != "broken":
                return None, f"{error}; {without}"
            broken = error
        try:
            aside = move_aside(path, now())
        except OSError as error:
            return None, f"{broken}; cannot move it aside ({error}); {without}"
        try:
            opened = cls(path, timeout=timeout)
        except cls.ERROR as error:
            return None, f"{broken}; kept as {aside.name}; {error}; {without}"
        return opened, f"{broken}; kept as {aside.name}, started a new one"


def move_aside(path: Path, moment: datetime) -> Path:
    """Rename the database at `path` (and its -wal and -shm files) to an unused name
    stamped with `moment`; return the new name of the database."""
    stem = f"{path.name}.broken-{moment:%Y%m%dT%H%M%S}"
    aside = path.with_name(stem)
    count = 1
    while aside.exists():
        count += 1
        aside = path.with_name(f"{stem}-{count}")
    # The write-ahead log goes first: left beside a new database, SQLite would replay
    # the old database's pages into it.
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    os.replace(path, aside)
    return aside
