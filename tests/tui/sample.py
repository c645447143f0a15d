"""Hand-built Snapshots and a fake engine for the TUI tests: a realistic reading of the
S&P 500 a little under its 7,000 milestone after the close (about 120 daily closes,
the example configuration's levels, some panels filled and some not computed yet, the
simulated source), a fixed clock the evening after, and `FakeFeed`, a `SnapshotFeed`
that publishes whatever it is given and counts `refresh_now` calls. Nothing here
imports pandas or numpy: the closes come from a seeded stdlib random walk."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta

from core.clock import NEW_YORK
from core.engine import Publish
from core.snapshot import (
    BreadthSection,
    ChecklistItem,
    ChecklistSection,
    ContextSection,
    Divergence,
    History,
    Level,
    LevelKind,
    MarketInfo,
    PanelStatus,
    PriceSection,
    RsiSection,
    Snapshot,
    SourceInfo,
    TDState,
    Thesis,
    ThesisScore,
    TrendSection,
    VixSection,
)

SESSION_CLOSE = datetime(2026, 1, 28, 16, 0, tzinfo=NEW_YORK)
"""The close the sample Snapshot stands on (a Wednesday)."""
NEXT_OPEN = datetime(2026, 1, 29, 9, 30, tzinfo=NEW_YORK)
NEXT_CLOSE = datetime(2026, 1, 29, 16, 0, tzinfo=NEW_YORK)
EVENING = datetime(2026, 1, 28, 20, 14, 30, tzinfo=NEW_YORK)
"""The fixed "now" of the tests: 13h 15m 30s before the next open."""
LAST = 6978.03
PREV_CLOSE = 6965.63


def weekdays_until(end: date, count: int) -> tuple[date, ...]:
    """The `count` weekdays ending with `end`, oldest first (holidays ignored)."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return tuple(reversed(days))


def sample_closes(count: int = 120, seed: int = 7000) -> tuple[float, ...]:
    """A seeded random walk that drifts from about 6,450 to the sample's last close."""
    rng = random.Random(seed)
    walk = [0.0]
    for _ in range(count - 1):
        walk.append(walk[-1] + rng.gauss(0.0, 28.0))
    start, drift = 6450.0, (LAST - 6450.0)
    closes = [
        start + drift * i / (count - 1) + step - walk[-1] * i / (count - 1)
        for i, step in enumerate(walk)
    ]
    closes[-2], closes[-1] = PREV_CLOSE, LAST
    return tuple(round(close, 2) for close in closes)


def level(
    name: str,
    kind: LevelKind,
    value: float,
    *,
    upper: float | None = None,
    thesis: Thesis | None = None,
) -> Level:
    """A Level with its distance from the sample's last close."""
    return Level(
        name=name,
        kind=kind,
        value=value,
        upper=upper,
        thesis=thesis,
        distance_pct=round((LAST / value - 1) * 100, 4),
    )


def sample_levels() -> tuple[Level, ...]:
    """The example configuration's levels plus the moving averages."""
    return (
        level("7,000 milestone", "milestone", 7000.0),
        level("EMA 50", "ema", 6905.41),
        level("SMA 200", "sma", 6581.17),
        level("6,992 pivot", "user", 6992.0, thesis="bull"),
        level("6,824 support", "user", 6824.0, thesis="bear"),
        level("6,700–7,000 range", "range", 6700.0, upper=7000.0, thesis="bear"),
    )


def closed(detail: str | None = None) -> PanelStatus:
    """The freshness of a reading taken at the sample's close."""
    return PanelStatus(state="CLOSED", as_of=SESSION_CLOSE, detail=detail)


