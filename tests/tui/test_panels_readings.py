"""Pilot tests of what each panel says, one panel at a time in a small host app fed the
sample Snapshots: every panel's headline and flags on the dashboard (the RSI flag and
both pivots, the breadth gauge's band word and sparkline, the VIX term structure and
its index-up/VIX-up flag, the CTA exposure gauge and nearest flips, the checklist's
marks, values, rules and score), "unknown" (never 0) for a missing reading, and the
extra numbers of the detail view (`detailed=True`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from core.sections.breadth import BreadthSection
from core.sections.checklist import ChecklistSection
from core.sections.gamma import GammaSection
from core.sections.price import PriceSection
from core.sections.rsi import Divergence, RsiSection
from core.sections.trend import TrendSection
from core.sections.vix import VixSection
from core.snapshot import PanelStatus, Snapshot
from tests.tui.sample import complete_snapshot, sample_snapshot
from themes import register_themes
from widgets.breadth_panel import BreadthPanel, band_word
from widgets.chart_slot import DASHBOARD_SESSIONS, SPARKLINE_SESSIONS
from widgets.checklist_panel import ChecklistPanel
from widgets.fit_line import BadgeLine, FitLine
from widgets.gamma_panel import GammaPanel
from widgets.gauge import Gauge
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.rsi_panel import RsiPanel
from widgets.sparkline import TextSparkline
from widgets.table import ValueTable
from widgets.term_chart import TermChart
from widgets.trend_panel import TrendPanel
from widgets.vix_panel import VixPanel


class PanelHost(App[None]):
    """One panel filling the screen, as the detail screen shows it."""

    CSS = "Screen > Panel { height: 1fr; overflow-y: auto; }"

    def __init__(self, panel: Panel, theme: str = "regime-dark") -> None:
        super().__init__()
        self.panel = panel
        self.theme_name = theme

    def compose(self) -> ComposeResult:
        yield self.panel

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = self.theme_name


async def settle(pilot: Pilot[Any]) -> None:
    """Let the charts mount (after the first paint) and the screen repaint."""
    for _ in range(5):
        await pilot.pause()


def text(widget: Any) -> str:
    """What a widget renders now, as plain text."""
    return str(widget.render())


def table(panel: Panel, selector: str = ".panel--readings") -> str:
    """A table's rows as plain text, one row a line (cells untruncated)."""
    rows = panel.query_one(selector, ValueTable).rows
    return "\n".join(" ".join(str(cell) for cell in row) for row in rows)


def row(panel: Panel, label: str, selector: str = ".panel--readings") -> str:
    """The value cells of the row named `label`."""
    for cells in panel.query_one(selector, ValueTable).rows:
        if str(cells[0]) == label:
            return " ".join(str(cell) for cell in cells[1:])
    raise AssertionError(f"no row {label!r} in {selector}")


SIZE = (100, 40)


# Price --------------------------------------------------------------------------


async def test_price_headline_badges_levels_and_recent_chart() -> None:
    snapshot = sample_snapshot()
    panel = PricePanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        assert "6,978.03" in text(panel.query_one(".price--headline"))
        badges = text(panel.query_one(BadgeLine))
        assert "TD sell 7/9" in badges
        assert "EMA stack mixed" in badges
        assert "%B 72 · narrowing" in badges
        assert "▶ last 6,978.03" in table(panel, ".price--levels")
        assert panel.border_subtitle == "CLOSED · Jan 28 16:00"
        chart = panel.chart
        assert chart is not None
        assert chart.window == DASHBOARD_SESSIONS
        assert chart.divergence == snapshot.rsi.divergence
        # Both price pivots of the bearish divergence are marked on the closes.
        assert text(chart).count("●") == 2


