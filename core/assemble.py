"""Builds one Snapshot from a refresh cycle's market data: calls each panel's signal,
wraps its reading with the panel's freshness status, and turns missing data into
`None` with a reason instead of a guess. A signal that fails (a bug, odd data) marks
only its own panel ERROR with what went wrong; the rest of the Snapshot still builds.
The checklist comes last: each thesis is evaluated on the otherwise complete Snapshot."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import pandas as pd

from core.config import Settings
from core.signals import breadth as breadth_signal
from core.signals import context as context_signal
from core.signals import price as price_signal
from core.signals import rsi_divergence
from core.signals import trend as trend_signal
from core.signals import vix as vix_signal
from core.snapshot import (
    BreadthSection,
    ChecklistSection,
    ContextSection,
    Freshness,
    MarketInfo,
    PanelStatus,
    PriceSection,
    RsiSection,
    Snapshot,
    SourceInfo,
    TrendSection,
    VixSection,
)
from core.sources.base import MemberPanel
from core.thesis import Thesis, checklist_section, load_theses

log = logging.getLogger(__name__)

RSI_PERIOD = 14
Section = TypeVar(
    "Section",
    PriceSection,
    RsiSection,
    BreadthSection,
    VixSection,
    TrendSection,
    ContextSection,
)


@dataclass(frozen=True)
class CycleData:
    """What one refresh cycle has to show (the last good data where a fetch failed)."""

    bars: Mapping[str, pd.DataFrame]
    members: MemberPanel | None
    state: Freshness
    """The state every panel with data takes (LIVE, CLOSED, SIMULATED, REPLAY, ...)."""
    detail: str | None
    """What failed this cycle, shown on every panel it touches."""
    close_time: Callable[[date], datetime]
    """The regular close of a session, to date daily readings."""
    now: datetime | None = None
    """The cycle's time when live (None in replay): a reading on a session still in
    progress is dated now, not at the session's future close."""


def _status(cycle: CycleData, last_date: pd.Timestamp | None, missing: str | None) -> PanelStatus:
    if last_date is None:
        reason = missing if cycle.detail is None else f"{missing}; {cycle.detail}"
        return PanelStatus(state="ERROR" if cycle.detail else cycle.state, detail=reason)
    as_of = cycle.close_time(last_date.date())
    if cycle.now is not None and cycle.now < as_of:
        as_of = cycle.now
    return PanelStatus(state=cycle.state, as_of=as_of, detail=cycle.detail)


def _noted(status: PanelStatus, notes: list[str]) -> PanelStatus:
    """The status with the reasons some readings are unknown appended to its detail."""
    if not notes:
        return status
    detail = "; ".join([status.detail, *notes] if status.detail else notes)
    return status.model_copy(update={"detail": detail})


def _last_date(frame: pd.DataFrame | pd.Series | None) -> pd.Timestamp | None:
    if frame is None or len(frame) == 0:
        return None
    return pd.Timestamp(frame.index[-1])


def price_section(settings: Settings, cycle: CycleData) -> PriceSection:
    """Last, change, key levels, bands, TD state and chart history of the index."""
    symbol = settings.symbols.index
    bars = cycle.bars.get(symbol)
    if bars is None or bars.empty:
        return PriceSection(status=_status(cycle, None, f"no bars for {symbol}"), symbol=symbol)
    status = _status(cycle, _last_date(bars), None)
    return price_signal.price_section(bars, symbol, settings.levels, status)


def rsi_section(settings: Settings, cycle: CycleData) -> RsiSection:
    """RSI of the index and its regular and hidden divergences."""
    bars = cycle.bars.get(settings.symbols.index)
    if bars is None or len(bars) <= RSI_PERIOD:
        return RsiSection(
            status=_status(cycle, None, f"needs more than {RSI_PERIOD} closes of the index"),
            period=RSI_PERIOD,
        )
    status = _status(cycle, _last_date(bars), None)
    return rsi_divergence.rsi_section(bars["close"], status, period=RSI_PERIOD)


def _close(cycle: CycleData, symbol: str) -> pd.Series | None:
    bars = cycle.bars.get(symbol)
    return None if bars is None or bars.empty else bars["close"]


def breadth_section(settings: Settings, cycle: CycleData) -> BreadthSection:
    """Participation of the members: % above averages, A/D, new highs, RSP/SPY."""
    panel = cycle.members
    if panel is None or panel.closes.empty:
        return BreadthSection(status=_status(cycle, None, "this source has no member data"))
    rsp = _close(cycle, settings.symbols.equal_weight)
    spy = _close(cycle, settings.symbols.cap_weight)
    section = breadth_signal.breadth_section(
        panel, _status(cycle, _last_date(panel.closes), None), rsp=rsp, spy=spy
    )
    notes = []
    if section.rsp_spy_ratio is None:
        if rsp is None or spy is None:
            notes.append(f"no {settings.symbols.equal_weight}/{settings.symbols.cap_weight} data")
        else:
            notes.append(
                f"{settings.symbols.equal_weight} ends {rsp.index[-1]:%Y-%m-%d},"
                f" {settings.symbols.cap_weight} {spy.index[-1]:%Y-%m-%d}: RSP/SPY unknown"
            )
    if section.top10_concentration_pct is None:
        notes.append("no member weights: top-10 concentration unknown")
    return section.model_copy(update={"status": _noted(section.status, notes)})


