"""The gamma profile chart of the gamma panel's detail view: dealers' net exposure ($bn
per 1 % move) if the index stood at each level from 0.8 to 1.2 × spot, drawn with
plotext, in the success colour where it is positive (dealers damp moves) and the error
colour where it is negative (they amplify them), the zero line across, and two upright
lines: spot (primary) and the zero-gamma flip (warning), each labelled with its level,
the labels on their outer sides so they do not run into each other. Points that are not
numbers (or are too large to draw) are gaps; with fewer than two points the chart says
so; a flip or a spot outside the profile's range is left off. Replots only when what it
draws changes (widgets/chart.py). This module imports plotext: the panel imports it
after the first paint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.chart import Chart, nice_ticks
from widgets.chart_slot import plottable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import RenderResult

    from core.sections.gamma import ProfilePoint

EMPTY = "no gamma profile"
"""What the chart says with fewer than two points to draw."""

PAD = 0.08
"""Headroom above and below the curve, as a share of its span."""

Run = tuple[list[float], list[float]]
"""Levels and exposures of one stretch of the curve drawn in one colour."""


def drawable(profile: Sequence[ProfilePoint]) -> list[tuple[float, float]]:
    """The (level, exposure) pairs a chart can draw, ascending by level."""
    return sorted(
        (point.spot, point.gex_bn)
        for point in profile
        if plottable(point.spot, 0.0) and point.spot > 0 and plottable(point.gex_bn)
    )


def signed_runs(points: Sequence[tuple[float, float]]) -> tuple[list[Run], list[Run]]:
    """The curve split where it crosses zero into positive and negative stretches,
    each crossing (interpolated) ending one stretch and starting the next, so the two
    colours join. A point exactly at zero ends a stretch and starts the next."""
    positive: list[Run] = []
    negative: list[Run] = []
    xs: list[float] = []
    ys: list[float] = []
    sign = 0
    for level, value in points:
        now = 1 if value > 0 else -1 if value < 0 else 0
        if xs and now != sign:
            previous_level, previous_value = xs[-1], ys[-1]
            if now and sign:  # crossed between two points: join at the crossing
                share = previous_value / (previous_value - value)
                crossing = previous_level + (level - previous_level) * share
                xs.append(crossing)
                ys.append(0.0)
            else:
                xs.append(level)
                ys.append(value)
            (positive if sign >= 0 else negative).append((xs, ys))
            xs, ys = [xs[-1]], [ys[-1]]
        xs.append(level)
        ys.append(value)
        sign = now if now else sign
    if len(xs) > 1:
        (positive if sign >= 0 else negative).append((xs, ys))
    return positive, negative


def y_range(values: Sequence[float]) -> tuple[float, float]:
    """The exposure axis: the curve and zero, padded."""
    low, high = min(0.0, *values), max(0.0, *values)
    pad = (high - low) * PAD or 1.0
    return low - pad, high + pad


def tick_label(value: float) -> str:
    """An exposure tick: `+20`, `-2.5`, `0`."""
    if abs(value) < 1e-9:
        return "0"
    return fmt.signed_number(value, 0 if float(value).is_integer() else 1)


def place_label(
    name: str, level: float, partner: float | None, left: float, right: float, cell: float
) -> tuple[str, bool] | None:
    """A line's label and whether it goes right of the line: `spot 7,786` on the side
    away from the other line (right when alone), else the other side, else the level
    alone; None when not even that fits between the line and the frame."""
    outer_right = partner is None or level >= partner
    room = {True: (right - level) / cell - 1, False: (level - left) / cell - 1}
    number = fmt.level_price(round(level))
    for label in (f"{name} {number}", number):
        for on_right in (outer_right, not outer_right):
            if len(label) <= room[on_right]:
                return label, on_right
    return None


class GammaProfileChart(Chart):
    """Net exposure against the index level, spot and the flip marked."""

    profile: reactive[tuple[ProfilePoint, ...]] = reactive((), repaint=False)
    """The profile, ascending by level."""

    spot: reactive[float | None] = reactive(None, repaint=False)
    """The index level the chain was priced at (its line is drawn when known)."""

    flip: reactive[float | None] = reactive(None, repaint=False)
    """The zero-gamma level nearest spot; None when the profile does not cross zero."""

    def watch_profile(self) -> None:
        self.repaint_changes()

    def watch_spot(self) -> None:
        self.repaint_changes()

    def watch_flip(self) -> None:
        self.repaint_changes()

    def plot_key(self) -> tuple[object, ...]:
        return (self.profile, self.spot, self.flip)

    def draw(self, width: int, height: int) -> RenderResult:
        points = drawable(self.profile)
        if len(points) < 2:
            return Content.styled(EMPTY, "$text-muted")
        plt, canvas, _ = self.start_plot(width, height)
        levels = [level for level, _ in points]
        left, right = levels[0], levels[-1]
        low, high = y_range([value for _, value in points])
        plot_rows = max(2, height - 3)
        y_ticks = nice_ticks(low, high, max(2, plot_rows // 3))
        y_labels = [tick_label(tick) for tick in y_ticks]
        plot_columns = max(4, width - max(len(label) for label in y_labels) - 3)
        x_ticks = nice_ticks(left, right, max(2, plot_columns // 12))
        plt.frame(True)
        plt.xlim(left, right)
        plt.ylim(low, high)
        plt.yticks(y_ticks, y_labels)
        plt.xticks(x_ticks, [fmt.level_price(round(tick)) for tick in x_ticks])
        plt.hline(0.0, self.theme_color("foreground-muted"))
        cell = (right - left) / plot_columns
        marks = [
            (self.spot, "spot", "primary", high - (high - low) * 0.04),
            (self.flip, "flip", "warning", low + (high - low) * 0.04),
        ]
        shown = [
            (level, name, color, y)
            for level, name, color, y in marks
            if level is not None and plottable(level, left, right)
        ]
        for level, _, color, _ in shown:
            plt.vline(level, self.theme_color(color))
        positive, negative = signed_runs(points)
        for runs, color in ((positive, "success"), (negative, "error")):
            for xs, ys in runs:
                plt.plot(xs, ys, marker=self.line_marker, color=self.theme_color(color))
        other = {name: level for level, name, _, _ in shown}
        for level, name, color, y in shown:
            partner = other.get("flip" if name == "spot" else "spot")
            placed = place_label(name, level, partner, left, right, cell)
            if placed is None:
                continue
            label, on_right = placed
            plt.text(
                label,
                x=level + cell if on_right else level - cell,
                y=y,
                color=self.theme_color(color),
                background=canvas,
                alignment="left" if on_right else "right",
            )
        return self.built(plt)
