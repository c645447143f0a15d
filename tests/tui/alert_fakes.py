"""Fakes for the alert tests of the TUI: log lines at fixed times, a watcher that
serves them as the day's log, notify settings, and a FakeFeed that watches alerts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.alerts.alert import Severity
from core.alerts.entry import STATUS_ALERT, LogEntry
from core.clock import NEW_YORK
from tests.tui.sample import FakeFeed

OPEN = datetime(2026, 1, 28, 9, 30, tzinfo=NEW_YORK)
LAST_CLOSED = datetime(2026, 1, 27, 21, 3, tzinfo=NEW_YORK)


def entry(
    hour: int,
    minute: int,
    alert: str,
    name: str,
    severity: Severity,
    message: str,
    day: int = 28,
) -> LogEntry:
    """A log line at `hour:minute` New York time on Jan `day` 2026."""
    time = datetime(2026, 1, day, hour, minute, tzinfo=NEW_YORK)
    status = alert == STATUS_ALERT
    return LogEntry(
        time=time,
        session=time.date(),
        kind="status" if status else "alert",
        alert=alert,
        key=alert,
        name=name,
        severity=severity,
        message=message,
        source="sim",
    )


SINCE_OPEN = [
    entry(10, 5, "vix_jump", "VIX jump", "warning", "VIX up 14% to 19.8 in one session"),
    entry(
        11,
        42,
        STATUS_ALERT,
        "Positive gamma",
        "info",
        "bull: Positive gamma fail -> pass (zero gamma 6,931)",
    ),
    entry(
        15,
        58,
        "cross_200dma",
        "S&P 500 below its 200-day",
        "critical",
        "S&P 500 closed 6,978.03 below its 200-day average 6,990.12",
    ),
]
BEFORE_OPEN = [
    entry(8, 15, "td_9", "TD sell setup 9", "info", "TD sell setup completed at 9", day=28),
    entry(22, 40, "milestone", "Milestone 7,000", "warning", "S&P 500 futures 7,001", day=27),
]


@dataclass
class FakeToday:
    """What the watcher's `today` returns (core.alerts.watcher.Today)."""

    since_open: list[LogEntry] = field(default_factory=list)
    since_last_close: list[LogEntry] = field(default_factory=list)
    open_at: datetime | None = OPEN
    last_closed: datetime | None = LAST_CLOSED


class FakeWatcher:
    """Serves a fixed day's log and records when the app closed."""

    def __init__(self, today: FakeToday | None = None) -> None:
        self.log = today or FakeToday(
            since_open=list(SINCE_OPEN), since_last_close=[*BEFORE_OPEN, *SINCE_OPEN]
        )
        self.asked: list[datetime] = []
        self.closed: list[datetime] = []

    def today(self, now: datetime) -> FakeToday:
        self.asked.append(now)
        return self.log

    def close(self, at: datetime) -> None:
        self.closed.append(at)


@dataclass(frozen=True)
class FakeNotify:
    """core.config's Notify, as the tests set it."""

    toast: str = "info"
    bell: str = "warning"
    desktop: str = "warning"
    osc: str | tuple[str, ...] = ("osc9",)
    command: tuple[str, ...] = ()
    command_severity: str = "warning"
    command_timeout: float = 10.0


@dataclass(frozen=True)
class FakeSettings:
    """The part of the engine's settings delivery reads."""

    notify: FakeNotify = FakeNotify()


class AlertingFeed(FakeFeed):
    """A FakeFeed with an alert watcher, notify settings and the `on_alerts` hook."""

    def __init__(
        self, watcher: FakeWatcher | None = None, notify: FakeNotify | None = None
    ) -> None:
        super().__init__()
        self.watcher = watcher or FakeWatcher()
        self.settings = FakeSettings(notify or FakeNotify())
        self.on_alerts: Callable[[Sequence[LogEntry]], None] | None = None
