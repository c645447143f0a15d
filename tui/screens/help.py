"""The help overlay: every key the app answers to with what it does, and one line per
panel on what the panel shows. Opened with ? (or h), closed with Escape. The key list
is built from the app's bindings, so it cannot drift from what the keys really do."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from widgets.table import Column, Row, ValueTable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult

PANELS: tuple[tuple[str, str], ...] = (
    (
        "Price vs key levels",
        "Last price and the day's change; a chart of recent closes with every level "
        "(milestones, moving averages, your levels and bands) as a labelled line; "
        "the distance from each level in %.",
    ),
    ("RSI divergence", "RSI of the index and the active divergence, dated when confirmed."),
    ("Breadth", "Share of index members above their own 200-day and 50-day averages."),
    ("VIX", "The VIX, 20-day realised volatility, and the VIX's rank and percentile in a year."),
    ("CTA trend", "CTA-proxy exposure (−100% … +100%) and each lookback's flip level."),
    (
        "Thesis checklist",
        "Both theses' scores and the items of the thesis in view: ✓ pass, ✗ fail, "
        "? unknown (the data cannot judge it yet).",
    ),
    (
        "Status line",
        "Data source, market phase with a countdown to the next open or close, data age. "
        "Each panel's bottom border shows its freshness and as-of time (New York).",
    ),
)
"""One line per panel on what it shows."""


class HelpScreen(ModalScreen[None]):
    """Keys and panels, explained."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close", tooltip="Close the help."),
    ]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__(id="help")
        self.bindings = bindings

    def key_rows(self) -> tuple[Row, ...]:
        """One row per binding: its keys and what it does."""
        rows: list[Row] = []
        for binding in self.bindings:
            keys = [
                self.app.get_key_display(replace(binding, key=key.strip(), key_display=None))
                for key in binding.key.split(",")
            ]
            rows.append(
                (
                    Content.styled(" / ".join(keys), "bold $text-accent"),
                    binding.tooltip or binding.description,
                )
            )
        palette = self.app.get_key_display(Binding("ctrl+p", "command_palette"))
        rows.append((Content.styled(palette, "bold $text-accent"), "Command palette."))
        return tuple(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("Keys", classes="help--heading")
            table = ValueTable(Column(), Column(flex=True), show_header=False, column_gap=2)
            table.rows = self.key_rows()
            yield table
            yield Static("Panels", classes="help--heading")
            for name, line in PANELS:
                yield Static(
                    Content.assemble((name, "bold"), "  ", (line, "$text-muted")),
                    classes="help--panel",
                )
            yield Static("Escape closes this help.", classes="help--footnote")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Regime · help"
