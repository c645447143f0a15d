"""Tests of the gamma panel (key 7) and its widgets: the regime headline, the flip and
the walls with their signed distances (a put wall above spot reads +), the chain's
time, fetch time and source, the bars by strike with spot marked; "unknown" with the
why-line's reason when there is no chain, "none" when the profile has no flip; the
detail view's profile chart with spot and the flip, the by-expiry table, the contracts
used and left out by reason and the T convention; the bars' columns and the profile's
signed stretches; and every widget drawing any value (None, empty series, NaN, huge)
without raising. A snapshot of three panels side by side at 120x40 (the detail's is
test_tui_snapshots' `test_detail_120x40[gamma]`)."""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from core.clock import NEW_YORK
from core.sections.gamma import (
    T_CONVENTION,
    ExpiryExposure,
    GammaSection,
    ProfilePoint,
    StrikeExposure,
)
from core.snapshot import PanelStatus, Snapshot
from tests.tui.harness import RecordingApp, wait_for_data
from tests.tui.sample import CHAIN_AS_OF, sample_gamma, sample_snapshot
from tests.tui.test_panels_readings import PanelHost, row, settle, table, text
from themes import register_themes
from tui.screens.detail import DetailScreen
from tui.screens.panels import emphasised, panel_view
from widgets.fit_line import FitLine
from widgets.gamma_panel import GammaPanel, chain_line, headline, source_name
from widgets.gamma_profile_chart import GammaProfileChart, place_label, signed_runs
from widgets.strike_bars import EMPTY, bar_lines, buckets, nice_steps

SIZE = (120, 40)


def with_gamma(**update: Any) -> Snapshot:
    """The sample Snapshot with its gamma section changed."""
    snapshot = sample_snapshot()
    return snapshot.model_copy(update={"gamma": snapshot.gamma.model_copy(update=update)})


def line(panel: GammaPanel, selector: str) -> str:
    return text(panel.query_one(selector, FitLine))


def strike(level: float, calls: float, puts: float) -> StrikeExposure:
    return StrikeExposure(strike=level, call_gex_bn=calls, put_gex_bn=puts)


# On the dashboard ------------------------------------------------------------------


