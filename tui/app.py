"""The Regime Textual app. It paints the dashboard shell at once and, once that first
frame is on screen, builds the engine in a thread (building it imports pandas and the
trading calendar, which is slow) and runs it in a worker; each Snapshot the engine
publishes arrives as a `SnapshotReady` message, becomes `RegimeApp.snapshot`, and the
dashboard (and an open detail screen) hands each panel its section. A Snapshot equal
to the one on show is not applied again: the reactive compares the frozen models by
value, so an unchanged refresh repaints nothing. Engine failures land in one
worker-state handler: an error line in the status bar and a notification, never a
crash. Keys: q quit, r refresh now, t switch thesis view, c cycle theme, l the day's
log (the Today screen), ? help, 1–8 (or Enter on a focused panel) a panel full screen.
Replay stepping (issue 13, item 2; state in `tui.stepping`): [ and ] one session back
and forward, { and } a week, g go to a date, p play and pause, + and - the speed while
playing, escape back to the live view (in a replay, to the replayed session), as does
] past the newest session when stepping began live. The first key asks a `Steppable`
feed for its `replay_timeline` in a thread (which then reads the option chains for
the alerts, `read_chains`); each step builds `snapshot_at` and then
`with_edge` in one builder thread that always builds the newest target only (rapid
keys coalesce), and shows the session's alerts as toasts; the engine's Snapshots
arriving meanwhile are kept, and escape shows the newest of them at once.
A feed that watches alerts hands each cycle's new log lines to `on_alerts`; they come
back as an `AlertsArrived` message and are delivered (toast, bell, desktop
notification, command) by `tui.alert_delivery`; the first batch also says how many
lines the log gained since Regime was last closed, and quitting marks it closed.
SIGTERM, SIGHUP and SIGINT quit as q does (terminal given back, exit status 128 + the
signal), and after SIGTSTP and `fg` the whole screen repaints at once. On a real
terminal the app suits itself at mount: fewer than 256 colours gets the ANSI theme (said
once), a locale that is not UTF-8 gets ASCII only (`use_ascii`). Nothing heavy is
imported at module import time: Snapshot types are for type checking only, and plotext
loads after the first paint."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from textual import on, work
from textual.app import App, CSSPathType, InvalidThemeError
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from core.clock import Clock, system_clock
from themes import APP_CSS, DEFAULT_THEME, next_theme, register_themes, thesis_variable_defaults
from themes.terminal import terminal_is_utf8, theme_for_terminal
from tui.alert_delivery import AlertDelivery, AlertsArrived, DefaultNotify, NotifySettings
from tui.commands import RegimeCommands
from tui.messages import SnapshotReady, StepReady
from tui.screens.dashboard import DashboardScreen
from tui.screens.detail import DetailScreen
from tui.screens.go_to import GoToScreen
from tui.screens.help import HelpScreen
from tui.screens.panels import other_thesis, panel_view, panels
from tui.screens.today import TodayLog, TodayScreen
from tui.stepping import NEEDS_ENGINE, WEEK, Stepping, alert_toasts, snap_index
from widgets import look
from widgets.panel import Panel
from widgets.status_line import StatusLine

if TYPE_CHECKING:
    from datetime import date, datetime

    from textual.filter import LineFilter
    from textual.timer import Timer

    from core.alerts.entry import LogEntry
    from core.engine import SnapshotFeed
    from core.replay_timeline import Steppable, Timeline
    from core.snapshot import Snapshot, Thesis

ENGINE_GROUP = "engine"
"""Worker group of the engine loop (its failures are reported, never raised)."""

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
"""Signals that end the monitor the way `q` does: the terminal restored, the store's
last write finished, exit status 128 + the signal's number."""

DETAIL_KEYS = Binding.Group("Open a panel full screen", compact=True)
"""The panel keys 1–8, one group in the help."""
STEP_KEYS = Binding.Group("Replay", compact=True)
"""Replay stepping's [ ] { } g p (and + - while playing), one key group in the footer:
`[]{}gp Replay` keeps the footer within 80 columns."""

TIMELINE_GROUP = "replay-timeline"
"""Worker group of the load of the sessions replay stepping steps through."""
STEP_GROUP = "replay-step"
"""Worker group of the builder of the stepped sessions' Snapshots."""
REPLAY_TITLE = "Replay"
"""Title of replay stepping's notices."""

log = logging.getLogger(__name__)


def one_line(error: BaseException) -> str:
    """An exception in one line, as `core.failures.describe` says it (imported here,
    late: it loads pandas, which the first frame must not wait for)."""
    from core.failures import describe

    return describe(error)


