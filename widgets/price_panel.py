"""The price panel: the index's last price and day's change, a chart of recent closes
with every key level drawn as a labelled line, and a table of the levels (milestones,
moving averages, the user's own levels and bands) sorted by value with the price's
distance from each in percent, the last price slotted in among them. The chart
(plotext) is imported and mounted only after the first paint, so it costs nothing
before the shell is on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from widgets import format as fmt
from widgets.panel import Panel, value_cell
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import Level, PriceSection
    from widgets.price_chart import PriceChart
    from widgets.table import Row


def headline(section: PriceSection) -> Content:
    """Last price and the day's change: `6,978.03  +12.40 (+0.18%)  prev 6,965.63`."""
    move = section.change_pct
    if move is None and section.last is not None and section.prev_close is not None:
        move = (section.last / section.prev_close - 1) * 100
    tone = "" if move is None or move == 0 else "$text-success" if move > 0 else "$text-error"
    arrow = "" if move is None or move == 0 else "▲ " if move > 0 else "▼ "
    parts: list[str | tuple[str, str]] = [
        (fmt.price(section.last), "bold" if section.last is not None else "$text-muted italic"),
        "  ",
        (arrow + fmt.change(section.last, section.prev_close, section.change_pct), tone),
        "  ",
        (f"prev {fmt.price(section.prev_close)}", "$text-muted"),
    ]
    td = section.td
    if td.setup_direction is not None and td.setup_count is not None:
        countdown = f" · countdown {td.countdown}" if td.countdown else ""
        parts += ["  ", (f"TD {td.setup_direction} {td.setup_count}{countdown}", "$text-muted")]
    return Content.assemble(*parts)


def level_rows(section: PriceSection) -> tuple[Row, ...]:
    """Levels high to low, each with its distance; the last price in its place."""
    rows: list[Row] = []
    placed = section.last is None
    for level in sorted(section.levels, key=lambda level: level.upper or level.value, reverse=True):
        top = level.upper or level.value
        if not placed and section.last is not None and section.last >= top:
            rows.append(last_row(section.last))
            placed = True
        rows.append(level_row(level))
    if not placed and section.last is not None:
        rows.append(last_row(section.last))
    return tuple(rows)


def level_row(level: Level) -> Row:
    """A level's name (in its line's colour), value and the price's distance from it
    (for a band, its bottom: the name already spans the band)."""
    color = f"$text-{fmt.level_color(level.kind, level.thesis)}"
    distance = level.distance_pct
    tone = "$text-success" if distance > 0 else "$text-error" if distance < 0 else ""
    return (
        Content.styled(level.name, color),
        fmt.level_value(level.value),
        value_cell(fmt.signed_pct(distance), tone),
    )


def last_row(last: float) -> Row:
    """The marker row for the last price among the levels."""
    return (Content.styled("▶ last", "bold"), Content.styled(fmt.price(last), "bold"), "")


class PricePanel(Panel):
    """Price of the index against its key levels."""

    DEFAULT_CSS = """
    PricePanel {
        & > .price--headline, & > .price--body { display: none; }
        &.-ready > .price--headline, &.-ready > .price--body { display: block; }
        & > .price--body { height: auto; }
        & .price--levels { width: auto; }
        & .price--chart-slot { width: 1fr; height: auto; }
    }
    """

    PANEL_TITLE = "Price vs key levels"

    _chart: PriceChart | None = None

    section: reactive[PriceSection | None] = reactive(None)
    """The price section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield Static("", classes="price--headline")
        with Horizontal(classes="price--body"):
            yield Static("", classes="price--chart-slot")
            yield ValueTable(
                Column("Level", flex=True),
                Column("Value", justify="right"),
                Column("Dist", justify="right"),
                classes="price--levels",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the chart in its slot, once the shell is painted."""
        from widgets.price_chart import PriceChart

        chart = PriceChart(classes="price--chart")
        chart.section = self.section
        await self.query_one(".price--chart-slot").remove()
        await self.query_one(".price--body").mount(chart, before=0)
        self._chart = chart

    @property
    def chart(self) -> PriceChart | None:
        """The chart, once it is mounted (None before the first paint)."""
        return self._chart

    @property
    def levels(self) -> ValueTable:
        """The table of levels and distances."""
        return self.query_one(".price--levels", ValueTable)

    def watch_section(self, section: PriceSection | None) -> None:
        if section is None:
            return
        self.border_title = f"{self.PANEL_TITLE} · {section.symbol}"
        self.query_one(".price--headline", Static).update(headline(section))
        self.levels.rows = level_rows(section)
        chart = self.chart
        if chart is not None:
            chart.section = section
        self.add_class("-ready")
        self.status = section.status
