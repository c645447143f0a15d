"""The RSI panel: the index's RSI (Wilder) and whether a divergence is active, flagged
in words a trader quotes ("BEARISH DIVERGENCE · confirmed 2026-01-22"), and a chart of
the RSI with its 30 and 70 lines over the same sessions as the price chart, the
divergence's two pivots marked (the price chart marks the same two). The detail view
(`detailed=True`) charts the whole year with each pivot's RSI printed beside it, and
adds the numbers behind the flag: each pivot's date, close, RSI and confirmation date,
the sessions since confirmation, and the hidden divergence, reported separately. A
missing RSI reads "unknown", never 0. The chart (plotext) is imported after the first
paint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.chart_slot import ChartSlot, MarkerPoint, window
from widgets.fit_line import FitLine
from widgets.panel import ReadingsPanel, value_cell
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.rsi import Divergence, RsiSection
    from widgets.oscillator_chart import OscillatorChart
    from widgets.table import Row

OVERBOUGHT = 70.0
OVERSOLD = 30.0

MEANING = {
    "bearish": "price higher high, RSI lower high",
    "bullish": "price lower low, RSI higher low",
}
"""What a regular divergence of each kind is, in words."""

HIDDEN_MEANING = {
    "bearish": "price lower high, RSI higher high",
    "bullish": "price higher low, RSI lower low",
}
"""What a hidden divergence of each kind is, in words."""


def kind_style(kind: str | None) -> str:
    """Theme style of a divergence: error when bearish, success when bullish."""
    return "$text-error" if kind == "bearish" else "$text-success" if kind == "bullish" else ""


def flag(section: RsiSection) -> tuple[Content, ...]:
    """The divergence flag, longest first: `BEARISH DIVERGENCE · confirmed 2026-01-22`,
    then without `confirmed` for a narrow panel."""
    divergence = section.divergence
    if divergence.kind is None:
        if section.value is None:
            return (Content.styled(f"divergence {fmt.UNKNOWN}", "$text-muted italic"),)
        return (Content.styled("no divergence active", "$text-muted"),)
    style = kind_style(divergence.kind)
    name = (f"{divergence.kind.upper()} DIVERGENCE", f"bold {style}")
    day = fmt.iso_date(divergence.confirmed_on)
    return (
        Content.assemble(name, (f" · confirmed {day}", style)),
        Content.assemble(name, (f" · {day}", style)),
    )


def zone(value: float | None) -> str:
    """Where the RSI sits against its 30 and 70 lines; `out of range` off its 0–100
    scale (no RSI can be there: the reading is bad, not oversold)."""
    value = fmt.finite(value)
    if value is None:
        return fmt.UNKNOWN
    if not 0 <= value <= 100:
        return "out of range"
    if value > OVERBOUGHT:
        return "overbought"
    if value < OVERSOLD:
        return "oversold"
    return "neutral"


def divergence_text(divergence: Divergence) -> str:
    """A divergence in a table cell: `bearish · Jan 22`."""
    return f"{divergence.kind} · {fmt.short_date(divergence.confirmed_on)}"


def rsi_cell(value: float | None) -> Content:
    """The RSI with its zone: `61.84 · neutral`, `74.10 · overbought`."""
    if fmt.finite(value) is None:
        return value_cell(fmt.UNKNOWN)
    word = zone(value)
    return Content.assemble(
        (fmt.number(value), "bold"),
        (f" · {word}", "$text-muted" if word == "neutral" else "$text-warning"),
    )


def rsi_rows(section: RsiSection) -> tuple[Row, ...]:
    """The RSI reading with its zone and the divergence flags as table rows."""
    divergence = section.divergence
    if section.value is None:
        flag_cell = value_cell(fmt.UNKNOWN)
    elif divergence.kind is None:
        flag_cell = Content.styled("none active", "$text-muted")
    else:
        flag_cell = value_cell(divergence_text(divergence), kind_style(divergence.kind))
    rows: list[Row] = [
        (f"RSI ({section.period})", rsi_cell(section.value)),
        ("Divergence", flag_cell),
    ]
    hidden = section.hidden_divergence
    if hidden.kind is not None:
        rows.append(("Hidden", value_cell(divergence_text(hidden), kind_style(hidden.kind))))
    return tuple(rows)


def pivot_rows(section: RsiSection) -> tuple[Row, ...]:
    """Each pivot of the regular and the hidden divergence: date, close, RSI."""
    rows: list[Row] = []
    for name, divergence in (("", section.divergence), ("hidden ", section.hidden_divergence)):
        if divergence.kind is None:
            continue
        for number, pivot in enumerate(divergence.pivots, start=1):
            rows.append(
                (
                    Content.styled(
                        f"{name}{divergence.kind} {number}", kind_style(divergence.kind)
                    ),
                    fmt.iso_date(pivot.date),
                    fmt.price(pivot.price),
                    fmt.number(pivot.rsi),
                    fmt.iso_date(pivot.confirmed_on),
                )
            )
    return tuple(rows)


def detail_rows(section: RsiSection) -> tuple[Row, ...]:
    """The numbers behind the flag, for the detail view."""
    rows: list[Row] = []
    for name, divergence, meaning in (
        ("Divergence", section.divergence, MEANING),
        ("Hidden divergence", section.hidden_divergence, HIDDEN_MEANING),
    ):
        if divergence.kind is None:
            none = "none active" if section.value is not None else fmt.UNKNOWN
            rows.append((name, value_cell(none, "$text-muted")))
            continue
        rows += [
            (name, value_cell(f"{divergence.kind}: {meaning[divergence.kind]}")),
            ("  confirmed", value_cell(fmt.iso_date(divergence.confirmed_on))),
            ("  sessions since", value_cell(fmt.count(divergence.sessions_active))),
        ]
    return tuple(rows)


def rsi_markers(divergence: Divergence, *, labels: bool = False) -> tuple[MarkerPoint, ...]:
    """A divergence's two RSI pivots as chart markers (labelled with the RSI)."""
    if divergence.kind is None:
        return ()
    return tuple(
        MarkerPoint(pivot.date, pivot.rsi, fmt.number(pivot.rsi, 1) if labels else "")
        for pivot in divergence.pivots
    )


