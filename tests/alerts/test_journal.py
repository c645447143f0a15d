"""The stored log: entries with their readings round trip, the span and source
filters, the watch state and checklist statuses survive a reopen (an unreadable stored
state starts afresh), the close time, a broken file moved aside, an unusable location,
and two journals (two monitors) writing one file."""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.alerts.entry import LogEntry
from core.alerts.journal import SCHEMA_VERSION, Journal, JournalError, open_journal
from core.alerts.watch import AlertState, WatchState
from core.clock import NEW_YORK

T0 = datetime(2026, 2, 5, 20, 59, tzinfo=UTC)  # 15:59 in New York
STAMP = datetime(2026, 2, 6, 9, 30, 0)


def entry(minutes: int = 0, *, source: str = "yahoo", alert: str = "below_sma200") -> LogEntry:
    return LogEntry(
        time=T0 + timedelta(minutes=minutes),
        session=date(2026, 2, 5),
        kind="alert",
        alert=alert,
        key=alert,
        name="Below the SMA 200",
        severity="warning",
        message="Index crossed below the SMA 200 · 6,812",
        source=source,
        readings={"price.last": 6812.25, "gamma.regime": "negative", "vix.last": None},
    )


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    opened, note = open_journal(tmp_path / "state" / "log.sqlite")
    assert note is None and opened is not None
    return opened


def test_entries_round_trip_with_readings_in_new_york(journal: Journal) -> None:
    status = LogEntry(
        time=T0 + timedelta(microseconds=5),
        session=None,
        kind="status",
        alert="checklist",
        key="bull.positive_gamma",
        name="Positive gamma",
        severity="info",
        message="Positive gamma: pass → fail",
    )
    journal.record([entry(), status])
    got = journal.entries()
    assert got == [entry(), status]  # equal instants; readings, session None kept
    assert all(line.time.tzinfo is NEW_YORK for line in got)
    assert got[0].time.hour == 15


def test_since_until_and_source_filters(journal: Journal) -> None:
    journal.record([entry(10), entry(0), entry(20, source="sim"), entry(30)])
    times = [line.time for line in journal.entries()]
    assert times == sorted(times)
    span = journal.entries(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30))
    assert [line.time - T0 for line in span] == [timedelta(minutes=10), timedelta(minutes=20)]
    assert [line.source for line in journal.entries(source="sim")] == ["sim"]
    new_york = (T0 + timedelta(minutes=30)).astimezone(NEW_YORK)
    assert len(journal.entries(since=new_york, source="yahoo")) == 1


def save(journal: Journal, source: str, state: WatchState, statuses: dict[str, str]) -> None:
    """Keep `state` and `statuses` for `source` through an update that logs nothing."""
    journal.update(source, lambda _state, _statuses: ([], state, statuses, {}))


def test_an_update_steps_the_stored_state_and_keeps_its_lines_in_one_write(
    journal: Journal,
) -> None:
    fired = WatchState({"above": AlertState(confirmed="true", rule="x")})
    seen: list[tuple[WatchState, dict[str, str]]] = []

    def change(state: WatchState, statuses: dict[str, str]) -> Any:
        seen.append((state, statuses))
        return [entry(0)], fired, {"bull.x": "pass"}, {}

    journal.update("yahoo", change)
    journal.update("yahoo", change)
    assert seen == [(WatchState(), {}), (fired, {"bull.x": "pass"})]
    assert len(journal.entries()) == 2

    def broken(state: WatchState, statuses: dict[str, str]) -> Any:
        raise RuntimeError("a bug in the step")

    with pytest.raises(RuntimeError):  # rolled back: the log is as it was, and usable
        journal.update("yahoo", broken)
    assert len(journal.entries()) == 2
    journal.record([entry(1)])
    assert journal.load_state("yahoo") == (fired, {"bull.x": "pass"})
    assert len(journal.entries()) == 3


