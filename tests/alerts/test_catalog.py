"""The alert catalog: the built-ins compile and name only levels that exist, and a
config's `[alerts.ID]` tables change, add and leave out alerts, with one line naming
the file, the alert and the field for anything wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.alerts.alert import AlertError, compile_alert
from core.alerts.catalog import builtin_alerts, builtin_path, check_alerts_file, load_alerts
from core.config import ConfigError, Settings, load_settings

BUILTIN_IDS = [
    "sma200_cross_above",
    "sma200_cross_below",
    "ema50_cross_above",
    "ema50_cross_below",
    "gamma_flip_cross_above",
    "gamma_flip_cross_below",
    "call_wall_cross_above",
    "put_wall_cross_below",
    "milestone_7000_cross_above",
    "milestone_7000_cross_below",
    "new_milestone",
    "gamma_negative",
    "gamma_positive",
    "rsi_bearish_divergence",
    "rsi_bearish_divergence_ended",
    "rsi_bullish_divergence",
    "rsi_bullish_divergence_ended",
    "td_sell_setup_9",
    "td_buy_setup_9",
    "td_sell_countdown_13",
    "td_buy_countdown_13",
    "vix_jump",
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_builtin_compiles_and_loads_in_file_order() -> None:
    raw = tomllib.loads(builtin_path().read_text(encoding="utf-8"))
    assert [table["id"] for table in raw["alerts"]] == BUILTIN_IDS
    for alert in builtin_alerts().values():
        compile_alert(alert, "builtin")
    assert list(load_alerts(Settings())) == BUILTIN_IDS


def test_crossings_are_banded_confirmed_and_cooled_down() -> None:
    crossings = [alert for alert in builtin_alerts().values() if "_cross_" in alert.id]
    assert len(crossings) == 10
    for alert in crossings:
        assert alert.banded and alert.band_pct == 0.25 and alert.confirm == 2
        assert alert.cooldown_minutes == 60
        assert f'level("{alert.level}")' in alert.when


def test_a_table_changes_only_the_fields_it_gives(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[alerts.sma200_cross_below]\nseverity = "critical"\nband_points = 10\n',
    )
    alerts = load_alerts(load_settings(path), origin=str(path))
    changed = alerts["sma200_cross_below"]
    base = builtin_alerts()["sma200_cross_below"]
    assert changed.severity == "critical"
    assert (changed.band_points, changed.band_pct) == (10, None)  # points replace percent
    assert (changed.when, changed.level, changed.confirm) == (base.when, base.level, 2)
    assert list(alerts) == BUILTIN_IDS


def test_enabled_false_leaves_a_builtin_out(tmp_path: Path) -> None:
    path = write(tmp_path, "[alerts.vix_jump]\nenabled = false\n")
    alerts = load_alerts(load_settings(path))
    assert "vix_jump" not in alerts
    assert len(alerts) == len(BUILTIN_IDS) - 1


def test_disabling_an_unknown_id_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[alerts.vix_jumps]\nenabled = false\n")
    with pytest.raises(AlertError) as raised:
        load_alerts(load_settings(path), origin=str(path))
    assert str(raised.value) == (
        f"{path}: alert 'vix_jumps': field 'enabled': no built-in alert has this id;"
        " did you mean 'vix_jump'?"
    )


def test_a_new_alert_on_a_user_level_is_added_last(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[levels]]\nlabel = "6,992 pivot"\nvalue = 6992\n\n'
        "[alerts.pivot_lost]\n"
        'name = "Below the pivot"\nwhen = \'price.last < level("6,992 PIVOT").value\'\n'
        'level = "6,992 pivot"\nside = "below"\nband_points = 5\n',
    )
    alerts = load_alerts(load_settings(path), origin=str(path))
    assert list(alerts) == [*BUILTIN_IDS, "pivot_lost"]
    assert alerts["pivot_lost"].severity == "info"
    assert check_alerts_file(path) == f"{path}: ok · 23 alerts (22 built-in, 1 yours)"


def test_a_new_alert_needs_a_name_and_a_when(tmp_path: Path) -> None:
    path = write(tmp_path, "[alerts.mine]\nwhen = 'price.last > 7000'\n")
    with pytest.raises(AlertError) as raised:
        load_alerts(load_settings(path), origin=str(path))
    assert str(raised.value) == (
        f"{path}: alert 'mine': field 'name': a new alert needs a name and a 'when'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[alerts.vix_jump]\nwhen = 'vix.lats > 30'\n",
            "alert 'vix_jump': field 'when' 'vix.lats > 30': ",
        ),
        (
            "[alerts.vix_jump]\nmessage = '{nmae}'\n",
            "alert 'vix_jump': field 'message': {nmae} is not one of",
        ),
        (
            '[alerts.sma200_cross_above]\nlevel = "SMA 100"\n',
            "alert 'sma200_cross_above': field 'level': no level named 'SMA 100' (levels: ",
        ),
        (
            "[alerts.pivot]\nname = 'Pivot'\nwhen = 'price.last > level(\"6,992 pivot\").value'\n",
            "alert 'pivot': field 'when': no level named '6,992 pivot' (levels: ",
        ),
        (
            "[alerts.pivot]\nname = 'Pivot'\nwhen = 'price.last > 1'\nshow = 'level(\"Pivto\")'\n",
            "alert 'pivot': field 'show': no level named 'Pivto' (levels: ",
        ),
    ],
)
def test_a_bad_alert_is_one_line_naming_file_alert_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AlertError) as raised:
        check_alerts_file(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}")


def test_derived_level_names_are_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[alerts.near]\nname = 'Near'\n"
        'when = \'price.last > level("call wall").value and price.last < '
        'level("9,000 milestone").value and price.last > level("EMA 20").value\'\n',
    )
    assert check_alerts_file(path) == f"{path}: ok · 23 alerts (22 built-in, 1 yours)"


def test_unknown_key_in_an_alert_table_is_the_configs_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts.vix_jump]\nseverty = "critical"\n')
    with pytest.raises(ConfigError) as raised:
        check_alerts_file(path)
    assert str(raised.value) == (
        f"{path}: key 'alerts.vix_jump.severty': unknown key; did you mean 'severity'?"
    )
