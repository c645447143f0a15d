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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed = -1\n", "key 'seed': Input should be greater than or equal to 0"),
        ("[refresh]\nregular = 0.001\n", "key 'refresh.regular': Input should be greater than or"),
        ("[refresh]\nclosed = 0.5\n", "key 'refresh.closed': Input should be greater than or"),
        ("[refresh]\nmembers = 5\n", "key 'refresh.members': Input should be greater than or"),
        ("[refresh]\ndaily = 30\n", "key 'refresh.daily': Input should be greater than or"),
        (
            "[[levels]]\nlabel = '7,000 Pivot'\nvalue = 7000\n"
            "[[levels]]\nlabel = '7,000  pivot'\nvalue = 6990\n",
            "key 'levels': labels '7,000 Pivot' and '7,000  pivot' name one level",
        ),
        ("[[levels]]\nlable = 'x'\nvalue = 1\n", "key 'levels.0.lable': unknown key; did you mean"),
        ("them = 'regime-light'\n", "key 'them': unknown key; did you mean 'theme'?"),
        (
            "[theses.bull]\ndisabel = ['x']\n",
            "key 'theses.bull.disabel': unknown key; did you mean 'disable'?",
        ),
        (
            "[alerts.vix_jump]\ncooldown = 5\n",
            "key 'alerts.vix_jump.cooldown': unknown key; did you mean 'cooldown_minutes'?",
        ),
        ("[alerts.x]\nside = 'up'\n", "key 'alerts.x.side': Input should be 'above' or 'below'"),
        ("[notify]\nbel = 'off'\n", "key 'notify.bel': unknown key; did you mean 'bell'?"),
        ("[notify]\nbell = 'loud'\n", "key 'notify.bell': Input should be 'info', 'warning'"),
        ("[notify]\nosc = ['osc8']\n", "key 'notify.osc"),
        ("[notify]\ncommand_timeout = 0\n", "key 'notify.command_timeout': Input should be"),
    ],
)
def test_bad_values_are_refused_at_load(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}: {expected}")


def test_the_fastest_cadences_are_allowed(tmp_path: Path) -> None:
    text = "[refresh]\nregular = 1\npre = 1\npost = 1\nclosed = 1\nmembers = 60\ndaily = 60\n"
    assert load_settings(write(tmp_path, text)).refresh.regular == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "is not a file"), ("", "lists no member"), ("Ticker\n\n", "lists no member")],
)
def test_members_file_must_list_members(tmp_path: Path, content: str | None, expected: str) -> None:
    members = tmp_path / "members.csv"
    if content is not None:
        members.write_text(content, encoding="utf-8")
    path = write(tmp_path, f"members_file = '{members}'\n")
    with pytest.raises(ConfigError, match=f"key 'members_file': {members}.*{expected}"):
        load_settings(path)
    members.write_text("Ticker\nAAPL\n", encoding="utf-8")
    assert load_settings(path).members_file == members


def test_alerts_and_notify_are_read_from_the_file(tmp_path: Path) -> None:
    assert load_settings().notify.toast == "info"
    assert load_settings().notify.osc == "auto"
    text = (
        "[alerts.vix_jump]\nenabled = false\n\n"
        "[notify]\nbell = 'off'\nosc = ['osc9', 'osc99']\n"
        "command = ['notify-send', 'Regime']\ncommand_timeout = 2.5\n"
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.alerts["vix_jump"].enabled is False
    assert settings.alerts["vix_jump"].severity is None
    notify = settings.notify
    assert (notify.bell, notify.desktop, notify.osc) == ("off", "warning", ("osc9", "osc99"))
    assert (notify.command, notify.command_timeout) == (("notify-send", "Regime"), 2.5)
