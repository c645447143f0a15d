"""Dealer gamma exposure by strike around spot as text bars: one column per band of
strikes (a round step of points, chosen so the strikes fill the width), calls drawn up
from a zero axis and puts down, on one scale, with half-cell blocks (▄ ▀ █); spot marked
on the axis (┼) and by a dotted line through the empty cells of its column; under the
axis the lowest and highest strike shown and spot's level. Strikes or exposures that are
not numbers (or too large to draw) are left out, never drawn as zero; with nothing to
draw it says so on one line. Where the terminal takes ASCII only, half cells are `.`
and `'` and full ones `#`. Pure rendering of the series the Snapshot holds."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from core import format as fmt
from widgets import look
from widgets.chart_slot import plottable
from widgets.repaint import RepaintsChanges

if TYPE_CHECKING:
    from core.sections.gamma import StrikeExposure

STEP_MANTISSAS = (1.0, 2.0, 2.5, 5.0)
"""A column's span of strikes is one of these times a power of ten (5, 10, 25, 50...),
so round strikes fall evenly into the columns."""
CROP_SHARE = 0.8
"""The finest step tried covers at least this share of the strikes' range."""
FILL_SHARE = 0.75
"""A step showing every strike in fewer than this share of the width gives way to the
finer step before it, the range cropped around spot: bars across the width are worth
more than the far strikes (the walls are readings of their own)."""

EMPTY = "no exposure by strike"
"""What the chart says when it has nothing to draw."""


@dataclass(frozen=True)
class Glyphs:
    """The characters the chart draws with."""

    up_half: str
    """The lower half of a cell: a call bar's tip."""
    down_half: str
    """The upper half of a cell: a put bar's tip."""
    full: str
    spot: str
    """Spot's dotted line through the empty cells of its column."""
    axis: str
    mark: str
    """Spot on the axis."""


UNICODE_GLYPHS = Glyphs("▄", "▀", "█", "┊", "─", "┼")
ASCII_GLYPHS = Glyphs(".", "'", "#", ":", "-", "+")


@dataclass(frozen=True)
class Bucket:
    """The strikes of one column, their exposures summed ($bn per 1 %)."""

    low: float
    """The lowest strike the column covers (a multiple of the step)."""
    calls: float
    puts: float
    """Zero or below (puts count −)."""


def nice_steps(raw: float) -> Iterator[float]:
    """The round spans (STEP_MANTISSAS × 10^k) of at least `raw` points, smallest first."""
    magnitude = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    while True:
        for mantissa in STEP_MANTISSAS:
            if mantissa * magnitude >= raw * (1 - 1e-12):
                yield mantissa * magnitude
        magnitude *= 10


def drawable(strikes: Sequence[StrikeExposure]) -> list[StrikeExposure]:
    """The strikes a chart can draw: a positive strike and both exposures numbers."""
    return [
        s
        for s in strikes
        if plottable(s.strike, 0.0)
        and s.strike > 0
        and plottable(s.call_gex_bn)
        and plottable(s.put_gex_bn)
    ]


