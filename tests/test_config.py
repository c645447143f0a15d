"""Settings: TOML file, REGIME_* environment and CLI flags, in that order of
precedence, and one clear error naming the file and the key for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file() -> None:
    settings = load_settings()
    assert settings.source == "auto"
    assert settings.symbols.index == "^GSPC"
    assert settings.levels == ()


def test_example_config_carries_the_levels_the_theses_argue_about() -> None:
    settings = load_settings(ROOT / "examples" / "seven-k.toml")
    by_label = {level.label: level for level in settings.levels}
    assert by_label["7,000 milestone"].value == 7000
    assert by_label["6,992 pivot"].value == 6992 and by_label["6,992 pivot"].thesis == "bull"
    assert by_label["6,824 support"].value == 6824 and by_label["6,824 support"].thesis == "bear"
    band = by_label["6,700–7,000 range"]
    assert band.range == (6700, 7000) and band.thesis == "bear"


def test_env_beats_file_and_flags_beat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'theme = "regime-light"\n[refresh]\nregular = 20\nclosed = 600\n')
    monkeypatch.setenv("REGIME_REFRESH__CLOSED", "30")
    monkeypatch.setenv("REGIME_THEME", "regime-ansi")
    settings = load_settings(path)
    assert settings.refresh.regular == 20  # file
    assert settings.refresh.closed == 30  # env over file, nested keys merged
    assert settings.theme == "regime-ansi"
    assert load_settings(path, {"theme": "regime-dark", "thesis": None}).theme == "regime-dark"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sorce = 'sim'\n", "key 'sorce': unknown key"),
        ("[refresh]\nregular = 'fast'\n", "key 'refresh.regular'"),
        ("[refresh]\nregular = -1\n", "key 'refresh.regular'"),
        ("source = 'ftp'\n", "source must be auto, yahoo, sim or files:DIR"),
        ("[[levels]]\nlabel = 'x'\n", "give exactly one of 'value' or 'range'"),
        ("[[levels]]\nlabel = 'x'\nrange = [7000, 6700]\n", "low < high"),
        ("[[levels]]\nlabel = 'pivot [old]'\nvalue = 6900\n", "cannot contain [ or ]"),
        ("source = \n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_is_an_error_only_when_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIME_REFRESH__CLOSED", "soon")
    with pytest.raises(
        ConfigError,
        match=r"^environment \(REGIME_REFRESH__CLOSED\): key 'refresh.closed': .*'soon'",
    ):
        load_settings()


def test_default_config_file_is_read_from_the_platform_config_dir() -> None:
    from core.config import default_config_path

    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('thesis = "bear"\n', encoding="utf-8")
    assert load_settings().thesis == "bear"
