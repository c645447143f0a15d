"""Pilot tests of replay stepping (issue 13, item 2) against a fake timeline: one
session and a week back and forward, the span's ends (the live view past the newest
when stepping began live; a stop in a replay), go to (a typed date, a weekend snapping
back, a date outside the span), play, speed and pause, escape back to the live
Snapshot (live Snapshots arriving meanwhile are kept, not shown), the sessions' alerts
as toasts, rapid keys building only the newest session, the status line naming the
session and saying it is a replay, the help's keys, and the feeds that cannot step."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from core.history import HistoryError
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot
from tests.tui.stepping_fakes import (
    ALERT_SESSION,
    BUSY_SESSION,
    SPAN,
    FakeTimeline,
    SteppableFeed,
    level_of,
    replay_label,
)
from tui.screens.detail import DetailScreen
from tui.screens.go_to import GoToScreen, parse_target
from tui.screens.help import HelpScreen
from tui.stepping import NEEDS_ENGINE, WEEK, Stepping, snap_index

SIZE = (120, 40)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Pause until `condition` holds (the builder runs in a thread)."""
    for _ in range(500):
        await pilot.pause(0.01)
        if condition():
            return
    raise AssertionError(f"never happened: {what}")


def showing(app: RecordingApp, session: date) -> bool:
    """Whether the app shows `session`'s stepped Snapshot with its Edge panel run."""
    snapshot = app.snapshot
    return (
        snapshot is not None
        and snapshot.source.label == replay_label(session)
        and snapshot.edge.session == session
    )


def shown_session(app: RecordingApp) -> date | None:
    """The session of the stepped Snapshot on show (None on the live view)."""
    snapshot = app.snapshot
    if snapshot is None or not snapshot.source.replay:
        return None
    return snapshot.as_of.date()


async def go_to(pilot: Pilot[Any], typed: str) -> None:
    """Press g, type `typed` in the go-to modal and enter it."""
    app = pilot.app
    await pilot.press("g")
    await wait_until(pilot, lambda: isinstance(app.screen, GoToScreen), "the go-to modal")
    await pilot.press(*typed, "enter")


async def wait_showing(pilot: Pilot[Any], session: date) -> None:
    app = pilot.app
    assert isinstance(app, RecordingApp)
    await wait_until(pilot, lambda: showing(app, session), f"{session} on show")


def indicator(app: RecordingApp) -> str:
    """The status line's stepping part, "" when it is hidden."""
    line = app.dashboard.status_line
    if not line.has_class("-stepping"):
        return ""
    return str(line.query_one(".status--stepping", Static).render())


def badge(app: RecordingApp) -> str:
    return str(app.dashboard.status_line.badge.render())


def replay_feed(start: date) -> SteppableFeed:
    """A feed replaying `start` (as `--as-of` does): its Snapshot is a replay's."""
    replayed = FakeTimeline().with_edge(FakeTimeline().snapshot_at(start))
    return SteppableFeed(replayed, start=start, replaying=True)


def test_snap_index_is_the_last_session_on_or_before() -> None:
    assert snap_index(SPAN, SPAN[3]) == 3
    saturday = date(2026, 1, 24)
    assert SPAN[snap_index(SPAN, saturday) or 0] == date(2026, 1, 23)
    assert snap_index(SPAN, date(2000, 1, 1)) is None
    assert snap_index(SPAN, date(2030, 1, 1)) == len(SPAN) - 1


def test_a_step_stops_at_the_ends_and_says_so() -> None:
    state = Stepping(FakeTimeline(), 2, from_live=True)
    back, past = state.moved(-WEEK)
    assert (back.index, past) == (0, True)
    forward, past = state.moved(1)
    assert (forward.index, past) == (3, False)
    assert state.faster(10).rate == 8 and state.faster(-1).rate == 1


def test_go_to_refuses_what_is_not_a_date_in_the_span() -> None:
    assert parse_target(" 2026-01-20 ", SPAN) == date(2026, 1, 20)
    assert "Not a date" in str(parse_target("Jan 20", SPAN))
    outside = parse_target("2025-06-02", SPAN)
    assert isinstance(outside, str) and "outside" in outside and f"{SPAN[0]}" in outside


