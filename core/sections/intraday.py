"""The intraday section: the index's 5-minute bars of the session in progress (a replay:
the replayed session), pre- and after-hours included where the source has them, for
the price panel's intraday chart (issue 13). From `CycleData.intraday` (fetched on the
quote cadence during a session's pre, regular and post phases, nothing outside them):
each bar's start, open, high, low, close and phase, the last close, the previous
session's regular close (from the index's daily bars: the close of the calendar's
previous session, none when the daily bars lack it, the status detail saying so), the
session's regular close time (13:00 on an early close), the opening range (the high
and low of the regular bars of the first 30 minutes), how far the last bar's end lies
behind now and whether that bar is still in progress. A failed fetch keeps the bars
of the last good one, STALE with the reason. Intraday bars are not a daily reading:
the section has no readings as history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from core import format as fmt
from core.clock import NEW_YORK
from core.section import Inputs, Section, the_index
from core.snapshot import Freshness, PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

KEY = "intraday"

IntradayPhase = Literal["pre", "regular", "post"]

INTERVAL_MINUTES = 5
"""The bars' length."""
REGULAR_OPEN = time(9, 30)
"""The NYSE's regular open, New York time."""
OPENING_RANGE = timedelta(minutes=30)
"""The opening range spans the regular bars starting in the first 30 minutes."""
DELAYED_AFTER_MINUTES = 15.0
"""A live panel whose last bar ends more than this before now, during regular hours,
shows DELAYED (Yahoo's delayed quotes lag 15 minutes)."""


class IntradaySection(SectionModel):
    """The index's 5-minute bars of one session. All tuples have one item per bar and
    the same length; empty when there are no bars (`status.detail` says why)."""

    symbol: str = ""
    session: date | None = None
    """The NYSE session the bars belong to."""
    interval_minutes: int = INTERVAL_MINUTES
    times: tuple[datetime, ...] = ()
    """Each bar's start, aware, America/New_York."""
    opens: tuple[float, ...] = ()
    highs: tuple[float, ...] = ()
    lows: tuple[float, ...] = ()
    closes: tuple[float, ...] = ()
    phases: tuple[IntradayPhase, ...] = ()
    """Each bar's phase of the session: pre-market, regular hours or after hours."""
    prev_close: float | None = None
    """The previous session's regular close: the index's daily close of the calendar's
    session before `session`; None when the daily bars lack that day (`status.detail`
    says `no close of <date>`), never an older day's close."""
    close_at: datetime | None = None
    """The session's regular close by the NYSE calendar, aware, America/New_York:
    16:00, or 13:00 on an early close (16:00 when the calendar does not know the
    session); None without bars. The chart's axis ends there, bars after it are post."""
    opening_range_high: float | None = None
    """The high of the regular bars of 09:30–10:00."""
    opening_range_low: float | None = None
    last: float | None = None
    """The last bar's close."""
    delay_minutes: float | None = None
    """How far the last bar's end is behind now (None in a replay): counted up to the
    regular close only, or to the end of after hours when the source has extended-hours
    bars, so a finished session does not age."""
    last_bar_partial: bool | None = None
    """Whether the last bar is still in progress (now is before its end): live only,
    None in a replay or without bars. `delay_minutes` is still measured from its end."""


def _session_close(session: date) -> datetime:
    """The regular close of `session` (16:00 New York when the calendar does not know it)."""
    from core.session import MarketSession

    try:
        return MarketSession().session_close(session)
    except ValueError:
        return datetime.combine(session, time(16, 0), tzinfo=NEW_YORK)


def _previous_session(session: date) -> date | None:
    """The NYSE session before `session` (None when the calendar does not reach it)."""
    from core.session import MarketSession

    try:
        return MarketSession().last_session_on_or_before(session - timedelta(days=1))
    except ValueError:
        return None


def _prev_close(inputs: Inputs, session: date) -> tuple[float | None, str | None]:
    """The index's daily close of the session before `session`, or None and why: the
    daily bars lack that session (an older close would measure the day's change from
    the wrong day)."""
    import pandas as pd

    previous = _previous_session(session)
    if previous is None:
        return None, f"no session before {session.isoformat()} in the calendar"
    bars = inputs.cycle.bars.get(inputs.settings.symbols.index)
    closes = None if bars is None else bars["close"].dropna()
    if closes is not None:
        day = closes[closes.index == pd.Timestamp(previous)]
        if len(day):
            return float(day.iloc[-1]), None
    return None, f"no close of {previous.isoformat()}"


def _phase(start: datetime, open_: datetime, close: datetime) -> IntradayPhase:
    if start < open_:
        return "pre"
    return "regular" if start < close else "post"


