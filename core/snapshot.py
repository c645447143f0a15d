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
    fetched_at: datetime | None = None
    """For cached data: when it was fetched."""
    replay: bool = False
    """Historical data evaluated as of a past close (--as-of, or a files directory):
    no countdown or data age against the wall clock applies."""


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
    """1–9 within the current setup; 0 when none is under way."""
    countdown: int | None = None
    """1–13 within the current countdown; 0 when none is under way."""
    perfected: bool | None = None
    """Whether the last completed setup 9 was perfected."""
    countdown_direction: Literal["buy", "sell"] | None = None
    tdst_support: float | None = None
    tdst_resistance: float | None = None


class History(Frozen):
    """Recent daily closes for charts (oldest first)."""

    dates: tuple[date, ...] = ()
    closes: tuple[float, ...] = ()


class Series(Frozen):
    """A short daily series for charts and sparklines (oldest first)."""

    dates: tuple[date, ...] = ()
    values: tuple[float | None, ...] = ()


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
    nearest_milestone_above: float | None = None
    within_1pct_below_milestone: bool | None = None
    """Last close in [milestone × 0.99, milestone) for the milestone just above."""
    ema_stack: Literal["bullish", "bearish", "mixed"] | None = None
    """Bullish: close > EMA 20 > EMA 50 > EMA 200; bearish: the reverse; else mixed."""
    bands: BandState = Field(default_factory=BandState)


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


class RsiSection(Frozen):
    """RSI of the index and its divergence flags."""

    status: PanelStatus
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


class BreadthSection(Frozen):
    """Participation of the index members."""

    status: PanelStatus
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


class VixSection(Frozen):
    """Implied volatility against realised volatility."""

    status: PanelStatus
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


class TrendSignal(Frozen):
    """One lookback of the CTA proxy."""

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


class TrendSection(Frozen):
    """CTA-proxy trend exposure."""

    status: PanelStatus
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


class ContextSection(Frozen):
    """Cross-market context the theses quote."""

    status: PanelStatus
    rut_win_streak: int | None = None
    """Consecutive sessions, up to the last, in which the Russell 2000's return beat
    the S&P 500's (0 when it lagged on the last session)."""
    index_new_high_52w: bool | None = None
    """The S&P 500 closed at a new 52-week high on the last session."""
    nasdaq_new_high_52w: bool | None = None
    nasdaq_confirms: bool | None = None
    """Whether the Nasdaq made a new 52-week high within the 5 sessions up to the S&P
    500's latest new 52-week high (None when the S&P 500 made none in the last 20)."""
    index_last_new_high: date | None = None
    small_caps_rel_20d_pct: float | None = None
    """The Russell 2000's 20-session return minus the S&P 500's, in percentage points,
    over their common sessions ending at the last (negative: small caps lagging)."""


class ChecklistItem(Frozen):
    """One claim of a thesis, judged against the data."""

    id: str
    label: str
    status: ItemStatus
    value: str | None = None
    """The reading behind the judgement, formatted for display."""
    rule: str | None = None
    """The rule's source text, e.g. 'price.last > level("6,992 pivot").value'."""
    reason: str | None = None
    """Why the item is unknown (what data is missing); None when it passed or failed."""
    why: str | None = None
    """One line on what the claim means."""


class ThesisScore(Frozen):
    """A thesis's checklist: items that pass out of all items."""

    score: int = 0
    total: int = 0
    items: tuple[ChecklistItem, ...] = ()
    title: str | None = None
    """The thesis's title, e.g. "Bull: liquidity regime, momentum"."""


class ChecklistSection(Frozen):
    """Both theses, scored, and any theses the user added."""

    status: PanelStatus
    bull: ThesisScore = Field(default_factory=ThesisScore)
    bear: ThesisScore = Field(default_factory=ThesisScore)
    extra: dict[str, ThesisScore] = Field(default_factory=dict)
    """Theses added in the config (`[theses.NAME]`), by name."""


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
    context: ContextSection