class RsiPanel(ReadingsPanel):
    """RSI of the index, its chart and its divergence flag."""

    # Unscoped: the chart's height follows the dashboard's layout (a fixed height where
    # the grid scrolls, the row's spare height where it fills the screen).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    RsiPanel {
        & > .rsi--flag, & > .rsi--chart, & > .rsi--pivots, & > .rsi--detail {
            display: none;
        }
        &.-ready > .rsi--flag, &.-ready > .rsi--chart { display: block; }
        &.-ready.-detailed > .rsi--pivots, &.-ready.-detailed > .rsi--detail {
            display: block;
        }
        & > .rsi--chart { height: 8; }
        & > .rsi--pivots, & > .rsi--detail { margin-top: 1; }
        &.-detailed > .rsi--chart { height: 1fr; min-height: 14; }
        &.-detailed ValueTable { width: auto; max-width: 100%; min-width: 40; }
    }
    Screen.-tall #panels RsiPanel > .rsi--chart { height: 10; }
    Screen.-wide.-tall #panels RsiPanel > .rsi--chart { height: 1fr; min-height: 5; }
    """

    PANEL_TITLE = "RSI divergence"
    SECTION = "rsi"
    POSITION = 2
    PANEL_NAME = "RSI"
    MEANING = (
        "Wilder's 14-day RSI. A bearish divergence is price making a higher high while RSI "
        "makes a lower high (momentum fading); it is dated when the second swing is confirmed "
        "and stays active 20 sessions unless price closes above its pivot."
    )
    EMPHASISED_IN = frozenset({"bear"})

    _chart: OscillatorChart | None = None

    section: reactive[RsiSection | None] = reactive(None, repaint=False)
    """The RSI section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield FitLine(classes="rsi--flag")
        yield from super().compose_body()
        yield ChartSlot(classes="rsi--chart")
        if self.detailed:
            yield ValueTable(
                Column("Pivot", flex=True),
                Column("Date"),
                Column("Close", justify="right"),
                Column("RSI", justify="right"),
                Column("Confirmed on", optional=True),
                column_gap=2,
                classes="rsi--pivots",
            )
            yield ValueTable(
                Column(flex=True),
                Column(justify="right"),
                show_header=False,
                classes="rsi--detail",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the RSI chart in its slot, once the shell is painted."""
        from widgets.oscillator_chart import OscillatorChart

        chart = OscillatorChart(
            lower=OVERSOLD,
            upper=OVERBOUGHT,
            lower_color="success",
            upper_color="error",
            empty="no RSI history",
            compact=not self.detailed,
        )
        chart.window = window(self.detailed)
        chart.label_markers = self.detailed
        await self.query_one(ChartSlot).fill(chart)
        self._chart = chart
        self._show_chart()

    @property
    def chart(self) -> OscillatorChart | None:
        """The RSI chart, once it is mounted (None before the first paint)."""
        return self._chart

    def watch_section(self, section: RsiSection | None) -> None:
        if section is None:
            return
        self.query_one(".rsi--flag", FitLine).variants = flag(section)
        if self.detailed:
            self.query_one(".rsi--pivots", ValueTable).rows = pivot_rows(section) or (
                (Content.styled("no divergence active", "$text-muted"), "", "", "", ""),
            )
            self.query_one(".rsi--detail", ValueTable).rows = detail_rows(section)
        self._show_chart()
        self.show_readings(section.status, rsi_rows(section))

    def _show_chart(self) -> None:
        chart, section = self.chart, self.section
        if chart is None or section is None:
            return
        chart.series = section.history
        chart.markers = rsi_markers(section.divergence, labels=self.detailed)
        chart.marker_color = "error" if section.divergence.kind == "bearish" else "success"
