"""Hand-built Snapshots and a fake engine for the TUI tests: a realistic reading of the
S&P 500 a little under its 7,000 milestone after the close (a year of daily closes
that cleared 7,000 and slipped back, with a bearish RSI divergence between its two
highs, the RSI and breadth histories, the example configuration's levels, every panel
filled except what a young simulated history cannot give yet; the simulated source),
`complete_snapshot` with every reading known, a fixed clock the evening after, and
`FakeFeed`, a `SnapshotFeed` that publishes whatever it is given and counts
`refresh_now` calls. Nothing here imports pandas or numpy: the closes come from a
seeded stdlib random walk along a few anchors, the RSI from a stdlib Wilder RSI."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
from datetime import date, datetime, timedelta

from core.clock import NEW_YORK
from core.engine import Publish
from core.section import builtin
from core.sections.breadth import BreadthSection
from core.sections.checklist import ChecklistItem, ChecklistSection, ItemStatus, ThesisScore
from core.sections.context import ContextSection
from core.sections.gamma import ExpiryExposure, GammaSection, ProfilePoint, StrikeExposure
from core.sections.intraday import IntradaySection
from core.sections.price import BandState, Level, LevelKind, PriceSection, TDState
from core.sections.rsi import Divergence, PivotPoint, RsiSection
from core.sections.trend import TrendSection, TrendSignal
from core.sections.vix import VixSection
from core.snapshot import History, MarketInfo, PanelStatus, Series, Snapshot, SourceInfo, Thesis
from tests.tui.sample_edge import sample_edge

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


SESSIONS = 260
"""A year of sessions: the history the Snapshot carries for the charts."""

PIVOTS = (214, 250)
"""Sessions (indices into the history) of the bearish divergence's two price highs:
the first after a steep rise (high RSI), the second, higher, after a slow one."""
CONFIRM_BARS = 5
"""A pivot is known this many sessions after it (the divergence is dated then)."""

PRICE_PATH = (
    (0, 6150.0),
    (120, 6480.0),
    (170, 6420.0),
    (200, 6700.0),
    (PIVOTS[0], 6985.0),
    (228, 6870.0),
    (PIVOTS[1], 7012.0),
    (253, 6925.0),
)
"""Anchors of the sample's closes (index, close): a grind up, a sharp rally to the
first high, a pullback, a slow climb over 7,000 to a higher high, a slip back under."""

BREADTH_PATH = (
    (0, 52.0),
    (60, 44.0),
    (120, 61.0),
    (170, 49.0),
    (PIVOTS[0], 55.0),
    (239, 53.5),
    (252, 60.2),
    (SESSIONS - 1, 58.4),
)
"""Anchors of % of members above their 200-day average over the year."""


def path(
    anchors: tuple[tuple[int, float], ...], count: int, rng: random.Random, noise: float
) -> list[float]:
    """`count` values through the anchors (linear between them) with seeded noise."""
    values: list[float] = []
    for index in range(count):
        before = max((a for a in anchors if a[0] <= index), key=lambda a: a[0])
        after = min((a for a in anchors if a[0] >= index), key=lambda a: a[0], default=before)
        span = after[0] - before[0]
        share = (index - before[0]) / span if span else 0.0
        values.append(before[1] + (after[1] - before[1]) * share + rng.gauss(0.0, noise))
    return values


def sample_closes(count: int = SESSIONS, seed: int = 8849) -> tuple[float, ...]:
    """A year of closes (the last `count`) along PRICE_PATH, ending on the sample's
    last close; the two divergence pivots are the highest closes around them."""
    closes = path(PRICE_PATH, SESSIONS, random.Random(seed), 26.0)
    for pivot in PIVOTS:
        around = closes[pivot - CONFIRM_BARS : pivot + CONFIRM_BARS + 1]
        closes[pivot] = max(max(around) + 3.0, dict(PRICE_PATH)[pivot])
    # A steady climb back from the pullback low into the sample's last two closes.
    low = PRICE_PATH[-1][0]
    for index in range(low, SESSIONS - 1):
        closes[index] = closes[low] + (PREV_CLOSE - closes[low]) * (index - low) / (
            SESSIONS - 2 - low
        )
    closes[-2], closes[-1] = PREV_CLOSE, LAST
    return tuple(round(close, 2) for close in closes[-count:])


def wilder_rsi(closes: tuple[float, ...], period: int = 14) -> tuple[float | None, ...]:
    """Wilder's RSI of the closes, SMA-seeded (None for the first `period` sessions)."""
    changes = [b - a for a, b in itertools.pairwise(closes)]
    values: list[float | None] = [None] * min(len(closes), period)
    if len(changes) < period:
        return tuple(values)
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period

    def rsi() -> float:
        return 100.0 if loss == 0 else round(100 - 100 / (1 + gain / loss), 2)

    values.append(rsi())
    for change in changes[period:]:
        gain = (gain * (period - 1) + max(change, 0.0)) / period
        loss = (loss * (period - 1) + max(-change, 0.0)) / period
        values.append(rsi())
    return tuple(values)


