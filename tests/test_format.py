"""core.format, the one home of how readings read: missing values (None, NaN, ±inf)
are "unknown", signs and units are named, separators group thousands, times are New
York wall time on both sides of a DST change, and ages and countdowns change unit at
the right boundaries."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from core import format as fmt
from core.snapshot import PanelStatus

NUMBER_FORMATS: list[Callable[[float | None], str]] = [
    fmt.number,
    fmt.price,
    fmt.level_price,
    fmt.count,
    fmt.pct,
    fmt.ratio,
    fmt.signed_number,
    fmt.signed_count,
    fmt.signed_pct,
    fmt.signed_pp,
    lambda value: fmt.with_spec(value, "+.2f", "%"),
    lambda value: fmt.with_spec(value, "d", " sessions"),
    lambda value: fmt.with_spec(value, ""),
]


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("form", NUMBER_FORMATS)
def test_missing_and_non_finite_numbers_read_unknown(
    form: Callable[[float | None], str], missing: float | None
) -> None:
    assert form(missing) == "unknown"


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_a_day_change_without_a_finite_price_falls_back_to_the_percent(
    missing: float | None,
) -> None:
    assert fmt.day_change(missing, 6965.63, 0.178) == "+0.18%"
    assert fmt.day_change(6978.03, missing, None) == "unknown"
    assert fmt.day_change(6978.03, 6965.63, missing) == "+12.40 (unknown)"


def test_finite_keeps_numbers_and_drops_the_rest() -> None:
    assert fmt.finite(0.0) == 0.0
    assert fmt.finite(3) == 3
    assert fmt.finite(math.nan) is None
    assert fmt.finite(-math.inf) is None
    assert fmt.finite(None) is None


def test_numbers_group_thousands() -> None:
    assert fmt.price(6978.03) == "6,978.03"
    assert fmt.number(16.4249) == "16.42"
    assert fmt.number(1234.5, 0) == "1,234"
    assert fmt.count(503) == "503"
    assert fmt.count(18670) == "18,670"
    assert fmt.ratio(0.91234) == "0.912"
    assert fmt.ratio(1.23456, 4) == "1.2346"


def test_level_prices_drop_decimals_only_when_whole() -> None:
    assert fmt.level_price(7000.0) == "7,000"
    assert fmt.level_price(7000) == "7,000"
    assert fmt.level_price(6905.41) == "6,905.41"


def test_signs_are_always_written_and_the_unit_follows_the_name() -> None:
    assert fmt.signed_number(12.4) == "+12.40"
    assert fmt.signed_number(-3.051) == "-3.05"
    assert fmt.signed_number(1.234, 2, " pts") == "+1.23 pts"
    assert fmt.signed_count(1234) == "+1,234"
    assert fmt.signed_count(-18) == "-18"
    assert fmt.signed_pct(4.15) == "+4.15%"
    assert fmt.signed_pct(-0.3138) == "-0.31%"
    assert fmt.signed_pct(45.2, 0) == "+45%"
    assert fmt.signed_pp(6.12) == "+6.1 pp"
    assert fmt.signed_pp(-2.0, 0) == "-2 pp"
    assert fmt.pct(58.44) == "58.4%"
    assert fmt.pct(58.44, 0) == "58%"
    assert fmt.day_change(6978.03, 6965.63, 0.178) == "+12.40 (+0.18%)"


def test_yes_no_and_reasons() -> None:
    assert [fmt.yes_no(value) for value in (True, False, None)] == ["yes", "no", "unknown"]
    assert fmt.missing_reason(None) == "not computed yet"
    assert fmt.missing_reason("") == "not computed yet"
    assert fmt.missing_reason("feed down") == "feed down"


@pytest.mark.parametrize(
    ("moment", "full", "short"),
    [
        # January: EST, UTC−5.
        (datetime(2026, 1, 28, 21, 0, tzinfo=UTC), "2026-01-28 16:00 ET", "Jan 28 16:00"),
        # July: EDT, UTC−4.
        (datetime(2026, 7, 1, 20, 0, tzinfo=UTC), "2026-07-01 16:00 ET", "Jul 01 16:00"),
        # Either side of the spring-forward change (2026-03-08, 02:00 EST → 03:00 EDT).
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "2026-03-08 01:59 ET", "Mar 08 01:59"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "2026-03-08 03:00 ET", "Mar 08 03:00"),
        # The UTC date is already the next day; New York's is not.
        (datetime(2026, 11, 2, 1, 30, tzinfo=UTC), "2026-11-01 20:30 ET", "Nov 01 20:30"),
    ],
)
def test_times_are_new_york_wall_time(moment: datetime, full: str, short: str) -> None:
    assert fmt.ny_time(moment) == full
    assert fmt.ny_short_time(moment) == short


def test_missing_times_and_dates_read_unknown() -> None:
    assert fmt.ny_time(None) == fmt.ny_short_time(None) == "unknown"
    assert fmt.iso_date(None) == fmt.short_date(None) == "unknown"


def test_dates() -> None:
    assert fmt.iso_date(date(2026, 1, 22)) == "2026-01-22"
    assert fmt.short_date(date(2026, 1, 22)) == "Jan 22"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (250, "4m"),
        (3_599, "59m"),
        (3_600, "1h 00m"),
        (4 * 3_600 + 5 * 60, "4h 05m"),
        (86_399, "23h 59m"),
        (86_400, "1d 0h"),
        (2 * 86_400 + 3 * 3_600 + 59 * 60, "2d 3h"),
    ],
)
def test_ages(seconds: int, text: str) -> None:
    assert fmt.age(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "00:00"),
        (0, "00:00"),
        (14 * 60 + 30, "14:30"),
        (3_599, "59:59"),
        (3_600, "1h 00m"),
        (13 * 3_600 + 15 * 60 + 30, "13h 15m"),
        (86_399, "23h 59m"),
        (86_400, "1d 00h 00m"),
        (86_400 + 2 * 3_600, "1d 02h 00m"),
    ],
)
def test_countdowns(seconds: int, text: str) -> None:
    assert fmt.countdown(timedelta(seconds=seconds)) == text


CLOSE = datetime(2026, 1, 28, 21, 0, tzinfo=UTC)


def test_freshness_carries_the_age_of_stale_readings() -> None:
    assert fmt.freshness(PanelStatus(state="CLOSED", as_of=CLOSE)) == "CLOSED · Jan 28 16:00"
    stale = PanelStatus(state="STALE", as_of=CLOSE - timedelta(minutes=90))
    assert fmt.freshness(stale, CLOSE) == "STALE 1h 30m · Jan 28 14:30"
    assert fmt.freshness(stale) == "STALE · Jan 28 14:30"
    assert fmt.freshness(PanelStatus(state="SIMULATED")) == "SIMULATED"


def test_status_text_says_state_time_and_why() -> None:
    status = PanelStatus(state="STALE", as_of=CLOSE, detail="feed down")
    assert fmt.status_text(status) == "[STALE · as of 2026-01-28 16:00 ET · feed down]"
    assert fmt.status_text(PanelStatus(state="LIVE")) == "[LIVE]"


@pytest.mark.parametrize(
    ("text", "spec", "unit", "value", "shown"),
    [
        ("+.2f%", "+.2f", "%", -0.3141, "-0.31%"),
        ("+.2f%", "+.2f", "%", 0.0, "+0.00%"),
        (",.2f", ",.2f", "", 6978.031, "6,978.03"),
        ("d sessions", "d", " sessions", 3, "3 sessions"),
        ("d", "d", "", 4.6, "5"),
        (".1f pp", ".1f", " pp", 3.44, "3.4 pp"),
        ("+.0f pp", "+.0f", " pp", 6.2, "+6 pp"),
        (".0f", ".0f", "", 61.8, "62"),
        ("", "", "", 1.5, "1.50"),
        ("", "", "", 1234, "1,234"),
    ],
)
def test_written_formats(text: str, spec: str, unit: str, value: float, shown: str) -> None:
    assert fmt.split_spec(text) == (spec, unit)
    assert fmt.spec_ok(spec)
    assert fmt.with_spec(value, spec, unit) == shown


@pytest.mark.parametrize("spec", ["{x}", ".999f", "999999d", "s", "x", ",d.1"])
def test_specs_that_are_not_plain_number_formats(spec: str) -> None:
    assert not fmt.spec_ok(spec)


def test_checklist_values_read_through_the_same_rules() -> None:
    from core.thesis import ValueFormat, display

    assert display(-0.3141, ValueFormat.parse("+.2f%")) == "-0.31%"
    assert display(math.nan, ValueFormat.parse("+.2f%")) == "unknown"
    assert display(math.inf, ValueFormat.parse("d sessions")) == "unknown"
    assert display(-math.inf, None) == "unknown"
    assert display(12, None) == "12"
    assert display(True, None) == "yes"
    assert display(date(2026, 1, 22), None) == "2026-01-22"
    assert display(datetime(2026, 1, 28, 21, 0, tzinfo=UTC), None) == "2026-01-28 16:00 ET"
