"""Readings as history equal the Snapshot of each session: `regime history` on 20
random sessions of real data (2016–2026, every section, the checklist included) gives,
field by field, what `regime snapshot --as-of` gives for those sessions — the same code
path, with no look-ahead. Also: the CLI's CSV and JSON, and its one-line errors."""

from __future__ import annotations

import io
import json
import math
import random
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.columns import flatten
from core.config import Settings, load_settings
from core.engine import Engine
from core.history import readings_history
from core.replay import Replay
from core.session import MarketSession
from core.sources.base import PartialDataError
from core.sources.files import FilesSource
from core.thesis import Thesis, load_theses
from tests.market_data import require_market_data
from tui.cli import main

EXAMPLE = "examples/seven-k.toml"
SPAN = (date(2016, 6, 1), date(2026, 8, 21))
SESSIONS = 20


@cache
def settings_and_theses() -> tuple[Settings, dict[str, Thesis]]:
    """The example config's levels and theses, on the real data."""
    directory = require_market_data("GSPC.csv", "constituents/closes.csv")
    example = Path(__file__).resolve().parents[1] / EXAMPLE
    settings = load_settings(example, {"source": f"files:{directory}"})
    return settings, dict(load_theses(settings.theses))


@cache
def history() -> pd.DataFrame:
    settings, theses = settings_and_theses()
    source = FilesSource(require_market_data())
    return readings_history(settings, source, *SPAN, theses=theses)


