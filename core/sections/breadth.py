"""The breadth section: how many index members take part — the % above their 50- and
200-day averages and how that changed, advances and declines, the A/D line, 52-week
new highs and lows, equal weight against cap weight (RSP/SPY) and the top-10 members'
weight — with a year of the % above the 200-day for the sparkline. `readings` gives
them for every session of the members' closes (`core.signals.breadth.breadth_frame`
computes them, vectorised), and `compute` builds today's section from the last session
(`at` the same from a span's readings cut at a session, for replay stepping), adding
what is not a reading: the freshness status with the reasons RSP/SPY or the top-10
weight are unknown and the note that the member list is today's, and the sparkline.
Two fields are left out of the readings, computed for today only: `ad_line`, the
cumulative advances − declines, whose level depends on where the loaded closes start
(its 20-session change does not, and is a reading; `at` sums it from the advances and
declines), and `top10_concentration_pct`, since member weights are known only for
today."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from pydantic import Field

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, last_date, latest, noted
from core.snapshot import PanelStatus, SectionModel, Series

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings
    from core.signals.breadth import MemberReadings
    from core.sources.base import MemberPanel

KEY = "breadth"
NOT_READINGS = ("ad_line", "top10_concentration_pct")
"""Fields computed for today only (see the module docstring)."""
HISTORY_SESSIONS = 260
"""Sessions of % above the 200-day SMA kept for the sparkline."""
WARMUP = 252
"""The longest window of a reading: the 52-week high/low (`core.signals.breadth.YEAR`);
the 200-day average and its 20-session change need 220 sessions. A member missing
closes needs as many sessions more (its windows run over its present closes)."""


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


READINGS = tuple(
    f"{KEY}.{name}"
    for name in BreadthSection.model_fields
    if name not in ("status", "history_200dma", *NOT_READINGS)
)
"""The readings' columns, in the model's order."""


def _close(inputs: Inputs, symbol: str) -> pd.Series | None:
    bars = inputs.cycle.bars.get(symbol)
    return None if bars is None or bars.empty else bars["close"]


class _LastMembers:
    """The members' part of the last breadth computed live (`member_readings`), with
    the closes frame it came from: the engine keeps one members' panel between its
    hourly fetches, so the cycles in between reuse it rather than recompute it over
    every member (a third of a cycle, and ~16 MB of temporaries for 500 members). A
    frame is known by identity (a weak reference, so a dead frame's id reused is no
    match), its shape, its last session and its last row; panels are replaced, never
    changed in place, and a reused part gives the same numbers as a recomputed one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[weakref.ref[pd.DataFrame], tuple[object, ...], MemberReadings] | None = (
            None
        )

    @staticmethod
    def _key(closes: pd.DataFrame, last: int | None) -> tuple[object, ...]:
        tail = closes.iloc[-1:].to_numpy(dtype="float64", na_value=float("nan")).tobytes()
        return (closes.shape, closes.index[-1], tail, last)

    def readings(self, closes: pd.DataFrame, last: int | None) -> MemberReadings:
        """`member_readings(closes, last=last)`, reused when it was the last asked for."""
        from core.signals.breadth import member_readings

        key = self._key(closes, last)
        with self._lock:
            kept = self._kept
        if kept is not None and kept[0]() is closes and kept[1] == key:
            return kept[2]
        computed = member_readings(closes, last=last)
        with self._lock:
            self._kept = (weakref.ref(closes), key, computed)
        return computed


_LAST_MEMBERS = _LastMembers()


def _frame(
    members: MemberPanel, rsp: pd.Series | None, spy: pd.Series | None, last: int | None = None
) -> pd.DataFrame:
    """`breadth_frame` of the members' closes, columns named `breadth.<field>`; with
    `last` (a live refresh), the members' part is reused while their closes are the
    same (`_LastMembers`)."""
    from core.signals import breadth as breadth_signal

    closes = members.closes
    reused = None if last is None else _LAST_MEMBERS.readings(closes, last)
    frame = breadth_signal.breadth_frame(closes, rsp, spy, last=last, members=reused)
    return frame.add_prefix(f"{KEY}.")


