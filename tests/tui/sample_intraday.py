"""Hand-built intraday bars for the TUI tests: the sample's session (Wed Jan 28 2026)
seen at 14:46 New York, mid-session, with Yahoo's delay: 60 regular 5-minute bars
from 09:30 to 14:25 (the last ends at 14:30, 16 minutes behind), opening a little over
the previous close (6,965.63), dipping to the low 6,950s by late morning, rallying
through the 6,992 pivot towards 7,000 after lunch and fading to the sample's last close
(6,978.03); the opening range from the first six bars. `extended_intraday` adds
pre-market bars from 08:00; `intraday_snapshot` puts bars in the sample Snapshot with
the market in a given phase and every reading of the close made a delayed one of
the session. Seeded stdlib random walk along anchors, fixed times: deterministic."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from core.clock import NEW_YORK
from core.sections.intraday import IntradayPhase, IntradaySection
from core.snapshot import MarketInfo, PanelStatus, Phase, Snapshot, SourceInfo
from tests.tui.sample import LAST, NEXT_OPEN, PREV_CLOSE, SESSION_CLOSE, path, sample_snapshot

SESSION = date(2026, 1, 28)
OPEN = datetime(2026, 1, 28, 9, 30, tzinfo=NEW_YORK)
NOW = datetime(2026, 1, 28, 14, 46, tzinfo=NEW_YORK)
"""The fixed "now" of the intraday tests: mid-session."""
BARS = 60
STEP = timedelta(minutes=5)
LAST_BAR_END = OPEN + STEP * BARS
"""14:30: the end of the last bar, 16 minutes before NOW."""
DELAY_MINUTES = 16.0

CLOSE_PATH = (
    (0, 6971.0),
    (14, 6953.0),
    (30, 6984.0),
    (42, 6996.5),
    (52, 6982.0),
    (BARS - 1, LAST),
)
"""Anchors of the bars' closes (bar index, close)."""


def sample_bars(
    count: int = BARS, seed: int = 1330, start: datetime = OPEN, first_open: float = 6969.8
) -> tuple[
    tuple[datetime, ...],
    tuple[float, ...],
    tuple[float, ...],
    tuple[float, ...],
    tuple[float, ...],
]:
    """Times, opens, highs, lows and closes of `count` bars from `start` along CLOSE_PATH
    (the last close is the sample's last close)."""
    rng = random.Random(seed)
    closes = path(CLOSE_PATH, count, rng, 2.2)
    closes[-1] = LAST
    times: list[datetime] = []
    opens: list[float] = []
    highs: list[float] = []
    lows: list[float] = []
    previous = first_open
    for index, close in enumerate(closes):
        open_ = previous + rng.gauss(0.0, 0.4)
        times.append(start + STEP * index)
        opens.append(round(open_, 2))
        highs.append(round(max(open_, close) + abs(rng.gauss(0.0, 1.6)), 2))
        lows.append(round(min(open_, close) - abs(rng.gauss(0.0, 1.6)), 2))
        previous = close
    return (
        tuple(times),
        tuple(opens),
        tuple(highs),
        tuple(lows),
        tuple(round(close, 2) for close in closes),
    )


def sample_intraday() -> IntradaySection:
    """60 regular bars of the session, 16 minutes delayed."""
    times, opens, highs, lows, closes = sample_bars()
    opening = range(6)
    return IntradaySection(
        status=PanelStatus(state="DELAYED", as_of=LAST_BAR_END),
        symbol="^GSPC",
        session=SESSION,
        interval_minutes=5,
        times=times,
        opens=opens,
        highs=highs,
        lows=lows,
        closes=closes,
        phases=("regular",) * len(times),
        prev_close=PREV_CLOSE,
        opening_range_high=max(highs[i] for i in opening),
        opening_range_low=min(lows[i] for i in opening),
        last=closes[-1],
        delay_minutes=DELAY_MINUTES,
    )


def extended_intraday(pre_bars: int = 18) -> IntradaySection:
    """The sample's bars after `pre_bars` pre-market bars (from 08:00), drifting from
    the previous close to the open."""
    section = sample_intraday()
    rng = random.Random(77)
    times: list[datetime] = []
    opens: list[float] = []
    highs: list[float] = []
    lows: list[float] = []
    closes: list[float] = []
    level = PREV_CLOSE
    for index in range(pre_bars):
        close = PREV_CLOSE + (section.opens[0] - PREV_CLOSE) * (index + 1) / pre_bars
        close += rng.gauss(0.0, 0.8)
        times.append(OPEN - STEP * (pre_bars - index))
        opens.append(round(level, 2))
        highs.append(round(max(level, close) + abs(rng.gauss(0.0, 0.5)), 2))
        lows.append(round(min(level, close) - abs(rng.gauss(0.0, 0.5)), 2))
        closes.append(round(close, 2))
        level = close
    pre: list[IntradayPhase] = ["pre"] * pre_bars
    return section.model_copy(
        update={
            "times": (*times, *section.times),
            "opens": (*opens, *section.opens),
            "highs": (*highs, *section.highs),
            "lows": (*lows, *section.lows),
            "closes": (*closes, *section.closes),
            "phases": (*pre, *section.phases),
        }
    )


def during_session(status: PanelStatus) -> PanelStatus:
    """A reading of the sample's close as a delayed reading of the session so far."""
    if status.as_of is None or status.as_of < SESSION_CLOSE:
        return status
    return status.model_copy(update={"state": "DELAYED", "as_of": LAST_BAR_END})


def intraday_snapshot(
    intraday: IntradaySection | None = None, phase: Phase = "regular"
) -> Snapshot:
    """The sample Snapshot mid-session (`phase`), with `intraday` (the sample's bars
    when None) and every reading of the close made a delayed one of the session."""
    snapshot = sample_snapshot()
    update: dict[str, object] = {
        key: getattr(snapshot, key).model_copy(
            update={"status": during_session(getattr(snapshot, key).status)}
        )
        for key in type(snapshot).model_fields
        if key not in ("as_of", "source", "market")
    }
    update["intraday"] = sample_intraday() if intraday is None else intraday
    update["as_of"] = NOW
    update["source"] = SourceInfo(kind="yahoo", simulated=False, label="LIVE")
    closes_today = phase in ("pre", "regular")
    update["market"] = MarketInfo(
        phase=phase,
        next_open=NEXT_OPEN,
        next_close=SESSION_CLOSE if closes_today else NEXT_OPEN.replace(hour=16, minute=0),
    )
    return snapshot.model_copy(update=update)
