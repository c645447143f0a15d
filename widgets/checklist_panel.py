"""The checklist panel: the bull and bear theses scored against the data. It shows
both scores and the items of the thesis in view (switched with the thesis key), each
marked pass, fail or unknown with the reading behind it. An item the data cannot
judge is "unknown", never a fail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from widgets import format as fmt
from widgets.panel import Panel, value_cell
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import ChecklistItem, ChecklistSection, ItemStatus, Thesis, ThesisScore
    from widgets.table import Row

MARKS: dict[ItemStatus, tuple[str, str]] = {
    "pass": ("✓", "bold $text-success"),
    "fail": ("✗", "bold $text-error"),
    "unknown": ("?", "bold $text-warning"),
}
"""The mark and style of each item status (the mark alone reads without colour)."""


def score_line(section: ChecklistSection, thesis: Thesis) -> Content:
    """Both scores, the thesis in view first and emphasised: `BULL 3/6 · bear 2/5`."""
    other: Thesis = "bear" if thesis == "bull" else "bull"

    def score(name: Thesis) -> str:
        card: ThesisScore = getattr(section, name)
        return f"{card.score}/{card.total}" if card.total else "no items"

    return Content.assemble(
        (f"{thesis.upper()} {score(thesis)}", "bold $text-accent"),
        ("  ·  ", "$text-muted"),
        (f"{other} {score(other)}", "$text-muted"),
    )


def item_rows(items: tuple[ChecklistItem, ...]) -> tuple[Row, ...]:
    """One row per item: its mark, its claim and the reading that judged it."""
    rows: list[Row] = []
    for item in items:
        mark, style = MARKS[item.status]
        value = item.value if item.value is not None else fmt.UNKNOWN
        rows.append((Content.styled(mark, style), item.label, value_cell(value)))
    return tuple(rows)


class ChecklistPanel(Panel):
    """Both theses scored; the items of the thesis in view."""

    DEFAULT_CSS = """
    ChecklistPanel > .checklist--score,
    ChecklistPanel > .checklist--items { display: none; }
    ChecklistPanel.-ready > .checklist--score,
    ChecklistPanel.-ready > .checklist--items { display: block; }
    """

    PANEL_TITLE = "Thesis checklist"

    section: reactive[ChecklistSection | None] = reactive(None)
    """The checklist section of the latest Snapshot."""

    thesis: reactive[Thesis] = reactive("bull")
    """The thesis whose items are on show."""

    def compose_body(self) -> ComposeResult:
        yield Static("", classes="checklist--score")
        yield ValueTable(
            Column(),
            Column(flex=True),
            Column(justify="right"),
            show_header=False,
            classes="checklist--items",
        )

    @property
    def score(self) -> Static:
        """The line with both scores."""
        return self.query_one(".checklist--score", Static)

    @property
    def items(self) -> ValueTable:
        """The items of the thesis in view."""
        return self.query_one(".checklist--items", ValueTable)

    def watch_section(self) -> None:
        self._show()

    def watch_thesis(self) -> None:
        self._show()

    def _show(self) -> None:
        section = self.section
        if section is None:
            return
        card: ThesisScore = getattr(section, self.thesis)
        self.score.update(score_line(section, self.thesis))
        self.items.rows = item_rows(card.items) or (
            ("·", Content.styled("no items in this thesis", "$text-muted"), ""),
        )
        self.add_class("-ready")
        self.status = section.status
