"""The `regime` command line: help, config check, snapshot output, and exit code 2
with one clear line (never a traceback) for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, as a user runs it (no network there either)."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_documents_every_command_and_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--help"])
    assert raised.value.code == 0
    text = capsys.readouterr().out
    for word in (
        "snapshot",
        "history",
        "gamma",
        "config",
        "--source",
        "--as-of",
        "--config",
        "--theme",
        "--thesis",
    ):
        assert word in text
    snapshot_help = build_parser().parse_args(["snapshot", "--format", "json"])
    assert snapshot_help.format == "json"


def test_flags_before_or_after_the_subcommand_both_count() -> None:
    parser = build_parser()
    assert parser.parse_args(["--source", "sim", "snapshot"]).source == "sim"
    assert parser.parse_args(["snapshot", "--source", "sim"]).source == "sim"


def test_config_check_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(ROOT / "examples" / "seven-k.toml")]) == 0
    out = capsys.readouterr().out
    assert "ok" in out and "4 levels" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "ftp", "snapshot"], "source must be auto, yahoo, sim or files:DIR"),
        (["snapshot", "--as-of", "28/01/2026"], "is not a date as YYYY-MM-DD"),
        (["snapshot", "--as-of", "2999-01-02", "--source", "sim"], "is in the future"),
        (["snapshot", "--source", "files:/no/such/dir"], "is not a directory"),
        (["--thesis", "sideways"], "invalid choice"),
    ],
)
def test_bad_flags_exit_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(args)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_bad_config_file_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[refresh]\nregular = 'often'\n", encoding="utf-8")
    result = run("config", "check", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert str(path) in result.stderr and "refresh.regular" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("--config", str(path), "snapshot")
    assert result.returncode == 2 and "refresh.regular" in result.stderr
    assert path.read_text(encoding="utf-8") == "[refresh]\nregular = 'often'\n"


def test_sim_snapshot_json_has_every_contract_key() -> None:
    result = run("snapshot", "--source", "sim", "--as-of", "2026-01-28", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == {**data["source"], "kind": "sim", "simulated": True}
    for section, keys in {
        "market": ("phase", "next_open", "next_close"),
        "price": ("symbol", "last", "prev_close", "change_pct", "levels", "td"),
        "rsi": ("period", "value", "divergence"),
        "breadth": ("members", "pct_above_200dma", "pct_above_50dma"),
        "vix": ("last", "iv_rank_1y", "iv_percentile_1y", "realized_vol_20d"),
        "trend": ("exposure_pct", "signals"),
        "checklist": ("bull", "bear"),
    }.items():
        for key in keys:
            assert key in data[section], f"{section}.{key} missing"
    assert set(data["rsi"]["divergence"]) >= {"kind", "confirmed_on"}
    assert data["price"]["last"] > 0
    assert data["breadth"]["members"] >= 400


def test_a_broken_csv_exits_2_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "GSPC.csv").write_text(
        "Date,Close\n2026-01-27,1\n2026-01-28,oops\n", encoding="utf-8"
    )
    result = run("snapshot", "--source", f"files:{tmp_path}")
    assert result.returncode == 2
    assert "GSPC.csv, line 3: Close 'oops' is not a number" in result.stderr
    assert "Traceback" not in result.stderr
