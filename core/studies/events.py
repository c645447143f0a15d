"""Events of a historical-edge study: the sessions a setup starts. An event is the first
session a condition holds after it has not held for the cool-down (DESIGN.md), so a
condition that holds for many sessions in a row, or comes and goes within the
cool-down, is one event. A session where the condition is unknown counts as not
holding, and the sessions before the data count as "not held". Vectorised: a running
count of the sessions that held, differenced over the cool-down window."""

from __future__ import annotations

import numpy as np

__all__ = ["event_positions"]


def event_positions(holds: np.ndarray, cooldown: int) -> np.ndarray:
    """The positions (ascending, intp) where `holds` (bool per session, False where
    unknown) is true and was false on each of the `cooldown` sessions before: none of
    them before the first session counts as holding. `cooldown` 0: every session that
    holds is an event."""
    if cooldown < 0:
        raise ValueError(f"cooldown must be >= 0, got {cooldown}")
    held = np.asarray(holds, dtype=bool)
    running = np.concatenate(([0], np.cumsum(held, dtype=np.int64)))
    # Sessions that held among the `cooldown` before session t: running[t] - running[t - c].
    ends = np.arange(held.size)
    starts = np.maximum(ends - cooldown, 0)
    before = running[ends] - running[starts]
    positions: np.ndarray = np.flatnonzero(held & (before == 0))
    return positions
