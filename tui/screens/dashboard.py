"""The dashboard: the status line and the verdict on top, the panels (eight: price,
RSI, breadth, VIX, CTA trend, the checklist, dealer gamma, historical edge) in a grid
that reflows with the terminal's size (see themes/regime.tcss), and the footer of key bindings. The
screen takes a whole Snapshot and hands each panel its own section; it carries the
thesis in view as a class (`-bull` / `-bear`) so styles follow it, and marks the panels
that view emphasises `-emphasised` (accent border). `SizedScreen`, its base (and the
detail screen's), keeps the size classes right, `-huge` included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.containers import ItemGrid, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from core.clock import Clock, system_clock
from tui.screens.panels import emphasised, panels, show_header
from widgets.panel import Panel
from widgets.status_line import StatusLine
from widgets.verdict import Verdict

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.geometry import Size

    from core.snapshot import Snapshot, Thesis

HUGE = (200, 60)
"""Columns and rows from which the dashboard takes its `-huge` layout."""
NARROW_FOOTER = 70
"""Below this many columns the footer is compact, without the palette key."""


class SizedScreen(Screen[None]):
    """A screen whose size classes stay right: Textual's breakpoint classes plus
    `-huge` (at least HUGE), re-checked when the screen comes back to the top (a
    screen underneath misses the resizes that happen while another is on top)."""

    def on_resize(self, event: events.Resize) -> None:
        self._show_size_classes(event.size)

    def on_screen_resume(self) -> None:
        self._show_size_classes(self.app.size)

    def _show_size_classes(self, size: Size) -> None:
        width, height = size
        breakpoints = (
            (width, self.app.HORIZONTAL_BREAKPOINTS or []),
            (height, self.app.VERTICAL_BREAKPOINTS or []),
        )
        classes: dict[str, bool] = {}
        for dimension, points in breakpoints:
            reached = [name for floor, name in sorted(points) if dimension >= floor]
            for _, name in points:
                classes[name] = bool(reached) and name == reached[-1]
        classes["-huge"] = width >= HUGE[0] and height >= HUGE[1]
        self.update_classes(classes, animate=False)
        # A narrow footer drops its spacing and the palette key (ctrl+p still works).
        for footer in self.query(Footer):
            footer.compact = width < NARROW_FOOTER
            footer.show_command_palette = width >= NARROW_FOOTER


class DashboardScreen(SizedScreen):
    """Every panel, the status line and the verdict, fed from one Snapshot."""

    # repaint=False here and below: the screen hands the parts on, and each widget
    # repaints what changed in it; a repaint of the screen would rewrite every cell.
    snapshot: reactive[Snapshot | None] = reactive(None, init=False, repaint=False)
    """The Snapshot on show; None until the engine publishes one."""

    thesis: reactive[Thesis] = reactive("bull", init=False, repaint=False)
    """The thesis in view: the checklist shows its items, its panels are emphasised."""

    engine_error: reactive[str | None] = reactive(None, init=False, repaint=False)
    """What failed in the engine itself (the status line shows it)."""

    def __init__(self, clock: Clock = system_clock, thesis: Thesis = "bull") -> None:
        super().__init__(id="dashboard")
        self.clock = clock
        self.set_reactive(DashboardScreen.thesis, thesis)

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield StatusLine(self.clock, id="status")
            yield Verdict(id="verdict").data_bind(DashboardScreen.thesis)
        # Focus moves between the panels; the grid scrolls to the focused one.
        with VerticalScroll(id="panels-scroll", can_focus=False), ItemGrid(id="panels"):
            for view in panels():
                panel = view.build()
                if panel.FOLLOWS_THESIS:
                    panel.data_bind(DashboardScreen.thesis)
                yield panel
        yield Footer()

    def on_mount(self) -> None:
        self._show_thesis()

    @property
    def status_line(self) -> StatusLine:
        """The status line."""
        return self.query_one(StatusLine)

    @property
    def verdict(self) -> Verdict:
        """The one-line verdict under the status line."""
        return self.query_one(Verdict)

    def panel(self, panel_id: str) -> Panel:
        """The dashboard panel with this id (`price`, `rsi`...)."""
        return self.query_one(f"#panels > #{panel_id}", Panel)

    def watch_thesis(self) -> None:
        self._show_thesis()

    def _show_thesis(self) -> None:
        self.set_class(self.thesis == "bull", "-bull")
        self.set_class(self.thesis == "bear", "-bear")
        emphasis = emphasised(self.thesis)
        for panel in self.query(Panel):
            panel.set_class(panel.id in emphasis, "-emphasised")

    def watch_engine_error(self, error: str | None) -> None:
        self.status_line.error = error

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        show_header(self.status_line, self.verdict, snapshot)
        for panel in self.query(Panel):
            panel.show(snapshot)
