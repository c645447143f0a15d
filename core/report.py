"""Plain-text rendering of a Snapshot for `regime snapshot --format text`: the same
readings the panels show, one short block per panel, with "unknown" and the reason
where a value could not be computed. No colour and no terminal library: it is meant
for pipes, logs and cron mail."""

from __future__ import annotations

from core.clock import NEW_YORK
from core.snapshot import PanelStatus, Snapshot


def _num(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "unknown" if value is None else f"{value:,.{digits}f}{suffix}"


def _signed(value: float | None, digits: int = 2, suffix: str = "%") -> str:
    return "unknown" if value is None else f"{value:+,.{digits}f}{suffix}"


def _status(status: PanelStatus) -> str:
    when = f" · as of {status.as_of.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET" if status.as_of else ""
    why = f" · {status.detail}" if status.detail else ""
    return f"[{status.state}{when}{why}]"


def render_text(snapshot: Snapshot) -> str:
    """The whole Snapshot as a short plain-text report."""
    price, rsi, breadth, vix = snapshot.price, snapshot.rsi, snapshot.breadth, snapshot.vix
    market = snapshot.market
    lines = [
        f"Regime · {snapshot.source.label} · as of {snapshot.as_of.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET",
    ]
    if snapshot.source.detail:
        lines.append(f"  source: {snapshot.source.detail}")
    nxt = market.next_close if market.phase == "regular" else market.next_open
    label = "closes" if market.phase == "regular" else "opens"
    when = f" · {label} {nxt.astimezone(NEW_YORK):%a %Y-%m-%d %H:%M} ET" if nxt else ""
    lines.append(f"Market: {market.phase}{when}")
    lines.append("")
    lines.append(
        f"{price.symbol}  {_num(price.last)}  {_signed(price.change_pct)}  {_status(price.status)}"
    )
    for level in price.levels:
        band = f"–{level.upper:,.2f}" if level.upper is not None else ""
        thesis = f" ({level.thesis})" if level.thesis else ""
        lines.append(
            f"  {level.name + thesis:<28} {level.value:>10,.2f}{band:<10} {level.distance_pct:+7.2f}%"
        )
    td = price.td
    if td.setup_direction is not None:
        lines.append(f"  TD {td.setup_direction} setup {td.setup_count} · countdown {td.countdown}")
    lines.append("")
    divergence = rsi.divergence.kind or "none active"
    lines.append(f"RSI({rsi.period}) {_num(rsi.value, 1)} · divergence: {divergence}  {_status(rsi.status)}")
    lines.append(
        f"Breadth: {_num(breadth.pct_above_200dma, 1, '%')} above 200-day, "
        f"{_num(breadth.pct_above_50dma, 1, '%')} above 50-day, "
        f"{breadth.members if breadth.members is not None else 'unknown'} members  "
        f"{_status(breadth.status)}"
    )
    lines.append(
        f"VIX {_num(vix.last)} · IV rank {_num(vix.iv_rank_1y, 0)} · IV pct {_num(vix.iv_percentile_1y, 0)}"
        f" · realised 20d {_num(vix.realized_vol_20d, 1, '%')}  {_status(vix.status)}"
    )
    trend = snapshot.trend
    lines.append(f"Trend (CTA proxy): exposure {_signed(trend.exposure_pct, 0)}  {_status(trend.status)}")
    for signal in trend.signals:
        lines.append(
            f"  {signal.lookback_days:>3}d signal {_signed(signal.value, 2, '')} · flip {_num(signal.flip_level)}"
        )
    checklist = snapshot.checklist
    lines.append(
        f"Checklist: bull {checklist.bull.score}/{checklist.bull.total} · "
        f"bear {checklist.bear.score}/{checklist.bear.total}  {_status(checklist.status)}"
    )
    for name, thesis in (("bull", checklist.bull), ("bear", checklist.bear)):
        for item in thesis.items:
            lines.append(f"  {name} {item.status:<7} {item.label}: {item.value or 'unknown'}")
    return "\n".join(lines)
