"""The breadth section: how many index members take part — the % above their 50- and
200-day averages and how that changed, advances and declines, the A/D line, 52-week
new highs and lows, equal weight against cap weight (RSP/SPY) and the top-10 members'
weight — with a year of the % above the 200-day for the sparkline. The computation is
`core.signals.breadth`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from core import format as fmt
from core.section import Inputs, Section, last_date, noted
from core.snapshot import PanelStatus, SectionModel, Series

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings


class BreadthSection(SectionModel):
    """Participation of the index members."""

    members: int | None = None
    pct_above_200dma: float | None = None
    pct_above_50dma: float | None = None
    pct_above_200dma_change_5d: float | None = None
    """Change in percentage points over 5 sessions."""
    pct_above_200dma_change_20d: float | None = None
    pct_above_50dma_change_5d: float | None = None
    pct_above_50dma_change_20d: float | None = None
    advances: int | None = None
    declines: int | None = None
    ad_line: float | None = None
    """Cumulative advances − declines over the loaded history."""
    ad_line_change_20d: float | None = None
    new_highs_52w: int | None = None
    new_lows_52w: int | None = None
    net_new_highs_52w: int | None = None
    rsp_spy_ratio: float | None = None
    rsp_spy_vs_50d_pct: float | None = None
    """(ratio / its 50-day SMA − 1) × 100: equal weight lagging cap weight when < 0."""
    top10_concentration_pct: float | None = None
    """Weight of the ten largest members in %, where weights are known."""
    history_200dma: Series = Field(default_factory=Series)
    """% above the 200-day SMA over the last year (the dashboard sparkline shows the
    last 60 sessions, the detail view all of it)."""


def _close(inputs: Inputs, symbol: str) -> pd.Series | None:
    bars = inputs.cycle.bars.get(symbol)
    return None if bars is None or bars.empty else bars["close"]


def compute(inputs: Inputs) -> BreadthSection:
    """Participation of the members: % above averages, A/D, new highs, RSP/SPY."""
    from core.signals import breadth as breadth_signal

    cycle, symbols = inputs.cycle, inputs.settings.symbols
    panel = cycle.members
    if panel is None or panel.closes.empty:
        return fallback(cycle.status(None, "this source has no member data"), inputs.settings)
    rsp = _close(inputs, symbols.equal_weight)
    spy = _close(inputs, symbols.cap_weight)
    section = breadth_signal.breadth_section(
        panel, cycle.status(last_date(panel.closes)), rsp=rsp, spy=spy
    )
    notes = []
    if section.rsp_spy_ratio is None:
        if rsp is None or spy is None:
            notes.append(f"no {symbols.equal_weight}/{symbols.cap_weight} data")
        else:
            notes.append(
                f"{symbols.equal_weight} ends {rsp.index[-1]:%Y-%m-%d},"
                f" {symbols.cap_weight} {spy.index[-1]:%Y-%m-%d}: RSP/SPY unknown"
            )
    if section.top10_concentration_pct is None:
        notes.append("no member weights: top-10 concentration unknown")
    return section.model_copy(update={"status": noted(section.status, notes)})


def fallback(status: PanelStatus, settings: Settings) -> BreadthSection:
    """No readings."""
    return BreadthSection(status=status)


def text(b: BreadthSection) -> list[str]:
    """Members, % above averages, A/D and highs/lows, RSP/SPY and top-10 weight."""
    members = b.members if b.members is not None else "unknown"
    return [
        f"Breadth ({members} members)  {fmt.status_text(b.status)}",
        f"  above 200-day {fmt.pct(b.pct_above_200dma, 1)}"
        f" (5d {fmt.signed_pp(b.pct_above_200dma_change_5d, 1)},"
        f" 20d {fmt.signed_pp(b.pct_above_200dma_change_20d, 1)})"
        f" · above 50-day {fmt.pct(b.pct_above_50dma, 1)}"
        f" (5d {fmt.signed_pp(b.pct_above_50dma_change_5d, 1)})",
        f"  advances {fmt.count(b.advances)} · declines {fmt.count(b.declines)}"
        f" · A/D line 20d {fmt.signed_number(b.ad_line_change_20d, 0)}"
        f" · net new 52w highs {fmt.signed_number(b.net_new_highs_52w, 0)}",
        f"  RSP/SPY {fmt.number(b.rsp_spy_ratio, 4)}"
        f" ({fmt.signed_pct(b.rsp_spy_vs_50d_pct)} vs 50-day)"
        f" · top-10 weight {fmt.pct(b.top10_concentration_pct, 1)}",
    ]


def symbols(settings: Settings) -> tuple[str, ...]:
    """Equal weight and cap weight (RSP/SPY)."""
    return (settings.symbols.equal_weight, settings.symbols.cap_weight)


SECTION = Section(
    key="breadth",
    model=BreadthSection,
    order=30,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
    needs_members=True,
)
