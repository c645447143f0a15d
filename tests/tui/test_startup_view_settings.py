"""The settings the first frame is drawn with (core.view_settings) agree with the full
Settings for every valid config, layer over layer; a value the full Settings refuse
leaves the view at its default, and the monitor then ends after its first frame with
the full Settings' one line and exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.config import load_settings
from core.view_settings import ConfigError, ViewSettings, default_config_path, read_view_settings
from tui.app import RegimeApp
from tui.cli import main


def view_of(path: Path | None = None, flags: dict[str, Any] | None = None) -> tuple[str, ...]:
    view = read_view_settings(path, flags)
    return (view.source, view.theme, view.thesis, view.index)


def full_of(path: Path | None = None, flags: dict[str, Any] | None = None) -> tuple[str, ...]:
    settings = load_settings(path, flags)
    return (settings.source, settings.theme, settings.thesis, settings.symbols.index)


def test_no_layer_gives_the_settings_defaults() -> None:
    assert view_of() == full_of() == ("auto", "regime-dark", "bull", "^GSPC")


@pytest.mark.parametrize(
    ("text", "variables", "flags"),
    [
        ('theme = "regime-light"\nthesis = "bear"\n[symbols]\nindex = "^SPX"\n', {}, {}),
        ('source = "sim"\n', {"REGIME_SOURCE": "yahoo"}, {}),
        ('source = "sim"\n', {"regime_theme": "regime-ansi"}, {"source": "auto"}),
        ("", {"REGIME_SYMBOLS": '{"index": "^NDX"}'}, {"thesis": "bear"}),
        ("", {"REGIME_SYMBOLS": '{"index": "^NDX"}', "REGIME_SYMBOLS__INDEX": "^DJI"}, {}),
        ('theme = "regime-light"\n', {"REGIME_THEME": "regime-ansi"}, {"theme": "nord"}),
    ],
)
def test_each_layer_wins_over_the_one_before_as_in_the_full_settings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    variables: dict[str, str],
    flags: dict[str, Any],
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    given = {"source": None, "theme": None, "thesis": None, **flags}
    assert view_of(path, given) == full_of(path, given)


def test_the_default_file_is_read_when_it_exists() -> None:
    default = default_config_path()
    default.parent.mkdir(parents=True)
    default.write_text('thesis = "bear"\n', encoding="utf-8")
    assert read_view_settings().thesis == "bear"


def test_a_value_of_the_wrong_type_is_left_at_its_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = 7\nthesis = "sideways"\nsymbols = "^GSPC"\n', encoding="utf-8")
    assert read_view_settings(path) == ViewSettings()


@pytest.mark.parametrize("source", ["files:", "yaho", "files"])
def test_a_source_the_full_settings_refuse_is_left_at_its_default(
    tmp_path: Path, source: str
) -> None:
    """So the cheap checks before the first frame never look for a directory the full
    Settings will refuse anyway (with the right reason, after the first frame)."""
    path = tmp_path / "config.toml"
    path.write_text(f'source = "{source}"\n', encoding="utf-8")
    assert read_view_settings(path).source == ViewSettings().source


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, "config file not found"), ("theme = [", "not valid TOML")],
)
def test_a_missing_or_broken_file_is_refused_as_the_full_settings_refuse_it(
    tmp_path: Path, text: str | None, expected: str
) -> None:
    path = tmp_path / "config.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as view_error:
        read_view_settings(path)
    with pytest.raises(ConfigError) as full_error:
        load_settings(path)
    assert str(view_error.value) == str(full_error.value)


def test_the_monitor_refuses_a_bad_value_after_its_first_frame_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[refresh]\nregular = 'often'\n", encoding="utf-8")
    painted: list[bool] = []
    run = RegimeApp.run

    def headless(app: RegimeApp) -> None:
        app.call_later(lambda: painted.append(True))
        run(app, headless=True, size=(120, 40))

    monkeypatch.setattr(RegimeApp, "run", headless)
    with pytest.raises(SystemExit) as raised:
        main(["--config", str(path), "--source", "sim"])
    assert raised.value.code == 2
    assert painted
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"regime: error: {path}: key 'refresh.regular'")
