"""The breadth panel: how many index members trade above their own 200-day and
50-day averages, and how many members the reading covers. Later issues draw it as a
gauge with its trend; for now it shows the percentages the Snapshot holds, and
"unknown" with the reason for those it does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import reactive

from widgets import format as fmt
from widgets.panel import ReadingsPanel, value_cell

if TYPE_CHECKING:
    from core.snapshot import BreadthSection
    from widgets.table import Row


def breadth_rows(section: BreadthSection) -> tuple[Row, ...]:
    """The breadth readings as table rows, the 200-day share first."""
    members = fmt.UNKNOWN if section.members is None else f"{section.members:,}"
    return (
        ("% above 200-day", value_cell(fmt.pct(section.pct_above_200dma), "bold")),
        ("% above 50-day", value_cell(fmt.pct(section.pct_above_50dma))),
        ("Members", value_cell(members)),
    )


class BreadthPanel(ReadingsPanel):
    """Participation of the index members."""

    PANEL_TITLE = "Breadth"

    section: reactive[BreadthSection | None] = reactive(None)
    """The breadth section of the latest Snapshot."""

    def watch_section(self, section: BreadthSection | None) -> None:
        if section is not None:
            self.show_readings(section.status, breadth_rows(section))
