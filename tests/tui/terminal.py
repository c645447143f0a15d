"""A terminal that records what a Textual app writes, for the repaint tests and
bench/repaint.py. `RecordingDriver` is Textual's headless driver (no real terminal, a
fixed size, no input) except that it says it is not headless, so the app renders its
updates, and it hands every write to the app's `Terminal` instead of dropping it.
`Terminal` models the screen from the escape sequences Textual writes (cursor moves,
SGR styles, text; anything else is skipped): what each cell shows, with its style,
and which cells, rows and bytes each stretch of writes touched. `full_paint` models
what a fresh full paint of the app's screen would show, to compare with."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from rich.cells import cell_len
from rich.control import Control
from textual._styles_cache import StylesCache
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from textual.widget import Widget

SEQUENCE = re.compile(
    r"\x1b\[(?P<params>[0-9;?<>=]*)(?P<command>[A-Za-z])|\x1b[^\[]|(?P<newline>\n)|(?P<text>[^\x1b\n]+)"
)
"""One escape sequence (CSI with its parameters, or any other escape), a newline, or a
run of text."""

Cell = tuple[str, str]
"""What a cell shows: its character and the SGR parameters it was written with."""


@dataclass
class Writes:
    """What a stretch of writes did to the screen."""

    bytes: int = 0
    """Bytes written (UTF-8)."""
    cells: set[tuple[int, int]] = field(default_factory=set)
    """Cells written, as (x, y) from 0."""

    @property
    def rows(self) -> set[int]:
        """The rows any cell was written in."""
        return {y for _, y in self.cells}


class Terminal:
    """The screen an app's writes produce, and what the latest writes touched."""

    def __init__(self) -> None:
        self.screen: dict[tuple[int, int], Cell] = {}
        """Every cell written so far, as it shows now."""
        self.latest = Writes()
        """What the writes since the last `take` touched."""
        self._x = self._y = 0
        self._style = ""

    def write(self, data: str) -> None:
        """Apply `data` to the screen, as a terminal would."""
        self.latest.bytes += len(data.encode())
        for match in SEQUENCE.finditer(data):
            if match["text"] is not None:
                self._put(match["text"])
            elif match["newline"] is not None:
                self._x, self._y = 0, self._y + 1
            elif match["command"] == "H":
                row, _, column = (match["params"] or "1;1").partition(";")
                self._y, self._x = int(row or 1) - 1, int(column or 1) - 1
            elif match["command"] == "m":
                params = match["params"]
                self._style = "" if params in ("", "0") else f"{self._style};{params}"

    def _put(self, text: str) -> None:
        for character in text:
            if character == "\r":
                self._x = 0
                continue
            width = cell_len(character)
            for offset in range(max(1, width)):
                cell = (self._x + offset, self._y)
                self.screen[cell] = (character if offset == 0 else "", self._style)
                self.latest.cells.add(cell)
            self._x += width

    def take(self) -> Writes:
        """What the writes since the last call touched (and start counting again)."""
        latest, self.latest = self.latest, Writes()
        return latest


_terminals: WeakKeyDictionary[App[Any], Terminal] = WeakKeyDictionary()


def terminal_of(app: App[Any]) -> Terminal:
    """The terminal an app run with `RecordingDriver` writes to."""
    return _terminals.setdefault(app, Terminal())


class RecordingDriver(HeadlessDriver):
    """A headless driver whose app renders, writing to its `Terminal`."""

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        terminal_of(self._app).write(data)


async def settled(pilot: Pilot[Any]) -> None:
    """Pause until the app (run with `RecordingDriver`) has written nothing for a few
    pauses in a row: every repaint it had pending has reached its terminal."""
    terminal = terminal_of(pilot.app)
    quiet = 0
    while quiet < 3:
        before = terminal.latest.bytes
        await pilot.pause(0.02)
        quiet = quiet + 1 if terminal.latest.bytes == before else 0


def full_paint(app: App[Any]) -> dict[tuple[int, int], Cell]:
    """What a fresh full paint of the app's current screen would show: every widget
    rendered anew from what it holds now (its own render caches set aside for the
    paint and put back after, so the app is not disturbed and a stale cache cannot
    make the terminal and the reference agree)."""
    widgets = [app.screen, *app.screen.walk_children(Widget)]
    kept = [
        (w._styles_cache, w._render_cache, dict(w._layout_cache), set(w._dirty_regions))
        for w in widgets
    ]
    try:
        for widget in widgets:
            widget._styles_cache = StylesCache()
            widget._layout_cache.clear()
            widget._dirty_regions.add(widget.size.region)  # render_line renders anew
        strips = app.screen._compositor.render_strips()
    finally:
        for widget, (styles, render, layout, dirty) in zip(widgets, kept, strict=True):
            widget._styles_cache, widget._render_cache = styles, render
            widget._layout_cache.clear()
            widget._layout_cache.update(layout)
            widget._dirty_regions.clear()
            widget._dirty_regions.update(dirty)
    fresh = Terminal()
    for y, strip in enumerate(strips):
        fresh.write(Control.move_to(0, y).segment.text + strip.render(app.console))
    return fresh.screen
