"""A `RepaintsChanges` widget shows every change, not only the first: each change is
diffed against a fresh render of the new content (Textual keeps a widget's last visual
until a refresh, so a diff against the cached one would find nothing after the first
change and leave the old text on the terminal), and the changed span of a line that
got shorter runs to the end of the longer one."""

from __future__ import annotations

from typing import Any

import pytest
import textual.constants
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from tests.tui.terminal import RecordingDriver, full_paint, settled, terminal_of
from widgets.repaint import TextLine, changed_span


class OneLine(App[None]):
    CSS = "TextLine { width: 1fr; height: 1; }"

    def compose(self) -> ComposeResult:
        yield TextLine("quote 6,900.00")


@pytest.fixture(autouse=True)
def truecolor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cells compare by their truecolor escape codes."""
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")


def recorded(app: App[None]) -> App[None]:
    """`app`, to be run on a recording terminal."""
    app.driver_class = RecordingDriver
    return app


def row(app: App[Any], y: int = 0) -> str:
    """What the recorded terminal shows on row `y`."""
    screen = terminal_of(app).screen
    width = app.size.width
    return "".join(screen.get((x, y), (" ", ""))[0] for x in range(width)).rstrip()


async def test_every_change_reaches_the_terminal_and_only_its_row() -> None:
    app = recorded(OneLine())
    async with app.run_test(headless=False, size=(40, 3)) as pilot:
        line = app.query_one(TextLine)
        await settled(pilot)
        assert row(app) == "quote 6,900.00"
        for price in ("6,901.25", "6,899.50", "6,905.00", "6,905.75"):
            terminal_of(app).take()
            line.update(f"quote {price}")
            await settled(pilot)
            assert row(app) == f"quote {price}"
            assert terminal_of(app).take().rows == {0}  # nothing else was written


def test_a_shorter_line_is_rewritten_to_the_end_of_the_longer() -> None:
    """Cells are compared in place: two lines of different lengths share no end, so
    the span runs to the end of the longer (a suffix matched from the right would
    leave a stale character where the text moved left)."""
    before = Strip([Segment("6,985.03 +19.40 (+0.28%)")])
    after = Strip([Segment("6,971.03 +5.40 (+0.08%)")])
    assert changed_span(before, after) == (3, len("6,985.03 +19.40 (+0.28%)"))
    same_length = Strip([Segment("6,985.03 +19.40 (+0.27%)")])
    assert changed_span(before, same_length) == (21, 22)
    assert changed_span(before, before) is None


class ThreeLines(App[None]):
    CSS = "TextLine { width: 1fr; height: 3; }"

    def compose(self) -> ComposeResult:
        yield TextLine("aaaa\nbbbb\ncccc")


def rows(app: App[Any], count: int = 3) -> list[str]:
    return [row(app, y) for y in range(count)]


async def test_a_change_made_while_another_waits_to_be_drawn_is_drawn_too() -> None:
    """Change A is diffed and its row marked; change B comes before the screen draws,
    and the screen draws A's row from a render that already holds B. B's own diff must
    still compare with what the terminal shows (the lines as the batch began), not
    with that newer render, or B's other row would never be drawn."""
    app = recorded(ThreeLines())
    async with app.run_test(headless=False, size=(20, 4)) as pilot:
        lines = app.query_one(TextLine)
        await settled(pilot)
        assert rows(app) == ["aaaa", "bbbb", "cccc"]
        lines.update("AAAA\nbbbb\ncccc")
        lines._repaint_changed_cells()  # A's diff runs at once
        lines.update("AAAA\nbbbb\nCCCC")
        # The compositor renders the widget (for A's row) before B's diff runs.
        lines.render_lines(Region(0, 0, lines.outer_size.width, lines.outer_size.height))
        await settled(pilot)
        assert rows(app) == ["AAAA", "bbbb", "CCCC"]


async def test_a_changed_wide_character_is_written_whole() -> None:
    app = recorded(ThreeLines())
    async with app.run_test(headless=False, size=(20, 4)) as pilot:
        lines = app.query_one(TextLine)
        lines.update("a中b\nx\ny")
        await settled(pilot)
        lines.update("a国b\nx\ny")
        await settled(pilot)
        assert rows(app)[0] == "a国b"


def test_a_span_never_cuts_a_wide_character() -> None:
    assert changed_span(Strip([Segment("a中b")]), Strip([Segment("a国b")])) == (1, 3)
    assert changed_span(Strip([Segment("中b")]), Strip([Segment("中c")])) == (2, 3)


async def test_the_full_paint_reference_sees_a_row_left_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The repaint tests' reference (`full_paint`) renders every widget anew: a change
    that never reached the terminal makes them differ, even once the widget's own
    render cache holds the new text."""
    app = recorded(ThreeLines())
    async with app.run_test(headless=False, size=(20, 4)) as pilot:
        lines = app.query_one(TextLine)
        await settled(pilot)
        assert terminal_of(app).screen == full_paint(app)
        monkeypatch.setattr(lines, "_repaint_changed_cells", lambda: None)  # a lost change
        lines.update("aaaa\nbbbb\nCCCC")
        lines.render_lines(Region(0, 0, lines.outer_size.width, lines.outer_size.height))
        await settled(pilot)
        assert rows(app)[2] == "cccc"
        assert terminal_of(app).screen != full_paint(app)
        assert rows(app)[2] == "cccc"  # and taking the reference repainted nothing
