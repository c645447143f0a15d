"""Replay fires alerts too: `replay_log` steps through the sessions of a span of
history and gives the log lines a monitor left running through them would have
written: the alerts that would have fired (core.alerts.watch.over_history, each
session read at its close) and the checklist items whose status changed
(core.alerts.statuses), each with the readings of its session (`READINGS`). The
history is core.history.readings_history, computed for the sections the alerts' rules
read (found as the studies find theirs, `core.studies.study`), the checklist, and the
sections the log's readings come from. The first session only establishes the state:
nothing fires on it and no status has changed on it. Lines come in time order, a
session's alerts (in the order given) before its status changes. Nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.alerts.entry import READINGS, LogEntry, readings_at
from core.alerts.statuses import UNKNOWN, frame_labels, frame_statuses, status_changes
from core.alerts.watch import over_history

if TYPE_CHECKING:
    from core.alerts.alert import Alert
    from core.config import Settings
    from core.session import MarketSession
    from core.sources.base import Source
    from core.thesis import Thesis

__all__ = ["log_of_frame", "replay_keys", "replay_log"]

CHECKLIST = "checklist"


def replay_keys(alerts: Sequence[Alert]) -> tuple[str, ...]:
    """The sections whose readings a replay of `alerts` reads, in the registry's order:
    those the alerts' `when`, `show`, `reading` and `level` read (a banded alert's
    level is the price section's), the checklist, and those of the log's readings."""
    from core.rules import LEVEL_SECTION, parse, roots_read
    from core.section import builtin

    read = {CHECKLIST, *(path.split(".", 1)[0] for path in READINGS)}
    for alert in alerts:
        for source in (alert.when, alert.show, alert.reading):
            if source is not None:
                read.update(roots_read(parse(source)))
        if alert.level is not None:
            read.add(LEVEL_SECTION)
    return tuple(
        section.key for section in builtin() if section.key in read and section.readings is not None
    )


def replay_log(
    settings: Settings,
    source: Source,
    start: date,
    end: date,
    alerts: Sequence[Alert],
    *,
    theses: Mapping[str, Thesis] | None = None,
) -> list[LogEntry]:
    """The log lines of `alerts` and the checklist of `theses` (default: the built-ins
    with `settings.theses`) over the sessions from `start` to `end` (see the module
    docstring). Raises what core.history.readings_history
    raises (HistoryError, SourceError) and ValueError for a session the calendar
    does not know."""
    from core.history import readings_history
    from core.session import MarketSession
    from core.thesis import load_theses

    if theses is None:
        theses = load_theses(settings.theses)
    frame = readings_history(settings, source, start, end, keys=replay_keys(alerts), theses=theses)
    return log_of_frame(frame, alerts, theses, str(source.kind), MarketSession())


def log_of_frame(
    frame: pd.DataFrame,
    alerts: Sequence[Alert],
    theses: Mapping[str, Thesis],
    kind: str,
    market: MarketSession,
) -> list[LogEntry]:
    """The log lines of `alerts` and the checklist of `theses` over the sessions of
    `frame`, a readings history holding the sections `replay_keys` names (see the
    module docstring), each line's source `kind`."""
    from core.rules import Table

    sessions = [pd.Timestamp(label).date() for label in frame.index]
    readings: dict[date, dict[str, Any]] = dict(
        zip(sessions, readings_at(Table.of_frame(frame)), strict=True)
    )
    entries = [
        LogEntry.of_fired(fired, kind, readings[fired.session] if fired.session else None)
        for fired in over_history(alerts, frame, market.session_close)
    ]
    labels = frame_labels(theses)
    known: dict[str, str] = {}
    for session, statuses in zip(sessions, frame_statuses(frame), strict=True):
        now = {
            key: (labels.get(key, key.split(".", 1)[-1]), status)
            for key, status in statuses.items()
        }
        at = market.session_close(session)
        entries += status_changes(known, now, at, session, kind, readings[session])
        known.update({key: status for key, status in statuses.items() if status != UNKNOWN})
    entries.sort(key=lambda entry: (entry.time, entry.kind != "alert"))
    return entries
