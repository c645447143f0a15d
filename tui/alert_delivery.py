"""Delivering the log's new lines to the user (issue 12, item 2), from the notify
settings (`Settings.notify`): a toast in the app per line (at most `MAX_TOASTS` at
once, then one "and N more"), the terminal bell and a desktop notification through
the terminal (OSC 9 / 777 / 99, the bytes from core.alerts.deliver, wrapped for tmux),
and the user's command, run in a worker thread so it never blocks the screen. Each
way has its own least severity ("off" never). The escapes go through the Textual
driver's `write`, the same queue its frames go through, so they land between two
frames and never inside one (a headless app, tests and snapshots, writes nothing).
`auto_osc` picks the OSC flavour a terminal understands from its environment; the
selection functions are pure, so the tests pin them without a terminal."""

from __future__ import annotations

import logging
import os
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

COMMAND_GROUP = "alert-command"
"""Worker group of the user's command."""


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


def auto_osc(env: Mapping[str, str]) -> tuple[OscChannel, ...]:
    """The desktop notification a terminal understands, from its environment: kitty
    OSC 99; iTerm2, WezTerm, Ghostty and VS Code OSC 9; foot, VTE terminals and urxvt
    OSC 777; anything else none (an unknown escape may print as garbage)."""
    program = env.get("TERM_PROGRAM", "")
    term = env.get("TERM", "")
    if program == "kitty" or term == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return ("osc99",)
    if program in ("iTerm.app", "WezTerm", "ghostty", "vscode") or term == "xterm-ghostty":
        return ("osc9",)
    if term.startswith(("foot", "rxvt")) or env.get("VTE_VERSION"):
        return ("osc777",)
    return ()


def osc_channels(osc: str | Sequence[str], env: Mapping[str, str]) -> tuple[OscChannel, ...]:
    """The OSC flavours to write: those named, or `auto_osc` for "auto"."""
    if isinstance(osc, str):
        return auto_osc(env) if osc == "auto" else ()
    chosen: list[OscChannel] = []
    for name in osc:
        if name == "osc9":
            chosen.append("osc9")
        elif name == "osc777":
            chosen.append("osc777")
        elif name == "osc99":
            chosen.append("osc99")
    return tuple(chosen)


def terminal_bytes(entry: LogEntry, notify: NotifySettings, env: Mapping[str, str]) -> bytes:
    """What one line writes to the terminal: the bell and the desktop notification
    where its severity reaches their thresholds (empty when neither does)."""
    channels: list[Channel] = []
    if reaches(entry.severity, notify.bell):
        channels.append("bell")
    if reaches(entry.severity, notify.desktop):
        channels.extend(osc_channels(notify.osc, env))
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


class AlertDelivery:
    """Delivers batches of log lines in `app` by `notify`'s settings."""

    def __init__(
        self,
        app: App[Any],
        notify: NotifySettings,
        *,
        env: Mapping[str, str] | None = None,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.notify = notify
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.write = write or driver_writer(app)
        """Where the bell and OSC escapes go (the terminal; tests capture them)."""

    def deliver(self, entries: Sequence[LogEntry]) -> None:
        """Toasts, escapes and the command for `entries`; never raises."""
        for toast in toasts(entries, self.notify.toast):
            self.app.notify(toast.message, title=toast.title, severity=toast.severity)
        data = b"".join(terminal_bytes(entry, self.notify, self.env) for entry in entries)
        if data:
            try:
                self.write(data.decode("utf-8"))
            except (OSError, RuntimeError, AssertionError) as error:
                log.warning("alert not delivered to the terminal: %s", error)
        if self.notify.command:
            for entry in entries:
                if reaches(entry.severity, self.notify.command_severity):
                    self._run_command(entry)

    def _run_command(self, entry: LogEntry) -> None:
        command = tuple(self.notify.command)
        fields = command_fields(entry.time, entry.alert, entry.severity, entry.name, entry.message)
        timeout = float(self.notify.command_timeout)

        def run() -> None:
            failure = run_command(command, fields, timeout=timeout)  # logs its failure
            if failure is not None:
                self.app.call_from_thread(
                    self.app.notify, failure, title="Alert command", severity="warning"
                )

        self.app.run_worker(
            run,
            thread=True,
            group=COMMAND_GROUP,
            exit_on_error=False,
            description=f"alert command for {entry.alert}",
        )
