"""The trend panel: the CTA proxy's exposure (time-series momentum over several
lookbacks, volatility-scaled into −100%…+100%) and, per lookback, its signal and the
price that would flip it at the next close. Later issues add the exposure history;
for now it shows what the Snapshot holds, and "unknown" with the reason for the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import reactive

from widgets import format as fmt
from widgets.panel import ReadingsPanel, value_cell
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import TrendSection, TrendSignal
    from widgets.table import Row


def exposure_rows(section: TrendSection) -> tuple[Row, ...]:
    """The headline exposure as a table row, coloured by its sign."""
    exposure = section.exposure_pct
    style = "bold"
    if exposure is not None:
        style += " $text-success" if exposure > 0 else " $text-error" if exposure < 0 else ""
    return (("Exposure", value_cell(fmt.signed_pct(exposure, 0), style)),)


def signal_rows(signals: tuple[TrendSignal, ...]) -> tuple[Row, ...]:
    """One row per lookback: its signal and its flip level."""
    return tuple(
        (
            f"{signal.lookback_days}d",
            value_cell(fmt.number(signal.value)),
            value_cell(fmt.price(signal.flip_level)),
        )
        for signal in signals
    )


class TrendPanel(ReadingsPanel):
    """CTA-proxy trend exposure and the flip level of each lookback."""

    DEFAULT_CSS = """
    TrendPanel > .trend--signals { display: none; }
    TrendPanel.-has-signals > .trend--signals { display: block; }
    """

    PANEL_TITLE = "CTA trend"

    section: reactive[TrendSection | None] = reactive(None)
    """The trend section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield ValueTable(
            Column("Lookback", flex=True),
            Column("Signal", justify="right"),
            Column("Flip at", justify="right"),
            classes="trend--signals",
        )

    @property
    def signals(self) -> ValueTable:
        """The per-lookback table."""
        return self.query_one(".trend--signals", ValueTable)

    def watch_section(self, section: TrendSection | None) -> None:
        if section is None:
            return
        self.signals.rows = signal_rows(section.signals)
        self.set_class(bool(section.signals), "-has-signals")
        self.show_readings(section.status, exposure_rows(section))
