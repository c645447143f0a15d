"""The alerts' state machine (core.alerts.watch) on scripted price paths around the
7,000 milestone: hysteresis by band and by consecutive refreshes, the cool-down,
unknown readings, the first evaluation after a start, a restart from stored state,
and a replay over a history equal to stepping row by row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import pytest

from core.alerts.alert import Alert
from core.alerts.watch import Fired, WatchState, over_history, step
from core.rules import Table
from tests.alerts.alert_helpers import START, crossing, frame, minutes, row


def run(
    alerts: Sequence[Alert], prices: Sequence[float | None], state: WatchState | None = None
) -> tuple[list[tuple[int, Fired]], WatchState]:
    """Step through `prices` one a minute; the firings with the step they came at."""
    state = state or WatchState()
    fired: list[tuple[int, Fired]] = []
    for index, price in enumerate(prices):
        found, state = step(alerts, state, row(price), minutes(index))
        fired.extend((index, one) for one in found)
    return fired, state


OSCILLATION = [6992, 7002, 6998, 7003, 6997, 7004, 6999, 7001, 6996, 7005]


def test_an_oscillation_inside_the_band_fires_once_and_a_real_cross_again() -> None:
    alert = crossing(band_points=10, level="7,000 milestone", side="above")
    path = [6980, *OSCILLATION, 7012, *OSCILLATION, 7015, 6985, 7011]
    fired, _ = run([alert], path)
    # 6980 establishes false; 7012 (index 11) is the first price 10 beyond 7,000: it
    # fires; the oscillation after it stays inside the band; 6985 re-arms; 7011 fires.
    assert [index for index, _ in fired] == [11, 24]
    assert fired[0][1].message == "S&P above 7,000 at 7,012.0"
    assert fired[0][1].severity == "warning"


def test_a_start_inside_the_band_takes_its_side_and_a_clear_cross_fires() -> None:
    alert = crossing(band_points=10, level="7,000 milestone", side="above")
    # 6995 is inside the band, below 7,000: the state is false from the start, so the
    # first price 10 beyond the level fires (an unknown state would swallow it).
    fired, _ = run([alert], [6995, 7004, 7012, 7020])
    assert [index for index, _ in fired] == [2]
    # Inside the band above the level: already true, nothing fires on the way up.
    fired, _ = run([alert], [7005, 7012, 7020])
    assert fired == []


def test_without_a_band_the_same_oscillation_fires_every_cross() -> None:
    fired, _ = run([crossing()], [6980, *OSCILLATION])
    assert [index for index, _ in fired] == [2, 4, 6, 8, 10]


def test_a_percent_band_is_a_share_of_the_level() -> None:
    alert = crossing(band_pct=0.1, level="7,000 milestone", side="above")  # 7 points
    fired, _ = run([alert], [6980, 7006, 7007, 6994, 7008, 6992, 7008])
    assert [index for index, _ in fired] == [2, 6]


def test_a_below_band_counts_distance_under_the_level() -> None:
    alert = crossing(
        id="below_7k",
        when='price.last < level("7,000 milestone").value',
        band_points=5,
        level="7,000 milestone",
        side="below",
    )
    fired, _ = run([alert], [7010, 6998, 6994, 7003, 6993, 7006, 6990])
    assert [index for index, _ in fired] == [2, 6]


def test_confirm_needs_that_many_consecutive_evaluations() -> None:
    alert = crossing(confirm=3)
    path = [6990, 6990, 6990, 7010, 7010, 6990, 7010, 7010, 7010, 7010]
    fired, state = run([alert], path)
    assert [index for index, _ in fired] == [8]
    assert state.alerts["above_7k"].confirmed == "true"
    # Two refreshes under the level do not make a new state: no second firing.
    fired, _ = run([alert], [6990, 6990, 7010, 7010, 7010], state)
    assert fired == []


def test_the_cooldown_suppresses_a_second_firing() -> None:
    alert = crossing(cooldown_minutes=5)
    fired, _ = run([alert], [6990, 7010, 6990, 7010, 6990, 6990, 6990, 7010])
    # Fires at minute 1; the cross at minute 3 is within 5 minutes; minute 7 is not.
    assert [index for index, _ in fired] == [1, 7]


def test_unknown_never_fires_and_never_resets() -> None:
    fired, state = run([crossing()], [6990, None, None, 7010, None, 7010])
    assert [index for index, _ in fired] == [3]
    assert state.alerts["above_7k"].confirmed == "true"
    fired, state = run([crossing()], [None, None, None])
    assert fired == [] and state.alerts["above_7k"].confirmed == "unknown"
    # Unknown neither counts for nor breaks a pending change.
    fired, _ = run([crossing(confirm=2)], [6990, 6990, 7010, None, 7010])
    assert [index for index, _ in fired] == [4]


def test_a_condition_already_true_at_start_does_not_fire() -> None:
    fired, state = run([crossing()], [7010, 7020, 7030])
    assert fired == []
    assert state.alerts["above_7k"].confirmed == "true"


def test_state_round_trips_through_json_and_a_restart_does_not_refire() -> None:
    alert = crossing(cooldown_minutes=1)
    fired, state = run([alert], [6990, 7010])
    assert len(fired) == 1
    stored = json.dumps(state.to_dict())
    reloaded = WatchState.from_dict(json.loads(stored))
    assert reloaded == state
    # After the restart the condition still holds: nothing fires.
    found, _ = step([alert], reloaded, row(7015), minutes(60))
    assert found == []
    # A stored false state does fire when the condition holds after the restart.
    _, below = run([alert], [6990])
    found, _ = step([alert], WatchState.from_dict(below.to_dict()), row(7010), minutes(60))
    assert [one.alert for one in found] == ["above_7k"]


def test_a_changed_rule_starts_its_state_afresh() -> None:
    _, state = run([crossing()], [6990])
    changed = crossing(when='price.last >= level("7,000 milestone").value')
    found, _ = step([changed], state, row(7010), minutes(5))
    assert found == []


def test_bad_stored_state_is_one_line() -> None:
    with pytest.raises(ValueError, match=r"^alert state 'x': ") as caught:
        WatchState.from_dict({"x": {"confirmed": "maybe", "candidate": None}})
    assert "\n" not in str(caught.value)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        step([crossing()], WatchState(), row(7000), datetime(2026, 1, 2, 10))


def close(session: date) -> datetime:
    return datetime.combine(session, time(21, 0), tzinfo=UTC)


def test_over_history_equals_stepping_by_hand() -> None:
    alerts = [
        crossing(band_points=10, level="7,000 milestone", side="above"),
        crossing(id="under_7k", name="under", when='price.last < level("7,000 milestone").value'),
    ]
    path = [6980, *OSCILLATION, 7012, None, 6985, 7011, 6950]
    history = frame(path)
    replayed = over_history(alerts, history, close)
    state = WatchState()
    by_hand: list[Fired] = []
    for session in history.index:
        day = session.date()
        one_row = Table.of_frame(history.loc[[session]])
        found, state = step(alerts, state, one_row, close(day), session=day)
        by_hand.extend(found)
    assert replayed == by_hand
    assert [(one.alert, one.session) for one in replayed][:2] == [
        ("under_7k", history.index[3].date()),
        ("under_7k", history.index[5].date()),
    ]
    assert [one.session for one in replayed if one.alert == "above_7k"] == [
        history.index[11].date(),
        history.index[14].date(),
    ]
    assert replayed[0].as_json()["session"] == history.index[3].date().isoformat()


def test_the_first_reading_sets_the_state_so_a_cross_right_after_it_counts() -> None:
    # With confirm = 2 the first reading (below) is the state at once: the cross at
    # index 1 is then confirmed at index 2 and fires there, not swallowed.
    fired, _ = run([crossing(confirm=2)], [6990, 7010, 7011, 7012])
    assert [index for index, _ in fired] == [2]


def test_a_replay_confirms_at_one_close() -> None:
    # A session's close stands for its refreshes: confirm = 3 is met by one close.
    alert = crossing(confirm=3)
    replayed = over_history([alert], frame([6990, 7010, 6990, 7010]), close)
    assert [one.session for one in replayed] == [
        date(2026, 1, 6),
        date(2026, 1, 8),
    ]


def test_start_time_is_used_for_the_firing() -> None:
    found, state = step([crossing()], WatchState(), row(6990), START)
    found, state = step([crossing()], state, row(7001), START)
    assert found[0].time == START and found[0].session is None
