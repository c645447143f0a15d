"""`regime log` and `regime alerts`: the stored log printed as text, JSON and CSV since
a day; a replay of a span's alerts from the real history that leaves the stored log
untouched; `alerts check` and `alerts list`; and one line with exit 2 for every bad
input (a bad alert names the file and the alert)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from core.alerts.entry import LogEntry
from core.alerts.journal import default_journal_path, open_journal
from core.clock import NEW_YORK
from core.config import Settings
from core.history import readings_history
from core.sources.files import FilesSource
from tests.market_data import require_market_data
from tui.cli import main


def bad(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a bad command prints (asserting exit 2 and nothing else)."""
    with pytest.raises(SystemExit) as raised:
        main(args)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("regime: error: ")
    return err


def entry(at: datetime, message: str, source: str = "yahoo") -> LogEntry:
    return LogEntry(
        time=at,
        session=at.date(),
        kind="alert",
        alert="below_sma200",
        key="below_sma200",
        name="Index below its SMA 200",
        severity="warning",
        message=message,
        source=source,
        readings={"price.last": 6812.5},
    )


def stored(*entries: LogEntry) -> None:
    journal, note = open_journal(default_journal_path())
    assert journal is not None, note
    journal.record(entries)
    journal.close()


def test_log_prints_the_stored_lines_since_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    stored(
        entry(datetime(2026, 2, 4, 15, 0, tzinfo=NEW_YORK), "old news"),
        entry(datetime(2026, 2, 5, 10, 31, tzinfo=NEW_YORK), "crossed below"),
        entry(datetime(2026, 2, 5, 11, 0, tzinfo=NEW_YORK), "a sim line", source="sim"),
    )
    assert main(["log", "--since", "2026-02-05", "--format", "json"]) == 0
    lines = json.loads(capsys.readouterr().out)
    assert [line["message"] for line in lines] == ["crossed below", "a sim line"]
    assert lines[0]["readings"]["price.last"] == 6812.5
    assert main(["log", "--since", "2026-02-05", "--source", "sim", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["message"] for row in rows] == ["a sim line"]
    assert main(["log", "--since", "2026-02-04"]) == 0
    text = capsys.readouterr().out
    assert "old news" in text and "crossed below" in text


def test_log_with_nothing_stored_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "--since", "2026-02-05", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not default_journal_path().exists()  # reading the log creates nothing


def test_a_log_that_cannot_be_read_is_one_line_and_left_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = default_journal_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database, but someone's record")
    line = bad(["log"], capsys)
    assert str(path) in line
    assert path.read_bytes() == b"not a database, but someone's record"
    assert [one.name for one in path.parent.iterdir()] == [path.name]  # nothing moved aside


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["log", "--replay", "--from", "2026-01-20"], "--replay needs --from and --to"),
        (["log", "--from", "2026-01-20"], "--from goes with --replay"),
        (
            ["log", "--replay", "--from", "2026-02-10", "--to", "2026-01-20"],
            "is before --from",
        ),
        (
            ["log", "--replay", "--from", "2026-01-20", "--to", "2026-02-10", "--format", "csv"],
            "--replay prints text or json",
        ),
        (["log", "--since", "yesterday"], "is not a date as YYYY-MM-DD"),
    ],
)
def test_bad_log_flags_exit_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert expected in bad(args, capsys)


def test_alerts_check_names_the_file_and_the_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.toml"
    good.write_text(
        '[alerts.vix_30]\nname = "VIX above 30"\nwhen = "vix.last > 30"\nseverity = "critical"\n'
    )
    assert main(["alerts", "check", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["alerts", "list", "--config", str(good)]) == 0
    assert "vix_30" in capsys.readouterr().out
    cases = {
        '[alerts.vix_30]\nname = "x"\nwhen = "vix.last > 30"\ncolour = "red"\n': "colour",
        '[alerts.vix_30]\nname = "x"\nwhen = "vix.lastt > 30"\n': "vix.lastt",
        '[alerts.pivot]\nname = "x"\nwhen = \'price.last > level("6,992 pivot").value\'\n': (
            "6,992 pivot"
        ),
    }
    for text, named in cases.items():
        path = tmp_path / "bad.toml"
        path.write_text(text)
        line = bad(["alerts", "check", str(path)], capsys)
        assert str(path) in line and named in line
    assert "no such file" in bad(["alerts", "check", str(tmp_path / "none.toml")], capsys)


def ema50_crosses(history: pd.DataFrame, band_pct: float = 0.25) -> list[tuple[str, str]]:
    """The EMA 50 crossings a banded watch finds on the closes, worked out here by
    hand: a side counts once the close is `band_pct` beyond the EMA."""
    side, found = None, []
    for label, row in history.iterrows():
        session = pd.Timestamp(str(label))
        distance = (row["price.last"] / row["price.levels[EMA 50].value"] - 1) * 100
        now = "above" if distance >= band_pct else "below" if distance <= -band_pct else side
        if side is not None and now != side:
            found.append((session.date().isoformat(), f"ema50_cross_{now}"))
        side = now
    return found


def test_replay_lists_what_would_have_fired_and_stores_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = require_market_data("GSPC.csv", "VIX.csv")
    source = f"files:{root}"
    args = ["log", "--replay", "--from", "2026-01-20", "--to", "2026-02-10", "--source", source]
    assert main([*args, "--format", "json"]) == 0
    lines = json.loads(capsys.readouterr().out)
    for line in lines:
        assert set(line) == {"time", "session", "alert", "severity", "message"}
        assert date(2026, 1, 20) < date.fromisoformat(line["session"]) <= date(2026, 2, 10)
    assert [line["time"] for line in lines] == sorted(line["time"] for line in lines)
    fired = [(line["session"], line["alert"]) for line in lines if line["alert"] != "checklist"]
    history = readings_history(
        Settings(), FilesSource(root), date(2026, 1, 20), date(2026, 2, 10), keys=["price", "rsi"]
    )
    crosses = ema50_crosses(history)
    assert crosses == [
        ("2026-01-21", "ema50_cross_above"),
        ("2026-02-05", "ema50_cross_below"),
        ("2026-02-06", "ema50_cross_above"),
    ]
    assert [one for one in fired if one[1].startswith("ema50")] == crosses
    kinds = history["rsi.divergence.kind"].tolist()
    assert kinds[history.index.get_loc(pd.Timestamp("2026-02-03"))] == "bearish"
    assert ("2026-02-03", "rsi_bearish_divergence") in fired
    vix = pd.read_csv(root / "VIX.csv", index_col="Date", parse_dates=True)["Close"]
    jump = vix.pct_change().loc["2026-01-21":"2026-02-10"]
    assert [day.date().isoformat() for day in jump.index[jump >= 0.15]] == ["2026-02-05"]
    assert ("2026-02-05", "vix_jump") in fired
    assert not default_journal_path().exists()


def test_python_dash_m_reports_a_bad_alert_in_one_line(tmp_path: Path) -> None:
    """`python -m tui.cli` runs a second copy of tui.cli: a subcommand module's error
    must still be the one line, not a traceback."""
    from tests.test_cli import run

    config = tmp_path / "bad.toml"
    config.write_text('[alerts.x]\nname = "x"\nwhen = "vix.lastt > 1"\n')
    done = run("alerts", "check", str(config))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "vix.lastt" in done.stderr
    assert "Traceback" not in done.stderr
