"""The Snapshot: everything the panels show, as one immutable, JSON-ready pydantic
model. The engine builds one per refresh; widgets render it and nothing else; `regime
snapshot --format json` prints it. The JSON contract in DESIGN.md is a floor: keys are
added, never renamed. A value that cannot be computed is None (JSON null), and the
panel's `status.detail` says why."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Freshness = Literal["LIVE", "DELAYED", "STALE", "CLOSED", "OFFLINE", "SIMULATED", "REPLAY", "ERROR"]
"""The state every panel shows beside its as-of time."""

SourceKind = Literal["sim", "files", "yahoo", "cache"]
Phase = Literal["pre", "regular", "post", "closed"]
Thesis = Literal["bull", "bear"]
LevelKind = Literal["milestone", "ema", "sma", "user", "range"]
ItemStatus = Literal["pass", "fail", "unknown"]


class Frozen(BaseModel):
    """Base of every Snapshot part: immutable, and strict about its keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PanelStatus(Frozen):
    """How fresh a panel's reading is, and why it is not fresh when it is not."""

    state: Freshness
    as_of: datetime | None = None
    """Time of the newest data point behind the panel (America/New_York)."""
    detail: str | None = None
    """What failed or what is missing, in words a trader can act on."""


class SourceInfo(Frozen):
    """Which source produced the data, as the status line shows it."""

    kind: SourceKind
    simulated: bool
    label: str
    """Short badge: LIVE, OFFLINE · cache 3h old, SIMULATED, REPLAY 2026-01-28."""
    detail: str | None = None
    """Why this source was chosen (e.g. the yahoo failure that made auto fall back)."""


class MarketInfo(Frozen):
    """The NYSE session as of the snapshot."""

    phase: Phase
    next_open: datetime | None
    next_close: datetime | None
    early_close: bool = False
    """True when the current or next session closes early (13:00 New York)."""


class Level(Frozen):
    """A price level and how far the last price stands from it."""

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
    countdown: int | None = None


class History(Frozen):
    """Recent daily closes for charts (oldest first)."""

    dates: tuple[date, ...] = ()
    closes: tuple[float, ...] = ()


class PriceSection(Frozen):
    """Price of the index against its key levels."""

    status: PanelStatus
    symbol: str
    last: float | None = None
    prev_close: float | None = None
    change_pct: float | None = None
    levels: tuple[Level, ...] = ()
    td: TDState = Field(default_factory=TDState)
    history: History = Field(default_factory=History)


class Divergence(Frozen):
    """The active RSI divergence, if any (kind None when none is active)."""

    kind: Literal["bearish", "bullish"] | None = None
    confirmed_on: date | None = None


class RsiSection(Frozen):
    """RSI of the index and its divergence flag."""

    status: PanelStatus
    period: int = 14
    value: float | None = None
    divergence: Divergence = Field(default_factory=Divergence)


class BreadthSection(Frozen):
    """Participation of the index members."""

    status: PanelStatus
    members: int | None = None
    pct_above_200dma: float | None = None
    pct_above_50dma: float | None = None


class VixSection(Frozen):
    """Implied volatility against realised volatility."""

    status: PanelStatus
    last: float | None = None
    iv_rank_1y: float | None = None
    iv_percentile_1y: float | None = None
    realized_vol_20d: float | None = None


class TrendSignal(Frozen):
    """One lookback of the CTA proxy."""

    lookback_days: int
    value: float | None = None
    flip_level: float | None = None


class TrendSection(Frozen):
    """CTA-proxy trend exposure."""

    status: PanelStatus
    exposure_pct: float | None = None
    signals: tuple[TrendSignal, ...] = ()


class ChecklistItem(Frozen):
    """One claim of a thesis, judged against the data."""

    id: str
    label: str
    status: ItemStatus
    value: str | None = None


class ThesisScore(Frozen):
    """A thesis's checklist: items that pass out of all items."""

    score: int = 0
    total: int = 0
    items: tuple[ChecklistItem, ...] = ()


class ChecklistSection(Frozen):
    """Both theses, scored."""

    status: PanelStatus
    bull: ThesisScore = Field(default_factory=ThesisScore)
    bear: ThesisScore = Field(default_factory=ThesisScore)


class Snapshot(Frozen):
    """Everything the monitor knows at one refresh."""

    as_of: datetime
    source: SourceInfo
    market: MarketInfo
    price: PriceSection
    rsi: RsiSection
    breadth: BreadthSection
    vix: VixSection
    trend: TrendSection
    checklist: ChecklistSection
