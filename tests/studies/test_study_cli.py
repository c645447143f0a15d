"""`regime study`: the list of studies (built-in and the config's), one study as JSON
with the issue's keys, as CSV (one row per event, a column per horizon) and as text,
on a files directory written from the fake closes of test_over_history (events and
returns known by construction); `--as-of` on the real data (skipped without it): a
study as of 2026-01-28 differs from one as of 2026-02-05 only by what happened in
between; bad input is one line and exit 2."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.config import Settings
from core.studies.result import StudyResult
from core.studies.study import load_studies
from tests.market_data import require_market_data
from tests.studies.test_over_history import (
    DAYS,
    EVENTS,
    OVERLAP,
    bars,
    index_closes,
    small_caps_closes,
)
from tui.cli import main

SPIKE = """
[studies.spike]
title = "Index at 110"
definition = "the index closes at 110 or more; small caps' forward returns"
condition = "price.last >= 110"
series = "small_caps"
horizons = [5, 10]
headline = 5
reading = "price.last"

[studies.vix_with_index]
title = "VIX up with the index, every session"
definition = "the index and the VIX both up over 5 sessions; no cool-down"
condition = "vix.index_up_vix_up"
cooldown = 0
"""
HORIZON_KEYS = {
    "n",
    "mean_pct",
    "median_pct",
    "pct_positive",
    "baseline_mean_pct",
    "baseline_pct_positive",
    "t_stat",
    "ci90_pct",
    "pending",
}


def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(SPIKE, encoding="utf-8")
    return path


@pytest.fixture
def fake_data(tmp_path: Path) -> Path:
    """A files directory: the fake index and small caps of test_over_history."""
    directory = tmp_path / "data"
    directory.mkdir()
    for name, close in (("GSPC", index_closes()), ("RUT", small_caps_closes())):
        frame = bars(close).rename(columns=str.capitalize)
        frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        frame.to_csv(directory / f"{name}.csv", index_label="Date")
    return directory


def spike(
    fmt: str, config: Path, data: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> str:
    flags = ("--config", str(config), "--source", f"files:{data}", "--format", fmt)
    code, out, err = run_cli("study", "spike", *flags, *extra, capsys=capsys)
    assert code == 0, err
    return out


def test_the_list_has_the_built_in_studies_and_the_config_ones(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli("study", "--list", "--config", str(config), capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    known = load_studies(Settings())
    assert [line.split()[0] for line in lines] == [*known, "spike", "vix_with_index"]
    for line, study in zip(lines, known.values(), strict=False):
        assert study.title in line and f"headline {study.headline} sessions" in line
    assert lines[-2].split(None, 1)[1] == "Index at 110 (headline 5 sessions)"


def test_json_has_the_issue_keys_and_the_events_built_in(
    config: Path, fake_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = json.loads(spike("json", config, fake_data, capsys))
    assert {"id", "definition", "events", "horizons"} <= set(result)
    assert result["id"] == "spike" and result["definition"].startswith("the index closes")
    assert list(result["horizons"]) == ["5", "10"]
    for stats in result["horizons"].values():
        assert set(stats) >= HORIZON_KEYS
        assert stats["ci90_pct"] is None or len(stats["ci90_pct"]) == 2
    assert result["horizons"]["5"]["n"] == 2 and result["horizons"]["5"]["pending"] == 1
    assert result["horizons"]["5"]["mean_pct"] == pytest.approx(10.0)
    assert [event["date"] for event in result["events"]] == [
        DAYS[n].date().isoformat() for n in EVENTS
    ]
    assert result["events"][0]["reading"] == 110.0
    assert StudyResult.model_validate(result).id == "spike"


def test_csv_is_one_row_per_event_and_a_column_per_horizon(
    config: Path, fake_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.reader(io.StringIO(spike("csv", config, fake_data, capsys))))
    assert rows[0] == ["date", "reading", "returns_pct.5", "returns_pct.10"]
    assert [row[0] for row in rows[1:]] == [DAYS[n].date().isoformat() for n in EVENTS]
    assert float(rows[1][2]) == pytest.approx(10.0) and float(rows[2][3]) == pytest.approx(10.0)
    assert rows[3][2:] == ["", ""]  # pending


def test_text_has_a_row_per_horizon_and_the_last_events(
    config: Path, fake_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = spike("text", config, fake_data, capsys)
    lines = out.splitlines()
    assert lines[0] == "spike: Index at 110"
    header = next(n for n, line in enumerate(lines) if line.split()[:2] == ["horizon", "n"])
    five, ten = (lines[header + 1].split(), lines[header + 2].split())
    assert five[:5] == ["5", "2", "1", "+10.00", "+10.00"] and ten[:3] == ["10", "2", "1"]
    assert "Last 3 of 3 events" in out
    last = lines[-1].split()
    assert last[0] == DAYS[EVENTS[-1]].date().isoformat() and last[-2:] == ["pending"] * 2


def test_the_span_flags_cut_the_history(
    config: Path, fake_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = DAYS[EVENTS[1] + 7].date().isoformat()
    start = (
        DAYS[OVERLAP + 1].date().isoformat()
    )  # past the first event and the one in its cool-down
    result = json.loads(spike("json", config, fake_data, capsys, "--from", start, "--as-of", as_of))
    assert (result["span_from"], result["span_to"]) == (start, as_of)
    assert [event["date"] for event in result["events"]] == [DAYS[EVENTS[1]].date().isoformat()]
    assert result["horizons"]["10"]["pending"] == 1 and result["horizons"]["5"]["pending"] == 0
    later = DAYS[EVENTS[1] + 9].date().isoformat()
    cut = json.loads(spike("json", config, fake_data, capsys, "--to", later, "--as-of", as_of))
    assert cut["span_to"] == as_of  # the earlier of the two


def only_in_between(early: StudyResult, later: StudyResult, cut: date) -> None:
    """`later` differs from `early` (as of `cut`) only by the sessions after `cut`: the
    same events up to it with the same readings and returns, except returns pending
    on `cut`; the events after it fall after it."""
    assert early.span_to == cut and later.span_to is not None and later.span_to > cut
    assert (early.id, early.definition, early.span_from) == (
        later.id,
        later.definition,
        later.span_from,
    )
    before = [event for event in later.events if event.date <= cut]
    assert [(e.date, e.reading) for e in before] == [(e.date, e.reading) for e in early.events]
    for number, (known, now) in enumerate(zip(early.events, before, strict=True)):
        for horizon, value in known.returns_pct.items():
            if value is None:  # pending on the cut: among the latest events of that horizon
                assert number >= len(early.events) - early.horizons[horizon].pending
            else:
                assert now.returns_pct[horizon] == value


def test_a_study_as_of_a_day_differs_from_a_later_one_only_by_what_happened_between(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = require_market_data("GSPC.csv", "RUT.csv", "VIX.csv")
    flags = ("--config", str(config), "--source", f"files:{directory}", "--format", "json")
    built_in = load_studies(Settings())
    assert "rut_streak_relative" in built_in
    names = ["vix_with_index", "rut_streak_relative"]
    cut = date(2026, 1, 28)
    for name in names:
        results = []
        for day in (cut, date(2026, 2, 5)):
            code, out, err = run_cli("study", name, *flags, "--as-of", str(day), capsys=capsys)
            assert code == 0, err
            results.append(StudyResult.model_validate_json(out))
        early, later = results
        only_in_between(early, later, cut)
        if name == "vix_with_index":  # sessions up with the VIX came in between
            after = [event.date.isoformat() for event in later.events if event.date > cut]
            assert after == ["2026-01-29", "2026-01-30", "2026-02-02"]


def test_as_of_a_day_before_the_calendars_first_year_cuts_the_history_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = require_market_data("GSPC.csv")
    flags = ("--source", f"files:{directory}", "--format", "json", "--as-of", "1998-02-10")
    code, out, err = run_cli("study", "new_milestone", *flags, capsys=capsys)
    assert code == 0, err
    result = StudyResult.model_validate_json(out)
    assert result.span_to == date(1998, 2, 10)
    # 1,000 was first reached on 1998-02-02, six sessions before: only 5 sessions reached.
    (event,) = result.events
    assert event.date == date(1998, 2, 2)
    assert event.returns_pct["5"] is not None
    assert all(event.returns_pct[h] is None for h in ("10", "21", "63", "126", "252"))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("nosuch",), "no study named 'nosuch' (studies: "),
        ((), "name a study"),
        (("spike", "--from", "2024-13-01"), "is not a date as YYYY-MM-DD"),
        (("spike", "--from", "2024-06-03", "--to", "2024-05-01"), "--to 2024-05-01 is before"),
        (("spike", "--from", "2024-06-03", "--as-of", "2024-05-01"), "--as-of 2024-05-01 is bef"),
        (("spike", "--as-of", "2099-01-02"), "--as-of 2099-01-02 is in the future"),
        (("spike", "--as-of", "2025-03-03"), "has no ^GSPC bar for it"),
        (("spike", "--from", "2024-06-01", "--to", "2024-06-02"), "no session of ^GSPC"),
        (("spike", "--format", "xml"), "invalid choice: 'xml'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    extra: tuple[str, ...],
    message: str,
    config: Path,
    fake_data: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flags = ("--config", str(config), "--source", f"files:{fake_data}")
    code, out, err = run_cli("study", *extra, *flags, capsys=capsys)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_source_that_fails_is_one_line_and_exit_2(
    config: Path, fake_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fake_data / "RUT.csv").write_text("Date,Close\n2024-01-02,abc\n", encoding="utf-8")
    flags = ("--config", str(config), "--source", f"files:{fake_data}")
    code, out, err = run_cli("study", "spike", *flags, capsys=capsys)
    assert code == 2 and out == ""
    assert "RUT.csv" in err and len(err.strip().splitlines()) == 1, err
    missing = fake_data.parent / "nowhere"
    flags = ("--config", str(config), "--source", f"files:{missing}")
    code, _, err = run_cli("study", "spike", *flags, capsys=capsys)
    assert code == 2 and "is not a directory" in err


def test_a_bad_study_in_the_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[studies.broken]\ntitle = "x"\ndefinition = "y"\ncondition = "price.nope > 1"\n'
    )
    code, out, err = run_cli("study", "--list", "--config", str(path), capsys=capsys)
    assert code == 2 and out == ""
    assert "broken" in err and len(err.strip().splitlines()) == 1, err


def test_the_fake_data_reads_back_as_written(fake_data: Path) -> None:
    frame = pd.read_csv(fake_data / "GSPC.csv", index_col="Date")
    assert list(frame["Close"]) == list(index_closes()) and frame.index[0] == str(DAYS[0].date())
    assert date.fromisoformat(frame.index[-1]) == DAYS[-1].date()
