"""The progress of a long load (the members' history fetched in chunks, later the
option chains): what is loading, how many of how many units are done, how long it has
run and how long it still needs at the pace so far. A source that loads for long
keeps a `Progress` as an attribute (`members_progress` for the members' closes) and
reports into it after each chunk from whatever thread loads; the engine reads it from
another (`reading`) and puts it on the Snapshot of the panels the load feeds. The
engine finds it with `members_progress(source)`, so the `Source` protocol stays as it
is and a source without one simply shows no counts. Thread-safe; pure standard
library; the clock is injectable (monotonic seconds)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressReading:
    """One look at a load in progress."""

    what: str
    """What is loading, as the panel says it: `members`."""
    done: int
    """Units done so far (those already stored before the load included)."""
    total: int
    """Units the load ends with."""
    unit: str
    """What is counted: `tickers`."""
    elapsed: float
    """Seconds since the load began (its `lead` included)."""
    seconds_left: float | None
    """Seconds still needed at the pace of this load so far; None before the first
    chunk has come back (no pace to go by yet)."""


class Progress:
    """A load's progress, written by the loading thread and read by any other."""

    def __init__(self, what: str, unit: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.unit = unit
        self._clock = clock
        self._lock = threading.Lock()
        self._running = False
        self._total = 0
        self._done = 0
        self._done_at_start = 0
        self._started = 0.0
        self._finish_at: float | None = None
        """When the load should end at the pace of the last report (clock seconds)."""

    def begin(self, total: int, done: int = 0, lead: float = 0.0) -> None:
        """A load of `total` units starts, `done` of them already at hand (a load
        resumed after a failure counts what the last one stored). `lead`: seconds the
        pace counts as spent before it began — a pause the load takes before each
        chunk but the first, so that the first chunk's pace is that of the others."""
        with self._lock:
            self._running = True
            self._total = max(int(total), 0)
            self._done = min(max(int(done), 0), self._total)
            self._done_at_start = self._done
            self._started = self._clock() - max(lead, 0.0)
            self._finish_at = None

    def advance(self, units: int) -> None:
        """`units` more are done (a chunk came back, or failed for good: either way it
        is no longer to do). Ignored when no load is running."""
        with self._lock:
            if not self._running:
                return
            self._done = min(self._done + max(int(units), 0), self._total)
            now = self._clock()
            loaded = self._done - self._done_at_start
            if loaded > 0:
                pace = (now - self._started) / loaded
                self._finish_at = now + pace * (self._total - self._done)

    def end(self) -> None:
        """The load is over (done, failed or abandoned): nothing is loading now."""
        with self._lock:
            self._running = False
            self._finish_at = None

    @property
    def running(self) -> bool:
        """Whether a load is in progress."""
        with self._lock:
            return self._running

    def reading(self) -> ProgressReading | None:
        """The load as it stands now, or None when nothing is loading. The time left
        counts down between reports (it is the estimated end less now), never below 0."""
        with self._lock:
            if not self._running:
                return None
            now = self._clock()
            left = None
            if self._finish_at is not None:
                left = max(self._finish_at - now, 0.0)
                left = left if math.isfinite(left) else None
            return ProgressReading(
                what=self.what,
                done=self._done,
                total=self._total,
                unit=self.unit,
                elapsed=max(now - self._started, 0.0),
                seconds_left=left,
            )


def members_progress(source: object) -> Progress | None:
    """The progress a source reports of its members' load (its `members_progress`
    attribute), or None when it reports none."""
    progress = getattr(source, "members_progress", None)
    return progress if isinstance(progress, Progress) else None
