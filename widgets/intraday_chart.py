"""The intraday chart: the session's 5-minute bars (the intraday section) drawn with
plotext on a New York time axis (09:30 … the session's regular close, the section's
`close_at`: 16:00, or 13:00 on an early close; from the first pre-market bar and to the
last after-hours bar when there are some), as candles where the chart has at least
`CANDLE_COLUMNS` columns for each bar's slot, else as a line of the closes; pre- and
after-hours bars (the section's phases, cut at that close) are drawn dimmer than the
regular session's, and the bar still in progress (`last_bar_partial`) with a hollow
body (a line: its last stretch dimmer). Over them: the day's key
levels (the price section's, as the daily chart draws them: those near the bars'
range, labelled), the previous session's close as a dashed line, and the opening range
as two lines labelled OR with the rows between them tinted. Candles are plotted as a
few scatters of one glyph per cell (bodies █, wicks │, grouped by colour), not three
plot calls a bar, so a session of bars stays cheap; like every chart here it replots
only when what it draws changes (widgets/chart.py). Bars whose prices are not all
finite prices are left off; with no bar to draw it says so in one line, with the
section's own reason. This module imports plotext: the price panel imports it only
after the first paint."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.color import Color, ColorParseError
from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from core.clock import NEW_YORK
from widgets.chart import Chart, PlotColor, nice_ticks, plotext_color, row_of
from widgets.chart_slot import plottable
from widgets.price_chart import NEAR_RANGE, ChartLine, chart_lines, place_labels

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from rich.text import Text
    from textual.app import RenderResult
    from textual_plotext.plot import Plot

    from core.sections.intraday import IntradaySection
    from core.sections.price import Level

__all__ = [
    "CANDLE_COLUMNS",
    "Bar",
    "IntradayChart",
    "bars_of",
    "close_minute",
    "no_bars_reason",
    "time_span",
    "time_ticks",
]

CANDLE_COLUMNS = 2.0
"""Columns a bar's slot needs for candles (a body and a gap beside it); fewer: a line."""

REGULAR_OPEN = 9 * 60 + 30
"""09:30 New York, in minutes after midnight."""
REGULAR_CLOSE = 16 * 60
"""16:00 New York, in minutes after midnight: the close when the section has none."""

TICK_CELLS = 8
"""The least room, in columns, between two time ticks (`09:30` and a gap)."""
TICK_STEPS = (15, 30, 60, 120, 180, 240)
"""Minutes between time ticks, finest first."""

EXTENDED_FADE = 0.55
"""How far a pre/post bar's colour fades into the canvas (RGB themes)."""
ANSI_FADED = "gray"
"""A pre/post bar's colour on ANSI themes: the terminal's bright black."""
OR_TINT = 0.10
"""How strongly the opening range tints the rows between its two lines."""
PREV_CLOSE_REACH = 1.0
"""The previous close is drawn when within this share of the bars' span beyond them."""

BODY = "█"
PARTIAL_BODY = "░"
"""The body of the bar in progress: hollow, so it does not look finished."""
WICK = "│"
DASH = "─"
FRAME_SIDES = "│├┤┼"


@dataclass(frozen=True)
class Bar:
    """One bar that can be drawn, its start in minutes after midnight (New York)."""

    minute: float
    open: float
    high: float
    low: float
    close: float
    regular: bool
    partial: bool = False
    """The bar in progress (the section's last bar, `last_bar_partial`)."""


def is_price(value: float) -> bool:
    return plottable(value) and value > 0


def minute_of(moment: datetime) -> float:
    """A moment as minutes after midnight, New York time."""
    local = moment.astimezone(NEW_YORK) if moment.tzinfo is not None else moment
    return local.hour * 60 + local.minute + local.second / 60


def bars_of(section: IntradaySection | None) -> list[Bar]:
    """The section's bars that can be drawn: all four prices finite and above zero
    (a bar short of any of its fields, the tuples not matching, is left off); the
    section's last bar is partial when the section says it is in progress."""
    if section is None:
        return []
    s = section
    bars: list[Bar] = []
    last = len(s.times) - 1
    for index, (time, o, h, lo, c, phase) in enumerate(
        zip(s.times, s.opens, s.highs, s.lows, s.closes, s.phases, strict=False)
    ):
        if not all(is_price(v) for v in (o, h, lo, c)):
            continue
        high, low = max(o, h, lo, c), min(o, h, lo, c)
        partial = s.last_bar_partial is True and index == last
        bars.append(Bar(minute_of(time), o, high, low, c, phase == "regular", partial))
    return bars


