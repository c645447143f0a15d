"""The Today screen (key l): what changed in the market picture, from the day's log.
Two sections, "Since the open" and "Since you last closed Regime", each a table of
time (New York), severity and message (plain text, never markup), the newest first;
a section with no lines says nothing changed yet. The lines come from the watcher
(`feed.watcher.today(now)`, which reads the stored log), loaded in a worker thread so
a slow disk never freezes the screen. Escape or l closes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from core.clock import NEW_YORK
from widgets.table import Column, Row, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.alerts.entry import LogEntry

TODAY_GROUP = "today"
"""Worker group of the log's loading."""

SEVERITY_CELLS: dict[str, tuple[str, str]] = {
    "critical": ("CRIT", "bold $error"),
    "warning": ("WARN", "bold $warning"),
    "info": ("info", "$text-muted"),
}
"""Each severity's cell: its text (the same in ASCII and NO_COLOR) and its style."""

NOTHING_YET = "Nothing has changed yet: no alert fired and no checklist item changed."


class TodayLog(Protocol):
    """The watcher's `Today` (core.alerts.watcher)."""

    @property
    def since_open(self) -> list[LogEntry]: ...
    @property
    def since_last_close(self) -> list[LogEntry]: ...
    @property
    def open_at(self) -> datetime | None: ...
    @property
    def last_closed(self) -> datetime | None: ...


def clock_time(moment: datetime, today: datetime | None = None) -> str:
    """`moment` in New York: `14:05` on `today`'s date, else `Jan 27 14:05`."""
    local = moment.astimezone(NEW_YORK)
    if today is not None and local.date() == today.astimezone(NEW_YORK).date():
        return local.strftime("%H:%M")
    return f"{local:%b} {local.day} {local:%H:%M}"


def open_heading(open_at: datetime | None, now: datetime | None = None) -> str:
    """The first section's heading: the open's time, with its date when it is not
    `now`'s day (before today's open the log runs from the last session's)."""
    if open_at is None:
        return "Since the open (no session today)"
    local = open_at.astimezone(NEW_YORK)
    if now is not None and local.date() != now.astimezone(NEW_YORK).date():
        return f"Since the open ({local:%a} {local:%b} {local.day} {local:%H:%M} ET)"
    return f"Since the open ({local:%H:%M} ET)"


def close_heading(last_closed: datetime | None) -> str:
    """The second section's heading."""
    if last_closed is None:
        return "Since you last closed Regime (never closed before)"
    local = last_closed.astimezone(NEW_YORK)
    return f"Since you last closed Regime ({local:%a} {local:%b} {local.day} {local:%H:%M} ET)"


def log_rows(entries: Sequence[LogEntry], now: datetime) -> tuple[Row, ...]:
    """The table's rows: time, severity, message, the newest first."""
    rows: list[Row] = []
    for entry in sorted(entries, key=lambda entry: entry.time, reverse=True):
        text, style = SEVERITY_CELLS.get(entry.severity, (entry.severity, ""))
        rows.append((clock_time(entry.time, now), Content.styled(text, style), entry.message))
    return tuple(rows)


def log_table(section: str) -> ValueTable:
    """An empty table of log lines for `section` (open or close)."""
    return ValueTable(
        Column("Time", justify="right"),
        Column("Level"),
        Column("What changed", flex=True, min_width=20),
        column_gap=2,
        id=f"today-{section}-table",
        classes="today--table",
    )


class TodayScreen(ModalScreen[None]):
    """The day's log in two sections (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,l", "dismiss", "Close", id="today.close", tooltip="Close the log."),
    ]

    def __init__(self, load: Callable[[datetime], TodayLog] | None, now: datetime) -> None:
        """`load` is the watcher's `today` (None: the feed keeps no log); `now` the
        time to read it at."""
        super().__init__(id="today")
        self._load = load
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="today-body"):
            for section in ("open", "close"):
                yield Static("", id=f"today-{section}-heading", classes="today--heading")
                yield log_table(section)
                yield Static("", id=f"today-{section}-empty", classes="today--empty")
            yield Static("Escape or l closes this log.", classes="today--footnote")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#today-body").border_title = "Regime · today"
        for section in ("open", "close"):
            self.query_one(f"#today-{section}-table").display = False
        if self._load is None:
            self._say("open", "Since the open", "This source keeps no log of alerts.")
            self.query_one("#today-close-heading").display = False
            self.query_one("#today-close-empty").display = False
            return
        self._say("open", "Since the open", "Loading the log…")
        self.query_one("#today-close-heading").display = False
        self.query_one("#today-close-empty").display = False
        self.load_log()

    def _say(self, section: str, heading: str, line: str) -> None:
        # Content, not markup: an error's text may hold brackets.
        self.query_one(f"#today-{section}-heading", Static).update(Content(heading))
        empty = self.query_one(f"#today-{section}-empty", Static)
        empty.update(Content(line))
        empty.display = bool(line)

    @work(thread=True, exclusive=True, group=TODAY_GROUP, exit_on_error=False)
    def load_log(self) -> TodayLog:
        """Read the day's log off the event loop."""
        assert self._load is not None
        return self._load(self.now)

    @on(Worker.StateChanged)
    def show_loaded(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != TODAY_GROUP:
            return
        if event.state == WorkerState.SUCCESS and worker.result is not None:
            self.show(worker.result)
        elif event.state == WorkerState.ERROR:
            error = worker.error
            self._say("open", "Since the open", f"The log could not be read: {error}")

    def show(self, today: TodayLog) -> None:
        """Fill both sections from `today`."""
        sections = (
            ("open", open_heading(today.open_at, self.now), today.since_open),
            ("close", close_heading(today.last_closed), today.since_last_close),
        )
        for section, heading, entries in sections:
            self.query_one(f"#today-{section}-heading").display = True
            table = self.query_one(f"#today-{section}-table", ValueTable)
            table.rows = log_rows(entries, self.now)
            table.display = bool(entries)
            self._say(section, heading, "" if entries else NOTHING_YET)
