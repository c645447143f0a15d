"""The price section: the index's last price and change, its key levels (1,000-point
milestones, EMA 20/50, SMA 50/200, the user's levels and bands) with the distance to
each, the EMA stack, the Bollinger/Keltner band state and the TD Sequential state, plus
a year of closes for the chart. `readings` gives every one of them for every session of
the index's bars (`core.signals.price` computes them, vectorised), and `compute` builds
today's section from the last session with a close, adding what is not a reading: the
freshness status and the chart's closes (`history`, a series, not a value of the
session). Nothing else is left out: each reading is a function of the session's bar and
the bars before it. Levels are columns per name (`price.levels[EMA 50].value`), one
group per milestone that is ever one of the two around the close, missing on the
sessions a level is not shown; today's levels are ordered highest first."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, last_date, latest, the_index
from core.snapshot import Frozen, History, PanelStatus, SectionModel, Thesis

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

KEY = "price"

log = logging.getLogger(__name__)

LevelKind = Literal["milestone", "ema", "sma", "user", "range", "gamma"]


class Level(Frozen):
    """A price level and how far the last price stands from it."""

    ITEM_KEY: ClassVar[str] = "name"
    """Levels are named in a history by their name: `price.levels[EMA 50].value`."""

    name: str
    kind: LevelKind
    value: float
    distance_pct: float
    """(last / value − 1) × 100."""
    upper: float | None = None
    """Top of the band when kind is "range" (value is then its bottom)."""
    thesis: Thesis | None = None
    """The thesis a user level belongs to, if any."""


class TDState(Frozen):
    """TD Sequential state of the index at the last bar."""

    setup_direction: Literal["buy", "sell"] | None = None
    setup_count: int | None = None
    """1–9 within the current setup; 0 when none is under way."""
    countdown: int | None = None
    """1–13 within the current countdown; 0 when none is under way."""
    perfected: bool | None = None
    """Whether the last completed setup 9 was perfected."""
    countdown_direction: Literal["buy", "sell"] | None = None
    tdst_support: float | None = None
    tdst_resistance: float | None = None


class BandState(Frozen):
    """Where the close sits in its Bollinger (20, 2σ) and Keltner (EMA 20 ± 2 ATR 10)
    bands, and whether the bands are widening."""

    bollinger_position: float | None = None
    """%B × 100: 0 at the lower band, 100 at the upper."""
    keltner_position: float | None = None
    """Same scale within the Keltner channel."""
    bollinger_expanding: bool | None = None
    """Bandwidth above its value 5 sessions earlier."""
    keltner_expanding: bool | None = None
    squeeze: bool | None = None
    """Bollinger bands inside the Keltner channel (volatility compression)."""


class PriceSection(SectionModel):
    """Price of the index against its key levels."""

    symbol: str
    last: float | None = None
    prev_close: float | None = None
    change_pct: float | None = None
    levels: tuple[Level, ...] = ()
    td: TDState = Field(default_factory=TDState)
    history: History = Field(default_factory=History)
    nearest_milestone_above: float | None = None
    within_1pct_below_milestone: bool | None = None
    """Last close in [milestone × 0.99, milestone) for the milestone just above."""
    highest_milestone: float | None = None
    """The highest 1,000-point multiple a close up to the last has been at or above
    (None while none has reached 1,000), over the bars loaded."""
    new_milestone: bool | None = None
    """The last close is the first at or above a 1,000-point multiple no earlier close
    reached. Exact on the index's whole history (from 1927); on a shorter one (the
    monitor loads about ten years) it means the first since the bars start, and it is
    unknown on their first close."""
    ema_stack: Literal["bullish", "bearish", "mixed"] | None = None
    """Bullish: close > EMA 20 > EMA 50 > EMA 200; bearish: the reverse; else mixed."""
    bands: BandState = Field(default_factory=BandState)


def readings(inputs: Inputs) -> pd.DataFrame:
    """Every price reading of every session of the index's bars (see the module
    docstring), columns named `price.last`, `price.levels[EMA 50].value`, ..."""
    import pandas as pd

    from core.signals import price as price_signal

    symbol = inputs.settings.symbols.index
    bars = inputs.cycle.bars.get(symbol)
    if bars is None:  # no sessions, no readings
        bars = pd.DataFrame({"close": []}, index=pd.DatetimeIndex([], name="date"), dtype=float)
    frame = price_signal.price_readings(bars, symbol, inputs.settings.levels)
    frame = _with_added_levels(frame, inputs, bars["close"].to_numpy(dtype="float64"))
    frame.columns = [f"{KEY}.{column}" for column in frame.columns]
    return frame


def _with_added_levels(
    frame: pd.DataFrame, inputs: Inputs, close: Any, prefix: str = ""
) -> pd.DataFrame:
    """`frame` with the levels the sections before this one add (`Section.levels`: the
    gamma flip and walls), each of their kind; a level whose name is taken (a user's
    level of that name, or one `frame` has already) is left to the one already there.
    `prefix` is that of `frame`'s columns (none while `readings` builds it)."""
    import pandas as pd

    from core.signals import price as price_signal

    added: dict[str, Any] = {}
    for section in inputs.registry:
        if section.levels is None or section.order >= SECTION.order:  # it must come first
            continue
        try:
            levels = section.levels(inputs)
        except Exception:  # odd data costs that section's levels (it says why), not prices
            log.exception("the %s levels could not be computed", section.key)
            continue
        for name, values in levels.items():
            if f"{prefix}levels[{name}].value" in frame or f"levels[{name}].value" in added:
                continue
            aligned = values.reindex(frame.index).to_numpy(dtype="float64")
            added.update(price_signal.level_columns(name, section.key, aligned, close))
    if not added:
        return frame
    extra = price_signal.as_frame(added, frame.index)
    extra.columns = [f"{prefix}{column}" for column in extra.columns]
    return pd.concat([frame, extra], axis=1)


