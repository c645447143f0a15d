"""The price panel: the index's last price and day's change; a line of badges with the
TD Sequential count, the EMA stack and the Bollinger/Keltner band state; a chart of the
closes with every key level drawn as a labelled line (a range as a band) and the two
pivots of an active RSI divergence marked; and a table of the levels (milestones,
moving averages, the user's own levels and bands) sorted by value with the price's
distance from each in percent, the last price slotted in among them. The dashboard
charts the last 120 sessions; the detail view (`detailed=True`) charts the whole year,
larger, and adds the numbers behind the badges (TD setup, countdown, perfection and
TDST levels, band positions, the nearest milestone). A close of zero or below is
not shown as a price: it reads `invalid (…)`, with the day's change and the levels'
distances `unknown`. The chart (plotext) is imported and mounted only after the first
paint, so it costs nothing before the shell is on screen."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets import look
from widgets.chart_slot import ChartSlot, window
from widgets.fit_line import BadgeLine
from widgets.panel import Panel, value_cell
from widgets.repaint import TextLine
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.price import BandState, Level, PriceSection, TDState
    from core.sections.rsi import Divergence
    from core.snapshot import Snapshot
    from widgets.price_chart import PriceChart
    from widgets.table import Row


def is_price(value: float | None) -> bool:
    """Whether a close can be a price: a finite number above zero."""
    known = fmt.finite(value)
    return known is not None and known > 0


def price_text(value: float | None) -> tuple[str, str]:
    """A close and its style: the price, `unknown`, or `invalid (-6,798.40)` for a
    number that cannot be a price (zero or below), so it never reads as one."""
    if fmt.finite(value) is None:
        return fmt.UNKNOWN, "$text-muted italic"
    if not is_price(value):
        return f"invalid ({fmt.price(value)})", "$text-error"
    return fmt.price(value), ""


def day_move(section: PriceSection) -> float | None:
    """The day's change in percent: the Snapshot's, else worked out from the two
    closes; None when either close is there but is not a price (the change of a
    close of 0 or below is no change at all)."""
    last, prev = section.last, section.prev_close
    if any(close is not None and not is_price(close) for close in (last, prev)):
        return None
    move = fmt.finite(section.change_pct)
    if move is None and last is not None and prev is not None:
        move = (last / prev - 1) * 100
    return move


def headline(section: PriceSection) -> Content:
    """Last price and the day's change: `6,978.03  +12.40 (+0.18%)  prev 6,965.63`; a
    close that is not a price reads `invalid (…)` and the change `unknown`."""
    move = day_move(section)
    last, last_style = price_text(section.last)
    prev, prev_style = price_text(section.prev_close)
    change = fmt.UNKNOWN if move is None else fmt.day_change(section.last, section.prev_close, move)
    arrow = "" if move is None or move == 0 else "▲ " if move > 0 else "▼ "
    return Content.assemble(
        (last, "bold" if is_price(section.last) else last_style),
        "  ",
        (arrow + change, look.tone(move)),
        "  ",
        (f"prev {prev}", prev_style or "$text-muted"),
    )


def td_badge(td: TDState) -> Content:
    """The TD Sequential count: `TD sell 7/9`, `TD buy 9/9 · CD 4/13`; a completed 9
    or 13 is emphasised (it is the exhaustion signal)."""
    if td.setup_direction is None or not td.setup_count:
        if td.setup_count == 0:
            text = "TD no setup"
        else:
            return Content.styled(f"TD {fmt.UNKNOWN}", "$text-muted italic")
    else:
        text = f"TD {td.setup_direction} {td.setup_count}/9"
    if td.countdown:
        text += f" · CD {td.countdown}/13"
    done = td.setup_count == 9 or td.countdown == 13
    return Content.styled(text, "bold reverse $warning" if done else "bold")


def stack_badge(stack: str | None) -> Content:
    """The EMA stack: `EMA stack bullish` (green), `bearish` (red) or `mixed`."""
    if stack is None:
        return Content.assemble(("EMA stack ", "$text-muted"), (fmt.UNKNOWN, "$text-muted italic"))
    tone = {"bullish": "$text-success", "bearish": "$text-error"}.get(stack, "")
    return Content.assemble(("EMA stack ", "$text-muted"), (stack, tone))


def band_badge(bands: BandState) -> Content:
    """The band state: `%B 55 · widening`, `%B 12 · squeeze`."""
    parts: list[tuple[str, str]] = [("%B ", "$text-muted")]
    position = bands.bollinger_position
    parts.append((fmt.number(position, 0), "" if position is not None else "$text-muted italic"))
    if bands.squeeze:
        parts.append((" · squeeze", "bold $text-warning"))
    elif bands.bollinger_expanding or bands.keltner_expanding:
        parts.append((" · widening", ""))
    elif bands.bollinger_expanding is False and bands.keltner_expanding is not True:
        parts.append((" · narrowing", "$text-muted"))
    return Content.assemble(*parts)


def badges(section: PriceSection) -> tuple[Content, ...]:
    """The badge line's parts, most important first (the last give way first)."""
    return (td_badge(section.td), stack_badge(section.ema_stack), band_badge(section.bands))


