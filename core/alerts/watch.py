"""The alerts' state machine, pure: `step` reads each alert's rule on one row of
readings (a Snapshot, or a one-row Table) and gives the alerts that fire and the new
`WatchState`; `over_history` runs the same transition row by row over a history (a
replay fires alerts too). Per alert the state holds the last confirmed state (true,
false or unknown), the pending candidate and how many consecutive evaluations showed
it, and the last firing time. Each evaluation observes true, false, unknown, or (for a
banded alert, inside the band; see core.alerts.alert) hold; a row on which a section
the alert reads is in ERROR observes unknown (its fallback's nulls are no reading: a
failed RSI is not "no divergence"). Unknown changes nothing:
it neither fires, nor resets the confirmed state, nor counts for or against a pending
change. Hold, or an observation equal to the confirmed state, drops a pending change
(while no state is confirmed, a hold counts as what `when` alone says: the side of the
level is enough to establish the state, so a clear cross after a start inside the band
alerts). The first known observation with no state confirmed sets the state at once
and never fires. After that, a different observation becomes (or extends) the
candidate; once it has been seen `confirm` times in a row (in a replay, at one
session's close) it is the confirmed state. The alert fires when the confirmed state
goes from false to true (never from unknown: the first evaluation after a start only
establishes the state, unless the stored state says it was false), and not within
`cooldown_minutes` of its last firing (a suppressed firing is dropped, not deferred).
`WatchState.to_dict` / `from_dict` make the state JSON-able, so a restart that reloads
it does not fire again for a condition that already fired; a stored state whose alert's
rule has since changed is discarded (unknown again)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from core.alerts.alert import Alert, CompiledAlert, Severity, compiled

if TYPE_CHECKING:
    import pandas as pd

    from core.rules import Rule, Table
    from core.snapshot import Snapshot

__all__ = ["AlertState", "Fired", "Observation", "WatchState", "over_history", "step"]

Observation = Literal["true", "false", "unknown", "hold"]
Confirmed = Literal["true", "false", "unknown"]


@dataclass(frozen=True)
class Fired:
    """One firing: when, which alert, and its message with `{value}` filled in."""

    time: datetime
    alert: str
    name: str
    severity: Severity
    message: str
    session: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The firing as JSON-able fields (`{time, session, alert, severity, message}`
        and `name`)."""
        return {
            "time": self.time.isoformat(),
            "session": None if self.session is None else self.session.isoformat(),
            "alert": self.alert,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class AlertState:
    """One alert's watch state (see the module docstring)."""

    confirmed: Confirmed = "unknown"
    candidate: Literal["true", "false"] | None = None
    count: int = 0
    last_fired: datetime | None = None
    rule: str = ""
    """The `when` the state was established for; another rule starts afresh."""


@dataclass(frozen=True)
class WatchState:
    """Every alert's state, by alert id."""

    alerts: Mapping[str, AlertState] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-able data."""
        return {
            alert_id: {
                "confirmed": state.confirmed,
                "candidate": state.candidate,
                "count": state.count,
                "last_fired": None if state.last_fired is None else state.last_fired.isoformat(),
                "rule": state.rule,
            }
            for alert_id, state in self.alerts.items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WatchState:
        """The state `to_dict` gave; ValueError, one line, on anything else."""
        alerts: dict[str, AlertState] = {}
        for alert_id, raw in data.items():
            try:
                last = raw["last_fired"]
                state = AlertState(
                    confirmed=raw["confirmed"],
                    candidate=raw["candidate"],
                    count=int(raw["count"]),
                    last_fired=None if last is None else datetime.fromisoformat(last),
                    rule=str(raw["rule"]),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"alert state '{alert_id}': {error}") from None
            if state.confirmed not in ("true", "false", "unknown") or state.candidate not in (
                "true",
                "false",
                None,
            ):
                raise ValueError(f"alert state '{alert_id}': bad confirmed or candidate")
            if state.last_fired is not None and state.last_fired.tzinfo is None:
                raise ValueError(f"alert state '{alert_id}': last_fired has no time zone")
            alerts[alert_id] = state
        return cls(alerts)


@dataclass(frozen=True)
class _Readings:
    """An alert's readings on every row of a table."""

    observed: list[Observation]
    shown: list[Any]
    raw: list[Observation]
    """What `when` alone says on each row (true, false, unknown), band or not."""


@cache
def _sections_read(alert: Alert) -> tuple[Rule, ...]:
    """The `<section>.status.state` of each section `alert`'s expressions read."""
    from core.rules import LEVEL_SECTION, RuleError, compile_rule, parse, roots_read

    names: set[str] = {LEVEL_SECTION} if alert.level is not None else set()
    for source in (alert.when, alert.show, alert.reading if alert.banded else None):
        if source is not None:
            names.update(roots_read(parse(source)))
    states = []
    for name in sorted(names):
        try:  # an envelope field (as_of) has no status
            states.append(compile_rule(f"{name}.status.state", kind="value"))
        except RuleError:
            continue
    return tuple(states)


def _failed_rows(alert: Alert, table: Table) -> list[bool]:
    """Rows where a section the alert reads is in ERROR: its fallback's nulls are no
    reading (a history has no states: no row)."""
    failed = [False] * table.rows
    for state in _sections_read(alert):
        values, known = state.evaluate_columns(table)
        for row, (value, ok) in enumerate(zip(values.tolist(), known.tolist(), strict=True)):
            failed[row] = failed[row] or (ok and value == "ERROR")
    return failed


def _observe(alert: CompiledAlert, table: Table) -> _Readings:
    """What `alert` observes on each row of `table`, and the value it would show."""
    values, known = alert.when.evaluate_columns(table)
    failed = _failed_rows(alert.alert, table)
    observed: list[Observation] = [
        ("true" if value else "false") if ok and not bad else "unknown"
        for value, ok, bad in zip(values.tolist(), known.tolist(), failed, strict=True)
    ]
    raw = list(observed)
    definition = alert.alert
    if alert.reading is not None and alert.level_value is not None:
        reading, reading_known = alert.reading.evaluate_columns(table)
        level, level_known = alert.level_value.evaluate_columns(table)
        distance = reading - level if definition.side == "above" else level - reading
        if definition.band_points is not None:
            band = np.full(len(observed), definition.band_points)
        elif definition.band_pct is not None:
            band = np.abs(level) * definition.band_pct / 100
        else:
            band = np.zeros(len(observed))
        for row, seen in enumerate(observed):
            if seen == "unknown":
                continue
            if not (reading_known[row] and level_known[row]):
                observed[row] = "unknown"
            else:
                beyond = (
                    distance[row] >= band[row] if seen == "true" else distance[row] <= -band[row]
                )
                if not beyond:
                    observed[row] = "hold"
    shown: list[Any] = [None] * len(observed)
    if alert.show is not None:
        show_values, show_known = alert.show.evaluate_columns(table)
        shown = [
            value if ok else None
            for value, ok in zip(show_values.tolist(), show_known.tolist(), strict=True)
        ]
    return _Readings(observed, shown, raw)


def _message(alert: CompiledAlert, value: Any) -> str:
    """The alert's message with its fields filled in."""
    from core.format import UNKNOWN, with_spec

    if value is None:
        text = UNKNOWN
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int | float):
        text = with_spec(value, alert.value_spec)
    else:
        text = str(getattr(value, "value", value))
    definition = alert.alert
    fields = {"name": definition.name, "id": definition.id, "severity": definition.severity}
    template = definition.message
    if alert.value_spec:
        template = template.replace("{value:" + alert.value_spec + "}", "{value}")
    return template.format(value=text, **fields)


