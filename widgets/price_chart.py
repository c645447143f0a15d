"""The price chart: the index's daily closes (the last `window` sessions, or the whole
year the Snapshot carries) drawn with plotext, every key level near the chart's range
drawn as a horizontal line in its thesis/kind colour and labelled with its name, a
range level as a band (its two edges, the rows between them tinted), and the two pivots
of an active RSI divergence marked (●) and joined, as on the RSI chart. Levels far
outside the range of the closes are left off (they would squash the price into a flat
line); the price panel's table lists every level anyway. A close that is not a price
(zero or below, NaN, infinite, absurdly large) is a gap in the line, a level that is
not a number is left off, and with fewer than two closes to draw the chart says so.
The chart follows the app theme and replots only when what it draws changes (see
widgets/chart.py). This module imports plotext, so the price panel imports it only
after the first paint."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.color import Color, ColorParseError
from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets import look
from widgets.chart import (
    Chart,
    date_ticks,
    nice_ticks,
    plotext_color,
    row_of,
    segments,
)
from widgets.chart_slot import MarkerPoint, last_sessions, plottable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from rich.text import Text
    from textual.app import RenderResult

    from core.sections.price import Level, PriceSection
    from core.sections.rsi import Divergence

__all__ = [
    "ChartLine",
    "Label",
    "PriceChart",
    "chart_lines",
    "date_ticks",
    "divergence_points",
    "nice_ticks",
    "place_labels",
    "plotext_color",
    "y_range",
]

NEAR_RANGE = 0.25
"""Levels within this share of the closes' span beyond the closes are drawn."""

LABEL_GAP = " · "

BAND_TINT = 0.14
"""How strongly a range level's colour tints the rows of its band."""

FRAME_SIDES = "│├┤┼"
"""The characters of the chart frame's left and right sides (with tick marks)."""


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
        color = look.level_color(level.kind, level.thesis)
        priority = PRIORITY.get(level.kind, 0)
        for value in (level.value, level.upper):
            if value is not None and plottable(value):
                lines.append(ChartLine(value, level.name, color, priority))
    return sorted(lines, key=lambda line: line.priority)


def y_range(closes: Sequence[float], lines: Sequence[ChartLine]) -> tuple[float, float]:
    """The chart's y-range: the closes, widened to take in the lines near them."""
    low, high = min(closes), max(closes)
    reach = max((high - low) * NEAR_RANGE, high * 0.002)
    near = [line.value for line in lines if low - reach <= line.value <= high + reach]
    low, high = min([low, *near]), max([high, *near])
    pad = max((high - low) * 0.04, high * 0.0005)
    return low - pad, high + pad


@dataclass(frozen=True)
class Label:
    """A label placed on the canvas: merged names of the lines that share a row."""

    value: float
    text: str
    color: str
    left: bool


def fit_names(names: Sequence[str], limit: int) -> str:
    """Names joined with ·, as many whole names as fit in `limit` cells (then …); a
    single name too long is cut between words, so no number on a label is cut."""
    text = ""
    for name in names:
        joined = f"{text}{LABEL_GAP}{name}" if text else name
        if len(joined) > limit:
            break
        text = joined
    if text and len(text) < len(LABEL_GAP.join(names)):
        return text + " …" if len(text) + 2 <= limit else text
    if text:
        return text
    words = names[0].split(" ")
    while words and len(" ".join(words)) + 2 > limit:
        words.pop()
    return " ".join(words) + " …" if words else "…"


