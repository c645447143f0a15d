"""The dashboard: the status line on top, the six panels in a grid that reflows with
the terminal's width (see themes/regime.tcss), and the footer of key bindings. The
screen takes a whole Snapshot and hands each panel its own section; it carries the
thesis in view as a class (`-bull` / `-bear`) so styles can follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import ItemGrid, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from core.clock import Clock, system_clock
from widgets.breadth_panel import BreadthPanel
from widgets.checklist_panel import ChecklistPanel
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.rsi_panel import RsiPanel
from widgets.status_line import StatusLine
from widgets.trend_panel import TrendPanel
from widgets.vix_panel import VixPanel

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import Snapshot, Thesis


class DashboardScreen(Screen[None]):
    """All six panels and the status line, fed from one Snapshot."""

    snapshot: reactive[Snapshot | None] = reactive(None, init=False)
    """The Snapshot on show; None until the engine publishes one."""

    thesis: reactive[Thesis] = reactive("bull", init=False)
    """The thesis in view (the checklist shows its items)."""

    def __init__(self, clock: Clock = system_clock, thesis: Thesis = "bull") -> None:
        super().__init__(id="dashboard")
        self.clock = clock
        self.set_reactive(DashboardScreen.thesis, thesis)

    def compose(self) -> ComposeResult:
        yield StatusLine(self.clock, id="status")
        with VerticalScroll(id="panels-scroll"), ItemGrid(id="panels"):
            yield PricePanel(id="price")
            yield RsiPanel(id="rsi")
            yield BreadthPanel(id="breadth")
            yield VixPanel(id="vix")
            yield TrendPanel(id="trend")
            yield ChecklistPanel(id="checklist").data_bind(DashboardScreen.thesis)
        yield Footer()

    def on_mount(self) -> None:
        self._show_thesis_class()

    @property
    def status_line(self) -> StatusLine:
        """The status line."""
        return self.query_one(StatusLine)

    def watch_thesis(self) -> None:
        self._show_thesis_class()

    def _show_thesis_class(self) -> None:
        self.set_class(self.thesis == "bull", "-bull")
        self.set_class(self.thesis == "bear", "-bear")

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        status = self.status_line
        status.source = snapshot.source
        status.market = snapshot.market
        status.as_of = snapshot.as_of
        for panel in self.query(Panel):
            panel.snapshot_time = snapshot.as_of
        self.query_one(PricePanel).section = snapshot.price
        self.query_one(RsiPanel).section = snapshot.rsi
        self.query_one(BreadthPanel).section = snapshot.breadth
        self.query_one(VixPanel).section = snapshot.vix
        self.query_one(TrendPanel).section = snapshot.trend
        self.query_one(ChecklistPanel).section = snapshot.checklist
