"""Messages that cross the app: today just `SnapshotReady`, posted by the engine
worker each time the feed publishes. It replaces any SnapshotReady still waiting in
the queue, so a slow screen never works through a backlog of stale Snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from core.snapshot import Snapshot


class SnapshotReady(Message):
    """The engine published a new Snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        """Only the newest Snapshot matters: it supersedes any older one queued."""
        return isinstance(message, SnapshotReady)
