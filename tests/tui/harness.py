"""Helpers for the TUI tests: an app on the fixed evening clock fed by a FakeFeed (and
recording its notifications), and a wait until the first Snapshot is on screen with
the chart, which mounts after the first paint, in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from core.clock import fixed_clock
from core.config import Settings
from core.engine import SnapshotFeed
from core.snapshot import Thesis
from tests.tui.sample import EVENING, FakeFeed
from tui.app import RegimeApp
from widgets.price_panel import PricePanel


class RecordingApp(RegimeApp):
    """RegimeApp that also keeps the text of every notification it shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notes.append(message)
        super().notify(message, **kwargs)


def make_app(
    feed_factory: Callable[[], SnapshotFeed] | None = None,
    *,
    theme: str = "regime-dark",
    thesis: Thesis = "bull",
) -> RecordingApp:
    """An app on the fixed evening clock, fed by `feed_factory` (a FakeFeed by default)."""
    settings = Settings(theme=theme, thesis=thesis)
    return RecordingApp(settings, feed_factory or FakeFeed, clock=fixed_clock(EVENING))


async def wait_for_data(pilot: Pilot[Any]) -> None:
    """Pause until the app shows a Snapshot and the price chart is mounted."""
    app = pilot.app
    assert isinstance(app, RegimeApp)
    for _ in range(200):
        await pilot.pause(0.02)
        if app.snapshot is not None and app.dashboard.query_one(PricePanel).chart is not None:
            await pilot.pause()
            return
    raise AssertionError("no Snapshot reached the screen")
