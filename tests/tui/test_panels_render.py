"""Tests of how the panels draw, not what they say: an equal section repaints nothing
and replots no chart; a changed section replots only the charts whose data changed;
the gauge, sparkline, term chart, fitted lines and the value table keep every number
whole at any width and read without colour; the dashboard's panels fit from 80x24 to
240x70 in the dark and ANSI themes and under NO_COLOR."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel
from textual.content import Content
from textual.widget import Widget

from tests.tui.harness import make_app, wait_for_data
from tests.tui.sample import complete_snapshot, sample_snapshot
from tests.tui.test_panels_readings import PanelHost, settle, text
from widgets.breadth_panel import BANDS as BREADTH_BANDS
from widgets.breadth_panel import BreadthPanel
from widgets.breadth_panel import gauge_label as breadth_gauge_label
from widgets.checklist_panel import ChecklistPanel
from widgets.fit_line import BadgeLine, FitLine
from widgets.gamma_panel import GammaPanel
from widgets.gauge import Gauge
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.rsi_panel import RsiPanel
from widgets.sparkline import TextSparkline, sample
from widgets.table import Column, ValueTable
from widgets.term_chart import TermChart
from widgets.trend_panel import BANDS as TREND_BANDS
from widgets.trend_panel import TrendPanel
from widgets.vix_panel import VixPanel

PANEL_CLASSES = [
    PricePanel,
    RsiPanel,
    BreadthPanel,
    VixPanel,
    TrendPanel,
    ChecklistPanel,
    GammaPanel,
]


def dirty(panel: Panel) -> list[str]:
    """The widgets in the panel (itself included) waiting to repaint or re-layout."""
    widgets: list[Widget] = [panel, *panel.query("*")]
    return [
        repr(widget) for widget in widgets if widget._repaint_required or widget._layout_required
    ]


def plots(panel: Panel) -> int:
    """How many times the panel's chart has been plotted (0 without a chart)."""
    chart = getattr(panel, "chart", None)
    return 0 if chart is None else int(chart.plots)


# No repaint when nothing changed ----------------------------------------------