def same(snapshot_value: Any, history_value: Any) -> bool:
    """Equal as readings: unknown is None in a Snapshot and NaN/None in a table; numbers
    to 1e-9 (a count is an int in one and a float in the other)."""
    missing = (
        history_value is None
        or history_value is pd.NA
        or (isinstance(history_value, float) and math.isnan(history_value))
    )
    if snapshot_value is None or missing:
        return snapshot_value is None and missing
    if isinstance(snapshot_value, bool) or isinstance(history_value, bool):
        return bool(snapshot_value) == bool(history_value)
    if isinstance(snapshot_value, int | float):
        return math.isclose(float(snapshot_value), float(history_value), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(snapshot_value, date) and isinstance(history_value, pd.Timestamp):
        return snapshot_value == history_value.date()
    return bool(snapshot_value == history_value)


def test_history_equals_the_snapshot_of_20_random_sessions() -> None:
    settings, theses = settings_and_theses()
    table = history()
    source = FilesSource(require_market_data())
    calendar = MarketSession()
    days = random.Random(7000).sample(list(table.index), SESSIONS)
    compared = 0
    for day in sorted(days):
        engine = Engine(
            settings, source, replay=Replay(day.date()), session=calendar, theses=theses
        )
        snapshot = engine.refresh()
        readings: dict[str, Any] = {}
        for section, reading in snapshot.sections():
            readings.update(flatten(reading, section.key))
        row = table.loc[day]
        # A list item (a level, a signal) absent that session is unknown in the table.
        absent = [column for column in table.columns if column not in readings]
        assert all("[" in str(column) for column in absent), f"{day:%Y-%m-%d}: {absent}"
        readings.update(dict.fromkeys(absent))
        differ = {
            column: (readings[column], row[column])
            for column in table.columns
            if not same(readings[column], row[column])
        }
        assert not differ, f"{day:%Y-%m-%d}: snapshot vs history differ: {differ}"
        compared += len(table.columns)
    assert compared >= SESSIONS * 100  # every section's readings, not a handful


def test_history_has_every_section_and_both_thesis_scores() -> None:
    table = history()
    prefixes = {str(column).split(".", 1)[0] for column in table.columns}
    assert {"price", "rsi", "breadth", "vix", "trend", "context", "checklist"} <= prefixes
    for column in ("price.last", "rsi.value", "breadth.pct_above_200dma"):
        assert column in table.columns
    for thesis in ("bull", "bear"):
        scores = table[f"checklist.{thesis}.score"]
        assert scores.notna().all() and (scores >= 0).all()
        assert (scores <= table[f"checklist.{thesis}.total"]).all()
    assert table.index.name == "session"
    assert table.index[0] >= pd.Timestamp(SPAN[0]) and table.index[-1] <= pd.Timestamp(SPAN[1])


def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_writes_csv_and_json_rows(capsys: pytest.CaptureFixture[str]) -> None:
    directory = require_market_data("GSPC.csv")
    flags = ("--from", "2026-01-26", "--to", "2026-02-05", "--source", f"files:{directory}")
    code, out, _ = run_cli("history", *flags, "--sections", "price,rsi", capsys=capsys)
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:3]) == ["session", "price.symbol", "price.last"]
    assert table["session"].iloc[0] == "2026-01-26" and table["session"].iloc[-1] == "2026-02-05"
    assert table.set_index("session").loc["2026-01-28", "price.last"] == 6978.03
    assert all(str(column).split(".")[0] in ("session", "price", "rsi") for column in table.columns)
    code, out, _ = run_cli(
        "history", *flags, "--sections", "rsi", "--format", "json", capsys=capsys
    )
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["session"] == "2026-01-26" and "rsi.value" in rows[0]
    confirmed = {row["session"]: row["rsi.divergence.kind"] for row in rows}
    assert confirmed["2026-02-05"] == "bearish"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--sections", "price,edge"), "no section named edge"),
        (("--from", "2026-02-05", "--to", "2026-01-26"), "is before --from"),
        (("--from", "26/01/2026"), "is not a date as YYYY-MM-DD"),
    ],
)
def test_bad_history_input_is_one_line_and_exit_2(
    extra: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = require_market_data("GSPC.csv")
    flags = ["--from", "2026-01-26", "--to", "2026-02-05", "--source", f"files:{directory}"]
    code, out, err = run_cli("history", *flags, *extra, capsys=capsys)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


class MembersEndEarly(FilesSource):
    """The real data, with the members' closes ending before the index's."""

    LAST_MEMBERS = pd.Timestamp("2026-02-03")

    def members(self, start: date, end: date) -> Any:
        panel = super().members(start, min(end, self.LAST_MEMBERS.date()))
        return panel


def test_a_section_whose_data_ends_earlier_reads_as_a_replay_does() -> None:
    settings, theses = settings_and_theses()
    source = MembersEndEarly(require_market_data())
    table = readings_history(settings, source, date(2026, 2, 2), date(2026, 2, 5), theses=theses)
    last_members = table.loc[MembersEndEarly.LAST_MEMBERS, "breadth.pct_above_200dma"]
    for day in ("2026-02-04", "2026-02-05"):
        replay = Engine(settings, source, replay=Replay(date.fromisoformat(day)), theses=theses)
        snapshot = replay.refresh()
        assert snapshot.breadth.pct_above_200dma == last_members
        row = table.loc[pd.Timestamp(day)]
        assert row["breadth.pct_above_200dma"] == last_members
        for thesis in ("bull", "bear"):
            score = getattr(snapshot.checklist, thesis).score
            assert row[f"checklist.{thesis}.score"] == score, (day, thesis)


class VixFails(FilesSource):
    """The real data, with the VIX failing as a Yahoo symbol can (the rest served)."""

    def daily_bars(self, symbols: Any, start: date, end: date) -> Any:
        bars = dict(super().daily_bars(symbols, start, end))
        if "^VIX" in bars:
            del bars["^VIX"]
            raise PartialDataError("yahoo: ^VIX: no data", ["^VIX"], bars)
        return bars


def test_a_symbol_that_fails_leaves_its_readings_unknown_and_says_so() -> None:
    settings, theses = settings_and_theses()
    warnings: list[str] = []
    table = readings_history(
        settings,
        VixFails(require_market_data()),
        date(2026, 2, 2),
        date(2026, 2, 5),
        keys=["price", "vix"],
        theses=theses,
        warn=warnings.append,
    )
    assert warnings == ["yahoo: ^VIX: no data"]
    assert table["vix.last"].isna().all() and table["price.last"].notna().all()


def test_history_refuses_a_simulated_market_it_was_not_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing cached
    monkeypatch.setattr("core.sources.select.yahoo_reachable", lambda: "no network here")
    code, out, err = run_cli("history", "--from", "2026-01-02", "--to", "2026-01-09", capsys=capsys)
    assert code == 2 and out == ""
    assert "no network here" in err and "--source sim" in err