def readings(inputs: Inputs) -> pd.DataFrame:
    """Every reading (`READINGS`) on every session of the members' closes; no rows
    without members."""
    import pandas as pd

    symbols = inputs.settings.symbols
    members = inputs.cycle.members
    if members is None or members.closes.empty:
        return pd.DataFrame(columns=list(READINGS), index=pd.DatetimeIndex([]), dtype="float64")
    rsp, spy = _close(inputs, symbols.equal_weight), _close(inputs, symbols.cap_weight)
    return _frame(members, rsp, spy)[list(READINGS)]


def breadth_section(
    members: MemberPanel | None,
    status: PanelStatus,
    *,
    rsp: pd.Series | None = None,
    spy: pd.Series | None = None,
) -> BreadthSection:
    """The breadth panel as of the last session of `members.closes`: the last row of its
    readings with the A/D line's level, the top-10 weight from `members.info` and the
    sparkline; every reading None without members' closes. `status` is returned
    unchanged."""
    if members is None or members.closes.empty:
        return BreadthSection(status=status)
    frame = _frame(members, rsp, spy, last=HISTORY_SESSIONS)
    return _section(members, frame, _latest(frame, "ad_line"), status)


def _latest(frame: pd.DataFrame, name: str) -> float | None:
    """The last value of the column `breadth.<name>` (None when unknown)."""
    value = float(frame[f"{KEY}.{name}"].iloc[-1])
    return None if value != value else value


def _ad_line(frame: pd.DataFrame) -> float | None:
    """The A/D line's level on the last row of `frame`, readings from the members' first
    session: the advances − declines of every session after the first (unknown on the
    first, which has no move), as `breadth_frame` sums them."""
    import numpy as np

    advances = frame[f"{KEY}.advances"].to_numpy(dtype=np.float64, na_value=np.nan)
    if len(advances) < 2:
        return None
    declines = frame[f"{KEY}.declines"].to_numpy(dtype=np.float64, na_value=np.nan)
    # Whole counts: the float sum is exact, as the integer running sum it stands for.
    return float((advances[1:] - declines[1:]).sum())


def _section(
    members: MemberPanel, frame: pd.DataFrame, ad_line: float | None, status: PanelStatus
) -> BreadthSection:
    """The panel from `frame`, readings of the members' closes ending at their last
    session (at least `HISTORY_SESSIONS` of them, or all): its last row, the A/D line's
    level `ad_line`, the top-10 weight and the sparkline."""
    from core.signals import breadth as breadth_signal

    share = frame[f"{KEY}.pct_above_200dma"].iloc[-HISTORY_SESSIONS:]
    history = Series(
        dates=tuple(stamp.date() for stamp in share.index),
        values=tuple(None if value != value else float(value) for value in share),
    )
    row = {column: value for column, value in latest(frame).items() if column in READINGS}
    return BreadthSection(
        **unflatten(BreadthSection, KEY, row),
        status=status,
        ad_line=ad_line,
        top10_concentration_pct=breadth_signal.top10_concentration_pct(members.info),
        history_200dma=history,
    )


def _ratio_note(rsp: pd.Series | None, spy: pd.Series | None, inputs: Inputs) -> str:
    """Why RSP/SPY is unknown on the members' last session: a series missing, or the
    two ending on different dates by then."""
    symbols = inputs.settings.symbols
    members = inputs.cycle.members
    session = last_date(members.closes) if members is not None else None
    ends = [
        None if series is None else last_date(series.loc[:session].dropna())
        for series in (rsp, spy)
    ]
    if ends[0] is None or ends[1] is None:
        return f"no {symbols.equal_weight}/{symbols.cap_weight} data"
    return (
        f"{symbols.equal_weight} ends {fmt.iso_date(ends[0].date())},"
        f" {symbols.cap_weight} {fmt.iso_date(ends[1].date())}: RSP/SPY unknown"
    )


SURVIVORSHIP = "member list is today's (survivorship: members that left are missing)"


