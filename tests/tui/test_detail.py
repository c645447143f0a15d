"""Pilot tests of the detail screens: Enter on a focused panel (Tab moves the focus)
and the keys 1–8 open a panel full screen, as a new `detailed=True` instance of the
same panel class fed the dashboard's Snapshot; Escape returns; the status line and
the verdict stay on top; new Snapshots, the thesis view and engine failures reach an
open detail; the palette opens details too."""

from __future__ import annotations

import asyncio

import pytest

from core.engine import Publish
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import sample_snapshot
from tui.commands import RegimeCommands
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.panels import PanelView, panels
from widgets.checklist_panel import ChecklistPanel
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.status_line import StatusLine
from widgets.verdict import Verdict

SIZE = (120, 40)


def detail(app: RecordingApp) -> DetailScreen:
    """The detail screen on top."""
    screen = app.screen
    assert isinstance(screen, DetailScreen), f"expected a detail screen, got {screen!r}"
    return screen


def section_of(panel: Panel) -> object:
    return getattr(panel, "section", None)


def assert_shows(app: RecordingApp, view: PanelView) -> None:
    """The detail on top hosts a new detailed instance of `view`'s panel, fed the
    same section as the dashboard's, under a status line and the verdict."""
    screen = detail(app)
    assert screen.view == view
    panel = screen.panel
    on_dashboard = app.dashboard.panel(view.id)
    assert type(panel) is view.widget and panel is not on_dashboard
    assert panel.detailed and panel.has_class("-detailed")
    assert not on_dashboard.detailed
    assert section_of(panel) is not None
    assert section_of(panel) == section_of(on_dashboard)
    assert screen.query_one(StatusLine).display
    assert str(screen.status_line.badge.render()) == "SIMULATED"
    assert screen.query_one(Verdict).section == app.snapshot.checklist  # type: ignore[union-attr]
    assert screen.panel.region.height > SIZE[1] // 2  # it takes the screen


@pytest.mark.parametrize("view", panels(), ids=[view.id for view in panels()])
async def test_number_keys_open_each_detail_and_escape_returns(
    app: RecordingApp, view: PanelView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press(view.key)
        await pilot.pause()
        assert_shows(app, view)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_enter_opens_the_focused_panel(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert isinstance(app.focused, PricePanel)  # the first panel has the focus
        for index, view in enumerate(panels()):
            if index:
                await pilot.press("tab")
            assert app.focused is app.dashboard.panel(view.id)
            await pilot.press("enter")
            await pilot.pause()
            assert_shows(app, view)
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is app.dashboard
            assert app.focused is app.dashboard.panel(view.id)  # focus comes back
        await pilot.press("shift+tab")
        assert app.focused is app.dashboard.panel(panels()[-2].id)


async def test_a_detail_has_no_detail_of_its_own(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("1")
        await pilot.pause()
        screen = detail(app)
        assert not screen.panel.check_action("open_detail", ())
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert len(app.screen_stack) == 2


async def test_a_number_key_on_a_detail_switches_to_that_panel(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        assert detail(app).view.id == "vix"
        assert len(app.screen_stack) == 2  # replaced, not stacked
        await pilot.press("4")
        await pilot.pause()
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_a_detail_opened_over_the_help_replaces_it(app: RecordingApp) -> None:
    """The help is modal (the number keys wait until it closes), but the palette's
    command can still arrive while it is open."""
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("3")
        assert isinstance(app.screen, HelpScreen)
        await app.run_action("open_detail('breadth')")
        await pilot.pause()
        assert detail(app).view.id == "breadth"
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_an_open_detail_follows_new_snapshots() -> None:
    class StepFeed:
        """Publishes the sample, then a moved market when asked to refresh."""

        def __init__(self) -> None:
            self.wake = asyncio.Event()

        async def run(self, publish: Publish) -> None:
            publish(sample_snapshot())
            await self.wake.wait()
            publish(sample_snapshot(last=6990.0))
            await asyncio.Event().wait()

        def refresh_now(self) -> None:
            self.wake.set()

    feed = StepFeed()
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("1")
        await pilot.pause()
        panel = detail(app).panel
        assert isinstance(panel, PricePanel)
        assert panel.section is not None and panel.section.last == 6978.03
        await pilot.press("r")
        await pilot.pause(0.1)
        assert panel.section.last == 6990.0
        assert app.dashboard.query_one(PricePanel).section == panel.section


async def test_the_thesis_key_works_on_a_detail(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("6")
        await pilot.pause()
        screen = detail(app)
        checklist = screen.panel
        assert isinstance(checklist, ChecklistPanel)
        assert screen.has_class("-bull") and checklist.thesis == "bull"
        assert checklist.has_class("-emphasised")
        await pilot.press("t")
        assert screen.has_class("-bear") and checklist.thesis == "bear"
        assert screen.verdict.thesis == "bear"
        await pilot.press("escape")
        assert app.dashboard.has_class("-bear")

        await pilot.press("1")  # price: emphasised in the bull view only
        await pilot.pause()
        assert not detail(app).panel.has_class("-emphasised")
        await pilot.press("t")
        assert detail(app).panel.has_class("-emphasised")


async def test_an_engine_failure_shows_on_an_open_detail(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("5")
        await pilot.pause()
        app.engine_error = "engine failed: RuntimeError: boom"
        await pilot.pause()
        assert detail(app).status_line.error == "engine failed: RuntimeError: boom"
        await pilot.press("escape")
        assert app.dashboard.status_line.error == "engine failed: RuntimeError: boom"
        await pilot.press("2")
        await pilot.pause()
        assert detail(app).status_line.error == "engine failed: RuntimeError: boom"


async def test_a_detail_opened_before_data_fills_in_when_it_comes() -> None:
    from tests.tui.test_tui_app import SilentFeed

    app = make_app(SilentFeed)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        screen = detail(app)
        assert section_of(screen.panel) is None
        app.publish(sample_snapshot())
        await pilot.pause(0.1)
        assert section_of(screen.panel) == sample_snapshot().breadth


async def test_palette_opens_a_detail(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        provider = RegimeCommands(app.screen)
        hit = next(iter([hit async for hit in provider.search("Open VIX detail")]))
        await hit.command()
        await pilot.pause()
        assert detail(app).view.id == "vix"


async def test_q_quits_from_a_detail(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_the_keys_scroll_a_detail_longer_than_the_screen(app: RecordingApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("1")
        await pilot.pause()
        panel = detail(app).panel
        if panel.max_scroll_y == 0:
            pytest.skip("the price detail fits an 80x24 screen")
        await pilot.press("end")
        await pilot.pause()
        assert panel.scroll_y == panel.max_scroll_y
        await pilot.press("up")
        await pilot.pause()
        assert panel.scroll_y == panel.max_scroll_y - 1
        await pilot.press("home")
        await pilot.pause()
        assert panel.scroll_y == 0