def _highest_first(level: dict[str, Any]) -> float:
    """A level's sort key: the top of a band, else its value."""
    top: float = level.get("upper") or level["value"]
    return top


def compute(inputs: Inputs) -> PriceSection:
    """Today's price section: the readings of the last session with a close (a
    trailing bar without one is not a reading yet), dated at that session, the levels
    highest first, with the chart's year of closes up to that session."""
    return _built(inputs, readings)


def at(inputs: Inputs, frame: pd.DataFrame) -> PriceSection:
    """The price section from its readings cut at the session shown (`Section.at`),
    with the levels the sections before it add (the gamma flip and walls of the
    session's chain) unless `frame` has them already."""

    def with_levels(inputs: Inputs) -> pd.DataFrame:
        bars = inputs.cycle.bars[inputs.settings.symbols.index]
        close = bars["close"].to_numpy(dtype="float64")
        return _with_added_levels(frame, inputs, close, prefix=f"{KEY}.")

    return _built(inputs, with_levels)


def _built(inputs: Inputs, frame_of: Callable[[Inputs], pd.DataFrame]) -> PriceSection:
    """Today's section from the readings `frame_of` gives for the cycle's bars."""
    from core.signals import price as price_signal

    symbol = inputs.settings.symbols.index
    bars = inputs.cycle.bars.get(symbol)
    if bars is None or bars.empty:
        return fallback(inputs.cycle.status(None, f"no bars for {symbol}"), inputs.settings)
    frame = frame_of(inputs)
    last_close = last_date(frame[f"{KEY}.last"].dropna())
    if last_close is None:  # no close at all yet
        return PriceSection(status=inputs.cycle.status(last_date(bars)), symbol=symbol)
    closed = frame.loc[:last_close]
    fields = unflatten(PriceSection, KEY, latest(closed))
    levels = sorted(fields.pop("levels", ()), key=_highest_first, reverse=True)
    return PriceSection(
        **fields,
        levels=tuple(levels),
        status=inputs.cycle.status(last_close),
        history=price_signal.recent_history(bars["close"].loc[:last_close]),
    )


def fallback(status: PanelStatus, settings: Settings) -> PriceSection:
    """The index's symbol and no readings."""
    return PriceSection(status=status, symbol=settings.symbols.index)


def text(price: PriceSection) -> list[str]:
    """Last and change, each level with its distance, bands and TD state."""
    headline = f"{price.symbol}  {fmt.number(price.last)}  {fmt.signed_pct(price.change_pct)}"
    lines = [f"{headline}  {fmt.status_text(price.status)}"]
    for level in price.levels:
        band = f"–{fmt.price(level.upper)}" if level.upper is not None else ""
        name = level.name + (f" ({level.thesis})" if level.thesis else "")
        value = fmt.price(level.value).rjust(10)
        distance = fmt.signed_pct(level.distance_pct).rjust(8)
        lines.append(f"  {name:<28} {value}{band:<10} {distance}")
    td, bands = price.td, price.bands
    setup = f"{td.setup_direction} setup {td.setup_count}" if td.setup_direction else "no setup"
    countdown = (
        f"{td.countdown_direction} countdown {td.countdown}"
        if td.countdown_direction
        else "no countdown"
    )
    lines.append(
        f"  within 1% below milestone: {fmt.yes_no(price.within_1pct_below_milestone)}"
        f" · EMA stack: {price.ema_stack or fmt.UNKNOWN}"
    )
    lines.append(
        f"  Bollinger %B {fmt.count(bands.bollinger_position)}"
        f" (expanding {fmt.yes_no(bands.bollinger_expanding)})"
        f" · Keltner {fmt.count(bands.keltner_position)}"
        f" (expanding {fmt.yes_no(bands.keltner_expanding)}) · squeeze {fmt.yes_no(bands.squeeze)}"
    )
    lines.append(f"  TD Sequential: {setup} · {countdown}")
    return lines


def ema_warmup(length: int, tolerance: float = 1e-10) -> int:
    """Sessions before an EMA of `length` has forgotten its start to `tolerance`: the
    seed's `length` closes, then until (1 - alpha)^k <= tolerance."""
    alpha = 2.0 / (length + 1)
    return length - 1 + math.ceil(math.log(tolerance) / math.log(1.0 - alpha))


WARMUP = ema_warmup(200)
"""The EMA 200 of the stack is the slowest to forget where the data starts (~2,500
sessions); the bands, the other averages and TD Sequential settle well before."""


SECTION = Section(
    key=KEY,
    model=PriceSection,
    order=10,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=the_index,
    readings=readings,
    warmup=WARMUP,
    reads_levels=True,
    at=at,
)
