"""Fault suite, bad input: every bad variable, config value, flag or data directory
stops the real command line (`main([...])`) with exit code 2 and exactly one line on
stderr that names the variable, file, key or flag, never a traceback and never a run
that looks fine with everything unknown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "seven-k.toml"
SIM = ["snapshot", "--source", "sim"]
CHECK = ["config", "check", str(EXAMPLE)]


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the command printed on stderr when it exited with 2."""
    with pytest.raises(SystemExit) as raised:
        main(args)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("regime: error: ")
    return err.removeprefix("regime: error: ").rstrip("\n")


@pytest.mark.parametrize("args", [CHECK, SIM], ids=["config-check", "snapshot"])
@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("REGIME_REFRESH", "fast", "key 'refresh': not valid JSON"),
        ("REGIME_REFRESH", "[1, 2]", "key 'refresh': Input should be a valid dictionary"),
        ("REGIME_LEVELS", "7000", "key 'levels': Input should be a valid tuple"),
        ("REGIME_LEVELS", "[{'label': 'x'}]", "key 'levels': not valid JSON"),
        ("REGIME_LEVELS", '{"label": "x"}', "key 'levels': Input should be a valid tuple"),
        ("REGIME_LEVELS", '[{"lable": "x", "value": 1}]', "did you mean 'label'?"),
        ("REGIME_SYMBOLS", "^GSPC", "key 'symbols': not valid JSON"),
        ("REGIME_SYMBOLS", '["^GSPC"]', "key 'symbols': Input should be a valid dictionary"),
        ("REGIME_SYMBOLS", '{"indx": "^GSPC"}', "unknown key; did you mean 'index'?"),
        ("REGIME_THESES", "bull", "key 'theses': not valid JSON"),
        ("REGIME_THESES", "[]", "key 'theses': Input should be a valid dictionary"),
        ("REGIME_THESES", '{"bull": {"disabel": []}}', "did you mean 'disable'?"),
        ("REGIME_REFRESH__REGULAR", "0.001", "greater than or equal to 1"),
        ("REGIME_SEED", "-1", "key 'seed': Input should be greater than or equal to 0"),
        ("REGIME_MEMBERS_FILE", "/nonexistent/members.csv", "is not a file"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(
    args: list[str],
    variable: str,
    value: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    line = refused(args, capsys)
    assert line.startswith(f"environment ({variable}): ") and expected in line


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


LEVEL_RULE = '[[theses.bull.items]]\nid = "mine"\nlabel = "Mine"\nrule = \'{rule}\'\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed = -1\n", "key 'seed': Input should be greater than or equal to 0"),
        ("members_file = ''\n", "key 'members_file': . is not a file"),
        ("[refresh]\nregular = 0.001\n", "key 'refresh.regular'"),
        ("[refresh]\ndaily = 1\n", "key 'refresh.daily'"),
        ("theme = 'nope'\n", "key 'theme': no theme named 'nope'"),
        ("theme = 'regime-drak'\n", "did you mean 'regime-dark'?"),
        (
            "[[levels]]\nlabel = 'Pivot'\nvalue = 6992\n"
            "[[levels]]\nlabel = 'pivot'\nvalue = 6990\n",
            "key 'levels': labels 'Pivot' and 'pivot' name one level",
        ),
        ("[[levels]]\nlable = 'Pivot'\nvalue = 6992\n", "unknown key; did you mean 'label'?"),
        ("[symbols]\nvixx = '^VIX'\n", "key 'symbols.vixx': unknown key; did you mean 'vix'?"),
        (
            LEVEL_RULE.format(rule='price.last > level("6,992 pivot").value'),
            "thesis 'bull' item 'mine': rule 'price.last > level(\"6,992 pivot\").value': "
            "no level named '6,992 pivot'",
        ),
        (
            LEVEL_RULE.format(rule='price.last > level("EMA 200").value'),
            "no level named 'EMA 200' (levels: N,000 milestone, EMA 20, EMA 50, SMA 50, SMA 200,"
            " Gamma flip, Call wall, Put wall)",
        ),
        (
            LEVEL_RULE.format(rule='price.last > level("7,500 milestone").value'),
            "no level named '7,500 milestone'",
        ),
    ],
)
def test_a_bad_config_value_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, text)
    line = refused(["config", "check", str(path)], capsys)
    assert line.startswith(f"{path}: ") and expected in line


