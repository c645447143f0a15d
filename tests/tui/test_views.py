"""Pilot tests of the thesis views, the reflow and the quiet refresh: t and the palette
switch the whole view (screen class, verdict, checklist, emphasised panels); the
settings' thesis is the first view; from 80x24 to 240x70 all eight panels (gamma the
seventh, the historical edge the eighth) are laid out without overlapping, every one
in view (and, where the grid fills the screen, in full with its numbers whole); and a
Snapshot equal to the one on show repaints nothing."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from textual.widget import Widget

from core.sections.checklist import ChecklistItem, ThesisScore
from core.snapshot import PanelStatus
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot
from tui.app import RegimeApp
from tui.screens.panels import emphasised as emphasis_of
from tui.screens.panels import panels
from widgets.checklist_panel import ChecklistPanel
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.table import ValueTable
from widgets.verdict import Verdict, verdict_line

SIZE = (120, 40)
PANEL_IDS = [view.id for view in panels()]


def screen_text(app: RegimeApp) -> str:
    """What the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def emphasised(app: RegimeApp) -> set[str]:
    """Ids of the dashboard panels the view in focus emphasises."""
    return {
        panel.id
        for panel in app.dashboard.query(Panel)
        if panel.has_class("-emphasised") and panel.id
    }


def verdict_text(app: RegimeApp) -> str:
    return app.dashboard.query_one(Verdict).render().plain


async def test_t_switches_everything_the_view_shows(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        screen = app.dashboard
        checklist = screen.query_one(ChecklistPanel)
        assert screen.has_class("-bull")
        assert emphasised(app) == emphasis_of("bull")
        assert verdict_text(app) == " Bull 3/6  (1 unknown)  ·  Bear 2/5 (1 unknown)"
        assert checklist.thesis == "bull"

        await pilot.press("t")
        assert app.thesis == "bear"
        assert screen.has_class("-bear") and not screen.has_class("-bull")
        assert emphasised(app) == emphasis_of("bear")
        assert verdict_text(app) == "Bull 3/6 (1 unknown)  ·   Bear 2/5  (1 unknown)"
        assert checklist.thesis == "bear"
        assert "Bearish RSI divergence" in "\n".join(str(row) for row in checklist.items.rows)

        await pilot.press("t")
        assert screen.has_class("-bull") and emphasised(app) == emphasis_of("bull")


async def test_each_view_has_its_own_accent(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        breadth = app.dashboard.query_one("#breadth", Panel)  # emphasised in both views
        rsi = app.dashboard.query_one("#rsi", Panel)  # the bear's only
        bull_border = breadth.styles.border_top[1]
        assert rsi.styles.border_top[1] != bull_border  # muted in the bull view
        await pilot.press("t")
        assert breadth.styles.border_top[1] != bull_border
        assert rsi.styles.border_top[1] == breadth.styles.border_top[1]


async def test_freshness_outranks_emphasis() -> None:
    snapshot = sample_snapshot()
    stale = snapshot.model_copy(
        update={
            "breadth": snapshot.breadth.model_copy(update={"status": PanelStatus(state="ERROR")})
        }
    )
    app = make_app(lambda: FakeFeed(stale))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        breadth = app.dashboard.query_one("#breadth", Panel)
        trend = app.dashboard.query_one("#trend", Panel)
        assert breadth.has_class("-emphasised") and breadth.has_class("-error")
        assert breadth.styles.border_top[1] != trend.styles.border_top[1]
        await pilot.press("t")
        error_border = breadth.styles.border_top[1]
        await pilot.press("t")
        assert breadth.styles.border_top[1] == error_border


async def test_palette_actions_set_the_view(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await app.run_action("set_thesis('bear')")
        assert app.thesis == "bear" and app.dashboard.has_class("-bear")
        await app.run_action("set_thesis('bear')")
        assert app.thesis == "bear"
        await app.run_action("set_thesis('sideways')")  # not a view: ignored
        assert app.thesis == "bear"
        await app.run_action("set_thesis('bull')")
        assert app.thesis == "bull"


async def test_thesis_bear_at_start() -> None:
    """`--thesis bear` is settings.thesis = "bear"."""
    app = make_app(thesis="bear")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert app.thesis == "bear"
        assert app.dashboard.has_class("-bear")
        assert emphasised(app) == emphasis_of("bear")
        assert verdict_text(app).startswith("Bull 3/6 (1 unknown)  ·   Bear 2/5 ")
        assert app.dashboard.query_one(ChecklistPanel).thesis == "bear"


def test_verdict_counts_unknown_items_and_lists_added_theses() -> None:
    section = sample_snapshot().checklist
    rates = ThesisScore(
        score=1,
        total=2,
        items=(
            ChecklistItem(id="a", label="a", status="pass"),
            ChecklistItem(id="b", label="b", status="fail"),
        ),
    )
    line = verdict_line(section.model_copy(update={"extra": {"Rates": rates}}), "bull")
    assert line.plain == " Bull 3/6  (1 unknown)  ·  Bear 2/5 (1 unknown)  ·  Rates 1/2"
    empty = section.model_copy(update={"bear": ThesisScore()})
    assert verdict_line(empty, "bear").plain.endswith(" Bear: no items ")
    assert "waiting" in verdict_line(None, "bull").plain


async def test_the_verdict_reads_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        line = app.dashboard.query_one(Verdict).render()
        active = [span for span in line.spans if "Bull 3/6" in line.plain[span.start : span.end]]
        assert active and "reverse" in str(active[0].style)


SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60), (240, 70)]
FILLED = {(120, 40), (160, 48), (200, 60), (240, 70)}
"""Sizes at which the grid fills the screen (no scrolling): every panel is in view."""
COMPACT = {(80, 24), (100, 30)}
"""Sizes of the compact layout: every panel in view, clipped to its headline rows."""


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_panels_reflow_without_overlap(width: int, height: int) -> None:
    app = make_app()
    async with app.run_test(size=(width, height)) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        screen = app.dashboard
        panels = {panel.id or "": panel for panel in screen.query("#panels > Panel").results(Panel)}
        assert sorted(panels) == sorted(PANEL_IDS)
        assert "gamma" in panels and "edge" in panels
        regions = {panel_id: panel.virtual_region for panel_id, panel in panels.items()}
        for (a, region_a), (b, region_b) in itertools.combinations(regions.items(), 2):
            assert not region_a.overlaps(region_b), f"{a} overlaps {b} at {width}x{height}"
        assert all(region.width >= 20 and region.height >= 3 for region in regions.values())
        assert screen.has_class("-huge") == (width >= 200 and height >= 60)
        if (width, height) in COMPACT:
            visible = screen.query_one("#panels-scroll").region
            for panel_id, panel in panels.items():
                assert visible.contains_region(panel.region), f"{panel_id} is off screen"
        if (width, height) in FILLED:
            visible = screen.query_one("#panels-scroll").region
            for panel_id, panel in panels.items():
                assert visible.contains_region(panel.region), f"{panel_id} is cut off"
            text = screen_text(app)
            for table in screen.query(ValueTable):
                for row in table.rows:
                    value = str(row[-1]).strip()
                    if any(char.isdigit() for char in value):
                        assert value in text, f"{value!r} is cut at {width}x{height}"


async def test_the_huge_layout_gives_the_chart_the_room(app: RecordingApp) -> None:
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot)
        price = app.dashboard.query_one(PricePanel).region
        rsi = app.dashboard.query_one("#rsi").region
        assert price.width >= 140 and price.height >= 36
        assert rsi.x >= price.right


