"""The price chart: recent daily closes of the index drawn with plotext, every key level
near the chart's range drawn as a horizontal line in its thesis/kind colour and
labelled with its name. Levels far outside the range of the closes are left off
(they would squash the price into a flat line); the price panel's table lists every
level anyway. The chart follows the app theme: colours come from the theme's
variables, and ANSI themes use the terminal's own 16 colours. This module imports
plotext, so the price panel imports it only after the first paint."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.color import Color, ColorParseError
from textual.content import Content
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from widgets import format as fmt

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from textual.app import RenderResult

    from core.snapshot import Level, PriceSection

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

NEAR_RANGE = 0.25
"""Levels within this share of the closes' span beyond the closes are drawn."""

LABEL_GAP = " · "


def plotext_color(color: Color) -> PlotColor:
    """A Textual colour as plotext takes it: ANSI colours by name, others as RGB."""
    if color.ansi is not None:
        return "default" if color.ansi < 0 else PLOTEXT_ANSI_NAMES[color.ansi % 16]
    if color.a == 0:
        return "default"
    return color.rgb


@dataclass(frozen=True)
class ChartLine:
    """One horizontal line of the chart."""

    value: float
    label: str
    color: str
    """Theme colour name: success, error, primary..."""
    priority: int = 0
    """Which line wins a shared row (drawn last, named first): user levels over
    milestones over moving averages over bands."""


PRIORITY = {"user": 3, "milestone": 2, "ema": 1, "sma": 1, "range": 0}


def chart_lines(levels: Sequence[Level]) -> list[ChartLine]:
    """Every level as a line, a range as two (its bottom and its top), in drawing
    order: the most important last, so it wins a shared row."""
    lines: list[ChartLine] = []
    for level in levels:
        color = fmt.level_color(level.kind, level.thesis)
        priority = PRIORITY.get(level.kind, 0)
        lines.append(ChartLine(level.value, level.name, color, priority))
        if level.upper is not None:
            lines.append(ChartLine(level.upper, level.name, color, priority))
    return sorted(lines, key=lambda line: line.priority)


def y_range(closes: Sequence[float], lines: Sequence[ChartLine]) -> tuple[float, float]:
    """The chart's y-range: the closes, widened to take in the lines near them."""
    low, high = min(closes), max(closes)
    reach = max((high - low) * NEAR_RANGE, high * 0.002)
    near = [line.value for line in lines if low - reach <= line.value <= high + reach]
    low, high = min([low, *near]), max([high, *near])
    pad = max((high - low) * 0.04, high * 0.0005)
    return low - pad, high + pad


def nice_ticks(low: float, high: float, count: int) -> list[float]:
    """About `count` round values (steps of 1, 2 or 5 × 10^k) between low and high."""
    raw = (high - low) / max(1, count)
    magnitude = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks: list[float] = []
    value = first
    while value <= high:
        ticks.append(value)
        value += step
    return ticks


def row_of(value: float, low: float, high: float, rows: int) -> int:
    """The canvas row (0 at the bottom) a value falls on."""
    if high <= low or rows <= 1:
        return 0
    return round((value - low) / (high - low) * (rows - 1))


@dataclass(frozen=True)
class Label:
    """A label placed on the canvas: merged names of the lines that share a row."""

    value: float
    text: str
    color: str
    left: bool


