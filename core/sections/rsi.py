"""The RSI section: Wilder's RSI of the index and its regular and hidden divergences
(the two pivots compared, when confirmed, how long active), with a year of RSI for the
chart. `readings` gives the RSI and each divergence's kind, confirmation date and
sessions active for every session, from the one timeline of
`core.signals.rsi_divergence`; `compute` is its last row plus what is not a reading: the
chart (the readings' RSI) and the pivots of the active divergences (found again among
the few bars before their confirmation). `at` builds the same from a span's readings cut
at a session, for replay stepping. Every reading is a function of the session's data,
so none is left out."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, index_closes, last_date, latest, the_index
from core.snapshot import Frozen, PanelStatus, SectionModel, Series

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

RSI_PERIOD = 14
CHART_SESSIONS = 260
"""Sessions of RSI on the chart (a year, as price.history)."""
RSI_CONVERGED = RSI_PERIOD + math.ceil(math.log(1e-10) / math.log(1 - 1 / RSI_PERIOD))
"""325: the first RSI (bar 14) leans on its seed average, which Wilder's smoothing
forgets by a factor 13/14 a session, below 1e-10 after 311 more."""
OLDEST_PIVOT = 84
"""Sessions from a bar back to the older pivot of a divergence still active on it:
19 after its confirmation, 5 (right bars) to the later pivot, at most 60 between them."""
WARMUP = RSI_CONVERGED + OLDEST_PIVOT
"""409: from then on the RSI on every pivot a reading compares has converged."""


RULES = {"left": 5, "right": 5, "min_gap": 5, "max_gap": 60, "active_sessions": 20}
"""The divergences' rules (`core.signals.rsi_divergence`'s defaults, which the readings
and the pivots found again both use): pivots of 5 bars either side, 5 to 60 sessions
apart, active 20 sessions."""

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


def rsi_readings(close: pd.Series, *, period: int = RSI_PERIOD, **rules: int) -> pd.DataFrame:
    """The section's readings on every bar of `close` (dated, oldest first); `rules`
    are `divergence_timeline`'s (left, right, min_gap, max_gap, active_sessions),
    `RULES` unless given."""
    import numpy as np
    import pandas as pd

    from core.signals.rsi_divergence import divergence_timeline

    timeline = divergence_timeline(close, period=period, **{**RULES, **rules})
    columns: dict[str, Any] = {
        "rsi.period": np.full(len(timeline), period, dtype=np.int64),
        "rsi.value": timeline["rsi"],
    }
    for name, prefix in (("divergence", ""), ("hidden_divergence", "hidden_")):
        for reading in ("kind", "confirmed_on", "sessions_active"):
            columns[f"rsi.{name}.{reading}"] = timeline[f"{prefix}{reading}"]
    return pd.DataFrame(columns, index=timeline.index)


def rsi_section(
    close: pd.Series,
    status: PanelStatus,
    *,
    period: int = RSI_PERIOD,
    history_sessions: int = CHART_SESSIONS,
    **rules: int,
) -> RsiSection:
    """The RSI panel as of the last bar of `close` (the last row of `rsi_readings`), with
    the active divergences' pivots and `history_sessions` of RSI for the chart."""
    frame = rsi_readings(close, period=period, **rules)
    return _section(close, frame, status, history_sessions, {**RULES, **rules})


def _section(
    close: pd.Series,
    frame: pd.DataFrame,
    status: PanelStatus,
    history_sessions: int,
    rules: dict[str, int],
) -> RsiSection:
    """The panel from `frame`, the readings of `close` (a row per bar of `close`) under
    the divergence `rules`: its last row, the active divergences' pivots and the chart
    of the frame's RSI."""
    fields: dict[str, Any] = unflatten(RsiSection, "rsi", latest(frame))
    strength = frame["rsi.value"]
    if not strength.index.equals(close.index):  # not the readings of these bars: align
        strength = strength.reindex(close.index)
    for name, hidden in (("divergence", False), ("hidden_divergence", True)):
        if name in fields:
            found = _pivots(close, strength, fields[name], rules, hidden=hidden)
            fields[name] = {**fields[name], "pivots": found}
    return RsiSection(status=status, history=_chart(close, strength, history_sessions), **fields)


