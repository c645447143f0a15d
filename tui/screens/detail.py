"""A panel full screen: Enter on a focused dashboard panel (or its key, 1–8) opens a
`DetailScreen` hosting a new instance of the same panel class built with
`detailed=True` (a larger chart, longer history, the numbers behind the reading). It
is fed the same Snapshot as the dashboard and kept up to date as new ones arrive; the
status line and the verdict stay on top, so freshness is never hidden. The arrow and
page keys scroll the panel, unless a widget in it has the focus and takes them (the
edge detail's list of studies takes ↑ ↓ and Tab; Page Up/Down, Home and End still
scroll). Escape goes back to the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Footer

from core.clock import Clock, system_clock
from tui.screens.dashboard import SizedScreen
from tui.screens.panels import emphasised, show_header
from widgets.panel import Panel
from widgets.status_line import StatusLine
from widgets.verdict import Verdict

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import Snapshot, Thesis
    from tui.screens.panels import PanelView


class DetailScreen(SizedScreen):
    """One panel, full screen, under the status line and the verdict."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="detail.close", tooltip="Back to the dashboard."),
        # The panel scrolls when its detail is longer than the screen.
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
        Binding("home", "scroll('home')", show=False),
        Binding("end", "scroll('end')", show=False),
        # A panel's own keys, which it cannot take here (it is not focusable).
        Binding("i", "panel('toggle_chart')", show=False),
    ]

    # repaint=False here and below: the screen hands the parts on, and each widget
    # repaints what changed in it; a repaint of the screen would rewrite every cell.
    snapshot: reactive[Snapshot | None] = reactive(None, init=False, repaint=False)
    """The Snapshot on show (the app hands each new one to this screen)."""

    thesis: reactive[Thesis] = reactive("bull", init=False, repaint=False)
    """The thesis in view: accent and emphasis, and the checklist's items."""

    engine_error: reactive[str | None] = reactive(None, init=False, repaint=False)
    """What failed in the engine itself (the status line shows it)."""

    def __init__(
        self,
        view: PanelView,
        *,
        clock: Clock = system_clock,
        thesis: Thesis = "bull",
        snapshot: Snapshot | None = None,
        engine_error: str | None = None,
    ) -> None:
        super().__init__(id=f"detail-{view.id}", classes="detail")
        self.view = view
        self.clock = clock
        self.set_reactive(DetailScreen.thesis, thesis)
        self.set_reactive(DetailScreen.snapshot, snapshot)
        self.set_reactive(DetailScreen.engine_error, engine_error)

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield StatusLine(self.clock, id="status")
            yield Verdict(id="verdict").data_bind(DetailScreen.thesis)
        with Vertical(id="detail-body"):
            panel = self.view.build(detailed=True)
            # Nothing to move between: the keys scroll the panel (see BINDINGS).
            panel.can_focus = False
            if panel.FOLLOWS_THESIS:
                panel.data_bind(DetailScreen.thesis)
            yield panel
        yield Footer()

    def on_mount(self) -> None:
        self._show_thesis()
        self.watch_engine_error(self.engine_error)
        self.watch_snapshot(self.snapshot)

    @property
    def panel(self) -> Panel:
        """The detailed panel on show."""
        return self.query_one("#detail-body > Panel", Panel)

    @property
    def status_line(self) -> StatusLine:
        """The status line."""
        return self.query_one(StatusLine)

    @property
    def verdict(self) -> Verdict:
        """The one-line verdict under the status line."""
        return self.query_one(Verdict)

    def watch_thesis(self) -> None:
        self._show_thesis()

    def _show_thesis(self) -> None:
        self.set_class(self.thesis == "bull", "-bull")
        self.set_class(self.thesis == "bear", "-bear")
        self.panel.set_class(self.view.id in emphasised(self.thesis), "-emphasised")

    def watch_engine_error(self, error: str | None) -> None:
        self.status_line.error = error

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        show_header(self.status_line, self.verdict, snapshot)
        self.panel.show(snapshot)

    def action_scroll(self, where: str) -> None:
        """Scroll the panel: `up`, `down`, `page_up`, `page_down`, `home`, `end`."""
        panel = self.panel
        moves = {
            "up": panel.scroll_up,
            "down": panel.scroll_down,
            "page_up": panel.scroll_page_up,
            "page_down": panel.scroll_page_down,
            "home": panel.scroll_home,
            "end": panel.scroll_end,
        }
        move = moves.get(where)
        if move is not None:
            move(animate=False)

    def action_panel(self, action: str) -> None:
        """Run the panel's own `action` if it has one (the price panel's `i`)."""
        method = getattr(self.panel, f"action_{action}", None)
        if callable(method):
            method()

    def action_close(self) -> None:
        """Back to the dashboard."""
        self.dismiss()
