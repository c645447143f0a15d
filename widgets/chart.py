"""The base of Regime's plotext charts: a `PlotextPlot` that follows the app theme (the
canvas takes the panel's background, ink and lines come from theme variables, ANSI
themes use the terminal's own 16 colours) and replots only when what it draws changes.
A chart says what it draws in `plot_key()`; `render` rebuilds the plot only when that
key, the size or the theme differs from the last build, so a repaint for any other
reason (focus, a border update, an equal Snapshot) costs no plotext work and
`plots` counts the real builds. Where the terminal takes ASCII only, lines are drawn
with `*` and points with `o` instead of braille dots and `●`. Also the helpers every
chart shares: theme colours as plotext takes them, round tick values, date ticks, and
marking points (the divergence pivots both charts mark). This module imports plotext:
panels import it only after the first paint."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.color import Color, ColorParseError
from textual_plotext import PlotextPlot

from core import format as fmt
from widgets import look
from widgets.chart_slot import plottable
from widgets.repaint import RepaintsChanges

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from textual.app import RenderResult
    from textual_plotext.plot import Plot

    from widgets.chart_slot import MarkerPoint

PlotColor = str | tuple[int, int, int]
"""A colour as plotext takes it: a name of the 16 ANSI colours, "default", or RGB."""

PLOTEXT_ANSI_NAMES = (
    "black",
    "red",
    "green",
    "orange",
    "blue",
    "magenta",
    "cyan",
    "gray+",
    "gray",
    "red+",
    "green+",
    "orange+",
    "blue+",
    "magenta+",
    "cyan+",
    "white",
)
"""plotext's names of ANSI colours 0-15 (plotext calls yellow "orange")."""

GREY = Color(128, 128, 128)
"""Fallback when a theme variable will not parse."""

MARKER = "●"
"""The character that marks a pivot on a chart (it reads without colour)."""
ASCII_MARKER = "o"
"""MARKER where the terminal takes ASCII only."""
LINE_MARKER = "braille"
"""plotext's marker for a line: braille, 2x4 dots a cell."""
ASCII_LINE_MARKER = "*"
"""LINE_MARKER where the terminal takes ASCII only: one point a cell."""


def segments(values: Sequence[float | None]) -> list[tuple[list[float], list[float]]]:
    """The runs of known values as (x, y) lists: a missing session breaks the line."""
    runs: list[tuple[list[float], list[float]]] = []
    xs: list[float] = []
    ys: list[float] = []
    for index, value in enumerate(values):
        if value is None:
            if xs:
                runs.append((xs, ys))
            xs, ys = [], []
            continue
        xs.append(float(index))
        ys.append(value)
    if xs:
        runs.append((xs, ys))
    return runs


def plotext_color(color: Color) -> PlotColor:
    """A Textual colour as plotext takes it: ANSI colours by name, others as RGB."""
    if color.ansi is not None:
        return "default" if color.ansi < 0 else PLOTEXT_ANSI_NAMES[color.ansi % 16]
    if color.a == 0:
        return "default"
    return color.rgb


def nice_ticks(low: float, high: float, count: int) -> list[float]:
    """About `count` round values (steps of 1, 2 or 5 × 10^k) between low and high."""
    raw = (high - low) / max(1, count)
    magnitude = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    # Counted, not summed: a step lost in the float's precision would never end a sum.
    return [
        first + step * index
        for index in range(math.floor((high - first) / step) + 1 if high >= first else 0)
    ]


def row_of(value: float, low: float, high: float, rows: int) -> int:
    """The canvas row (0 at the bottom) a value falls on."""
    if high <= low or rows <= 1:
        return 0
    return round((value - low) / (high - low) * (rows - 1))


def date_ticks(dates: Sequence[date], count: int) -> tuple[list[float], list[str]]:
    """About `count` evenly spaced x positions and their dates (`Jan 28`)."""
    if not dates:
        return [], []
    last = len(dates) - 1
    count = max(2, min(count, len(dates)))
    indices = sorted({round(last * i / (count - 1)) for i in range(count)})
    return [float(i) for i in indices], [fmt.short_date(dates[i]) for i in indices]