def _pivots(
    close: pd.Series,
    strength: pd.Series,
    reported: dict[str, Any],
    rules: dict[str, int],
    *,
    hidden: bool,
) -> tuple[PivotPoint, ...]:
    """The two pivots of the divergence `reported` (a row's kind and confirmed_on; none
    active: ()), found again among the divergences of the last bars up to its
    confirmation: the later pivot lies `right` bars before it and the older one at most
    `max_gap` before that, and a pivot needs `left` bars before it, so those bars give
    the same pivots and divergence as the whole history (pivots are local), in constant
    time. `strength` is the RSI on every bar of `close` (its readings' column)."""
    import pandas as pd

    from core.signals.rsi_divergence import divergence_events

    kind, confirmed_on = reported.get("kind"), reported.get("confirmed_on")
    if kind is None or confirmed_on is None:
        return ()
    confirmed = int(close.index.searchsorted(pd.Timestamp(confirmed_on)))
    if confirmed >= len(close) or close.index[confirmed] != pd.Timestamp(confirmed_on):
        raise ValueError(f"no bar of the index on {confirmed_on}, a divergence's confirmation")
    start = max(0, confirmed - rules["right"] - rules["max_gap"] - rules["left"])
    window = slice(start, confirmed + 1)
    events = divergence_events(close.iloc[window], strength.iloc[window], **rules)
    event = next(
        (
            event
            for event in events
            if event.hidden == hidden
            and event.kind == kind
            and event.confirmed_pos == confirmed - start
        ),
        None,
    )
    if event is None:
        raise ValueError(f"no {kind} divergence confirmed on {confirmed_on} in the closes")
    right = event.confirmed_pos - event.second_pos  # a pivot's confirmation lag
    dates = pd.DatetimeIndex(close.index)
    return tuple(
        PivotPoint(
            date=dates[pos].date(),
            price=float(close.iloc[pos]),
            rsi=float(strength.iloc[pos]),
            confirmed_on=dates[pos + right].date(),
        )
        for pos in (start + event.first_pos, start + event.second_pos)
    )


def _chart(close: pd.Series, strength: pd.Series, sessions: int) -> Series:
    """The last `sessions` bars of RSI (`strength`, on every bar of `close`) up to the
    last bar with a close (None where a bar has no close or the RSI is not yet
    defined)."""
    import numpy as np
    import pandas as pd

    present = np.isfinite(close.to_numpy(dtype=np.float64, na_value=np.nan))
    shown = np.flatnonzero(present)
    if sessions <= 0 or len(shown) == 0:
        return Series()
    end = int(shown[-1]) + 1
    start = max(0, end - sessions)
    rsi_values = strength.to_numpy(dtype=np.float64, na_value=np.nan)[start:end]
    values = np.where(present[start:end], rsi_values, np.nan)
    return Series(
        dates=tuple(pd.DatetimeIndex(close.index[start:end]).date),
        values=tuple(float(v) if np.isfinite(v) else None for v in values),
    )


def readings(inputs: Inputs) -> pd.DataFrame:
    """The RSI and its divergences on every session of the index."""
    return rsi_readings(index_closes(inputs))


def _unavailable(inputs: Inputs) -> RsiSection | None:
    """The fallback when the index has too few bars for an RSI (None when it has)."""
    bars = inputs.cycle.bars.get(inputs.settings.symbols.index)
    if bars is None or len(bars) <= RSI_PERIOD:
        missing = f"needs more than {RSI_PERIOD} closes of the index"
        return fallback(inputs.cycle.status(None, missing), inputs.settings)
    return None


def compute(inputs: Inputs) -> RsiSection:
    """RSI of the index and its regular and hidden divergences."""
    unavailable = _unavailable(inputs)
    return unavailable if unavailable is not None else at(inputs, readings(inputs))


def at(inputs: Inputs, frame: pd.DataFrame) -> RsiSection:
    """`compute` from `frame`, the readings of the index's bars in `inputs` (replay
    stepping): the RSI and divergences of its last row, their pivots and the chart."""
    unavailable = _unavailable(inputs)
    if unavailable is not None:
        return unavailable
    bars = inputs.cycle.bars[inputs.settings.symbols.index]
    status = inputs.cycle.status(last_date(bars))
    return _section(bars["close"], frame, status, CHART_SESSIONS, RULES)


def fallback(status: PanelStatus, settings: Settings) -> RsiSection:
    """No readings."""
    return RsiSection(status=status, period=RSI_PERIOD)


def divergence_text(divergence: Divergence) -> str:
    """ "bearish, confirmed 2026-02-04 (pivots …)" or "none active"."""
    if divergence.kind is None:
        return "none active"
    pivots = " vs ".join(
        f"{fmt.iso_date(pivot.date)} {fmt.price(pivot.price)} / RSI {fmt.number(pivot.rsi, 1)}"
        for pivot in divergence.pivots
    )
    return f"{divergence.kind}, confirmed {fmt.iso_date(divergence.confirmed_on)} ({pivots})"


def text(rsi: RsiSection) -> list[str]:
    """RSI, then each kind of divergence."""
    return [
        f"RSI({rsi.period}) {fmt.number(rsi.value, 1)}  {fmt.status_text(rsi.status)}",
        f"  divergence: {divergence_text(rsi.divergence)}",
        f"  hidden divergence: {divergence_text(rsi.hidden_divergence)}",
    ]


SECTION = Section(
    key="rsi",
    model=RsiSection,
    order=20,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=the_index,
    readings=readings,
    warmup=WARMUP,
    at=at,
)
