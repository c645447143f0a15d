"""Plain-text rendering of a Snapshot for `regime snapshot --format text`: the same
readings the panels show, one short block per panel, with "unknown" where a value
could not be computed and the panel's status line saying why. No colour and no
terminal library: it is meant for pipes, logs and cron mail."""

from __future__ import annotations

from datetime import datetime

from core.clock import NEW_YORK
from core.snapshot import Divergence, PanelStatus, Snapshot

UNKNOWN = "unknown"


def num(value: float | None, digits: int = 2, suffix: str = "") -> str:
    """A number with thousands separators, or "unknown"."""
    return UNKNOWN if value is None else f"{value:,.{digits}f}{suffix}"


def signed(value: float | None, digits: int = 2, suffix: str = "%") -> str:
    """A signed number (+1.23%), or "unknown"."""
    return UNKNOWN if value is None else f"{value:+,.{digits}f}{suffix}"


def yes_no(value: bool | None) -> str:
    """yes / no / unknown."""
    return UNKNOWN if value is None else ("yes" if value else "no")


def ny_time(moment: datetime) -> str:
    """A moment as New York wall time."""
    return f"{moment.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET"


def status_line(status: PanelStatus) -> str:
    """[STATE · as of … · why]."""
    parts: list[str] = [status.state]
    if status.as_of is not None:
        parts.append(f"as of {ny_time(status.as_of)}")
    if status.detail:
        parts.append(status.detail)
    return "[" + " · ".join(parts) + "]"


def divergence_text(divergence: Divergence) -> str:
    """ "bearish, confirmed 2026-02-04 (pivots …)" or "none active"."""
    if divergence.kind is None:
        return "none active"
    pivots = " vs ".join(
        f"{pivot.date} {pivot.price:,.2f} / RSI {pivot.rsi:.1f}" for pivot in divergence.pivots
    )
    return f"{divergence.kind}, confirmed {divergence.confirmed_on} ({pivots})"


def _price(snapshot: Snapshot) -> list[str]:
    price = snapshot.price
    headline = f"{price.symbol}  {num(price.last)}  {signed(price.change_pct)}"
    lines = [f"{headline}  {status_line(price.status)}"]
    for level in price.levels:
        band = f"–{level.upper:,.2f}" if level.upper is not None else ""
        name = level.name + (f" ({level.thesis})" if level.thesis else "")
        lines.append(f"  {name:<28} {level.value:>10,.2f}{band:<10} {level.distance_pct:+7.2f}%")
    td, bands = price.td, price.bands
    setup = f"{td.setup_direction} setup {td.setup_count}" if td.setup_direction else "no setup"
    countdown = (
        f"{td.countdown_direction} countdown {td.countdown}"
        if td.countdown_direction
        else "no countdown"
    )
    lines.append(
        f"  within 1% below milestone: {yes_no(price.within_1pct_below_milestone)}"
        f" · EMA stack: {price.ema_stack or UNKNOWN}"
    )
    lines.append(
        f"  Bollinger %B {num(bands.bollinger_position, 0)}"
        f" (expanding {yes_no(bands.bollinger_expanding)})"
        f" · Keltner {num(bands.keltner_position, 0)}"
        f" (expanding {yes_no(bands.keltner_expanding)}) · squeeze {yes_no(bands.squeeze)}"
    )
    lines.append(f"  TD Sequential: {setup} · {countdown}")
    return lines


def _rsi(snapshot: Snapshot) -> list[str]:
    rsi = snapshot.rsi
    return [
        f"RSI({rsi.period}) {num(rsi.value, 1)}  {status_line(rsi.status)}",
        f"  divergence: {divergence_text(rsi.divergence)}",
        f"  hidden divergence: {divergence_text(rsi.hidden_divergence)}",
    ]


