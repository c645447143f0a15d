"""The command line and the theses: a config whose thesis tables are wrong ends every
command (`regime`, `regime snapshot`, `regime config check`) with exit code 2 and one
line naming the config file and the item, before any data is fetched; a good config's
check reports the theses it loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD = '[[theses.bull.items]]\nid = "my_pivot"\nlabel = "Mine"\nrule = "price.lastt > 7000"\n'


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    return path


def test_config_check_of_a_misspelt_field_exits_2_naming_file_and_item(bad_config: Path) -> None:
    result = run("config", "check", str(bad_config))
    assert result.returncode == 2
    err = result.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"regime: error: {bad_config}: thesis 'bull' item 'my_pivot'")
    assert "unknown field 'price.lastt'" in err and "column 7" in err


@pytest.mark.parametrize(
    "args",
    [
        ["snapshot", "--source", "sim"],
        ["--source", "sim"],  # the monitor: refused after its first frame, as one line
    ],
)
def test_every_command_refuses_a_bad_thesis(
    bad_config: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--config", str(bad_config), *args])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert f"{bad_config}: thesis 'bull' item 'my_pivot'" in err
    assert err.strip().count("\n") == 0


def test_config_check_reports_the_theses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(ROOT / "examples" / "seven-k.toml")]) == 0
    out = capsys.readouterr().out
    assert "ok" in out and "4 levels" in out and "theses: bull 12, bear 13" in out


def test_config_check_counts_added_theses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[theses.bull]\ndisable = ["momentum"]\n'
        '[[theses.calm.items]]\nid = "vix"\nlabel = "VIX < 18"\nrule = "vix.last < 18"\n',
        encoding="utf-8",
    )
    assert main(["config", "check", str(path)]) == 0
    assert "theses: bull 11, bear 13, calm 1" in capsys.readouterr().out


def test_thesis_tables_from_the_environment_are_named_as_such(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGIME_THESES__BULL__DISABLE", '["nope"]')
    with pytest.raises(SystemExit) as raised:
        main(["snapshot", "--source", "sim"])
    assert raised.value.code == 2
    assert "environment (REGIME_THESES__*): thesis 'bull': disable: no item 'nope'" in (
        capsys.readouterr().err
    )