@pytest.mark.parametrize("panel_class", PANEL_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("detailed", [False, True], ids=["dashboard", "detail"])
async def test_an_equal_section_repaints_nothing(panel_class: type[Panel], detailed: bool) -> None:
    panel = panel_class(detailed=detailed)
    async with PanelHost(panel).run_test(size=(120, 50)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        before = plots(panel)
        charted = (BreadthPanel, GammaPanel)
        if panel_class in (PricePanel, RsiPanel) or (detailed and panel_class in charted):
            assert before >= 1, "the chart was never plotted"
        assert dirty(panel) == []
        # An equal Snapshot (a new object, equal by value) as the engine republishes it.
        panel.show(sample_snapshot().model_copy(deep=True))
        assert dirty(panel) == []
        await settle(pilot)
        assert plots(panel) == before


async def test_a_changed_section_replots_only_its_own_chart() -> None:
    price, rsi = PricePanel(), RsiPanel()
    app = PanelHost(price)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.mount(rsi)
        snapshot = sample_snapshot()
        price.show(snapshot)
        rsi.show(snapshot)
        await settle(pilot)
        price_plots, rsi_plots = plots(price), plots(rsi)
        # A new last price: the price chart replots, the RSI chart does not.
        newer = sample_snapshot(last=6990.0)
        price.show(newer)
        rsi.show(newer)
        await settle(pilot)
        assert plots(price) == price_plots + 1
        assert plots(rsi) == rsi_plots
        # A freshness change alone replots nothing.
        stale = newer.price.model_copy(
            update={"status": newer.price.status.model_copy(update={"state": "STALE"})}
        )
        price.section = stale
        await settle(pilot)
        assert plots(price) == price_plots + 1


async def test_a_theme_change_replots_in_the_new_colours() -> None:
    panel = PricePanel()
    app = PanelHost(panel)
    async with app.run_test(size=(120, 40)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        before = plots(panel)
        app.theme = "regime-ansi"
        await settle(pilot)
        assert plots(panel) == before + 1


# Gauge ----------------------------------------------------------------------


@pytest.mark.parametrize("width", [12, 20, 36, 80])
@pytest.mark.parametrize("value", [0.0, 4.2, 58.4, 96.5, 100.0])
async def test_the_breadth_gauge_keeps_its_reading_whole(width: int, value: float) -> None:
    gauge = Gauge(0.0, 100.0, BREADTH_BANDS, label=breadth_gauge_label)
    async with PanelHost(Panel()).run_test(size=(width + 4, 10)) as pilot:
        await pilot.app.mount(gauge)
        gauge.styles.width = width
        gauge.value = value
        await settle(pilot)
        bar, scale = text(gauge).split("\n")
        assert len(bar) == len(scale) == width
        assert f"{value:.1f}%" in scale  # never cut, whatever the width
        if width >= 36:
            assert breadth_gauge_label(value) in scale  # with its band word
        assert scale.count("▲") == 1
        # Without colour the bar still shows the reading: heavy up to it, dashed after.
        marker = scale.index("▲")
        assert set(bar[: max(0, marker - 1)]) <= {"━", "╋"}
        assert set(bar[marker + 2 :]) <= {"╌", "┼"}


async def test_the_exposure_gauge_fills_from_zero_either_way() -> None:
    gauge = Gauge(-100.0, 100.0, TREND_BANDS, origin=0.0, signed_scale=True)
    async with PanelHost(Panel()).run_test(size=(45, 10)) as pilot:
        await pilot.app.mount(gauge)
        gauge.styles.width = 41
        gauge.value = -40.0
        await settle(pilot)
        bar, scale = text(gauge).split("\n")
        assert bar[20] == "╋"  # the zero edge, lit
        assert set(bar[12:20]) == {"━"} and set(bar[:11]) == {"╌"} and set(bar[21:]) == {"╌"}
        assert scale.startswith("-100") and scale.endswith("+100")
        gauge.value = None
        await settle(pilot)
        assert "unknown" in text(gauge) and "━" not in text(gauge)


# Sparkline, term chart, fitted lines, table ---------------------------------------


def test_the_sparkline_fills_its_width_newest_last() -> None:
    values = [float(v) for v in range(60)]
    assert sample(values, 30)[-1] == 59.0 and len(sample(values, 30)) == 30
    assert sample(values, 90)[0] == 0.0 and sample(values, 90)[-1] == 59.0
    assert len(sample(values, 90)) == 90
    assert sample([], 10) == []


async def test_a_missing_session_is_a_gap_not_a_zero() -> None:
    spark = TextSparkline(BREADTH_BANDS)
    async with PanelHost(Panel()).run_test(size=(20, 5)) as pilot:
        await pilot.app.mount(spark)
        spark.styles.width = 5
        spark.values = (50.0, None, 40.0, 60.0, 55.0)
        await settle(pilot)
        assert text(spark) == "▅ ▁█▆"


async def test_the_term_chart_keeps_levels_whole_and_unknown_has_no_bar() -> None:
    chart = TermChart()
    async with PanelHost(Panel()).run_test(size=(30, 8)) as pilot:
        await pilot.app.mount(chart)
        chart.styles.width = 14
        chart.tenors = (("9D", None), ("30D", 16.42), ("3M", 18.31))
        await settle(pilot)
        lines = text(chart).splitlines()
        assert lines[0].split() == ["9D", "unknown"]
        assert "16.42" in lines[1] and "18.31" in lines[2]


async def test_fit_line_and_badge_line_never_cut_a_number() -> None:
    line, badges = FitLine(), BadgeLine()
    async with PanelHost(Panel()).run_test(size=(30, 8)) as pilot:
        await pilot.app.mount(line, badges)
        line.variants = (Content("FLAG · confirmed 2026-01-22"), Content("FLAG · 2026-01-22"))
        badges.parts = (Content("TD sell 7/9"), Content("%B 72"))
        line.styles.width = badges.styles.width = 20
        await settle(pilot)
        assert text(line) == "FLAG · 2026-01-22"
        assert text(badges) == "TD sell 7/9  %B 72"
        line.styles.width = badges.styles.width = 16
        await settle(pilot)
        assert text(line).splitlines() == ["FLAG ·", "2026-01-22"]  # wrapped between words
        assert text(badges) == "TD sell 7/9"  # the last badge left off whole


async def test_the_table_cuts_names_between_words_and_drops_optional_columns_whole() -> None:
    table = ValueTable(
        Column(flex=True),
        Column(flex=True, optional=True, min_width=12),
        Column(justify="right"),
        show_header=False,
    )
    async with PanelHost(Panel()).run_test(size=(60, 8)) as pilot:
        await pilot.app.mount(table)
        table.rows = (("Holding the 6,992 pivot", "price.last > level(6,992)", "-0.20%"),)
        table.styles.width = 58
        await settle(pilot)
        assert text(table).split() == [
            "Holding",
            "the",
            "6,992",
            "pivot",
            "price.last",
            ">",
            "level(6,992)",
            "-0.20%",
        ]
        table.styles.width = 28
        await settle(pilot)
        assert text(table) == "Holding the 6,992…    -0.20%"  # the rule gave way whole
        table.styles.width = 22
        await settle(pilot)
        assert text(table) == "Holding the…    -0.20%"  # cut at a space: 6,992 whole or not at all


# The dashboard from 80x24 to 240x70 --------------------------------------------------

NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60), (240, 70)], ids=str)
@pytest.mark.parametrize("theme", ["regime-dark", "regime-ansi"])
async def test_every_panel_reads_whole_at_each_size(size: tuple[int, int], theme: str) -> None:
    app = make_app(theme=theme)
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        for panel in app.dashboard.query("#panels > Panel").results(Panel):
            for widget in panel.query(
                "Gauge, FitLine, BadgeLine, TermChart, TextSparkline, StrikeBars"
            ):
                if not widget.display:
                    continue
                rendered = text(widget)
                width = widget.content_region.width
                assert all(len(line) <= width for line in rendered.splitlines()), (
                    f"{widget!r} overflows at {size}"
                )
            for table in panel.query(ValueTable):
                if not table.display:
                    continue
                # Every number in a fixed column is drawn whole; an optional column is
                # shown whole in every row or left off in all of them.
                shown = text(table)
                lines = shown.splitlines()[1 if table.show_header else 0 :]
                for index, column in enumerate(table.columns):
                    if column.flex:
                        continue
                    cells = [str(row[index]) for row in table.rows if str(row[index])]
                    if column.optional:
                        whole = [
                            str(row[index]) in line
                            for row, line in zip(table.rows, lines, strict=False)
                            if str(row[index])
                        ]
                        assert all(whole) or not any(whole), (
                            f"column {index} of {panel.id} partly shown at {size}"
                        )
                        if not any(whole):
                            continue
                    for cell in cells:
                        for number in NUMBER.findall(cell):
                            assert number in shown, f"{number} cut in {panel.id} at {size}"