def level_rows(section: PriceSection) -> tuple[Row, ...]:
    """Levels high to low, each with its distance; the last price in its place. A last
    close that is not a price has no place, and no distance is measured from it."""
    last = section.last if is_price(section.last) else None
    rows: list[Row] = []
    placed = last is None
    for level in sorted(section.levels, key=level_top, reverse=True):
        if not placed and last is not None and last >= level_top(level):
            rows.append(last_row(last))
            placed = True
        rows.append(level_row(level, measured=last is not None or section.last is None))
    if not placed and last is not None:
        rows.append(last_row(last))
    return tuple(rows)


def level_top(level: Level) -> float:
    """Where a level sorts: its top (a band's upper edge); NaN sorts as -inf, last."""
    top = level.upper or level.value
    return top if not math.isnan(top) else -math.inf


def level_row(level: Level, *, measured: bool = True) -> Row:
    """A level's name (in its line's colour), value and the price's distance from it
    (for a band, its bottom: the name already spans the band); `measured` False when
    the last close is not a price, so the distance is unknown."""
    color = f"$text-{look.level_color(level.kind, level.thesis)}"
    distance = level.distance_pct if measured else None
    return (
        Content.styled(level.name, color),
        fmt.level_price(level.value),
        value_cell(fmt.signed_pct(distance), look.tone(distance)),
    )


def last_row(last: float) -> Row:
    """The marker row for the last price among the levels."""
    return (Content.styled("▶ last", "bold"), Content.styled(fmt.price(last), "bold"), "")


def count_of(direction: str | None, count: int | None, of: int) -> str:
    """A TD count with its direction: `sell 7 of 9`, `none`, `unknown`."""
    if count is None:
        return fmt.UNKNOWN
    if count == 0 or direction is None:
        return "none"
    return f"{direction} {count} of {of}"


def detail_rows(section: PriceSection) -> tuple[Row, ...]:
    """The numbers behind the badges, for the detail view."""
    td, bands = section.td, section.bands
    return (
        ("TD setup", value_cell(count_of(td.setup_direction, td.setup_count, 9))),
        ("TD countdown", value_cell(count_of(td.countdown_direction, td.countdown, 13))),
        ("Last 9 perfected", value_cell(fmt.yes_no(td.perfected))),
        ("TDST support", value_cell(fmt.price(td.tdst_support))),
        ("TDST resistance", value_cell(fmt.price(td.tdst_resistance))),
        ("EMA stack", value_cell(section.ema_stack or fmt.UNKNOWN)),
        ("Bollinger %B", value_cell(fmt.number(bands.bollinger_position, 1))),
        ("Keltner position", value_cell(fmt.number(bands.keltner_position, 1))),
        ("Bollinger widening", value_cell(fmt.yes_no(bands.bollinger_expanding))),
        ("Keltner widening", value_cell(fmt.yes_no(bands.keltner_expanding))),
        ("Squeeze (BB in KC)", value_cell(fmt.yes_no(bands.squeeze))),
        ("Next milestone above", value_cell(fmt.level_price(section.nearest_milestone_above))),
        ("Within 1% below it", value_cell(fmt.yes_no(section.within_1pct_below_milestone))),
    )