def _advance(
    alert: CompiledAlert,
    state: AlertState,
    seen: Observation,
    at: datetime,
    raw: Observation = "unknown",
    confirm: int | None = None,
) -> tuple[AlertState, bool]:
    """The alert's next state after observing `seen` (`raw`: what `when` alone says)
    at `at`, and whether it fires; `confirm` overrides the alert's own."""
    definition = alert.alert
    if state.rule != definition.when:
        state = AlertState(rule=definition.when)
    if seen == "hold" and state.confirmed == "unknown":
        # Inside the band with no state yet: the side of the level is state enough.
        seen = raw
    if seen == "unknown":
        return state, False
    if state.confirmed == "unknown" and seen != "hold":
        # The first known reading sets the state at once (it never fires): a cross
        # while a state was still being confirmed would otherwise be lost.
        return AlertState(seen, None, 0, state.last_fired, definition.when), False
    if seen == "hold" or seen == state.confirmed:
        return replace(state, candidate=None, count=0), False
    count = state.count + 1 if state.candidate == seen else 1
    if count < (definition.confirm if confirm is None else confirm):
        return replace(state, candidate=seen, count=count), False
    crossed = state.confirmed == "false" and seen == "true"
    cooling = state.last_fired is not None and at - state.last_fired < timedelta(
        minutes=definition.cooldown_minutes
    )
    fires = crossed and not cooling
    last = at if fires else state.last_fired
    return AlertState(seen, None, 0, last, definition.when), fires