async def test_a_resize_while_on_a_detail_reflows_the_dashboard(app: RecordingApp) -> None:
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot)
        assert app.dashboard.has_class("-huge")
        await pilot.press("1")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert not app.dashboard.has_class("-huge")
        assert app.dashboard.has_class("-medium") and app.dashboard.has_class("-short")


class RefreshSpy:
    """Records every widget that asks to be repainted or laid out again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.widgets: list[Widget] = []
        original = Widget.refresh

        def refresh(widget: Widget, *args: Any, **kwargs: Any) -> Widget:
            self.widgets.append(widget)
            return original(widget, *args, **kwargs)

        monkeypatch.setattr(Widget, "refresh", refresh)

    def in_panels(self, app: RegimeApp) -> list[Widget]:
        """The recorded widgets inside the dashboard's panels or the verdict."""
        watched = [*app.dashboard.query(Panel), app.dashboard.query_one(Verdict)]
        return [
            widget
            for widget in self.widgets
            if any(widget is top or top in widget.ancestors for top in watched)
        ]


async def test_an_unchanged_snapshot_repaints_nothing(
    app: RecordingApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.pause(0.2)
        shown = app.snapshot
        spy = RefreshSpy(monkeypatch)

        # The engine republishes each cycle: an equal Snapshot, a new object.
        again = sample_snapshot()
        assert again == shown and again is not shown
        app.publish(again)
        app.publish(sample_snapshot())
        await pilot.pause(0.2)
        assert app.snapshot is shown
        assert spy.in_panels(app) == []

        # The spy does see a real change.
        app.publish(sample_snapshot(last=6990.0))
        await pilot.pause(0.2)
        changed = spy.in_panels(app)
        assert any(
            isinstance(node, PricePanel)
            for widget in changed
            for node in widget.ancestors_with_self
        )


async def test_a_new_snapshot_time_alone_repaints_no_panel(
    app: RecordingApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the status line's data age follows the Snapshot's time; a panel whose
    freshness text is unchanged stays as it is."""
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.pause(0.2)
        shown = app.snapshot
        assert shown is not None
        spy = RefreshSpy(monkeypatch)
        later = shown.model_copy(update={"as_of": shown.as_of + timedelta(minutes=1)})
        app.publish(later)
        await pilot.pause(0.2)
        assert app.snapshot is later
        assert spy.in_panels(app) == []


async def test_any_textual_theme_gets_thesis_accents(app: RecordingApp) -> None:
    """A theme picked from the palette does not name $thesis-bull / $thesis-bear:
    they fall back to its success and error colours instead of breaking the CSS."""
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        for theme in ("textual-dark", "textual-light", "nord", "regime-ansi"):
            app.theme = theme
            await pilot.pause()
            variables = app.theme_variables
            assert variables["thesis-bull"] and variables["thesis-bear"]
            rsi = app.dashboard.query_one("#rsi", Panel)
            breadth = app.dashboard.query_one("#breadth", Panel)
            assert rsi.styles.border_top[1] != breadth.styles.border_top[1]
        assert app.theme_variables["thesis-bull"] == "ansi_green"