def sample_snapshot(*, last: float = LAST) -> Snapshot:
    """The realistic sample: price complete, the other panels partly computed."""
    closes = sample_closes()
    if last != LAST:
        closes = (*closes[:-1], last)
    return Snapshot(
        as_of=SESSION_CLOSE,
        source=SourceInfo(kind="sim", simulated=True, label="SIMULATED"),
        market=MarketInfo(phase="closed", next_open=NEXT_OPEN, next_close=NEXT_CLOSE),
        price=PriceSection(
            status=closed(),
            symbol="^GSPC",
            last=last,
            prev_close=PREV_CLOSE,
            change_pct=round((last / PREV_CLOSE - 1) * 100, 4),
            levels=sample_levels(),
            td=TDState(setup_direction="sell", setup_count=7),
            history=History(dates=weekdays_until(SESSION_CLOSE.date(), len(closes)), closes=closes),
        ),
        rsi=RsiSection(
            status=closed(),
            value=61.84,
            divergence=Divergence(kind="bearish", confirmed_on=date(2026, 1, 22)),
        ),
        breadth=BreadthSection(
            status=closed("50-day breadth is not computed yet"),
            members=503,
            pct_above_200dma=58.4,
            pct_above_50dma=None,
        ),
        vix=VixSection(
            status=PanelStatus(
                state="DELAYED",
                as_of=SESSION_CLOSE - timedelta(minutes=15),
                detail="IV rank and percentile need a year of VIX history; 9 months held",
            ),
            last=16.42,
            realized_vol_20d=11.87,
        ),
        trend=TrendSection(
            status=PanelStatus(state="SIMULATED", detail="CTA proxy is not computed yet"),
        ),
        context=ContextSection(status=closed(), rut_win_streak=3),
        checklist=ChecklistSection(
            status=closed(),
            bull=ThesisScore(
                score=3,
                total=6,
                items=(
                    ChecklistItem(
                        id="above_milestone",
                        label="S&P 500 above the 7,000 milestone",
                        status="fail",
                        value="-0.31%",
                    ),
                    ChecklistItem(
                        id="within_1pct",
                        label="Within 1% of the milestone",
                        status="pass",
                        value="0.31% away",
                    ),
                    ChecklistItem(
                        id="above_pivot",
                        label="Holding the 6,992 pivot",
                        status="fail",
                        value="-0.20%",
                    ),
                    ChecklistItem(
                        id="breadth_rising",
                        label="% above 200-day rising",
                        status="pass",
                        value="58.4%",
                    ),
                    ChecklistItem(
                        id="low_iv",
                        label="VIX near realised vol",
                        status="pass",
                        value="16.4 vs 11.9",
                    ),
                    ChecklistItem(
                        id="cta_adding",
                        label="CTAs adding, not crowded",
                        status="unknown",
                        value=None,
                    ),
                ),
            ),
            bear=ThesisScore(
                score=2,
                total=5,
                items=(
                    ChecklistItem(
                        id="rsi_divergence",
                        label="Bearish RSI divergence",
                        status="pass",
                        value="confirmed Jan 22",
                    ),
                    ChecklistItem(
                        id="td_9",
                        label="TD Sequential sell 9",
                        status="fail",
                        value="sell setup 7",
                    ),
                    ChecklistItem(
                        id="vix_with_price",
                        label="VIX rising with price",
                        status="unknown",
                        value=None,
                    ),
                    ChecklistItem(
                        id="below_support",
                        label="Below the 6,824 support",
                        status="fail",
                        value="+2.26%",
                    ),
                    ChecklistItem(
                        id="in_range",
                        label="Inside the 6,700–7,000 range",
                        status="pass",
                        value="yes",
                    ),
                ),
            ),
        ),
    )


class FakeFeed:
    """A SnapshotFeed for tests: publishes its Snapshots, then waits for refresh_now."""

    def __init__(self, *snapshots: Snapshot) -> None:
        self.snapshots = list(snapshots) or [sample_snapshot()]
        self.refresh_calls = 0
        self._wake = asyncio.Event()

    async def run(self, publish: Publish) -> None:
        """Publish every queued Snapshot, then republish the last one on each refresh."""
        for snapshot in self.snapshots:
            publish(snapshot)
        while True:
            await self._wake.wait()
            self._wake.clear()
            publish(self.snapshots[-1])

    def refresh_now(self) -> None:
        """Count the request and wake the loop."""
        self.refresh_calls += 1
        self._wake.set()