def place_labels(
    lines: Sequence[ChartLine],
    closes: Sequence[float | None],
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
        text = fit_names(names, max(4, columns * 2 // 3))
        # How many closes under the label's span sit on its row, at each end.
        span = max(1, math.ceil(len(text) / max(1, columns) * count))
        price_rows = [None if c is None else row_of(c, low, high, rows) for c in closes]
        hits_left = sum(1 for r in price_rows[:span] if r == row)
        hits_right = sum(1 for r in price_rows[-span:] if r == row)
        labels.append(Label(named[0].value, text, named[0].color, hits_left <= hits_right))
    return labels


def price_points(closes: Sequence[float]) -> list[float | None]:
    """The closes as the chart draws them: None (a gap) for one that is not a price,
    not a number (NaN, inf) or too large to draw."""
    return [close if plottable(close) and close > 0 else None for close in closes]


def no_data_reason(section: PriceSection | None) -> str:
    """Why there is no price line: the Snapshot's own words when it has no history,
    else that its closes are not prices."""
    if section is not None and len(section.history.closes) >= 2:
        if len(section.history.dates) != len(section.history.closes):
            return "its dates and closes do not match"
        return "no close in it is a valid price"
    return fmt.missing_reason(section.status.detail if section else None)


def divergence_points(
    divergence: Divergence | None, *, labels: bool = False
) -> tuple[MarkerPoint, ...]:
    """The price pivots of a divergence as chart markers (labelled with the price)."""
    if divergence is None or divergence.kind is None:
        return ()
    return tuple(
        MarkerPoint(
            pivot.date, pivot.price, fmt.level_price(round(pivot.price, 2)) if labels else ""
        )
        for pivot in divergence.pivots
    )


def divergence_color(divergence: Divergence | None) -> str:
    """Theme colour of a divergence's markers: error when bearish, success when bullish."""
    return "error" if divergence is not None and divergence.kind == "bearish" else "success"


class PriceChart(Chart):
    """Closes with the key levels as labelled lines, bands tinted, pivots marked."""

    section: reactive[PriceSection | None] = reactive(None, repaint=False)
    """The price section whose history and levels are drawn."""

    window: reactive[int | None] = reactive(None, repaint=False)
    """How many of the latest sessions to draw; None draws all the Snapshot carries."""

    divergence: reactive[Divergence | None] = reactive(None, repaint=False)
    """The active RSI divergence, whose two price pivots are marked; None for none."""

    label_pivots: reactive[bool] = reactive(False, repaint=False)
    """Print each pivot's price beside its marker (the detail view)."""

    def watch_section(self) -> None:
        self.repaint_changes()

    def watch_window(self) -> None:
        self.repaint_changes()

    def watch_divergence(self) -> None:
        self.repaint_changes()

    def watch_label_pivots(self) -> None:
        self.repaint_changes()

    def plot_key(self) -> tuple[object, ...]:
        # What is drawn, not the whole section: a new freshness state or last price
        # with the same closes and levels costs no replot.
        section = self.section
        drawn = (
            None if section is None else (section.history, section.levels, section.status.detail)
        )
        return (drawn, self.window, self.divergence, self.label_pivots)

    def draw(self, width: int, height: int) -> RenderResult:
        section = self.section
        points: list[float | None] = []
        dates: list[date] = []
        if section is not None:
            points = price_points(last_sessions(section.history.closes, self.window))
            dates = list(last_sessions(section.history.dates, self.window))
        closes = [close for close in points if close is not None]
        if section is None or len(closes) < 2 or len(dates) != len(points):
            return Content.styled(f"no price history: {no_data_reason(section)}", "$text-muted")
        plt, canvas, ink = self.start_plot(width, height)

        lines = chart_lines(section.levels)
        low, high = y_range(closes, lines)
        plot_rows = max(2, height - 3)
        tick_width = len(fmt.level_price(round(high))) + 1
        plot_columns = max(4, width - tick_width - 2)

        plt.ylim(low, high)
        y_ticks = nice_ticks(low, high, max(2, plot_rows // 3))
        plt.yticks(y_ticks, [fmt.level_price(round(tick)) for tick in y_ticks])
        positions, names = date_ticks(dates, max(2, plot_columns // 14))
        plt.xticks(positions, names)
        last = len(points) - 1
        plt.xlim(0, last)

        for line in lines:
            if low <= line.value <= high:
                plt.hline(line.value, self.theme_color(line.color))
        for xs, ys in segments(points):
            plt.plot(xs, ys, marker=self.line_marker, color=ink)
        # One cell in x units: right-aligned text ending on the last close overhangs.
        cell = last / max(1, plot_columns)
        for label in place_labels(lines, points, low, high, plot_rows, plot_columns):
            plt.text(
                label.text,
                x=0 if label.left else last - cell,
                y=label.value,
                color=self.theme_color(label.color),
                background=canvas,
                alignment="left" if label.left else "right",
            )
        self.mark_points(
            plt,
            divergence_points(self.divergence, labels=self.label_pivots),
            dates,
            divergence_color(self.divergence),
            canvas,
            columns=plot_columns,
            y_range=(low, high),
            labels=self.label_pivots,
        )
        text = self.built(plt)
        if not self.app.current_theme.ansi:
            self._tint_bands(text, section.levels, low, high, plot_rows)
        return text

    def _tint_bands(
        self, text: Text, levels: Sequence[Level], low: float, high: float, rows: int
    ) -> None:
        """Tint the canvas rows inside each range level, between the frame's two sides
        (RGB themes only: 16-colour terminals have no faint background, and the band's
        two edges say it anyway)."""
        from rich.style import Style

        canvas = self.background_colors[1]
        lines = text.plain.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        for level in levels:
            if level.upper is None or not (plottable(level.value) and plottable(level.upper)):
                continue
            bottom, top = max(level.value, low), min(level.upper, high)
            name = self.app.theme_variables.get(look.level_color(level.kind, level.thesis))
            if bottom >= top or not name:
                continue
            try:
                tint = canvas.blend(Color.parse(name), BAND_TINT)
            except ColorParseError:
                continue
            style = Style(bgcolor=tint.rich_color)
            # Line 0 is the frame's top edge; canvas row r (0 at the bottom) is line rows − r.
            first = rows - row_of(top, low, high, rows)
            last = rows - row_of(bottom, low, high, rows)
            for number in range(max(1, first), min(rows, last, len(lines) - 1) + 1):
                line = lines[number]
                sides = [i for i, char in enumerate(line) if char in FRAME_SIDES]
                if len(sides) >= 2:
                    text.stylize(style, starts[number] + sides[0] + 1, starts[number] + sides[-1])