def marker_positions(
    points: Sequence[MarkerPoint], dates: Sequence[date]
) -> list[tuple[float, MarkerPoint]]:
    """The x position (index into `dates`) of each point whose date is on the chart."""
    index = {day: position for position, day in enumerate(dates)}
    return [(float(index[point.day]), point) for point in points if point.day in index]


class Chart(RepaintsChanges, PlotextPlot):
    """A plotext chart that follows the theme and replots only when its data changes."""

    DEFAULT_CSS = """
    Chart {
        height: 1fr;
        width: 1fr;
        min-height: 6;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plots = 0
        """How many times the plot was actually built (tests pin "no replot")."""
        self._built_key: tuple[Any, ...] | None = None
        self._built: RenderResult | None = None

    def plot_key(self) -> Any:
        """What the chart draws, comparable with ==: the plot is rebuilt when it changes."""
        raise NotImplementedError

    def draw(self, width: int, height: int) -> RenderResult:
        """Build the plot for a canvas of `width` × `height` cells."""
        raise NotImplementedError

    def render(self) -> RenderResult:
        width, height = self.size
        key = (
            self.plot_key(),
            width,
            height,
            self.app.theme,
            self.background_colors[1],
            look.ascii_only(self),
        )
        if self._built is not None and key == self._built_key:
            return self._built
        self._built = self.draw(width, height)
        self._built_key = key
        self.plots += 1
        return self._built

    def theme_color(self, name: str, default: Color = GREY) -> PlotColor:
        """A theme variable as a plotext colour (the default when it will not parse)."""
        value = self.app.theme_variables.get(name)
        try:
            color = Color.parse(value) if value else default
        except ColorParseError:
            color = default
        return plotext_color(color)

    @property
    def line_marker(self) -> str:
        """The plotext marker lines are drawn with on this terminal."""
        return ASCII_LINE_MARKER if look.ascii_only(self) else LINE_MARKER

    @property
    def point_marker(self) -> str:
        """The character points are marked with on this terminal."""
        return ASCII_MARKER if look.ascii_only(self) else MARKER

    def start_plot(self, width: int, height: int) -> tuple[Plot, PlotColor, PlotColor]:
        """A cleared plot of the given size in the theme's colours: (plt, canvas, ink)."""
        plt = self.plt
        plt.clear_data()
        plt.plotsize(width, height)
        # textual-plotext does the same: resizing is unreliable without it.
        plt._set_size(width, height)
        canvas = plotext_color(self.background_colors[1])
        if self.app.current_theme.ansi:
            canvas = "default"
        ink = self.theme_color("foreground")
        plt.theme("clear")
        plt.canvas_color(canvas)
        plt.axes_color(canvas)
        plt.ticks_color(ink)
        return plt, canvas, ink

    def mark_points(
        self,
        plt: Plot,
        points: Sequence[MarkerPoint],
        dates: Sequence[date],
        color: str,
        canvas: PlotColor,
        *,
        columns: int,
        y_range: tuple[float, float],
        labels: bool = False,
    ) -> None:
        """Mark points (pivots) with ● (o) joined by a line, their labels beside them (one
        cell off, so the marker stays in view); `columns` is the canvas width. Points
        outside `y_range` (or not a number) are left off: they would not be in view."""
        low, high = y_range
        placed = [
            (x, point)
            for x, point in marker_positions(points, dates)
            if plottable(point.value, low, high)
        ]
        if not placed:
            return
        plot_color = self.theme_color(color)
        xs, ys = [x for x, _ in placed], [point.value for _, point in placed]
        if len(placed) > 1:
            plt.plot(xs, ys, marker=self.line_marker, color=plot_color)
        plt.scatter(xs, ys, marker=self.point_marker, color=plot_color)
        if labels:
            last = max(1, len(dates) - 1)
            cell = last / max(1, columns)
            for x, point in placed:
                if point.label:
                    left = x > last / 2
                    plt.text(
                        point.label,
                        x=x - 2 * cell if left else x + 2 * cell,
                        y=point.value,
                        color=plot_color,
                        background=canvas,
                        alignment="right" if left else "left",
                    )

    def built(self, plt: Plot) -> Text:
        """The plot as styled text."""
        return Text.from_ansi(plt.build())
