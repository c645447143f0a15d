"""Every config error names the layer it came from: the file and the key, the REGIME_*
variable, or the flag, as one line. Each layer is checked alone, so a bad key in the
file is the file's fault whatever the environment sets, and stays an error where a
variable overrides it. The symbol nothing read (small_cap_etf, IWM) is gone, and a
config that still sets it is told so."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings, Symbols, load_settings
from core.section import builtin
from tui.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "seven-k.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None = None, flags: dict[str, object] | None = None) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(path, flags)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_bad_file_key_is_blamed_on_the_file_while_the_environment_sets_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[refresh]\nregular = 'fast'\n")
    monkeypatch.setenv("REGIME_REFRESH__PRE", "30")
    message = error_of(path)
    assert message.startswith(f"{path}: key 'refresh.regular': ")
    assert "'fast'" in message and "REGIME_" not in message


def test_a_bad_file_key_is_an_error_even_where_a_variable_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[refresh]\nregular = -1\n")
    monkeypatch.setenv("REGIME_REFRESH__REGULAR", "30")
    assert error_of(path).startswith(f"{path}: key 'refresh.regular': ")


def test_a_bad_variable_is_blamed_on_the_variable_with_a_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[refresh]\nregular = 20\n")
    monkeypatch.setenv("REGIME_REFRESH__PRE", "-5")
    message = error_of(path)
    assert message.startswith("environment (REGIME_REFRESH__PRE): key 'refresh.pre': ")
    assert str(path) not in message


def test_a_variable_named_in_lower_case_is_named_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("regime_thesis", "sideways")
    assert error_of().startswith("environment (regime_thesis): key 'thesis': ")


def test_an_unknown_nested_variable_is_an_unknown_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIME_REFRESH__REGULR", "30")
    assert error_of() == (
        "environment (REGIME_REFRESH__REGULR): key 'refresh.regulr': unknown key;"
        " did you mean 'regular'?"
    )


def test_a_key_inside_a_json_variable_names_that_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGIME_LEVELS", '[{"label": "x"}]')
    assert error_of() == (
        "environment (REGIME_LEVELS): key 'levels.0': give exactly one of 'value' or 'range'"
    )


def test_a_variable_that_is_not_json_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGIME_THESES__BULL__DISABLE", "[momentum")
    assert error_of() == (
        "environment (REGIME_THESES__BULL__DISABLE): key 'theses':"
        " not valid JSON (Expecting value: line 1 column 2 (char 1))"
    )


def test_an_unknown_key_in_the_file_names_the_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[refresh]\nregular = 20\nclsoed = 600\n")
    assert error_of(path) == f"{path}: key 'refresh.clsoed': unknown key; did you mean 'closed'?"


def test_a_bad_flag_is_blamed_on_the_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'thesis = "bear"\n')
    monkeypatch.setenv("REGIME_THESIS", "bull")
    message = error_of(path, {"thesis": "sideways", "theme": None})
    assert message.startswith("flag --thesis: key 'thesis': ") and "'sideways'" in message
    assert error_of(None, {"source": "ftp"}) == (
        "flag --source: key 'source': source must be auto, yahoo, sim or files:DIR, not 'ftp'"
    )


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "regime-dark"\nsource = \n')
    message = error_of(path)
    assert message.startswith(f"{path}: not valid TOML: ") and "line 2" in message


def test_a_directory_is_not_a_config_file(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: config file not found"


def test_settings_built_directly_read_only_their_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import default_config_path

    default = default_config_path()
    default.parent.mkdir(parents=True)
    default.write_text('theme = "regime-light"\n', encoding="utf-8")
    monkeypatch.setenv("REGIME_THESIS", "bear")
    assert (Settings().theme, Settings().thesis) == ("regime-dark", "bull")
    assert (load_settings().theme, load_settings().thesis) == ("regime-light", "bear")


def test_the_unread_small_cap_etf_is_not_a_symbol() -> None:
    assert "IWM" not in Symbols().model_dump().values()
    assert "small_cap_etf" not in Symbols.model_fields
    assert "IWM" not in builtin().symbols(Settings())


def test_a_config_that_still_sets_small_cap_etf_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[symbols]\nindex = "^GSPC"\nsmall_cap_etf = "IWM"\n')
    hint = "unknown key; did you mean 'small_caps'?"
    assert error_of(path) == f"{path}: key 'symbols.small_cap_etf': {hint}"
    with pytest.raises(SystemExit) as raised:
        main(["config", "check", str(path)])
    assert raised.value.code == 2
    assert capsys.readouterr().err == (
        f"regime: error: {path}: key 'symbols.small_cap_etf': {hint}\n"
    )
    monkeypatch.setenv("REGIME_SYMBOLS__SMALL_CAP_ETF", "IWM")
    assert error_of() == (
        f"environment (REGIME_SYMBOLS__SMALL_CAP_ETF): key 'symbols.small_cap_etf': {hint}"
    )


@pytest.mark.parametrize(
    "args",
    [["config", "check", str(EXAMPLE)], ["--config", str(EXAMPLE), "snapshot", "--source", "sim"]],
)
def test_the_command_line_exits_2_with_the_variable_named(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGIME_REFRESH__CLOSED", "later")
    with pytest.raises(SystemExit) as raised:
        main(args)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("regime: error: environment (REGIME_REFRESH__CLOSED): key")
    assert err.count("\n") == 1 and "Traceback" not in err
