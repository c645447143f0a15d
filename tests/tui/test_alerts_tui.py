"""Alerts in the app: which ways each line is delivered by (thresholds, the OSC flavour
a terminal understands, at most three toasts a batch), the pilot's view of the feed's
new lines becoming toasts and terminal escapes (nothing written when a way is off), a
failing user command reported without a crash, the one toast counting the changes
since Regime was last closed, the Today screen on `l`, and the watcher told at exit.
The escapes' exact bytes are pinned in tests/alerts (core.alerts.deliver)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from core.alerts.deliver import BEL, osc9
from tests.tui.alert_fakes import (
    BEFORE_OPEN,
    SINCE_OPEN,
    AlertingFeed,
    FakeNotify,
    FakeToday,
    FakeWatcher,
    entry,
)
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tui.alert_delivery import (
    COMMAND_GROUP,
    MAX_TOASTS,
    auto_osc,
    osc_channels,
    reaches,
    terminal_bytes,
    toasts,
)
from tui.app import ALERTS_GROUP
from tui.screens.today import NOTHING_YET, TODAY_GROUP, TodayScreen
from widgets.table import ValueTable

SIZE = (120, 40)
LOG_GROUPS = (ALERTS_GROUP, COMMAND_GROUP, TODAY_GROUP)
CRITICAL = SINCE_OPEN[2]
WARNING = SINCE_OPEN[0]
INFO = SINCE_OPEN[1]


@pytest.mark.parametrize(
    ("severity", "threshold", "delivered"),
    [
        ("info", "info", True),
        ("info", "warning", False),
        ("warning", "warning", True),
        ("critical", "warning", True),
        ("warning", "critical", False),
        ("critical", "off", False),
    ],
)
def test_a_way_delivers_from_its_least_severity(
    severity: str, threshold: str, delivered: bool
) -> None:
    assert reaches(severity, threshold) is delivered


@pytest.mark.parametrize(
    ("env", "channels"),
    [
        ({"TERM_PROGRAM": "kitty", "TERM": "xterm-kitty"}, ("osc99",)),
        ({"TERM": "xterm-kitty"}, ("osc99",)),
        ({"TERM_PROGRAM": "iTerm.app"}, ("osc9",)),
        ({"TERM_PROGRAM": "WezTerm"}, ("osc9",)),
        ({"TERM_PROGRAM": "ghostty"}, ("osc9",)),
        ({"TERM_PROGRAM": "vscode"}, ("osc9",)),
        ({"TERM": "foot"}, ("osc777",)),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, ("osc777",)),
        ({"TERM": "rxvt-unicode-256color"}, ("osc777",)),
        ({"TERM": "xterm-256color"}, ()),
        ({}, ()),
    ],
)
def test_auto_osc_follows_the_terminal(env: dict[str, str], channels: tuple[str, ...]) -> None:
    assert auto_osc(env) == channels


def test_named_osc_flavours_are_used_as_given() -> None:
    kitty = {"TERM_PROGRAM": "kitty"}
    assert osc_channels(("osc777", "osc9"), kitty) == ("osc777", "osc9")
    assert osc_channels((), kitty) == ()
    assert osc_channels("auto", kitty) == ("osc99",)


def test_terminal_bytes_follow_bell_and_desktop_thresholds() -> None:
    notify = FakeNotify(bell="critical", desktop="warning", osc=("osc9",))
    env: dict[str, str] = {}
    assert terminal_bytes(INFO, notify, env) == b""
    warning = terminal_bytes(WARNING, notify, env)
    assert warning.startswith(b"\x1b]9;VIX jump: VIX up 14%")
    assert not warning.startswith(BEL.encode())  # below the bell's threshold
    critical = terminal_bytes(CRITICAL, notify, env)
    assert critical.startswith(BEL.encode() + b"\x1b]9;S&P 500 below its 200-day")
    off = FakeNotify(bell="off", desktop="off")
    assert terminal_bytes(CRITICAL, off, env) == b""


def test_terminal_bytes_are_wrapped_inside_tmux() -> None:
    notify = FakeNotify(bell="off", desktop="info", osc=("osc777",))
    wrapped = terminal_bytes(INFO, notify, {"TMUX": "/tmp/tmux-1000/default,1,0"})
    assert wrapped.startswith(b"\x1bPtmux;\x1b\x1b]777;notify;Positive gamma;")


def test_a_burst_shows_three_toasts_and_counts_the_rest() -> None:
    burst = [*SINCE_OPEN, *BEFORE_OPEN, CRITICAL]
    shown = toasts(burst, "info")
    assert len(shown) == MAX_TOASTS + 1
    assert [toast.title for toast in shown[:MAX_TOASTS]] == [e.name for e in burst[:MAX_TOASTS]]
    assert [toast.severity for toast in shown[:MAX_TOASTS]] == ["warning", "information", "error"]
    assert shown[-1].message == "and 3 more · press l for the log"
    assert shown[-1].severity == "error"  # the worst of the three not shown
    assert toasts(burst, "critical") == toasts([CRITICAL, CRITICAL], "info")
    assert toasts(burst, "off") == []


async def settled(pilot: Pilot[Any]) -> None:
    """Wait for the workers that read the log or run the user's command (the
    engine's runs for good)."""
    app = pilot.app
    for _ in range(250):
        await pilot.pause(0.02)
        busy = [
            worker
            for screen in app.screen_stack
            for worker in [*app.workers, *screen.workers]
            if worker.group in LOG_GROUPS and not worker.is_finished
        ]
        if not busy:
            await pilot.pause()
            return
    raise AssertionError("the log's workers did not finish")