async def test_no_color_keeps_the_marks_and_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        assert app.no_color
        breadth = app.dashboard.query_one(BreadthPanel)
        assert "58.4% neutral" in text(breadth.gauge) and "▲" in text(breadth.gauge)
        trend = app.dashboard.query_one(TrendPanel)
        assert "+52% long" in text(trend.gauge)
        rsi = app.dashboard.query_one(RsiPanel)
        assert rsi.chart is not None and text(rsi.chart).count("●") == 2


def test_the_complete_sample_fills_every_reading() -> None:
    """complete_snapshot is what the detail views are tested on: nothing missing."""
    snapshot = complete_snapshot()

    def missing(model: Any, path: str) -> list[str]:
        found: list[str] = []
        for name, value in model:
            where = f"{path}.{name}"
            if value is None and name not in {
                "detail",
                "full_detail",
                "progress",  # set only while a long load runs (tests/tui/test_progress_line.py)
                "countdown_direction",
                "nearest_flip_above",
                "fetched_at",  # a chain read from a file or simulated was never fetched
            }:
                found.append(where)
            elif isinstance(value, BaseModel):
                found += missing(value, where)
        return found

    for section in ("price", "rsi", "breadth", "vix", "trend", "gamma", "edge"):
        assert missing(getattr(snapshot, section), section) == []
