"""What the Today screen shows, pinned as SVG snapshots (tests/tui/__snapshots__): the
day's log from a fake watcher at fixed times, at 100x30, at 80x24 (the smallest usable
terminal) in ASCII only under NO_COLOR, and the empty log. Regenerate with
`uv run pytest tests/tui/test_today_snapshots.py --snapshot-update` and look at the
result before accepting."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.alert_fakes import AlertingFeed, FakeToday, FakeWatcher
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tui.screens.today import TODAY_GROUP, TodayScreen


async def open_today(pilot: Pilot[Any]) -> None:
    """The first Snapshot on screen, then the Today screen with its log loaded."""
    await wait_for_data(pilot)
    app = pilot.app
    await pilot.press("l")
    for _ in range(250):
        await pilot.pause(0.02)
        loading = [w for w in app.workers if w.group == TODAY_GROUP and not w.is_finished]
        if isinstance(app.screen, TodayScreen) and not loading:
            break
    await pilot.pause()


async def open_today_ascii(pilot: Pilot[Any]) -> None:
    """As `open_today`, on a terminal whose locale is not UTF-8."""
    app = pilot.app
    assert isinstance(app, RecordingApp)
    await open_today(pilot)
    app.use_ascii()
    await pilot.pause()


def today_app(watcher: FakeWatcher | None = None) -> RecordingApp:
    feed = AlertingFeed(watcher)
    return make_app(lambda: feed)


def test_today_100x30(snap_compare: Any) -> None:
    assert snap_compare(today_app(), terminal_size=(100, 30), run_before=open_today)


def test_today_ascii_no_color_80x24(snap_compare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(today_app(), terminal_size=(80, 24), run_before=open_today_ascii)


def test_today_empty_80x24(snap_compare: Any) -> None:
    empty = FakeWatcher(FakeToday())
    assert snap_compare(today_app(empty), terminal_size=(80, 24), run_before=open_today)
