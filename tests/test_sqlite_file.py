"""core.sqlite_file: what the cache and the log share, through a minimal file of its own
(the cache's and the log's own tests cover each one's messages and schema handling)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from core.sqlite_file import Problem, SqliteFile, move_aside, problem


class NotesError(Exception):
    def __init__(self, message: str, problem: Problem = "unusable"):
        super().__init__(message)
        self.problem: Problem = problem


class Notes(SqliteFile):
    NOUN = "notes"
    SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    ERROR = NotesError

    def schema_version(self) -> int:
        return 3


MOMENT = datetime(2026, 3, 9, 14, 30, 5)


def test_errors_are_classified_by_code_then_by_text() -> None:
    corrupt = sqlite3.DatabaseError("anything")
    corrupt.sqlite_errorname = "SQLITE_CORRUPT"
    busy = sqlite3.OperationalError("anything")
    busy.sqlite_errorname = "SQLITE_BUSY"
    assert problem(corrupt) == "broken"
    assert problem(busy) == "locked"
    assert problem(sqlite3.DatabaseError("file is not a database")) == "broken"
    assert problem(sqlite3.OperationalError("database is locked")) == "locked"
    assert problem(PermissionError("read-only file system")) == "unusable"


def test_a_new_file_gets_the_schema_in_wal_and_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "notes.sqlite"
    with Notes(path) as notes, notes._tx() as conn:
        conn.execute("INSERT INTO notes (text) VALUES ('kept')")
    with Notes(path) as again, again._tx() as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("kept",)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_errors_in_a_transaction_become_the_files_error(tmp_path: Path) -> None:
    message = r"^notes .*notes\.sqlite: no such table"
    with (
        Notes(tmp_path / "notes.sqlite") as notes,
        pytest.raises(NotesError, match=message) as caught,
        notes._tx() as conn,
    ):
        conn.execute("SELECT * FROM missing")
    assert caught.value.problem == "unusable"


def test_foreign_tables_are_refused_as_broken_and_left_as_found(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE recipes (name TEXT)")
    other.close()
    with pytest.raises(NotesError, match=r"not a regime notes \(it holds recipes\)") as caught:
        Notes(path)
    assert caught.value.problem == "broken"
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    other.close()


def test_moving_aside_takes_the_side_files_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    for name in ("notes.sqlite", "notes.sqlite-wal", "notes.sqlite-shm"):
        (tmp_path / name).write_text(name)
    first = move_aside(path, MOMENT)
    path.write_text("again")
    second = move_aside(path, MOMENT)
    assert first.name == "notes.sqlite.broken-20260309T143005"
    assert second.name == "notes.sqlite.broken-20260309T143005-2"
    assert (tmp_path / f"{first.name}-wal").read_text() == "notes.sqlite-wal"
    assert (tmp_path / f"{first.name}-shm").read_text() == "notes.sqlite-shm"
    assert second.read_text() == "again"
    assert not path.exists()


def test_open_healed_moves_a_broken_file_aside_and_starts_anew(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"not sqlite at all" * 100)
    notes, note = Notes.open_healed(path, timeout=1.0, now=lambda: MOMENT, without="no notes")
    assert notes is not None
    notes.close()
    assert note is not None
    assert note.startswith(f"notes {path}: ")
    assert note.endswith("; kept as notes.sqlite.broken-20260309T143005, started a new one")


def test_open_healed_gives_none_and_a_line_for_an_unusable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    notes, note = Notes.open_healed(
        blocker / "notes.sqlite", timeout=1.0, now=lambda: MOMENT, without="no notes"
    )
    assert notes is None
    assert note is not None
    assert note.startswith(f"notes {blocker / 'notes.sqlite'}: cannot open (")
    assert note.endswith("; no notes")
