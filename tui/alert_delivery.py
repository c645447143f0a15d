"""Delivering the log's new lines to the user (issue 12, item 2), from the notify
settings (`Settings.notify`): a toast in the app per line (at most `MAX_TOASTS` at
once, then one "and N more"), the terminal bell and a desktop notification through
the terminal (OSC 9 / 777 / 99, the bytes from core.alerts.deliver, wrapped for tmux),
and the user's command, run one line at a time on one thread of its own (a command that
hangs never holds the loop's thread pool, which the engine needs). Each
way has its own least severity ("off" never). The escapes go through the Textual
driver's `write`, the same queue its frames go through, so they land between two
frames and never inside one (a headless app, tests and snapshots, writes nothing).
`auto_osc` picks the OSC flavour a terminal understands from its environment (inside
tmux, from tmux's client); the selection functions are pure, so the tests pin them
without a terminal. Toasts are plain text: a log line's brackets are never markup."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from textual.message import Message

from core.alerts.deliver import Channel, command_fields, run_command, sequences

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from core.alerts.entry import LogEntry

log = logging.getLogger(__name__)

Threshold = Literal["info", "warning", "critical", "off"]
"""The least severity delivered one way, or "off"."""
OscChannel = Literal["osc9", "osc777", "osc99"]

SEVERITY_RANK: Mapping[str, int] = {"info": 0, "warning": 1, "critical": 2}
TOAST_SEVERITY: Mapping[str, SeverityLevel] = {
    "info": "information",
    "warning": "warning",
    "critical": "error",
}
"""Textual's toast severity for each of the log's."""

MAX_TOASTS = 3
"""Toasts shown for one batch; the rest are counted in one more toast."""

COMMAND_QUEUE_SIZE = 100
"""Commands waiting to run at most; more are dropped (and logged)."""
TMUX_TIMEOUT_S = 1.0
"""How long asking tmux for its client's terminal may take."""
TMUX_CLIENT_FORMAT = "#{client_termname}\t#{client_termtype}"
"""The client's TERM and, on tmux 3.3+, the terminal's own name (its XTVERSION)."""


class AlertsArrived(Message):
    """The feed's new log lines for one cycle (posted from `on_alerts`)."""

    def __init__(self, entries: tuple[LogEntry, ...]) -> None:
        super().__init__()
        self.entries = entries


class NotifySettings(Protocol):
    """What delivery reads of the settings (core.config's `Notify`)."""

    @property
    def toast(self) -> str: ...
    @property
    def bell(self) -> str: ...
    @property
    def desktop(self) -> str: ...
    @property
    def osc(self) -> str | Sequence[str]: ...
    @property
    def command(self) -> Sequence[str]: ...
    @property
    def command_severity(self) -> str: ...
    @property
    def command_timeout(self) -> float: ...


@dataclass(frozen=True)
class DefaultNotify:
    """The notify defaults, for a feed whose settings carry none."""

    toast: str = "info"
    bell: str = "warning"
    desktop: str = "warning"
    osc: str | tuple[str, ...] = "auto"
    command: tuple[str, ...] = ()
    command_severity: str = "warning"
    command_timeout: float = 10.0


def reaches(severity: str, threshold: str) -> bool:
    """Whether a line of `severity` is delivered by a way whose least is `threshold`."""
    if threshold not in SEVERITY_RANK:
        return False  # "off"
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[threshold]


def auto_osc(env: Mapping[str, str], tmux_client: str = "") -> tuple[OscChannel, ...]:
    """The desktop notification a terminal understands, from its environment: kitty
    OSC 99; iTerm2, WezTerm, Ghostty and VS Code OSC 9; foot, VTE terminals and urxvt
    OSC 777; anything else none (an unknown escape may print as garbage). Over SSH only
    TERM and the LC_* variables come along (iTerm2 and WezTerm set LC_TERMINAL). Inside
    tmux (TMUX set) the variables are tmux's, or stale from the terminal that started
    its server, so only `tmux_client` answers (`tmux_client_terminal`)."""
    if env.get("TMUX"):
        return _client_osc(tmux_client)
    program = env.get("TERM_PROGRAM", "")
    term = env.get("TERM", "")
    lc_terminal = env.get("LC_TERMINAL", "")
    if program == "kitty" or env.get("KITTY_WINDOW_ID"):
        return ("osc99",)
    if (
        program in ("iTerm.app", "WezTerm", "ghostty", "vscode")
        or lc_terminal in ("iTerm2", "WezTerm")
        or env.get("WEZTERM_EXECUTABLE")
        or env.get("WEZTERM_PANE")
    ):
        return ("osc9",)
    if env.get("VTE_VERSION"):
        return ("osc777",)
    return _term_osc(term)