def _breadth(snapshot: Snapshot) -> list[str]:
    b = snapshot.breadth
    members = b.members if b.members is not None else UNKNOWN
    return [
        f"Breadth ({members} members)  {status_line(b.status)}",
        f"  above 200-day {num(b.pct_above_200dma, 1, '%')}"
        f" (5d {signed(b.pct_above_200dma_change_5d, 1, ' pp')},"
        f" 20d {signed(b.pct_above_200dma_change_20d, 1, ' pp')})"
        f" · above 50-day {num(b.pct_above_50dma, 1, '%')}"
        f" (5d {signed(b.pct_above_50dma_change_5d, 1, ' pp')})",
        f"  advances {num(b.advances, 0)} · declines {num(b.declines, 0)}"
        f" · A/D line 20d {signed(b.ad_line_change_20d, 0, '')}"
        f" · net new 52w highs {signed(b.net_new_highs_52w, 0, '')}",
        f"  RSP/SPY {num(b.rsp_spy_ratio, 4)} ({signed(b.rsp_spy_vs_50d_pct)} vs 50-day)"
        f" · top-10 weight {num(b.top10_concentration_pct, 1, '%')}",
    ]


def _vix(snapshot: Snapshot) -> list[str]:
    v = snapshot.vix
    return [
        f"VIX {num(v.last)} ({signed(v.change, 2, '')})  {status_line(v.status)}",
        f"  IV rank {num(v.iv_rank_1y, 0)} · IV percentile {num(v.iv_percentile_1y, 0)}"
        f" · realised 20d {num(v.realized_vol_20d, 1, '%')}"
        f" · VIX − realised {signed(v.vix_minus_realized, 1, '')}",
        f"  9D {num(v.vix9d)} · 3M {num(v.vix3m)} · VIX/VIX3M {num(v.ratio_30d_3m, 3)}"
        f" ({v.term_structure or UNKNOWN})",
        f"  5d: index {signed(v.index_change_5d_pct)}, VIX {signed(v.vix_change_5d, 2, '')}"
        f" · index up and VIX up: {yes_no(v.index_up_vix_up)}",
    ]


def _trend(snapshot: Snapshot) -> list[str]:
    t = snapshot.trend
    lines = [
        f"Trend (CTA proxy): exposure {signed(t.exposure_pct, 0)}"
        f" (1w {signed(t.exposure_change_1w, 0, ' pp')},"
        f" 1y percentile {num(t.exposure_percentile_1y, 0)})"
        f" · crowded {yes_no(t.crowded)}  {status_line(t.status)}"
    ]
    for signal in t.signals:
        lines.append(
            f"  {signal.lookback_days:>3}d signal {signed(signal.value, 2, '')}"
            f" · flip {num(signal.flip_level)} ({signed(signal.flip_distance_pct)})"
        )
    return lines


def _context(snapshot: Snapshot) -> list[str]:
    c = snapshot.context
    return [
        f"Context: RUT win streak {num(c.rut_win_streak, 0)}"
        f" · S&P 500 at 52w high {yes_no(c.index_new_high_52w)}"
        f" · Nasdaq confirms {yes_no(c.nasdaq_confirms)}  {status_line(c.status)}"
    ]


def _checklist(snapshot: Snapshot) -> list[str]:
    checklist = snapshot.checklist
    lines = [
        f"Checklist: bull {checklist.bull.score}/{checklist.bull.total}"
        f" · bear {checklist.bear.score}/{checklist.bear.total}  {status_line(checklist.status)}"
    ]
    for name, thesis in (("bull", checklist.bull), ("bear", checklist.bear)):
        for item in thesis.items:
            lines.append(f"  {name} {item.status:<7} {item.label}: {item.value or UNKNOWN}")
    return lines


def render_text(snapshot: Snapshot) -> str:
    """The whole Snapshot as a short plain-text report."""
    market = snapshot.market
    lines = [f"Regime · {snapshot.source.label} · as of {ny_time(snapshot.as_of)}"]
    if snapshot.source.detail:
        lines.append(f"  source: {snapshot.source.detail}")
    upcoming = market.next_close if market.phase == "regular" else market.next_open
    verb = "closes" if market.phase == "regular" else "opens"
    lines.append(f"Market: {market.phase}" + (f" · {verb} {ny_time(upcoming)}" if upcoming else ""))
    for block in (_price, _rsi, _breadth, _vix, _trend, _context, _checklist):
        lines.append("")
        lines.extend(block(snapshot))
    return "\n".join(lines)
