"""The price panel's intraday chart (issue 13): during the session the panel shows the
session's 5-minute bars by default and the daily closes outside it; `i` switches and
the choice holds until the market's phase changes; the freshness line says how far the
bars lag and when the last bar is still in progress; the chart draws candles when it
has room for them and a line of the closes otherwise, pre-market bars dimmer than
regular ones, the bar in progress hollow, the time axis to the session's own close
(13:00 on a half day), and says why in one line when there is nothing to draw; any
value renders without raising. Snapshots of the dashboard mid-session at 120x40 and
200x60 and of the price detail at 200x60 pin what people see. Regenerate with
`uv run pytest tests/tui/test_intraday_chart.py --snapshot-update` and look at the
result before accepting."""

from __future__ import annotations

import itertools
import math
from datetime import datetime
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.sections.intraday import IntradaySection
from core.snapshot import PanelStatus, Phase, Snapshot
from tests.tui.harness import RecordingApp, wait_for_data
from tests.tui.sample import FakeFeed, sample_levels, sample_snapshot
from tests.tui.sample_intraday import (
    NOW,
    extended_intraday,
    intraday_snapshot,
    sample_intraday,
)
from themes import register_themes
from widgets.intraday_chart import (
    PARTIAL_BODY,
    IntradayChart,
    bars_of,
    time_span,
    time_ticks,
)
from widgets.price_panel import PricePanel

SIZE = (120, 40)


def intraday_app(*snapshots: Snapshot, theme: str = "regime-dark") -> RecordingApp:
    """The app mid-session (the clock at 14:46 New York) fed `snapshots`."""
    feed = FakeFeed(*(snapshots or (intraday_snapshot(),)))
    return RecordingApp(Settings(theme=theme), lambda: feed, clock=fixed_clock(NOW))


def price_panel(app: RecordingApp) -> PricePanel:
    return app.dashboard.query_one(PricePanel)


def shown(panel: PricePanel) -> str:
    """Which chart the panel displays: `intraday` or `daily` (exactly one)."""
    intraday, daily = panel.intraday_chart, panel.chart
    assert intraday is not None and daily is not None
    assert intraday.display != daily.display
    return "intraday" if intraday.display else "daily"


async def publish(pilot: Pilot[Any], feed: FakeFeed, snapshot: Snapshot) -> None:
    """Have the feed publish `snapshot` and let the screen take it."""
    feed.snapshots.append(snapshot)
    feed.refresh_now()
    for _ in range(5):
        await pilot.pause()


# -- the toggle -----------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["pre", "regular", "post"])
async def test_session_shows_the_bars_by_default(phase: Phase) -> None:
    app = intraday_app(intraday_snapshot(phase=phase))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert shown(price_panel(app)) == "intraday"


