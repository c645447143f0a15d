"""Fakes for the replay stepping tests: `FakeTimeline`, forty weekdays ending on the
sample's session, each session's Snapshot a copy of the sample with its source (a
REPLAY label naming the session), as_of and index level changed and its Edge panel
not yet run (`edge.session` None), which `with_edge` fills in (`edge.session` the
session); alerts on a few sessions; an optional gate holding every build until the
test opens it, and the list of sessions built. `SteppableFeed`, a FakeFeed that hands
out the timeline (or raises), says where stepping starts and whether it replays."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from functools import cache

from core.alerts.entry import LogEntry
from core.clock import NEW_YORK
from core.replay_timeline import Timeline
from core.snapshot import Snapshot, SourceInfo
from tests.tui.sample import LAST, SESSION_CLOSE, FakeFeed, sample_snapshot, weekdays_until

SPAN = weekdays_until(SESSION_CLOSE.date(), 40)
"""The fake replay's sessions, oldest first: the last one is the sample's (Jan 28)."""
ALERT_SESSION = SPAN[-4]
"""A session with one alert (its message has brackets: toasts are plain text)."""
BUSY_SESSION = SPAN[-8]
"""A session with five alerts: three toasts and one "and 2 more"."""


def replay_label(session: date) -> str:
    """The badge of `session`'s replayed Snapshot."""
    return f"REPLAY {session:%Y-%m-%d} · fake"


def level_of(session: date) -> float:
    """The index level the fake gives `session` (ten points a session under LAST)."""
    return round(LAST - 10.0 * (len(SPAN) - 1 - SPAN.index(session)), 2)


def entry(session: date, name: str, message: str) -> LogEntry:
    """One alert logged at `session`'s close."""
    return LogEntry(
        time=datetime.combine(session, time(16), NEW_YORK),
        session=session,
        kind="alert",
        alert=name.lower().replace(" ", "_"),
        key=name.lower().replace(" ", "_"),
        name=name,
        severity="warning",
        message=message,
    )


def sample_alerts() -> dict[date, tuple[LogEntry, ...]]:
    """The fake's alerts by session."""
    return {
        ALERT_SESSION: (entry(ALERT_SESSION, "Milestone", "[^GSPC] closed under 7,000"),),
        BUSY_SESSION: tuple(
            entry(BUSY_SESSION, f"Alert {number}", f"busy alert {number}") for number in range(5)
        ),
    }


@cache
def _base() -> Snapshot:
    return sample_snapshot()


class FakeTimeline:
    """A `Timeline` over `sessions` (see the module docstring)."""

    def __init__(
        self,
        sessions: Sequence[date] = SPAN,
        alerts: Mapping[date, Sequence[LogEntry]] | None = None,
        gate: threading.Event | None = None,
        failing: Sequence[date] = (),
        edge_fails: bool = False,
    ) -> None:
        self._sessions = tuple(sessions)
        self.alerts = sample_alerts() if alerts is None else alerts
        self.gate = gate
        self.failing = set(failing)
        """Sessions whose build raises."""
        self.edge_fails = edge_fails
        """Whether the Edge panel's studies raise."""
        self.built: list[date] = []
        self.edged: list[date] = []
        self.chains_read = 0
        self.chains_fail = False
        """Whether reading the option chains for the alerts raises."""

    @property
    def sessions(self) -> Sequence[date]:
        return self._sessions

    def snapshot_at(self, session: date) -> Snapshot:
        if self.gate is not None:
            self.gate.wait(timeout=10)
        self.built.append(session)
        if session in self.failing:
            raise RuntimeError(f"no bars for {session}\nsecond line")
        base = _base()
        return base.model_copy(
            update={
                "as_of": datetime.combine(session, time(16), NEW_YORK),
                "source": SourceInfo(
                    kind="files", simulated=False, label=replay_label(session), replay=True
                ),
                "price": base.price.model_copy(update={"last": level_of(session)}),
                "edge": base.edge.model_copy(update={"session": None}),
            }
        )

    def with_edge(self, snapshot: Snapshot) -> Snapshot:
        self.edged.append(snapshot.as_of.date())
        if self.edge_fails:
            raise ValueError("a study broke")
        edge = _base().edge.model_copy(update={"session": snapshot.as_of.date()})
        return snapshot.model_copy(update={"edge": edge})

    def alerts_at(self, session: date) -> Sequence[LogEntry]:
        return tuple(self.alerts.get(session, ()))

    def read_chains(self) -> None:
        self.chains_read += 1
        if self.chains_fail:
            raise OSError("chain file unreadable")


class SteppableFeed(FakeFeed):
    """A FakeFeed replay stepping can start from: `replay_timeline` hands out
    `timeline` (or raises `fail`), counting the calls; stepping starts at `start`."""

    def __init__(
        self,
        *snapshots: Snapshot,
        timeline: Timeline | None = None,
        start: date | None = SPAN[-1],
        fail: Exception | None = None,
        replaying: bool = False,
    ) -> None:
        super().__init__(*snapshots)
        self.timeline = timeline if timeline is not None else FakeTimeline()
        self.start = start
        self.fail = fail
        self.replays = replaying
        self.loads = 0

    def replay_timeline(self) -> Timeline:
        self.loads += 1
        if self.fail is not None:
            raise self.fail
        return self.timeline

    @property
    def stepping_from(self) -> date | None:
        return self.start

    @property
    def replaying(self) -> bool:
        return self.replays
