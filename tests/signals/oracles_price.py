"""Test oracles for the price section. `price_section_at_last_bar` is the price panel as
it was computed before readings became a history: scalar by scalar, at the last bar
only, from indicator calls on the bars cut there (kept verbatim, as an independent
check that the vectorised readings of `core.signals.price` give every session the
reading the panel used to give; `key_levels` is its levels; `milestone_record`, the
highest milestone and the new-milestone flag, was added with those readings). `price_inputs` hands
bars to the section the way a refresh cycle does."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Literal

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.config import Settings, UserLevel
from core.indicators import bollinger, ema, keltner, sma, td_sequential
from core.section import CycleData, Inputs, builtin
from core.sections.price import BandState, Level, PriceSection, TDState
from core.snapshot import History, PanelStatus

SYMBOL = "^GSPC"


def close_at_four(session: date) -> datetime:
    """A session's regular close (16:00 New York)."""
    return datetime.combine(session, time(16), tzinfo=NEW_YORK)


def price_inputs(bars: pd.DataFrame, levels: Sequence[UserLevel] = ()) -> Inputs:
    """One replay cycle's inputs holding `bars` as the index's daily bars."""
    settings = Settings(levels=tuple(levels))
    cycle = CycleData(
        bars={SYMBOL: bars},
        members=None,
        state="REPLAY",
        detail=None,
        close_time=close_at_four,
    )
    return Inputs(settings, cycle, None, {}, builtin(), {}, {})


def replay_status(bars: pd.DataFrame) -> PanelStatus:
    """The status the section shows for `bars` in a replay cycle."""
    return PanelStatus(state="REPLAY", as_of=close_at_four(bars.index[-1].date()))


MILESTONE_STEP = 1000.0
CHART_SESSIONS = 260
"""A year of closes: the dashboard draws the recent part, the detail view all of it."""
AVERAGES: tuple[tuple[str, int], ...] = (("ema", 20), ("ema", 50), ("sma", 50), ("sma", 200))
STACK_LENGTHS = (20, 50, 200)
"""The EMAs of the stack, fastest first."""
NEAR_MILESTONE = 0.99
"""A close at or above milestone * this (and below the milestone) is within 1% of it."""
BAND_LENGTH = 20
BOLLINGER_WIDTH = 2.0
KELTNER_ATR_LENGTH = 10
KELTNER_MULTIPLIER = 2.0
EXPANSION_SESSIONS = 5
"""Bands are expanding when their bandwidth exceeds its value this many sessions earlier."""
TD_SETUP_BARS = 9


def distance_pct(last: float, level: float) -> float:
    """How far `last` stands above (+) or below (-) `level`, in percent."""
    return (last / level - 1.0) * 100.0


def milestone_levels(last: float, step: float = MILESTONE_STEP) -> list[Level]:
    """The round-number milestones just below (or at) and just above `last`."""
    below = math.floor(last / step) * step
    milestones = [below, below + step] if below > 0 else [below + step]
    return [
        Level(
            name=f"{value:,.0f} milestone",
            kind="milestone",
            value=value,
            distance_pct=distance_pct(last, value),
        )
        for value in milestones
    ]


def average_levels(close: pd.Series, last: float) -> list[Level]:
    """EMA 20/50 and SMA 50/200 at the last bar; an average still warming up is left out."""
    levels = []
    for kind, length in AVERAGES:
        series = ema(close, length) if kind == "ema" else sma(close, length)
        value = float(series.iloc[-1]) if len(series) else math.nan
        if math.isfinite(value):
            levels.append(
                Level(
                    name=f"{kind.upper()} {length}",
                    kind="ema" if kind == "ema" else "sma",
                    value=value,
                    distance_pct=distance_pct(last, value),
                )
            )
    return levels


def user_levels(levels: Sequence[UserLevel], last: float) -> list[Level]:
    """The configured levels; a band's distance is measured from its bottom."""
    out = []
    for level in levels:
        if level.range is not None:
            low, high = level.range
            out.append(
                Level(
                    name=level.label,
                    kind="range",
                    value=low,
                    upper=high,
                    distance_pct=distance_pct(last, low),
                    thesis=level.thesis,
                )
            )
        elif level.value is not None:
            out.append(
                Level(
                    name=level.label,
                    kind="user",
                    value=level.value,
                    distance_pct=distance_pct(last, level.value),
                    thesis=level.thesis,
                )
            )
    return out


