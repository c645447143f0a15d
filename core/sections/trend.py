"""The trend section: a CTA proxy — trend followers' exposure from vol-scaled momentum
over 21/63/126/252 sessions, its 1-week change and 1-year percentile, whether it is
crowded, and each lookback's flip level. The computation is `core.signals.trend`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from core import format as fmt
from core.section import Inputs, Section, last_date
from core.snapshot import Frozen, PanelStatus, SectionModel

if TYPE_CHECKING:
    from core.config import Settings


class TrendSignal(Frozen):
    """One lookback of the CTA proxy."""

    ITEM_KEY: ClassVar[str] = "lookback_days"
    """Signals are named in a history by lookback: `trend.signals[21].flip_level`."""

    lookback_days: int
    value: float | None = None
    """Vol-scaled momentum signal in [−1, +1]."""
    return_pct: float | None = None
    """The lookback's return, in percent."""
    flip_level: float | None = None
    """The close that would make this lookback's return exactly zero at the next
    session (the close L − 1 sessions before the last)."""
    flip_distance_pct: float | None = None
    """(flip_level / last − 1) × 100."""


class TrendSection(SectionModel):
    """CTA-proxy trend exposure."""

    exposure_pct: float | None = None
    signals: tuple[TrendSignal, ...] = ()
    exposure_change_1w: float | None = None
    """Change over 5 sessions, in percentage points."""
    exposure_percentile_1y: float | None = None
    crowded: bool | None = None
    """Exposure at an extreme of its own year and large on that side: percentile ≥ 90
    with exposure ≥ +50, or percentile ≤ 10 with exposure ≤ −50."""
    nearest_flip_above: float | None = None
    nearest_flip_below: float | None = None


def compute(inputs: Inputs) -> TrendSection:
    """CTA-proxy exposure of the index and each lookback's flip level."""
    from core.signals import trend as trend_signal

    symbol = inputs.settings.symbols.index
    bars = inputs.cycle.bars.get(symbol)
    if bars is None or bars.empty:
        return fallback(inputs.cycle.status(None, f"no bars for {symbol}"), inputs.settings)
    return trend_signal.trend_section(bars, inputs.cycle.status(last_date(bars)))


def fallback(status: PanelStatus, settings: Settings) -> TrendSection:
    """No readings."""
    return TrendSection(status=status)


def text(t: TrendSection) -> list[str]:
    """Exposure, its change and percentile, then each lookback."""
    lines = [
        f"Trend (CTA proxy): exposure {fmt.signed_pct(t.exposure_pct, 0)}"
        f" (1w {fmt.signed_pp(t.exposure_change_1w, 0)},"
        f" 1y percentile {fmt.count(t.exposure_percentile_1y)})"
        f" · crowded {fmt.yes_no(t.crowded)}  {fmt.status_text(t.status)}"
    ]
    for signal in t.signals:
        lines.append(
            f"  {signal.lookback_days:>3}d signal {fmt.signed_number(signal.value, 2)}"
            f" · flip {fmt.number(signal.flip_level)} ({fmt.signed_pct(signal.flip_distance_pct)})"
        )
    return lines


def symbols(settings: Settings) -> tuple[str, ...]:
    """The index."""
    return (settings.symbols.index,)


SECTION = Section(
    key="trend",
    model=TrendSection,
    order=50,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
)