def sample_breadth(seed: int = 200) -> tuple[float, ...]:
    """A year of % of members above their 200-day average, ending at 58.4%."""
    values = path(BREADTH_PATH, SESSIONS, random.Random(seed), 0.9)
    values[-1] = BREADTH_PATH[-1][1]
    return tuple(round(min(100.0, max(0.0, value)), 1) for value in values)


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


LOOKBACKS = (21, 63, 126, 252)
"""The CTA proxy's lookbacks, in sessions."""

TREND_SIGNALS = (0.18, 0.55, 0.62, 0.71)
"""Each lookback's vol-scaled signal in the sample (all long, the short one barely)."""


def sample_trend_signals(closes: tuple[float, ...]) -> tuple[TrendSignal, ...]:
    """Each lookback's signal, return and flip level, consistent with the closes: the
    flip level is the close L − 1 sessions before the last."""
    last = closes[-1]
    signals: list[TrendSignal] = []
    for lookback, value in zip(LOOKBACKS, TREND_SIGNALS, strict=True):
        flip = closes[-lookback]
        signals.append(
            TrendSignal(
                lookback_days=lookback,
                value=value,
                return_pct=round((last / closes[-lookback - 1] - 1) * 100, 4),
                flip_level=flip,
                flip_distance_pct=round((flip / last - 1) * 100, 4),
            )
        )
    return tuple(signals)


def sample_divergence(
    closes: tuple[float, ...], rsi: tuple[float | None, ...], dates: tuple[date, ...]
) -> Divergence:
    """The bearish divergence of the sample: price higher high, RSI lower high."""
    pivots = tuple(
        PivotPoint(
            date=dates[index],
            price=closes[index],
            rsi=rsi[index] or 0.0,
            confirmed_on=dates[index + CONFIRM_BARS],
        )
        for index in PIVOTS
    )
    confirmed = pivots[-1].confirmed_on
    return Divergence(
        kind="bearish",
        confirmed_on=confirmed,
        pivots=pivots,
        sessions_active=len(dates) - 1 - dates.index(confirmed),
    )


CHAIN_AS_OF = datetime(2026, 1, 28, 15, 45, tzinfo=NEW_YORK)
"""When the sample's simulated option chain is from (a quarter-hour before the close)."""

GAMMA_FLIP_GUESS = (6700.0, 6978.0)
"""Where the sample profile's sign change nearest spot lies (bisected within)."""


def sample_profile_gex(level: float) -> float:
    """The sample's net dealer exposure ($bn per 1%) if the index stood at `level`: a
    call hump over 7,000 and a put trough near 6,700, positive at the last close."""
    calls = 31.0 * math.exp(-(((level - 7060.0) / 240.0) ** 2))
    puts = 27.0 * math.exp(-(((level - 6700.0) / 300.0) ** 2))
    return calls - puts


def bisect_zero(low: float, high: float) -> float:
    """Where sample_profile_gex changes sign between low and high."""
    for _ in range(60):
        middle = (low + high) / 2
        if (sample_profile_gex(low) > 0) == (sample_profile_gex(middle) > 0):
            low = middle
        else:
            high = middle
    return (low + high) / 2


def sample_by_strike(spot: float, seed: int = 99) -> tuple[StrikeExposure, ...]:
    """Exposure at each 5-point strike within 5% of spot: open interest piles up on
    round strikes, calls above spot (the 7,000 wall) and puts below (the 6,900 wall)."""
    rng = random.Random(seed)
    strikes: list[StrikeExposure] = []
    strike = math.ceil(spot * 0.95 / 5) * 5
    while strike <= spot * 1.05:
        weight = 3.0 if strike % 100 == 0 else 2.0 if strike % 50 == 0 else 1.4
        weight *= 1.0 if strike % 25 == 0 else 0.45
        weight *= rng.uniform(0.6, 1.4)
        call = weight * 0.40 * math.exp(-(((strike - 7010.0) / 170.0) ** 2))
        put = weight * 0.36 * math.exp(-(((strike - 6920.0) / 190.0) ** 2))
        if strike == 7000:
            call *= 1.6
        if strike == 6900:
            put *= 1.5
        strikes.append(
            StrikeExposure(
                strike=float(strike), call_gex_bn=round(call, 4), put_gex_bn=-round(put, 4)
            )
        )
        strike += 5
    return tuple(strikes)