def key_levels(close: pd.Series, configured: Sequence[UserLevel]) -> tuple[Level, ...]:
    """Every level the price panel shows, highest first."""
    last = float(close.iloc[-1])
    mine = user_levels(configured, last)
    # A user level at a milestone's price replaces it: the user's label says more.
    taken = {level.value for level in mine if level.kind == "user"}
    milestones = [level for level in milestone_levels(last) if level.value not in taken]
    levels = milestones + average_levels(close, last) + mine
    return tuple(sorted(levels, key=lambda level: level.upper or level.value, reverse=True))


def recent_history(close: pd.Series, sessions: int = CHART_SESSIONS) -> History:
    """The last `sessions` closes, oldest first, for the chart."""
    tail = close.iloc[-sessions:]
    return History(
        dates=tuple(timestamp.date() for timestamp in pd.DatetimeIndex(tail.index)),
        closes=tuple(float(value) for value in tail.to_numpy()),
    )


def change_pct(last: float, prev_close: float | None) -> float | None:
    """Percentage change from the previous close, or None without one."""
    if prev_close is None or prev_close == 0:
        return None
    return (last / prev_close - 1.0) * 100.0


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def nearest_milestone_above(last: float, step: float = MILESTONE_STEP) -> float:
    """The first multiple of `step` strictly above `last` (7,000 → 8,000)."""
    return (math.floor(last / step) + 1) * step


def within_1pct_below(last: float, milestone: float) -> bool:
    """Whether `last` lies in [milestone * 0.99, milestone)."""
    return milestone * NEAR_MILESTONE <= last < milestone


def milestone_record(close: pd.Series) -> tuple[float | None, bool | None]:
    """The highest multiple of 1,000 any close of `close` (the last one finite) is at
    or above (None below 1,000), and whether the last close is the first at or above
    its own multiple: unknown when it is the first close and at or above 1,000."""
    closes = [float(value) for value in close.to_numpy() if math.isfinite(value)]
    last, earlier = closes[-1], closes[:-1]
    highest = math.floor(max(closes) / MILESTONE_STEP) * MILESTONE_STEP
    own = math.floor(last / MILESTONE_STEP) * MILESTONE_STEP
    if not earlier:
        return (highest if highest >= MILESTONE_STEP else None), (
            None if own >= MILESTONE_STEP else False
        )
    before = math.floor(max(earlier) / MILESTONE_STEP) * MILESTONE_STEP
    new = own >= MILESTONE_STEP and own > before
    return (highest if highest >= MILESTONE_STEP else None), new


def ema_stack(close: pd.Series) -> Literal["bullish", "bearish", "mixed"] | None:
    """Order of the last close and its EMA 20/50/200: bullish when close > EMA 20 >
    EMA 50 > EMA 200, bearish when close < EMA 20 < EMA 50 < EMA 200, else mixed;
    None while any of them is still warming up (or the last close is missing)."""
    values = [float(close.iloc[-1])] + [
        float(ema(close, length).iloc[-1]) for length in STACK_LENGTHS
    ]
    if not all(math.isfinite(value) for value in values):
        return None
    pairs = list(itertools.pairwise(values))
    if all(faster > slower for faster, slower in pairs):
        return "bullish"
    if all(faster < slower for faster, slower in pairs):
        return "bearish"
    return "mixed"


def _expanding(bandwidth: pd.Series) -> bool | None:
    """Last bandwidth above its value EXPANSION_SESSIONS bars earlier (None if unknown)."""
    if len(bandwidth) <= EXPANSION_SESSIONS:
        return None
    now = float(bandwidth.iloc[-1])
    before = float(bandwidth.iloc[-1 - EXPANSION_SESSIONS])
    if not (math.isfinite(now) and math.isfinite(before)):
        return None
    return now > before


def _position(close: float, lower: float, upper: float) -> float | None:
    """Where `close` sits between `lower` (0) and `upper` (100); None if unknown."""
    width = upper - lower
    if not (math.isfinite(close) and math.isfinite(width)) or width == 0:
        return None
    return (close - lower) / width * 100.0


