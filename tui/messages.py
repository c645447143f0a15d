"""Messages that cross the app: `SnapshotReady`, posted by the engine worker each time
the feed publishes, and `StepReady`, posted by replay stepping's builder with a
session's Snapshot (and its log lines). Each replaces any of its kind still waiting in
the queue, so a slow screen never works through a backlog of stale Snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from core.alerts.entry import LogEntry
    from core.snapshot import Snapshot


class SnapshotReady(Message):
    """The engine published a new Snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        """Only the newest Snapshot matters: it supersedes any older one queued."""
        return isinstance(message, SnapshotReady)


class StepReady(Message):
    """Replay stepping built `session`'s Snapshot (first without its Edge panel, then
    with it); `alerts` are the log lines of that session's close."""

    def __init__(self, snapshot: Snapshot, session: date, alerts: Sequence[LogEntry]) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.session = session
        self.alerts = alerts

    def can_replace(self, message: Message) -> bool:
        """Only the newest step matters: it supersedes any older one queued."""
        return isinstance(message, StepReady)
