"""The status line's clock never wakes or redraws unless its text changes: every wake
it schedules lands on a change of `clock_text` and none is missed in between, over a
closed night (minutes), the last hour before the open (seconds) and days-old data
(hours); mounted, it redraws once per change of text and never in a replay."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from core.snapshot import MarketInfo, SourceInfo
from tests.tui.sample import EVENING, NEXT_CLOSE, NEXT_OPEN, SESSION_CLOSE
from widgets.status_line import StatusLine, clock_text, seconds_until_change

CLOSED = MarketInfo(phase="closed", next_open=NEXT_OPEN, next_close=NEXT_CLOSE)
REGULAR = MarketInfo(phase="regular", next_open=None, next_close=NEXT_CLOSE)


def walk(
    market: MarketInfo, as_of: datetime | None, start: datetime, span: timedelta
) -> tuple[int, int]:
    """Follow the waits `seconds_until_change` asks for over `span` from `start`, as the
    widget's timer does (a hair late). Checks each wake changes the text and that,
    read each second in between, it never changes between wakes. Returns the number
    of wakes and the number of seconds read."""
    now, end = start, start + span
    text = clock_text(market, as_of, now)
    wakes = seconds = 0
    while True:
        wait = seconds_until_change(market, as_of, now)
        if not math.isfinite(wait) or now + timedelta(seconds=wait) > end:
            break
        woken = now + timedelta(seconds=wait + 0.01)
        probe = now + timedelta(seconds=1)
        while probe < woken - timedelta(seconds=0.02):
            assert clock_text(market, as_of, probe) == text, f"missed a change at {probe}"
            probe += timedelta(seconds=1)
            seconds += 1
        changed = clock_text(market, as_of, woken)
        assert changed != text, f"woke at {woken} for nothing: {text!r}"
        now, text, wakes = woken, changed, wakes + 1
    return wakes, seconds


def test_a_closed_night_wakes_once_a_minute() -> None:
    # 13h 15m 30s before the open, data 4h 14m old: both change on minute boundaries.
    # The two turn together (one floors the time left, the other the time since), so
    # a wake a hair after the boundary serves both.
    wakes, seconds = walk(CLOSED, SESSION_CLOSE, EVENING, timedelta(hours=2))
    assert wakes == 2 * 60
    assert seconds > 7000


def test_days_old_data_adds_no_wake_between_the_countdowns_minutes() -> None:
    # Over a weekend the age reads `2d 3h`: only the countdown's minutes change.
    as_of = SESSION_CLOSE - timedelta(days=2, seconds=17)
    wakes, _ = walk(CLOSED, as_of, EVENING, timedelta(hours=1))
    assert wakes == 60 + 1, "each minute of the countdown, and the hour the age turns"


def test_seconds_show_only_when_they_matter() -> None:
    # The last hour before the open ticks each second; the first minute of an age too.
    wakes, _ = walk(
        CLOSED, None, NEXT_OPEN - timedelta(minutes=10, seconds=0.5), timedelta(minutes=5)
    )
    assert wakes == 5 * 60
    noon = NEXT_CLOSE - timedelta(hours=4)
    wakes, _ = walk(REGULAR, noon, noon + timedelta(seconds=0.3), timedelta(minutes=5))
    assert wakes == 60 + 4, "the age's first minute in seconds, then minutes"


class MovableClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class StatusApp(App[None]):
    def __init__(self, clock: MovableClock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield StatusLine(self.clock)


SIM = SourceInfo(kind="sim", simulated=True, label="SIMULATED")


async def test_mounted_it_redraws_once_per_change_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = MovableClock(EVENING + timedelta(seconds=0.5))
    app = StatusApp(clock)
    async with app.run_test(size=(120, 5)) as pilot:
        status = app.query_one(StatusLine)
        status.source, status.market, status.as_of = SIM, CLOSED, SESSION_CLOSE
        await pilot.pause()
        part = status.clock_part
        updates: list[str] = []
        repaints = 0
        real_update, real_refresh = part.update, part.refresh

        def counted_update(*args: object, **kwargs: object) -> None:
            updates.append(str(args[0]))
            real_update(*args, **kwargs)  # type: ignore[arg-type]

        def counted_refresh(*args: object, **kwargs: object) -> object:
            nonlocal repaints
            repaints += 1
            return real_refresh(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(part, "update", counted_update)
        monkeypatch.setattr(part, "refresh", counted_refresh)
        texts = [clock_text(CLOSED, SESSION_CLOSE, clock.moment)]
        # Ten minutes of a closed evening, the widget ticked every second as if by a
        # timer far too eager: only the minutes' changes may reach the screen.
        for _ in range(600):
            clock.moment += timedelta(seconds=1)
            status.tick()
            await pilot.pause()
            text = clock_text(CLOSED, SESSION_CLOSE, clock.moment)
            if text != texts[-1]:
                texts.append(text)
        assert len(texts) - 1 == 10
        assert updates == texts[1:]
        assert repaints == len(updates)  # one repaint (of the changed cells) a change
        # And its own timer waits for the next minute, not a second.
        timer = status._timer
        assert timer is not None and timer._interval > 1


async def test_a_replay_never_wakes() -> None:
    clock = MovableClock(EVENING)
    app = StatusApp(clock)
    async with app.run_test(size=(120, 5)) as pilot:
        status = app.query_one(StatusLine)
        replay = SourceInfo(kind="sim", simulated=True, label="REPLAY", replay=True)
        status.source, status.market, status.as_of = replay, CLOSED, SESSION_CLOSE
        await pilot.pause()
        assert str(status.clock_part.render()) == "replaying the close of Jan 28 16:00 ET"
        assert status._timer is None