def compute(inputs: Inputs) -> BreadthSection:
    """Today's breadth: the readings of the members' last session, dated at it, with
    the A/D line, the top-10 weight, the sparkline, why any of RSP/SPY or the top-10
    weight is unknown, and that the members are today's list. Its readings are of the
    last `HISTORY_SESSIONS` alone (the same numbers), reused live while the members'
    closes are the same."""
    cycle, symbols = inputs.cycle, inputs.settings.symbols
    panel = cycle.members
    if panel is None or panel.closes.empty:
        return fallback(cycle.status(None, "this source has no member data"), inputs.settings)
    rsp = _close(inputs, symbols.equal_weight)
    spy = _close(inputs, symbols.cap_weight)
    frame = _frame(panel, rsp, spy, last=HISTORY_SESSIONS)
    return _noted(inputs, _section(panel, frame, _latest(frame, "ad_line"), _status(inputs)))


def at(inputs: Inputs, frame: pd.DataFrame) -> BreadthSection:
    """`compute` from `frame`, the readings of the members' closes in `inputs` from their
    first session (replay stepping: a span's readings cut at a session), the A/D line
    summed from its advances and declines."""
    cycle = inputs.cycle
    panel = cycle.members
    if panel is None or panel.closes.empty:
        return fallback(cycle.status(None, "this source has no member data"), inputs.settings)
    return _noted(inputs, _section(panel, frame, _ad_line(frame), _status(inputs)))


def _status(inputs: Inputs) -> PanelStatus:
    """Dated at the members' last session (which `inputs` has)."""
    members = inputs.cycle.members
    assert members is not None
    return inputs.cycle.status(last_date(members.closes))


def _noted(inputs: Inputs, section: BreadthSection) -> BreadthSection:
    """`section` with why any of RSP/SPY or the top-10 weight is unknown (the weight
    dropped in a replay) and that the members are today's list."""
    cycle, symbols = inputs.cycle, inputs.settings.symbols
    notes = []
    if section.rsp_spy_ratio is None:
        rsp, spy = _close(inputs, symbols.equal_weight), _close(inputs, symbols.cap_weight)
        notes.append(_ratio_note(rsp, spy, inputs))
    if cycle.now is None and section.top10_concentration_pct is not None:
        # Weights are today's: applied to a past session they would be look-ahead.
        section = section.model_copy(update={"top10_concentration_pct": None})
        notes.append("member weights are today's: top-10 concentration unknown in a replay")
    elif section.top10_concentration_pct is None:
        notes.append("no member weights: top-10 concentration unknown")
    # Every source's members are one list, today's, read back over the whole history:
    # stocks that left the index are missing, and they were mostly the weak ones, so
    # the % above the averages reads higher than S&P's point-in-time series.
    notes.append(SURVIVORSHIP)
    return section.model_copy(update={"status": noted(section.status, notes)})


def fallback(status: PanelStatus, settings: Settings) -> BreadthSection:
    """No readings."""
    return BreadthSection(status=status)


def text(b: BreadthSection) -> list[str]:
    """Members, % above averages, A/D and highs/lows, RSP/SPY and top-10 weight."""
    return [
        f"Breadth ({fmt.count(b.members)} members)  {fmt.status_text(b.status)}",
        f"  above 200-day {fmt.pct(b.pct_above_200dma, 1)}"
        f" (5d {fmt.signed_pp(b.pct_above_200dma_change_5d, 1)},"
        f" 20d {fmt.signed_pp(b.pct_above_200dma_change_20d, 1)})"
        f" · above 50-day {fmt.pct(b.pct_above_50dma, 1)}"
        f" (5d {fmt.signed_pp(b.pct_above_50dma_change_5d, 1)})",
        f"  advances {fmt.count(b.advances)} · declines {fmt.count(b.declines)}"
        f" · A/D line 20d {fmt.signed_count(b.ad_line_change_20d)}"
        f" · net new 52w highs {fmt.signed_count(b.net_new_highs_52w)}",
        f"  RSP/SPY {fmt.number(b.rsp_spy_ratio, 4)}"
        f" ({fmt.signed_pct(b.rsp_spy_vs_50d_pct)} vs 50-day)"
        f" · top-10 weight {fmt.pct(b.top10_concentration_pct, 1)}",
    ]


def symbols(settings: Settings) -> tuple[str, ...]:
    """Equal weight and cap weight (RSP/SPY)."""
    return (settings.symbols.equal_weight, settings.symbols.cap_weight)


SECTION = Section(
    key=KEY,
    model=BreadthSection,
    order=30,
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
    readings=readings,
    warmup=WARMUP,
    needs_members=True,
    at=at,
)
