"""The VIX section: the VIX and its change, its IV rank and percentile (today against
the previous 252 closes), the index's 20-session realised vol and the VIX's premium
over it, the 9-day/30-day/3-month term structure, and "index up while VIX up" over 5
sessions. Its readings (`core.signals.vix`) are one row per session of its inputs (the
VIX's, the index's, VIX9D's and VIX3M's), each series read at its own last close on or
before the session (what a replay as of that session sees); today's reading is the
last row (`at` reads it from a span's readings cut at a session, for replay
stepping). Every reading of the model is a column."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, last_date, latest, noted
from core.snapshot import PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

KEY = "vix"


class VixSection(SectionModel):
    """Implied volatility against realised volatility."""

    last: float | None = None
    change: float | None = None
    """Change from the previous close, in VIX points."""
    iv_rank_1y: float | None = None
    iv_percentile_1y: float | None = None
    realized_vol_20d: float | None = None
    vix_minus_realized: float | None = None
    """VIX − 20-session realised vol, in vol points (the variance risk premium)."""
    vix9d: float | None = None
    vix3m: float | None = None
    ratio_9d_30d: float | None = None
    ratio_30d_3m: float | None = None
    term_structure: Literal["contango", "backwardation", "flat"] | None = None
    """From VIX/VIX3M: contango below 0.98, backwardation above 1.02."""
    index_change_5d_pct: float | None = None
    vix_change_5d: float | None = None
    index_up_vix_up: bool | None = None
    """The index and VIX both up over the last 5 sessions ("bullish price, bearish vol")."""


def vix_section(
    vix: pd.DataFrame | None,
    index: pd.DataFrame | None,
    status: PanelStatus,
    *,
    vix9d: pd.DataFrame | None = None,
    vix3m: pd.DataFrame | None = None,
) -> VixSection:
    """The VIX panel as of the last session of its inputs: the last row of its
    readings, with `status` unchanged."""
    row = latest(_readings_of(vix, index, vix9d, vix3m))
    return VixSection(status=status, **unflatten(VixSection, KEY, row))


def _readings_of(
    vix: pd.DataFrame | None,
    index: pd.DataFrame | None,
    vix9d: pd.DataFrame | None,
    vix3m: pd.DataFrame | None,
) -> pd.DataFrame:
    from core.signals import vix as vix_signal

    frame = vix_signal.vix_readings(vix, index, vix9d=vix9d, vix3m=vix3m)
    return frame.add_prefix(f"{KEY}.")


def readings(inputs: Inputs) -> pd.DataFrame:
    """Every reading on every session of the VIX, the index, VIX9D and VIX3M."""
    bars, symbols = inputs.cycle.bars, inputs.settings.symbols
    return _readings_of(
        bars.get(symbols.vix),
        bars.get(symbols.index),
        bars.get(symbols.vix9d),
        bars.get(symbols.vix3m),
    )


def compute(inputs: Inputs) -> VixSection:
    """VIX level, rank, term structure and divergence, against realised vol."""
    return at(inputs, readings(inputs))


def at(inputs: Inputs, frame: pd.DataFrame) -> VixSection:
    """The section from `frame`, the readings of the bars in `inputs` (`compute` with the
    readings computed; replay stepping with a span's cut at a session): its last row,
    dated at the VIX's last bar, with why the term structure is unknown."""
    cycle, symbols = inputs.cycle, inputs.settings.symbols
    vix = cycle.bars.get(symbols.vix)
    missing = f"no bars for {symbols.vix}" if vix is None or vix.empty else None
    section = VixSection(
        status=cycle.status(last_date(vix), missing), **unflatten(VixSection, KEY, latest(frame))
    )
    absent = [symbol for symbol in (symbols.vix9d, symbols.vix3m) if symbol not in cycle.bars]
    notes = [f"no {'/'.join(absent)} data: term structure unknown"] if absent else []
    return section.model_copy(update={"status": noted(section.status, notes)})


def fallback(status: PanelStatus, settings: Settings) -> VixSection:
    """No readings."""
    return VixSection(status=status)


def text(v: VixSection) -> list[str]:
    """VIX and change, rank and realised vol, term structure, index-up-VIX-up."""
    return [
        f"VIX {fmt.number(v.last)} ({fmt.signed_number(v.change, 2)})  {fmt.status_text(v.status)}",
        f"  IV rank {fmt.count(v.iv_rank_1y)} · IV percentile {fmt.count(v.iv_percentile_1y)}"
        f" · realised 20d {fmt.pct(v.realized_vol_20d, 1)}"
        f" · VIX − realised {fmt.signed_number(v.vix_minus_realized, 1)}",
        f"  9D {fmt.number(v.vix9d)} · 3M {fmt.number(v.vix3m)}"
        f" · VIX/VIX3M {fmt.number(v.ratio_30d_3m, 3)}"
        f" ({v.term_structure or fmt.UNKNOWN})",
        f"  5d: index {fmt.signed_pct(v.index_change_5d_pct)},"
        f" VIX {fmt.signed_number(v.vix_change_5d, 2)}"
        f" · index up and VIX up: {fmt.yes_no(v.index_up_vix_up)}",
    ]


def symbols(settings: Settings) -> tuple[str, ...]:
    """The VIX family, and the index for realised vol."""
    s = settings.symbols
    return (s.index, s.vix, s.vix9d, s.vix3m)


SECTION = Section(
    key=KEY,
    model=VixSection,
    order=40,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
    readings=readings,
    warmup=253,  # today and the year before it for the IV rank and percentile (signals.vix.YEAR)
    at=at,
)
