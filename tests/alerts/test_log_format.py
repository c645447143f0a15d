"""How `regime log` prints: the exact text line (New York time, severity, message),
the line for an empty span, the JSON keys of the log and of a replay, and the CSV
header and a row with its readings."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from core.alerts.entry import READINGS, LogEntry
from core.alerts.log_format import CSV_FIELDS, render_log, render_replay

ENTRY = LogEntry(
    time=datetime(2026, 2, 5, 20, 59, 30, tzinfo=UTC),
    session=date(2026, 2, 5),
    kind="alert",
    alert="below_sma200",
    key="below_sma200",
    name="Below the SMA 200",
    severity="warning",
    message="Index crossed below the SMA 200 · 6,812",
    source="yahoo",
    readings={"price.last": 6812.25, "gamma.regime": "negative", "vix.last": None},
)
CRITICAL = LogEntry(
    time=datetime(2026, 7, 1, 13, 30, tzinfo=UTC),
    session=None,
    kind="status",
    alert="checklist",
    key="bull.positive_gamma",
    name="Positive gamma",
    severity="critical",
    message="Positive gamma:\npass → fail",
)


def test_text_is_one_line_per_entry_in_new_york_time() -> None:
    assert render_log([ENTRY, CRITICAL], "text").splitlines(keepends=True) == [
        "2026-02-05 15:59 ET  warning   Index crossed below the SMA 200 · 6,812\n",
        "2026-07-01 09:30 ET  critical  Positive gamma: pass → fail\n",
    ]
    assert render_replay([ENTRY], "text") == render_log([ENTRY], "text")


def test_an_empty_span_says_so() -> None:
    assert render_log([], "text") == "nothing was logged in this span\n"
    assert render_log([], "json") == "[]\n" == render_replay([], "json")


def test_json_is_a_list_of_entries() -> None:
    (line,) = json.loads(render_log([ENTRY], "json"))
    assert list(line) == [*CSV_FIELDS, "readings"]
    assert line["time"] == "2026-02-05T20:59:30+00:00" and line["session"] == "2026-02-05"
    assert line["readings"]["price.last"] == 6812.25 and line["readings"]["vix.last"] is None


def test_replay_json_keeps_five_keys() -> None:
    (line,) = json.loads(render_replay([ENTRY], "json"))
    assert line == {
        "time": "2026-02-05T20:59:30+00:00",
        "session": "2026-02-05",
        "alert": "below_sma200",
        "severity": "warning",
        "message": "Index crossed below the SMA 200 · 6,812",
    }


def test_csv_has_the_fields_then_one_column_per_reading() -> None:
    rows = list(csv.reader(io.StringIO(render_log([ENTRY, CRITICAL], "csv"))))
    assert rows[0] == [
        "time", "session", "kind", "alert", "key", "name", "severity", "message", "source",
        *READINGS,
    ]  # fmt: skip
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["price.last"] == "6812.25" and row["gamma.regime"] == "negative"
    assert row["vix.last"] == "" and row["rsi.value"] == ""
    assert row["message"] == ENTRY.message
    assert dict(zip(rows[0], rows[2], strict=True))["message"] == CRITICAL.message
    assert len(rows) == 3
    assert render_log([], "csv") == ",".join([*CSV_FIELDS, *READINGS]) + "\n"


def test_an_unknown_format_is_one_line() -> None:
    with pytest.raises(ValueError, match="unknown log format 'yaml'"):
        render_log([ENTRY], "yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown replay format 'csv'"):
        render_replay([ENTRY], "csv")  # type: ignore[arg-type]
