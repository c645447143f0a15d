"""Unit tests of what the widgets say, without running the app: number, time and
freshness formatting, the price panel's level table, the chart's choice of range and
labels, and the status line's countdown text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.snapshot import MarketInfo, PanelStatus
from tests.tui.sample import EVENING, NEXT_CLOSE, NEXT_OPEN, SESSION_CLOSE, sample_snapshot
from widgets import format as fmt
from widgets.price_chart import (
    ChartLine,
    chart_lines,
    date_ticks,
    nice_ticks,
    place_labels,
    plotext_color,
    y_range,
)
from widgets.price_panel import level_rows
from widgets.status_line import clock_text


def test_numbers_read_as_traders_write_them() -> None:
    assert fmt.price(6978.03) == "6,978.03"
    assert fmt.level_value(7000.0) == "7,000"
    assert fmt.level_value(6905.41) == "6,905.41"
    assert fmt.signed_pct(-0.3138) == "-0.31%"
    assert fmt.signed_pct(4.15) == "+4.15%"
    assert fmt.pct(58.44) == "58.4%"
    assert fmt.change(6978.03, 6965.63, 0.178) == "+12.40 (+0.18%)"


def test_missing_numbers_read_unknown() -> None:
    for text in (fmt.price(None), fmt.pct(None), fmt.signed_pct(None), fmt.number(None)):
        assert text == "unknown"
    assert fmt.change(None, 6965.63, None) == "unknown"
    assert fmt.reason(None) == "not computed yet"
    assert fmt.reason("feed down") == "feed down"


def test_ages_and_countdowns() -> None:
    assert fmt.age(timedelta(seconds=45)) == "45s"
    assert fmt.age(timedelta(minutes=4, seconds=10)) == "4m"
    assert fmt.age(timedelta(hours=4, minutes=5)) == "4h 05m"
    assert fmt.age(timedelta(days=2, hours=3)) == "2d 3h"
    assert fmt.age(timedelta(seconds=-5)) == "0s"
    assert fmt.countdown(timedelta(hours=13, minutes=15, seconds=30)) == "13h 15m"
    assert fmt.countdown(timedelta(days=1, hours=2)) == "1d 02h 00m"
    assert fmt.countdown(timedelta(minutes=14, seconds=30)) == "14:30"


def test_as_of_is_new_york_time() -> None:
    assert fmt.as_of(datetime(2026, 1, 28, 21, 0, tzinfo=UTC)) == "Jan 28 16:00"
    assert fmt.as_of(None) == "unknown"


def test_freshness_carries_the_age_of_stale_readings() -> None:
    closed = PanelStatus(state="CLOSED", as_of=SESSION_CLOSE)
    assert fmt.freshness(closed) == "CLOSED · Jan 28 16:00"
    stale = PanelStatus(state="STALE", as_of=SESSION_CLOSE - timedelta(minutes=90))
    assert fmt.freshness(stale, SESSION_CLOSE) == "STALE 1h 30m · Jan 28 14:30"
    assert fmt.freshness(PanelStatus(state="SIMULATED")) == "SIMULATED"


def test_level_table_runs_high_to_low_with_the_last_price_in_place() -> None:
    rows = level_rows(sample_snapshot().price)
    names = [str(row[0]) for row in rows]
    assert names == [
        "7,000 milestone",
        "6,700–7,000 range",
        "6,992 pivot",
        "▶ last",
        "EMA 50",
        "6,824 support",
        "SMA 200",
    ]
    assert [str(cell) for cell in rows[0][1:]] == ["7,000", "-0.31%"]


def test_chart_range_takes_in_near_levels_only() -> None:
    closes = [100.0, 110.0]
    near, far = ChartLine(112.0, "near", "primary"), ChartLine(200.0, "far", "primary")
    low, high = y_range(closes, [near, far])
    assert low < 100.0 and 112.0 < high < 200.0


def test_chart_draws_bands_as_two_lines_and_user_levels_last() -> None:
    lines = chart_lines(sample_snapshot().price.levels)
    assert len(lines) == 7
    assert sorted(line.value for line in lines if line.label == "6,700–7,000 range") == [
        6700.0,
        7000.0,
    ]
    assert lines[-1].label in ("6,992 pivot", "6,824 support")


def test_labels_sharing_a_row_merge_and_a_band_edge_gives_way() -> None:
    lines = chart_lines(sample_snapshot().price.levels)
    labels = place_labels(lines, [6500.0, 6978.0], 6400.0, 7100.0, rows=8, columns=60)
    top = next(label for label in labels if label.value >= 6990)
    assert top.text == "6,992 pivot · 7,000 milestone"
    assert all("range" not in label.text for label in labels if label.value >= 6990)


def test_round_ticks_and_dates() -> None:
    assert nice_ticks(6440.0, 7100.0, 4) == [6600.0, 6800.0, 7000.0]
    days = [date(2026, 1, 26), date(2026, 1, 27), date(2026, 1, 28)]
    assert date_ticks(days, 2) == ([0.0, 2.0], ["Jan 26", "Jan 28"])


def test_plotext_colours_keep_ansi_names() -> None:
    from textual.color import Color

    assert plotext_color(Color.parse("ansi_green")) == "green"
    assert plotext_color(Color.parse("ansi_bright_red")) == "red+"
    assert plotext_color(Color.parse("ansi_default")) == "default"
    assert plotext_color(Color(1, 2, 3)) == (1, 2, 3)


def test_countdown_text_for_each_phase() -> None:
    closed = MarketInfo(phase="closed", next_open=NEXT_OPEN, next_close=NEXT_CLOSE)
    assert clock_text(closed, SESSION_CLOSE, EVENING) == "opens in 13h 15m · data 4h 14m old"
    regular = MarketInfo(phase="regular", next_open=None, next_close=NEXT_CLOSE)
    noon = NEXT_CLOSE - timedelta(hours=4)
    assert clock_text(regular, noon, noon) == "closes in 4h 00m · data 0s old"
    last_hour = NEXT_CLOSE - timedelta(minutes=12, seconds=5)
    assert clock_text(regular, noon, last_hour).startswith("closes in 12:05 · data 3h")
    assert clock_text(closed, None, NEXT_OPEN + timedelta(minutes=1)) == "opens now"
    unknown = MarketInfo(phase="closed", next_open=None, next_close=None)
    assert clock_text(unknown, None, EVENING) == "next open unknown"


def test_the_clock_wakes_only_when_its_text_changes() -> None:
    from widgets.status_line import seconds_until_change

    closed = MarketInfo(phase="closed", next_open=NEXT_OPEN, next_close=NEXT_CLOSE)
    # 13h 15m 30s to the open, data 4h 14m old: the next change is a minute boundary.
    wait = seconds_until_change(closed, SESSION_CLOSE, EVENING)
    assert 0 < wait <= 60
    later = EVENING + timedelta(seconds=wait + 0.01)
    assert clock_text(closed, SESSION_CLOSE, later) != clock_text(closed, SESSION_CLOSE, EVENING)
    just_before = EVENING + timedelta(seconds=wait - 0.5)
    assert clock_text(closed, SESSION_CLOSE, just_before) == clock_text(
        closed, SESSION_CLOSE, EVENING
    )
    # In the last hour the seconds show, so it wakes within a second.
    assert seconds_until_change(closed, None, NEXT_OPEN - timedelta(minutes=20)) <= 1.0