def vix_section(settings: Settings, cycle: CycleData) -> VixSection:
    """VIX level, rank, term structure and divergence, against realised vol."""
    symbols = settings.symbols
    vix = cycle.bars.get(symbols.vix)
    missing = f"no bars for {symbols.vix}" if vix is None or vix.empty else None
    section = vix_signal.vix_section(
        vix,
        cycle.bars.get(symbols.index),
        _status(cycle, _last_date(vix), missing),
        vix9d=cycle.bars.get(symbols.vix9d),
        vix3m=cycle.bars.get(symbols.vix3m),
    )
    absent = [symbol for symbol in (symbols.vix9d, symbols.vix3m) if symbol not in cycle.bars]
    notes = [f"no {'/'.join(absent)} data: term structure unknown"] if absent else []
    return section.model_copy(update={"status": _noted(section.status, notes)})


def trend_section(settings: Settings, cycle: CycleData) -> TrendSection:
    """CTA-proxy exposure of the index and each lookback's flip level."""
    bars = cycle.bars.get(settings.symbols.index)
    if bars is None or bars.empty:
        return TrendSection(status=_status(cycle, None, f"no bars for {settings.symbols.index}"))
    return trend_signal.trend_section(bars, _status(cycle, _last_date(bars), None))


def context_section(settings: Settings, cycle: CycleData) -> ContextSection:
    """Russell 2000 win streak and Nasdaq confirmation of S&P 500 highs."""
    index = cycle.bars.get(settings.symbols.index)
    if index is None or index.empty:
        return ContextSection(status=_status(cycle, None, f"no bars for {settings.symbols.index}"))
    return context_signal.context_section(
        index,
        cycle.bars.get(settings.symbols.small_caps),
        cycle.bars.get(settings.symbols.nasdaq),
        _status(cycle, _last_date(index), None),
    )


def _guarded(
    build: Callable[[Settings, CycleData], Section],
    settings: Settings,
    cycle: CycleData,
    fallback: Callable[[PanelStatus], Section],
) -> Section:
    try:
        return build(settings, cycle)
    except Exception as error:  # a bug or odd data must cost one panel, never the app
        log.exception("computing %s failed", build.__name__)
        return fallback(PanelStatus(state="ERROR", detail=f"could not compute: {error!r}"))


def assemble(
    settings: Settings,
    cycle: CycleData,
    *,
    as_of: datetime,
    source: SourceInfo,
    market: MarketInfo,
    theses: Mapping[str, Thesis] | None = None,
) -> Snapshot:
    """The Snapshot of one cycle, its checklist scored with `theses` (default: the
    built-in theses with the settings' changes applied)."""
    index = settings.symbols.index
    pending = PanelStatus(state=cycle.state, as_of=as_of, detail="checklist not evaluated")
    snapshot = Snapshot(
        as_of=as_of,
        source=source,
        market=market,
        price=_guarded(
            price_section, settings, cycle, lambda s: PriceSection(status=s, symbol=index)
        ),
        rsi=_guarded(rsi_section, settings, cycle, lambda s: RsiSection(status=s)),
        breadth=_guarded(breadth_section, settings, cycle, lambda s: BreadthSection(status=s)),
        vix=_guarded(vix_section, settings, cycle, lambda s: VixSection(status=s)),
        trend=_guarded(trend_section, settings, cycle, lambda s: TrendSection(status=s)),
        context=_guarded(context_section, settings, cycle, lambda s: ContextSection(status=s)),
        checklist=ChecklistSection(status=pending),
    )
    return snapshot.model_copy(update={"checklist": checklist(settings, cycle, snapshot, theses)})


def checklist(
    settings: Settings,
    cycle: CycleData,
    snapshot: Snapshot,
    theses: Mapping[str, Thesis] | None,
) -> ChecklistSection:
    """Every thesis scored on `snapshot`; a failure here marks the checklist ERROR and
    leaves the rest of the Snapshot intact."""
    try:
        chosen = theses if theses is not None else load_theses(settings.theses)
        return checklist_section(chosen, snapshot, cycle.state, cycle.detail)
    except Exception as error:  # a bug must cost the checklist, never the Snapshot
        log.exception("scoring the theses failed")
        status = PanelStatus(state="ERROR", detail=f"could not score the theses: {error!r}")
        return ChecklistSection(status=status)