def close_minute(section: IntradaySection | None) -> float:
    """The session's regular close (`close_at`) in minutes after midnight, New York;
    16:00 when the section has none or it is not after the open."""
    close_at = None if section is None else section.close_at
    if close_at is None:
        return float(REGULAR_CLOSE)
    minute = minute_of(close_at)
    return minute if REGULAR_OPEN < minute <= 24 * 60 else float(REGULAR_CLOSE)


def no_bars_reason(section: IntradaySection | None) -> str:
    """Why there is nothing to draw: the section's own words, else that its bars are
    not prices."""
    if section is not None and section.times:
        return "no bar in it has valid prices"
    return fmt.missing_reason(section.status.detail if section else None)


def time_span(
    bars: Sequence[Bar], interval: float, close: float = REGULAR_CLOSE
) -> tuple[float, float]:
    """The x range in minutes: the bars, widened to the regular session (09:30 to
    `close`, 16:00 but for an early close) unless the bars are after hours already or
    start before the open."""
    first, last = bars[0].minute, bars[-1].minute + interval
    start = first if first < REGULAR_OPEN else min(first, REGULAR_OPEN)
    end = last if last > close else max(last, close)
    return start, end


def clock(minute: float) -> str:
    """Minutes after midnight as `09:30`."""
    whole = round(minute)
    return f"{whole // 60 % 24:02d}:{whole % 60:02d}"


