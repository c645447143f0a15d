"""The breadth panel: the share of index members above their own 200-day average as a
gauge with its bands (under 30 weak, over 70 strong, neutral between), a sparkline of
that share over the last 60 sessions, and the other participation readings: % above
the 50-day average, advancers and decliners, equal weight against cap weight (RSP/SPY
against its 50-day average) and the top-10 concentration. The detail view
(`detailed=True`) charts the whole year with the 30 and 70 lines instead of the
sparkline, and adds the 5- and 20-session changes, the A/D line, and new 52-week highs
and lows. A missing reading is "unknown" with the reason, never 0. While the members'
closes load (a first start on Yahoo), the load's progress shows under the gauge, or
alone in place of the body until the first reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from core import format as fmt
from widgets import look
from widgets.chart_slot import SPARKLINE_SESSIONS, ChartSlot, last_sessions, plottable
from widgets.gauge import Band, Gauge, band_of
from widgets.panel import ReadingsPanel, value_cell
from widgets.repaint import TextLine
from widgets.sparkline import TextSparkline
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.breadth import BreadthSection
    from widgets.oscillator_chart import OscillatorChart
    from widgets.table import Row

WEAK = 30.0
STRONG = 70.0

BANDS = (
    Band(0.0, WEAK, "weak", "error"),
    Band(WEAK, STRONG, "neutral", "warning"),
    Band(STRONG, 100.0, "strong", "success"),
)
"""The breadth gauge's bands: under 30% weak, over 70% strong."""


def band_word(value: float | None) -> str:
    """`weak`, `neutral` or `strong` for a share above the 200-day; `unknown`."""
    band = band_of(value, BANDS)
    return fmt.UNKNOWN if band is None else band.name


def gauge_label(value: float | None) -> str:
    """The gauge's reading: `58.4% neutral`."""
    return f"{fmt.pct(value)} {band_word(value)}"


def advance_decline(section: BreadthSection) -> str:
    """Advancers and decliners on the last session: `318 / 181`."""
    if section.advances is None or section.declines is None:
        return fmt.UNKNOWN
    return f"{fmt.count(section.advances)} / {fmt.count(section.declines)}"


def breadth_rows(section: BreadthSection) -> tuple[Row, ...]:
    """The breadth readings as table rows, the 200-day share first."""
    lagging = section.rsp_spy_vs_50d_pct
    return (
        ("% above 200-day", value_cell(fmt.pct(section.pct_above_200dma), "bold")),
        ("% above 50-day", value_cell(fmt.pct(section.pct_above_50dma))),
        ("Advancers / decliners", value_cell(advance_decline(section))),
        ("RSP/SPY vs 50-day", value_cell(fmt.signed_pct(lagging), look.tone(lagging))),
        ("Top-10 weight", value_cell(fmt.pct(section.top10_concentration_pct))),
    )


def detail_rows(section: BreadthSection) -> tuple[Row, ...]:
    """The numbers behind the gauge, for the detail view."""

    def change(value: float | None) -> Content:
        return value_cell(fmt.signed_pp(value), look.tone(value))

    return (
        ("Members covered", value_cell(fmt.count(section.members))),
        ("% above 200-day, 5-session change", change(section.pct_above_200dma_change_5d)),
        ("% above 200-day, 20-session change", change(section.pct_above_200dma_change_20d)),
        ("% above 50-day, 5-session change", change(section.pct_above_50dma_change_5d)),
        ("% above 50-day, 20-session change", change(section.pct_above_50dma_change_20d)),
        ("A/D line", value_cell(fmt.count(section.ad_line))),
        (
            "A/D line, 20-session change",
            value_cell(
                fmt.signed_count(section.ad_line_change_20d), look.tone(section.ad_line_change_20d)
            ),
        ),
        ("New 52-week highs", value_cell(fmt.count(section.new_highs_52w))),
        ("New 52-week lows", value_cell(fmt.count(section.new_lows_52w))),
        (
            "Net new highs",
            value_cell(
                fmt.signed_count(section.net_new_highs_52w), look.tone(section.net_new_highs_52w)
            ),
        ),
        ("RSP/SPY ratio", value_cell(fmt.ratio(section.rsp_spy_ratio))),
    )


