"""The live watcher on scripted Snapshots (one real Snapshot from the engine over a
fake source, its price and a checklist item edited): an alert fires once on a cross
and not again after a restart over the same stored state, a checklist item's change
is logged, a failing journal never raises, and `today` splits the entries at the open
and at the last close (over a fake journal, and a restart over the real one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.alerts.alert import Alert, parse_alert
from core.alerts.catalog import load_alerts
from core.alerts.entry import STATUS_ALERT, LogEntry
from core.alerts.journal import open_journal
from core.alerts.watch import WatchState
from core.alerts.watcher import STATUS_CONFIRM, AlertWatcher, Step
from core.clock import NEW_YORK
from core.config import Settings
from core.session import MarketSession
from core.snapshot import Snapshot
from tests.test_engine import index_source, make_engine

# Tuesday 2026-01-27, 11:00 New York (the engine tests' moment): regular hours.
NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
OPEN = datetime(2026, 1, 27, 9, 30, tzinfo=NEW_YORK)


class FakeJournal:
    """The Journal's interface over lists and dicts (shared by successive watchers,
    as the file is by successive runs)."""

    def __init__(self) -> None:
        self.lines: list[LogEntry] = []
        self.states: dict[str, tuple[WatchState, dict[str, str]]] = {}
        self.closed: datetime | None = None
        self.broken = False

    def _check(self) -> None:
        if self.broken:
            raise OSError("log.sqlite: disk I/O error")

    def record(self, entries: Sequence[LogEntry]) -> None:
        self._check()
        self.lines.extend(entries)

    def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> list[LogEntry]:
        self._check()
        return [
            line
            for line in sorted(self.lines, key=lambda line: line.time)
            if (since is None or line.time >= since)
            and (until is None or line.time < until)
            and (source is None or line.source == source)
        ]

    def load_state(self, source: str) -> tuple[WatchState, dict[str, str]]:
        self._check()
        state, statuses = self.states.get(source, (WatchState(), {}))
        return state, dict(statuses)

    def save_state(self, source: str, state: WatchState, statuses: Mapping[str, str]) -> None:
        self._check()
        self.states[source] = (WatchState.from_dict(state.to_dict()), dict(statuses))

    def update(self, source: str, change: Callable[[WatchState, dict[str, str]], Step]) -> Step:
        state, statuses = self.load_state(source)
        done = change(state, statuses)
        self.record(done[0])
        self.save_state(source, done[1], done[2])
        return done

    def mark_closed(self, at: datetime) -> None:
        self._check()
        self.closed = at

    def last_closed(self) -> datetime | None:
        self._check()
        return self.closed


def above(level: float = 7000.0) -> Alert:
    return parse_alert(
        {
            "id": "above",
            "name": f"S&P above {level:,.0f}",
            "severity": "warning",
            "when": f"price.last > {level}",
            "show": "price.last",
            "message": "{name} at {value:,.1f}",
        }
    )


@pytest.fixture(scope="module")
def base() -> Snapshot:
    return make_engine(index_source()).refresh()


def at_price(snapshot: Snapshot, price: float) -> Snapshot:
    return snapshot.model_copy(update={"price": snapshot.price.model_copy(update={"last": price})})


def with_status(snapshot: Snapshot, item_id: str, status: str) -> Snapshot:
    checklist = snapshot.checklist
    items = tuple(
        item.model_copy(update={"status": status}) if item.id == item_id else item
        for item in checklist.bull.items
    )
    bull = checklist.bull.model_copy(update={"items": items})
    return snapshot.model_copy(update={"checklist": checklist.model_copy(update={"bull": bull})})


def watcher(journal: FakeJournal | None = None, alert: Alert | None = None) -> AlertWatcher:
    return AlertWatcher([alert or above()], "sim", journal, MarketSession(lambda: NOW))


def minutes(n: int) -> datetime:
    return NOW + timedelta(minutes=n)


def test_a_cross_fires_once_with_the_readings_and_the_session(base: Snapshot) -> None:
    watch = watcher()
    prices = [6900.0, 7100.0, 7200.0, 7150.0]
    entries = [watch.observe(at_price(base, price), minutes(n)) for n, price in enumerate(prices)]
    assert [len(found) for found in entries] == [0, 1, 0, 0]
    fired = entries[1][0]
    assert (fired.kind, fired.alert, fired.severity) == ("alert", "above", "warning")
    assert fired.message == "S&P above 7,000 at 7,100.0"
    assert fired.time == minutes(1) and fired.session == date(2026, 1, 27)
    assert fired.source == "sim" and fired.readings["price.last"] == 7100.0


def test_a_restart_over_the_stored_state_does_not_fire_again(base: Snapshot) -> None:
    journal = FakeJournal()
    first = watcher(journal)
    first.observe(at_price(base, 6900.0), minutes(0))
    assert len(first.observe(at_price(base, 7100.0), minutes(1))) == 1
    first.close(minutes(2))
    again = watcher(journal)
    assert again.observe(at_price(base, 7100.0), minutes(3)) == []
    assert [line.alert for line in journal.lines] == ["above"]
    # A real new cross after the restart fires.
    again.observe(at_price(base, 6900.0), minutes(4))
    assert [line.alert for line in again.observe(at_price(base, 7100.0), minutes(5))] == ["above"]


def test_a_quiet_refresh_writes_nothing(base: Snapshot, tmp_path: Path) -> None:
    journal, note = open_journal(tmp_path / "log.sqlite")
    assert journal is not None, note
    watch = AlertWatcher([above()], "sim", journal, MarketSession(lambda: NOW))
    watch.observe(at_price(base, 6900.0), minutes(0))  # establishes: written
    written = journal._conn.total_changes
    for n in range(1, 4):
        watch.observe(at_price(base, 6900.0), minutes(n))
    assert journal._conn.total_changes == written
    watch.observe(at_price(base, 7100.0), minutes(4))
    assert journal._conn.total_changes == written + 2  # the line and the state
    journal.close()


def test_two_monitors_on_one_log_log_a_change_once(base: Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    monitors = []
    for _ in range(2):
        journal, note = open_journal(path)
        assert journal is not None, note
        monitors.append(AlertWatcher([above()], "sim", journal, MarketSession(lambda: NOW)))
    first, second = monitors
    first.observe(at_price(base, 6900.0), minutes(0))
    second.observe(at_price(base, 6905.0), minutes(0))
    assert [line.alert for line in first.observe(at_price(base, 7100.0), minutes(1))] == ["above"]
    assert second.observe(at_price(base, 7102.0), minutes(1)) == []  # already logged
    assert first.journal is not None
    assert [line.message for line in first.journal.entries()] == ["S&P above 7,000 at 7,100.0"]
    # The state moves on for both: a real new cross is one line again.
    second.observe(at_price(base, 6900.0), minutes(2))
    assert first.observe(at_price(base, 6901.0), minutes(3)) == []
    assert [line.alert for line in second.observe(at_price(base, 7050.0), minutes(4))] == ["above"]
    assert first.observe(at_price(base, 7051.0), minutes(4)) == []
    assert len(first.journal.entries()) == 2


def test_a_checklist_change_is_logged_and_survives_a_restart(base: Snapshot) -> None:
    journal = FakeJournal()
    watch = watcher(journal)
    assert watch.observe(base, minutes(0)) == []
    failing = with_status(base, "above_7000", "fail")
    for n in range(1, STATUS_CONFIRM):  # not before STATUS_CONFIRM refreshes in a row
        assert watch.observe(failing, minutes(n)) == []
    changed = watch.observe(failing, minutes(STATUS_CONFIRM))
    assert [(line.kind, line.alert, line.key) for line in changed] == [
        ("status", STATUS_ALERT, "bull.above_7000")
    ]
    assert "pass → fail" in changed[0].message
    assert journal.states["sim"][1]["bull.above_7000"] == "fail"
    restarted = watcher(journal)
    for n in range(1, STATUS_CONFIRM):
        assert restarted.observe(base, minutes(10 + n)) == []
    back = restarted.observe(base, minutes(10 + STATUS_CONFIRM))
    assert [line.key for line in back] == ["bull.above_7000"]
    assert "fail → pass" in back[0].message


def test_an_item_on_the_edge_or_without_data_logs_nothing(base: Snapshot) -> None:
    watch = watcher()
    watch.observe(base, minutes(0))
    flapping = [
        with_status(base, "above_7000", status) for status in ("fail", "pass", "fail", "pass")
    ]
    missing = [with_status(base, "above_7000", "unknown")] * 3
    seen = [watch.observe(one, minutes(n)) for n, one in enumerate([*flapping, *missing, base])]
    assert [line for lines in seen for line in lines] == []
    assert watch.statuses["bull.above_7000"] == "pass"


def test_a_failing_journal_never_raises_and_is_logged_once(
    base: Snapshot, caplog: pytest.LogCaptureFixture
) -> None:
    journal = FakeJournal()
    journal.broken = True
    watch = watcher(journal)
    watch.observe(at_price(base, 6900.0), minutes(0))
    fired = watch.observe(at_price(base, 7100.0), minutes(1))
    assert [line.alert for line in fired] == ["above"]
    watch.close(minutes(2))
    today = watch.today(minutes(3))
    assert [line.alert for line in today.since_open] == ["above"]  # what this run saw
    failures = [record for record in caplog.records if "disk I/O error" in record.getMessage()]
    assert len(failures) == 1


def test_a_snapshot_the_rules_cannot_read_gives_no_entries(base: Snapshot) -> None:
    broken = parse_alert(
        {"id": "odd", "name": "odd", "when": "price.last > 1", "message": "{name}"}
    )
    watch = watcher(alert=broken)
    assert watch.observe(object(), minutes(0)) == []  # type: ignore[arg-type]


def test_today_splits_at_the_open_and_at_the_last_close(base: Snapshot) -> None:
    journal = FakeJournal()
    yesterday = OPEN - timedelta(days=1)
    journal.lines.append(
        LogEntry(yesterday, date(2026, 1, 26), "alert", "above", "above", "x", "info", "x", "sim")
    )
    journal.closed = OPEN + timedelta(minutes=30)
    watch = watcher(journal)
    watch.observe(at_price(base, 6900.0), OPEN + timedelta(minutes=10))
    early = watch.observe(at_price(base, 7100.0), OPEN + timedelta(minutes=20))
    watch.observe(at_price(base, 6900.0), OPEN + timedelta(minutes=40))
    late = watch.observe(at_price(base, 7100.0), OPEN + timedelta(minutes=50))
    today = watch.today(NOW)
    assert today.open_at == OPEN and today.last_closed == journal.closed
    assert today.since_open == early + late
    assert today.since_last_close == late
    # Before the next open (pre-market), "today" is still the last session's.
    pre_market = datetime(2026, 1, 28, 8, 0, tzinfo=NEW_YORK)
    assert watch.today(pre_market).open_at == OPEN


def test_today_without_a_journal_is_what_this_run_saw(base: Snapshot) -> None:
    watch = watcher()
    watch.observe(at_price(base, 6900.0), minutes(0))
    fired = watch.observe(at_price(base, 7100.0), minutes(1))
    today = watch.today(minutes(2))
    assert today.since_open == fired
    assert today.since_last_close == [] and today.last_closed is None


def test_over_the_real_journal_a_restart_neither_refires_nor_forgets(
    base: Snapshot, tmp_path: Path
) -> None:
    path = tmp_path / "log.sqlite"
    journal, _note = open_journal(path)
    assert journal is not None
    first = AlertWatcher([above()], "sim", journal, MarketSession(lambda: NOW))
    first.observe(at_price(base, 6900.0), minutes(0))
    fired = first.observe(at_price(base, 7100.0), minutes(1))
    first.close(minutes(2))
    journal.close()
    reopened, _note = open_journal(path)
    assert reopened is not None
    again = AlertWatcher([above()], "sim", reopened, MarketSession(lambda: NOW))
    assert again.observe(at_price(base, 7100.0), minutes(3)) == []
    today = again.today(minutes(4))
    assert [line.message for line in today.since_open] == [line.message for line in fired]
    assert today.last_closed == minutes(2) and today.since_last_close == []
    reopened.close()


def with_rsi(snapshot: Snapshot, kind: str | None, failed: bool = False) -> Snapshot:
    """`snapshot` with its RSI divergence of `kind`, or its RSI section failed (the
    fallback: no value, no divergence, state ERROR)."""
    rsi = snapshot.rsi
    update: dict[str, object] = {"divergence": rsi.divergence.model_copy(update={"kind": kind})}
    if failed:
        status = rsi.status.model_copy(update={"state": "ERROR", "detail": "rsi: boom"})
        update |= {"value": None, "status": status}
    return snapshot.model_copy(update={"rsi": rsi.model_copy(update=update)})


def test_a_failed_section_is_no_reading_not_its_fallbacks_nulls(base: Snapshot) -> None:
    """A failed RSI's fallback has no divergence: read as "none active" it would fire
    "ended" and then "confirmed" again when the RSI comes back."""
    alerts = [
        alert
        for alert in load_alerts(Settings()).values()
        if alert.id in ("rsi_bearish_divergence", "rsi_bearish_divergence_ended")
    ]
    watch = AlertWatcher(alerts, "sim", None, MarketSession(lambda: NOW))
    path = [
        with_rsi(base, None),
        with_rsi(base, "bearish"),
        with_rsi(base, None, failed=True),
        with_rsi(base, "bearish"),
        with_rsi(base, None),
    ]
    fired = [[line.alert for line in watch.observe(one, minutes(n))] for n, one in enumerate(path)]
    assert fired == [
        [],
        ["rsi_bearish_divergence"],
        [],  # the failure: nothing
        [],  # back, still bearish: not confirmed again
        ["rsi_bearish_divergence_ended"],
    ]
