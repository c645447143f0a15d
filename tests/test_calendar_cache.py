"""The calendar cache: the schedule read back equals the one exchange_calendars builds
(sessions, opens, closes, early closes, exactly); a truncated, corrupt or foreign file,
one from another exchange_calendars version and one built over a week ago are ignored
and rewritten; a cache folder that cannot be written means no cache, not a failure;
and a warm start does not import exchange_calendars at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest

from core import atomic_file, calendar_cache
from core.calendar_cache import MAX_AGE, CalendarTable, cached_table, library_versions
from core.session import CALENDAR_START, _built_table, _Schedule, nyse_calendar

TODAY = date.today()
ROOT = Path(__file__).resolve().parents[1]


class Builds:
    """A build function that counts its calls (the real build, made once per process)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> CalendarTable:
        self.calls += 1
        return _built_table()


def versions() -> dict[str, str]:
    found = library_versions()
    assert found is not None
    return found


def cached(path: Path, build: Callable[[], CalendarTable], today: date = TODAY) -> CalendarTable:
    return cached_table(path, today, build, first=CALENDAR_START)


def never() -> CalendarTable:
    raise AssertionError("the cache file should have been used")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / calendar_cache.FILE_NAME


def test_the_schedule_read_back_is_exactly_the_one_exchange_calendars_builds(path: Path) -> None:
    build = Builds()
    written = cached(path, build)
    read = cached(path, never)
    assert build.calls == 1
    assert read == written
    schedule = _Schedule.of(read)
    calendar = nyse_calendar()
    assert schedule.sessions == [stamp.date() for stamp in calendar.sessions]
    assert schedule.sessions[0] == CALENDAR_START
    assert schedule.sessions[-1] >= TODAY + timedelta(days=358)
    assert schedule.opens == [stamp.to_pydatetime() for stamp in calendar.opens]
    assert schedule.closes == [stamp.to_pydatetime() for stamp in calendar.closes]
    assert schedule.early == {stamp.date() for stamp in calendar.early_closes}
    assert len(schedule.early) > 50  # 13:00 closes since 2000, not an empty set
    assert all(opened.tzinfo == UTC for opened in schedule.opens)


def damaged(text: bytes) -> list[bytes]:
    """Ways a cache file is found broken: truncated anywhere, a time changed, empty,
    random bytes, JSON that is not ours, a schedule out of order under a right CRC."""
    header, _, body = text.partition(b"\n")
    moved = json.loads(body)
    moved["opens"][100] += 60  # a plausible schedule, but not the one sealed
    edited = json.dumps(moved, separators=(",", ":")).encode()
    swapped = json.loads(body)
    swapped["days"][5], swapped["days"][6] = swapped["days"][6], swapped["days"][5]
    resealed = json.dumps(swapped, separators=(",", ":")).encode()
    head = json.loads(header) | {"crc32": zlib.crc32(resealed)}
    return [
        text[: len(text) // 2],
        text[: len(header) + 1],
        text[:-1],
        header[:10],
        header + b"\n" + edited,
        b"",
        os.urandom(4096),
        b'{"schema": 3}\n[]',
        b'{"format": 1}\n{}',
        json.dumps(head).encode() + b"\n" + resealed,
    ]


def test_a_truncated_corrupt_or_foreign_file_is_ignored_and_rewritten(path: Path) -> None:
    good = cached(path, Builds())
    text = path.read_bytes()
    for number, broken in enumerate(damaged(text)):
        path.write_bytes(broken)
        build = Builds()
        assert cached(path, build) == good, number
        assert build.calls == 1, number
        assert path.read_bytes() == text, number  # rewritten whole
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temporaries


def test_a_cache_of_another_exchange_calendars_version_is_ignored(path: Path) -> None:
    other = versions() | {"exchange_calendars": "4.0.0"}
    calendar_cache.write(path, other, TODAY, _built_table())
    build = Builds()
    cached(path, build)
    assert build.calls == 1
    assert json.loads(path.read_bytes().partition(b"\n")[0])["versions"] == versions()
    cached(path, never)


def test_a_cache_of_another_pandas_version_is_ignored(path: Path) -> None:
    calendar_cache.write(path, versions() | {"pandas": "2.2.3"}, TODAY, _built_table())
    build = Builds()
    cached(path, build)
    assert build.calls == 1


@pytest.mark.parametrize(
    ("age", "used"),
    [(timedelta(0), True), (MAX_AGE, True), (MAX_AGE + timedelta(days=1), False),
     (timedelta(days=-1), False)],
)  # fmt: skip
def test_a_build_older_than_a_week_or_from_the_future_is_rebuilt(
    path: Path, age: timedelta, used: bool
) -> None:
    calendar_cache.write(path, versions(), TODAY - age, _built_table())
    build = Builds()
    cached(path, build)
    assert build.calls == (0 if used else 1)
    built = json.loads(path.read_bytes().partition(b"\n")[0])["built"]
    assert built == (TODAY - age if used else TODAY).isoformat()


def test_a_schedule_that_stops_short_of_the_year_ahead_is_rebuilt(path: Path) -> None:
    full = _built_table()
    short = sum(day < (TODAY + timedelta(days=200)).toordinal() for day in full.days)
    cut = CalendarTable(
        days=full.days[:short],
        opens=full.opens[:short],
        closes=full.closes[:short],
        early=[day for day in full.early if day in set(full.days[:short])],
    )
    calendar_cache.write(path, versions(), TODAY, cut)
    build = Builds()
    assert cached(path, build) == full
    assert build.calls == 1


def test_a_cache_folder_that_cannot_be_written_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    build = Builds()
    table = cached(blocker / calendar_cache.FILE_NAME, build)
    assert table == _built_table()
    assert build.calls == 1


def test_a_full_disk_leaves_no_temporary_behind(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "replace", full)
    build = Builds()
    cached(path, build)
    assert build.calls == 1
    assert list(path.parent.iterdir()) == []


def test_without_library_versions_the_schedule_is_built_and_not_cached(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_cache, "library_versions", lambda: None)
    build = Builds()
    cached(path, build)
    assert build.calls == 1
    assert not path.exists()


def test_the_cache_lives_in_the_user_cache_folder_beside_the_store() -> None:
    from core.store import default_store_path

    assert calendar_cache.calendar_cache_path().parent == default_store_path().parent


WARM_START = """
import sys
from core.session import MarketSession
from core.sources.sim import _session_calendar

MarketSession().state()
_session_calendar()
print("exchange_calendars" in sys.modules)
"""


def test_a_warm_start_does_not_import_exchange_calendars(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def imported() -> str:
        run = subprocess.run(
            [sys.executable, "-c", WARM_START], cwd=ROOT, env=env, capture_output=True,
            text=True, check=True, timeout=60,
        )  # fmt: skip
        return run.stdout.strip()

    assert imported() == "True"  # cold: built, and the cache written
    assert (tmp_path / "regime" / calendar_cache.FILE_NAME).exists()
    assert imported() == "False"
