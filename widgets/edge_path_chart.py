"""The cumulative average path after a study's events over its headline horizon, against
the baseline's (every session of the same span), for the Edge detail view: sessions
after the event across, the average return so far (%) up, the events' path in the
primary colour and the baseline's muted, the zero line across, each path's last value
labelled at its end where it fits. A point that is not a number (or is too large to
draw) breaks its line; with fewer than two points on either path the chart says so.
Replots only when what it draws changes (widgets/chart.py). This module imports
plotext: the panel imports it after the first paint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.chart import Chart, nice_ticks
from widgets.chart_slot import plottable
from widgets.return_histogram import pct_tick

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import RenderResult

    from core.studies.result import PathPoint

EMPTY = "no average path yet"
"""What the chart says with fewer than two points to draw."""

PAD = 0.1
"""Headroom above and below the paths, as a share of their span."""

Line = tuple[list[float], list[float]]
"""Sessions and values of one unbroken stretch of a path."""


def stretches(points: Sequence[tuple[int, float | None]]) -> list[Line]:
    """The unbroken stretches of a path (a point that cannot be drawn breaks it)."""
    lines: list[Line] = []
    xs: list[float] = []
    ys: list[float] = []
    for sessions, value in points:
        if value is None or not plottable(value):
            if xs:
                lines.append((xs, ys))
            xs, ys = [], []
            continue
        xs.append(float(sessions))
        ys.append(value)
    if xs:
        lines.append((xs, ys))
    return lines


def paths(path: Sequence[PathPoint]) -> tuple[list[Line], list[Line]]:
    """The events' and the baseline's stretches, by sessions after the event."""
    ordered = sorted(
        (point for point in path if plottable(point.sessions, 0.0)), key=lambda p: p.sessions
    )
    events = stretches([(point.sessions, point.mean_pct) for point in ordered])
    baseline = stretches([(point.sessions, point.baseline_mean_pct) for point in ordered])
    return events, baseline


def last_value(lines: Sequence[Line]) -> tuple[float, float] | None:
    """The last drawn point of a path."""
    return (lines[-1][0][-1], lines[-1][1][-1]) if lines else None


class EdgePathChart(Chart):
    """The average path after the events against every session's."""

    path: reactive[tuple[PathPoint, ...]] = reactive((), repaint=False)
    """One point a session after the event, from 0 to the headline horizon."""

    def watch_path(self) -> None:
        self.repaint_changes()

    def plot_key(self) -> tuple[object, ...]:
        return (self.path,)

    def draw(self, width: int, height: int) -> RenderResult:
        events, baseline = paths(self.path)
        drawn = [line for line in (*events, *baseline) if len(line[0]) > 1]
        if not drawn or width < 8 or height < 4:
            return Content.styled(EMPTY, "$text-muted")
        plt, canvas, _ = self.start_plot(width, height)
        xs = [x for line in drawn for x in line[0]]
        ys = [y for line in drawn for y in line[1]]
        left, right = min(xs), max(xs)
        if right <= left:
            right = left + 1
        low, high = min(0.0, *ys), max(0.0, *ys)
        pad = (high - low) * PAD or 1.0
        low, high = low - pad, high + pad
        plot_rows = max(2, height - 3)
        y_ticks = nice_ticks(low, high, max(2, plot_rows // 3))
        y_labels = [pct_tick(tick) for tick in y_ticks]
        plot_columns = max(4, width - max((len(label) for label in y_labels), default=1) - 3)
        x_ticks = [tick for tick in nice_ticks(left, right, max(2, plot_columns // 8))]
        x_ticks = [tick for tick in x_ticks if float(tick).is_integer()]
        plt.frame(True)
        plt.xlim(left, right)
        plt.ylim(low, high)
        plt.yticks(y_ticks, y_labels)
        plt.xticks(x_ticks, [f"{tick:.0f}" for tick in x_ticks])
        plt.hline(0.0, self.theme_color("foreground-muted"))
        cell = (right - left) / plot_columns
        for lines, color in ((baseline, "foreground-muted"), (events, "primary")):
            plot_color = self.theme_color(color)
            for line_xs, line_ys in lines:
                plt.plot(line_xs, line_ys, marker=self.line_marker, color=plot_color)
            end = last_value(lines)
            if end is None:
                continue
            label = fmt.signed_pct(end[1])
            if end[0] - cell * (len(label) + 1) >= left:
                plt.text(
                    label,
                    x=end[0] - cell,
                    y=end[1] + (high - low) * 0.06,
                    color=plot_color,
                    background=canvas,
                    alignment="right",
                )
        return self.built(plt)
