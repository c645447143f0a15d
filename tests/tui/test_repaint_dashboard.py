"""Pilot tests of what a refresh writes to the terminal (120x40, truecolor), through a
driver that records the app's output (tests/tui/terminal.py): an unchanged Snapshot
writes nothing; a Snapshot whose sections are unchanged rewrites no panel; a price
that moves rewrites only cells of the widgets that show it, and of each line only
the stretch that changed; and whatever the refreshes rewrote, the terminal ends up
showing what a full paint would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import textual.constants
from textual.pilot import Pilot
from textual.widget import Widget

from core.snapshot import PanelStatus, Snapshot
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot
from tests.tui.terminal import RecordingDriver, Terminal, full_paint, terminal_of
from tui.app import RegimeApp
from widgets.price_chart import PriceChart
from widgets.price_panel import PricePanel
from widgets.repaint import TextLine
from widgets.status_line import StatusLine
from widgets.table import ValueTable

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def truecolor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A truecolor terminal: the app keeps its theme (a 16-colour one would switch)."""
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")


def recorded(snapshot: Snapshot) -> RecordingApp:
    """The app on a recording terminal, fed `snapshot` first."""
    app = make_app(lambda: FakeFeed(snapshot))
    app.driver_class = RecordingDriver
    return app


async def shown(pilot: Pilot[Any], snapshot: Snapshot) -> Terminal:
    """Publish `snapshot` and let every repaint it causes reach the terminal."""
    app = pilot.app
    assert isinstance(app, RegimeApp)
    terminal = terminal_of(app)
    terminal.take()
    app.publish(snapshot)
    for delay in (0, 0.05, 0.05, 0):
        await pilot.pause(delay)
    return terminal


def widgets_written(app: RegimeApp, cells: set[tuple[int, int]]) -> set[Widget]:
    """The widgets on top at each written cell."""
    return {app.screen.get_widget_at(x, y)[0] for x, y in cells}


def price_moved(snapshot: Snapshot, points: float) -> Snapshot:
    """`snapshot` with the index `points` higher: its last price, day's change and the
    chart's last close, as a live quote moves them; every other section as it was."""
    price = snapshot.price
    assert price.last is not None and price.prev_close is not None
    last = price.last + points
    history = price.history.model_copy(update={"closes": (*price.history.closes[:-1], last)})
    moved = price.model_copy(
        update={
            "last": last,
            "change_pct": (last / price.prev_close - 1) * 100,
            "history": history,
        }
    )
    return snapshot.model_copy(update={"price": moved})


def within_status_line(widget: Widget) -> bool:
    return any(isinstance(node, StatusLine) for node in widget.ancestors_with_self)


async def test_an_equal_snapshot_writes_nothing() -> None:
    snapshot = sample_snapshot()
    app = recorded(snapshot)
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert terminal_of(app).screen, "the recording terminal saw no first paint"
        written = await shown(pilot, snapshot.model_copy(deep=True))
        assert written.latest.bytes == 0


async def test_unchanged_sections_rewrite_no_panel() -> None:
    snapshot = sample_snapshot()
    app = recorded(snapshot)
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_for_data(pilot)
        later = snapshot.model_copy(update={"as_of": snapshot.as_of + timedelta(seconds=15)})
        written = (await shown(pilot, later)).take()
        outside = {
            widget
            for widget in widgets_written(app, written.cells)
            if not within_status_line(widget)
        }
        assert outside == set()


async def test_a_price_move_rewrites_only_the_cells_that_show_it() -> None:
    snapshot = sample_snapshot()
    app = recorded(snapshot)
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_for_data(pilot)
        terminal = terminal_of(app)
        before = dict(terminal.screen)
        written = (await shown(pilot, price_moved(snapshot, 1.25))).take()
        after = terminal.screen

        panel = app.dashboard.query_one(PricePanel)
        touched = widgets_written(app, written.cells)
        headline = panel.query_one(".price--headline", TextLine)
        # The headline and the levels' `▶ last` row show the price; the chart may move
        # its last point; nothing else, the panel's frame included, is rewritten.
        assert {headline, panel.levels} <= touched <= {headline, panel.levels, panel.chart}
        assert all(isinstance(widget, TextLine | ValueTable | PriceChart) for widget in touched)
        changed = {cell for cell in after if before.get(cell) != after[cell]}
        assert changed <= written.cells
        for row in written.rows:
            columns = [x for x, y in changed if y == row]
            assert columns, f"row {row} rewritten with nothing changed in it"
            xs = [x for x, y in written.cells if y == row]
            # Textual writes a dirty span from the left edge of the widget it starts in.
            _, region = app.screen.get_widget_at(min(columns), row)
            assert region.x <= min(xs) and max(xs) <= max(columns), f"row {row}"


async def test_after_partial_repaints_the_terminal_shows_a_full_paint() -> None:
    snapshot = sample_snapshot()
    app = recorded(snapshot)
    stale = PanelStatus(state="STALE", as_of=snapshot.price.status.as_of, detail="quotes delayed")
    steps = [
        price_moved(snapshot, 3.5),
        price_moved(snapshot, -40.0),  # a bigger move: the chart's scale may shift
        sample_snapshot(last=6990.0),  # every price-based section moves
        snapshot.model_copy(
            update={"vix": snapshot.vix.model_copy(update={"status": stale})}
        ),  # a panel goes stale: its border, classes and why-line change
        snapshot,
    ]
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_for_data(pilot)
        terminal = terminal_of(app)
        for number, step in enumerate(steps):
            await shown(pilot, step)
            assert terminal.screen == full_paint(app), f"step {number}"
        for key in ("t", "c"):  # the other thesis (verdict, checklist, emphasis); a theme
            await pilot.press(key)
            await shown(pilot, price_moved(snapshot, 7.0 if key == "t" else -7.0))
            assert terminal.screen == full_paint(app), f"after the {key} key and a move"