SnapshotScreen = DashboardScreen | DetailScreen
"""The screens that show a Snapshot and follow the thesis in view."""


class FeedRefused(Exception):
    """The feed cannot start on what the user asked for (a replay past the end of the
    data): the app ends at once with `EXIT_REFUSED`, its `refusal` holding the reason
    for the command line to print."""


EXIT_REFUSED = 2
"""The monitor's exit status when its feed refused the user's input (as the CLI's)."""


class DrawSettings(Protocol):
    """What the app draws with from the settings (core.view_settings.ViewSettings, read
    before the first frame, or the full core.config.Settings)."""

    @property
    def theme(self) -> str:
        """The theme at start."""
        ...

    @property
    def thesis(self) -> Thesis:
        """The thesis in view at start."""
        ...


@runtime_checkable
class SavesAtExit(Protocol):
    """A feed that keeps its latest Snapshot for the next start (the engine does)."""

    def save_now(self) -> None:
        """Write the latest Snapshot not yet written, at once."""
        ...


@runtime_checkable
class DeliversAlerts(Protocol):
    """A feed that hands each cycle's new log lines to `on_alerts` (the engine does)."""

    on_alerts: Callable[[Sequence[LogEntry]], None] | None


@runtime_checkable
class AlertLog(Protocol):
    """The feed's alert watcher (core.alerts.watcher.AlertWatcher): the day's log, and
    the time the app was closed."""

    def today(self, now: datetime) -> TodayLog:
        """The log since the open and since the app was last closed."""
        ...

    def close(self, at: datetime) -> None:
        """Mark the app closed at `at`."""
        ...


ALERTS_GROUP = "alerts"
"""Worker group of the reads of the log the app makes itself."""


