"""One line of the day's log (`LogEntry`): an alert that fired, or a checklist item
whose status changed, with its time, the session it belongs to, the source whose data
it was read from, and the readings at that moment (`READINGS`: the index, VIX, RSI,
breadth, the trend model's exposure, the gamma regime and both checklist scores), so a
line read next week still says what the market looked like when it was written. The
live watcher, the replay and the stored log all speak in these; `as_json` is the
shape `regime log --format json` prints (the replay's JSON keeps `{time, session,
alert, severity, message}` of it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from core.alerts.alert import Severity

if TYPE_CHECKING:
    from core.alerts.watch import Fired
    from core.rules import Rule, Table

__all__ = ["READINGS", "STATUS_ALERT", "EntryKind", "LogEntry", "readings_at"]

EntryKind = Literal["alert", "status"]
"""What a line records: an alert that fired, or a checklist item's status change."""

STATUS_ALERT = "checklist"
"""The `alert` field of a checklist item's status change (its `key` names the item)."""

READINGS = (
    "price.last",
    "price.change_pct",
    "vix.last",
    "rsi.value",
    "breadth.pct_above_200dma",
    "trend.exposure_pct",
    "gamma.regime",
    "gamma.zero_gamma",
    "checklist.bull.score",
    "checklist.bear.score",
)
"""The readings each line keeps, by JSON path."""


@dataclass(frozen=True)
class LogEntry:
    """One line of the log (see the module docstring)."""

    time: datetime
    """When it happened (aware): the refresh that saw it, or a replayed session's close."""
    session: date | None
    """The NYSE session whose data showed it."""
    kind: EntryKind
    alert: str
    """The alert's id, or STATUS_ALERT for a checklist item's change."""
    key: str
    """The alert's id again, or the item as `thesis.item_id` (`bull.positive_gamma`)."""
    name: str
    """The alert's name, or the item's label."""
    severity: Severity
    message: str
    source: str = ""
    """The source kind the data came from (yahoo, cache, sim, files)."""
    readings: Mapping[str, Any] = field(default_factory=dict)
    """`READINGS` at that moment (None where unknown)."""

    @classmethod
    def of_fired(
        cls, fired: Fired, source: str = "", readings: Mapping[str, Any] | None = None
    ) -> LogEntry:
        """The line of an alert's firing."""
        return cls(
            time=fired.time,
            session=fired.session,
            kind="alert",
            alert=fired.alert,
            key=fired.alert,
            name=fired.name,
            severity=fired.severity,
            message=fired.message,
            source=source,
            readings=dict(readings or {}),
        )

    def as_json(self) -> dict[str, Any]:
        """The line as JSON-able fields."""
        return {
            "time": self.time.isoformat(),
            "session": None if self.session is None else self.session.isoformat(),
            "kind": self.kind,
            "alert": self.alert,
            "key": self.key,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
            "readings": dict(self.readings),
        }

    def replay_json(self) -> dict[str, Any]:
        """The fields a replay prints: `{time, session, alert, severity, message}`."""
        whole = self.as_json()
        return {key: whole[key] for key in ("time", "session", "alert", "severity", "message")}


@cache
def _reading_rules() -> tuple[tuple[str, Rule], ...]:
    from core.rules import compile_rule

    return tuple((path, compile_rule(path, kind="value")) for path in READINGS)


def _plain(value: Any) -> Any:
    """A reading as JSON-able data (None for unknown or not finite)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    item = getattr(value, "item", None)  # a numpy scalar
    if callable(item):
        return _plain(item())
    return str(getattr(value, "value", value))


def readings_at(table: Table) -> list[dict[str, Any]]:
    """`READINGS` on every row of `table` (a Snapshot's one row, or a history), by path."""
    rows: list[dict[str, Any]] = [{} for _ in range(table.rows)]
    for path, rule in _reading_rules():
        values, known = rule.evaluate_columns(table)
        for row, (value, ok) in enumerate(zip(values.tolist(), known.tolist(), strict=True)):
            rows[row][path] = _plain(value) if ok else None
    return rows
