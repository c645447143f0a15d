"""The RSI panel: the index's RSI (Wilder) and whether a divergence is active, with
the date it was confirmed. Later issues add the RSI chart with its pivots; for now
the panel shows the two numbers the Snapshot holds, and "unknown" with the reason
when it holds none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import reactive

from widgets import format as fmt
from widgets.panel import ReadingsPanel, value_cell

if TYPE_CHECKING:
    from core.snapshot import RsiSection
    from widgets.table import Row


def rsi_rows(section: RsiSection) -> tuple[Row, ...]:
    """The RSI reading and the divergence flag as table rows."""
    divergence = section.divergence
    if section.value is None:
        flag = fmt.UNKNOWN
        style = ""
    elif divergence.kind is None:
        flag, style = "none active", "$text-muted"
    else:
        confirmed = divergence.confirmed_on
        when = f" · {confirmed:%b %d}" if confirmed is not None else ""
        flag = f"{divergence.kind}{when}"
        style = "$text-error" if divergence.kind == "bearish" else "$text-success"
    return (
        (f"RSI ({section.period})", value_cell(fmt.number(section.value), "bold")),
        ("Divergence", value_cell(flag, style)),
    )


class RsiPanel(ReadingsPanel):
    """RSI of the index and its divergence flag."""

    PANEL_TITLE = "RSI divergence"

    section: reactive[RsiSection | None] = reactive(None)
    """The RSI section of the latest Snapshot."""

    def watch_section(self, section: RsiSection | None) -> None:
        if section is not None:
            self.show_readings(section.status, rsi_rows(section))