async def test_back_forward_and_past_the_newest_to_live() -> None:
    feed = SteppableFeed()
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        live = app.snapshot
        assert live is not None and not live.source.replay
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-2])
        assert "Loading sessions for replay…" in app.notes
        assert app.snapshot is not None and app.snapshot.price.last == level_of(SPAN[-2])
        assert badge(app) == replay_label(SPAN[-2])
        assert indicator(app) == "‖ stepping · esc live"
        clock = str(app.dashboard.status_line.clock_part.render())
        assert clock == f"replaying the close of {SPAN[-2]:%b} {SPAN[-2].day} 16:00 ET"
        await pilot.press("1")  # a detail opened while stepping says so too
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        await wait_until(pilot, lambda: detail.status_line.has_class("-stepping"), "stepping")
        await pilot.press("escape")  # closes the detail, stepping goes on
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        assert showing(app, SPAN[-2])
        await pilot.press("right_square_bracket")
        await wait_showing(pilot, SPAN[-1])
        await pilot.press("right_square_bracket")  # past the newest: live again
        await wait_until(pilot, lambda: app.snapshot == live, "the live view")
        assert indicator(app) == "" and badge(app) == "SIMULATED"
        assert feed.loads == 1


async def test_weeks_and_the_first_session() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_curly_bracket")
        await wait_showing(pilot, SPAN[-1 - WEEK])
        await pilot.press("left_curly_bracket")
        await wait_showing(pilot, SPAN[-1 - 2 * WEEK])
        await pilot.press("right_curly_bracket")
        await wait_showing(pilot, SPAN[-1 - WEEK])
        for _ in range(len(SPAN) // WEEK + 1):
            await pilot.press("left_curly_bracket")
        await wait_showing(pilot, SPAN[0])
        assert any("first session" in note and f"{SPAN[0]}" in note for note in app.notes)
        await pilot.press("escape")
        await wait_until(pilot, lambda: indicator(app) == "", "stepping ended")
        assert app.snapshot is not None and not app.snapshot.source.replay


async def test_a_replay_stops_at_its_last_session() -> None:
    start = SPAN[-3]
    feed = replay_feed(start)
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        replayed = app.snapshot
        await pilot.press("right_curly_bracket")  # clamped to the last session
        await wait_showing(pilot, SPAN[-1])
        await pilot.press("right_square_bracket")
        await pilot.pause(0.1)
        assert showing(app, SPAN[-1]), "a replay has no live view past its end"
        assert sum("last session" in note for note in app.notes) == 2
        assert indicator(app) == "‖ stepping · esc back"
        await pilot.press("escape")  # back to the replayed session
        await wait_until(pilot, lambda: app.snapshot == replayed, "the replayed session")


async def test_go_to_a_date_a_weekend_and_outside_the_span() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await go_to(pilot, "2026-01-20")
        await wait_showing(pilot, date(2026, 1, 20))
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GoToScreen), "the go-to modal")
        await pilot.press(*"2026-01-18", "enter")  # a Sunday
        await wait_showing(pilot, date(2026, 1, 16))
        assert any("2026-01-18 is not a session" in note for note in app.notes)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GoToScreen), "the go-to modal")
        modal = app.screen
        assert isinstance(modal, GoToScreen)
        await pilot.press(*"2025-06-02", "enter")
        await pilot.pause()
        assert "outside" in str(modal.error_line.render())
        assert isinstance(app.screen, GoToScreen), "a date outside the span closed the modal"
        modal.query_one(Input).value = ""
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, GoToScreen), "cancelled")
        assert showing(app, date(2026, 1, 16))