def alerting_app(feed: AlertingFeed) -> RecordingApp:
    return make_app(lambda: feed)


async def hooked(pilot: Pilot[Any], feed: AlertingFeed) -> list[str]:
    """Wait for the engine to run, then capture what delivery writes to the terminal."""
    await wait_for_data(pilot)
    app = pilot.app
    assert isinstance(app, RecordingApp)
    assert feed.on_alerts is not None, "the app did not hook the feed's alerts"
    assert app.alert_delivery is not None
    written: list[str] = []
    app.alert_delivery.write = written.append
    return written


async def test_new_lines_become_toasts_and_terminal_escapes() -> None:
    feed = AlertingFeed(notify=FakeNotify(toast="warning", bell="critical", osc=("osc9",)))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        written = await hooked(pilot, feed)
        assert feed.on_alerts is not None
        feed.on_alerts(SINCE_OPEN)
        await pilot.pause()
        assert WARNING.message in app.notes
        assert CRITICAL.message in app.notes
        assert INFO.message not in app.notes  # below the toast threshold
        titles = [note.title for note in app._notifications]
        assert "VIX jump" in titles
        assert "S&P 500 below its 200-day" in titles
        severities = {note.title: note.severity for note in app._notifications}
        assert severities["S&P 500 below its 200-day"] == "error"
        # Only the critical line rings; both lines reach the desktop threshold.
        assert "".join(written) == (
            osc9(WARNING.name, WARNING.message) + BEL + osc9(CRITICAL.name, CRITICAL.message)
        )


async def test_nothing_is_written_when_bell_and_desktop_are_off() -> None:
    feed = AlertingFeed(notify=FakeNotify(toast="off", bell="off", desktop="off"))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        written = await hooked(pilot, feed)
        before = len(app.notes)
        assert feed.on_alerts is not None
        feed.on_alerts(SINCE_OPEN)
        await pilot.pause()
        assert written == []
        assert not any(line.message in app.notes[before:] for line in SINCE_OPEN)


async def test_the_first_batch_counts_the_changes_since_the_last_close() -> None:
    feed = AlertingFeed(notify=FakeNotify(toast="off", bell="off", desktop="off"))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await hooked(pilot, feed)
        assert feed.on_alerts is not None
        feed.on_alerts([])
        await settled(pilot)
        await pilot.pause()
        feed.on_alerts([CRITICAL])
        await settled(pilot)
        await pilot.pause()
        said = [note for note in app.notes if "since you closed Regime" in note]
        assert said == ["5 changes since you closed Regime · press l"]


async def test_no_count_when_nothing_changed_since_the_last_close() -> None:
    feed = AlertingFeed(FakeWatcher(FakeToday()), FakeNotify(toast="off"))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await hooked(pilot, feed)
        assert feed.on_alerts is not None
        feed.on_alerts([])
        await settled(pilot)
        await pilot.pause()
        assert feed.watcher.asked, "the log was not read"
        assert not any("since you closed" in note for note in app.notes)


async def test_a_failing_command_is_reported_not_fatal() -> None:
    missing = "/nonexistent/regime-alert-command"
    notify = FakeNotify(toast="off", bell="off", desktop="off", command=(missing,))
    feed = AlertingFeed(notify=notify)
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await hooked(pilot, feed)
        assert feed.on_alerts is not None
        feed.on_alerts([INFO, CRITICAL])  # the info line is below command_severity
        await settled(pilot)
        await pilot.pause()
        failures = [note for note in app.notes if note.startswith("alert command")]
        assert failures == [f"alert command not found: {missing}"]
        assert app.is_running


async def test_l_opens_the_today_screen_with_the_log() -> None:
    feed = AlertingFeed()
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("l")
        await settled(pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        opened = screen.query_one("#today-open-table", ValueTable)
        messages = [row[2] for row in opened.rows]
        assert messages == [line.message for line in reversed(SINCE_OPEN)]  # newest first
        assert [row[0] for row in opened.rows] == ["15:58", "11:42", "10:05"]
        since_close = screen.query_one("#today-close-table", ValueTable)
        assert [row[0] for row in since_close.rows][-2:] == ["08:15", "Jan 27 22:40"]
        heading = str(screen.query_one("#today-open-heading").render())
        assert heading == "Since the open (09:30 ET)"
        closed = str(screen.query_one("#today-close-heading").render())
        assert closed == "Since you last closed Regime (Tue Jan 27 21:03 ET)"
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(app.screen, TodayScreen)


async def test_an_empty_log_says_nothing_changed() -> None:
    feed = AlertingFeed(FakeWatcher(FakeToday()))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("l")
        await settled(pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        for section in ("open", "close"):
            assert not screen.query_one(f"#today-{section}-table").display
            assert str(screen.query_one(f"#today-{section}-empty").render()) == NOTHING_YET
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TodayScreen)


async def test_a_feed_without_a_log_says_so(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert app.alert_delivery is None
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        line = str(screen.query_one("#today-open-empty").render())
        assert line == "This source keeps no log of alerts."


async def test_quitting_tells_the_watcher_the_app_closed() -> None:
    feed = AlertingFeed()
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert feed.watcher.closed == []
    assert feed.watcher.closed == [app.clock()]


def test_entries_have_their_times_in_new_york() -> None:
    line = entry(9, 31, "x", "X", "info", "m")
    assert line.time.utcoffset() is not None
