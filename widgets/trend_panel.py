"""The trend panel: the CTA proxy's exposure (time-series momentum over several
lookbacks, volatility-scaled into −100%…+100%) as a gauge centred on zero, its change
over a week and whether it is crowded, the nearest prices above and below the last
close that would flip a lookback's sign at the next close (with their distance), and
each lookback's signal. The detail view (`detailed=True`) adds each lookback's return
and flip distance, and the exposure's 1-year percentile. A missing reading is "unknown"
with the reason, never 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets import look
from widgets.gauge import Band, Gauge
from widgets.panel import ReadingsPanel, value_cell
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.trend import TrendSection, TrendSignal
    from widgets.table import Row

BANDS = (
    Band(-100.0, 0.0, "short", "error"),
    Band(0.0, 100.0, "long", "success"),
)
"""The exposure gauge's sides: net short below zero, net long above."""


def gauge_label(value: float | None) -> str:
    """The gauge's reading: `+38% long`, `-12% short`, `0% flat`."""
    value = fmt.finite(value)
    if value is None:
        return fmt.UNKNOWN
    side = "long" if value > 0 else "short" if value < 0 else "flat"
    return f"{fmt.signed_pct(value, 0)} {side}"


def exposure_rows(section: TrendSection) -> tuple[Row, ...]:
    """The headline exposure as a table row, coloured by its sign."""
    exposure = section.exposure_pct
    return (("Exposure", value_cell(fmt.signed_pct(exposure, 0), f"bold {look.tone(exposure)}")),)


def flip_cell(section: TrendSection, level: float | None) -> Content:
    """A nearest flip level with its distance from the last close: `7,006.12 · +0.42%`.

    None means no lookback flips on that side when every flip level is known
    (`none`), and `unknown` otherwise."""
    if level is None:
        known = bool(section.signals) and all(s.flip_level is not None for s in section.signals)
        return Content.styled("none", "$text-muted") if known else value_cell(fmt.UNKNOWN)
    distance = next(
        (s.flip_distance_pct for s in section.signals if s.flip_level == level),
        None,
    )
    parts: list[tuple[str, str]] = [(fmt.price(level), "")]
    if distance is not None:
        parts.append((f" · {fmt.signed_pct(distance)}", "$text-muted"))
    return Content.assemble(*parts)


def crowded_cell(crowded: bool | None) -> Content:
    """Whether trend followers are crowded: `yes` is the warning."""
    return value_cell(fmt.yes_no(crowded), "bold $text-warning" if crowded else "")


def trend_rows(section: TrendSection, *, detailed: bool = False) -> tuple[Row, ...]:
    """Crowding and the nearest flips as table rows (the gauge shows the exposure; the
    detail view adds it in figures, its 1-year percentile and its 1-week change)."""
    change = section.exposure_change_1w
    rows: list[Row] = []
    if detailed:
        rows += [
            *exposure_rows(section),
            ("1-year percentile", value_cell(fmt.number(section.exposure_percentile_1y, 0))),
            ("1-week change", value_cell(fmt.signed_pp(change), look.tone(change))),
        ]
    rows += [
        ("Crowded", crowded_cell(section.crowded)),
        ("Flip above", flip_cell(section, section.nearest_flip_above)),
        ("Flip below", flip_cell(section, section.nearest_flip_below)),
    ]
    return tuple(rows)


def signal_cell(value: float | None) -> Content:
    """A lookback's signal with its direction: `▲ +0.72`, `▼ -0.12`."""
    value = fmt.finite(value)
    if value is None:
        return value_cell(fmt.UNKNOWN)
    arrow = "▲ " if value > 0 else "▼ " if value < 0 else ""
    return Content.styled(f"{arrow}{fmt.signed_number(value)}", look.tone(value))


def signal_rows(signals: tuple[TrendSignal, ...], *, detailed: bool = False) -> tuple[Row, ...]:
    """One row per lookback: its signal and flip level (and, in the detail view, its
    return and the flip level's distance)."""
    rows: list[Row] = []
    for signal in signals:
        row: list[str | Content] = [f"{signal.lookback_days}d"]
        if detailed:
            row.append(value_cell(fmt.signed_pct(signal.return_pct), look.tone(signal.return_pct)))
        row += [signal_cell(signal.value), value_cell(fmt.price(signal.flip_level))]
        if detailed:
            row.append(value_cell(fmt.signed_pct(signal.flip_distance_pct)))
        rows.append(tuple(row))
    return tuple(rows)


class TrendPanel(ReadingsPanel):
    """CTA-proxy trend exposure, its flips, and each lookback's signal."""

    DEFAULT_CSS = """
    TrendPanel {
        & > .trend--gauge, & > .trend--signals { display: none; }
        &.-ready > .trend--gauge { display: block; }
        &.-ready.-has-signals > .trend--signals { display: block; }
        &.-detailed ValueTable { width: auto; max-width: 100%; min-width: 40; }
        &.-detailed > .trend--signals { margin-top: 1; }
    }
    """

    PANEL_TITLE = "CTA trend"
    SECTION = "trend"
    POSITION = 5
    PANEL_NAME = "CTA trend"
    MEANING = (
        "A CTA proxy: trend followers' exposure (−100% … +100%) from vol-scaled momentum over "
        "several lookbacks. A flip level is the close that would turn a lookback's signal at "
        "the next session: the nearer, the more fragile the trend."
    )
    EMPHASISED_IN = frozenset({"bull"})

    section: reactive[TrendSection | None] = reactive(None, repaint=False)
    """The trend section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield Gauge(
            -100.0,
            100.0,
            BANDS,
            origin=0.0,
            label=gauge_label,
            signed_scale=True,
            classes="trend--gauge",
        )
        yield from super().compose_body()
        columns = [Column("Lookback", flex=True, min_width=8)]
        if self.detailed:
            columns.append(Column("Return", justify="right"))
        columns += [Column("Signal", justify="right"), Column("Flip at", justify="right")]
        if self.detailed:
            columns.append(Column("Distance", justify="right"))
        yield ValueTable(*columns, classes="trend--signals")

    @property
    def gauge(self) -> Gauge:
        """The exposure gauge."""
        return self.query_one(Gauge)

    @property
    def signals(self) -> ValueTable:
        """The per-lookback table."""
        return self.query_one(".trend--signals", ValueTable)

    def watch_section(self, section: TrendSection | None) -> None:
        if section is None:
            return
        self.gauge.value = section.exposure_pct
        self.signals.rows = signal_rows(section.signals, detailed=self.detailed)
        self.set_class(bool(section.signals), "-has-signals")
        self.show_readings(section.status, trend_rows(section, detailed=self.detailed))
