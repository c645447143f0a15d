"""The checklist panel: the bull and bear theses scored against the data. It shows
both scores and the items of the thesis in view (switched with the thesis key), each
marked pass (✓), fail (✗) or unknown (?) with the reading behind it and, where the
panel is wide enough, the rule that judged it. An item the data cannot judge is
"unknown", never a fail. The detail view (`detailed=True`) lists every item with its
rule in full, what the claim means (`why`) and, for an unknown item, what data is
missing (`reason`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from core import format as fmt
from widgets.panel import Panel, value_cell
from widgets.repaint import TextLine
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.checklist import ChecklistItem, ChecklistSection, ItemStatus, ThesisScore
    from core.snapshot import Thesis
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


def tally(card: ThesisScore) -> Content:
    """How the items of a thesis fell: `3 pass · 2 fail · 1 unknown`."""
    counts = {status: 0 for status in MARKS}
    for item in card.items:
        counts[item.status] += 1
    parts: list[tuple[str, str] | str] = []
    for status, (_mark, style) in MARKS.items():
        if parts:
            parts.append(("  ", ""))
        parts.append((f"{counts[status]} {status}", style if counts[status] else "$text-muted"))
    return Content.assemble(*parts)


def item_rows(items: tuple[ChecklistItem, ...]) -> tuple[Row, ...]:
    """One row per item: its mark, its claim, its rule, the reading that judged it."""
    rows: list[Row] = []
    for item in items:
        mark, style = MARKS[item.status]
        value = item.value if item.value is not None else fmt.UNKNOWN
        rows.append(
            (
                Content.styled(mark, style),
                item.label,
                Content.styled(item.rule or "", "$text-muted"),
                value_cell(value),
            )
        )
    return tuple(rows)


def item_details(items: tuple[ChecklistItem, ...]) -> Content:
    """Every item in full for the detail view: mark, claim and reading, then its rule,
    what it means and, when unknown, what is missing."""
    blocks: list[Content] = []
    for item in items:
        mark, style = MARKS[item.status]
        value = item.value if item.value is not None else fmt.UNKNOWN
        lines = [
            Content.assemble(
                (mark, style),
                " ",
                (item.label, "bold"),
                ("  ·  ", "$text-muted"),
                (value, "$text-muted italic" if value == fmt.UNKNOWN else "bold"),
            )
        ]
        for name, text, text_style in (
            ("rule", item.rule, "$text-secondary"),
            ("why", item.why, ""),
            ("missing", item.reason, "$text-warning"),
        ):
            if text:
                lines.append(
                    Content.assemble((f"    {name:<8}", "$text-muted"), (text, text_style))
                )
        blocks.append(Content("\n").join(lines))
    return Content("\n\n").join(blocks)


class ChecklistPanel(Panel):
    """Both theses scored; the items of the thesis in view."""

    DEFAULT_CSS = """
    ChecklistPanel {
        & > .checklist--score, & > .checklist--tally, & > .checklist--items,
        & > .checklist--details { display: none; }
        &.-ready > .checklist--score, &.-ready > .checklist--items { display: block; }
        &.-ready.-detailed > .checklist--tally,
        &.-ready.-detailed > .checklist--details { display: block; }
        &.-detailed > .checklist--items { display: none; }
        & > .checklist--details { margin-top: 1; }
    }
    """

    PANEL_TITLE = "Thesis checklist"
    SECTION = "checklist"
    POSITION = 6
    PANEL_NAME = "checklist"
    MEANING = (
        "Each thesis's claims judged against the data: ✓ pass, ✗ fail, ? unknown (the data "
        "cannot judge it yet; never counted as a fail). The score is passes out of all items."
    )
    EMPHASISED_IN = frozenset({"bull", "bear"})
    FOLLOWS_THESIS = True

    section: reactive[ChecklistSection | None] = reactive(None, repaint=False)
    """The checklist section of the latest Snapshot."""

    thesis: reactive[Thesis] = reactive("bull", repaint=False)
    """The thesis whose items are on show."""

    def compose_body(self) -> ComposeResult:
        yield TextLine(classes="checklist--score")
        yield TextLine(classes="checklist--tally")
        yield ValueTable(
            Column(),
            Column(flex=True),
            Column(flex=True, optional=True, min_width=28),
            Column(justify="right"),
            show_header=False,
            classes="checklist--items",
        )
        if self.detailed:
            yield Static("", classes="checklist--details")

    @property
    def score(self) -> TextLine:
        """The line with both scores."""
        return self.query_one(".checklist--score", TextLine)

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
            ("·", Content.styled("no items in this thesis", "$text-muted"), "", ""),
        )
        if self.detailed:
            self.query_one(".checklist--tally", TextLine).update(tally(card))
            self.query_one(".checklist--details", Static).update(
                item_details(card.items) or Content.styled("no items in this thesis", "$text-muted")
            )
        self.add_class("-ready")
        self.status = section.status
