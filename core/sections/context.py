"""The context section: cross-market readings the theses quote — the Russell 2000's
win streak over the S&P 500 and its 20-session relative return, and whether the
Nasdaq confirmed the S&P 500's latest 52-week high. It has no panel of its own (the
checklist shows it). Its readings (`core.signals.context`) are one row per session of
the index, each as of that session's close; today's reading is the last row, its
status saying why a reading is unknown (`at` reads it from a span's readings cut at a
session, for replay stepping). Every reading of the model is a column."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, last_date, latest, noted
from core.snapshot import PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

KEY = "context"


class ContextSection(SectionModel):
    """Cross-market context the theses quote."""

    rut_win_streak: int | None = None
    """Consecutive sessions, up to the last, in which the Russell 2000's return beat
    the S&P 500's (0 when it lagged on the last session)."""
    index_new_high_52w: bool | None = None
    """The S&P 500 closed at a new 52-week high on the last session."""
    nasdaq_new_high_52w: bool | None = None
    nasdaq_confirms: bool | None = None
    """Whether the Nasdaq made a new 52-week high within the 5 sessions up to the S&P
    500's latest new 52-week high (None when the S&P 500 made none in the last 20)."""
    index_last_new_high: date | None = None
    small_caps_rel_20d_pct: float | None = None
    """The Russell 2000's 20-session return minus the S&P 500's, in percentage points,
    over their common sessions ending at the last (negative: small caps lagging)."""


def context_section(
    index: pd.DataFrame | None,
    small_caps: pd.DataFrame | None,
    nasdaq: pd.DataFrame | None,
    status: PanelStatus,
) -> ContextSection:
    """RUT win streak and 52-week-high confirmation as of the index's last close: the
    last row of the readings, with the reasons for any unknown reading added to
    `status`'s detail. `small_caps` is the Russell 2000, `nasdaq` the Nasdaq Composite,
    either None when unavailable."""
    frame = _readings_of(index, small_caps, nasdaq)
    return _section(index, small_caps, nasdaq, status, frame)


def _section(
    index: pd.DataFrame | None,
    small_caps: pd.DataFrame | None,
    nasdaq: pd.DataFrame | None,
    status: PanelStatus,
    frame: pd.DataFrame,
) -> ContextSection:
    """The section from `frame`, the readings of those bars: its last row, with the
    reasons for any unknown reading."""
    from core.signals import context as context_signal

    fields = unflatten(ContextSection, KEY, latest(frame))
    reasons = context_signal.unknown_reasons(index, small_caps, nasdaq, fields)
    return ContextSection(status=noted(status, reasons), **fields)


def _readings_of(
    index: pd.DataFrame | None, small_caps: pd.DataFrame | None, nasdaq: pd.DataFrame | None
) -> pd.DataFrame:
    from core.signals import context as context_signal

    return context_signal.context_readings(index, small_caps, nasdaq).add_prefix(f"{KEY}.")


def readings(inputs: Inputs) -> pd.DataFrame:
    """Every reading on every session of the index."""
    bars, symbols = inputs.cycle.bars, inputs.settings.symbols
    return _readings_of(
        bars.get(symbols.index), bars.get(symbols.small_caps), bars.get(symbols.nasdaq)
    )


def compute(inputs: Inputs) -> ContextSection:
    """Russell 2000 win streak and Nasdaq confirmation of S&P 500 highs."""
    unavailable = _unavailable(inputs)
    return unavailable if unavailable is not None else at(inputs, readings(inputs))


def _unavailable(inputs: Inputs) -> ContextSection | None:
    """The fallback when there are no bars of the index (None when there are)."""
    symbols = inputs.settings.symbols
    index = inputs.cycle.bars.get(symbols.index)
    if index is None or index.empty:
        missing = f"no bars for {symbols.index}"
        return fallback(inputs.cycle.status(None, missing), inputs.settings)
    return None


def at(inputs: Inputs, frame: pd.DataFrame) -> ContextSection:
    """`compute` from `frame`, the readings of the bars in `inputs` (replay stepping):
    its last row, with why a reading is unknown."""
    unavailable = _unavailable(inputs)
    if unavailable is not None:
        return unavailable
    bars, symbols = inputs.cycle.bars, inputs.settings.symbols
    index = bars[symbols.index]
    status = inputs.cycle.status(last_date(index))
    return _section(index, bars.get(symbols.small_caps), bars.get(symbols.nasdaq), status, frame)


def fallback(status: PanelStatus, settings: Settings) -> ContextSection:
    """No readings."""
    return ContextSection(status=status)


def text(c: ContextSection) -> list[str]:
    """The RUT streak and the Nasdaq's confirmation."""
    return [
        f"Context: RUT win streak {fmt.count(c.rut_win_streak)}"
        f" · S&P 500 at 52w high {fmt.yes_no(c.index_new_high_52w)}"
        f" · Nasdaq confirms {fmt.yes_no(c.nasdaq_confirms)}  {fmt.status_text(c.status)}"
    ]


def symbols(settings: Settings) -> tuple[str, ...]:
    """The index, small caps and the Nasdaq."""
    s = settings.symbols
    return (s.index, s.small_caps, s.nasdaq)


SECTION = Section(
    key=KEY,
    model=ContextSection,
    order=60,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
    readings=readings,
    # A year of closes behind each of the 24 sessions the Nasdaq confirmation may
    # read a 52-week-high flag on (signals.context.WARMUP); a RUT streak longer than
    # that would need more, and has never happened.
    warmup=275,
    at=at,
)