async def test_outside_the_session_the_daily_chart_is_the_default() -> None:
    app = intraday_app(intraday_snapshot(phase="closed"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        assert shown(panel) == "daily"
        # The day's bars are there: `i` shows them.
        panel.focus()
        await pilot.press("i")
        assert shown(panel) == "intraday"


async def test_i_switches_and_switches_back() -> None:
    app = intraday_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        panel.focus()
        await pilot.pause()
        assert "toggle_chart" in {b.binding.action for b in app.active_bindings.values()}
        snapshot = app.snapshot
        assert snapshot is not None
        await pilot.press("i")
        assert shown(panel) == "daily"
        assert panel.status == snapshot.price.status
        await pilot.press("i")
        assert shown(panel) == "intraday"
        assert panel.status == snapshot.intraday.status


async def test_the_choice_holds_until_the_phase_changes() -> None:
    feed = FakeFeed(intraday_snapshot())
    app = RecordingApp(Settings(), lambda: feed, clock=fixed_clock(NOW))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        panel.focus()
        await pilot.press("i")
        assert shown(panel) == "daily"
        await publish(pilot, feed, intraday_snapshot())  # a new refresh, same phase
        assert shown(panel) == "daily"
        await publish(pilot, feed, intraday_snapshot(phase="post"))  # the bell
        assert shown(panel) == "intraday"


async def test_the_detail_view_shows_the_same_chart() -> None:
    app = intraday_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        panel.focus()
        await pilot.press("i")
        await pilot.press("1")
        for _ in range(5):
            await pilot.pause()
        detail = app.screen.query_one(PricePanel)
        assert detail.detailed and shown(detail) == "daily"


async def test_no_key_without_bars_outside_the_session() -> None:
    """The sample of the close (no bars, market closed) offers no intraday chart: the
    footer and the dashboard look as before."""
    app = intraday_app(sample_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        panel.focus()
        await pilot.pause()
        assert not panel.intraday_offered
        assert "toggle_chart" not in {b.binding.action for b in app.active_bindings.values()}
        await pilot.press("i")
        assert shown(panel) == "daily"


async def test_the_freshness_line_says_how_delayed_the_bars_are() -> None:
    app = intraday_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        assert panel.border_subtitle == "5m bars · 16m delayed · DELAYED · Jan 28 14:30"
        assert panel.has_class("-delayed")
        panel.focus()
        await pilot.press("i")
        assert panel.border_subtitle == "DELAYED · Jan 28 14:30"


async def test_the_freshness_line_says_the_bar_is_in_progress() -> None:
    partial = sample_intraday().model_copy(update={"last_bar_partial": True})
    app = intraday_app(intraday_snapshot(partial))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        subtitle = price_panel(app).border_subtitle
        assert subtitle == "5m bars · 16m delayed · bar in progress · DELAYED · Jan 28 14:30"


async def test_no_bars_during_the_session_says_why() -> None:
    empty = IntradaySection(
        status=PanelStatus(state="ERROR", detail="Yahoo 5m bars: HTTP 429"), symbol="^GSPC"
    )
    app = intraday_app(intraday_snapshot(empty))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        panel = price_panel(app)
        assert shown(panel) == "intraday"
        chart = panel.intraday_chart
        assert chart is not None
        assert str(chart.render()) == "no intraday bars: Yahoo 5m bars: HTTP 429"
        assert panel.has_class("-error")


async def test_a_snapshot_without_the_section_shows_the_daily_chart() -> None:
    """A Snapshot saved before the intraday section existed has no `intraday`."""
    snapshot = intraday_snapshot()
    older = snapshot.model_copy()
    del older.__dict__["intraday"]
    app = intraday_app(older)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert shown(price_panel(app)) == "daily"


# -- the chart ------------------------------------------------------------------------


class ChartHost(App[None]):
    """One intraday chart filling the screen."""

    def __init__(self, section: IntradaySection | None, theme: str = "regime-dark") -> None:
        super().__init__()
        self.section = section
        self.theme_name = theme

    def compose(self) -> ComposeResult:
        chart = IntradayChart()
        chart.styles.height = "1fr"
        yield chart

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = self.theme_name
        chart = self.query_one(IntradayChart)
        chart.section = self.section
        chart.levels = sample_levels()


async def render_chart(
    section: IntradaySection | None, width: int, height: int = 20, theme: str = "regime-dark"
) -> tuple[IntradayChart, str]:
    """The chart at this size, and its text."""
    chart, drawn = await render_text(section, width, height, theme)
    return chart, str(drawn)


async def render_text(
    section: IntradaySection | None, width: int, height: int = 20, theme: str = "regime-dark"
) -> tuple[IntradayChart, Any]:
    """The chart at this size, and what it renders (Text, or Content for one line)."""
    app = ChartHost(section, theme)
    async with app.run_test(size=(width, height)) as pilot:
        await pilot.pause()
        chart = app.query_one(IntradayChart)
        return chart, chart.render()


@pytest.mark.parametrize(("width", "candles"), [(90, False), (140, False), (190, True)])
async def test_candles_when_wide_enough_else_a_line(width: int, candles: bool) -> None:
    """09:30-16:00 is 78 slots of 5 minutes: candles from two columns a slot."""
    chart, drawn = await render_chart(sample_intraday(), width)
    assert chart.candles is candles
    assert ("█" in drawn) is candles
    assert "09:30" in drawn and "16:00" in drawn
    assert "OR high" in drawn and "prev close" in drawn
    assert "6,992 pivot" in drawn


async def test_pre_market_bars_are_dimmer() -> None:
    chart, text = await render_text(extended_intraday(), 240, 30)
    assert isinstance(text, Text) and chart.candles
    assert text.plain.splitlines()[-1].lstrip().startswith("08:00")
    colours = {
        str(Style.parse(str(span.style)).color)
        for span in text.spans
        if set(text.plain[span.start : span.end]) == {"█"}
    }
    assert len(colours) == 4  # up and down, regular and faded


def half_day(bars: int = 36) -> IntradaySection:
    """The sample's bars moved to the day after Thanksgiving 2026 (closes at 13:00),
    09:30 to 12:25, with the calendar's close."""
    sample = sample_intraday()
    shift = datetime(2026, 11, 27, 9, 30, tzinfo=NEW_YORK) - sample.times[0]
    return sample.model_copy(
        update={
            "times": tuple(t + shift for t in sample.times[:bars]),
            **{
                key: getattr(sample, key)[:bars]
                for key in ("opens", "highs", "lows", "closes", "phases")
            },
            "close_at": datetime(2026, 11, 27, 13, 0, tzinfo=NEW_YORK),
        }
    )


async def test_a_half_day_axis_ends_at_13_00() -> None:
    chart, drawn = await render_chart(half_day(), 190)
    axis = drawn.splitlines()[-1]
    assert "13:00" in axis and "16:00" not in axis and "14:00" not in axis
    # 09:30 to 13:00 is 42 slots: candles where the 16:00 axis (78 slots) had a line.
    assert chart.candles


def test_time_span_ends_at_the_session_close() -> None:
    chart_bars = bars_of(half_day())
    assert time_span(chart_bars, 5.0, 13 * 60) == (570.0, 780.0)
    assert time_span(chart_bars, 5.0) == (570.0, 960.0)
    _, names = time_ticks(570.0, 780.0, 100, 13 * 60)
    assert names[0] == "09:30" and names[-1] == "13:00"


@pytest.mark.parametrize("width", [90, 190])
async def test_the_bar_in_progress_is_hollow(width: int) -> None:
    partial = sample_intraday().model_copy(update={"last_bar_partial": True})
    chart, drawn = await render_chart(partial, width)
    assert (PARTIAL_BODY in drawn) is chart.candles
    _, finished = await render_chart(sample_intraday(), width)
    assert PARTIAL_BODY not in finished
    if not chart.candles:
        assert drawn != finished  # the line's last stretch is dimmer


def test_time_ticks_keep_the_open_and_close() -> None:
    positions, names = time_ticks(570.0, 960.0, 100)
    assert names[0] == "09:30" and names[-1] == "16:00"
    assert positions == sorted(positions)
    assert all(b - a >= 8 * 390 / 99 for a, b in itertools.pairwise(positions))


BAD = [
    None,
    IntradaySection(status=PanelStatus(state="CLOSED"), symbol="^GSPC"),
    sample_intraday().model_copy(update={"closes": sample_intraday().closes[:10]}),
    sample_intraday().model_copy(
        update={
            "opens": (math.nan,) * 60,
            "prev_close": math.inf,
            "opening_range_high": -1.0,
            "interval_minutes": 0,
        }
    ),
    sample_intraday().model_copy(
        update={
            key: getattr(sample_intraday(), key)[:1]
            for key in ("times", "opens", "highs", "lows", "closes", "phases")
        }
    ),
    sample_intraday().model_copy(update={"highs": (1e300,) * 60, "lows": (-5.0,) * 60}),
]


@pytest.mark.parametrize("section", BAD)
@pytest.mark.parametrize("width", [12, 60, 200])
async def test_any_value_renders(section: IntradaySection | None, width: int) -> None:
    _, drawn = await render_chart(section, width, 8)
    assert drawn


async def test_no_bars_line() -> None:
    _, drawn = await render_chart(BAD[1], 80)
    assert drawn == "no intraday bars: not computed yet"
    _, drawn = await render_chart(BAD[3], 80)
    assert drawn == "no intraday bars: no bar in it has valid prices"


# -- what people see ------------------------------------------------------------------

SNAPSHOT_SIZES = [(120, 40), (200, 60)]


@pytest.mark.parametrize("size", SNAPSHOT_SIZES, ids=[f"{w}x{h}" for w, h in SNAPSHOT_SIZES])
def test_dashboard_mid_session(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(intraday_app(), terminal_size=size, run_before=wait_for_data)


def test_price_detail_mid_session_200x60(snap_compare: Any) -> None:
    app = intraday_app(intraday_snapshot(extended_intraday(6)))
    assert snap_compare(app, terminal_size=(200, 60), run_before=wait_for_data, press=["1"])


@pytest.mark.parametrize("theme", ["regime-light", "regime-ansi"])
async def test_other_themes(theme: str) -> None:
    chart, drawn = await render_chart(extended_intraday(6), 190, 20, theme)
    assert chart.candles and "█" in drawn and "prev close" in drawn
