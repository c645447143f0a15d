"""The checklist items' statuses and their changes, as the log records them: every
item keyed `thesis.item_id` (`bull.positive_gamma`; a thesis added in the config by its
name), read from a Snapshot (`item_statuses`, with the item's label) or from a history
of readings (`frame_statuses`, one mapping per session, from the columns
`checklist.<thesis>.items[<id>].status` or `checklist.extra[<thesis>].items[<id>].status`,
whose labels come from the theses: `frame_labels`). `status_changes` compares the
statuses last seen with the statuses now and gives a log line (kind "status", alert
`STATUS_ALERT`, severity info) for each item whose status differs: "Bull · Positive
gamma: fail → pass". Unknown is no status, as it is no reading for the alerts: data
still loading or a failed fetch neither logs a change nor forgets the last known
status, so a start, or a panel that fails and comes back, logs nothing; an item not
known before only establishes its status."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from core.alerts.entry import STATUS_ALERT, LogEntry

if TYPE_CHECKING:
    import pandas as pd

    from core.snapshot import Snapshot
    from core.thesis import Thesis

__all__ = ["UNKNOWN", "frame_labels", "frame_statuses", "item_statuses", "status_changes"]

UNKNOWN = "unknown"
"""The status of an item whose data is missing (also a history's empty cell)."""

_COLUMN = re.compile(
    r"checklist\.(?:extra\[(?P<extra>[^\]]+)\]|(?P<named>[a-z0-9_]+))"
    r"\.items\[(?P<item>[^\]]+)\]\.status"
)
"""A history's column of an item's status."""


def item_statuses(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """Every checklist item of `snapshot` by `thesis.item_id`: (label, status). No
    checklist (a registry without it): none."""
    checklist = getattr(snapshot, "checklist", None)
    if checklist is None:
        return {}
    theses = {"bull": checklist.bull, "bear": checklist.bear, **checklist.extra}
    return {
        f"{name}.{item.id}": (item.label, str(item.status))
        for name, score in theses.items()
        for item in score.items
    }


def frame_labels(theses: Mapping[str, Thesis]) -> dict[str, str]:
    """Every item's label by `thesis.item_id` (a history's columns hold no labels)."""
    return {
        f"{name}.{item.id}": item.label for name, thesis in theses.items() for item in thesis.items
    }


def _key(column: str) -> str | None:
    """The item a history's column holds the status of (None: not a status column)."""
    match = _COLUMN.fullmatch(column)
    if match is None:
        return None
    return f"{match['extra'] or match['named']}.{match['item']}"


def _status(value: Any) -> str:
    """A history's cell as a status (missing: unknown)."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN
    return str(value)


def frame_statuses(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Every item's status on each row of a history of readings, by `thesis.item_id`
    (an empty cell is unknown)."""
    keyed = [(key, column) for column in frame.columns if (key := _key(str(column))) is not None]
    rows: list[dict[str, str]] = [{} for _ in range(len(frame))]
    for key, column in keyed:
        for row, value in zip(rows, frame[column].tolist(), strict=True):
            row[key] = _status(value)
    return rows


def _thesis_title(key: str) -> str:
    """The thesis of an item key as a message names it (`bull.x` -> Bull)."""
    return key.split(".", 1)[0].replace("_", " ").title()


def status_changes(
    before: Mapping[str, str],
    now: Mapping[str, tuple[str, str]],
    at: datetime,
    session: date | None,
    source: str,
    readings: Mapping[str, Any],
) -> list[LogEntry]:
    """A log line for each item of `now` (label, status) whose status differs from
    `before`'s, in `now`'s order. Unknown is no status: an item unknown now, or not
    known before, gives no line (missing data is not a change of the market's)."""
    entries = []
    for key, (label, status) in now.items():
        last = before.get(key)
        if last in (None, UNKNOWN) or status in (last, UNKNOWN):
            continue
        entries.append(
            LogEntry(
                time=at,
                session=session,
                kind="status",
                alert=STATUS_ALERT,
                key=key,
                name=label,
                severity="info",
                message=f"{_thesis_title(key)} · {label}: {last} → {status}",
                source=source,
                readings=dict(readings),
            )
        )
    return entries