def _term_osc(term: str) -> tuple[OscChannel, ...]:
    """The flavour a TERM names, if it names a terminal known to have one."""
    if term == "xterm-kitty":
        return ("osc99",)
    if term == "xterm-ghostty" or term.startswith("wezterm"):
        return ("osc9",)
    if term.startswith(("foot", "rxvt")):
        return ("osc777",)
    return ()


CLIENT_TYPES: Sequence[tuple[str, OscChannel]] = (
    ("kitty", "osc99"),
    ("iterm2", "osc9"),
    ("wezterm", "osc9"),
    ("ghostty", "osc9"),
    ("foot", "osc777"),
)
"""The start of tmux's client_termtype (lower case) for each known terminal."""


def _client_osc(client: str) -> tuple[OscChannel, ...]:
    """The flavour of tmux's client: its TERM, else its terminal type."""
    termname, _, termtype = client.partition("\t")
    by_term = _term_osc(termname.strip())
    if by_term:
        return by_term
    kind = termtype.strip().lower()
    for prefix, channel in CLIENT_TYPES:
        if kind.startswith(prefix):
            return (channel,)
    return ()


def _run_tmux(argv: Sequence[str]) -> str:
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=TMUX_TIMEOUT_S,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout


def tmux_client_terminal(run: Callable[[Sequence[str]], str] = _run_tmux) -> str:
    """What tmux knows of the terminal attached to it ("TERM\tTYPE"), "" if tmux
    cannot tell (not found, slow, failing: then no OSC, as for an unknown terminal)."""
    try:
        return run(["tmux", "display-message", "-p", TMUX_CLIENT_FORMAT]).strip()
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        log.info("tmux did not name its client's terminal: %s", error)
        return ""


def osc_channels(
    osc: str | Sequence[str], env: Mapping[str, str], tmux_client: str = ""
) -> tuple[OscChannel, ...]:
    """The OSC flavours to write: those named, or `auto_osc` for "auto"."""
    if isinstance(osc, str):
        return auto_osc(env, tmux_client) if osc == "auto" else ()
    chosen: list[OscChannel] = []
    for name in osc:
        if name == "osc9":
            chosen.append("osc9")
        elif name == "osc777":
            chosen.append("osc777")
        elif name == "osc99":
            chosen.append("osc99")
    return tuple(chosen)


def terminal_bytes(
    entry: LogEntry,
    notify: NotifySettings,
    env: Mapping[str, str],
    osc: Sequence[OscChannel] | None = None,
) -> bytes:
    """What one line writes to the terminal: the bell and the desktop notification
    where its severity reaches their thresholds (empty when neither does). `osc` is
    the flavours already chosen (by default `osc_channels` of the settings)."""
    channels: list[Channel] = []
    if reaches(entry.severity, notify.bell):
        channels.append("bell")
    if reaches(entry.severity, notify.desktop):
        channels.extend(osc_channels(notify.osc, env) if osc is None else osc)
    if not channels:
        return b""
    return sequences(entry.name, entry.message, channels, env, notification_id=entry.alert)


@dataclass(frozen=True)
class Toast:
    """One toast: its text, title and Textual severity."""

    message: str
    title: str
    severity: SeverityLevel


def toasts(entries: Sequence[LogEntry], threshold: str) -> list[Toast]:
    """The toasts for one batch: one per line that reaches `threshold`, the first
    `MAX_TOASTS`, then one counting the rest (at the worst severity among them)."""
    shown = [entry for entry in entries if reaches(entry.severity, threshold)]
    result = [
        Toast(entry.message, entry.name, TOAST_SEVERITY.get(entry.severity, "information"))
        for entry in shown[:MAX_TOASTS]
    ]
    rest = shown[MAX_TOASTS:]
    if rest:
        worst = max(rest, key=lambda entry: SEVERITY_RANK.get(entry.severity, 0)).severity
        result.append(
            Toast(
                f"and {len(rest)} more · press l for the log",
                "Alerts",
                TOAST_SEVERITY.get(worst, "information"),
            )
        )
    return result