@pytest.mark.parametrize("content", ["", "Ticker\n", "Ticker\n\n  \n"])
def test_a_members_file_without_members_is_refused(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(content, encoding="utf-8")
    path = config(tmp_path, f"members_file = '{members}'\n")
    line = refused([*SIM, "--config", str(path)], capsys)
    assert line.startswith(f"{path}: key 'members_file': {members} lists no member")


def test_rules_may_name_configured_and_derived_levels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = (
        'price.last > level("6,992 PIVOT").value and level("8,000 milestone").distance_pct < 0'
        ' and price.last > level("sma 200").value and price.last > level("Gamma flip").value'
    )
    text = "[[levels]]\nlabel = '6,992 pivot'\nvalue = 6992\n" + LEVEL_RULE.format(rule=rule)
    assert main(["config", "check", str(config(tmp_path, text))]) == 0
    assert "theses: bull 13, bear 13" in capsys.readouterr().out


def test_a_built_in_item_naming_an_unconfigured_level_stays_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The built-in theses name levels (6,992 pivot) a config may not define: those
    items are unknown without them, never an error at start."""
    assert main([*SIM, "--format", "json"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--theme", "nope", *SIM], "flag --theme: key 'theme': no theme named 'nope'"),
        (
            [*SIM, "--theme", "dracul"],
            "flag --theme: key 'theme': no theme named 'dracul'; did you",
        ),
        (["--theme", "nope"], "flag --theme: key 'theme': no theme named 'nope'"),
    ],
)
def test_an_unknown_theme_flag_is_refused(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert refused(args, capsys).startswith(expected)


def test_the_monitor_refuses_a_theme_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGIME_THEME", "regime-drak")
    line = refused(["--source", "sim"], capsys)
    assert line == (
        "environment (REGIME_THEME): key 'theme': no theme named 'regime-drak';"
        " did you mean 'regime-dark'?"
    )


def test_every_known_theme_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    from textual.theme import BUILTIN_THEMES

    from themes import THEMES
    from tui.cli import check_theme

    for name in [*THEMES, *BUILTIN_THEMES]:
        check_theme(name, None, flagged=True)
    assert capsys.readouterr().err == ""


BARS = "Date,Open,High,Low,Close\n2026-02-04,1,1,1,1\n2026-02-05,1,1,1,1\n2026-02-06,1,1,1,1\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file (the daily bars of the index, ^GSPC)"),
        ("", "the file is empty, no bars of the index (^GSPC)"),
        ("Date,Open,High,Low,Close\n", "only a header, no bars of the index (^GSPC)"),
        ("Date,Close\n\n\n", "only a header, no bars of the index (^GSPC)"),
    ],
)
@pytest.mark.parametrize(
    "command", [["snapshot"], ["history", "--from", "2026-02-02", "--to", "2026-02-06"]]
)
def test_a_directory_without_index_bars_is_refused_naming_the_file(
    tmp_path: Path,
    content: str | None,
    expected: str,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if content is not None:
        (tmp_path / "GSPC.csv").write_text(content, encoding="utf-8")
    (tmp_path / "VIX.csv").write_text(BARS, encoding="utf-8")
    line = refused([*command, "--source", f"files:{tmp_path}"], capsys)
    assert line == f"{tmp_path / 'GSPC.csv'}: {expected}"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-02-09", "--as-of 2026-02-09: files:{dir} has no ^GSPC bar for it"),
        (
            "2026-02-14",
            "--as-of 2026-02-14 (the session 2026-02-13): files:{dir} has no ^GSPC bar for it",
        ),
        ("2025-06-02", "--as-of 2025-06-02: files:{dir} has no ^GSPC bar for it (none in the"),
    ],
)
def test_as_of_beyond_the_data_is_refused(
    tmp_path: Path, as_of: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "GSPC.csv").write_text(BARS, encoding="utf-8")
    line = refused([*SIM[:1], "--source", f"files:{tmp_path}", "--as-of", as_of], capsys)
    assert line.startswith(expected.format(dir=tmp_path))
    if as_of > "2026-02-06":
        assert line.endswith("(the last one before it is 2026-02-06)")


@pytest.mark.parametrize("as_of", ["2026-02-06", "2026-02-07", "2026-02-08"])
def test_as_of_on_the_data_replays_the_session_it_names(
    tmp_path: Path, as_of: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "GSPC.csv").write_text(BARS, encoding="utf-8")
    main(["snapshot", "--format", "json", "--source", f"files:{tmp_path}", "--as-of", as_of])
    snapshot = json.loads(capsys.readouterr().out)
    assert snapshot["as_of"].startswith("2026-02-06")
    assert snapshot["source"]["label"].startswith("REPLAY 2026-02-06")
    moved = f"{as_of} is not a NYSE session; replaying 2026-02-06"
    assert snapshot["source"]["detail"] == (None if as_of == "2026-02-06" else moved)


async def test_the_monitor_refuses_as_of_beyond_the_data_and_exits_2(tmp_path: Path) -> None:
    """The monitor's engine is built after the first frame; a replay past the data ends
    the app at once (no "engine failed" left on screen) with status 2 and the reason
    for the command line to print as one line."""
    from core.config import Settings
    from core.replay import Replay
    from tui.app import EXIT_REFUSED
    from tui.cli import make_app

    (tmp_path / "GSPC.csv").write_text(BARS, encoding="utf-8")
    settings = Settings(source=f"files:{tmp_path}")
    app = make_app(settings, Replay(date(2026, 2, 9)), {})
    async with app.run_test() as pilot:
        for _ in range(200):
            if app.return_code is not None:
                break
            await pilot.pause(0.05)
    assert app.return_code == EXIT_REFUSED
    assert app.refusal is not None
    assert app.refusal.startswith(f"--as-of 2026-02-09: files:{tmp_path} has no ^GSPC bar")


def test_run_monitor_prints_the_refusal_as_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tui.app import RegimeApp

    def refuse(app: RegimeApp) -> None:
        app.refusal = "--as-of 2026-02-09: the cache has no ^GSPC bar for it"

    monkeypatch.setattr(RegimeApp, "run", refuse)
    line = refused(["--source", "sim", "--as-of", "2026-02-09"], capsys)
    assert line == "--as-of 2026-02-09: the cache has no ^GSPC bar for it"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("bogus", "not an ISO time"), ("2026-02-05T10:00:00", "give the UTC offset")],
)
def test_a_bad_benchmark_clock_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, reason: str
) -> None:
    monkeypatch.setenv("REGIME_CLOCK_START", value)
    line = refused(SIM, capsys)
    assert line.startswith(f"REGIME_CLOCK_START={value!r}: {reason}")
