"""A chart of a 0–100 daily series with two threshold lines: the RSI with its 30 and 70
lines and the pivots of an active divergence marked (●) and joined, and the share of
members above their 200-day average with its weak (30) and strong (70) lines. It draws
the last `window` sessions (the price chart's span on the dashboard, the whole year in
the detail view); the y-range is the series' own, widened to keep both lines in view.
Missing sessions, and values that are not a number or fall outside 0–100 (no reading of
a 0–100 scale can), are gaps, never zeros. Replots only when what it draws changes (see
widgets/chart.py). This module imports plotext: panels import it after the first paint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.chart import Chart, date_ticks, plottable, segments
from widgets.chart_slot import MarkerPoint, last_sessions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from textual.app import RenderResult

    from core.snapshot import Series

PAD = 4.0
"""Points of headroom above and below the thresholds and the series."""

SCALE = (0.0, 100.0)
"""The scale every series of this chart is on; a value outside it is drawn as a gap."""


def on_scale(values: Sequence[float | None]) -> list[float | None]:
    """The values, with None for each one this 0–100 chart cannot draw."""
    return [value if plottable(value, *SCALE) else None for value in values]


def oscillator_range(values: list[float | None], lower: float, upper: float) -> tuple[float, float]:
    """The y-range: the known values and both thresholds, padded, within 0…100."""
    known = [value for value in values if value is not None]
    low = min([lower, *known]) - PAD
    high = max([upper, *known]) + PAD
    return max(0.0, low), min(100.0, high)


class OscillatorChart(Chart):
    """A 0–100 series with lower and upper threshold lines and marked points."""

    series: reactive[Series | None] = reactive(None, repaint=False)
    """The series drawn (dates and values, oldest first)."""

    window: reactive[int | None] = reactive(None, repaint=False)
    """How many of the latest sessions to draw; None draws the whole series."""

    markers: reactive[tuple[MarkerPoint, ...]] = reactive((), repaint=False)
    """Points to mark (a divergence's two RSI pivots), joined by a line."""

    marker_color: reactive[str] = reactive("error", repaint=False)
    """Theme colour of the markers: error for a bearish divergence, success bullish."""

    label_markers: reactive[bool] = reactive(False, repaint=False)
    """Print each marker's label beside it (the detail view)."""

    def watch_series(self) -> None:
        self.repaint_changes()

    def watch_window(self) -> None:
        self.repaint_changes()

    def watch_markers(self) -> None:
        self.repaint_changes()

    def watch_marker_color(self) -> None:
        self.repaint_changes()

    def watch_label_markers(self) -> None:
        self.repaint_changes()

    def __init__(
        self,
        *,
        lower: float = 30.0,
        upper: float = 70.0,
        lower_color: str = "success",
        upper_color: str = "error",
        empty: str = "no history",
        compact: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`lower`/`upper`: the threshold lines and their theme colours; `empty`: what
        the chart says when it has fewer than two sessions to draw; `compact`: no frame
        and no date axis, every row for the trace (the dashboard's RSI chart, whose
        dates the price chart beside it shows)."""
        super().__init__(name=name, id=id, classes=classes)
        self.lower = lower
        self.upper = upper
        self.lower_color = lower_color
        self.upper_color = upper_color
        self.empty = empty
        self.compact = compact

    def plot_key(self) -> tuple[object, ...]:
        return (self.series, self.window, self.markers, self.marker_color, self.label_markers)

    def draw(self, width: int, height: int) -> RenderResult:
        series = self.series
        values = on_scale(last_sessions(series.values, self.window)) if series else []
        dates: list[date] = list(last_sessions(series.dates, self.window)) if series else []
        if sum(value is not None for value in values) < 2 or len(dates) != len(values):
            return Content.styled(self.empty, "$text-muted")
        plt, canvas, ink = self.start_plot(width, height)
        low, high = oscillator_range(values, self.lower, self.upper)
        plt.ylim(low, high)
        ticks = [tick for tick in (self.lower, 50.0, self.upper) if low <= tick <= high]
        plt.yticks(ticks, [fmt.number(tick, 0) for tick in ticks])
        if self.compact:
            plt.frame(False)
            plt.xticks([])
        else:
            plt.frame(True)
            positions, names = date_ticks(dates, max(2, (width - 5) // 14))
            plt.xticks(positions, names)
        plt.xlim(0, len(values) - 1)
        plt.hline(self.lower, self.theme_color(self.lower_color))
        plt.hline(self.upper, self.theme_color(self.upper_color))
        for xs, ys in segments(values):
            plt.plot(xs, ys, marker=self.line_marker, color=ink)
        self.mark_points(
            plt,
            self.markers,
            dates,
            self.marker_color,
            canvas,
            columns=max(4, width - 4),
            y_range=(low, high),
            labels=self.label_markers,
        )
        return self.built(plt)
