"""The RSI section: Wilder's RSI of the index and its regular and hidden divergences
(the two pivots compared, when confirmed, how long active), with a year of RSI for the
chart. The computation is `core.signals.rsi_divergence`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from core import format as fmt
from core.section import Inputs, Section, last_date
from core.snapshot import Frozen, PanelStatus, SectionModel, Series

if TYPE_CHECKING:
    from core.config import Settings

RSI_PERIOD = 14


Day = date
"""A session date (an alias, because PivotPoint has a field named `date`)."""


class PivotPoint(Frozen):
    """A confirmed swing pivot of the close, with the RSI on that bar."""

    date: Day
    price: float
    rsi: float
    confirmed_on: Day
    """The bar on which the pivot became known (R bars after it)."""


class Divergence(Frozen):
    """The active RSI divergence, if any (kind None when none is active)."""

    kind: Literal["bearish", "bullish"] | None = None
    confirmed_on: date | None = None
    pivots: tuple[PivotPoint, ...] = ()
    """The two pivots compared, older first (empty when none is active)."""
    sessions_active: int | None = None
    """Sessions since confirmation (0 on the confirmation bar)."""


class RsiSection(SectionModel):
    """RSI of the index and its divergence flags."""

    period: int = 14
    value: float | None = None
    divergence: Divergence = Field(default_factory=Divergence)
    """Regular divergence: bearish = price higher high, RSI lower high; bullish = price
    lower low, RSI higher low."""
    hidden_divergence: Divergence = Field(default_factory=Divergence)
    """Hidden divergence, reported separately: bullish = price higher low, RSI lower
    low; bearish = price lower high, RSI higher high."""
    history: Series = Field(default_factory=Series)
    """RSI over the same sessions as price.history (a year)."""


def compute(inputs: Inputs) -> RsiSection:
    """RSI of the index and its regular and hidden divergences."""
    from core.signals import rsi_divergence

    bars = inputs.cycle.bars.get(inputs.settings.symbols.index)
    if bars is None or len(bars) <= RSI_PERIOD:
        missing = f"needs more than {RSI_PERIOD} closes of the index"
        return fallback(inputs.cycle.status(None, missing), inputs.settings)
    status = inputs.cycle.status(last_date(bars))
    return rsi_divergence.rsi_section(bars["close"], status, period=RSI_PERIOD)


def fallback(status: PanelStatus, settings: Settings) -> RsiSection:
    """No readings."""
    return RsiSection(status=status, period=RSI_PERIOD)


def divergence_text(divergence: Divergence) -> str:
    """ "bearish, confirmed 2026-02-04 (pivots …)" or "none active"."""
    if divergence.kind is None:
        return "none active"
    pivots = " vs ".join(
        f"{pivot.date} {pivot.price:,.2f} / RSI {pivot.rsi:.1f}" for pivot in divergence.pivots
    )
    return f"{divergence.kind}, confirmed {divergence.confirmed_on} ({pivots})"


def text(rsi: RsiSection) -> list[str]:
    """RSI, then each kind of divergence."""
    return [
        f"RSI({rsi.period}) {fmt.number(rsi.value, 1)}  {fmt.status_text(rsi.status)}",
        f"  divergence: {divergence_text(rsi.divergence)}",
        f"  hidden divergence: {divergence_text(rsi.hidden_divergence)}",
    ]


def symbols(settings: Settings) -> tuple[str, ...]:
    """The index."""
    return (settings.symbols.index,)


SECTION = Section(
    key="rsi",
    model=RsiSection,
    order=20,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
)