def sample_by_expiry() -> tuple[ExpiryExposure, ...]:
    """The chain's expiries after Jan 28: the dailies, the weekly, February's monthly
    (the bulk of the open interest) and March's quarterly."""
    expiries = (
        (date(2026, 1, 29), 1, 4.10, -2.95),
        (date(2026, 1, 30), 2, 6.85, -4.20),
        (date(2026, 2, 2), 3, 1.92, -1.31),
        (date(2026, 2, 3), 4, 1.64, -1.22),
        (date(2026, 2, 4), 5, 1.58, -1.40),
        (date(2026, 2, 6), 7, 4.73, -3.38),
        (date(2026, 2, 20), 17, 14.96, -7.22),
        (date(2026, 3, 20), 36, 7.27, -2.87),
    )
    return tuple(
        ExpiryExposure(
            expiry=expiry,
            sessions=sessions,
            call_gex_bn=calls,
            put_gex_bn=puts,
            net_gex_bn=round(calls + puts, 2),
        )
        for expiry, sessions, calls, puts in expiries
    )


def sample_gamma(spot: float = LAST) -> GammaSection:
    """Dealer gamma from the simulated chain of Jan 28: positive gamma with the flip
    under spot, the call wall on the 7,000 milestone just above (the bear's "gamma
    ceiling") and the put wall at 6,900; totals, walls and shares agree with the
    by-strike and by-expiry series."""
    by_strike = sample_by_strike(spot)
    by_expiry = sample_by_expiry()
    call_wall = max(by_strike, key=lambda s: s.call_gex_bn).strike
    put_wall = min(by_strike, key=lambda s: s.put_gex_bn).strike
    flip = bisect_zero(*GAMMA_FLIP_GUESS)
    calls = round(sum(e.call_gex_bn for e in by_expiry), 2)
    puts = round(sum(e.put_gex_bn for e in by_expiry), 2)
    gross = sum(e.call_gex_bn - e.put_gex_bn for e in by_expiry)

    def share(sessions: int) -> float:
        near = [e for e in by_expiry if e.sessions <= sessions]
        return round(sum(e.call_gex_bn - e.put_gex_bn for e in near) / gross, 4)

    ranked = sorted(by_strike, key=lambda s: s.net_gex_bn, reverse=True)
    milestone_strike = math.floor(spot / 1000 + 1) * 1000.0
    milestone = next((s for s in by_strike if s.strike == milestone_strike), None)

    def distance(level: float) -> float:
        return round((level / spot - 1) * 100, 4)

    levels = [spot * (0.8 + 0.0025 * step) for step in range(161)]
    scale = (calls + puts) / sample_profile_gex(spot)  # the profile passes through the net
    return GammaSection(
        status=PanelStatus(state="CLOSED", as_of=CHAIN_AS_OF),
        session=SESSION_CLOSE.date(),
        as_of=CHAIN_AS_OF,
        fetched_at=None,
        chain_source="sim",
        spot=spot,
        total_gex_bn=round(calls + puts, 2),
        call_gex_bn=calls,
        put_gex_bn=puts,
        regime="positive" if calls + puts > 0 else "negative",
        zero_gamma=round(flip, 2),
        zero_gamma_distance_pct=distance(flip),
        call_wall=call_wall,
        call_wall_distance_pct=distance(call_wall),
        put_wall=put_wall,
        put_wall_distance_pct=distance(put_wall),
        share_within_1_session=share(1),
        share_within_5_sessions=share(5),
        milestone_strike=milestone_strike,
        milestone_gex_bn=None if milestone is None else round(milestone.net_gex_bn, 4),
        milestone_strike_rank=None if milestone is None else ranked.index(milestone) + 1,
        expiries_used=len(by_expiry),
        contracts_used=3912,
        contracts_excluded=412,
        excluded_expired=164,
        excluded_invalid_row=0,
        excluded_no_implied_vol=58,
        excluded_no_open_interest=190,
        profile=tuple(
            ProfilePoint(spot=round(level, 2), gex_bn=round(scale * sample_profile_gex(level), 4))
            for level in levels
        ),
        by_strike=by_strike,
        by_expiry=by_expiry,
    )