def test_state_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    state = WatchState(
        {"below_sma200": AlertState(confirmed="true", count=0, last_fired=T0, rule="x < y")}
    )
    with Journal(path) as first:
        assert first.load_state("yahoo") == (WatchState(), {})
        save(first, "yahoo", state, {"bull.positive_gamma": "pass"})
        save(first, "sim", WatchState(), {})
    with Journal(path) as again:
        assert again.load_state("yahoo") == (state, {"bull.positive_gamma": "pass"})
        assert again.load_state("sim") == (WatchState(), {})


@pytest.mark.parametrize(
    ("watch", "statuses"),
    [
        ("not json", "{}"),
        ('{"a": {"confirmed": "maybe"}}', "{}"),
        ("{}", '["pass"]'),
        ("[1]", "{}"),
    ],
)
def test_unreadable_stored_state_starts_afresh(
    journal: Journal, watch: str, statuses: str, caplog: pytest.LogCaptureFixture
) -> None:
    save(journal, "yahoo", WatchState({"a": AlertState(confirmed="true")}), {"k": "pass"})
    with closing(sqlite3.connect(journal.path)) as conn, conn:
        conn.execute("UPDATE state SET watch = ?, statuses = ?", (watch, statuses))
    with caplog.at_level(logging.WARNING, logger="core.alerts.journal"):
        assert journal.load_state("yahoo") == (WatchState(), {})
    assert "stored state of yahoo unreadable" in caplog.text


def test_last_closed(journal: Journal) -> None:
    assert journal.last_closed() is None
    journal.mark_closed(T0)
    journal.mark_closed(T0 + timedelta(hours=1))
    closed = journal.last_closed()
    assert closed == T0 + timedelta(hours=1) and closed is not None
    assert closed.tzinfo is NEW_YORK


def test_naive_times_are_refused(journal: Journal) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.record([replace(entry(), time=datetime(2026, 2, 5, 15, 59))])
    assert journal.entries() == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"this is not a database, just some text" * 200, "not a database"),
        (None, "not a regime log (it holds other)"),
        (SCHEMA_VERSION + 1, "newer version of regime"),
    ],
)
def test_a_broken_file_is_moved_aside(tmp_path: Path, content: object, says: str) -> None:
    path = tmp_path / "log.sqlite"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE other (x)")
            if isinstance(content, int):
                conn.execute(f"PRAGMA user_version = {content}")
    journal, note = open_journal(path, now=lambda: STAMP)
    assert journal is not None and note is not None
    assert says in note and note.endswith(
        "kept as log.sqlite.broken-20260206T093000, started a new one"
    )
    assert (tmp_path / "log.sqlite.broken-20260206T093000").exists()
    journal.record([entry()])
    assert journal.entries() == [entry()]
    journal.close()
    reopened, again = open_journal(path)
    assert reopened is not None and again is None
    reopened.close()


def test_an_unusable_location_gives_no_journal(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    journal, note = open_journal(blocker / "log.sqlite")
    assert journal is None and note is not None
    assert note.startswith(f"log {blocker / 'log.sqlite'}: cannot open")
    assert note.endswith("alerts are not logged") and "\n" not in note
    with pytest.raises(JournalError, match="cannot open"):
        Journal(blocker / "log.sqlite")


def test_two_journals_on_one_file_both_write(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    first, second = Journal(path), Journal(path)
    first.record([entry(0)])
    second.record([entry(1, source="sim")])
    second.mark_closed(T0)
    assert [line.source for line in first.entries()] == ["yahoo", "sim"]
    assert first.last_closed() == T0

    def write(journal: Journal, source: str) -> None:
        for minute in range(40):
            journal.record([entry(minute, source=source)])
            save(journal, source, WatchState(), {"k": str(minute)})

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(second.entries(source="a")) == len(first.entries(source="b")) == 40
    assert first.load_state("b") == (WatchState(), {"k": "39"})
    first.close()
    second.close()