def driver_writer(app: App[Any]) -> Callable[[str], None]:
    """Writes raw text to the app's terminal through its driver (as `App.bell` does),
    nothing when the app is headless or not running."""

    def write(text: str) -> None:
        driver = app._driver  # where Textual's own bell writes
        if driver is not None and not app.is_headless:
            driver.write(text)

    return write


class CommandQueue:
    """Runs jobs one at a time on one daemon thread, started by the first job: a
    command that hangs delays the next ones, never the app (nor the loop's thread
    pool). At most `maxsize` wait; more are dropped with a warning."""

    def __init__(self, maxsize: int = COMMAND_QUEUE_SIZE) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._start = threading.Lock()

    @property
    def stopped(self) -> bool:
        """Whether `stop` was called (jobs still queued are then skipped)."""
        return self._stopped.is_set()

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return self._jobs.unfinished_tasks

    def submit(self, job: Callable[[], None], what: str = "job") -> bool:
        """Queue `job`; False (and a warning) when stopped or full."""
        if self.stopped:
            return False
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="regime-alert-command", daemon=True
                )
                self._thread.start()
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            log.warning("alert command dropped (%d already waiting): %s", self._jobs.maxsize, what)
            return False
        return True

    def stop(self) -> None:
        """Let the thread end after the job it runs, skipping those still queued (a
        daemon thread: a command that hangs does not hold the process at exit)."""
        self._stopped.set()
        with contextlib.suppress(queue.Full):  # the thread sees the flag first
            self._jobs.put_nowait(None)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None or self.stopped:
                    return
                job()
            except Exception:
                log.exception("alert command job failed")
            finally:
                self._jobs.task_done()


class AlertDelivery:
    """Delivers batches of log lines in `app` by `notify`'s settings."""

    def __init__(
        self,
        app: App[Any],
        notify: NotifySettings,
        *,
        env: Mapping[str, str] | None = None,
        write: Callable[[str], None] | None = None,
        tmux_client: Callable[[], str] = tmux_client_terminal,
    ) -> None:
        self.app = app
        self.notify = notify
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.write = write or driver_writer(app)
        """Where the bell and OSC escapes go (the terminal; tests capture them)."""
        self.commands = CommandQueue()
        """Runs the user's command, one line at a time."""
        self._tmux_client = tmux_client
        self._osc: tuple[OscChannel, ...] | None = None

    def resolve_osc(self) -> tuple[OscChannel, ...]:
        """The OSC flavours to write, chosen once (asking tmux at most once, for
        "auto" inside tmux; may block up to `TMUX_TIMEOUT_S`, so the app calls it off
        the loop first)."""
        if self._osc is None:
            osc = self.notify.osc
            asks_tmux = isinstance(osc, str) and osc == "auto" and bool(self.env.get("TMUX"))
            client = self._tmux_client() if asks_tmux else ""
            self._osc = osc_channels(osc, self.env, client)
        return self._osc

    def deliver(self, entries: Sequence[LogEntry]) -> None:
        """Toasts, escapes and the command for `entries`; never raises."""
        for toast in toasts(entries, self.notify.toast):
            self.app.notify(toast.message, title=toast.title, severity=toast.severity, markup=False)
        osc = self.resolve_osc()
        data = b"".join(terminal_bytes(entry, self.notify, self.env, osc) for entry in entries)
        if data:
            try:
                self.write(data.decode("utf-8"))
            except (OSError, RuntimeError, AssertionError) as error:
                log.warning("alert not delivered to the terminal: %s", error)
        if self.notify.command:
            for entry in entries:
                if reaches(entry.severity, self.notify.command_severity):
                    self._run_command(entry)

    def close(self) -> None:
        """Stop running commands (at unmount)."""
        self.commands.stop()

    def _run_command(self, entry: LogEntry) -> None:
        command = tuple(self.notify.command)
        fields = command_fields(entry.time, entry.alert, entry.severity, entry.name, entry.message)
        timeout = float(self.notify.command_timeout)

        def run() -> None:
            failure = run_command(command, fields, timeout=timeout)  # logs its failure
            if failure is None or self.commands.stopped:
                return
            # RuntimeError: the app has ended (run_command has logged the failure).
            with contextlib.suppress(RuntimeError):
                self.app.call_from_thread(
                    self.app.notify,
                    failure,
                    title="Alert command",
                    severity="warning",
                    markup=False,
                )

        self.commands.submit(run, f"{entry.alert} at {entry.time:%H:%M}")
