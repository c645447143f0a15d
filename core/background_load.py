"""A slow load running in a thread of its own (the members' closes, the index's option
chain), so that the engine's cycles go on publishing every section while it runs (a
first start on an empty cache: hundreds of tickers in chunks; a Yahoo chain: one
request per expiry). The engine runs at most one load of each kind at a time and waits
a grace period for it; a load still running then is detached, and its end wakes the
loop for a refresh, whose cycle collects what it brought or the error it raised. The
thread is a daemon: a load still running at exit must not hold the process (like a
stalled client call, it ends on its own and what it brings is dropped)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from core.progress import Progress

T = TypeVar("T")


class BackgroundLoad(Generic[T]):
    """One load (`what`: "members", "option chain") in a thread of its own, and what it
    brought. A cycle that stops waiting for it detaches it: its end then wakes the loop
    (`wake`)."""

    def __init__(
        self,
        what: str,
        fetch: Callable[[], T],
        asked_at: datetime,
        wake: Callable[[], None],
        progress: Progress | None = None,
    ) -> None:
        self.what = what
        self.asked_at = asked_at
        """The cycle's time when it was asked for (the load's cadence counts from it)."""
        self.progress = progress
        """Where the source reports the load's chunks, if it does."""
        self.result: T | None = None
        """What the load brought (None until it ends, or when it raised)."""
        self.error: Exception | None = None
        self._fetch = fetch
        self._wake = wake
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._detached = False
        # A daemon: a load still running at exit must not hold the process.
        self._thread = threading.Thread(target=self._run, name=f"{what} load", daemon=True)
        self.began = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._fetch()
        except Exception as error:  # collected and named by the next cycle
            self.error = error
        with self._lock:
            self._ended.set()
            detached = self._detached
        if detached:
            self._wake()

    def ended(self, wait: float) -> bool:
        """Whether the load has ended, waiting up to `wait` seconds for it; when it has
        not, it is detached from now on."""
        # An infinite grace waits for the whole load (as the engine did before).
        self._ended.wait(wait if math.isfinite(wait) else None)
        with self._lock:
            if not self._ended.is_set():
                self._detached = True
            return self._ended.is_set()

    def within_grace(self, grace: float) -> bool:
        """Whether the load has ended by `grace` seconds after it began (waiting for the
        rest of that time, then detaching it)."""
        return self.ended(max(grace - (time.monotonic() - self.began), 0.0))
