"""The checklist's readings as history, on hand-built frames of the other sections:
every item's status, both scores and totals (ints) and an added thesis's columns, one
row per session of the index; a section with no row for a session is read as a
replay as of that session reads it (its last row before), and a column no section
produced makes its items unknown (never a fail)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from core.clock import NEW_YORK
from core.config import Settings, ThesisConfig, ThesisItemConfig
from core.section import CycleData, Inputs, builtin
from core.sections.checklist import SECTION
from core.thesis import Thesis, builtin_theses, load_theses

SESSIONS = pd.DatetimeIndex(["2026-01-26", "2026-01-27", "2026-01-28", "2026-01-29"])


def close_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, tzinfo=NEW_YORK)


def inputs(frames: dict[str, pd.DataFrame], theses: dict[str, Thesis] | None) -> Inputs:
    settings = Settings()
    cycle = CycleData(
        bars={}, members=None, state="REPLAY", detail=None, close_time=close_time, now=None
    )
    frames = {"sessions": pd.DataFrame(index=SESSIONS), **frames}
    return Inputs(settings, cycle, theses, {}, builtin(), frames, {})


def frames() -> dict[str, pd.DataFrame]:
    # The price frame lacks the 27th: a session its section has no row for.
    price = pd.DataFrame(
        {
            "price.last": [6950.0, 6978.03, 7010.0],
            "price.levels[7,000 milestone].kind": pd.Series(["milestone"] * 3, dtype=object),
            "price.levels[7,000 milestone].value": [7000.0, 7000.0, 7000.0],
        }
    ).set_axis(SESSIONS[[0, 2, 3]])
    rsi = pd.DataFrame({"rsi.value": [55.0, 45.0, 60.0, np.nan]}, index=SESSIONS)
    trend = pd.DataFrame({"trend.exposure_pct": [10.0, 10.0, -5.0, 10.0]}, index=SESSIONS)
    return {"price": price, "rsi": rsi, "trend": trend}


def checklist_readings(theses: dict[str, Thesis] | None) -> pd.DataFrame:
    readings = SECTION.readings
    assert readings is not None
    return readings(inputs(frames(), theses))


def test_every_item_both_scores_and_an_added_thesis_by_session() -> None:
    added = ThesisItemConfig(id="calm", label="VIX calm", rule="vix.last < 18")
    theses = load_theses({"soft_landing": ThesisConfig(items=(added,))})
    table = checklist_readings(theses)
    assert table.index.equals(SESSIONS)
    bull, bear = builtin_theses()["bull"], builtin_theses()["bear"]
    expected = [
        "checklist.bull.score",
        "checklist.bull.total",
        *(f"checklist.bull.items[{item.id}].status" for item in bull.items),
        "checklist.bear.score",
        "checklist.bear.total",
        *(f"checklist.bear.items[{item.id}].status" for item in bear.items),
        "checklist.extra[soft_landing].score",
        "checklist.extra[soft_landing].total",
        "checklist.extra[soft_landing].items[calm].status",
    ]
    assert list(table.columns) == expected
    above = table["checklist.bull.items[above_7000].status"].tolist()
    assert above == ["fail", "fail", "fail", "pass"]  # the 27th: the price as of the 26th
    momentum = table["checklist.bull.items[momentum].status"].tolist()
    assert momentum == ["pass", "fail", "fail", "unknown"]
    assert table["checklist.bull.score"].tolist() == [1, 0, 0, 1]
    assert table["checklist.bull.total"].tolist() == [len(bull.items)] * 4
    assert table["checklist.bull.score"].dtype == np.int64
    assert set(table["checklist.bear.items[top10_concentration].status"]) == {"unknown"}
    assert set(table["checklist.extra[soft_landing].items[calm].status"]) == {"unknown"}
    assert table["checklist.extra[soft_landing].total"].tolist() == [1] * 4


def test_a_thesis_left_out_scores_zero_of_zero_as_in_the_snapshot() -> None:
    table = checklist_readings({"bull": builtin_theses()["bull"]})
    assert table["checklist.bear.score"].tolist() == [0] * 4
    assert table["checklist.bear.total"].tolist() == [0] * 4
    assert not any("bear.items" in column for column in table.columns)