async def test_badges_leave_off_whole_readings_when_narrow() -> None:
    panel = PricePanel()
    async with PanelHost(panel).run_test(size=(34, 30)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        badges = text(panel.query_one(BadgeLine))
        assert badges.startswith("TD sell 7/9")
        assert "%B" not in badges  # left off whole, never cut


async def test_price_detail_shows_the_year_and_the_numbers_behind_the_badges() -> None:
    snapshot = sample_snapshot()
    panel = PricePanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        chart = panel.chart
        assert chart is not None and chart.window is None and chart.label_pivots
        plot = text(chart)
        assert "6,995.78" in plot and "7,014.83" in plot  # each pivot's close, labelled
        assert row(panel, "TD setup", ".price--readings") == "sell 7 of 9"
        assert row(panel, "TD countdown", ".price--readings") == "none"
        assert row(panel, "TDST support", ".price--readings") == "6,872.35"
        assert row(panel, "Bollinger %B", ".price--readings") == "71.6"
        assert row(panel, "Squeeze (BB in KC)", ".price--readings") == "no"
        assert row(panel, "Within 1% below it", ".price--readings") == "yes"


# RSI ----------------------------------------------------------------------------


async def test_rsi_flag_row_chart_and_pivots() -> None:
    snapshot = sample_snapshot()
    panel = RsiPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "BEARISH DIVERGENCE · confirmed 2026-01-22"
        assert row(panel, "RSI (14)") == "61.84 · neutral"
        assert row(panel, "Divergence") == "bearish · Jan 22"
        chart = panel.chart
        assert chart is not None
        assert chart.window == DASHBOARD_SESSIONS  # the price chart's span
        assert chart.series == snapshot.rsi.history
        assert [(m.day, m.value) for m in chart.markers] == [
            (date(2025, 11, 26), 75.52),
            (date(2026, 1, 15), 64.93),
        ]
        assert chart.marker_color == "error"
        assert text(chart).count("●") == 2


async def test_rsi_flag_drops_a_word_before_it_wraps() -> None:
    panel = RsiPanel()
    async with PanelHost(panel).run_test(size=(38, 30)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "BEARISH DIVERGENCE · 2026-01-22"


async def test_rsi_bullish_and_no_divergence() -> None:
    snapshot = sample_snapshot()
    bearish = snapshot.rsi.divergence
    bullish = bearish.model_copy(update={"kind": "bullish"})
    panel = RsiPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.section = snapshot.rsi.model_copy(update={"divergence": bullish})
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "BULLISH DIVERGENCE · confirmed 2026-01-22"
        assert panel.chart is not None and panel.chart.marker_color == "success"
        panel.section = snapshot.rsi.model_copy(update={"divergence": Divergence()})
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "no divergence active"
        assert row(panel, "Divergence") == "none active"
        assert panel.chart.markers == ()


async def test_rsi_detail_lists_both_pivots_sessions_and_the_hidden_divergence() -> None:
    snapshot = complete_snapshot()
    panel = RsiPanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        pivots = table(panel, ".rsi--pivots").splitlines()
        assert pivots[0] == "bearish 1 2025-11-26 6,995.78 75.52 2025-12-03"
        assert pivots[1] == "bearish 2 2026-01-15 7,014.83 64.93 2026-01-22"
        assert pivots[2] == "hidden bullish 1 2025-12-19 6,866.65 49.65 2025-12-26"
        assert pivots[3] == "hidden bullish 2 2026-01-19 6,919.82 47.80 2026-01-26"
        detail = table(panel, ".rsi--detail")
        assert "bearish: price higher high, RSI lower high" in detail
        assert "sessions since 4" in detail
        assert "bullish: price higher low, RSI lower low" in detail
        assert row(panel, "Hidden") == "bullish · Jan 26"
        chart = panel.chart
        assert chart is not None and chart.window is None and chart.label_markers
        plot = text(chart)
        assert "75.5" in plot and "64.9" in plot  # each pivot's RSI beside its marker


# Breadth ------------------------------------------------------------------------


def test_breadth_band_words() -> None:
    assert band_word(22.0) == "weak"
    assert band_word(30.0) == "neutral"
    assert band_word(58.4) == "neutral"
    assert band_word(70.0) == "neutral"
    assert band_word(76.0) == "strong"
    assert band_word(None) == "unknown"


@pytest.mark.parametrize(("share", "word"), [(22.5, "weak"), (58.4, "neutral"), (76.3, "strong")])
async def test_breadth_gauge_sparkline_and_readings(share: float, word: str) -> None:
    snapshot = sample_snapshot()
    panel = BreadthPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.section = snapshot.breadth.model_copy(update={"pct_above_200dma": share})
        await settle(pilot)
        gauge = panel.query_one(Gauge)
        assert gauge.value == share
        assert f"▲ {share}% {word}" in text(gauge)
        spark = panel.query_one(TextSparkline)
        history = snapshot.breadth.history_200dma.values
        assert spark.values == history[-SPARKLINE_SESSIONS:]
        assert len(text(spark)) == spark.size.width
        assert row(panel, "% above 200-day") == f"{share}%"
        assert row(panel, "% above 50-day") == "unknown"
        assert row(panel, "Advancers / decliners") == "318 / 181"
        assert row(panel, "RSP/SPY vs 50-day") == "-1.84%"
        assert row(panel, "Top-10 weight") == "40.7%"
        assert text(panel.detail_line) == "50-day breadth is not computed yet"


async def test_breadth_detail_charts_the_year_and_the_changes() -> None:
    snapshot = complete_snapshot()
    panel = BreadthPanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        chart = panel.chart
        assert chart is not None and chart.series == snapshot.breadth.history_200dma
        assert chart.window is None
        assert not panel.query(TextSparkline)
        detail = ".breadth--detail"
        assert row(panel, "Members covered", detail) == "503"
        assert row(panel, "% above 200-day, 5-session change", detail) == "-1.8 pp"
        assert row(panel, "% above 200-day, 20-session change", detail) == "+6.2 pp"
        assert row(panel, "% above 50-day, 20-session change", detail) == "+8.9 pp"
        assert row(panel, "A/D line", detail) == "18,420"
        assert row(panel, "A/D line, 20-session change", detail) == "+462"
        assert row(panel, "New 52-week highs", detail) == "41"
        assert row(panel, "New 52-week lows", detail) == "9"
        assert row(panel, "Net new highs", detail) == "+32"


# VIX ----------------------------------------------------------------------------


async def test_vix_level_curve_flag_and_realised() -> None:
    panel = VixPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        assert text(panel.query_one(FitLine)).startswith("INDEX UP · VIX UP")
        assert row(panel, "VIX") == "16.42 ▲+0.85"
        assert row(panel, "IV rank / %ile 1y") == "unknown"
        assert row(panel, "VIX − realised") == "+4.55 pts"
        assert row(panel, "Term structure") == "contango"
        chart = panel.query_one(TermChart)
        assert chart.tenors == (("9D", 15.12), ("30D", 16.42), ("3M", 18.31), ("RV20", 11.87))
        lines = text(chart).splitlines()
        assert [line.split()[:2] for line in lines] == [
            ["9D", "15.12"],
            ["30D", "16.42"],
            ["3M", "18.31"],
            ["RV20", "11.87"],
        ]
        # Bars from zero: the longest tenor has the longest bar.
        assert lines[2].count("━") > lines[1].count("━") > lines[0].count("━")
        assert panel.border_subtitle == "DELAYED · Jan 28 15:45"


async def test_vix_flag_reads_each_state() -> None:
    section = sample_snapshot().vix
    panel = VixPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.section = section.model_copy(update={"index_up_vix_up": False})
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "no index-up/VIX-up divergence"
        panel.section = section.model_copy(update={"index_up_vix_up": None})
        await settle(pilot)
        assert text(panel.query_one(FitLine)) == "index/VIX divergence unknown"


async def test_vix_detail_ratios_and_five_session_changes() -> None:
    panel = VixPanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(complete_snapshot())
        await settle(pilot)
        assert row(panel, "IV rank / %ile 1y") == "18 / 25%"
        detail = ".vix--detail"
        assert row(panel, "9D / 30D ratio", detail) == "0.921"
        assert row(panel, "30D / 3M ratio", detail) == "0.897"
        assert row(panel, "Term structure (30D/3M)", detail) == "contango"
        assert row(panel, "S&P 500, 5-session change", detail) == "+0.84%"
        assert row(panel, "VIX, 5-session change", detail) == "+1.37"
        assert row(panel, "Index up and VIX up (5 sessions)", detail) == "yes"
        assert row(panel, "VIX 3-month", detail) == "18.31"
        assert row(panel, "Realised vol 20d (the index)", detail) == "11.87%"


# CTA trend ----------------------------------------------------------------------


async def test_trend_gauge_signals_and_nearest_flips() -> None:
    snapshot = sample_snapshot()
    panel = TrendPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        gauge = panel.query_one(Gauge)
        assert gauge.value == 51.5
        assert "+52% long" in text(gauge)
        assert "-100" in text(gauge) and "+100" in text(gauge)
        assert row(panel, "Crowded") == "unknown"
        assert row(panel, "Flip above") == "none"  # every lookback flips below the close
        assert row(panel, "Flip below") == "6,902.13 · -1.09%"
        signals = table(panel, ".trend--signals").splitlines()
        assert signals == [
            "21d ▲ +0.18 6,902.13",
            "63d ▲ +0.55 6,666.32",
            "126d ▲ +0.62 6,486.79",
            "252d ▲ +0.71 6,195.08",
        ]


async def test_trend_flip_above_with_its_distance() -> None:
    section = sample_snapshot().trend
    short = section.signals[0].model_copy(
        update={"value": -0.21, "flip_level": 7008.46, "flip_distance_pct": 0.4361}
    )
    panel = TrendPanel()
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.section = section.model_copy(
            update={"signals": (short, *section.signals[1:]), "nearest_flip_above": 7008.46}
        )
        await settle(pilot)
        assert row(panel, "Flip above") == "7,008.46 · +0.44%"
        assert table(panel, ".trend--signals").splitlines()[0] == "21d ▼ -0.21 7,008.46"


async def test_trend_detail_returns_distances_percentile_and_crowding() -> None:
    panel = TrendPanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(complete_snapshot())
        await settle(pilot)
        assert row(panel, "Exposure") == "+52%"
        assert row(panel, "1-year percentile") == "71"
        assert row(panel, "1-week change") == "-4.5 pp"
        assert row(panel, "Crowded") == "no"
        signals = table(panel, ".trend--signals").splitlines()
        assert signals[0] == "21d +0.85% ▲ +0.18 6,902.13 -1.09%"
        assert signals[3] == "252d +13.11% ▲ +0.71 6,195.08 -11.22%"


# Checklist ----------------------------------------------------------------------


async def test_checklist_marks_values_rules_and_score() -> None:
    snapshot = sample_snapshot()
    panel = ChecklistPanel()
    async with PanelHost(panel).run_test(size=(160, 30)) as pilot:
        panel.show(snapshot)
        await settle(pilot)
        assert text(panel.score) == "BULL 3/6  ·  bear 2/5"
        rendered = text(panel.items).splitlines()
        assert rendered[0].startswith("✗ S&P 500 above the 7,000 milestone")
        assert 'price.last > level("7,000 milestone").value' in rendered[0]
        assert rendered[0].rstrip().endswith("-0.31%")
        assert rendered[1].startswith("✓ Within 1% of the milestone")
        assert rendered[5].startswith("? CTAs adding, not crowded")
        assert rendered[5].rstrip().endswith("unknown")
        panel.thesis = "bear"
        await settle(pilot)
        assert text(panel.score) == "BEAR 2/5  ·  bull 3/6"
        assert text(panel.items).splitlines()[0].startswith("✓ Bearish RSI divergence")


async def test_checklist_rule_column_gives_way_whole_when_narrow() -> None:
    panel = ChecklistPanel()
    async with PanelHost(panel).run_test(size=(60, 30)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        rendered = text(panel.items)
        assert "price.last" not in rendered and "level(" not in rendered
        assert "-0.31%" in rendered and "0.31% away" in rendered


async def test_checklist_detail_gives_each_rule_why_and_reason() -> None:
    panel = ChecklistPanel(detailed=True)
    async with PanelHost(panel).run_test(size=(120, 60)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        assert text(panel.query_one(".checklist--tally")) == "3 pass  2 fail  1 unknown"
        details = text(panel.query_one(".checklist--details"))
        assert "✗ S&P 500 above the 7,000 milestone  ·  -0.31%" in details
        assert 'rule    price.last > level("7,000 milestone").value' in details
        assert "why     A close above the round number turns it from resistance" in details
        assert "missing trend.crowded is unknown: needs a year of exposure history" in details


# Unknown, never zero ------------------------------------------------------------


def empty_snapshot() -> Snapshot:
    """The sample with every reading missing (the sections' defaults)."""
    snapshot = sample_snapshot()
    status = PanelStatus(state="SIMULATED", detail="no data yet")
    return snapshot.model_copy(
        update={
            "price": PriceSection(status=status, symbol="^GSPC"),
            "rsi": RsiSection(status=status),
            "breadth": BreadthSection(status=status),
            "vix": VixSection(status=status),
            "trend": TrendSection(status=status),
            "checklist": ChecklistSection(status=status),
            "gamma": GammaSection(status=status),
        }
    )


@pytest.mark.parametrize(
    "panel_class",
    [PricePanel, RsiPanel, BreadthPanel, VixPanel, TrendPanel, ChecklistPanel, GammaPanel],
    ids=lambda cls: cls.__name__,
)
@pytest.mark.parametrize("detailed", [False, True], ids=["dashboard", "detail"])
async def test_missing_readings_read_unknown_never_zero(
    panel_class: type[Panel], detailed: bool
) -> None:
    panel = panel_class(detailed=detailed)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(empty_snapshot())
        await settle(pilot)
        shown = "\n".join(
            text(widget)
            for widget in panel.query(
                "ValueTable, Gauge, FitLine, BadgeLine, TermChart, StrikeBars, Static"
            )
            if widget.display
        )
        if panel_class is not ChecklistPanel:
            assert "unknown" in shown
        for zero in ("0.00", "0.0%", " 0%", "+0 ", "0 / 0"):
            assert zero not in shown, f"{zero!r} shown for a missing reading"
        for gauge in panel.query(Gauge):
            assert "▲" not in text(gauge)  # no marker without a reading
