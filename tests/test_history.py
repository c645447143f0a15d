"""Readings as history equal the Snapshot of each session: `regime history` on 20
random sessions of real data (2016–2026, every section, the checklist included) gives,
field by field, what `regime snapshot --as-of` gives for those sessions — the same code
path, with no look-ahead. Also: the CLI's CSV and JSON, and its one-line errors."""

from __future__ import annotations

import io
import json
import math
import random
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.clock import NEW_YORK
from core.columns import flatten
from core.config import Settings, load_settings
from core.engine import Engine
from core.history import chosen, frames_of, needed, readings_history, readings_table
from core.replay import Replay
from core.section import CycleData, builtin
from core.session import MarketSession
from core.sources.base import DataFormatError, PartialDataError
from core.sources.files import FilesSource
from core.thesis import Thesis, load_theses
from tests.fake_source import FakeSource, small_chain
from tests.market_data import require_market_data
from tests.test_engine import index_source
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
        or history_value is pd.NaT
        or (isinstance(history_value, float) and math.isnan(history_value))
    )
    if snapshot_value is None or missing:
        return snapshot_value is None and missing
    if isinstance(snapshot_value, bool) or isinstance(history_value, bool):
        return bool(snapshot_value) == bool(history_value)
    if isinstance(snapshot_value, int | float):
        return math.isclose(float(snapshot_value), float(history_value), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(snapshot_value, datetime):  # a moment (a chain's as-of): equal instants
        return bool(pd.Timestamp(snapshot_value) == pd.Timestamp(history_value))
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
        (("--sections", "price,nosuch"), "no section named nosuch"),
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


def test_frames_of_reads_a_cycle_in_memory_as_a_history_fetches_it() -> None:
    """An engine's cycle (its own bars, state and clock) gives the history of its
    readings without a source: the same table as readings_history over the same bars."""
    source = index_source()
    span = (date(2025, 6, 2), date(2026, 1, 27))
    keys = ["price", "rsi", "vix", "context"]
    fetched = readings_history(Settings(), source, *span, keys=keys)
    registry = builtin()
    wanted = chosen(registry, keys)
    cycle = CycleData(
        bars=dict(source.bars),
        members=None,
        state="LIVE",
        detail=None,
        close_time=lambda day: datetime.combine(day, time(16), NEW_YORK),
    )
    calls = source.bar_calls
    frames = frames_of(Settings(), cycle, registry, needed(registry, wanted), None, span[0])
    assert source.bar_calls == calls  # nothing fetched
    pd.testing.assert_frame_equal(readings_table(frames, wanted), fetched)


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


# -- option chains (issue 10) ---------------------------------------------------------

CHAIN_DAYS = (date(2026, 1, 7), date(2026, 1, 13))


def chain_history(**kwargs: Any) -> tuple[FakeSource, pd.DataFrame, list[str]]:
    """A history of the fake index from 2026-01-02 to 2026-01-27 whose source holds two
    chains, each quoted after its session's close."""
    chains = {day: small_chain(datetime.combine(day, time(16, 15), NEW_YORK)) for day in CHAIN_DAYS}
    source = index_source(chains=chains)
    for name, value in kwargs.pop("source", {}).items():
        setattr(source, name, value)
    warnings: list[str] = []
    table = readings_history(
        Settings(), source, date(2026, 1, 2), date(2026, 1, 27), warn=warnings.append, **kwargs
    )
    return source, table, warnings


def test_history_gets_the_chains_of_its_sessions_each_under_its_own() -> None:
    source, table, warnings = chain_history(keys=["gamma"])
    span = [stamp.date() for stamp in table.index]
    assert source.chain_calls == span  # every session asked, as its replay asks
    assert warnings == []
    owners = table["gamma.session"]
    assert owners.loc[: pd.Timestamp("2026-01-06")].isna().all()  # before the first chain
    first, second = CHAIN_DAYS
    assert (owners.loc[pd.Timestamp(first) : pd.Timestamp("2026-01-12")] == first).all()
    # Carried at most 5 sessions (gamma's MAX_CHAIN_AGE): 01-14 to 01-21, then unknown.
    assert (owners.loc[pd.Timestamp(second) : pd.Timestamp("2026-01-21")] == second).all()
    assert owners.loc[pd.Timestamp("2026-01-22") :].isna().all()
    assert (table.loc[pd.Timestamp(second) :, "gamma.total_gex_bn"].iloc[:1] > 0).all()


def test_the_price_history_alone_lists_the_gamma_levels() -> None:
    _, alone, _ = chain_history(keys=["price"])
    _, everything, _ = chain_history()
    flip = "price.levels[Gamma flip].value"
    assert flip in alone and alone[flip].notna().any()
    pd.testing.assert_series_equal(alone[flip], everything[flip])


def test_a_chain_that_fails_to_load_is_one_warning_and_gamma_unknown() -> None:
    failing = {"chain_fail_with": DataFormatError("files:DIR/options/SPX/x.csv: line 3: bad")}
    source, table, warnings = chain_history(keys=["gamma"], source=failing)
    assert warnings == [
        "files:DIR/options/SPX/x.csv: line 3: bad: gamma unknown on 2026-01-02 and 16 later"
        " sessions"
    ]
    assert len(source.chain_calls) == len(table) == 17
    assert "gamma.total_gex_bn" not in table or table["gamma.total_gex_bn"].isna().all()


def test_a_history_that_reads_no_chain_asks_for_none() -> None:
    source, table, _ = chain_history(keys=["rsi"])
    assert source.chain_calls == [] and table["rsi.value"].notna().any()
    # A source that serves no chains is never asked, and the gamma readings are unknown.
    no_chains = index_source(capabilities={"daily_bars"})
    no_chains.chains = {CHAIN_DAYS[0]: small_chain(datetime(2026, 1, 7, 16, 15, tzinfo=NEW_YORK))}
    gamma = readings_history(Settings(), no_chains, date(2026, 1, 2), date(2026, 1, 27))
    assert no_chains.chain_calls == []
    assert gamma.filter(like="gamma.").isna().all().all()
    assert gamma["price.last"].notna().all()


def test_history_on_the_real_chains_equals_the_snapshot_of_their_sessions() -> None:
    """The 22 SPX chains of ../shared/market-data (2026-07-16 to 2026-08-14): a history
    reads each under its session, and its gamma and price levels are what a replay of
    that session shows, on chain sessions and on the sessions after the last one."""
    settings, theses = settings_and_theses()
    directory = require_market_data("options/SPX/index.csv")
    source = FilesSource(directory)
    table = readings_history(
        settings, source, date(2026, 7, 13), date(2026, 8, 21), keys=["gamma", "price"]
    )
    owners = table["gamma.session"].dropna()
    assert owners.index[0] == pd.Timestamp("2026-07-16")
    assert owners.nunique() == 22
    assert table.loc[pd.Timestamp("2026-08-14"), "gamma.total_gex_bn"] == pytest.approx(
        31.77, abs=0.01
    )
    for day in ("2026-07-16", "2026-08-03", "2026-08-14", "2026-08-20"):
        snapshot = Engine(
            settings, source, replay=Replay(date.fromisoformat(day)), theses=theses
        ).refresh()
        row = table.loc[pd.Timestamp(day)]
        readings: dict[str, Any] = {}
        for key in ("gamma", "price"):
            readings.update(flatten(getattr(snapshot, key), key))
        differ = {
            column: (readings.get(column), row[column])
            for column in table.columns
            if not same(readings.get(column), row[column])
        }
        assert not differ, f"{day}: snapshot vs history differ: {differ}"


def test_a_broken_chain_file_is_unknown_in_the_history_as_in_the_replay(tmp_path: Path) -> None:
    """The real folder with 2026-08-14's chain file broken (every other file linked):
    the replay of 08-14 shows no chain, and so does the history there and on the
    sessions after it that the broken file would serve; nothing from 08-13 is carried
    over them. 08-13 is the same in both."""
    settings, theses = settings_and_theses()
    real = require_market_data("options/SPX/index.csv", "options/SPX/2026-08-14.csv")
    folder = tmp_path / "market-data"
    folder.mkdir()
    for entry in real.iterdir():
        if entry.name != "options":
            (folder / entry.name).symlink_to(entry)
    chains = folder / "options" / "SPX"
    chains.mkdir(parents=True)
    for entry in (real / "options" / "SPX").iterdir():
        if entry.name != "2026-08-14.csv":
            (chains / entry.name).symlink_to(entry)
    (chains / "2026-08-14.csv").write_text("Expiry,Type,Strike,ImpliedVol,OpenInterest\nx,y\n")
    source = FilesSource(folder)
    warnings: list[str] = []
    table = readings_history(
        settings, source, date(2026, 8, 10), date(2026, 8, 21), keys=["gamma"], warn=warnings.append
    )
    total = table["gamma.total_gex_bn"]
    assert pd.notna(total.loc["2026-08-13"])
    assert total.loc["2026-08-14":].isna().all()
    assert len(warnings) == 1 and "gamma unknown on 2026-08-14 and 5 later sessions" in warnings[0]
    for day, known in (("2026-08-13", True), ("2026-08-14", False), ("2026-08-18", False)):
        snapshot = Engine(
            settings, source, replay=Replay(date.fromisoformat(day)), theses=theses
        ).refresh()
        assert (snapshot.gamma.total_gex_bn is not None) is known, day
        if known:
            assert snapshot.gamma.total_gex_bn == pytest.approx(total.loc[day])