def buckets(
    strikes: Sequence[StrikeExposure], width: int, spot: float | None = None
) -> tuple[float, list[Bucket]]:
    """The step and the columns (at most `width`, lowest strikes first) the strikes
    fall in, cropped around `spot` (or the middle) when they do not all fit; calls
    summed as they are, puts as their negative part (a put's exposure is never above
    zero)."""
    shown = drawable(strikes)
    if not shown or width <= 0:
        return 1.0, []
    low = min(s.strike for s in shown)
    high = max(s.strike for s in shown)
    finer: float | None = None
    for step in nice_steps(CROP_SHARE * (high - low) / width):
        if math.floor(high / step) - math.floor(low / step) + 1 <= width:
            break
        finer = step
    if finer is not None and math.floor(high / step) - math.floor(low / step) + 1 < (
        FILL_SHARE * width
    ):
        step = finer
    lowest, highest = math.floor(low / step), math.floor(high / step)
    count = min(width, highest - lowest + 1)
    centre = (low + high) / 2 if spot is None or not plottable(spot, low, high) else spot
    first = min(max(math.floor(centre / step) - count // 2, lowest), highest - count + 1)
    calls = [0.0] * count
    puts = [0.0] * count
    for s in shown:
        index = math.floor(s.strike / step) - first
        if 0 <= index < count:
            calls[index] += s.call_gex_bn
            puts[index] += min(0.0, s.put_gex_bn)
    return step, [
        Bucket(low=(first + index) * step, calls=calls[index], puts=puts[index])
        for index in range(count)
    ]


def cells_of(value: float, top: float, rows: int) -> int:
    """How many half cells a bar of `value` fills on a side of `rows` rows topped at
    `top`."""
    if top <= 0 or value <= 0:
        return 0
    return min(2 * rows, round(value / top * 2 * rows))


def glyph(filled: int, level: int, half: str, full: str) -> str:
    """The cell `level` rows from the axis of a bar `filled` half cells long."""
    halves = filled - 2 * level
    if halves <= 0:
        return " "
    return full if halves >= 2 else half


def label_line(columns: list[Bucket], spot_column: int | None, spot: float) -> str:
    """The first strikes of the first and last columns at the ends, spot's level under
    its mark when there is room between them; never a number cut."""
    width = len(columns)
    left = fmt.level_price(columns[0].low)
    right = fmt.level_price(columns[-1].low)
    line = [" "] * width
    if len(left) + len(right) + 1 > width:  # a strike whole or not at all
        return left if len(left) <= width else ""
    line[: len(left)] = left
    line[width - len(right) :] = right
    if spot_column is not None:
        for text in (f"spot {fmt.level_price(round(spot))}", fmt.level_price(round(spot))):
            start = min(max(spot_column - len(text) // 2, 0), width - len(text))
            if start > len(left) and start + len(text) < width - len(right):
                line[start : start + len(text)] = text
                break
    return "".join(line)


def bar_lines(
    strikes: Sequence[StrikeExposure],
    spot: float | None,
    width: int,
    height: int,
    *,
    ascii_only: bool = False,
) -> list[Content]:
    """The chart as lines of `width` cells at most: calls up, the axis, puts down
    (the rows left by the axis and the labels shared between the sides, calls first),
    the labels; one line saying there is nothing to draw when there is not."""
    step, columns = buckets(strikes, width, spot)
    if not columns or height < 3:
        return [Content.styled(EMPTY, "$text-muted italic")]
    glyphs = ASCII_GLYPHS if ascii_only else UNICODE_GLYPHS
    bar_rows = height - 2
    up_rows = (bar_rows + 1) // 2
    down_rows = bar_rows - up_rows
    top = max(max(b.calls for b in columns), max(-b.puts for b in columns))
    known_spot = spot if spot is not None and plottable(spot, 0.0) else None
    spot_column = None
    if known_spot is not None:
        index = math.floor(known_spot / step) - math.floor(columns[0].low / step)
        spot_column = index if 0 <= index < len(columns) else None
    pad = " " * ((width - len(columns)) // 2)
    up = [cells_of(b.calls, top, up_rows) for b in columns]
    down = [cells_of(-b.puts, top, max(1, down_rows)) for b in columns]

    def row(levels: Sequence[int], level: int, half: str, style: str) -> Content:
        parts: list[tuple[str, str]] = [(pad, "")]
        for index, filled in enumerate(levels):
            cell = glyph(filled, level, half, glyphs.full)
            if cell == " " and index == spot_column:
                parts.append((glyphs.spot, "$text-muted"))
            else:
                parts.append((cell, style))
        return Content.assemble(*parts)

    lines = [row(up, level, glyphs.up_half, "$success") for level in reversed(range(up_rows))]
    axis: list[tuple[str, str]] = [(pad, "")]
    for index in range(len(columns)):
        if index == spot_column:
            axis.append((glyphs.mark, "bold $primary"))
        else:
            axis.append((glyphs.axis, "$text-muted"))
    lines.append(Content.assemble(*axis))
    lines += [row(down, level, glyphs.down_half, "$error") for level in range(down_rows)]
    label = label_line(columns, spot_column, known_spot or 0.0)
    lines.append(Content.assemble((pad, ""), (label, "$text-muted")))
    return lines


class StrikeBars(RepaintsChanges):
    """Exposure by strike around spot: calls up, puts down, spot marked."""

    DEFAULT_CSS = """
    StrikeBars {
        height: 6;
        width: 1fr;
    }
    """

    strikes: reactive[tuple[StrikeExposure, ...]] = reactive((), repaint=False)
    """Exposure at each strike near spot, ascending by strike."""

    spot: reactive[float | None] = reactive(None, repaint=False)
    """The underlying's level, marked on the axis; None leaves it unmarked."""

    def watch_strikes(self) -> None:
        self.repaint_changes()

    def watch_spot(self) -> None:
        self.repaint_changes()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 6

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        height = self.content_region.height or self.size.height
        lines = bar_lines(self.strikes, self.spot, width, height, ascii_only=look.ascii_only(self))
        return Content("\n").join(lines)