async def test_play_speed_pause_and_the_end() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await go_to(pilot, f"{SPAN[-12]}")
        await wait_showing(pilot, SPAN[-12])
        await pilot.press("p")
        await wait_until(pilot, lambda: indicator(app) == "▶ 1/s · p pause", "playing")
        await pilot.press("plus", "plus", "plus")
        await wait_until(pilot, lambda: indicator(app) == "▶ 8/s · p pause", "faster")
        assert "Playing 8 sessions a second." in app.notes
        await wait_until(
            pilot, lambda: (shown_session(app) or SPAN[0]) >= SPAN[-10], "two sessions played"
        )
        await pilot.press("p")
        await wait_until(pilot, lambda: indicator(app).startswith("‖"), "paused")
        await pilot.pause(0.05)
        paused = app.snapshot
        assert paused is not None and paused.source.replay
        await pilot.pause(0.4)
        assert app.snapshot is not None
        assert shown_session(app) == paused.as_of.date(), "paused: no more steps"
        await pilot.press("p")
        await wait_until(pilot, lambda: showing(app, SPAN[-1]), "played to the end")
        await wait_until(pilot, lambda: indicator(app).startswith("‖"), "stopped at the end")
        assert any("End of the replay's sessions" in note for note in app.notes)


async def test_a_manual_step_pauses_play() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_curly_bracket")
        await wait_showing(pilot, SPAN[-1 - WEEK])
        await pilot.press("p")
        await wait_until(pilot, lambda: indicator(app).startswith("▶"), "playing")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: indicator(app).startswith("‖"), "paused by the step")


async def test_live_snapshots_wait_while_stepping_and_escape_shows_the_newest() -> None:
    feed = SteppableFeed()
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-2])
        newer = sample_snapshot(last=7123.45)
        feed.snapshots.append(newer)
        feed.refresh_now()  # r is off while stepping: the feed publishes by itself
        await pilot.pause(0.2)
        assert showing(app, SPAN[-2]), "a live Snapshot replaced the stepped one"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.snapshot == newer, "the newest live Snapshot")


async def test_a_sessions_alerts_are_toasts() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await go_to(pilot, f"{ALERT_SESSION}")
        await wait_showing(pilot, ALERT_SESSION)
        assert app.notes.count("[^GSPC] closed under 7,000") == 1
        titles = [note.title for note in app._notifications]
        assert f"Replay {ALERT_SESSION} · Milestone" in titles
        await go_to(pilot, f"{BUSY_SESSION}")
        await wait_showing(pilot, BUSY_SESSION)
        busy = [note for note in app.notes if note.startswith("busy alert")]
        assert busy == ["busy alert 0", "busy alert 1", "busy alert 2"]
        assert any("2 more" in note for note in app.notes)


async def test_rapid_steps_build_only_the_newest_session() -> None:
    gate = threading.Event()
    timeline = FakeTimeline(gate=gate)
    app = make_app(lambda: SteppableFeed(timeline=timeline))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: indicator(app) != "", "stepping began")
        await pilot.press(*["left_square_bracket"] * 4)
        gate.set()
        await wait_showing(pilot, SPAN[-6])
        assert timeline.built == [SPAN[-2], SPAN[-6]]


async def test_help_lists_the_stepping_keys() -> None:
    app = make_app(SteppableFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {keys.plain: what for keys, what in help_screen.key_rows()}
        replay = rows["[ ] { } g p + -"]
        assert "[ one session back" in replay and "} a week forward" in replay
        assert "g go to a date" in replay and "+ faster" in replay
        escape = [what for keys, what in help_screen.key_rows() if keys.plain == "esc"]
        assert any("back to the live view" in what for what in escape)


async def test_a_feed_that_cannot_step_says_so() -> None:
    app = make_app(FakeFeed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        shown = app.snapshot
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert NEEDS_ENGINE in app.notes
        assert app.snapshot == shown and indicator(app) == ""


async def test_a_timeline_that_fails_is_one_toast() -> None:
    feed = SteppableFeed(fail=HistoryError("no daily bars before 2026-01-02"))
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        shown = app.snapshot
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: any("failed" in note for note in app.notes), "a toast")
        failures = [note for note in app.notes if "failed" in note]
        assert failures == ["Replay stepping failed: HistoryError: no daily bars before 2026-01-02"]
        assert app.snapshot == shown and indicator(app) == ""
        assert app.is_running


async def test_live_in_a_session_the_first_step_back_is_the_last_close() -> None:
    # The live view shows the session in progress, after the span's last (closed) one.
    feed = SteppableFeed(start=date(2026, 1, 29))
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-1])
        await pilot.press("escape")
        await wait_until(pilot, lambda: indicator(app) == "", "the live view")
        await pilot.press("left_curly_bracket")  # the sessions are kept, not loaded again
        await wait_showing(pilot, SPAN[-WEEK])
        assert feed.loads == 1


