"""The six panels as the screens know them: each one's key (1–6), DOM id, widget class
and the one line the help gives on what its readings mean; which panels each thesis
view emphasises; and `show_snapshot`, the one place a Snapshot is split into the
sections the panels take, so the dashboard and a detail screen feed a panel the same
way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from widgets.breadth_panel import BreadthPanel
from widgets.checklist_panel import ChecklistPanel
from widgets.price_panel import PricePanel
from widgets.rsi_panel import RsiPanel
from widgets.status_line import StatusLine
from widgets.trend_panel import TrendPanel
from widgets.verdict import Verdict
from widgets.vix_panel import VixPanel

if TYPE_CHECKING:
    from core.snapshot import Snapshot, Thesis
    from widgets.panel import Panel


@dataclass(frozen=True)
class PanelView:
    """One dashboard panel: how to reach it and what it means."""

    key: str
    """The key that opens its detail screen (1–6)."""
    id: str
    """Its DOM id, on the dashboard and on its detail screen."""
    name: str
    """Its short name, as the palette says it: `Open price detail`."""
    widget: type[Panel]
    """The panel's class; the detail screen builds a `detailed=True` instance."""
    meaning: str
    """One line, in the market's words, on what its readings say."""

    @property
    def title(self) -> str:
        """The panel's name, as its top border shows it."""
        return self.widget.PANEL_TITLE

    def build(self, *, detailed: bool = False) -> Panel:
        """A new instance of the panel."""
        return self.widget(id=self.id, detailed=detailed)


PANELS: tuple[PanelView, ...] = (
    PanelView(
        "1",
        "price",
        "price",
        PricePanel,
        "Last price against milestones (7,000), moving averages and your levels; the "
        "distance from each in %. Within 1% under a 1,000-point milestone has "
        "historically helped the next two weeks; the TD count reads 9 at exhaustion.",
    ),
    PanelView(
        "2",
        "rsi",
        "RSI",
        RsiPanel,
        "Wilder's 14-day RSI. A bearish divergence is price making a higher high while "
        "RSI makes a lower high (momentum fading); it is dated when the second swing is "
        "confirmed and stays active 20 sessions unless price closes above its pivot.",
    ),
    PanelView(
        "3",
        "breadth",
        "breadth",
        BreadthPanel,
        "% of members above their own 200-day average: above 50% and rising means most "
        "stocks take part in the advance; falling while the index rises means fewer "
        "leaders carry it (top-10 concentration, equal weight lagging).",
    ),
    PanelView(
        "4",
        "vix",
        "VIX",
        VixPanel,
        "The VIX against 20-day realised vol. IV rank places today's VIX in its one-year "
        "range (0 = the year's low, 100 = its high); VIX rising while the index makes "
        "highs is the bear's \u201cbullish price, bearish volatility\u201d.",
    ),
    PanelView(
        "5",
        "trend",
        "CTA trend",
        TrendPanel,
        "A CTA proxy: trend followers' exposure (\u2212100% \u2026 +100%) from "
        "vol-scaled momentum over several lookbacks. A flip level is the close that "
        "would turn a lookback's signal at the next session: the nearer, the more "
        "fragile the trend.",
    ),
    PanelView(
        "6",
        "checklist",
        "checklist",
        ChecklistPanel,
        "Each thesis's claims judged against the data: \u2713 pass, \u2717 fail, ? unknown "
        "(the data cannot judge it yet; never counted as a fail). The score is passes "
        "out of all items.",
    ),
)
"""The six panels, in dashboard order."""

PANELS_BY_ID: dict[str, PanelView] = {view.id: view for view in PANELS}
"""The panels by DOM id."""

EMPHASIS: dict[Thesis, frozenset[str]] = {
    "bull": frozenset({"price", "breadth", "trend", "checklist"}),
    "bear": frozenset({"rsi", "vix", "breadth", "checklist"}),
}
"""The panels each view emphasises: what its thesis rests on. Bull: price holding its
levels, breadth broadening, trend followers adding. Bear: RSI divergence, volatility
rising with price, narrowing breadth and concentration."""

VIEW_NAMES: dict[Thesis, str] = {"bull": "Bull", "bear": "Bear"}
"""Each thesis view's name, as the verdict and the palette say it."""


def other_thesis(thesis: Thesis) -> Thesis:
    """The view the thesis key switches to."""
    return "bear" if thesis == "bull" else "bull"


def show_snapshot(panel: Panel, snapshot: Snapshot) -> None:
    """Hand `panel` its section of `snapshot` (reactives: an equal section is a no-op)."""
    panel.snapshot_time = snapshot.as_of
    if isinstance(panel, PricePanel):
        panel.section = snapshot.price
        # The price chart marks the RSI divergence's pivots on the closes.
        panel.divergence = snapshot.rsi.divergence
    elif isinstance(panel, RsiPanel):
        panel.section = snapshot.rsi
    elif isinstance(panel, BreadthPanel):
        panel.section = snapshot.breadth
    elif isinstance(panel, VixPanel):
        panel.section = snapshot.vix
    elif isinstance(panel, TrendPanel):
        panel.section = snapshot.trend
    elif isinstance(panel, ChecklistPanel):
        panel.section = snapshot.checklist


def show_header(status: StatusLine, verdict: Verdict, snapshot: Snapshot) -> None:
    """Hand the status line and the verdict their parts of `snapshot` (both screens
    show them, so freshness and the scores are never hidden)."""
    status.source = snapshot.source
    status.market = snapshot.market
    status.as_of = snapshot.as_of
    verdict.section = snapshot.checklist