def sparkline_range(values: tuple[float | None, ...]) -> str:
    """The low and high of the sparkline's window: `52–61%`."""
    known = [value for value in values if value is not None and plottable(value)]
    if not known:
        return ""
    return f"{fmt.number(min(known), 0)}–{fmt.pct(max(known), 0)}"


class BreadthPanel(ReadingsPanel):
    """Participation of the index members: a banded gauge, its trend, the readings."""

    DEFAULT_CSS = """
    BreadthPanel {
        & > .breadth--gauge, & > .breadth--trend, & > .breadth--chart,
        & > .breadth--detail { display: none; }
        &.-ready > .breadth--gauge, &.-ready > .breadth--trend,
        &.-ready > .breadth--chart { display: block; }
        &.-ready.-detailed > .breadth--detail { display: block; }
        & > .breadth--trend { height: 1; }
        & .breadth--trend-label { width: auto; color: $text-muted; padding-right: 1; }
        & .breadth--trend-range { width: auto; color: $text-muted; padding-left: 1; }
        & > .breadth--chart { height: 1fr; min-height: 12; }
        & > .breadth--detail { margin-top: 1; }
        &.-detailed ValueTable { width: auto; max-width: 100%; min-width: 40; }
    }
    """

    PANEL_TITLE = "Breadth"
    SECTION = "breadth"
    POSITION = 3
    PANEL_NAME = "breadth"
    MEANING = (
        "% of members above their own 200-day average: above 50% and rising means most stocks "
        "take part in the advance; falling while the index rises means fewer leaders carry it "
        "(top-10 concentration, equal weight lagging)."
    )
    EMPHASISED_IN = frozenset({"bull", "bear"})

    _chart: OscillatorChart | None = None

    section: reactive[BreadthSection | None] = reactive(None, repaint=False)
    """The breadth section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield Gauge(0.0, 100.0, BANDS, label=gauge_label, classes="breadth--gauge")
        yield self.progress_line()  # under the headline: the members' load
        if self.detailed:
            yield ChartSlot(classes="breadth--chart")
        else:
            with Horizontal(classes="breadth--trend"):
                yield Static(f"{SPARKLINE_SESSIONS}d", classes="breadth--trend-label")
                yield TextSparkline(BANDS)
                yield TextLine(classes="breadth--trend-range")
        yield from super().compose_body()
        if self.detailed:
            yield ValueTable(
                Column(flex=True),
                Column(justify="right"),
                show_header=False,
                classes="breadth--detail",
            )

    def on_mount(self) -> None:
        super().on_mount()
        if self.detailed:
            self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the year's chart in its slot (detail view only)."""
        from widgets.oscillator_chart import OscillatorChart

        chart = OscillatorChart(
            lower=WEAK,
            upper=STRONG,
            lower_color="error",
            upper_color="success",
            empty="no breadth history",
        )
        await self.query_one(ChartSlot).fill(chart)
        self._chart = chart
        if self.section is not None:
            chart.series = self.section.history_200dma

    @property
    def gauge(self) -> Gauge:
        """The % above the 200-day gauge."""
        return self.query_one(Gauge)

    @property
    def chart(self) -> OscillatorChart | None:
        """The year's chart (detail view only, once mounted)."""
        return self._chart

    def watch_section(self, section: BreadthSection | None) -> None:
        if section is None:
            return
        self.gauge.value = section.pct_above_200dma
        if self.detailed:
            self.query_one(".breadth--detail", ValueTable).rows = detail_rows(section)
            if self._chart is not None:
                self._chart.series = section.history_200dma
        else:
            recent = tuple(last_sessions(section.history_200dma.values, SPARKLINE_SESSIONS))
            self.query_one(TextSparkline).values = recent
            self.query_one(".breadth--trend-range", TextLine).update(sparkline_range(recent))
        self.show_readings(section.status, breadth_rows(section))
