"""The last Snapshot on disk: saved by the engine (throttled, keyed by source, never
in replay), loaded only for the same source, and restored with fresh-sounding states
turned STALE so an old reading is never passed off as live; written through a
temporary file of its own, and discarded when it no longer loads."""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core import atomic_file, last_snapshot
from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.replay import Replay
from core.session import MarketSession
from core.snapshot import Snapshot
from tests.fake_source import FakeSource, trending_bars

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)


def live_snapshot(
    moments: list[datetime] | None = None, **engine_args: object
) -> tuple[Engine, Snapshot]:
    sessions = MarketSession().sessions(date(2024, 6, 3), date(2026, 1, 27))
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    source = FakeSource({"^GSPC": trending_bars(index), "^VIX": trending_bars(index, 15.0, 0.0)})
    clock = (lambda: moments[-1]) if moments else fixed_clock(NOW)
    engine = Engine(Settings(), source, clock=clock, session=MarketSession(), **engine_args)  # type: ignore[arg-type]
    return engine, engine.refresh()


def test_round_trip_for_the_same_source_only(tmp_path: Path) -> None:
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    last_snapshot.save(path, snapshot, "auto")
    assert last_snapshot.load(path, "auto") == snapshot
    assert last_snapshot.load(path, "sim") is None
    assert last_snapshot.load(tmp_path / "absent.json", "auto") is None


def test_a_corrupt_or_outdated_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "last.json"
    path.write_text("{not json", encoding="utf-8")
    assert last_snapshot.load(path, "auto") is None
    path.write_text(json.dumps({"source": "auto", "snapshot": {"as_of": "x"}}), encoding="utf-8")
    assert last_snapshot.load(path, "auto") is None


def test_restored_readings_are_never_passed_off_as_live() -> None:
    _, snapshot = live_snapshot()
    assert snapshot.price.status.state == "LIVE"
    old = last_snapshot.restored(snapshot)
    assert old.price.status.state == "STALE"
    assert old.price.status.as_of == snapshot.price.status.as_of
    assert old.price.last == snapshot.price.last
    assert old.source.label == "LIVE · last run"
    assert "last run's readings" in (old.source.detail or "")
    simulated = snapshot.model_copy(
        update={
            "price": snapshot.price.model_copy(
                update={"status": snapshot.price.status.model_copy(update={"state": "SIMULATED"})}
            )
        }
    )
    assert last_snapshot.restored(simulated).price.status.state == "SIMULATED"


async def test_the_engine_saves_at_most_once_a_minute_and_never_in_replay(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "last.json"
    moments = [NOW]
    engine, _ = live_snapshot(moments, snapshot_path=path)
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    while not path.exists():
        await asyncio.sleep(0.01)
    first = path.read_bytes()
    moments.append(NOW + timedelta(seconds=20))
    engine.refresh_now()
    while len(published) < 2:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert path.read_bytes() == first  # 20 s later: not written again
    moments.append(NOW + timedelta(minutes=2))
    engine.refresh_now()
    while path.read_bytes() == first:
        await asyncio.sleep(0.01)
    task.cancel()

    replay_path = tmp_path / "replay.json"
    replay, _ = live_snapshot(snapshot_path=replay_path, replay=Replay(date(2026, 1, 23)))
    replay_task = asyncio.create_task(replay.run(published.append))
    await asyncio.sleep(0.3)
    replay_task.cancel()
    assert not replay_path.exists()


def test_every_save_writes_through_a_temporary_file_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    renamed: list[Path] = []
    replace = os.replace

    def spy(source: str, target: Path) -> None:
        renamed.append(Path(source))
        replace(source, target)

    monkeypatch.setattr(atomic_file.os, "replace", spy)
    last_snapshot.save(path, snapshot, "auto")
    last_snapshot.save(path, snapshot, "auto")
    assert len(set(renamed)) == 2 and all(name.parent == tmp_path for name in renamed)
    assert sorted(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_two_writers_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    start = threading.Barrier(2)

    def write(source: str) -> None:
        start.wait()
        for _ in range(30):
            last_snapshot.save(path, snapshot, source)

    writers = [threading.Thread(target=write, args=(name,)) for name in ("auto", "sim")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert sorted(tmp_path.iterdir()) == [path]
    assert snapshot in (last_snapshot.load(path, "auto"), last_snapshot.load(path, "sim"))


def test_a_file_that_fails_to_load_is_discarded(tmp_path: Path) -> None:
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    last_snapshot.save(path, snapshot, "sim")
    assert last_snapshot.load(path, "auto") is None and path.exists()  # another source's

    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["source"] = "auto"
    saved["snapshot"]["price"]["status"]["state"] = float("nan")  # NaN where text must be
    for broken in (b"{not json", b"\xff\xfe binary", b"[1, 2]", json.dumps(saved).encode()):
        path.write_bytes(broken)
        assert last_snapshot.load(path, "auto") is None
        assert not path.exists()
    last_snapshot.save(path, snapshot, "auto")  # the next save writes a good one again
    assert last_snapshot.load(path, "auto") == snapshot


def test_a_folder_that_cannot_be_written_costs_only_the_saved_snapshot(tmp_path: Path) -> None:
    _, snapshot = live_snapshot()
    (tmp_path / "cache").write_text("a file where the folder should be")
    last_snapshot.save(tmp_path / "cache" / "last.json", snapshot, "auto")  # logged, not raised


def test_a_snapshot_saved_before_the_gamma_section_still_restores(tmp_path: Path) -> None:
    """A file written before issue 10 has no "gamma": it loads, the gamma panel shows its
    fallback saying why, and every other reading is the saved one."""
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    last_snapshot.save(path, snapshot, "auto")
    payload = json.loads(path.read_text(encoding="utf-8"))
    del payload["snapshot"]["gamma"]
    path.write_text(json.dumps(payload), encoding="utf-8")
    loaded = last_snapshot.load(path, "auto")
    assert loaded is not None and path.exists()
    assert loaded.gamma.total_gex_bn is None and loaded.gamma.session is None
    assert loaded.gamma.status.state == "STALE"
    assert loaded.gamma.status.detail == last_snapshot.NOT_SAVED
    assert loaded.model_copy(update={"gamma": snapshot.gamma}) == snapshot
    shown = last_snapshot.restored(loaded)
    assert shown.gamma.status.detail == last_snapshot.NOT_SAVED
    assert shown.price.status.state == "STALE" and shown.price.last == snapshot.price.last


def test_a_snapshot_with_no_section_at_all_is_still_discarded(tmp_path: Path) -> None:
    _, snapshot = live_snapshot()
    path = tmp_path / "last.json"
    data = snapshot.model_dump(mode="json")
    envelope = {key: data[key] for key in ("as_of", "source", "market")}
    path.write_text(json.dumps({"source": "auto", "snapshot": envelope}), encoding="utf-8")
    assert last_snapshot.load(path, "auto") is None
    assert not path.exists()