def band_state(bars: pd.DataFrame) -> BandState:
    """Bollinger (20, 2 sd) and Keltner (EMA 20 ± 2 ATR 10) state at the last bar.

    Bollinger needs closes only; Keltner and the squeeze need highs and lows and are
    None where those are missing.
    """
    close = bars["close"]
    boll = bollinger(close, BAND_LENGTH, BOLLINGER_WIDTH)
    kelt = keltner(
        bars["high"],
        bars["low"],
        close,
        BAND_LENGTH,
        KELTNER_ATR_LENGTH,
        KELTNER_MULTIPLIER,
    )
    b_lower, b_upper = float(boll["lower"].iloc[-1]), float(boll["upper"].iloc[-1])
    k_lower, k_upper = float(kelt["lower"].iloc[-1]), float(kelt["upper"].iloc[-1])
    bands_known = all(math.isfinite(v) for v in (b_lower, b_upper, k_lower, k_upper))
    return BandState(
        bollinger_position=_finite_or_none(float(boll["percent_b"].iloc[-1]) * 100.0),
        keltner_position=_position(float(close.iloc[-1]), k_lower, k_upper),
        bollinger_expanding=_expanding(boll["bandwidth"]),
        keltner_expanding=_expanding(kelt["bandwidth"]),
        squeeze=(b_upper < k_upper and b_lower > k_lower) if bands_known else None,
    )


def td_state(bars: pd.DataFrame) -> TDState:
    """TD Sequential state at the last bar (see core.indicators.td_sequential).

    The setup (direction and count 1-9, 0 and None when none is under way) needs closes
    only. Perfection, countdown and TDST need highs and lows: the state at the last bar
    depends on the bars from bar 1 of the most recent completed setup 9 onwards (every
    9 starts or recycles the countdown, and its bars set the TDST it can be cancelled
    by), so those fields are None unless every high and low from there is present.
    With no completed setup 9 yet there is no countdown (0, None) and no perfection.
    """
    td = td_sequential(bars["high"], bars["low"], bars["close"])
    last = td.iloc[-1]
    setup_count = int(last["setup_count"])
    setup_direction = last["setup_direction"] if setup_count > 0 else None
    nines = np.flatnonzero(td["setup_count"].to_numpy() == TD_SETUP_BARS)
    if len(nines) == 0:
        return TDState(
            setup_direction=setup_direction,
            setup_count=setup_count,
            countdown=0,
            countdown_direction=None,
        )
    latest_nine = int(nines[-1])
    tail = bars.iloc[latest_nine - (TD_SETUP_BARS - 1) :]
    ranges_known = bool(tail["high"].notna().all() and tail["low"].notna().all())
    if not ranges_known:
        return TDState(setup_direction=setup_direction, setup_count=setup_count)
    return TDState(
        setup_direction=setup_direction,
        setup_count=setup_count,
        countdown=int(last["countdown"]),
        countdown_direction=last["countdown_direction"],
        perfected=bool(td["perfected"].iloc[latest_nine]),
        tdst_support=_finite_or_none(float(last["tdst_support"])),
        tdst_resistance=_finite_or_none(float(last["tdst_resistance"])),
    )


def price_section_at_last_bar(
    bars: pd.DataFrame,
    symbol: str,
    user_levels: Sequence[UserLevel],
    status: PanelStatus,
) -> PriceSection:
    """The price panel from the index's daily bars (columns open/high/low/close/volume,
    oldest first), read at the last bar with a close; no value uses a later bar.

    Trailing rows without a close (a partial row) are ignored; missing highs and lows
    (close-only history) leave the fields that need them None (see `band_state` and
    `td_state`). An empty frame gives a section with only the symbol and status.
    """
    present = bars["close"].notna().to_numpy() if "close" in bars else np.zeros(0, dtype=bool)
    if not present.any():
        return PriceSection(status=status, symbol=symbol)
    bars = bars.iloc[: int(np.flatnonzero(present)[-1]) + 1]
    for column in ("high", "low"):
        if column not in bars:
            bars = bars.assign(**{column: np.nan})
    close = bars["close"].astype(np.float64)
    bars = bars.assign(
        close=close, high=bars["high"].astype(np.float64), low=bars["low"].astype(np.float64)
    )
    last = float(close.iloc[-1])
    earlier = close.iloc[:-1].dropna()
    prev_close = float(earlier.iloc[-1]) if len(earlier) else None
    milestone = nearest_milestone_above(last)
    highest_milestone, new_milestone = milestone_record(close)
    return PriceSection(
        status=status,
        symbol=symbol,
        last=last,
        prev_close=prev_close,
        change_pct=change_pct(last, prev_close),
        levels=key_levels(close, user_levels),
        history=recent_history(close),
        nearest_milestone_above=milestone,
        within_1pct_below_milestone=within_1pct_below(last, milestone),
        highest_milestone=highest_milestone,
        new_milestone=new_milestone,
        ema_stack=ema_stack(close),
        bands=band_state(bars),
        td=td_state(bars),
    )