def _run(
    alerts: Sequence[Alert],
    state: WatchState,
    table: Table,
    times: Sequence[datetime],
    sessions: Sequence[date | None],
    confirm: int | None = None,
) -> tuple[list[Fired], WatchState]:
    """Every alert over every row of `table` in order (row i at `times[i]`);
    `confirm` overrides each alert's own."""
    for at in times:
        if at.tzinfo is None:
            raise ValueError(f"alert time {at.isoformat()} has no time zone")
    states = dict(state.alerts)
    firings: list[tuple[int, int, Fired]] = []
    for order, definition in enumerate(alerts):
        alert = compiled(definition)
        readings = _observe(alert, table)
        current = states.get(definition.id, AlertState(rule=definition.when))
        rows = zip(readings.observed, readings.raw, times, strict=True)
        for row, (seen, raw, at) in enumerate(rows):
            current, fires = _advance(alert, current, seen, at, raw, confirm)
            if fires:
                message = _message(alert, readings.shown[row])
                fired = Fired(
                    at, definition.id, definition.name, definition.severity, message, sessions[row]
                )
                firings.append((row, order, fired))
        states[definition.id] = current
    firings.sort(key=lambda item: (item[0], item[1]))
    return [fired for _row, _order, fired in firings], WatchState(states)


def step(
    alerts: Sequence[Alert],
    state: WatchState,
    row: Snapshot | Table,
    at: datetime,
    *,
    session: date | None = None,
) -> tuple[list[Fired], WatchState]:
    """Evaluate every alert on `row` (a Snapshot or a one-row Table) at `at` (aware);
    the alerts that fire, in the order given, and the new state."""
    from core.rules import Table

    table = row if isinstance(row, Table) else Table.of_snapshot(row)
    if table.rows != 1:
        raise ValueError(f"step reads one row of readings, not {table.rows}")
    return _run(alerts, state, table, [at], [session])


def over_history(
    alerts: Sequence[Alert],
    frame: pd.DataFrame,
    at_close: Callable[[date], datetime],
    state: WatchState | None = None,
) -> list[Fired]:
    """The alerts that would have fired stepping through `frame` (history rows, index =
    sessions), each row at `at_close(session)`, from `state` (default: a fresh start).
    The same transition as `step`, the rules evaluated once over all rows, except that
    a session's close stands for all the refreshes of that session: a new state shown
    at a close is confirmed there (`confirm` counts refreshes, not sessions)."""
    import pandas as pd

    from core.rules import Table

    sessions = [pd.Timestamp(label).date() for label in frame.index]
    times = [at_close(session) for session in sessions]
    table = Table.of_frame(frame)
    fired, _state = _run(alerts, state or WatchState(), table, times, sessions, confirm=1)
    return fired
