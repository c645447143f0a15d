"""Tests of the Edge panel (key 8) and its widgets: one line per active study (the
setup, `today` or its last event's date within the cool-down, the headline mean
against the baseline, the hit rate, n), columns left off whole on a narrow panel; "no
setup active" with the nearest setups and how far each is; "unknown" with the
why-line's reason when no study was run, never 0; the session and the history's start
in the top border, a note (survivorship) under the lines; the detail view (the
chooser, active studies first, moved by Tab, Shift+Tab, the arrows and a click; the
definition, the horizons table keeping a decline study's deep falls over the median,
the histogram, the events with "pending", the average path); the histogram's bins and
the path's stretches; and every widget drawing any value (None everywhere, no event,
one event, huge numbers) without raising. Snapshots of three panels (active, none
active, unknown) and of a study's pending events in the detail, at 120x40 (the
sample's detail is test_tui_snapshots' `test_detail_120x40[edge]`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.content import Content

from core.sections.edge import EdgeSection
from core.snapshot import PanelStatus, Snapshot
from core.studies.result import HorizonStats, PathPoint, StudyEvent, StudyResult
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import sample_snapshot
from tests.tui.sample_edge import SURVIVORSHIP, quiet_edge, sample_edge
from tests.tui.test_panels_readings import PanelHost, settle, text
from themes import register_themes
from tui.screens.detail import DetailScreen
from tui.screens.panels import emphasised, panel_view
from widgets.edge_panel import EdgePanel, is_pending, options, state_line
from widgets.edge_path_chart import EdgePathChart, stretches
from widgets.fit_line import FitLine
from widgets.return_histogram import ReturnHistogram, bin_width, bins, drawable
from widgets.study_chooser import StudyChooser
from widgets.table import ValueTable

SIZE = (120, 40)
NAN = float("nan")


def with_edge(edge: EdgeSection) -> Snapshot:
    """The sample Snapshot with another edge section."""
    return sample_snapshot().model_copy(update={"edge": edge})


def cells(row: tuple[Any, ...]) -> list[str]:
    return [str(cell) for cell in row]


def line(panel: EdgePanel, selector: str) -> str:
    return text(panel.query_one(selector, FitLine))


def screen_lines(panel: EdgePanel) -> list[str]:
    """What the panel's study table shows on screen, one line per row."""
    return text(panel.studies).splitlines()


def styles_of(cell: Any) -> str:
    assert isinstance(cell, Content)
    return " ".join(str(span.style) for span in cell.spans)


# On the dashboard -------------------------------------------------------------------


async def test_each_active_study_on_one_line_with_n_mean_baseline_and_hit_rate() -> None:
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(120, 24)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        rows = [cells(row) for row in panel.studies.rows]
        assert rows[0] == [
            "VIX up with the index",
            "today",
            "+0.41%",
            "vs +0.83%",
            "(21d)",
            "51% up",
            "n 211",
        ]
        assert [row[0] for row in rows] == [
            "VIX up with the index",
            "Bearish RSI divergence confirmed",
            "First close above a new 1,000 milestone",
            "Within 1 % below a 1,000 milestone",
        ]
        assert rows[3][2:5] == ["+1.33%", "vs +0.34%", "(10d)"]  # the thesis' +1.33% vs +0.34%
        assert rows[2][2:] == ["+16.29%", "vs +8.91%", "(252d)", "100% up", "n 6"]
        shown = screen_lines(panel)
        assert len(shown) == 4
        assert "+0.41% vs +0.83% (21d) 51% up n 211" in " ".join(shown[0].split())
        assert panel.border_title == "Historical edge · as of Jan 28 · since 1928"
        assert not panel.query_one(".edge--headline").display  # the lines say it all
        assert not panel.query_one(".edge--note").display  # no study listed has a note
        assert panel.border_subtitle == "CLOSED · Jan 28 16:00"


async def test_a_study_within_its_cool_down_shows_its_last_event_muted() -> None:
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(120, 24)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        holding, cooling = panel.studies.rows[0], panel.studies.rows[1]
        assert str(cooling[1]) == "Jan 22"  # the divergence confirmed 4 sessions ago
        assert "italic" in styles_of(cooling[0]) and "text-muted" in styles_of(cooling[0])
        assert "italic" not in styles_of(holding[0])
        assert "accent" in styles_of(holding[1])


