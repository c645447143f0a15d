"""Exit clean (issue 8, item 4): quitting during the first paint. The panels fill their
chart slots once the shell is painted; a quit that lands first (q, a signal) must end
the app quietly, not with a `MountError` from `ChartSlot.fill`. The race is forced by
an app that exits as soon as it is ready (before the slots are filled), and tried by a
pilot that exits at once, again and again; a slot already removed is filled by no one."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from core.clock import fixed_clock
from core.config import Settings
from tests.tui.harness import RecordingApp, make_app
from tests.tui.sample import EVENING, FakeFeed
from widgets.chart_slot import ChartSlot

RUNS = 5


class ExitWhenReady(RecordingApp):
    """Quits on its first paint, before any panel has filled its chart slot."""

    def on_ready(self) -> None:
        self.exit()
        super().on_ready()


@pytest.fixture
def detached_fills(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, for each `ChartSlot.fill`, whether the slot was detached at the call."""
    calls: list[bool] = []
    fill = ChartSlot.fill

    async def recording(slot: ChartSlot, chart: Static) -> None:
        calls.append(not slot.is_attached)
        await fill(slot, chart)

    monkeypatch.setattr(ChartSlot, "fill", recording)
    return calls


async def test_quit_before_the_charts_mount_ends_quietly(detached_fills: list[bool]) -> None:
    for _ in range(RUNS):
        app = ExitWhenReady(Settings(), FakeFeed, clock=fixed_clock(EVENING))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
        assert app.return_code == 0
    # The race really ran: slots were filled after the exit had begun.
    assert any(detached_fills)


@pytest.mark.parametrize("pauses", [0, 1, 2])
async def test_exit_at_once_repeatedly(pauses: int) -> None:
    for _ in range(RUNS):
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(pauses):
                await pilot.pause()
            app.exit()
        assert app.return_code == 0


class SlotApp(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield ChartSlot(classes="chart")


async def test_a_removed_slot_mounts_nothing() -> None:
    app = SlotApp()
    async with app.run_test() as pilot:
        slot = app.query_one(ChartSlot)
        await slot.remove()
        chart = Static("chart")
        await slot.fill(chart)
        await pilot.pause()
        assert not chart.is_mounted
        assert not app.query(Static).filter(".chart")


async def test_an_attached_slot_is_replaced_by_its_chart() -> None:
    app = SlotApp()
    async with app.run_test() as pilot:
        chart = Static("chart")
        await app.query_one(ChartSlot).fill(chart)
        await pilot.pause()
        assert chart.is_mounted and chart.has_class("chart")
        assert not app.query(ChartSlot)
