"""After the first frame the monitor restores the last run's reading before its engine
thread loads the settings: the two threads never build pydantic models at once, and
the last reading is shown before the fresh one."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from core import last_snapshot
from core.config import Settings
from core.thesis import Thesis
from core.view_settings import ViewSettings
from tui.cli import BadInput, make_monitor


async def test_the_settings_load_after_the_last_reading_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    configured = threading.Event()

    def slow_load(path: Path, source: str, *args: Any) -> None:
        events.append("restore started")
        time.sleep(0.3)
        events.append("restore done")

    def configure() -> tuple[Settings, Mapping[str, Thesis]]:
        events.append("configure")
        configured.set()
        raise BadInput("stop here: the engine is not needed")

    monkeypatch.setattr(last_snapshot, "load", slow_load)
    app = make_monitor(ViewSettings(source="sim"), None, configure)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            if configured.is_set():
                break
            await pilot.pause(0.02)
    assert events == ["restore started", "restore done", "configure"]
    assert app.refusal == "stop here: the engine is not needed"
