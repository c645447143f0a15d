"""Pilot tests of the Regime app: the shell before data, every panel after the first
publish, the keys (thesis, theme, refresh, help), the theme fallback, engine failures
reported without a crash, freshness and "unknown" rendering, and the palette."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from textual.message import Message

from core.engine import Publish
from core.snapshot import PanelStatus
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import EVENING, SESSION_CLOSE, FakeFeed, sample_snapshot
from tui.commands import RegimeCommands
from tui.messages import SnapshotReady
from tui.screens.help import HelpScreen
from widgets.breadth_panel import BreadthPanel
from widgets.checklist_panel import ChecklistPanel
from widgets.panel import Panel
from widgets.price_panel import PricePanel
from widgets.rsi_panel import RsiPanel
from widgets.status_line import StatusLine
from widgets.table import ValueTable
from widgets.trend_panel import TrendPanel
from widgets.vix_panel import VixPanel

SIZE = (120, 40)


def plain(widget: ValueTable) -> str:
    """A table's text, as it renders now."""
    return widget.render().plain


def cells(widget: ValueTable) -> str:
    """A table's cells, untruncated, one row a line."""
    return "\n".join(" ".join(str(cell) for cell in row) for row in widget.rows)


def static_text(panel: Panel, selector: str) -> str:
    """The text of a Static inside a panel."""
    return str(panel.query_one(selector).render())


class SilentFeed:
    """A feed that starts and never publishes."""

    async def run(self, publish: Publish) -> None:
        await asyncio.Event().wait()

    def refresh_now(self) -> None:
        """Nothing to refresh."""


async def test_shell_paints_before_any_data() -> None:
    app = make_app(SilentFeed)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.snapshot is None
        for panel in app.dashboard.query(Panel):
            assert static_text(panel, ".panel--waiting") == "waiting for first data…"
            assert panel.border_subtitle == "waiting"
        assert str(app.dashboard.status_line.badge.render()) == "STARTING"