def time_ticks(
    start: float, end: float, columns: int, close: float = REGULAR_CLOSE
) -> tuple[list[float], list[str]]:
    """Time ticks that fit in `columns`: the open and `close` of the regular session
    (when in range), then round times a step apart, none nearer another than
    TICK_CELLS columns."""
    if end <= start or columns <= 0:
        return [], []
    per_cell = (end - start) / max(1, columns - 1)
    room = TICK_CELLS * per_cell
    step = next((s for s in TICK_STEPS if s >= room), TICK_STEPS[-1])
    anchors = [m for m in (REGULAR_OPEN, close) if start <= m <= end]
    first = math.ceil(start / step) * step
    candidates = [first + step * i for i in range(int((end - first) // step) + 1)]
    kept: list[float] = []
    for minute in (*anchors, start, *candidates):
        if all(abs(minute - other) >= room for other in kept):
            kept.append(float(minute))
    kept.sort()
    return kept, [clock(minute) for minute in kept]


def y_range(bars: Sequence[Bar], lines: Sequence[ChartLine]) -> tuple[float, float]:
    """The y range: the bars' lows and highs, widened to take in the lines near them
    (the previous close from further away: it is what the day's move is measured from)."""
    low = min(bar.low for bar in bars)
    high = max(bar.high for bar in bars)
    span = max(high - low, high * 0.0005)
    near: list[float] = []
    for line in lines:
        reach = span * (PREV_CLOSE_REACH if line.label == PREV_CLOSE else NEAR_RANGE)
        if low - reach <= line.value <= high + reach:
            near.append(line.value)
    low, high = min([low, *near]), max([high, *near])
    pad = max((high - low) * 0.04, high * 0.0001)
    return low - pad, high + pad


PREV_CLOSE = "prev close"
OR_HIGH = "OR high"
OR_LOW = "OR low"


def session_lines(section: IntradaySection, levels: Sequence[Level]) -> list[ChartLine]:
    """The lines over the bars: the key levels, then the opening range and the
    previous close (which win a shared row over a moving average or a band)."""
    lines = chart_lines(levels)
    for value, label in (
        (section.opening_range_high, OR_HIGH),
        (section.opening_range_low, OR_LOW),
    ):
        if value is not None and is_price(value):
            lines.append(ChartLine(value, label, "secondary", 1))
    if section.prev_close is not None and is_price(section.prev_close):
        lines.append(ChartLine(section.prev_close, PREV_CLOSE, "foreground", 2))
    return sorted(lines, key=lambda line: line.priority)


class IntradayChart(Chart):
    """The session's 5-minute bars against the day's levels, the previous close and
    the opening range: candles when wide enough, else a line."""

    DEFAULT_CSS = """
    IntradayChart {
        min-height: 6;
    }
    """

    section: reactive[IntradaySection | None] = reactive(None, repaint=False)
    """The intraday section whose bars are drawn."""

    levels: reactive[tuple[Level, ...]] = reactive((), repaint=False)
    """The day's key levels (the price section's)."""

    candle_columns: ClassVar[float] = CANDLE_COLUMNS

    candles: bool = False
    """Whether the last build drew candles (else a line, or nothing)."""

    def watch_section(self) -> None:
        self.repaint_changes()

    def watch_levels(self) -> None:
        self.repaint_changes()

    def plot_key(self) -> tuple[object, ...]:
        section = self.section
        drawn = None
        if section is not None:
            s = section
            drawn = (
                s.times,
                s.opens,
                s.highs,
                s.lows,
                s.closes,
                s.phases,
                s.interval_minutes,
                s.prev_close,
                s.opening_range_high,
                s.opening_range_low,
                s.close_at,
                s.last_bar_partial,
                None if s.times else s.status.detail,
            )
        return (drawn, self.levels)

    def draw(self, width: int, height: int) -> RenderResult:
        section = self.section
        bars = bars_of(section)
        self.candles = False
        if section is None or not bars:
            return Content.styled(f"no intraday bars: {no_bars_reason(section)}", "$text-muted")
        bars.sort(key=lambda bar: bar.minute)
        plt, canvas, ink = self.start_plot(width, height)
        interval = float(section.interval_minutes) if section.interval_minutes > 0 else 5.0

        lines = session_lines(section, self.levels)
        low, high = y_range(bars, lines)
        close = close_minute(section)
        start, end = time_span(bars, interval, close)
        rows = max(2, height - 3)
        tick_width = len(fmt.level_price(round(high))) + 1
        columns = max(4, width - tick_width - 2)

        plt.ylim(low, high)
        y_ticks = nice_ticks(low, high, max(2, rows // 3))
        step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
        decimals = 0 if step >= 1 else 2
        plt.yticks(y_ticks, [fmt.level_price(round(tick, decimals)) for tick in y_ticks])
        plt.xlim(start, end)
        positions, names = time_ticks(start, end, columns, close)
        plt.xticks(positions, names)

        in_view = [line for line in lines if low <= line.value <= high]
        for line in in_view:
            if line.label != PREV_CLOSE:
                plt.hline(line.value, self.theme_color(line.color))
        prev = next((line for line in in_view if line.label == PREV_CLOSE), None)
        if prev is not None:
            self._dashed(plt, prev, start, end, columns)

        slots = (end - start) / interval
        self.candles = columns / max(1.0, slots) >= self.candle_columns
        if self.candles:
            self._candles(plt, bars, interval, low, high, rows)
        else:
            self._line(plt, bars, interval, ink)

        closes: list[float | None] = [bar.close for bar in bars]
        cell = (end - start) / max(1, columns)
        for label in place_labels(in_view, closes, low, high, rows, columns):
            plt.text(
                label.text,
                x=start if label.left else end - cell,
                y=label.value,
                color=self.theme_color(label.color),
                background=canvas,
                alignment="left" if label.left else "right",
            )
        text = self.built(plt)
        if not self.app.current_theme.ansi:
            self._tint_range(text, section, low, high, rows)
        return text

    def _faded(self, name: str) -> PlotColor:
        """A theme colour faded into the canvas, for pre/post bars (grey on ANSI
        themes, which have no shades)."""
        value = self.app.theme_variables.get(name)
        try:
            color = Color.parse(value) if value else None
        except ColorParseError:
            color = None
        if self.app.current_theme.ansi or color is None or color.ansi is not None:
            return ANSI_FADED
        return plotext_color(color.blend(self.background_colors[1], EXTENDED_FADE))

    def _dashed(self, plt: Plot, line: ChartLine, start: float, end: float, columns: int) -> None:
        """The previous close as a dashed line: a dash on every other column."""
        per_cell = (end - start) / max(1, columns - 1)
        xs = [start + per_cell * column for column in range(0, columns, 2)]
        plt.scatter(xs, [line.value] * len(xs), marker=DASH, color=self._faded(line.color))

    def _line(self, plt: Plot, bars: Sequence[Bar], interval: float, ink: PlotColor) -> None:
        """The closes as a line, at each bar's end; the pre/post runs and the stretch
        to the bar in progress dimmer (each run starts at the previous run's last
        close, so the line does not break)."""
        runs: list[tuple[bool, list[float], list[float]]] = []
        for bar in bars:
            x = bar.minute + interval
            bright = bar.regular and not bar.partial
            if not runs or runs[-1][0] != bright:
                joined = runs[-1] if runs else None
                runs.append((bright, [], []))
                if joined is not None:
                    runs[-1][1].append(joined[1][-1])
                    runs[-1][2].append(joined[2][-1])
            runs[-1][1].append(x)
            runs[-1][2].append(bar.close)
        dim = self._faded("foreground")
        for regular, xs, ys in runs:
            color = ink if regular else dim
            if len(xs) == 1:
                plt.scatter(xs, ys, marker=self.point_marker, color=color)
            else:
                plt.plot(xs, ys, marker=self.line_marker, color=color)

    def _candles(
        self, plt: Plot, bars: Sequence[Bar], interval: float, low: float, high: float, rows: int
    ) -> None:
        """Each bar as a candle one column wide: its body (open to close) █ and its
        wick (low to high) │, green up and red down, pre/post bars faded, the bar in
        progress hollow (its body ░); a glyph per canvas row, grouped into one scatter
        per glyph and colour."""
        groups: dict[tuple[str, bool, bool], tuple[list[float], list[float]]] = {}

        def y_of(row: int) -> float:
            return low + (high - low) * row / max(1, rows - 1)

        for bar in bars:
            x = bar.minute + interval / 2
            up = bar.close >= bar.open
            body = range(
                row_of(min(bar.open, bar.close), low, high, rows),
                row_of(max(bar.open, bar.close), low, high, rows) + 1,
            )
            wick = range(row_of(bar.low, low, high, rows), row_of(bar.high, low, high, rows) + 1)
            solid = PARTIAL_BODY if bar.partial else BODY
            for glyph, cells in ((solid, body), (WICK, [r for r in wick if r not in body])):
                xs, ys = groups.setdefault((glyph, up, bar.regular), ([], []))
                xs.extend([x] * len(cells))
                ys.extend(y_of(row) for row in cells)
        for (glyph, up, regular), (xs, ys) in groups.items():
            name = "success" if up else "error"
            color = self.theme_color(name) if regular else self._faded(name)
            plt.scatter(xs, ys, marker=glyph, color=color)

    def _tint_range(
        self, text: Text, section: IntradaySection, low: float, high: float, rows: int
    ) -> None:
        """Tint the canvas rows inside the opening range (RGB themes only), between
        the frame's two sides, as the daily chart tints a band."""
        from rich.style import Style

        top, bottom = section.opening_range_high, section.opening_range_low
        if top is None or bottom is None or not (is_price(top) and is_price(bottom)):
            return
        bottom, top = max(bottom, low), min(top, high)
        name = self.app.theme_variables.get("secondary")
        if bottom >= top or not name:
            return
        try:
            tint = self.background_colors[1].blend(Color.parse(name), OR_TINT)
        except ColorParseError:
            return
        style = Style(bgcolor=tint.rich_color)
        lines = text.plain.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        # Line 0 is the frame's top edge; canvas row r (0 at the bottom) is line rows − r.
        first = rows - row_of(top, low, high, rows)
        last = rows - row_of(bottom, low, high, rows)
        for number in range(max(1, first), min(rows, last, len(lines) - 1) + 1):
            line = lines[number]
            sides = [i for i, char in enumerate(line) if char in FRAME_SIDES]
            if len(sides) >= 2:
                text.stylize(style, starts[number] + sides[0] + 1, starts[number] + sides[-1])
