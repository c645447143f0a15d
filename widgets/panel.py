"""The base of every dashboard panel: a bordered box with the panel's name in the top
border, its freshness (state and as-of time) in the bottom border, a body, and a
why-line under the body when the Snapshot says what failed or what is missing: one
line on the dashboard (cut with an ellipsis, so a failure never pushes other panels
off screen), its full text (`PanelStatus.full_detail`, every symbol and message) in
the detail view. The
freshness state is also a CSS class (`-live`, `-stale`, `-error`...) so themes can
colour a stale or failed panel. Panels take focus (Tab / Shift+Tab); Enter on a focused
panel posts `Panel.DetailRequested`, and the app opens the panel full screen, built
again with `detailed=True`. A panel class declares the section it shows (`SECTION`,
the Snapshot's key), its place on the dashboard (`POSITION`), its name and meaning for
the palette and the help, and the thesis views that emphasise it; declaring `SECTION`
registers the class in `PANEL_CLASSES`, which the dashboard iterates, so adding a
panel names it in its own file only. While a long load feeds the panel
(`PanelStatus.progress`), a progress line (`widgets.progress_line`) shows its counts
and time left, after the body or where the panel puts it (`progress_line`), and in
place of the body while the panel has no reading yet (`awaiting`). `ReadingsPanel`
adds the common body: a two-column table of named readings with the value
right-aligned, "unknown" when missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from core import format as fmt
from widgets import look
from widgets.progress_line import ProgressLine
from widgets.table import Column, Row, ValueTable

if TYPE_CHECKING:
    from typing import Self

    from textual.app import ComposeResult

    from core.snapshot import Freshness, PanelStatus, Snapshot, Thesis


def value_cell(text: str, style: str = "") -> Content:
    """A reading's value: muted when it is `unknown`, else in `style`."""
    if text == fmt.UNKNOWN:
        return Content.styled(text, "$text-muted italic")
    return Content.styled(text, style)


PANEL_CLASSES: dict[str, type[Panel]] = {}
"""Every panel class by the section it shows (filled as panel classes are defined)."""


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
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        &.-has-detail > .panel--detail { display: block; }
        & > .panel--progress { display: none; }
        &.-loading > .panel--progress { display: block; }
        &.-detailed > .panel--detail { text-wrap: wrap; }
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

    SECTION: ClassVar[str] = ""
    """The Snapshot section it shows (`price`); empty for an abstract panel."""

    POSITION: ClassVar[int] = 0
    """Its place on the dashboard, and so its key (1 for the first...)."""

    PANEL_NAME: ClassVar[str] = ""
    """Its short name, as the palette says it: `Open price detail`."""

    MEANING: ClassVar[str] = ""
    """One line, in the market's words, on what its readings say (for the help)."""

    EMPHASISED_IN: ClassVar[frozenset[Thesis]] = frozenset()
    """The thesis views that rest on it and give it their accent."""

    FOLLOWS_THESIS: ClassVar[bool] = False
    """Whether it shows the thesis in view (it then has a `thesis` reactive that the
    screen binds to its own)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "SECTION" in cls.__dict__ and cls.SECTION:
            PANEL_CLASSES[cls.SECTION] = cls

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
        self._frame_repaint = False
        """A whole-panel repaint asked for now rewrites only the bottom border."""
        self._progress_placed = False
        """The body placed the progress line itself (see `progress_line`)."""

    # repaint=False: the watchers change what shows (border subtitle, classes, the
    # why-line), and only when it differs, so an unchanged reading repaints nothing.
    status: reactive[PanelStatus | None] = reactive(None, repaint=False)
    """Freshness of the reading on show; None until the first Snapshot arrives."""

    snapshot_time: reactive[datetime | None] = reactive(None, repaint=False)
    """When the Snapshot holding the reading was built: STALE ages count from it."""

    section: reactive[Any] = reactive(None, repaint=False)
    """The section on show (each panel narrows its type); None until the first one. Its
    watcher hands the parts to the body's widgets, which repaint what changed: the
    panel itself draws only its frame."""

    def show(self, snapshot: Snapshot) -> None:
        """Take this panel's section of `snapshot` (an equal section is a no-op)."""
        self.snapshot_time = snapshot.as_of
        self.section = getattr(snapshot, self.SECTION, None)

    def compose(self) -> ComposeResult:
        yield Static(look.WAITING, classes="panel--waiting")
        yield from self.compose_body()
        if not self._progress_placed:
            yield self.progress_line()
        yield Static("", classes="panel--detail", markup=False)

    def progress_line(self) -> ProgressLine:
        """The line that shows a load's progress: `compose_body` may yield it where it
        belongs (under the headline); otherwise it follows the body."""
        self._progress_placed = True
        return ProgressLine(classes="panel--progress")

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

    def show_title(self, title: str) -> None:
        """Put `title` in the top border (setting it repaints the whole panel, so only
        when it differs)."""
        if self.border_title != title:
            self.border_title = title

    @contextmanager
    def _frame_only(self) -> Iterator[None]:
        """While inside, a whole-panel repaint (a new border subtitle) rewrites only the
        bottom border row: the body's widgets repaint themselves."""
        self._frame_repaint = True
        try:
            yield
        finally:
            self._frame_repaint = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if self._frame_repaint and repaint and not (regions or layout or recompose):
            offset, outer = self.content_offset, self.outer_size
            regions = (Region(-offset.x, outer.height - 1 - offset.y, outer.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def watch_status(self) -> None:
        self._show_progress()
        self._show_freshness()

    @staticmethod
    def awaiting(status: PanelStatus | None) -> bool:
        """Whether a load feeds a panel that has no reading yet: the progress line
        then stands in place of the body."""
        return status is not None and status.progress is not None and status.as_of is None

    def _show_progress(self) -> None:
        """Show the load's progress (or hide the line when none runs)."""
        progress = None if self.status is None else self.status.progress
        for line in self.query(".panel--progress").results(ProgressLine):
            line.progress = progress
        self.set_class(progress is not None, "-loading")

    def watch_snapshot_time(self) -> None:
        self._show_freshness()

    def _show_freshness(self) -> None:
        status = self.status
        if status is None:
            return
        freshness = fmt.freshness(status, self.snapshot_time)
        if self.detailed:
            detail = status.full_detail or status.detail or ""
        else:  # one line, whatever the detail holds
            detail = " ".join((status.detail or "").split())
        if status.state == "ERROR" and detail:
            detail = f"error: {detail}"
        shown = (freshness, status.state, detail)
        if shown == self._freshness_shown:
            return  # a new Snapshot with the same freshness repaints nothing
        same_look = self._freshness_shown is not None and self._freshness_shown[1:] == shown[1:]
        self._freshness_shown = shown
        self.query(".panel--waiting").remove()
        if same_look:  # only the time moved: rewrite the bottom border, not the panel
            with self._frame_only():
                self.border_subtitle = freshness
            return
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
        # While a load feeds the panel and it has no reading yet, its progress line
        # stands in place of the readings (all unknown until the load ends).
        self.set_class(not self.awaiting(status), "-ready")
        self.status = status