async def test_panels_show_the_first_snapshot(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        screen = app.dashboard

        price = screen.query_one(PricePanel)
        headline = static_text(price, ".price--headline")
        assert "6,978.03" in headline
        assert "+12.40 (+0.18%)" in headline
        assert "prev 6,965.63" in headline
        assert price.border_subtitle == "CLOSED · Jan 28 16:00"
        levels = plain(price.levels).splitlines()
        assert [line.split()[0] for line in levels[1:]] == [
            "7,000",
            "6,700–7,000",
            "6,992",
            "▶",
            "EMA",
            "6,824",
            "SMA",
        ]
        assert "-0.31%" in levels[1]
        assert "6,978.03" in levels[4]
        assert price.chart is not None and price.chart.section == app.snapshot.price  # type: ignore[union-attr]

        rsi = plain(screen.query_one(RsiPanel).readings)
        assert "61.84" in rsi
        assert "bearish · Jan 22" in rsi

        breadth_panel = screen.query_one(BreadthPanel)
        breadth = plain(breadth_panel.readings)
        assert "58.4%" in breadth
        assert "% above 50-day" in breadth and "unknown" in breadth
        assert static_text(breadth_panel, ".panel--detail") == "50-day breadth is not computed yet"

        vix_panel = screen.query_one(VixPanel)
        assert "16.42" in plain(vix_panel.readings)
        assert vix_panel.border_subtitle == "DELAYED · Jan 28 15:45"
        assert vix_panel.has_class("-delayed")

        trend_panel = screen.query_one(TrendPanel)
        assert "unknown" in plain(trend_panel.readings)
        assert "0%" not in plain(trend_panel.readings)
        assert trend_panel.border_subtitle == "SIMULATED"

        checklist = screen.query_one(ChecklistPanel)
        assert static_text(checklist, ".checklist--score") == "BULL 3/6  ·  bear 2/5"

        status = screen.query_one(StatusLine)
        assert str(status.badge.render()) == "SIMULATED"
        assert str(status.clock_part.render()) == "opens in 13h 15m · data 4h 14m old"


async def test_t_switches_the_thesis_view(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        checklist = app.dashboard.query_one(ChecklistPanel)
        assert app.dashboard.has_class("-bull")
        assert "S&P 500 above" in cells(checklist.items)

        await pilot.press("t")
        assert app.thesis == "bear"
        assert app.dashboard.has_class("-bear") and not app.dashboard.has_class("-bull")
        assert static_text(checklist, ".checklist--score") == "BEAR 2/5  ·  bull 3/6"
        assert "Bearish RSI divergence" in cells(checklist.items)
        assert "S&P 500 above" not in cells(checklist.items)

        await pilot.press("t")
        assert app.thesis == "bull"
        assert app.dashboard.has_class("-bull")


async def test_the_settings_thesis_is_the_first_view() -> None:
    app = make_app(thesis="bear")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert app.dashboard.has_class("-bear")
        checklist = app.dashboard.query_one(ChecklistPanel)
        assert static_text(checklist, ".checklist--score").startswith("BEAR")


async def test_theme_key_cycles_the_three_themes(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        seen = [app.theme]
        for key in ("c", "c", "ctrl+t"):
            await pilot.press(key)
            seen.append(app.theme)
        assert seen == ["regime-dark", "regime-light", "regime-ansi", "regime-dark"]


async def test_unknown_theme_falls_back_with_a_notification() -> None:
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert app.theme == "regime-dark"
        assert any("no-such-theme" in note for note in app.notes)


async def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert app.no_color


async def test_r_asks_the_engine_to_refresh(app: RecordingApp, feed: FakeFeed) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert feed.refresh_calls == 1


async def test_help_opens_and_escape_closes(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [str(key.render()) for key in app.screen.query(".help--key")]
        for key in ("q", "r", "t", "c / ^t", "? / h", "1–8", "tab / shift+tab", "⏎", "esc", "^p"):
            assert key in keys
        what = [str(line.render()) for line in app.screen.query(".help--what")]
        assert "1 Price vs key levels" in what[keys.index("1–8")]
        panels = "\n".join(str(line.render()) for line in app.screen.query(".help--panel"))
        for words in (
            "bearish divergence",
            "200-day average",
            "IV rank",
            "flip level",
            "? unknown",
            "$bn per 1% move",
            "Bull  emphasises price, breadth, CTA trend",
            "Bear  emphasises RSI, breadth, VIX",
        ):
            assert words in panels
        await pilot.press("escape")
        assert app.screen is app.dashboard
        await pilot.press("h")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_a_failing_engine_is_reported_and_the_app_keeps_running() -> None:
    def broken_factory() -> FakeFeed:
        raise RuntimeError("no data source could be opened")

    app = make_app(broken_factory)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if app.dashboard.status_line.error:
                break
        error = app.dashboard.status_line.error
        assert error == "engine failed: RuntimeError: no data source could be opened"
        assert app.dashboard.status_line.has_class("-has-error")
        assert any("no data source" in note for note in app.notes)
        assert app.is_running
        await pilot.press("t")
        assert app.thesis == "bear"


async def test_an_exiting_factory_is_reported_not_fatal() -> None:
    def exiting_factory() -> FakeFeed:
        raise SystemExit(2)

    app = make_app(exiting_factory)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if app.dashboard.status_line.error:
                break
        assert "could not start" in (app.dashboard.status_line.error or "")
        assert app.is_running


async def test_a_failed_refresh_keeps_the_reading_and_says_why() -> None:
    first = sample_snapshot()
    failed = first.model_copy(
        update={
            "as_of": first.as_of + timedelta(minutes=30),
            "price": first.price.model_copy(
                update={
                    "status": PanelStatus(
                        state="ERROR", as_of=SESSION_CLOSE, detail="yahoo: HTTP 503"
                    )
                }
            ),
        }
    )
    app = make_app(lambda: FakeFeed(first, failed))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        price = app.dashboard.query_one(PricePanel)
        assert "6,978.03" in static_text(price, ".price--headline")
        assert static_text(price, ".panel--detail") == "error: yahoo: HTTP 503"
        assert price.has_class("-error") and not price.has_class("-closed")


async def test_missing_values_read_unknown_never_zero() -> None:
    snapshot = sample_snapshot()
    empty = snapshot.model_copy(
        update={
            "price": snapshot.price.model_copy(
                update={"last": None, "prev_close": None, "change_pct": None}
            ),
            "rsi": snapshot.rsi.model_copy(update={"value": None}),
        }
    )
    app = make_app(lambda: FakeFeed(empty))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        headline = static_text(app.dashboard.query_one(PricePanel), ".price--headline")
        assert headline.startswith("unknown")
        assert "0.00" not in headline
        rsi = plain(app.dashboard.query_one(RsiPanel).readings)
        assert "unknown" in rsi and "0.00" not in rsi


async def test_stale_panels_show_their_age() -> None:
    snapshot = sample_snapshot()
    stale = snapshot.model_copy(
        update={
            "vix": snapshot.vix.model_copy(
                update={
                    "status": PanelStatus(
                        state="STALE",
                        as_of=SESSION_CLOSE - timedelta(hours=2, minutes=5),
                        detail="VIX quote not updated",
                    )
                }
            )
        }
    )
    app = make_app(lambda: FakeFeed(stale))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        vix = app.dashboard.query_one(VixPanel)
        assert vix.border_subtitle == "STALE 2h 05m · Jan 28 13:55"
        assert vix.has_class("-stale")


async def test_the_countdown_ticks_from_the_clock() -> None:
    # In the last hour before the open the countdown shows, and ticks, the seconds.
    now = [EVENING + timedelta(hours=12, minutes=45)]

    def clock() -> datetime:
        return now[0]

    app = RecordingApp(make_app().settings, FakeFeed, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        status = app.dashboard.status_line
        assert str(status.clock_part.render()).startswith("opens in 30:30")
        now[0] += timedelta(seconds=5)
        await pilot.pause(1.2)
        assert str(status.clock_part.render()).startswith("opens in 30:25")


async def test_palette_commands_run_the_app_actions(app: RecordingApp, feed: FakeFeed) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        provider = RegimeCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert names == [
            "Switch to bull view",
            "Switch to bear view",
            "Open price detail",
            "Open RSI detail",
            "Open breadth detail",
            "Open VIX detail",
            "Open CTA trend detail",
            "Open checklist detail",
            "Open gamma detail",
            "Open edge detail",
            "Cycle theme",
            "Refresh now",
            "Help",
        ]
        bear = next(iter([hit async for hit in provider.search("bear view")]))
        await bear.command()
        assert app.thesis == "bear"
        bull = next(iter([hit async for hit in provider.search("bull view")]))
        await bull.command()
        assert app.thesis == "bull"
        refresh = next(iter([hit async for hit in provider.search("refresh now")]))
        await refresh.command()
        assert feed.refresh_calls == 1


def test_a_newer_snapshot_replaces_a_queued_one() -> None:
    older, newer = SnapshotReady(sample_snapshot()), SnapshotReady(sample_snapshot(last=6990.0))
    assert newer.can_replace(older)
    assert not newer.can_replace(Message())


def test_importing_the_app_loads_nothing_heavy() -> None:
    heavy = ("pandas", "numpy", "plotext", "exchange_calendars", "yfinance")
    code = (
        f"import sys, tui.app; print(','.join(name for name in {heavy!r} if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