def item(
    id: str,
    label: str,
    status: ItemStatus,
    value: str | None,
    rule: str,
    why: str,
    reason: str | None = None,
) -> ChecklistItem:
    """A checklist item as the thesis engine writes one."""
    return ChecklistItem(
        id=id, label=label, status=status, value=value, rule=rule, why=why, reason=reason
    )


def sample_snapshot(*, last: float = LAST) -> Snapshot:
    """The realistic sample: every panel filled from a year of history, except what
    a young simulated history cannot give yet (50-day breadth, IV rank and percentile,
    the CTA proxy's 1-year percentile and crowding), which reads unknown with why."""
    closes = sample_closes()
    if last != LAST:
        closes = (*closes[:-1], last)
    dates = weekdays_until(SESSION_CLOSE.date(), len(closes))
    rsi = (*wilder_rsi(closes)[:-1], 61.84)
    breadth = sample_breadth()
    signals = sample_trend_signals(closes)
    flips = [signal.flip_level for signal in signals if signal.flip_level is not None]
    return builtin().snapshot_model(
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
            td=TDState(
                setup_direction="sell",
                setup_count=7,
                countdown=0,
                perfected=False,
                countdown_direction=None,
                tdst_support=6872.35,
                tdst_resistance=7035.08,
            ),
            history=History(dates=dates, closes=closes),
            nearest_milestone_above=7000.0,
            within_1pct_below_milestone=True,
            highest_milestone=7000.0,  # cleared on Jan 14, slipped back under since
            new_milestone=False,
            ema_stack="mixed",
            bands=BandState(
                bollinger_position=71.6,
                keltner_position=64.2,
                bollinger_expanding=False,
                keltner_expanding=False,
                squeeze=False,
            ),
        ),
        rsi=RsiSection(
            status=closed(),
            value=61.84,
            divergence=sample_divergence(closes, rsi, dates),
            history=Series(dates=dates, values=rsi),
        ),
        breadth=BreadthSection(
            status=closed("50-day breadth is not computed yet"),
            members=503,
            pct_above_200dma=breadth[-1],
            pct_above_50dma=None,
            pct_above_200dma_change_5d=round(breadth[-1] - breadth[-6], 1),
            pct_above_200dma_change_20d=round(breadth[-1] - breadth[-21], 1),
            advances=318,
            declines=181,
            ad_line=18_420.0,
            ad_line_change_20d=462.0,
            new_highs_52w=41,
            new_lows_52w=9,
            net_new_highs_52w=32,
            rsp_spy_ratio=0.2731,
            rsp_spy_vs_50d_pct=-1.84,
            top10_concentration_pct=40.7,
            history_200dma=Series(dates=dates, values=breadth),
        ),
        vix=VixSection(
            status=PanelStatus(
                state="DELAYED",
                as_of=SESSION_CLOSE - timedelta(minutes=15),
                detail="IV rank needs a year of VIX history",
            ),
            last=16.42,
            change=0.85,
            realized_vol_20d=11.87,
            vix_minus_realized=4.55,
            vix9d=15.12,
            vix3m=18.31,
            ratio_9d_30d=0.921,
            ratio_30d_3m=0.897,
            term_structure="contango",
            index_change_5d_pct=0.84,
            vix_change_5d=1.37,
            index_up_vix_up=True,
        ),
        trend=TrendSection(
            status=PanelStatus(
                state="SIMULATED",
                detail="crowding needs a year of exposure",
            ),
            exposure_pct=51.5,
            signals=signals,
            exposure_change_1w=-4.5,
            exposure_percentile_1y=None,
            crowded=None,
            nearest_flip_above=min((f for f in flips if f > last), default=None),
            nearest_flip_below=max((f for f in flips if f < last), default=None),
        ),
        context=ContextSection(status=closed(), rut_win_streak=3),
        gamma=sample_gamma(last),
        edge=sample_edge(),
        # The close: no session in progress, so no intraday bars.
        intraday=IntradaySection(status=closed("no session in progress"), symbol="^GSPC"),
        checklist=ChecklistSection(
            status=closed(),
            bull=ThesisScore(
                score=3,
                total=6,
                title="Bull: liquidity regime, momentum",
                items=(
                    item(
                        "above_milestone",
                        "S&P 500 above the 7,000 milestone",
                        "fail",
                        "-0.31%",
                        'price.last > level("7,000 milestone").value',
                        "A close above the round number turns it from resistance into support.",
                    ),
                    item(
                        "within_1pct",
                        "Within 1% of the milestone",
                        "pass",
                        "0.31% away",
                        "price.within_1pct_below_milestone",
                        "Closes within 1% of a 1,000-point milestone have historically "
                        "improved 2-week returns.",
                    ),
                    item(
                        "above_pivot",
                        "Holding the 6,992 pivot",
                        "fail",
                        "-0.20%",
                        'price.last > level("6,992 pivot").value',
                        "The pivot is the line bulls must hold; below it the breakout is in doubt.",
                    ),
                    item(
                        "breadth_rising",
                        "% above 200-day rising",
                        "pass",
                        "+6.2 pp",
                        "breadth.pct_above_200dma_change_20d > 0",
                        "More members above their 200-day average than a month ago: the "
                        "rally is broadening.",
                    ),
                    item(
                        "low_iv",
                        "VIX near realised vol",
                        "pass",
                        "+4.6 pts",
                        "abs(vix.vix_minus_realized) <= 5",
                        "Implied vol close to realised means no fear is being priced in.",
                    ),
                    item(
                        "cta_adding",
                        "CTAs adding, not crowded",
                        "unknown",
                        None,
                        "trend.exposure_change_1w > 0 and not trend.crowded",
                        "Trend followers still buying with room to add are a source of demand.",
                        reason="trend.crowded is unknown: needs a year of exposure history",
                    ),
                ),
            ),
            bear=ThesisScore(
                score=2,
                total=5,
                title="Bear: momentum exhaustion",
                items=(
                    item(
                        "rsi_divergence",
                        "Bearish RSI divergence",
                        "pass",
                        "confirmed Jan 22",
                        'rsi.divergence.kind == "bearish"',
                        "Price made a higher high while RSI made a lower high: momentum is fading.",
                    ),
                    item(
                        "td_9",
                        "TD Sequential sell 9",
                        "fail",
                        "sell setup 7",
                        'price.td.setup_direction == "sell" and price.td.setup_count == 9',
                        "Nine closes each above the close four bars earlier: exhaustion.",
                    ),
                    item(
                        "vix_with_price",
                        "VIX rising with price",
                        "unknown",
                        None,
                        "vix.index_up_vix_up",
                        "Bullish price, bearish volatility: hedges bid into the highs.",
                        reason="vix.index_up_vix_up is unknown: VIX quote delayed",
                    ),
                    item(
                        "below_support",
                        "Below the 6,824 support",
                        "fail",
                        "+2.26%",
                        'price.last < level("6,824 support").value',
                        "Losing the support opens the way to the 200-day average.",
                    ),
                    item(
                        "in_range",
                        "Inside the 6,700–7,000 range",
                        "pass",
                        "yes",
                        'price.last < level("6,700–7,000 range").upper',
                        "Back inside the range: the breakout above 7,000 failed.",
                    ),
                ),
            ),
        ),
    )