async def test_a_narrow_panel_leaves_off_n_then_the_hit_rate_then_the_horizon() -> None:
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(60, 24)) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        first = screen_lines(panel)[0]
        assert "n 211" not in first and "+0.41% vs +0.83%" in " ".join(first.split())
        panel.styles.width = 39  # 35 cells inside: a half of an 80-column dashboard
        await settle(pilot)
        shown = screen_lines(panel)
        assert all(len(row) <= 35 for row in shown)
        assert not any(part in "".join(shown) for part in ("% up", "(21d)", "today", "n 6"))
        assert "+16.29% vs +8.91%" in " ".join(shown[2].split())  # numbers whole
        assert shown[1].startswith("Bearish RSI")  # the title cut, never a number


async def test_none_active_names_the_nearest_and_how_far_each_is() -> None:
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(80, 24)) as pilot:
        panel.show(with_edge(quiet_edge()))
        await settle(pilot)
        assert panel.query_one(".edge--headline").display
        assert line(panel, ".edge--headline") == "No setup active · nearest to triggering:"
        rows = [[cell for cell in cells(row) if cell] for row in panel.studies.rows]
        assert rows == [
            ["First close above a new 1,000 milestone", "0.31% away"],
            ["Breadth above 70 %", "11.60% away"],
            ["Russell 2000 win streak ≥ 8", "62.50% away"],
        ]
        assert panel.query_one(".edge--note").display
        assert line(panel, ".edge--note") == f"Note: {SURVIVORSHIP}"  # breadth is listed
        panel.styles.width = 40
        await settle(pilot)
        assert line(panel, ".edge--note") == "1 note: see the detail (8)"


async def test_no_study_run_reads_unknown_with_the_reason_never_zero() -> None:
    why = "loading the history the studies read"
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(80, 24)) as pilot:
        panel.show(with_edge(EdgeSection(status=PanelStatus(state="CLOSED", detail=why))))
        await settle(pilot)
        assert line(panel, ".edge--headline") == "edge unknown"
        assert panel.border_title == "Historical edge"
        assert panel.studies.rows == ()
        assert text(panel.detail_line) == why
        shown = "\n".join(text(widget) for widget in panel.query("FitLine, ValueTable"))
        assert "0.0" not in shown and " 0 " not in shown and "0%" not in shown


async def test_a_study_without_statistics_reads_unknown() -> None:
    bare = StudyResult(
        id="bare", title="A setup", definition="d", series="S&P 500", headline=21, cooldown=21
    )
    edge = EdgeSection(
        status=PanelStatus(state="CLOSED"),
        session=date(2026, 1, 28),
        studies=(bare,),
        active=("bare",),
    )
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(120, 24)) as pilot:
        panel.show(with_edge(edge))
        await settle(pilot)
        assert cells(panel.studies.rows[0])[2:] == [
            "unknown",
            "vs unknown",
            "(21d)",
            "unknown",
            "n unknown",
        ]


async def test_the_note_of_an_active_breadth_study_is_under_the_lines() -> None:
    edge = sample_edge()
    edge = edge.model_copy(update={"active": (*edge.active, "breadth_above_70")})
    panel = EdgePanel()
    async with PanelHost(panel).run_test(size=(200, 24)) as pilot:
        panel.show(with_edge(edge))
        await settle(pilot)
        assert len(panel.studies.rows) == 5
        assert line(panel, ".edge--note") == f"Note: {SURVIVORSHIP}"
        assert "text-warning" in str(panel.query_one(".edge--note", FitLine).variants[0].spans)


def test_the_panel_is_the_eighth_and_both_theses_cite_it() -> None:
    view = panel_view("edge")
    assert view is not None and view.key == "8" and view.widget is EdgePanel
    assert "edge" in emphasised("bull") and "edge" in emphasised("bear")


# The detail view ---------------------------------------------------------------------


def chooser_ids(panel: EdgePanel) -> list[str]:
    return [option.id for option in panel.chooser.options]