async def test_regime_flip_walls_bars_and_the_chains_time() -> None:
    panel = GammaPanel()
    async with PanelHost(panel).run_test(size=(60, 24)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        assert line(panel, ".gamma--headline") == "Positive gamma · +18.5 $bn per 1% move"
        assert row(panel, "Flip") == "6,886 · -1.31%"
        assert row(panel, "Call wall") == "7,000 · +0.31%"
        assert row(panel, "Put wall") == "6,900 · -1.12%"
        assert line(panel, ".gamma--chain") == "chain Jan 28 15:45 · simulated"
        bars = text(panel.bars).splitlines()
        assert len(bars) == 6  # two rows of calls, the axis, two of puts, the labels
        assert "┼" in bars[2] and "spot 6,978" in bars[-1]
        assert "█" in "".join(bars[:2]) and "█" in "".join(bars[3:5])
        assert panel.border_subtitle == "CLOSED · Jan 28 15:45"
        assert not panel.has_class("-has-detail")


async def test_the_headline_keeps_the_regime_word_as_it_narrows() -> None:
    panel = GammaPanel()
    async with PanelHost(panel).run_test(size=(31, 24)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        assert line(panel, ".gamma--headline") == "Positive gamma +18.5 $bn/1%"
        panel.styles.width = 28  # 24 cells inside the border and padding
        await settle(pilot)
        assert line(panel, ".gamma--headline") == "Positive gamma +18.5 $bn"


async def test_negative_gamma_and_a_put_wall_above_spot_read_their_sign() -> None:
    panel = GammaPanel()
    async with PanelHost(panel).run_test(size=(60, 24)) as pilot:
        panel.show(
            with_gamma(
                regime="negative",
                total_gex_bn=-4.25,
                zero_gamma=7105.5,
                zero_gamma_distance_pct=1.8272,
                put_wall=7050.0,
                put_wall_distance_pct=1.0314,
            )
        )
        await settle(pilot)
        headline_line = panel.query_one(".gamma--headline", FitLine)
        assert text(headline_line).startswith("Negative gamma · -4.2 $bn")
        assert "$text-error" in str(headline(panel.section)[0].spans)  # type: ignore[arg-type]
        assert row(panel, "Put wall") == "7,050 · +1.03%"  # above spot: +, not assumed below
        assert row(panel, "Flip") == "7,106 · +1.83%"


async def test_no_flip_reads_none_and_says_why() -> None:
    why = "zero gamma: no sign change of the profile within 0.8-1.2 x spot"
    panel = GammaPanel()
    async with PanelHost(panel).run_test(size=(60, 24)) as pilot:
        panel.show(
            with_gamma(
                zero_gamma=None,
                zero_gamma_distance_pct=None,
                status=PanelStatus(state="CLOSED", as_of=CHAIN_AS_OF, detail=why),
            )
        )
        await settle(pilot)
        assert row(panel, "Flip") == "none"
        assert line(panel, ".gamma--headline").startswith("Positive gamma")
        assert text(panel.detail_line) == why


async def test_no_chain_reads_unknown_with_the_reason_never_zero() -> None:
    why = "files:/data has no option chain on or before 2026-01-28"
    panel = GammaPanel()
    async with PanelHost(panel).run_test(size=(60, 24)) as pilot:
        panel.show(
            sample_snapshot().model_copy(
                update={"gamma": GammaSection(status=PanelStatus(state="REPLAY", detail=why))}
            )
        )
        await settle(pilot)
        assert line(panel, ".gamma--headline") == "gamma unknown"
        assert line(panel, ".gamma--chain") == "option chain unknown"
        assert table(panel) == "Flip unknown\nCall wall unknown\nPut wall unknown"
        assert text(panel.bars) == EMPTY
        assert text(panel.detail_line) == why
        shown = "\n".join(text(widget) for widget in panel.query("FitLine, ValueTable, StrikeBars"))
        assert "0.0" not in shown and " 0 " not in shown


def test_the_chain_line_says_fetch_time_and_source_longest_first() -> None:
    fetched = CHAIN_AS_OF + timedelta(minutes=5)
    live = sample_gamma().model_copy(update={"fetched_at": fetched, "chain_source": "yahoo"})
    assert [variant.plain for variant in chain_line(live)] == [
        "chain Jan 28 15:45 · fetched 15:50 · Yahoo",
        "chain Jan 28 15:45 · fetched 15:50",
        "chain Jan 28 15:45",
    ]
    next_day = live.model_copy(update={"fetched_at": CHAIN_AS_OF + timedelta(days=1)})
    assert chain_line(next_day)[0].plain == "chain Jan 28 15:45 · fetched Jan 29 15:45 · Yahoo"
    assert chain_line(live, detailed=True)[0].plain == (
        "option chain of 2026-01-28 15:45 ET · fetched 2026-01-28 15:50 ET · from yahoo"
    )
    assert source_name("/data/options/SPX/2026-08-14.csv") == "file 2026-08-14.csv"
    assert source_name("sim") == "simulated"
    assert source_name(None) is None


def test_the_panel_is_the_seventh_and_both_theses_lean_on_it() -> None:
    view = panel_view("gamma")
    assert view is not None and view.key == "7" and view.widget is GammaPanel
    assert "gamma" in emphasised("bull") and "gamma" in emphasised("bear")


# The detail view ---------------------------------------------------------------------


async def test_key_7_opens_the_detail_with_profile_expiries_and_exclusions(
    app: RecordingApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.view.id == "gamma"
        panel = screen.panel
        assert isinstance(panel, GammaPanel) and panel.detailed
        chart = panel.chart
        assert chart is not None and chart.plots >= 1
        plot = text(chart)
        assert "spot 6,978" in plot and "flip 6,886" in plot
        assert row(panel, "Zero-gamma flip") == "6,886.30 · -1.31%"
        assert row(panel, "Net exposure, per 1% move") == "+18.50 $bn"
        assert row(panel, "Next 1,000 milestone strike") == "7,000 · +0.75 $bn"
        assert row(panel, "Its rank among strikes (net)") == "1"
        assert row(panel, "Expiring within 5 sessions") == "40.2%"
        expiries = table(panel, ".gamma--expiries").splitlines()
        assert len(expiries) == 8
        assert expiries[0] == "2026-01-29 1 +4.10 -2.95 +1.15"
        assert expiries[-1].startswith("2026-03-20 36 ")
        assert row(panel, "Contracts used", ".gamma--used") == "3,912"
        assert row(panel, "Contracts left out", ".gamma--used") == "412"
        assert row(panel, "Fetched", ".gamma--used") == "not fetched (a file, or simulated)"
        assert row(panel, "Already expired at the chain's time", ".gamma--excluded") == "164"
        assert row(panel, "No implied vol (missing, <= 0, a placeholder)", ".gamma--excluded") == (
            "58"
        )
        assert row(panel, "No open interest", ".gamma--excluded") == "190"
        assert row(panel, "Not a contract (no expiry, kind or strike)", ".gamma--excluded") == "0"
        assert T_CONVENTION in text(panel.query_one(".gamma--convention"))
        assert len(text(panel.bars).splitlines()) == 8  # taller than the dashboard's
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_the_detail_stacks_its_parts_under_120_columns(app: RecordingApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("7")
        await settle(pilot)
        panel = app.screen.query_one(GammaPanel)
        profile = panel.query_one(".gamma--profile-box").region
        readings = panel.query_one(".panel--readings").region
        expiries = panel.query_one(".gamma--expiries").region
        assert readings.y >= profile.bottom and profile.width >= 70  # under it, not beside
        assert expiries.y > panel.bars.region.bottom


async def test_the_detail_follows_a_new_chain() -> None:
    panel = GammaPanel(detailed=True)
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        chart = panel.chart
        assert chart is not None
        panel.show(with_gamma(zero_gamma=6950.0, zero_gamma_distance_pct=-0.4017))
        await settle(pilot)
        assert chart.flip == 6950.0 and "flip 6,950" in text(chart)


# The widgets' parts --------------------------------------------------------------------


def test_a_column_spans_a_round_step_and_the_strikes_fill_the_width() -> None:
    assert list(itertools.islice(nice_steps(3.1), 5)) == [5.0, 10.0, 20.0, 25.0, 50.0]
    strikes = [strike(6600.0 + 5 * index, 1.0, -1.0) for index in range(141)]  # 6,600-7,300
    step, columns = buckets(strikes, 26, spot=6978.0)
    assert step == 25.0 and len(columns) == 26  # 700 points: 25 a column, cropped round spot
    assert columns[0].low <= 6978.0 - 12 * 25 and columns[-1].low >= 6978.0 + 12 * 25 - 25
    step, columns = buckets(strikes, 200, spot=6978.0)
    assert step == 5.0 and len(columns) == 141  # all of them, one strike a column
    assert sum(column.calls for column in columns) == pytest.approx(141.0)


def test_calls_go_up_puts_go_down_and_spot_is_marked() -> None:
    strikes = [strike(6950.0, 0.0, -4.0), strike(6975.0, 1.0, 0.0), strike(7000.0, 4.0, -1.0)]
    lines = [content.plain for content in bar_lines(strikes, 6978.0, 3, 6)]
    assert lines[0] == " ┊█"  # 7,000's calls, the tallest, fill both rows; spot's line
    assert lines[1] == " ▄█"  # 6,975's calls, a quarter of the top: one half cell
    assert lines[2] == "─┼─"  # spot falls in 6,975's column
    assert lines[3] == "█┊▀"  # 6,950's puts, as large as the top, fill both rows down
    assert lines[4] == "█┊ "
    assert lines[5] == ""  # no room for a strike: none rather than one cut
    ascii_lines = [content.plain for content in bar_lines(strikes, 6978.0, 3, 6, ascii_only=True)]
    assert ascii_lines[1:4] == [" .#", "-+-", "#:'"]


def test_a_curve_crossing_zero_splits_into_joined_signed_stretches() -> None:
    points = [(6800.0, -2.0), (6900.0, -1.0), (7000.0, 1.0), (7100.0, 3.0)]
    positive, negative = signed_runs(points)
    assert negative == [([6800.0, 6900.0, 6950.0], [-2.0, -1.0, 0.0])]
    assert positive == [([6950.0, 7000.0, 7100.0], [0.0, 1.0, 3.0])]


def test_a_line_label_goes_where_it_fits() -> None:
    # Spot right of the flip: its label to the right, the flip's to the left.
    assert place_label("spot", 7786.0, 7716.0, 6000.0, 9000.0, 20.0) == ("spot 7,786", True)
    assert place_label("flip", 7716.0, 7786.0, 6000.0, 9000.0, 20.0) == ("flip 7,716", False)
    # No room on its side: the other side; no room for the name: the level alone.
    assert place_label("spot", 8900.0, 7716.0, 6000.0, 9000.0, 20.0) == ("spot 8,900", False)
    assert place_label("spot", 7786.0, None, 7700.0, 7900.0, 20.0) is None
    assert place_label("spot", 7786.0, None, 7600.0, 7900.0, 20.0) == ("7,786", False)


# Any value, no exception -----------------------------------------------------------------

NAN = float("nan")
ODD_STRIKES = [
    (),
    (strike(7000.0, NAN, NAN),),
    (strike(NAN, 1.0, -1.0), strike(-5.0, 1.0, -1.0), strike(0.0, 1.0, -1.0)),
    (strike(7000.0, math.inf, -math.inf),),
    (strike(7000.0, 1e300, -1e300), strike(7005.0, 1e-300, 0.0)),
    (strike(1e14, 1.0, -1.0), strike(1.0, 1.0, -1.0)),
    (strike(7000.0, 0.0, 0.0),),
    (strike(7000.0, 2.0, 3.0),),  # a put exposure above zero is no put bar
]


@pytest.mark.parametrize("strikes", ODD_STRIKES)
@pytest.mark.parametrize("spot", [None, NAN, 0.0, 6978.0, 1e300])
def test_the_bars_draw_any_value(strikes: tuple[StrikeExposure, ...], spot: float | None) -> None:
    for width in (0, 1, 2, 5, 40):
        for height in (0, 1, 3, 6, 12):
            lines = bar_lines(strikes, spot, width, height)
            assert lines and all(line.cell_length <= max(width, len(EMPTY)) for line in lines)
            assert all("nan" not in line.plain and "inf" not in line.plain for line in lines)


def odd_sections() -> list[GammaSection]:
    """Gamma sections with nothing, not-a-number or huge readings."""
    status = PanelStatus(state="CLOSED")
    huge = 1e300
    return [
        GammaSection(status=status),
        GammaSection(status=status, regime="positive"),
        GammaSection(
            status=status,
            regime="negative",
            total_gex_bn=NAN,
            spot=NAN,
            zero_gamma=NAN,
            call_wall=math.inf,
            share_within_1_session=NAN,
            milestone_strike=NAN,
            profile=(ProfilePoint(spot=NAN, gex_bn=NAN), ProfilePoint(spot=1.0, gex_bn=math.inf)),
            by_strike=(strike(NAN, NAN, NAN),),
            by_expiry=(
                ExpiryExposure(
                    expiry=date(2026, 1, 29),
                    sessions=1,
                    call_gex_bn=NAN,
                    put_gex_bn=NAN,
                    net_gex_bn=NAN,
                ),
            ),
        ),
        GammaSection(
            status=status,
            as_of=datetime(2026, 1, 28, 15, 45, tzinfo=NEW_YORK),
            fetched_at=datetime(2026, 1, 28, 15, 50, tzinfo=NEW_YORK),
            chain_source="",
            regime="positive",
            spot=huge,
            total_gex_bn=huge,
            call_gex_bn=huge,
            put_gex_bn=-huge,
            zero_gamma=huge,
            zero_gamma_distance_pct=huge,
            call_wall=huge,
            call_wall_distance_pct=huge,
            put_wall=-huge,
            put_wall_distance_pct=-huge,
            milestone_strike=huge,
            milestone_gex_bn=huge,
            milestone_strike_rank=10**12,
            contracts_used=10**15,
            profile=tuple(ProfilePoint(spot=float(i), gex_bn=huge * (-1) ** i) for i in range(5)),
            by_strike=(strike(huge, huge, -huge), strike(1.0, 1.0, -1.0)),
        ),
    ]


@pytest.mark.parametrize("detailed", [False, True], ids=["dashboard", "detail"])
async def test_the_panel_draws_any_section(detailed: bool) -> None:
    panel = GammaPanel(detailed=detailed)
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        for section in odd_sections():
            panel.show(sample_snapshot().model_copy(update={"gamma": section}))
            await settle(pilot)
            shown = "\n".join(text(widget) for widget in panel.query("FitLine, ValueTable"))
            assert "nan" not in shown and "inf" not in shown
            if detailed:
                assert panel.chart is not None
                text(panel.chart)


async def test_the_profile_chart_draws_any_series() -> None:
    chart = GammaProfileChart()
    async with PanelHost(GammaPanel()).run_test(size=SIZE) as pilot:
        await pilot.app.mount(chart)
        cases: list[tuple[tuple[ProfilePoint, ...], float | None, float | None]] = [
            ((), None, None),
            ((ProfilePoint(spot=7000.0, gex_bn=1.0),), 7000.0, None),
            (tuple(ProfilePoint(spot=7000.0 + i, gex_bn=0.0) for i in range(3)), NAN, NAN),
            (tuple(ProfilePoint(spot=7000.0 + i, gex_bn=1e300) for i in range(3)), 1e300, -1.0),
            (sample_gamma().profile, 6978.03, 99999.0),  # a flip off the chart is left off
        ]
        for profile, spot, flip in cases:
            chart.profile, chart.spot, chart.flip = profile, spot, flip
            await settle(pilot)
            text(chart)
        assert "spot 6,978" in text(chart) and "flip" not in text(chart)


def test_the_headline_of_a_regime_without_a_total() -> None:
    section = GammaSection(status=PanelStatus(state="CLOSED"), regime="negative")
    assert [variant.plain for variant in headline(section)] == ["Negative gamma"]


# What people see ----------------------------------------------------------------------


class ThreePanels(App[None]):
    """Three gamma panels side by side, as the dashboard's bottom row has one."""

    CSS = "Horizontal > GammaPanel { width: 1fr; height: auto; }"

    def __init__(self, snapshots: list[Snapshot]) -> None:
        super().__init__()
        self.snapshots = snapshots

    def compose(self) -> ComposeResult:
        with Horizontal():
            for _ in self.snapshots:
                yield GammaPanel()

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = "regime-dark"
        for panel, snapshot in zip(self.query(GammaPanel), self.snapshots, strict=True):
            panel.show(snapshot)


def test_three_panels_120x40(snap_compare: Any) -> None:
    """The sample; negative gamma with the put wall above spot, a chain fetched from
    Yahoo and no flip; no chain at all."""
    negative = with_gamma(
        regime="negative",
        total_gex_bn=-4.25,
        zero_gamma=None,
        zero_gamma_distance_pct=None,
        put_wall=7050.0,
        put_wall_distance_pct=1.0314,
        fetched_at=CHAIN_AS_OF + timedelta(minutes=5),
        chain_source="yahoo",
        status=PanelStatus(
            state="CLOSED",
            as_of=CHAIN_AS_OF,
            detail="zero gamma: no sign change within 0.8-1.2 x spot",
        ),
    )
    missing = sample_snapshot().model_copy(
        update={
            "gamma": GammaSection(
                status=PanelStatus(state="SIMULATED", detail="no option chain from this source")
            )
        }
    )
    app = ThreePanels([sample_snapshot(), negative, missing])
    assert snap_compare(app, terminal_size=SIZE)
