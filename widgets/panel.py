"""The base of every dashboard panel: a bordered box with the panel's name in the top
border, its freshness (state and as-of time) in the bottom border, a body, and a
why-line under the body when the Snapshot says what failed or what is missing. The
freshness state is also a CSS class (`-live`, `-stale`, `-error`...) so themes can
colour a stale or failed panel. Panels take focus (Tab / Shift+Tab); Enter on a focused
panel posts `Panel.DetailRequested`, and the app opens the panel full screen, built
again with `detailed=True`. `ReadingsPanel` adds the common body: a two-column table
of named readings with the value right-aligned, "unknown" when missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from core import format as fmt
from widgets import look
from widgets.table import Column, Row, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import Freshness, PanelStatus


def value_cell(text: str, style: str = "") -> Content:
    """A reading's value: muted when it is `unknown`, else in `style`."""
    if text == fmt.UNKNOWN:
        return Content.styled(text, "$text-muted italic")
    return Content.styled(text, style)


class Panel(Widget):
    """A bordered panel that shows one section of a Snapshot and how fresh it is."""

    DEFAULT_CSS = """
    Panel {
        layout: vertical;
        height: auto;
        padding: 0 1;
        border: round $border-blurred;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        & > .panel--waiting { color: $text-muted; }
        & > .panel--detail {
            display: none;
            color: $text-muted;
        }
        &.-has-detail > .panel--detail { display: block; }
        &.-live { border-subtitle-color: $text-success; }
        &.-delayed, &.-stale, &.-offline { border-subtitle-color: $text-warning; }
        &.-stale, &.-offline { border: round $warning; }
        &.-error { border: round $error; border-subtitle-color: $text-error; }
        &.-error > .panel--detail { color: $text-error; }
        &:focus { border-title-style: bold reverse; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_detail",
            "Detail",
            id="panel.detail",
            tooltip="Open this panel full screen: a larger chart, longer history, the numbers.",
        ),
    ]

    PANEL_TITLE: ClassVar[str] = ""
    """The name in the panel's top border."""

    can_focus = True

    @dataclass
    class DetailRequested(Message):
        """Enter on a dashboard panel: open it full screen."""

        panel: Panel
        """The panel whose detail is wanted."""

    def __init__(
        self,
        *,
        detailed: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`detailed`: the full-screen version (larger chart, longer history, the
        numbers behind the reading), shown by the detail screen."""
        super().__init__(name=name, id=id, classes=classes)
        self.detailed = detailed
        self.set_class(detailed, "-detailed")
        self._freshness_shown: tuple[str, Freshness, str] | None = None
        """The freshness text, state and why-line on show (to skip repainting them)."""

    # repaint=False: the watchers change what shows (border subtitle, classes, the
    # why-line), and only when it differs, so an unchanged reading repaints nothing.
    status: reactive[PanelStatus | None] = reactive(None, repaint=False)
    """Freshness of the reading on show; None until the first Snapshot arrives."""

    snapshot_time: reactive[datetime | None] = reactive(None, repaint=False)
    """When the Snapshot holding the reading was built: STALE ages count from it."""

    def compose(self) -> ComposeResult:
        yield Static(look.WAITING, classes="panel--waiting")
        yield from self.compose_body()
        yield Static("", classes="panel--detail", markup=False)

    def compose_body(self) -> ComposeResult:
        """The widgets that show the reading (hidden until the first Snapshot)."""
        yield from ()

    def on_mount(self) -> None:
        self.border_title = self.PANEL_TITLE
        self.border_subtitle = "waiting"

    @property
    def detail_line(self) -> Static:
        """The why-line under the body."""
        return self.query_one(".panel--detail", Static)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A detail view has no detail of its own: hide Enter there."""
        if action == "open_detail":
            return not self.detailed
        return True

    def action_open_detail(self) -> None:
        """Ask the app to show this panel full screen."""
        self.post_message(self.DetailRequested(self))

    def watch_status(self) -> None:
        self._show_freshness()

    def watch_snapshot_time(self) -> None:
        self._show_freshness()

    def _show_freshness(self) -> None:
        status = self.status
        if status is None:
            return
        freshness = fmt.freshness(status, self.snapshot_time)
        detail = status.detail or ""
        if status.state == "ERROR" and detail:
            detail = f"error: {detail}"
        shown = (freshness, status.state, detail)
        if shown == self._freshness_shown:
            return  # a new Snapshot with the same freshness repaints nothing
        self._freshness_shown = shown
        self.query(".panel--waiting").remove()
        self.border_subtitle = freshness
        for state, class_name in look.STATE_CLASSES.items():
            self.set_class(state == status.state, class_name)
        self.detail_line.update(detail)
        self.set_class(bool(detail), "-has-detail")


class ReadingsPanel(Panel):
    """A panel whose body is a list of named readings, value right-aligned."""

    DEFAULT_CSS = """
    ReadingsPanel > .panel--readings { display: none; }
    ReadingsPanel.-ready > .panel--readings { display: block; }
    """

    def compose_body(self) -> ComposeResult:
        yield ValueTable(
            Column(flex=True),
            Column(justify="right"),
            show_header=False,
            classes="panel--readings",
        )

    @property
    def readings(self) -> ValueTable:
        """The table of named readings."""
        return self.query_one(".panel--readings", ValueTable)

    def show_readings(self, status: PanelStatus, rows: tuple[Row, ...]) -> None:
        """Show a section's readings and its freshness."""
        self.readings.rows = rows
        self.add_class("-ready")
        self.status = status
