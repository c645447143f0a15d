"""Unit tests of what the widgets say, without running the app: the tones and colours
readings are drawn in, the price panel's level table, the chart's choice of range and
labels, and the status line's countdown text. (The words and numbers themselves come
from core.format: tests/test_format.py.)"""

from __future__ import annotations

import math
from datetime import date, timedelta

from core.snapshot import MarketInfo
from tests.tui.sample import EVENING, NEXT_CLOSE, NEXT_OPEN, SESSION_CLOSE, sample_snapshot
from widgets import look
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


def test_tone_colours_a_sign_and_nothing_else() -> None:
    assert look.tone(0.5) == "$text-success"
    assert look.tone(-0.5) == "$text-error"
    for flat in (0.0, None, math.nan, math.inf):
        assert look.tone(flat) == ""


def test_level_colours_follow_the_thesis_then_the_kind() -> None:
    assert look.level_color("user", "bear") == "error"
    assert look.level_color("ema", None) == "primary"
    assert look.level_color("elsewhere", None) == "secondary"


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
