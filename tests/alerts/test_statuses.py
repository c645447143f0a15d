"""Checklist items' statuses and their changes: read from a Snapshot (every item of
both theses, keyed `thesis.item_id`, with its label) and from a history's status
columns (an empty cell is unknown), and logged as one line per item whose status
changed, nothing for an item first seen."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from core.alerts.entry import STATUS_ALERT
from core.alerts.statuses import frame_labels, frame_statuses, item_statuses, status_changes
from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.sources.sim import SimSource
from core.thesis import load_theses

AT = datetime(2026, 2, 3, 21, 0, tzinfo=UTC)


def test_a_snapshots_items_by_thesis_and_id() -> None:
    clock = fixed_clock(datetime(2026, 3, 2, 18, 0, tzinfo=NEW_YORK))
    snapshot = Engine(Settings(), SimSource(seed=7000, clock=clock, members=60)).refresh()
    statuses = item_statuses(snapshot)
    checklist = snapshot.checklist
    items = [("bull", item) for item in checklist.bull.items]
    items += [("bear", item) for item in checklist.bear.items]
    assert items, "the sim's checklist has items"
    assert statuses == {f"{name}.{item.id}": (item.label, item.status) for name, item in items}
    assert set(status for _label, status in statuses.values()) <= {"pass", "fail", "unknown"}


def test_labels_come_from_the_theses() -> None:
    labels = frame_labels(load_theses())
    bull = load_theses()["bull"]
    assert labels[f"bull.{bull.items[0].id}"] == bull.items[0].label
    assert len(labels) == sum(len(thesis.items) for thesis in load_theses().values())


def history() -> pd.DataFrame:
    """Three sessions of two bull items and one added thesis's item."""
    index = pd.DatetimeIndex(["2026-02-02", "2026-02-03", "2026-02-04"], name="session")
    return pd.DataFrame(
        {
            "price.last": [6976.4, 6917.8, 6882.7],
            "checklist.bull.score": [1, 1, 0],
            "checklist.bull.items[positive_gamma].status": ["fail", "pass", None],
            "checklist.bull.items[ema_stack].status": ["pass", "fail", "fail"],
            "checklist.extra[mine].items[dip].status": [float("nan"), "pass", "pass"],
        },
        index=index,
    )


def test_a_historys_status_columns_by_item() -> None:
    assert frame_statuses(history()) == [
        {"bull.positive_gamma": "fail", "bull.ema_stack": "pass", "mine.dip": "unknown"},
        {"bull.positive_gamma": "pass", "bull.ema_stack": "fail", "mine.dip": "pass"},
        {"bull.positive_gamma": "unknown", "bull.ema_stack": "fail", "mine.dip": "pass"},
    ]


def labelled(statuses: dict[str, str]) -> dict[str, tuple[str, str]]:
    labels = {"bull.positive_gamma": "Positive gamma", "bull.ema_stack": "EMA stack bullish"}
    return {key: (labels.get(key, key), status) for key, status in statuses.items()}


def test_each_change_is_one_line_and_unknown_or_a_first_sight_none() -> None:
    rows = frame_statuses(history())
    readings = {"price.last": 6917.8}
    lines = status_changes(rows[0], labelled(rows[1]), AT, date(2026, 2, 3), "files", readings)
    assert [line.message for line in lines] == [
        "Bull · Positive gamma: fail → pass",
        "Bull · EMA stack bullish: pass → fail",
    ]  # mine.dip was unknown: its first known status is no change
    first = lines[0]
    assert (first.kind, first.alert, first.key, first.severity) == (
        "status",
        STATUS_ALERT,
        "bull.positive_gamma",
        "info",
    )
    assert (first.name, first.time, first.session, first.source) == (
        "Positive gamma",
        AT,
        date(2026, 2, 3),
        "files",
    )
    assert first.readings == readings
    later = status_changes(rows[1], labelled(rows[2]), AT, None, "files", {})
    assert later == []  # positive_gamma went unknown: missing data is no change
    assert status_changes({}, labelled(rows[0]), AT, None, "files", {}) == []
    assert status_changes(rows[1], labelled(rows[1]), AT, None, "files", {}) == []
