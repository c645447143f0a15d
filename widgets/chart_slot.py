"""What panels need of their charts before plotext is loaded: a `ChartSlot` that holds
the chart's place (same classes, so the layout does not jump) until the panel, after
the first paint, imports its chart module and calls `fill`; how much of the Snapshot's
year of history the dashboard shows (`DASHBOARD_SESSIONS` on the price and RSI charts,
`SPARKLINE_SESSIONS` on the breadth sparkline; the detail view shows all of it); and
`MarkerPoint`, a point the charts mark (a divergence's pivots); and `plottable`, whether
a chart or the sparkline can draw a value at all. A slot no longer in the app (a quit
during the first paint) is left as it is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from textual.widget import Widget
from textual.widgets import Static

DASHBOARD_SESSIONS = 120
"""Sessions on the dashboard's price chart, and on the RSI chart beside it."""

SPARKLINE_SESSIONS = 60
"""Sessions on the breadth sparkline."""


PLOT_LIMIT = 1e15
"""The largest magnitude a chart draws; beyond it (1e308, inf) a value is a gap: plotext
scales values to cells in floats and overflows, and no reading of Regime's is that big."""


def plottable(value: float | None, low: float = -PLOT_LIMIT, high: float = PLOT_LIMIT) -> bool:
    """Whether a chart can draw `value`: a finite number within low…high."""
    return value is not None and math.isfinite(value) and low <= value <= high


Item = TypeVar("Item")


@dataclass(frozen=True)
class MarkerPoint:
    """A point marked on a chart: a divergence pivot's date and its price or RSI."""

    day: date
    value: float
    label: str = ""
    """Text beside the marker (the detail view prints the pivot's value)."""


def last_sessions(items: Sequence[Item], window: int | None) -> Sequence[Item]:
    """The last `window` items (all of them when window is None)."""
    return items if window is None or window >= len(items) else items[-window:]


def window(detailed: bool, sessions: int = DASHBOARD_SESSIONS) -> int | None:
    """How many of the latest sessions a chart draws: all of them in the detail view."""
    return None if detailed else sessions


class ChartSlot(Static):
    """A chart's place in the layout until the chart is mounted."""

    DEFAULT_CSS = """
    ChartSlot {
        width: 1fr;
    }
    """

    def __init__(self, *, classes: str) -> None:
        super().__init__("", classes=classes)

    async def fill(self, chart: Widget) -> None:
        """Put `chart` where the slot is (it takes the slot's classes) and go; nothing
        when the slot is no longer in the app (removed, or the app is exiting)."""
        parent = self.parent
        # The panels fill their slots after the first paint, which a quit (q, a signal)
        # can beat: Textual refuses to mount into a detached parent (MountError), and
        # there is nothing left to show the chart on anyway.
        if not isinstance(parent, Widget) or not (self.is_attached and parent.is_attached):
            return
        chart.add_class(*self.classes)
        await parent.mount(chart, after=self)
        await self.remove()
