"""The live side of the alerts: `AlertWatcher` reads each healthy refresh's Snapshot
with the alerts (`core.alerts.watch.step`) and the checklist's item statuses
(`core.alerts.statuses`; a new status counts once `STATUS_CONFIRM` refreshes in a row
show it), and turns what fired and what changed into `LogEntry` lines with the
readings at that moment. Given a journal (`core.alerts.journal`), each refresh starts
from the state the journal holds and keeps its lines and the new state there in one
write: a restart resumes where the last run stopped instead of firing again for a
condition that already fired, and two monitors on one log share one state, so what
one logged the other does not log again. It never raises out of `observe`: a Snapshot
the rules cannot read gives no entries, a journal that fails is logged once per
distinct failure and the refresh goes on from the state in memory. `today` gives the
Today screen's lists (since the open of the session, and since the app was last
closed), from the journal or, without one, from what this run saw; `close` marks the
app closed."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from core.alerts.watch import WatchState

if TYPE_CHECKING:
    from core.alerts.alert import Alert
    from core.alerts.entry import LogEntry
    from core.session import MarketSession
    from core.snapshot import Snapshot

__all__ = ["MEMORY", "STATUS_CONFIRM", "AlertWatcher", "LogStore", "Today"]

log = logging.getLogger(__name__)

MEMORY = 1000
"""Entries this run keeps in memory (for `today` without a journal)."""
STATUS_CONFIRM = 2
"""Refreshes in a row a checklist item's new status must show before it is logged: an
item on the edge of its rule (the index at a level) changes once, not every refresh."""
_OPEN = time(9, 30)
"""The NYSE's regular open, New York time, on every session day."""


Step = tuple["Sequence[LogEntry]", WatchState, "Mapping[str, str]", "Mapping[str, tuple[str, int]]"]
"""One refresh's outcome: its entries, the alerts' state, the checklist statuses and
the status changes still pending."""


class LogStore(Protocol):
    """What the watcher needs of the stored log (`core.alerts.journal.Journal`)."""

    def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> list[LogEntry]: ...

    def load_state(self, source: str) -> tuple[WatchState, dict[str, str]]: ...

    def update(self, source: str, change: Callable[[WatchState, dict[str, str]], Step]) -> Step: ...

    def mark_closed(self, at: datetime) -> None: ...

    def last_closed(self) -> datetime | None: ...


@dataclass(frozen=True)
class Today:
    """What the Today screen lists."""

    since_open: list[LogEntry] = field(default_factory=list)
    """Entries since `open_at`, oldest first."""
    since_last_close: list[LogEntry] = field(default_factory=list)
    """Entries since the app was last closed (empty when it never was)."""
    open_at: datetime | None = None
    """The open of the session in progress, else of the last one (None outside the
    calendar)."""
    last_closed: datetime | None = None
    """When the app was last closed before this run started."""


