"""A long load's progress on screen (issue 9, item 7): the progress line fits any
width and any value without raising; in the app, the breadth panel shows the
members' load (a bar, counts and time left) in place of its body while it has no
reading, under its gauge once it has one, and nothing once the load is over; at
80x24 and in ASCII the counts are on screen and not one byte outside ASCII."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.app import App, ComposeResult

from core.sections.breadth import BreadthSection
from core.snapshot import LoadProgress, PanelStatus, Snapshot
from tests.tui.harness import make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot
from widgets import look
from widgets.breadth_panel import BreadthPanel
from widgets.gauge import Gauge
from widgets.progress_line import ProgressLine, progress_line


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text (as tests/faults/test_small_terminals)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


LOADING = LoadProgress(what="members", done=150, total=503, unit="tickers", seconds_left=40)


def with_breadth(snapshot: Snapshot, breadth: BreadthSection) -> Snapshot:
    return snapshot.model_copy(update={"breadth": breadth})


def loading_first() -> Snapshot:
    """The sample with breadth still loading its members: no reading yet."""
    status = PanelStatus(state="CLOSED", detail="loading the members' closes", progress=LOADING)
    return with_breadth(sample_snapshot(), BreadthSection(status=status))


def loading_again() -> Snapshot:
    """The sample with its breadth reading, while the members load again."""
    sample = sample_snapshot()
    status = sample.breadth.status.model_copy(update={"progress": LOADING})
    return with_breadth(sample, sample.breadth.model_copy(update={"status": status}))


VALUES = (-5, 0, 1, 150, 503, 504, 10**12)
LEFT = (None, -3, 0, 40, 3599, 10**9)
WIDTHS = (0, 1, 5, 12, 20, 36, 80, 200)


def test_the_line_fits_any_width_and_any_value() -> None:
    for done, total, left, width in itertools.product(VALUES, VALUES, LEFT, WIDTHS):
        progress = LoadProgress(
            what="members", done=done, total=total, unit="tickers", seconds_left=left
        )
        line = progress_line(progress, width)
        assert cell_len(line.plain) <= width, (progress, width, line.plain)
    assert progress_line(None, 40).plain == ""


def test_the_line_says_counts_and_time_left_with_a_bar_when_there_is_room() -> None:
    wide = progress_line(LOADING, 60).plain
    assert wide.endswith("members 150/503 · about 40s left")
    assert wide.startswith("━") and "╌" in wide
    # Narrower: shorter words, to keep a bar; then no bar.
    assert progress_line(LOADING, 35).plain == "━━╌╌╌╌╌╌ members 150/503 · 40s left"
    assert progress_line(LOADING, 27).plain == "━━╌╌╌╌╌╌ 150/503 · 40s left"
    assert progress_line(LOADING, 20).plain == "150/503 · 40s left"
    assert progress_line(LOADING, 9).plain == "150/503"
    minutes = LOADING.model_copy(update={"seconds_left": 130})
    assert "about 2m left" in progress_line(minutes, 60).plain
    estimating = LOADING.model_copy(update={"seconds_left": None})
    assert "estimating time left" in progress_line(estimating, 60).plain
    no_counts = LoadProgress(what="members", done=0, total=0, unit="tickers")
    assert progress_line(no_counts, 60).plain == "loading members…"


def test_the_bar_fills_with_the_share_done() -> None:
    half = LoadProgress(what="members", done=50, total=100, unit="tickers")
    bar = progress_line(half, 40 + 1 + len("members 50/100 · estimating time left")).plain
    assert bar.startswith("━" * 20 + "╌" * 20 + " ")


def test_the_line_in_ascii_is_ascii() -> None:
    text = look.to_ascii(progress_line(LOADING, 60).plain)
    assert text.isascii()
    assert text.startswith("=") and "-" in text and text.endswith("150/503 . about 40s left")


class LineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ProgressLine()


async def test_the_widget_draws_its_progress_and_repaints_when_it_moves() -> None:
    app = LineApp()
    async with app.run_test(size=(60, 3)) as pilot:
        line = app.query_one(ProgressLine)
        line.progress = LOADING
        await pilot.pause()
        assert "members 150/503 · about 40s left" in screen_text(app)
        line.progress = LOADING.model_copy(update={"done": 200, "seconds_left": 30})
        await pilot.pause()
        assert "members 200/503 · about 30s left" in screen_text(app)
        line.progress = None
        await pilot.pause()
        assert "members" not in screen_text(app)


def breadth_text(app: App[Any]) -> str:
    panel = app.screen.query_one(BreadthPanel)
    lines = screen_text(app).splitlines()
    region = panel.region
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_breadth_shows_the_load_in_place_of_its_body_then_under_its_gauge(
    size: tuple[int, int],
) -> None:
    done = sample_snapshot()
    app = make_app(lambda: FakeFeed(loading_first()))
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        panel = app.dashboard.query_one(BreadthPanel)
        shown = breadth_text(app)
        assert "150/503" in shown, shown
        assert "unknown" not in shown  # the body waits for the load
        assert not panel.query_one(Gauge).display or not panel.has_class("-ready")
        app.publish(loading_again())
        await pilot.pause(0.1)
        shown = breadth_text(app)
        assert "150/503" in shown and "58.4%" in shown, shown
        lines = shown.splitlines()
        gauge = next(n for n, line in enumerate(lines) if "58.4%" in line)
        counts = next(n for n, line in enumerate(lines) if "150/503" in line)
        assert counts > gauge  # under the headline
        app.publish(done)
        await pilot.pause(0.1)
        assert "150/503" not in breadth_text(app)
        assert not panel.has_class("-loading")


async def test_the_load_in_ascii_at_80x24_draws_nothing_outside_ascii() -> None:
    app = make_app(lambda: FakeFeed(loading_again()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        app.use_ascii()
        await pilot.pause(0.3)
        text = screen_text(app)
        outside = sorted({char for char in text if not char.isascii()})
        assert not outside, outside
        assert "150/503" in breadth_text(app)
