"""Replay fires alerts too: 2026-01-20 to 2026-02-10 of the real data, with an alert
for the index closing below its 20-day EMA (banded), one for VIX above 18 and one for
negative gamma. Each firing is checked against the history's own readings (the
condition false on an earlier session and true on the firing one), each status change
against the history's status columns, and nothing happens on the first session."""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd

from core.alerts.alert import Alert, parse_alert
from core.alerts.entry import STATUS_ALERT, LogEntry
from core.alerts.replay import replay_keys, replay_log
from core.config import Settings
from core.history import readings_history
from core.session import MarketSession
from core.sources.files import FilesSource
from tests.market_data import require_market_data

START, END = date(2026, 1, 20), date(2026, 2, 10)
EMA = "price.levels[EMA 20].value"
ALERTS = (
    parse_alert(
        {
            "id": "below_ema20",
            "name": "S&P below EMA 20",
            "severity": "warning",
            "when": 'price.last < level("EMA 20").value',
            "band_pct": 0.1,
            "level": "EMA 20",
            "side": "below",
            "show": "price.last",
            "message": "{name} at {value:,.2f}",
        }
    ),
    parse_alert({"id": "vix_above_18", "name": "VIX above 18", "when": "vix.last > 18"}),
    parse_alert(
        {"id": "gamma_negative", "name": "Negative gamma", "when": 'gamma.regime == "negative"'}
    ),
)


@cache
def replayed() -> tuple[list[LogEntry], pd.DataFrame]:
    """The replay's lines and the history it read."""
    source = FilesSource(require_market_data("GSPC.csv"))
    entries = replay_log(Settings(), source, START, END, ALERTS)
    frame = readings_history(Settings(), source, START, END, keys=replay_keys(ALERTS))
    frame.index = [stamp.date() for stamp in pd.DatetimeIndex(frame.index)]
    return entries, frame


def on(frame: pd.DataFrame, session: date) -> pd.Series:
    """The history's row of `session`."""
    return frame.iloc[list(frame.index).index(session)]


def holds(alert: Alert, row: pd.Series) -> bool:
    if alert.id == "below_ema20":
        return bool(row["price.last"] < row[EMA])
    return bool(row["vix.last"] > 18)


def test_the_alerts_fire_where_the_readings_cross() -> None:
    entries, frame = replayed()
    fired = [entry for entry in entries if entry.kind == "alert"]
    assert [(entry.session, entry.alert) for entry in fired] == [
        (date(2026, 2, 3), "below_ema20"),
        (date(2026, 2, 4), "vix_above_18"),
    ]
    by_id = {alert.id: alert for alert in ALERTS}
    for entry in fired:
        assert entry.session is not None
        alert = by_id[entry.alert]
        earlier = frame.loc[: entry.session].iloc[:-1]
        assert holds(alert, on(frame, entry.session))
        # False before it (the session before, unless a band held the state meanwhile).
        assert not all(holds(alert, row) for _day, row in earlier.iterrows())
        if not alert.banded:
            assert not holds(alert, earlier.iloc[-1])
        assert entry.time == MarketSession().session_close(entry.session)
        assert entry.source == "files"
        assert entry.readings["price.last"] == on(frame, entry.session)["price.last"]
    assert (
        fired[0].message == f"S&P below EMA 20 at {on(frame, date(2026, 2, 3))['price.last']:,.2f}"
    )
    # The files hold no option chains for the span: the gamma regime is unknown, never fires.
    assert "gamma.regime" not in frame.columns


def test_status_changes_are_the_historys() -> None:
    entries, frame = replayed()
    changes = [entry for entry in entries if entry.kind == "status"]
    assert changes
    for entry in changes:
        assert entry.alert == STATUS_ALERT and entry.session is not None
        thesis, item = entry.key.split(".", 1)
        column = frame[f"checklist.{thesis}.items[{item}].status"]
        before = column.loc[: entry.session].iloc[-2]
        assert entry.message.endswith(f"{before} → {column.loc[entry.session]}")
    changed = sum(
        int((frame[c].iloc[1:].to_numpy() != frame[c].iloc[:-1].to_numpy()).sum())
        for c in frame.columns
        if c.endswith("].status")
    )
    assert len(changes) == changed


def test_nothing_on_the_first_session_and_in_time_order() -> None:
    entries, frame = replayed()
    assert frame.index[0] == START
    assert all(entry.session != START for entry in entries)
    keys = [(entry.time, entry.kind != "alert") for entry in entries]
    assert keys == sorted(keys)