def place_labels(
    lines: Sequence[ChartLine],
    closes: Sequence[float],
    low: float,
    high: float,
    rows: int,
    columns: int,
) -> list[Label]:
    """Labels for lines in view: one per canvas row (names merged with ·), each put at
    the end of the chart (left or right) where it hides less of the price."""
    by_row: dict[int, list[ChartLine]] = {}
    for line in sorted(lines, key=lambda line: (-line.priority, -line.value)):
        if low <= line.value <= high:
            by_row.setdefault(row_of(line.value, low, high, rows), []).append(line)
    labels: list[Label] = []
    count = len(closes)
    for row, shared in by_row.items():
        # A band's name is already on its other line: it gives way to any other level.
        named = [line for line in shared if line.priority > 0] or shared
        names = list(dict.fromkeys(line.label for line in named))
        text = LABEL_GAP.join(names)
        limit = max(4, columns * 2 // 3)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        # How many closes under the label's span sit on its row, at each end.
        span = max(1, math.ceil(len(text) / max(1, columns) * count))
        price_rows = [row_of(close, low, high, rows) for close in closes]
        hits_left = sum(1 for r in price_rows[:span] if abs(r - row) <= 0)
        hits_right = sum(1 for r in price_rows[-span:] if abs(r - row) <= 0)
        labels.append(Label(named[0].value, text, named[0].color, hits_left <= hits_right))
    return labels


def date_ticks(dates: Sequence[date], count: int) -> tuple[list[float], list[str]]:
    """About `count` evenly spaced x positions and their dates (`Jan 28`)."""
    if not dates:
        return [], []
    last = len(dates) - 1
    count = max(2, min(count, len(dates)))
    indices = sorted({round(last * i / (count - 1)) for i in range(count)})
    return [float(i) for i in indices], [f"{dates[i]:%b %d}" for i in indices]


class PriceChart(PlotextPlot):
    """Recent closes with the key levels as labelled horizontal lines."""

    DEFAULT_CSS = """
    PriceChart {
        height: 1fr;
        width: 1fr;
        min-height: 6;
    }
    """

    section: reactive[PriceSection | None] = reactive(None)
    """The price section whose history and levels are drawn."""

    def _theme_color(self, name: str, default: Color) -> PlotColor:
        """A theme variable as a plotext colour (the default when it will not parse)."""
        value = self.app.theme_variables.get(name)
        try:
            color = Color.parse(value) if value else default
        except ColorParseError:
            color = default
        return plotext_color(color)

    def render(self) -> RenderResult:
        section = self.section
        closes = section.history.closes if section is not None else ()
        if section is None or len(closes) < 2:
            why = fmt.reason(section.status.detail if section else None)
            return Content.styled(f"no price history: {why}", "$text-muted")
        width, height = self.size
        plt = self.plt
        plt.clear_data()
        plt.plotsize(width, height)
        # textual-plotext does the same: resizing is unreliable without it.
        plt._set_size(width, height)

        background = self.background_colors[1]
        canvas = plotext_color(background)
        if self.app.current_theme.ansi:
            canvas = "default"
        ink = self._theme_color("foreground", Color(128, 128, 128))
        plt.theme("clear")
        plt.canvas_color(canvas)
        plt.axes_color(canvas)
        plt.ticks_color(ink)

        lines = chart_lines(section.levels)
        low, high = y_range(closes, lines)
        plot_rows = max(2, height - 3)
        tick_width = len(fmt.level_value(round(high))) + 1
        plot_columns = max(4, width - tick_width - 2)

        plt.ylim(low, high)
        y_ticks = nice_ticks(low, high, max(2, plot_rows // 3))
        plt.yticks(y_ticks, [fmt.level_value(round(tick)) for tick in y_ticks])
        positions, names = date_ticks(section.history.dates, max(2, plot_columns // 14))
        plt.xticks(positions, names)
        plt.xlim(0, len(closes) - 1)

        for line in lines:
            if low <= line.value <= high:
                plt.hline(line.value, self._theme_color(line.color, Color(128, 128, 128)))
        plt.plot(
            list(range(len(closes))),
            list(closes),
            marker="braille",
            color=ink,
        )
        # One cell in x units: right-aligned text ending on the last close overhangs.
        cell = (len(closes) - 1) / max(1, plot_columns)
        for label in place_labels(lines, closes, low, high, plot_rows, plot_columns):
            plt.text(
                label.text,
                x=0 if label.left else len(closes) - 1 - cell,
                y=label.value,
                color=self._theme_color(label.color, Color(128, 128, 128)),
                background=canvas,
                alignment="left" if label.left else "right",
            )
        return Text.from_ansi(plt.build())
