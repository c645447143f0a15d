"""The VIX panel: implied volatility against the index's realised volatility, with
the VIX's rank and percentile over a year. Later issues add the term structure and
the "index up while VIX up" flag; for now it shows what the Snapshot holds, and
"unknown" with the reason for the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import reactive

from widgets import format as fmt
from widgets.panel import ReadingsPanel, value_cell

if TYPE_CHECKING:
    from core.snapshot import VixSection
    from widgets.table import Row


def vix_rows(section: VixSection) -> tuple[Row, ...]:
    """The volatility readings as table rows, the VIX itself first."""
    return (
        ("VIX", value_cell(fmt.number(section.last), "bold")),
        ("Realised vol 20d", value_cell(fmt.pct(section.realized_vol_20d, 2))),
        ("IV rank 1y", value_cell(fmt.pct(section.iv_rank_1y))),
        ("IV percentile 1y", value_cell(fmt.pct(section.iv_percentile_1y))),
    )


class VixPanel(ReadingsPanel):
    """Implied volatility against realised volatility."""

    PANEL_TITLE = "VIX"

    section: reactive[VixSection | None] = reactive(None)
    """The VIX section of the latest Snapshot."""

    def watch_section(self, section: VixSection | None) -> None:
        if section is not None:
            self.show_readings(section.status, vix_rows(section))