async def test_a_step_that_fails_says_so_and_stays_on_the_session_shown() -> None:
    timeline = FakeTimeline(failing=[SPAN[-3]])
    app = make_app(lambda: SteppableFeed(timeline=timeline))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-2])
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: any("could not be built" in n for n in app.notes), "toast")
        note = next(n for n in app.notes if "could not be built" in n)
        assert (
            note == f"{SPAN[-3]:%Y-%m-%d} could not be built: RuntimeError: no bars for {SPAN[-3]}"
        )
        assert showing(app, SPAN[-2])
        await pilot.press("p")  # play goes on from the session shown
        await wait_showing(pilot, SPAN[-1])
        await wait_until(pilot, lambda: indicator(app).startswith("‖"), "stopped at the end")


async def test_a_first_step_that_fails_leaves_the_live_view_on_show() -> None:
    timeline = FakeTimeline(failing=[SPAN[-2]])
    app = make_app(lambda: SteppableFeed(timeline=timeline))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        live = app.snapshot
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: any("could not be built" in n for n in app.notes), "toast")
        await wait_until(pilot, lambda: indicator(app) == "", "not stepping")
        assert app.snapshot == live


async def test_studies_that_fail_mark_the_edge_panel_and_the_step_stands() -> None:
    timeline = FakeTimeline(edge_fails=True)
    app = make_app(lambda: SteppableFeed(timeline=timeline))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_until(
            pilot,
            lambda: app.snapshot is not None and app.snapshot.edge.status.state == "ERROR",
            "the Edge panel's error",
        )
        assert app.snapshot is not None
        assert app.snapshot.edge.status.detail == "could not compute: ValueError: a study broke"
        assert app.snapshot.source.label == replay_label(SPAN[-2])
        assert indicator(app) == "‖ stepping · esc live"


async def test_play_leaves_the_studies_out_and_pause_runs_them() -> None:
    timeline = FakeTimeline()
    app = make_app(lambda: SteppableFeed(timeline=timeline))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await go_to(pilot, f"{SPAN[10]}")
        await wait_showing(pilot, SPAN[10])
        timeline.edged.clear()
        await pilot.press("p", "plus", "plus")
        await wait_until(pilot, lambda: (shown_session(app) or SPAN[0]) >= SPAN[14], "playing")
        await pilot.press("p")
        paused = shown_session(app)
        assert paused is not None
        await wait_showing(pilot, paused)
        assert timeline.edged == [paused], "play ran the studies of the sessions it passed"


async def test_escape_says_where_it_goes() -> None:
    feed = replay_feed(SPAN[-3])
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        assert not app.check_action("stop_stepping", ("replay",))
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-4])
        assert app.check_action("stop_stepping", ("replay",))
        assert not app.check_action("stop_stepping", ("live",))


async def test_the_chains_for_the_alerts_are_read_once_after_the_first_step() -> None:
    timeline = FakeTimeline()
    timeline.chains_fail = True
    feed = SteppableFeed(timeline=timeline)
    app = make_app(lambda: feed)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.press("left_square_bracket")
        await wait_showing(pilot, SPAN[-2])
        warned = "the option chains could not be read: OSError: chain file unreadable"
        await wait_until(pilot, lambda: any(warned in note for note in app.notes), "warned")
        await pilot.press("escape", "left_square_bracket")
        await wait_showing(pilot, SPAN[-2])
        assert timeline.chains_read == 1 and feed.loads == 1
