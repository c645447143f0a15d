"""Events of a study (core.studies.events): the first session a condition holds after
it has not held for the cool-down; an unknown session does not hold; the sessions before
the data count as not held."""

from __future__ import annotations

import numpy as np
import pytest

from core.studies.events import event_positions


def flags(text: str) -> np.ndarray:
    """`"..x.xx"` as holds: x holds, anything else does not."""
    return np.array([char == "x" for char in text])


def naive(holds: np.ndarray, cooldown: int) -> list[int]:
    """The definition, session by session."""
    return [t for t in range(holds.size) if holds[t] and not holds[max(0, t - cooldown) : t].any()]


@pytest.mark.parametrize(
    ("pattern", "cooldown", "expected"),
    [
        ("x....", 3, [0]),  # the first session: preceded by "not held"
        ("xxxxx", 3, [0]),  # one long setup is one event
        ("x...x", 3, [0, 4]),  # three quiet sessions: a new event
        ("x..x.", 3, [0]),  # two quiet sessions only: overlapping, no new event
        ("x.x.x.x...x", 2, [0, 10]),  # flickering keeps the cool-down from ending
        ("xx.xx", 0, [0, 1, 3, 4]),  # no cool-down: every session that holds
        (".....", 3, []),
        ("", 3, []),
    ],
)
def test_events_by_hand(pattern: str, cooldown: int, expected: list[int]) -> None:
    assert event_positions(flags(pattern), cooldown).tolist() == expected


def test_events_match_the_definition_on_random_conditions() -> None:
    rng = np.random.default_rng(3)
    for cooldown in (0, 1, 5, 21):
        holds = rng.random(2000) < 0.1
        assert event_positions(holds, cooldown).tolist() == naive(holds, cooldown)


def test_a_negative_cooldown_is_refused() -> None:
    with pytest.raises(ValueError, match="cooldown"):
        event_positions(flags("x"), -1)