def _status(
    inputs: Inputs, as_of: datetime | None, delayed: bool, note: str | None = None
) -> PanelStatus:
    """The section's freshness: the cycle's state, STALE when the last fetch failed,
    DELAYED when the bars lag a live cycle; `note` (why there is no previous close)
    joins the detail."""
    cycle = inputs.cycle
    if as_of is None:
        if cycle.intraday_failed:
            return PanelStatus(state="ERROR", detail=cycle.intraday_failed)
        # What else failed this cycle is said too, as on every panel (CycleData.status).
        return cycle.status(None, cycle.intraday_missing or "no intraday bars")
    state: Freshness
    detail: str | None
    if cycle.intraday_failed:
        state, detail = "STALE", cycle.intraday_failed
    else:
        state = "DELAYED" if delayed and cycle.state == "LIVE" else cycle.state
        detail = cycle.detail
    detail = "; ".join(part for part in (detail, note) if part) or None
    return PanelStatus(state=state, as_of=as_of, detail=detail)


def intraday_section(inputs: Inputs, symbol: str, frame: pd.DataFrame | None) -> IntradaySection:
    """The section from `frame`, the bars of one session (see the module docstring)."""
    from core.session import AFTER_HOURS

    bars = None if frame is None else frame.dropna(subset=["open", "high", "low", "close"])
    if bars is None or bars.empty:
        return IntradaySection(status=_status(inputs, None, False), symbol=symbol)
    bars = bars.sort_index()
    starts = [stamp.to_pydatetime().astimezone(NEW_YORK) for stamp in bars.index]
    session = starts[-1].date()
    bars = bars[[start.date() == session for start in starts]]
    starts = [start for start in starts if start.date() == session]
    open_ = datetime.combine(session, REGULAR_OPEN, tzinfo=NEW_YORK)
    close = _session_close(session)
    phases = tuple(_phase(start, open_, close) for start in starts)
    in_range = [
        phase == "regular" and start < open_ + OPENING_RANGE
        for start, phase in zip(starts, phases, strict=True)
    ]
    opening = bars[in_range]
    step = timedelta(minutes=INTERVAL_MINUTES)
    last_end = starts[-1] + step
    now = inputs.cycle.now
    delay: float | None = None
    delayed = False
    partial: bool | None = None
    as_of = last_end
    if now is not None:
        partial = now < last_end
        extended = any(phase != "regular" for phase in phases)
        reference = min(now, close + AFTER_HOURS if extended else close)
        delay = max(0.0, (reference - last_end).total_seconds() / 60)
        as_of = min(last_end, now)
        delayed = now < close and delay > DELAYED_AFTER_MINUTES
    prev_close, no_prev_close = _prev_close(inputs, session)
    return IntradaySection(
        status=_status(inputs, as_of, delayed, no_prev_close),
        symbol=symbol,
        session=session,
        interval_minutes=INTERVAL_MINUTES,
        times=tuple(starts),
        opens=tuple(float(v) for v in bars["open"]),
        highs=tuple(float(v) for v in bars["high"]),
        lows=tuple(float(v) for v in bars["low"]),
        closes=tuple(float(v) for v in bars["close"]),
        phases=phases,
        prev_close=prev_close,
        close_at=close,
        opening_range_high=float(opening["high"].max()) if len(opening) else None,
        opening_range_low=float(opening["low"].min()) if len(opening) else None,
        last=float(bars["close"].iloc[-1]),
        delay_minutes=None if delay is None else round(delay, 1),
        last_bar_partial=partial,
    )


def compute(inputs: Inputs) -> IntradaySection:
    """The index's bars of the session in the cycle."""
    symbol = inputs.settings.symbols.index
    return intraday_section(inputs, symbol, inputs.cycle.intraday.get(symbol))


def fallback(status: PanelStatus, settings: Settings) -> IntradaySection:
    """The index's symbol and no bars."""
    return IntradaySection(status=status, symbol=settings.symbols.index)


def text(section: IntradaySection) -> list[str]:
    """Last against the previous close, the opening range, the bars and the delay."""
    s = section
    if not s.times:
        return [f"Intraday {s.symbol}: no bars  {fmt.status_text(s.status)}"]
    change = None
    if s.last is not None and s.prev_close:
        change = (s.last / s.prev_close - 1) * 100
    head = (
        f"Intraday {s.symbol} {fmt.iso_date(s.session)}  last {fmt.price(s.last)}"
        f" · prev close {fmt.price(s.prev_close)} ({fmt.day_change(s.last, s.prev_close, change)})"
        f"  {fmt.status_text(s.status)}"
    )
    counts = {phase: s.phases.count(phase) for phase in ("pre", "regular", "post")}
    split = ", ".join(f"{name} {n}" for name, n in counts.items() if n)
    first, last = (moment.astimezone(NEW_YORK) for moment in (s.times[0], s.times[-1]))
    delay = "" if s.delay_minutes is None else f" · delay {s.delay_minutes:g} min"
    if s.last_bar_partial:
        delay += " · bar in progress"
    return [
        head,
        f"  opening range {fmt.price(s.opening_range_low)}–{fmt.price(s.opening_range_high)}"
        f" · {len(s.times)} bars of {s.interval_minutes} min ({split})"
        f" · {first:%H:%M}–{last:%H:%M} ET{delay}",
    ]


SECTION = Section(
    key=KEY,
    model=IntradaySection,
    order=12,  # just after the price section
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=the_index,
    readings=None,
)
