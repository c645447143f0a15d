"""Replay stepping's state on the app side (issue 13, item 2): which session of a
`core.replay_timeline.Timeline` is shown, whether stepping began from the live view
(then escape, or a step past the newest session, goes back to it) or in a replay
(it stops at the span's ends), and whether it plays and how fast. `snap_index` finds
the last session on or before a date, `Stepping.moved` clamps a step to the span and
says when it hit an end, `indicator` is the status line's word on it, and
`alert_toasts` turns a session's log lines into at most a few plain toasts. Pure: the
app (tui/app.py) runs the slow calls off the event loop and owns the keys."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.alert_delivery import Toast, toasts

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from core.alerts.entry import LogEntry
    from core.replay_timeline import Timeline

SPEEDS = (1, 2, 4, 8)
"""Sessions a second that play can run at, slowest first."""
WEEK = 5
"""Sessions in a week's step."""
NEEDS_ENGINE = "Stepping needs the engine"
"""What the stepping keys say when the feed cannot step (a test's fake, say)."""


def snap_index(sessions: Sequence[date], day: date) -> int | None:
    """The index of the last session on or before `day`; None when `day` is before
    the first one."""
    index = bisect_right(sessions, day) - 1
    return index if index >= 0 else None


@dataclass(frozen=True)
class Stepping:
    """Where stepping stands: the timeline, the index of the session shown, whether it
    began from the live view, and play (off, or at `SPEEDS[speed]` sessions a second)."""

    timeline: Timeline
    index: int
    from_live: bool
    playing: bool = False
    speed: int = 0

    @property
    def session(self) -> date:
        """The session shown (as stepping begins live, `index` may stand one past the
        last session: the live view's session in progress; this is then the last)."""
        return self.timeline.sessions[min(self.index, len(self.timeline.sessions) - 1)]

    @property
    def at_end(self) -> bool:
        """Whether the newest session of the span is shown."""
        return self.index >= len(self.timeline.sessions) - 1

    @property
    def rate(self) -> int:
        """Sessions a second while playing."""
        return SPEEDS[self.speed]

    def moved(self, by: int) -> tuple[Stepping, bool]:
        """This state `by` sessions on, clamped to the span, and whether the step
        wanted to go past an end (it stops there)."""
        wanted = self.index + by
        last = len(self.timeline.sessions) - 1
        index = min(max(wanted, 0), last)
        return replace(self, index=index), index != wanted

    def faster(self, by: int) -> Stepping:
        """Play `by` speeds faster (negative: slower), kept within `SPEEDS`."""
        return replace(self, speed=min(max(self.speed + by, 0), len(SPEEDS) - 1))

    def indicator(self) -> str:
        """The status line's word on stepping: `▶ 2/s · p pause` or `‖ stepping ·
        esc live` (`esc back` in a replay, which goes back to the replayed session)."""
        if self.playing:
            return f"▶ {self.rate}/s · p pause"
        return f"‖ stepping · esc {'live' if self.from_live else 'back'}"


def alert_toasts(session: date, entries: Sequence[LogEntry], threshold: str) -> list[Toast]:
    """The toasts for a session's log lines (at most three, then one "and N more"),
    each titled with the session so a replayed alert never reads as a live one."""
    return [
        replace(toast, title=f"Replay {session:%Y-%m-%d} · {toast.title}")
        for toast in toasts(entries, threshold)
    ]