class PricePanel(Panel):
    """Price of the index against its key levels."""

    DEFAULT_CSS = """
    PricePanel {
        & > .price--headline, & > .price--badges, & > .price--body,
        & > .price--detail { display: none; }
        &.-ready > .price--headline, &.-ready > .price--badges, &.-ready > .price--body,
        &.-ready > .price--detail { display: block; }
        & > .price--badges { height: 1; }
        & > .price--body { height: auto; }
        & .price--levels { width: auto; }
        &.-detailed {
            & > .price--chart-full { height: 1fr; min-height: 16; }
            & > .price--detail { height: auto; margin-top: 1; }
            & .price--levels { margin-right: 2; }
            & .price--readings { width: auto; }
        }
    }
    """

    PANEL_TITLE = "Price vs key levels"
    SECTION = "price"
    POSITION = 1
    PANEL_NAME = "price"
    MEANING = (
        "Last price against milestones (7,000), moving averages and your levels; the distance "
        "from each in %; the gamma flip and walls from the option chain. What followed a "
        "close within 1% under a 1,000-point milestone is a study of the Historical edge "
        "panel; the TD count reads 9 at exhaustion."
    )
    EMPHASISED_IN = frozenset({"bull"})

    _chart: PriceChart | None = None

    section: reactive[PriceSection | None] = reactive(None, repaint=False)
    """The price section of the latest Snapshot."""

    divergence: reactive[Divergence | None] = reactive(None, repaint=False)
    """The active RSI divergence (the RSI section's), whose two price pivots the chart
    marks; the screen sets it beside `section`."""

    def show(self, snapshot: Snapshot) -> None:
        """Take the price section, and the RSI's divergence for the chart's pivots."""
        super().show(snapshot)
        rsi = getattr(snapshot, "rsi", None)
        self.divergence = None if rsi is None else rsi.divergence

    def compose_body(self) -> ComposeResult:
        yield TextLine(classes="price--headline")
        yield BadgeLine(classes="price--badges")
        levels = ValueTable(
            Column("Level", flex=True),
            Column("Value", justify="right"),
            Column("Dist", justify="right"),
            classes="price--levels",
        )
        if self.detailed:
            # Full width for the year's chart; the tables side by side under it.
            yield ChartSlot(classes="price--chart-full")
            with Horizontal(classes="price--detail"):
                yield levels
                yield ValueTable(
                    Column(flex=True),
                    Column(justify="right"),
                    show_header=False,
                    classes="price--readings",
                )
        else:
            with Horizontal(classes="price--body"):
                yield ChartSlot(classes="price--chart")
                yield levels

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the chart in its slot, once the shell is painted."""
        from widgets.price_chart import PriceChart

        chart = PriceChart()
        chart.window = window(self.detailed)
        chart.label_pivots = self.detailed
        chart.section = self.section
        chart.divergence = self.divergence
        await self.query_one(ChartSlot).fill(chart)
        self._chart = chart

    @property
    def chart(self) -> PriceChart | None:
        """The chart, once it is mounted (None before the first paint)."""
        return self._chart

    @property
    def levels(self) -> ValueTable:
        """The table of levels and distances."""
        return self.query_one(".price--levels", ValueTable)

    @property
    def badges(self) -> BadgeLine:
        """The line of TD count, EMA stack and band state."""
        return self.query_one(BadgeLine)

    def watch_section(self, section: PriceSection | None) -> None:
        if section is None:
            return
        self.show_title(f"{self.PANEL_TITLE} · {section.symbol}")
        self.query_one(".price--headline", TextLine).update(headline(section))
        self.badges.parts = badges(section)
        self.levels.rows = level_rows(section)
        if self.detailed:
            self.query_one(".price--readings", ValueTable).rows = detail_rows(section)
        chart = self.chart
        if chart is not None:
            chart.section = section
        self.add_class("-ready")
        self.status = section.status

    def watch_divergence(self, divergence: Divergence | None) -> None:
        chart = self.chart
        if chart is not None:
            chart.divergence = divergence