class RegimeApp(App[None]):
    """The S&P 500 market-regime monitor."""

    TITLE = "Regime"
    SUB_TITLE = "S&P 500 market regime"
    CSS_PATH: ClassVar[CSSPathType | None] = [APP_CSS]
    COMMANDS = App.COMMANDS | {RegimeCommands}
    # Textual annotates these `ClassVar[...] | None`, which mypy reads as instance
    # variables: a ClassVar annotation here would not type-check.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-medium"), (120, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit Regime."),
        Binding("r", "refresh_now", "Refresh", id="refresh", tooltip="Fetch and recompute now."),
        Binding(
            "t",
            "toggle_thesis",
            "Bull/Bear",
            id="thesis",
            tooltip="Switch between the bull and the bear view: checklist, verdict, "
            "accent and the panels emphasised.",
        ),
        Binding(
            "c,ctrl+t",
            "cycle_theme",
            "Theme",
            id="theme",
            show=False,  # the footer keeps 80 columns for replay's keys; help lists it
            tooltip="Cycle the theme: dark, light, ANSI (for SSH and 16 colours).",
        ),
        Binding(
            "l",
            "today",
            "Today",
            id="today",
            show=False,  # as the theme: toasts of alerts say "press l"
            tooltip="The day's log: alerts and checklist changes since the open and "
            "since you last closed Regime.",
        ),
        Binding(
            "question_mark,h",
            "help",
            "Help",
            id="help",
            key_display="?",
            tooltip="Keys and what each panel shows.",
        ),
        Binding(
            "left_square_bracket",
            "step(-1)",
            "one session back",
            id="step.back",
            group=STEP_KEYS,
            tooltip="Replay: one session back (from the live view too).",
        ),
        Binding(
            "right_square_bracket",
            "step(1)",
            "one session forward",
            id="step.forward",
            group=STEP_KEYS,
            tooltip="Replay: one session forward (past the newest: the live view).",
        ),
        Binding(
            "left_curly_bracket",
            f"step({-WEEK})",
            "a week back",
            id="step.week_back",
            group=STEP_KEYS,
            tooltip=f"Replay: a week ({WEEK} sessions) back.",
        ),
        Binding(
            "right_curly_bracket",
            f"step({WEEK})",
            "a week forward",
            id="step.week_forward",
            group=STEP_KEYS,
            tooltip=f"Replay: a week ({WEEK} sessions) forward.",
        ),
        Binding(
            "g",
            "go_to",
            "go to a date",
            id="go_to",
            group=STEP_KEYS,
            tooltip="Replay: go to a date (the last session on or before it).",
        ),
        Binding(
            "p",
            "play",
            "play or pause",
            id="play",
            group=STEP_KEYS,
            tooltip="Replay: play through the sessions, or pause.",
        ),
        Binding(
            "plus",
            "speed(1)",
            "faster (up to 8 sessions a second)",
            id="speed.up",
            group=STEP_KEYS,
            tooltip="While playing: more sessions a second (1, 2, 4, 8).",
        ),
        Binding(
            "minus",
            "speed(-1)",
            "slower (down to 1)",
            id="speed.down",
            group=STEP_KEYS,
            tooltip="While playing: fewer sessions a second.",
        ),
        Binding(
            "escape",
            "stop_stepping('live')",
            "Live",
            id="live",
            tooltip="Stop stepping: back to the live view (in a replay, to the replayed session).",
        ),
        Binding(
            "escape",
            "stop_stepping('replay')",
            "Back",
            id="back",
            tooltip="Stop stepping: back to the replayed session (--as-of).",
        ),
        *(
            Binding(
                view.key,
                f"open_detail('{view.id}')",
                view.title,
                id=f"detail.{view.id}",
                show=False,
                group=DETAIL_KEYS,
                tooltip=f"Open {view.title} full screen.",
            )
            for view in panels()
            if view.key
        ),
    ]

    # The app draws nothing itself: these reactives only hand their values to the
    # screens (whose panels repaint just what changed), so none repaints the screen.
    snapshot: reactive[Snapshot | None] = reactive(None, init=False, repaint=False)
    """The newest Snapshot the engine published; None until the first one."""

    thesis: reactive[Thesis] = reactive("bull", init=False, repaint=False)
    """The thesis in view: the checklist shows its items, the verdict puts it first,
    and the panels it rests on carry its accent."""

    engine_error: reactive[str | None] = reactive(None, init=False, repaint=False)
    """What failed in the engine itself; every status line shows it."""

    def __init__(
        self,
        settings: DrawSettings,
        feed_factory: Callable[[], SnapshotFeed],
        clock: Clock = system_clock,
        restore: Callable[[], Snapshot | None] | None = None,
    ) -> None:
        super().__init__()
        # A monitor left open over SSH: every byte counts, and nothing should move
        # unless a reading did (scrolling to a focused panel jumps, it never glides).
        self.animation_level = "none"
        self.settings = settings
        self.clock = clock
        self._feed_factory = feed_factory
        self._restore = restore
        """Returns the last run's Snapshot (already marked as such), or None."""
        self._feed: SnapshotFeed | None = None
        self.refusal: str | None = None
        """Why the feed refused to start (the app then exits with EXIT_REFUSED)."""
        self._dashboard: DashboardScreen | None = None
        self._ascii_filter: look.AsciiOnly | None = None
        """Set once the app draws with ASCII only."""
        self.alert_delivery: AlertDelivery | None = None
        """Delivers the feed's new log lines, once a feed that watches alerts runs."""
        self._told_since_close = False
        self._live: Snapshot | None = None
        """The feed's newest Snapshot: on show unless stepping, shown again after."""
        self._stepping: Stepping | None = None
        """Where replay stepping stands; None on the live view."""
        self._loading = False
        self._pending: Callable[[Stepping], None] | None = None
        """What to do once the sessions are loaded (the key that asked for them)."""
        self._player: Timer | None = None
        self._shown: date | None = None
        """The stepped session whose Snapshot is on show (play waits for it)."""
        self._alerted: date | None = None
        self._build_lock = threading.Lock()
        self._target: tuple[Timeline, date] | None = None
        """The session the builder is to build next (guarded by _build_lock)."""
        self._building = False
        self._timeline: tuple[Timeline, date | None] | None = None
        """The sessions last loaded and where stepping started on them (kept for the
        next time stepping starts from the same session)."""
        self.set_reactive(RegimeApp.thesis, settings.thesis)

    def get_default_screen(self) -> DashboardScreen:
        self._dashboard = DashboardScreen(clock=self.clock, thesis=self.thesis)
        return self._dashboard

    @property
    def dashboard(self) -> DashboardScreen:
        """The dashboard screen (below any overlay)."""
        assert self._dashboard is not None, "the app is not running"
        return self._dashboard

    @property
    def feed(self) -> SnapshotFeed | None:
        """The running engine, once it has been built."""
        return self._feed

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The thesis accents for a theme that does not name them (Regime's do)."""
        return thesis_variable_defaults(self.current_theme)

    def on_load(self) -> None:
        # Before the driver takes the terminal, so no signal can ever leave it raw.
        self.catch_exit_signals()

    def on_mount(self) -> None:
        register_themes(self)
        self.apply_theme(self.settings.theme)
        if not self.is_headless:  # tests and snapshots keep the theme they ask for
            self.fit_terminal(self.console.color_system, utf8=terminal_is_utf8())
        self.app_resume_signal.subscribe(self, self.repaint_after_resume)

    def fit_terminal(self, color_system: str | None, *, utf8: bool) -> None:
        """Suit a terminal of `color_system` (rich's name: "standard" is 16 colours):
        the ANSI theme below 256 colours, saying so once; ASCII only unless `utf8`."""
        theme = theme_for_terminal(
            self.theme, color_system, ansi_requested=self.current_theme.ansi, headless=False
        )
        if theme != self.theme:
            self.theme = theme
            self.notify(
                f"This terminal shows fewer than 256 colours: using {theme}, so up and "
                "down, pass and fail keep their colours (c changes the theme).",
                title="Theme",
            )
        if not utf8:
            self.use_ascii()

    def use_ascii(self) -> None:
        """Draw with ASCII only from now on: charts with ASCII markers (the app's
        ASCII_CLASS) and every other glyph through `look.AsciiOnly`."""
        if self._ascii_filter is not None:
            return
        self._ascii_filter = look.AsciiOnly()
        self.add_class(look.ASCII_CLASS)
        for screen in self.screen_stack:
            for widget in screen.walk_children(with_self=True):
                widget.refresh()

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if self._ascii_filter is None:
            return filters
        return [*filters, self._ascii_filter]

    def on_unmount(self) -> None:
        # The terminal is restored by now: a second signal while the last store write
        # finishes may end the process at once.
        self.release_exit_signals()
        # The engine writes its Snapshot at most once a minute; the last minute's
        # readings are the next start's first paint.
        if isinstance(self._feed, SavesAtExit):
            self._feed.save_now()
        watcher = self.alert_log
        if watcher is not None:
            watcher.close(self.clock())
        if self.alert_delivery is not None:
            self.alert_delivery.close()

    def catch_exit_signals(self) -> None:
        """Route SIGTERM, SIGHUP and SIGINT to `exit_on_signal` on the event loop.

        Without this SIGTERM and SIGHUP kill the process where it stands (Textual
        catches neither), leaving the terminal raw, on the alternate screen, with mouse
        reporting on and the cursor hidden; and SIGINT cancels the loop's task from
        under the app. Through `App.exit` the driver restores the terminal and the
        engine's worker threads finish their store writes before the process ends."""
        loop = asyncio.get_running_loop()
        for signum in EXIT_SIGNALS:
            try:
                loop.add_signal_handler(signum, self.exit_on_signal, signum)
            except (ValueError, RuntimeError, NotImplementedError):
                return  # not the main thread (or not Unix): the caller owns signals

    def release_exit_signals(self) -> None:
        """Give SIGTERM, SIGHUP and SIGINT back their default actions."""
        loop = asyncio.get_running_loop()
        for signum in EXIT_SIGNALS:
            loop.remove_signal_handler(signum)

    def exit_on_signal(self, signum: int) -> None:
        """Quit as `q` does, with the conventional status of a signal's death."""
        self.exit(return_code=128 + signum)

    def repaint_after_resume(self, _app: App[None]) -> None:
        """Paint the whole screen after SIGTSTP and `fg`: the driver re-enters the
        alternate screen (blank) at the same size, so no resize would repaint it."""
        self.refresh(layout=True)

    def on_ready(self) -> None:
        # Start the engine only once the shell is on screen: building it imports
        # pandas in a thread, which would otherwise compete with the first paint.
        if self._restore is not None:
            self.restore_last()
        self.run_engine()

    @work(thread=True, exclusive=True, group="restore", exit_on_error=False)
    def restore_last(self) -> None:
        """Show the last run's readings until the engine's first Snapshot arrives."""
        assert self._restore is not None
        saved = self._restore()
        if saved is not None:
            self.call_from_thread(self._show_restored, saved)

    def _show_restored(self, saved: Snapshot) -> None:
        if self._live is None:  # never cover a fresh reading with an old one
            self._live = saved
            if self._stepping is None:
                self.snapshot = saved

    def apply_theme(self, name: str) -> None:
        """Use theme `name`; fall back to the default (and say so) if it is unknown."""
        try:
            self.theme = name
        except InvalidThemeError:
            self.theme = DEFAULT_THEME
            self.notify(
                f"Unknown theme {name!r}; using {DEFAULT_THEME}.",
                title="Theme",
                severity="warning",
            )

    @work(exclusive=True, group=ENGINE_GROUP, exit_on_error=False, description="engine")
    async def run_engine(self) -> None:
        """Build the engine off the event loop, then run it, posting each Snapshot. A
        feed that refuses the input ends the app (see `FeedRefused`)."""
        try:
            self._feed = await asyncio.to_thread(self._build_feed)
        except FeedRefused as refused:
            self.refusal = str(refused)
            self.exit(return_code=EXIT_REFUSED)
            return
        self._hook_alerts(self._feed)
        if self.alert_delivery is not None:
            # Inside tmux "auto" asks tmux for its client's terminal: never on the loop.
            await asyncio.to_thread(self.alert_delivery.resolve_osc)
        await self._feed.run(self.publish)

    def _hook_alerts(self, feed: SnapshotFeed) -> None:
        """Deliver the feed's new log lines, by the notify settings (the feed's, else
        the app's, else the defaults)."""
        if not isinstance(feed, DeliversAlerts):
            return
        notify: NotifySettings | None = getattr(getattr(feed, "settings", None), "notify", None)
        if notify is None:
            notify = getattr(self.settings, "notify", None) or DefaultNotify()
        self.alert_delivery = AlertDelivery(self, notify)

        def on_alerts(entries: Sequence[LogEntry]) -> None:
            # post_message is thread-safe: the engine may call this from any thread.
            self.post_message(AlertsArrived(tuple(entries)))

        feed.on_alerts = on_alerts

    @property
    def alert_log(self) -> AlertLog | None:
        """The running feed's alert watcher, if it has one."""
        watcher = getattr(self._feed, "watcher", None)
        return watcher if isinstance(watcher, AlertLog) else None

    @on(AlertsArrived)
    def deliver_alerts(self, message: AlertsArrived) -> None:
        if self.alert_delivery is not None and message.entries:
            self.alert_delivery.deliver(message.entries)
        if not self._told_since_close and self.alert_log is not None:
            self._told_since_close = True
            self.tell_since_close()

    @work(thread=True, group=ALERTS_GROUP, exit_on_error=False)
    def tell_since_close(self) -> None:
        """Once the engine has run: one toast counting the log's lines since the app
        was last closed, if there are any."""
        watcher = self.alert_log
        if watcher is None:
            return
        count = len(watcher.today(self.clock()).since_last_close)
        if count:
            lines = "change" if count == 1 else "changes"
            self.call_from_thread(
                self.notify,
                f"{count} {lines} since you closed Regime · press l",
                title="Today",
                markup=False,
            )

    def _build_feed(self) -> SnapshotFeed:
        """Call the feed factory, turning an exit request into an ordinary error (a
        SystemExit escaping a worker would end the app instead of being reported)."""
        try:
            return self._feed_factory()
        except SystemExit as error:
            raise RuntimeError(f"the engine could not start (exit status {error.code})") from None

    def publish(self, snapshot: Snapshot) -> None:
        """Hand a Snapshot to the UI (safe from any thread)."""
        self.post_message(SnapshotReady(snapshot))

    @on(SnapshotReady)
    def show_snapshot(self, message: SnapshotReady) -> None:
        self._live = message.snapshot
        if self._stepping is None:  # while stepping it waits for escape
            self.snapshot = message.snapshot

    def snapshot_screens(self) -> list[SnapshotScreen]:
        """The screens showing Snapshots: the dashboard and any detail screen."""
        screens = [screen for screen in self.screen_stack if isinstance(screen, SnapshotScreen)]
        if self._dashboard is not None and self._dashboard not in screens:
            screens.append(self._dashboard)
        return screens

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        for screen in self.snapshot_screens():
            screen.snapshot = snapshot

    def watch_thesis(self, thesis: Thesis) -> None:
        for screen in self.snapshot_screens():
            screen.thesis = thesis

    def watch_engine_error(self, error: str | None) -> None:
        for screen in self.snapshot_screens():
            screen.engine_error = error

    @on(Worker.StateChanged)
    def report_worker(self, event: Worker.StateChanged) -> None:
        """The one place worker failures surface: status bar and a notification."""
        worker = event.worker
        if worker.group != ENGINE_GROUP:
            return
        if event.state == WorkerState.ERROR:
            error = worker.error
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            message = f"engine failed: {type(error).__name__}: {first_line}"
        elif event.state == WorkerState.SUCCESS:
            message = "engine stopped: no new data will arrive"
        else:
            return
        self.engine_error = message
        self.notify(message, title="Engine", severity="error", timeout=10)

    def action_refresh_now(self) -> None:
        """Ask the engine for a refresh now."""
        if self._feed is None:
            self.notify("The engine is still starting.", title="Refresh", timeout=3)
            return
        self._feed.refresh_now()
        self.notify("Refreshing…", title="Refresh", timeout=2)

    def action_toggle_thesis(self) -> None:
        """Switch between the bull and the bear view."""
        self.thesis = other_thesis(self.thesis)

    def action_set_thesis(self, thesis: str) -> None:
        """Show the bull or the bear view (the palette's commands); ignore anything else."""
        if thesis == "bull":
            self.thesis = "bull"
        elif thesis == "bear":
            self.thesis = "bear"

    @on(Panel.DetailRequested)
    def open_requested_detail(self, message: Panel.DetailRequested) -> None:
        if message.panel.id is not None:
            self.action_open_detail(message.panel.id)

    def action_open_detail(self, panel_id: str) -> None:
        """Show a panel full screen, in place of any other detail or the help."""
        view = panel_view(panel_id)
        if view is None:
            return
        while len(self.screen_stack) > 1 and isinstance(self.screen, (DetailScreen, HelpScreen)):
            if isinstance(self.screen, DetailScreen) and self.screen.view == view:
                return  # already on show
            self.pop_screen()
        self.push_screen(
            DetailScreen(
                view,
                clock=self.clock,
                thesis=self.thesis,
                snapshot=self.snapshot,
                engine_error=self.engine_error,
            )
        )
        self.call_after_refresh(self._show_indicator)

    def action_cycle_theme(self) -> None:
        """Move to the next of Regime's themes."""
        self.theme = next_theme(self.theme)

    def action_today(self) -> None:
        """Open the Today screen (unless it is open already)."""
        if isinstance(self.screen, TodayScreen):
            return
        watcher = self.alert_log
        self.push_screen(TodayScreen(None if watcher is None else watcher.today, self.clock()))

    def action_help(self) -> None:
        """Open the help overlay (unless it is open already)."""
        if not isinstance(self.screen, HelpScreen):
            # Escape's two bindings (live, replay) are one row: the first says both.
            bindings = [
                binding
                for binding in self.BINDINGS
                if isinstance(binding, Binding) and binding.id != "back"
            ]
            self.push_screen(HelpScreen(bindings))

    # Replay stepping (see the module docstring and tui.stepping).

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The speed keys only while playing, escape only while stepping, refresh only
        on the live view (each hidden from the footer otherwise)."""
        if action == "speed":
            return self._stepping is not None and self._stepping.playing
        if action == "stop_stepping":  # the binding that names where escape goes
            if self._stepping is None:
                return False
            return parameters == ("live" if self._stepping.from_live else "replay",)
        if action == "refresh_now":  # the live view is not on show
            return self._stepping is None
        return True

    def _with_timeline(self, then: Callable[[Stepping], None]) -> None:
        """Call `then` with where stepping stands, loading the sessions first (in a
        thread) when stepping has not begun; of keys pressed while they load, the last
        is done once they are in."""
        if self._stepping is not None:
            then(self._stepping)
            return
        feed = self._feed
        if feed is None:
            self.notify("The engine is still starting.", title=REPLAY_TITLE, timeout=3)
            return
        # Here, not at the top: it imports pandas, which the running engine has loaded.
        from core.replay_timeline import Steppable

        if not isinstance(feed, Steppable):
            self.notify(NEEDS_ENGINE, title=REPLAY_TITLE, severity="warning", timeout=4)
            return
        kept = self._timeline
        if kept is not None and kept[1] == feed.stepping_from:
            # The span has not moved on (a replay's never does): no need to load it again.
            then(self._starting(kept[0], kept[1], from_live=not feed.replaying))
            return
        self._pending = then
        if self._loading:
            return
        self._loading = True
        self.notify("Loading sessions for replay…", title=REPLAY_TITLE, timeout=3)
        self.load_timeline(feed)

    @work(thread=True, exclusive=True, group=TIMELINE_GROUP, exit_on_error=False)
    def load_timeline(self, feed: Steppable) -> None:
        """Ask the feed for its sessions (slow: a second or two) off the event loop."""
        try:
            timeline = feed.replay_timeline()
            start = feed.stepping_from
            sessions = timeline.sessions
            if not sessions:
                raise ValueError("the replay has no sessions")
        except Exception as error:
            self.call_from_thread(self._timeline_failed, error)
            return
        self.call_from_thread(self._timeline_loaded, timeline, start, not feed.replaying)
        try:  # the steps have begun; the alerts on the option chains come next
            timeline.read_chains()
        except Exception as error:
            log.exception("reading the option chains for replay's alerts failed")
            self.call_from_thread(
                self.notify,
                f"Replay's gamma alerts are off: the option chains could not be read:"
                f" {one_line(error)}",
                title=REPLAY_TITLE,
                severity="warning",
                timeout=8,
                markup=False,
            )

    def _timeline_failed(self, error: Exception) -> None:
        self._loading = False
        self._pending = None
        self.notify(
            f"Replay stepping failed: {one_line(error)}",
            title=REPLAY_TITLE,
            severity="error",
            timeout=8,
            markup=False,
        )

    def _timeline_loaded(self, timeline: Timeline, start: date | None, from_live: bool) -> None:
        self._loading = False
        self._timeline = (timeline, start)
        then, self._pending = self._pending, None
        if then is not None:
            then(self._starting(timeline, start, from_live=from_live))

    @staticmethod
    def _starting(timeline: Timeline, start: date | None, *, from_live: bool) -> Stepping:
        """Stepping as it begins, on the session on show: the replayed one; live, the
        session in progress, which is one past the span's last (closed) session."""
        sessions = timeline.sessions
        index = None if start is None else snap_index(sessions, start)
        if index is None or (from_live and start is not None and start > sessions[-1]):
            index = len(sessions)  # live: the first step back shows the last session
        return Stepping(timeline, index, from_live=from_live)

    def action_step(self, by: int) -> None:
        """Step `by` sessions (negative: back); a manual step pauses play."""
        self._pause()
        self._with_timeline(lambda state: self._step(state, by))

    def _step(self, state: Stepping, by: int) -> None:
        moved, past = state.moved(by)
        if past and by > 0 and state.from_live and state.at_end:
            self.action_stop_stepping()  # past the newest: the live view
            return
        if past:
            end = "first" if by < 0 else "newest" if state.from_live else "last"
            more = " (] again: the live view)" if end == "newest" else ""
            self.notify(
                f"The {end} session of the replay, {moved.session:%Y-%m-%d}{more}.",
                title=REPLAY_TITLE,
                timeout=3,
            )
            if moved.index == state.index and self._stepping is not None:
                return
        self._go(moved)

    def action_go_to(self) -> None:
        """Ask for a date and show the last session on or before it."""
        self._pause()
        self._with_timeline(self._ask_date)

    def _ask_date(self, state: Stepping) -> None:
        sessions = state.timeline.sessions

        def chosen(day: date | None) -> None:
            index = None if day is None else snap_index(sessions, day)
            if day is None or index is None:
                return
            if sessions[index] != day:
                self.notify(
                    f"{day:%Y-%m-%d} is not a session: showing {sessions[index]:%Y-%m-%d}, "
                    "the last one before it.",
                    title=REPLAY_TITLE,
                    timeout=4,
                )
            current = self._stepping if self._stepping is not None else state
            self._go(replace(current, index=index))

        self.push_screen(GoToScreen(sessions, state.session), chosen)

    def action_play(self) -> None:
        """Play through the sessions from the one shown, or pause."""
        if self._stepping is not None and self._stepping.playing:
            self._pause()
            return
        self._with_timeline(self._play)

    def _play(self, state: Stepping) -> None:
        if state.at_end:
            self.notify(
                f"At the last session of the replay, {state.session:%Y-%m-%d}: "
                "step back ([ or g) to play from earlier.",
                title=REPLAY_TITLE,
                timeout=4,
            )
            return
        playing = replace(state, playing=True)
        if self._stepping is None:
            self._go(playing)
        else:
            self._stepping = playing
            self._stepping_changed()
        self._start_player()

    def action_speed(self, by: int) -> None:
        """Play `by` speeds faster (negative: slower)."""
        state = self._stepping
        if state is None or not state.playing:
            return
        self._stepping = state.faster(by)
        self._stepping_changed()
        self._start_player()
        rate = self._stepping.rate
        self.notify(
            f"Playing {rate} session{'s' if rate > 1 else ''} a second.",
            title=REPLAY_TITLE,
            timeout=2,
        )

    def _start_player(self) -> None:
        if self._player is not None:
            self._player.stop()
        assert self._stepping is not None
        self._player = self.set_interval(1 / self._stepping.rate, self._play_tick, name="replay")

    def _play_tick(self) -> None:
        state = self._stepping
        if state is None or not state.playing or not self.is_running:
            self._pause()
            return
        if self._shown != state.session:
            return  # the last step is still being built: each session is shown
        moved, past = state.moved(1)
        if past:
            self._pause()
            self.notify(
                f"End of the replay's sessions: {state.session:%Y-%m-%d}.",
                title=REPLAY_TITLE,
                timeout=4,
            )
            return
        self._go(moved)

    def _pause(self) -> None:
        """Stop playing (nothing when not playing); the session shown then gets its
        Edge panel, which play leaves out."""
        if self._player is not None:
            self._player.stop()
            self._player = None
        if self._stepping is not None and self._stepping.playing:
            self._go(replace(self._stepping, playing=False))

    def action_stop_stepping(self) -> None:
        """Back to the feed's newest Snapshot (the live view, or the replayed session)."""
        if self._stepping is None:
            return
        self._pause()
        self._stepping = None
        with self._build_lock:
            self._target = None
        self._shown = None
        self._alerted = None
        self._stepping_changed()
        if self._live is not None:
            self.snapshot = self._live

    def _go(self, state: Stepping) -> None:
        """Show `state`'s session: build its Snapshot in the builder thread."""
        if self._stepping is None or self._stepping.session != state.session:
            self._alerted = None
        self._stepping = state
        self._stepping_changed()
        with self._build_lock:
            self._target = (state.timeline, state.session)
            if self._building:
                return  # the running builder takes the new target next
            self._building = True
        self.build_steps()

    @work(thread=True, exclusive=True, group=STEP_GROUP, exit_on_error=False)
    def build_steps(self) -> None:
        """Build the target session's Snapshot, then its Edge panel, posting each; a
        target that changed meanwhile is not posted, and the newest is built next."""
        built: tuple[Timeline, date] | None = None
        while True:
            with self._build_lock:
                target = self._target
                if target is None or target == built:
                    self._building = False
                    return
            timeline, session = target
            built = target
            try:
                snapshot = timeline.snapshot_at(session)
                alerts = tuple(timeline.alerts_at(session))
            except Exception as error:
                self.call_from_thread(self._step_failed, session, error)
                continue
            if self._target != target:
                continue
            self.post_message(StepReady(snapshot, session, alerts))
            stepping = self._stepping
            if stepping is not None and stepping.playing:
                continue  # the studies take longer than a step: they run on pause
            try:
                snapshot = timeline.with_edge(snapshot)
            except Exception as error:  # the Edge panel says so; the step stands
                from core.snapshot import PanelStatus

                log.exception("the studies of %s failed", session)
                status = PanelStatus(state="ERROR", detail=f"could not compute: {one_line(error)}")
                snapshot = snapshot.model_copy(
                    update={"edge": snapshot.edge.model_copy(update={"status": status})}
                )
            if self._target == target:
                self.post_message(StepReady(snapshot, session, alerts))

    def _step_failed(self, session: date, error: Exception) -> None:
        """Say so, and stand again on the session on show (none yet: the live view)."""
        self._pause()  # play waits for each step: it would wait forever
        state = self._stepping
        if state is not None and state.session == session:
            shown = self._shown
            if shown is None:
                self.action_stop_stepping()
            else:
                self._stepping = replace(state, index=state.timeline.sessions.index(shown))
                self._stepping_changed()
        self.notify(
            f"{session:%Y-%m-%d} could not be built: {one_line(error)}",
            title=REPLAY_TITLE,
            severity="error",
            timeout=8,
            markup=False,
        )

    @on(StepReady)
    def show_step(self, message: StepReady) -> None:
        state = self._stepping
        if state is None or state.session != message.session or not self.is_running:
            return  # stepped on, back to live, or shutting down (the screens are gone)
        self.snapshot = message.snapshot
        self._shown = message.session
        if self._alerted != message.session:
            self._alerted = message.session
            self._toast_alerts(message.session, message.alerts, playing=state.playing)

    def _toast_alerts(self, session: date, entries: Sequence[LogEntry], *, playing: bool) -> None:
        """A session's alerts as plain toasts (never the bell, desktop or command:
        those are for alerts happening now); shorter-lived while playing."""
        notify = None if self.alert_delivery is None else self.alert_delivery.notify
        threshold = "info" if notify is None else notify.toast
        for toast in alert_toasts(session, entries, threshold):
            self.notify(
                toast.message,
                title=toast.title,
                severity=toast.severity,
                timeout=2 if playing else 6,
                markup=False,
            )

    def _stepping_changed(self) -> None:
        self._show_indicator()
        self.refresh_bindings()

    def _show_indicator(self) -> None:
        """Every status line says what stepping does (nothing on the live view)."""
        text = None if self._stepping is None else self._stepping.indicator()
        for screen in self.snapshot_screens():
            for line in screen.query(StatusLine):
                line.stepping = text