async def test_key_8_opens_the_detail_with_tables_and_charts(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.view.id == "edge"
        panel = screen.panel
        assert isinstance(panel, EdgePanel) and panel.detailed
        assert chooser_ids(panel) == [
            "vix_up_with_index",
            "rsi_bearish_divergence",
            "new_milestone",
            "milestone_proximity",
            "rut_streak",
            "rut_streak_small_caps",
            "td_sell_9",
            "breadth_above_70",
        ]
        assert app.focused is panel.chooser
        assert panel.chooser.chosen == "vix_up_with_index"
        assert line(panel, ".edge--asof").startswith("4 of 8 studies active · as of 2026-01-28")
        assert line(panel, ".edge--title").startswith("VIX up with the index")
        assert line(panel, ".edge--state").startswith("Holds on 2026-01-28")
        assert "bullish price, bearish volatility" in text(panel.query_one(".edge--definition"))
        horizons = panel.query_one(".edge--horizons", ValueTable)
        assert [str(row[0]) for row in horizons.rows] == [
            "5d",
            "10d",
            "21d ▶",
            "63d",
            "126d",
            "252d",
        ]
        assert cells(horizons.rows[2])[:3] == ["21d ▶", "211", "+0.41"]
        assert cells(horizons.rows[2])[5] == "+0.83" and cells(horizons.rows[2])[7] == "-0.42"
        events = panel.query_one(".edge--events", ValueTable)
        assert len(events.rows) == 212
        assert cells(events.rows[0])[:2] == ["2026-01-28", "1.37"]  # the latest first
        assert set(cells(events.rows[0])[2:]) == {"pending"}  # triggered on the session
        histogram, path = panel.histogram, panel.path_chart
        assert histogram is not None and path is not None
        assert histogram.plots >= 1 and "mean +0.41%" in text(histogram)
        assert "█" in text(histogram)
        assert "+0.83%" in text(path)  # the baseline's path ends where its mean is
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_tab_and_the_arrows_switch_the_study(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("8")
        await settle(pilot)
        panel = app.screen.query_one(EdgePanel)
        await pilot.press("tab")
        await settle(pilot)
        assert panel.chooser.chosen == "rsi_bearish_divergence"
        assert "in cool-down (21 sessions)" in line(panel, ".edge--state")
        await pilot.press("down")
        await settle(pilot)
        assert panel.chooser.chosen == "new_milestone"
        assert line(panel, ".edge--title").startswith("First close above a new 1,000 milestone")
        events = panel.query_one(".edge--events", ValueTable)
        assert cells(events.rows[0])[0] == "2026-01-14"
        assert cells(events.rows[0])[4:] == ["pending"] * 4  # 21 to 252 sessions not reached
        assert cells(events.rows[0])[2] != "pending" and cells(events.rows[0])[3] != "pending"
        assert "pending" not in " ".join(cells(events.rows[1]))
        horizons = panel.query_one(".edge--horizons", ValueTable)
        assert cells(horizons.rows[-1])[:3] == ["252d ▶", "6", "+16.29"]
        assert cells(horizons.rows[-1])[4] == "100%"
        assert cells(horizons.rows[-1])[10] == "1"  # pending, left out of every figure
        histogram = panel.histogram
        assert histogram is not None and "mean +16.29%" in text(histogram)
        await pilot.press("up")
        await pilot.press("shift+tab")
        await settle(pilot)
        assert panel.chooser.chosen == "vix_up_with_index"
        await pilot.press("shift+tab")  # wraps to the last
        assert panel.chooser.chosen == "breadth_above_70"
        await settle(pilot)
        assert "survivorship" in text(panel.query_one(".edge--notes"))
        assert app.screen is not app.dashboard  # the keys moved the choice, not the screen


async def test_a_click_chooses_a_study_and_a_decline_study_counts_deep_falls(
    app: RecordingApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("8")
        await settle(pilot)
        panel = app.screen.query_one(EdgePanel)
        headers = [
            column.header for column in panel.query_one(".edge--horizons", ValueTable).columns
        ]
        assert "Deep falls" not in headers
        place = chooser_ids(panel).index("td_sell_9")
        await pilot.click(StudyChooser, offset=(4, place))
        await settle(pilot)
        assert panel.chooser.chosen == "td_sell_9"
        table = panel.query_one(".edge--horizons", ValueTable)
        assert table.columns[-1].header == "Deep falls"
        assert cells(table.rows[3])[-1] == "6%"  # 63 sessions: 10 of 164 fell past 10%
        header = text(table).splitlines()[0].split()
        # Too narrow for all: the baseline's hit rate and the median give way first.
        assert "Worst" in header and "Deep" in header
        assert "Median" not in header and "up" not in header  # "All up" gone, "Up" kept
        assert "deep falls" in text(panel.query_one(".edge--legend"))


async def test_the_detail_stacks_the_chooser_over_the_study_under_120_columns(
    app: RecordingApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("8")
        await settle(pilot)
        panel = app.screen.query_one(EdgePanel)
        chooser = panel.query_one(".edge--chooser-box").region
        study = panel.query_one(".edge--study").region
        assert study.y >= chooser.bottom and chooser.width >= 70
        assert panel.scroll_y == 0  # the top line in view, not scrolled to the chooser
        await pilot.press("end")
        await settle(pilot)
        assert panel.scroll_y > 0  # the keys the chooser leaves still scroll the panel


async def test_the_detail_keeps_the_chosen_study_across_snapshots() -> None:
    panel = EdgePanel(detailed=True)
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        panel.show(sample_snapshot())
        await settle(pilot)
        panel.chooser.chosen = "td_sell_9"
        await settle(pilot)
        panel.show(with_edge(quiet_edge()))  # a new session: none active any more
        await settle(pilot)
        assert panel.chooser.chosen == "td_sell_9"
        assert chooser_ids(panel)[0] == "milestone_proximity"  # the studies' own order
        gone = quiet_edge().model_copy(update={"studies": quiet_edge().studies[:2], "nearest": ()})
        panel.show(with_edge(gone))
        await settle(pilot)
        assert panel.chooser.chosen == "milestone_proximity"  # td_sell_9 is gone


def test_the_chooser_marks_today_and_the_cool_down() -> None:
    tags = {option.id: option.tag for option in options(sample_edge())}
    assert tags["vix_up_with_index"] == "today"
    assert tags["rsi_bearish_divergence"] == "Jan 22"
    assert tags["rut_streak"] == ""


def test_the_state_line_says_cool_down_and_distance() -> None:
    studies = {result.id: result for result in quiet_edge().studies}
    assert state_line(studies["new_milestone"])[0].plain == (
        "Not holding on 2026-01-28 · last event 2026-01-14 · 0.31% from triggering"
    )
    cooling = {result.id: result for result in sample_edge().studies}["new_milestone"]
    assert state_line(cooling)[0].plain == (
        "Not holding on 2026-01-28 · last event 2026-01-14 · in cool-down (21 sessions)"
        " · 0.31% from triggering"
    )


def test_the_latest_events_are_the_pending_ones() -> None:
    result = {r.id: r for r in sample_edge().studies}["new_milestone"]
    last = len(result.events) - 1
    assert is_pending(result, last, "252") and not is_pending(result, last, "10")
    assert not is_pending(result, last - 1, "252")
    assert not is_pending(result, last, "9999")  # a horizon it does not have


# The charts' parts -----------------------------------------------------------------------


def test_bins_are_round_and_zero_is_an_edge() -> None:
    values = [-3.2, -0.4, 0.0, 0.1, 1.9, 2.0, 7.5]
    width = bin_width(values, 60)
    assert width == 2.5  # about √7 + 2 bins over 10.7 points, rounded up to a round width
    counted = bins(values, width)
    assert counted[:3] == [(-5.0, 1), (-2.5, 1), (0.0, 4)]  # 0 and 2.0 in the bin above
    assert counted[-1] == (7.5, 1)
    assert sum(count for _, count in counted) == len(values)
    assert all(edge % width == 0 for edge, _ in counted)
    assert bins([5.0], bin_width([5.0], 60)) == [(4.0, 1)]
    assert bin_width(values, 12) == 5.0  # a narrow chart: at most a bin per 3 columns
    assert drawable([1.0, None, NAN, float("inf"), 1e300]) == [1.0]


def test_a_path_breaks_where_a_point_cannot_be_drawn() -> None:
    points = [(0, 0.0), (1, 0.4), (2, None), (3, 1e300), (4, 1.1), (5, 1.3)]
    assert stretches(points) == [([0.0, 1.0], [0.0, 0.4]), ([4.0, 5.0], [1.1, 1.3])]


# Any value, no exception -------------------------------------------------------------------

HUGE = 1e300


def odd_study(study_id: str, **update: Any) -> StudyResult:
    base = StudyResult(
        id=study_id, title=f"Study {study_id}", definition="", series="", headline=21, cooldown=0
    )
    return base.model_copy(update=update)


def odd_sections() -> list[EdgeSection]:
    """Edge sections with nothing, one event, no event, and huge readings."""
    status = PanelStatus(state="CLOSED")
    huge_stats = HorizonStats(
        sessions=21,
        n=10**12,
        pending=10**12,
        mean_pct=HUGE,
        median_pct=-HUGE,
        pct_positive=HUGE,
        baseline_n=10**15,
        baseline_mean_pct=-HUGE,
        baseline_pct_positive=HUGE,
        edge_pct=HUGE,
        t_stat=HUGE,
        ci90_pct=(-HUGE, HUGE),
        worst_drawdown_pct=-HUGE,
        pct_beyond_decline=HUGE,
    )
    one = StudyEvent(date=date(2026, 1, 2), reading=None, returns_pct={"21": 1.0})
    studies = (
        odd_study("empty", active=None),
        odd_study(
            "one",
            active=True,
            horizons={"21": HorizonStats(sessions=21, n=1, pending=0, mean_pct=1.0)},
            events=(one,),
            path=(PathPoint(sessions=0, mean_pct=None, baseline_mean_pct=None),),
        ),
        odd_study(
            "huge",
            active=False,
            within_cooldown=True,
            last_event=date(2026, 1, 2),
            near_pct=HUGE,
            horizons={"21": huge_stats, "5": huge_stats.model_copy(update={"sessions": 5})},
            events=(
                StudyEvent(
                    date=date(2026, 1, 2),
                    reading=HUGE,
                    returns_pct={"21": HUGE, "5": -HUGE},
                    drawdown_pct={"21": -HUGE},
                ),
                StudyEvent(date=date(2026, 1, 5), reading="x" * 200, returns_pct={}),
                StudyEvent(date=date(2026, 1, 6), reading=True, returns_pct={"21": None}),
            ),
            path=tuple(
                PathPoint(sessions=step, mean_pct=HUGE * step, baseline_mean_pct=-HUGE)
                for step in range(22)
            ),
            notes=("n" * 300,),
        ),
    )
    return [
        EdgeSection(status=status),
        EdgeSection(status=status, session=date(2026, 1, 28), span_from=date(1928, 1, 3)),
        EdgeSection(
            status=status,
            session=date(2026, 1, 28),
            studies=studies,
            active=("one", "huge", "missing"),
        ),
        EdgeSection(status=status, session=date(2026, 1, 28), studies=studies, nearest=("huge",)),
    ]


@pytest.mark.parametrize("detailed", [False, True], ids=["dashboard", "detail"])
async def test_the_panel_draws_any_section(detailed: bool) -> None:
    panel = EdgePanel(detailed=detailed)
    async with PanelHost(panel).run_test(size=SIZE) as pilot:
        for section in odd_sections():
            panel.show(with_edge(section))
            await settle(pilot)
            if detailed and section.studies:
                for study_id in ("empty", "one", "huge"):
                    panel.chooser.chosen = study_id
                    await settle(pilot)
                    assert panel.histogram is not None and panel.path_chart is not None
                    text(panel.histogram)
                    text(panel.path_chart)
            shown = "\n".join(
                text(widget) for widget in panel.query("FitLine, ValueTable, StudyChooser")
            )
            assert "nan" not in shown and "inf" not in shown.replace("info", "")


async def test_the_charts_draw_any_series() -> None:
    histogram, path = ReturnHistogram(), EdgePathChart()
    async with PanelHost(EdgePanel()).run_test(size=SIZE) as pilot:
        await pilot.app.mount(Vertical(histogram, path))
        cases: list[tuple[tuple[float | None, ...], float | None, float | None]] = [
            ((), None, None),
            ((None, None), 1.0, 1.0),
            ((2.0,), 2.0, 0.5),
            ((0.0, 0.0, 0.0), 0.0, 0.0),
            ((HUGE, -HUGE, 1.0), HUGE, -HUGE),
            (tuple(float(i) for i in range(-50, 50)), 0.0, 80.0),  # a mean far off the bins
        ]
        for returns, mean, baseline in cases:
            histogram.returns, histogram.mean, histogram.baseline = returns, mean, baseline
            path.path = tuple(
                PathPoint(sessions=step, mean_pct=value, baseline_mean_pct=baseline)
                for step, value in enumerate(returns)
            )
            await settle(pilot)
            assert "nan" not in text(histogram) and "nan" not in text(path)
        assert "all +80.00%" in text(histogram)  # the range reaches a mean beyond the bins


# What people see ----------------------------------------------------------------------


class ThreePanels(App[None]):
    """Three edge panels one above the other, as wide as the dashboard's last row."""

    CSS = "Vertical > EdgePanel { height: auto; }"

    def __init__(self, snapshots: list[Snapshot]) -> None:
        super().__init__()
        self.snapshots = snapshots

    def compose(self) -> ComposeResult:
        with Vertical():
            for _ in self.snapshots:
                yield EdgePanel()

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = "regime-dark"
        for panel, snapshot in zip(self.query(EdgePanel), self.snapshots, strict=True):
            panel.show(snapshot)


def test_three_panels_120x40(snap_compare: Any) -> None:
    """The sample (two holding, two in cool-down); none active (the nearest); none run."""
    unknown = with_edge(
        EdgeSection(
            status=PanelStatus(state="CLOSED", detail="loading the history the studies read")
        )
    )
    app = ThreePanels([sample_snapshot(), with_edge(quiet_edge()), unknown])
    assert snap_compare(app, terminal_size=SIZE)


def test_detail_pending_120x40(snap_compare: Any) -> None:
    """The new-milestone study scrolled to its events: six a year on, the seventh (Jan 14)
    pending past 10 sessions."""
    keys = ["8", "tab", "tab", "end"]
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=wait_for_data, press=keys)