class AlertWatcher:
    """Watches `alerts` on the Snapshots of `source` (see the module docstring)."""

    def __init__(
        self,
        alerts: Sequence[Alert],
        source: str,
        journal: LogStore | None = None,
        session: MarketSession | None = None,
    ) -> None:
        self.alerts = tuple(alerts)
        self.source = source
        """The source kind the Snapshots come from (yahoo, cache, sim, files)."""
        self.journal = journal
        """Where entries and state are kept (the Journal; None: only in memory)."""
        self._session = session
        self._lock = threading.Lock()
        self._memory: deque[LogEntry] = deque(maxlen=MEMORY)
        self._logged: set[str] = set()
        """Journal failures already written to the log (each said once)."""
        self.state = WatchState()
        """Every alert's watch state after the last refresh."""
        self.statuses: dict[str, str] = {}
        """Each checklist item's confirmed status, by `thesis.item_id`."""
        self._pending: Mapping[str, tuple[str, int]] = {}
        """A new status not yet confirmed, and in how many refreshes in a row it showed."""
        self.last_closed: datetime | None = None
        """When the app was last closed before this run (read before anything marks it)."""
        if journal is not None:
            try:
                self.last_closed = journal.last_closed()
            except Exception as error:
                self._journal_failed(error)
            try:
                self.state, statuses = journal.load_state(source)
                self.statuses = dict(statuses)
            except Exception as error:
                self._journal_failed(error)

    @property
    def session(self) -> MarketSession:
        """The NYSE calendar (built when first needed)."""
        if self._session is None:
            from core.session import MarketSession

            self._session = MarketSession()
        return self._session

    def observe(self, snapshot: Snapshot, at: datetime) -> list[LogEntry]:
        """The entries one refresh's `snapshot`, seen at `at` (aware), gives: the alerts
        that fire and the checklist items whose status changed. With a journal, the
        state is the one it holds and the step is kept there in one write (another
        monitor on the same log may have moved it: what it logged is not logged
        twice); without one, or when it fails, the state in memory. Never raises."""
        from core.alerts.entry import readings_at
        from core.rules import Table

        try:
            session = self._session_of(snapshot)
            readings = readings_at(Table.of_snapshot(snapshot))[0]
        except Exception:
            log.exception("the alerts could not read the Snapshot of %s", at.isoformat())
            return []

        def advance(state: WatchState, statuses: Mapping[str, str]) -> Step:
            return self._step(snapshot, at, session, readings, state, statuses)

        with self._lock:
            done: Step | None = None
            if self.journal is not None:
                try:
                    done = self.journal.update(self.source, advance)
                except Exception as error:
                    self._journal_failed(error)
            if done is None:
                done = advance(self.state, self.statuses)
            entries, self.state, statuses, self._pending = done
            self.statuses = dict(statuses)
            self._memory.extend(entries)
        return list(entries)

    def _step(
        self,
        snapshot: Snapshot,
        at: datetime,
        session: date | None,
        readings: Mapping[str, Any],
        state: WatchState,
        statuses: Mapping[str, str],
    ) -> Step:
        """One refresh from `state` and `statuses`, pure: the entries, the new state,
        the new statuses and the pending changes. A part that cannot be read is
        logged and left as it was."""
        from core.alerts.entry import LogEntry
        from core.alerts.watch import step

        entries: list[LogEntry] = []
        try:
            fired, state = step(self.alerts, state, snapshot, at, session=session)
            entries = [LogEntry.of_fired(one, self.source, readings) for one in fired]
        except Exception:
            log.exception("the alerts could not be evaluated at %s", at.isoformat())
        pending = self._pending
        try:
            changes, statuses, pending = self._status_changes(
                snapshot, at, session, readings, statuses
            )
            entries += changes
        except Exception:
            log.exception("the checklist's statuses could not be read at %s", at.isoformat())
        return entries, state, statuses, pending

    def _status_changes(
        self,
        snapshot: Snapshot,
        at: datetime,
        session: date | None,
        readings: Mapping[str, Any],
        before: Mapping[str, str],
    ) -> tuple[list[LogEntry], dict[str, str], dict[str, tuple[str, int]]]:
        """The checklist items whose status changed from `before`, the statuses after
        this refresh and the changes still pending."""
        from core.alerts.statuses import UNKNOWN, item_statuses, status_changes

        pending = dict(self._pending)
        confirmed: dict[str, tuple[str, str]] = {}
        for key, (label, status) in item_statuses(snapshot).items():
            if status == UNKNOWN:
                continue  # missing data: no status, nothing pending changes
            last = before.get(key)
            if last in (None, UNKNOWN) or last == status:
                pending.pop(key, None)
                if last != status:
                    confirmed[key] = (label, status)  # first known: established at once
                continue
            seen, count = pending.get(key, (status, 0))
            count = count + 1 if seen == status else 1
            if count < STATUS_CONFIRM:
                pending[key] = (status, count)
            else:
                pending.pop(key, None)
                confirmed[key] = (label, status)
        changes = status_changes(before, confirmed, at, session, self.source, readings)
        after = {**before, **{key: status for key, (_label, status) in confirmed.items()}}
        return changes, after, pending

    def _session_of(self, snapshot: Snapshot) -> date | None:
        """The session whose data `snapshot` shows: the one in regular hours at its
        `as_of`, else the last one closed (None outside the calendar)."""
        from core.chain_sessions import session_of

        try:
            return session_of(self.session, snapshot.as_of)
        except ValueError:
            return None

    def open_at(self, now: datetime) -> datetime | None:
        """The regular open of the session in progress at `now`, or, before its open
        (or on a day without one), of the last session (None outside the calendar)."""
        from core.clock import NEW_YORK

        try:
            state = self.session.state(now)
        except ValueError:
            return None
        if state.session is not None:
            opened = datetime.combine(state.session, _OPEN, tzinfo=NEW_YORK)
            if opened <= now:
                return opened
        return datetime.combine(state.last_session, _OPEN, tzinfo=NEW_YORK)

    def today(self, now: datetime) -> Today:
        """The entries since the open (see `open_at`) and since the app was last closed,
        from the journal, else from what this run saw. Never raises."""
        opened = self.open_at(now)
        since_open = [] if opened is None else self._entries_since(opened)
        since_close = [] if self.last_closed is None else self._entries_since(self.last_closed)
        return Today(since_open, since_close, opened, self.last_closed)

    def _entries_since(self, since: datetime) -> list[LogEntry]:
        if self.journal is not None:
            try:
                return self.journal.entries(since=since, source=self.source)
            except Exception as error:
                self._journal_failed(error)
        with self._lock:
            return [entry for entry in self._memory if entry.time >= since]

    def close(self, at: datetime) -> None:
        """Mark the app closed at `at` (the next run's `last_closed`). Never raises."""
        if self.journal is None:
            return
        try:
            self.journal.mark_closed(at)
        except Exception as error:
            self._journal_failed(error)

    def _journal_failed(self, error: Exception) -> None:
        """Log a journal failure, once per distinct message."""
        line = str(error).splitlines()[0] if str(error) else type(error).__name__
        if line not in self._logged and len(self._logged) < MEMORY:
            self._logged.add(line)
            log.warning("the alerts' log failed: %s", line)
