"""The trend section: a CTA proxy — trend followers' exposure from vol-scaled momentum
over 21/63/126/252 sessions, its 1-week change and 1-year percentile, whether it is
crowded, and each lookback's flip level. `readings` gives every reading for every
session, from `core.signals.trend`'s vectorised frame; `compute` is its last row, with
the reason a reading is unknown for lack of history added to the status, and `at` the
same from a span's readings cut at a session (replay stepping). Every reading
is a function of the session's data, so none is left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, index_closes, last_date, latest, noted, the_index
from core.snapshot import Frozen, PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

WARMUP = 504
"""Sessions before the first with every reading: the exposure needs 253 closes (the
longest lookback, 252, plus one) and its 1-year percentile the 252 exposures before it.
The windows are finite, so each reading is exact from the first session it exists."""


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


def trend_readings(close: pd.Series, lookbacks: Sequence[int] | None = None) -> pd.DataFrame:
    """The section's readings on every session of `close` (dated, oldest first), for
    `lookbacks` (default: `core.signals.trend.LOOKBACKS`)."""
    import pandas as pd

    from core.signals.trend import LOOKBACKS, trend_by_session

    lookbacks = LOOKBACKS if lookbacks is None else lookbacks
    frame = trend_by_session(close, lookbacks)
    columns: dict[str, pd.Series] = {"trend.exposure_pct": frame["exposure"]}
    for lookback in lookbacks:
        signal = f"trend.signals[{lookback}]"
        columns[f"{signal}.value"] = frame[f"signal_{lookback}"]
        columns[f"{signal}.return_pct"] = frame[f"return_pct_{lookback}"]
        columns[f"{signal}.flip_level"] = frame[f"flip_{lookback}"]
        columns[f"{signal}.flip_distance_pct"] = frame[f"flip_distance_pct_{lookback}"]
    for reading in (
        "exposure_change_1w",
        "exposure_percentile_1y",
        "crowded",
        "nearest_flip_above",
        "nearest_flip_below",
    ):
        columns[f"trend.{reading}"] = frame[reading]
    return pd.DataFrame(columns, index=close.index)


def trend_section(
    index: pd.DataFrame, status: PanelStatus, *, lookbacks: Sequence[int] | None = None
) -> TrendSection:
    """The CTA proxy as of the last session of `index` (the index's daily bars, a `close`
    column on a DatetimeIndex): the last row of `trend_readings`, with the reason a
    reading is None for lack of history appended to `status`'s detail."""
    from core.signals.trend import LOOKBACKS

    lookbacks = LOOKBACKS if lookbacks is None else lookbacks
    return _section(index["close"], trend_readings(index["close"], lookbacks), status, lookbacks)


def _section(
    close: pd.Series, frame: pd.DataFrame, status: PanelStatus, lookbacks: Sequence[int]
) -> TrendSection:
    """The section from `frame`, the readings of `close` up to its last session: its
    last row, with the reason a reading is None for lack of history."""
    from core.signals.trend import YEAR, history_needed, valid_closes

    fields: dict[str, Any] = {
        "signals": tuple(TrendSignal(lookback_days=lookback) for lookback in lookbacks),
        **unflatten(TrendSection, "trend", latest(frame)),
    }
    if fields.get("exposure_pct") is not None and fields.get("exposure_percentile_1y") is not None:
        return TrendSection(status=status, **fields)  # every reading known: nothing to say
    closes = len(valid_closes(close))
    needed = history_needed(lookbacks)
    reasons = []
    if closes == 0:
        reasons.append("no closes of the index")
    elif fields.get("exposure_pct") is None:
        reasons.append(f"exposure needs {needed - YEAR} closes of the index, has {closes}")
    elif fields.get("exposure_percentile_1y") is None:
        reasons.append(f"1-year exposure percentile needs {needed} closes, has {closes}")
    return TrendSection(status=noted(status, reasons), **fields)


def readings(inputs: Inputs) -> pd.DataFrame:
    """The CTA proxy on every session of the index."""
    return trend_readings(index_closes(inputs))


def _unavailable(inputs: Inputs) -> TrendSection | None:
    """The fallback when there are no bars of the index (None when there are)."""
    symbol = inputs.settings.symbols.index
    bars = inputs.cycle.bars.get(symbol)
    if bars is None or bars.empty:
        return fallback(inputs.cycle.status(None, f"no bars for {symbol}"), inputs.settings)
    return None


def compute(inputs: Inputs) -> TrendSection:
    """CTA-proxy exposure of the index and each lookback's flip level."""
    unavailable = _unavailable(inputs)
    return unavailable if unavailable is not None else at(inputs, readings(inputs))


def at(inputs: Inputs, frame: pd.DataFrame) -> TrendSection:
    """`compute` from `frame`, the readings of the index's bars in `inputs` (replay
    stepping): its last row, with why a reading is unknown."""
    from core.signals.trend import LOOKBACKS

    unavailable = _unavailable(inputs)
    if unavailable is not None:
        return unavailable
    bars = inputs.cycle.bars[inputs.settings.symbols.index]
    return _section(bars["close"], frame, inputs.cycle.status(last_date(bars)), LOOKBACKS)


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


SECTION = Section(
    key="trend",
    model=TrendSection,
    order=50,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=the_index,
    readings=readings,
    warmup=WARMUP,
    at=at,
)
