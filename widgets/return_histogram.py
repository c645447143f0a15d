"""The distribution of a study's forward returns at its headline horizon, as a histogram
(the Edge detail view): the events' returns in bins of a round width (0 is always an
edge, so a bin is all gains or all losses: gains in the success colour, losses in the
error colour), the count of events on the upright axis, and two upright lines over the
bars with their labels in the headroom: the events' mean (primary) and every session's
mean over the same span, the baseline (muted). Returns that are not numbers (or too
large to draw) are left out, never counted as 0; with no return to draw the chart says
so. Replots only when what it draws changes (widgets/chart.py). This module imports
plotext: the panel imports it after the first paint."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.chart import Chart, nice_ticks
from widgets.chart_slot import plottable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import RenderResult

EMPTY = "no returns to draw yet"
"""What the chart says with no return to draw (no event has reached the horizon)."""

MAX_BINS = 24
"""At most this many bins, however many events."""
BAR_WIDTH = 0.8
"""A bar's share of its bin's width: a gap between bins keeps them apart."""
HEADROOM = 1.45
"""The count axis reaches this many times the tallest bin: room for the labels."""


def drawable(returns: Sequence[float | None]) -> list[float]:
    """The returns a chart can draw."""
    return [value for value in returns if value is not None and plottable(value)]


def bin_width(values: Sequence[float], columns: int) -> float:
    """A round bin width (1, 2, 2.5 or 5 × 10^k percent) for about √n bins (at least
    4, at most MAX_BINS and a bin per 3 columns)."""
    low, high = min(values), max(values)
    span = high - low
    count = max(4, min(MAX_BINS, columns // 3, round(math.sqrt(len(values))) + 2))
    raw = span / count if span > 0 else max(abs(high), 1.0) / 4
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def bins(values: Sequence[float], width: float) -> list[tuple[float, int]]:
    """Each bin's lower edge and its count, from the lowest value's bin to the highest's
    (a value on an edge falls in the bin above it)."""
    first = math.floor(min(values) / width)
    last = math.floor(max(values) / width)
    counts = [0] * (last - first + 1)
    for value in values:
        counts[min(len(counts) - 1, max(0, math.floor(value / width) - first))] += 1
    return [((first + index) * width, count) for index, count in enumerate(counts)]


def pct_tick(value: float) -> str:
    """A return tick: `+2%`, `-2.5%`, `0`."""
    if abs(value) < 1e-9:
        return "0"
    decimals = 0 if float(value).is_integer() else 1 if float(value * 10).is_integer() else 2
    return fmt.signed_pct(value, decimals)


class ReturnHistogram(Chart):
    """The events' forward returns at one horizon, binned, with both means marked."""

    returns: reactive[tuple[float | None, ...]] = reactive((), repaint=False)
    """Each event's return (%), None where its horizon is pending."""

    mean: reactive[float | None] = reactive(None, repaint=False)
    """The events' mean return (%)."""

    baseline: reactive[float | None] = reactive(None, repaint=False)
    """Every session's mean return (%) over the same span and horizon."""

    def watch_returns(self) -> None:
        self.repaint_changes()

    def watch_mean(self) -> None:
        self.repaint_changes()

    def watch_baseline(self) -> None:
        self.repaint_changes()

    def plot_key(self) -> tuple[object, ...]:
        return (self.returns, self.mean, self.baseline)

    def draw(self, width: int, height: int) -> RenderResult:
        values = drawable(self.returns)
        if not values or width < 8 or height < 4:
            return Content.styled(EMPTY, "$text-muted")
        plt, canvas, _ = self.start_plot(width, height)
        step = bin_width(values, width)
        counted = bins(values, step)
        left, right = counted[0][0], counted[-1][0] + step
        marks = [
            (self.mean, "mean", "primary"),
            (self.baseline, "all", "foreground-muted"),
        ]
        shown = [(value, name, color) for value, name, color in marks if plottable(value)]
        for value, _, _ in shown:  # widen the range to the means (a bin's width past them)
            assert value is not None
            left = min(left, math.floor(value / step) * step)
            right = max(right, (math.floor(value / step) + 1) * step)
        tallest = max(count for _, count in counted)
        top = tallest * HEADROOM
        plot_rows = max(2, height - 3)
        y_ticks = [tick for tick in nice_ticks(0, tallest, max(2, plot_rows // 3)) if tick >= 0]
        y_ticks = [tick for tick in y_ticks if float(tick).is_integer()] or [0.0]
        y_labels = [f"{tick:.0f}" for tick in y_ticks]
        plot_columns = max(4, width - max(len(label) for label in y_labels) - 3)
        x_ticks = nice_ticks(left, right, max(2, plot_columns // 9))
        plt.frame(True)
        plt.xlim(left, right)
        plt.ylim(0, top)
        plt.yticks(y_ticks, y_labels)
        plt.xticks(x_ticks, [pct_tick(tick) for tick in x_ticks])
        for sign, color in ((-1, "error"), (1, "success")):
            part = [(edge, count) for edge, count in counted if (edge >= 0) == (sign > 0)]
            if part:
                plt.bar(
                    [edge + step / 2 for edge, _ in part],
                    [count for _, count in part],
                    color=self.theme_color(color),
                    width=BAR_WIDTH,
                    reset_ticks=False,
                )
        cell = (right - left) / plot_columns
        for row, (value, name, color) in enumerate(shown):
            assert value is not None
            plot_color = self.theme_color(color)
            plt.vline(value, plot_color)
            label = f"{name} {fmt.signed_pct(value)}"
            on_right = value + cell * (len(label) + 1) <= right
            if not on_right and value - cell * (len(label) + 1) < left:
                continue  # no room on either side: the caption names it
            plt.text(
                label,
                x=value + cell if on_right else value - cell,
                y=top * (0.95 - 0.14 * row),
                color=plot_color,
                background=canvas,
                alignment="left" if on_right else "right",
            )
        return self.built(plt)
