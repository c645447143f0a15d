"""Alerts in the app: which ways each line is delivered by (thresholds, the OSC flavour
a terminal understands, at most three toasts a batch), the pilot's view of the feed's
new lines becoming toasts and terminal escapes (nothing written when a way is off), a
failing user command reported without a crash, commands run one at a time off the
loop's thread pool while the app stays responsive, alert text shown as written (never
markup), the one toast counting the changes since Regime was last closed, the Today
screen on `l`, and the watcher told at exit.
The escapes' exact bytes are pinned in tests/alerts (core.alerts.deliver)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.markup import MarkupError
from textual.pilot import Pilot

from core.alerts.deliver import BEL, osc9
from core.clock import NEW_YORK
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
    MAX_TOASTS,
    TMUX_CLIENT_FORMAT,
    AlertDelivery,
    CommandQueue,
    auto_osc,
    osc_channels,
    reaches,
    terminal_bytes,
    tmux_client_terminal,
    toasts,
)
from tui.app import ALERTS_GROUP
from tui.screens.today import NOTHING_YET, TODAY_GROUP, TodayScreen, open_heading
from widgets.table import ValueTable

SIZE = (120, 40)
LOG_GROUPS = (ALERTS_GROUP, TODAY_GROUP)
MARKUP = "[b]x[/b] and [/]"
"""A message that Textual markup would eat ([b]) or refuse ([/])."""
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
        # Over SSH only TERM and LC_* arrive.
        ({"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}, ("osc9",)),
        ({"TERM": "xterm-256color", "LC_TERMINAL": "WezTerm"}, ("osc9",)),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, ("osc99",)),
        ({"TERM": "xterm-ghostty"}, ("osc9",)),
        ({"TERM": "xterm-256color", "WEZTERM_EXECUTABLE": "/usr/bin/wezterm-gui"}, ("osc9",)),
        ({"TERM": "xterm-256color", "WEZTERM_PANE": "0"}, ("osc9",)),
        ({"TERM": "foot-extra"}, ("osc777",)),
        ({"TERM": "xterm-256color", "LC_TERMINAL": "Unknown"}, ()),
        # Inside tmux its own (and stale) variables are no answer, tmux's client is.
        (
            {"TMUX": "/tmp/tmux-1000/default,1,0", "TERM_PROGRAM": "tmux", "TERM": "tmux-256color"},
            (),
        ),
        ({"TMUX": "/tmp/t,1,0", "TERM": "screen-256color", "KITTY_WINDOW_ID": "1"}, ()),
    ],
)
def test_auto_osc_follows_the_terminal(env: dict[str, str], channels: tuple[str, ...]) -> None:
    assert auto_osc(env) == channels


TMUX_ENV = {"TMUX": "/tmp/tmux-1000/default,1,0", "TERM_PROGRAM": "tmux", "TERM": "screen"}


@pytest.mark.parametrize(
    ("client", "channels"),
    [
        ("xterm-kitty\tkitty(0.35.2)", ("osc99",)),
        ("xterm-kitty", ("osc99",)),
        ("xterm-ghostty\t", ("osc9",)),
        ("foot\tfoot(1.16.2)", ("osc777",)),
        ("rxvt-unicode-256color", ("osc777",)),
        ("xterm-256color\tiTerm2 3.5.0", ("osc9",)),
        ("xterm-256color\tWezTerm 20240203-110809-5046fc22", ("osc9",)),
        ("xterm-256color\tghostty 1.1.0", ("osc9",)),
        ("xterm-256color\t", ()),
        ("xterm-256color", ()),
        ("", ()),
    ],
)
def test_inside_tmux_auto_osc_follows_its_client(client: str, channels: tuple[str, ...]) -> None:
    assert auto_osc(TMUX_ENV, client) == channels


def test_tmux_is_asked_once_for_its_client_and_failures_are_no_answer() -> None:
    asked: list[Sequence[str]] = []

    def tmux(argv: Sequence[str]) -> str:
        asked.append(argv)
        return "xterm-kitty\tkitty(0.35.2)\n"

    assert tmux_client_terminal(tmux) == "xterm-kitty\tkitty(0.35.2)"
    assert asked == [["tmux", "display-message", "-p", TMUX_CLIENT_FORMAT]]

    def failing(error: Exception) -> Any:
        def run(argv: Sequence[str]) -> str:
            raise error

        return run

    assert tmux_client_terminal(failing(FileNotFoundError("tmux"))) == ""
    assert tmux_client_terminal(failing(subprocess.TimeoutExpired("tmux", 1.0))) == ""
    assert tmux_client_terminal(failing(subprocess.CalledProcessError(1, "tmux"))) == ""

    calls: list[str] = []

    def client() -> str:
        calls.append("asked")
        return "foot"

    delivery = AlertDelivery(None, FakeNotify(osc="auto"), env=TMUX_ENV, tmux_client=client)  # type: ignore[arg-type]
    assert delivery.resolve_osc() == ("osc777",)
    assert delivery.resolve_osc() == ("osc777",)
    assert calls == ["asked"]
    outside = AlertDelivery(None, FakeNotify(osc="auto"), env={"TERM": "foot"}, tmux_client=client)  # type: ignore[arg-type]
    assert outside.resolve_osc() == ("osc777",)
    named = AlertDelivery(None, FakeNotify(osc=("osc9",)), env=TMUX_ENV, tmux_client=client)  # type: ignore[arg-type]
    assert named.resolve_osc() == ("osc9",)
    assert calls == ["asked"]  # tmux asked only for "auto" inside tmux


def test_the_command_queue_is_bounded_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    commands = CommandQueue(maxsize=2)
    running = threading.Event()
    release = threading.Event()
    ran: list[int] = []

    def job(number: int) -> Any:
        def run() -> None:
            if number == 0:
                running.set()
                release.wait(10)
            ran.append(number)

        return run

    assert commands.submit(job(0))
    assert running.wait(10)  # the first runs, two may wait
    assert commands.submit(job(1))
    assert commands.submit(job(2))
    with caplog.at_level(logging.WARNING, logger="tui.alert_delivery"):
        assert not commands.submit(job(3), "vix_jump at 10:05")
    assert "alert command dropped (2 already waiting): vix_jump at 10:05" in caplog.text
    release.set()
    for _ in range(500):
        if commands.pending == 0:
            break
        threading.Event().wait(0.01)
    assert ran == [0, 1, 2]
    commands.stop()
    assert not commands.submit(job(4))


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


async def settled(pilot: Pilot[Any], *, commands: bool = True) -> None:
    """Wait for the workers that read the log and (if `commands`) the user's commands
    (the engine's worker runs for good)."""
    app = pilot.app
    assert isinstance(app, RecordingApp)
    for _ in range(250):
        await pilot.pause(0.02)
        busy: list[object] = [
            worker
            for screen in app.screen_stack
            for worker in [*app.workers, *screen.workers]
            if worker.group in LOG_GROUPS and not worker.is_finished
        ]
        if commands and app.alert_delivery is not None and app.alert_delivery.commands.pending:
            busy.append(app.alert_delivery.commands)
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


SLOW_COMMAND = """
import os, sys, time
gate, record = sys.argv[1], sys.argv[2]
try:
    lock = os.open(record + ".lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
except FileExistsError:
    with open(record, "a") as out:
        out.write("overlap\\n")
    sys.exit(1)
with open(record, "a") as out:
    out.write("start\\n")
deadline = time.monotonic() + 30
while not os.path.exists(gate) and time.monotonic() < deadline:
    time.sleep(0.01)
with open(record, "a") as out:
    out.write("end\\n")
os.close(lock)
os.remove(record + ".lock")
"""
"""The user's command: holds until `gate` exists; records its start and end, and any
overlap with another run (through a lock file)."""


async def test_commands_run_one_at_a_time_and_the_app_stays_responsive(tmp_path: Path) -> None:
    gate, record, script = tmp_path / "go", tmp_path / "record", tmp_path / "slow.py"
    script.write_text(SLOW_COMMAND)
    command = (sys.executable, str(script), str(gate), str(record))
    notify = FakeNotify(
        toast="off", bell="off", desktop="off", command=command, command_severity="info"
    )
    feed = AlertingFeed(notify=notify)
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await hooked(pilot, feed)
        assert feed.on_alerts is not None and app.alert_delivery is not None
        burst = [*SINCE_OPEN, *BEFORE_OPEN]
        feed.on_alerts(burst)
        for _ in range(500):
            await pilot.pause(0.02)
            if record.exists():
                break
        assert record.read_text().split() == ["start"]
        # The first command hangs: keys still work and thread workers still run.
        await pilot.press("l")
        await settled(pilot, commands=False)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        assert len(screen.query_one("#today-open-table", ValueTable).rows) == len(SINCE_OPEN)
        assert record.read_text().split() == ["start"]  # the others wait their turn
        assert app.alert_delivery.commands.pending == len(burst)
        gate.touch()
        await settled(pilot)
        assert record.read_text().split() == ["start", "end"] * len(burst)


async def test_quitting_does_not_wait_for_a_hanging_command(tmp_path: Path) -> None:
    gate, record, script = tmp_path / "go", tmp_path / "record", tmp_path / "slow.py"
    script.write_text(SLOW_COMMAND)
    command = (sys.executable, str(script), str(gate), str(record))
    notify = FakeNotify(toast="off", bell="off", desktop="off", command=command)
    feed = AlertingFeed(notify=notify)
    app = alerting_app(feed)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await hooked(pilot, feed)
            assert feed.on_alerts is not None and app.alert_delivery is not None
            feed.on_alerts([WARNING, CRITICAL])
            for _ in range(500):
                await pilot.pause(0.02)
                if record.exists():
                    break
            assert record.read_text().split() == ["start"]
            started = time.monotonic()
        # The command holds for up to 30 s; the app's exit does not wait for it.
        assert time.monotonic() - started < 10
        assert app.alert_delivery.commands.stopped
    finally:
        gate.touch()  # let the orphaned command end


async def test_alert_text_is_shown_as_written() -> None:
    line = entry(12, 0, "odd", "[i]odd[/i] name", "critical", MARKUP)
    feed = AlertingFeed(FakeWatcher(FakeToday(since_open=[line])), FakeNotify(bell="off"))
    app = alerting_app(feed)
    async with app.run_test(size=SIZE) as pilot:
        await hooked(pilot, feed)
        assert feed.on_alerts is not None
        feed.on_alerts([line])
        await settled(pilot)
        await pilot.pause()
        assert app.is_running
        # A toast renders its message as markup only when told to (the title never).
        odd = [note for note in app._notifications if note.message == MARKUP]
        assert [(note.title, note.markup) for note in odd] == [("[i]odd[/i] name", False)]
        with pytest.raises(MarkupError):
            Content.from_markup(MARKUP)  # what markup=True would have done
        await pilot.press("l")
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        table = str(screen.query_one("#today-open-table", ValueTable).render())
        assert MARKUP in table


def test_the_open_heading_dates_an_open_that_is_not_today() -> None:
    open_at = datetime(2026, 1, 30, 9, 30, tzinfo=NEW_YORK)
    same_day = datetime(2026, 1, 30, 15, 0, tzinfo=NEW_YORK)
    monday_early = datetime(2026, 2, 2, 8, 0, tzinfo=NEW_YORK)
    assert open_heading(open_at, same_day) == "Since the open (09:30 ET)"
    assert open_heading(open_at, monday_early) == "Since the open (Fri Jan 30 09:30 ET)"
    assert open_heading(None, monday_early) == "Since the open (no session today)"


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