def complete_snapshot() -> Snapshot:
    """The sample with every reading known (a year of history everywhere), fresh
    statuses without a why-line, and a hidden bullish divergence beside the bearish
    one: what the detail views show in full."""
    snapshot = sample_snapshot()
    closes, dates = snapshot.price.history.closes, snapshot.price.history.dates
    rsi = snapshot.rsi.history.values
    lows = (231, 252)  # price higher low, RSI lower low
    hidden = Divergence(
        kind="bullish",
        confirmed_on=dates[lows[1] + CONFIRM_BARS],
        pivots=tuple(
            PivotPoint(
                date=dates[index],
                price=closes[index],
                rsi=rsi[index] or 0.0,
                confirmed_on=dates[index + CONFIRM_BARS],
            )
            for index in lows
        ),
        sessions_active=len(dates) - 1 - (lows[1] + CONFIRM_BARS),
    )
    return snapshot.model_copy(
        update={
            "rsi": snapshot.rsi.model_copy(update={"hidden_divergence": hidden}),
            "breadth": snapshot.breadth.model_copy(
                update={
                    "status": closed(),
                    "pct_above_50dma": 61.2,
                    "pct_above_50dma_change_5d": -3.4,
                    "pct_above_50dma_change_20d": 8.9,
                }
            ),
            "vix": snapshot.vix.model_copy(
                update={"status": closed(), "iv_rank_1y": 18.0, "iv_percentile_1y": 24.6}
            ),
            "trend": snapshot.trend.model_copy(
                update={"status": closed(), "exposure_percentile_1y": 71.4, "crowded": False}
            ),
        }
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
