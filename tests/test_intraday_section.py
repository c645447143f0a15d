"""The intraday section (`core.sections.intraday`) from hand-made 5-minute bars: each
bar's phase, the previous session's regular close from the daily bars, the opening
range of the first 30 regular minutes, the last close and how delayed the last bar is;
STALE with the failure when the last fetch failed, and why when there are no bars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from core.clock import NEW_YORK
from core.config import Settings
from core.section import CycleData, Inputs, builtin
from core.sections.intraday import SECTION, IntradaySection, compute, fallback, text
from core.session import MarketSession
from core.snapshot import Freshness, PanelStatus

SESSION = date(2026, 1, 27)  # a Tuesday
EARLY = date(2026, 11, 27)  # the day after Thanksgiving: closes at 13:00


def ny(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=NEW_YORK)


def five_minute_bars(first: str, closes: Sequence[float]) -> pd.DataFrame:
    """Bars from `first` (New York) every 5 minutes; high = close + 1, low = close - 2."""
    close = np.asarray(closes, dtype="float64")
    index = pd.date_range(ny(first), periods=len(close), freq="5min", name="time")
    return pd.DataFrame(
        {
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 2.0,
            "close": close,
            "volume": np.full(len(close), 1e6),
        },
        index=index,
    )


def daily(closes: dict[str, float]) -> pd.DataFrame:
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in closes], name="date")
    values = np.array(list(closes.values()))
    return pd.DataFrame(
        {"open": values, "high": values, "low": values, "close": values, "volume": values},
        index=index,
    )


DAILY = daily({"2026-01-23": 6900.0, "2026-01-26": 6950.0, "2026-01-27": 6990.0})
"""Daily bars ending on the session itself (a live partial bar): its close is no
previous close."""


def inputs(
    intraday: pd.DataFrame | None,
    *,
    now: datetime | None = None,
    state: Freshness = "LIVE",
    missing: str | None = None,
    failed: str | None = None,
    bars: pd.DataFrame = DAILY,
) -> Inputs:
    cycle = CycleData(
        bars={"^GSPC": bars},
        members=None,
        state=state,
        detail=None,
        close_time=MarketSession().session_close,
        now=now,
        intraday={} if intraday is None else {"^GSPC": intraday},
        intraday_missing=missing,
        intraday_failed=failed,
    )
    return Inputs(Settings(), cycle, None, {}, builtin(), {}, {})


def test_is_declared_right_after_the_price_section_with_no_readings() -> None:
    keys = [section.key for section in builtin()]
    assert keys[keys.index("price") + 1] == "intraday"
    assert SECTION.readings is None
    assert SECTION.symbols(Settings()) == ("^GSPC",)


def test_regular_bars_give_prev_close_opening_range_last_and_delay() -> None:
    closes = [7000.0, 7010.0, 6995.0, 7004.0, 7020.0, 7001.0, 7030.0, 7040.0]
    section = compute(
        inputs(five_minute_bars("2026-01-27 09:30", closes), now=ny("2026-01-27 10:12"))
    )
    assert section.symbol == "^GSPC" and section.session == SESSION
    assert section.interval_minutes == 5
    assert len(section.times) == len(section.closes) == len(section.phases) == 8
    assert section.times[0] == ny("2026-01-27 09:30")
    assert all(moment.tzinfo is not None for moment in section.times)
    assert set(section.phases) == {"regular"}
    assert section.prev_close == 6950.0  # the last close before the session
    # 09:30 to 09:55: the six bars of the first 30 minutes (not 10:00 and 10:05).
    assert section.opening_range_high == 7020.0 + 1.0
    assert section.opening_range_low == 6995.0 - 2.0
    assert section.last == 7040.0
    # The 10:05 bar ends at 10:10: 2 minutes behind 10:12.
    assert section.delay_minutes == pytest.approx(2.0)
    assert section.status.state == "LIVE"
    assert section.status.as_of == ny("2026-01-27 10:10")


def test_phases_pre_regular_post_and_an_early_close() -> None:
    frame = five_minute_bars("2026-11-27 09:20", [1.0] * 4)  # 09:20 .. 09:35
    late = five_minute_bars("2026-11-27 12:50", [2.0] * 4)  # 12:50 .. 13:05
    section = compute(
        inputs(
            pd.concat([frame, late]), now=ny("2026-11-27 13:30"), bars=daily({"2026-11-25": 5.0})
        )
    )
    assert section.session == EARLY
    assert section.phases == ("pre", "pre", "regular", "regular") + ("regular",) * 2 + ("post",) * 2
    assert section.opening_range_high == 1.0 + 1.0  # 09:30 and 09:35 only
    assert section.prev_close == 5.0


def test_the_opening_range_takes_only_the_first_30_regular_minutes() -> None:
    closes = [100.0] * 6 + [200.0]  # 09:30..09:55 at 100, 10:00 at 200
    section = compute(
        inputs(five_minute_bars("2026-01-27 09:30", closes), now=ny("2026-01-27 10:05"))
    )
    assert section.opening_range_high == 101.0 and section.opening_range_low == 98.0


def test_no_opening_range_before_the_open() -> None:
    section = compute(
        inputs(five_minute_bars("2026-01-27 08:00", [10.0, 11.0]), now=ny("2026-01-27 08:20"))
    )
    assert section.phases == ("pre", "pre")
    assert section.opening_range_high is None and section.opening_range_low is None
    assert section.delay_minutes == pytest.approx(10.0)


def test_bars_far_behind_a_live_cycle_show_delayed() -> None:
    section = compute(
        inputs(five_minute_bars("2026-01-27 09:30", [1.0, 2.0]), now=ny("2026-01-27 10:30"))
    )
    assert section.delay_minutes == pytest.approx(50.0)
    assert section.status.state == "DELAYED"


def test_a_finished_session_does_not_age_and_a_replay_has_no_delay() -> None:
    frame = five_minute_bars("2026-01-27 15:50", [1.0, 2.0])  # ends at 16:00
    after = compute(inputs(frame, now=ny("2026-01-27 19:00"), state="CLOSED"))
    assert after.delay_minutes == 0.0 and after.status.state == "CLOSED"
    replay = compute(inputs(frame, now=None, state="REPLAY"))
    assert replay.delay_minutes is None and replay.status.state == "REPLAY"
    assert replay.status.as_of == ny("2026-01-27 16:00")


def test_a_failed_fetch_keeps_the_bars_stale_with_the_reason() -> None:
    frame = five_minute_bars("2026-01-27 09:30", [1.0, 2.0])
    section = compute(inputs(frame, now=ny("2026-01-27 09:41"), failed="intraday bars: boom"))
    assert section.closes == (1.0, 2.0)
    assert section.status.state == "STALE" and section.status.detail == "intraday bars: boom"


def test_no_bars_says_why() -> None:
    quiet = compute(inputs(None, state="CLOSED", missing="no session in progress"))
    assert quiet.times == () and quiet.last is None
    assert quiet.status == PanelStatus(state="CLOSED", detail="no session in progress")
    failed = compute(inputs(None, failed="intraday bars: down"))
    assert failed.status.state == "ERROR" and failed.status.detail == "intraday bars: down"
    assert text(quiet) == ["Intraday ^GSPC: no bars  [CLOSED · no session in progress]"]


def test_nan_rows_are_no_bars() -> None:
    frame = five_minute_bars("2026-01-27 09:30", [1.0, 2.0, 3.0])
    frame.iloc[1] = np.nan
    section = compute(inputs(frame, now=ny("2026-01-27 09:46")))
    assert section.closes == (1.0, 3.0)


def test_text_has_last_prev_close_opening_range_bars_and_delay() -> None:
    frame = five_minute_bars("2026-01-27 09:30", [7000.0, 7010.0])
    lines = text(compute(inputs(frame, now=ny("2026-01-27 09:42"))))
    assert len(lines) == 2
    assert "last 7,010.00" in lines[0] and "prev close 6,950.00" in lines[0]
    assert "opening range 6,998.00–7,011.00" in lines[1]
    assert "2 bars of 5 min (regular 2) · 09:30–09:35 ET · delay 2 min" in lines[1]
    replay = text(compute(inputs(frame, now=None, state="REPLAY")))
    assert "delay" not in replay[1]


def test_the_fallback_renders_and_round_trips_as_json() -> None:
    section = fallback(PanelStatus(state="ERROR", detail="x"), Settings())
    assert section.symbol == "^GSPC"
    assert text(section)[0].startswith("Intraday ^GSPC: no bars")
    full = compute(inputs(five_minute_bars("2026-01-27 09:30", [1.0]), now=ny("2026-01-27 09:36")))
    again = IntradaySection.model_validate_json(full.model_dump_json())
    assert again == full


def test_prev_close_is_the_calendar_previous_session_close() -> None:
    # A Monday: the previous session is Friday, not Sunday or an older day.
    monday = daily({"2026-01-22": 6800.0, "2026-01-23": 6900.0})
    section = compute(
        inputs(five_minute_bars("2026-01-26 09:30", [1.0]), now=ny("2026-01-26 09:36"), bars=monday)
    )
    assert section.prev_close == 6900.0 and section.status.detail is None
    # The day after Thanksgiving (11-26 a holiday): the previous session is 11-25.
    holiday = daily({"2026-11-24": 10.0, "2026-11-25": 11.0})
    after = compute(
        inputs(
            five_minute_bars("2026-11-27 09:30", [1.0]), now=ny("2026-11-27 09:36"), bars=holiday
        )
    )
    assert after.prev_close == 11.0


def test_a_missing_previous_session_bar_gives_no_prev_close_and_says_why() -> None:
    # Friday 2026-01-23 is missing: Thursday's close must not stand in for it.
    gap = daily({"2026-01-22": 6800.0, "2026-01-26": 6950.0})
    section = compute(
        inputs(five_minute_bars("2026-01-26 09:30", [1.0]), now=ny("2026-01-26 09:36"), bars=gap)
    )
    assert section.prev_close is None
    assert section.status.state == "LIVE"
    assert section.status.detail == "no close of 2026-01-23"
    assert "prev close unknown" in text(section)[0]
    assert "no close of 2026-01-23" in text(section)[0]
    stale = compute(
        inputs(
            five_minute_bars("2026-01-26 09:30", [1.0]),
            now=ny("2026-01-26 09:36"),
            bars=gap,
            failed="intraday bars: boom",
        )
    )
    assert stale.status.detail == "intraday bars: boom; no close of 2026-01-23"


def test_close_at_is_the_calendar_close_13_00_on_a_half_day() -> None:
    half = compute(
        inputs(
            five_minute_bars("2026-11-27 09:30", [1.0]),
            now=ny("2026-11-27 09:36"),
            bars=daily({"2026-11-25": 5.0}),
        )
    )
    assert half.close_at == ny("2026-11-27 13:00")
    full = compute(inputs(five_minute_bars("2026-01-27 09:30", [1.0]), now=ny("2026-01-27 09:36")))
    assert full.close_at == ny("2026-01-27 16:00")
    assert fallback(PanelStatus(state="ERROR"), Settings()).close_at is None


def test_the_bar_in_progress_is_partial_live_only() -> None:
    frame = five_minute_bars("2026-01-27 09:30", [1.0, 2.0])  # the 09:35 bar ends 09:40
    live = compute(inputs(frame, now=ny("2026-01-27 09:37")))
    assert live.last_bar_partial is True
    assert live.delay_minutes == 0.0  # now - the last bar's end, clipped at 0
    assert "bar in progress" in text(live)[1]
    done = compute(inputs(frame, now=ny("2026-01-27 09:40")))
    assert done.last_bar_partial is False and "in progress" not in text(done)[1]
    replay = compute(inputs(frame, now=None, state="REPLAY"))
    assert replay.last_bar_partial is None
