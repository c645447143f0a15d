"""The alerts a monitor watches: the built-ins of core/alerts/builtin.toml (read with
importlib.resources, so they work installed), in file order, with the config's
`[alerts.ID]` tables applied like the studies' tables: a table with a built-in id
changes the fields it gives (a band given in points replaces one in percent, and the
reverse), any other id adds an alert (which needs a name and a `when`), and `enabled =
false` leaves one out. Every alert is compiled when loaded, and every level it names
(`level("...")` in `when` or `show`, and its `level` field) must be one that can exist:
one of the configured `[[levels]]` or one the sections derive (the moving averages, the
gamma flip and walls, the `N,000 milestone`s), found with the theses' own reader of
`level("...")` calls. Errors are `AlertError`, one line naming the file (or the
settings), the alert and the field. `check_alerts_file` is `regime alerts check`."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.alerts.alert import Alert, AlertError, compiled, parse_alert
from core.toml_tables import array_of_tables

if TYPE_CHECKING:
    from pathlib import Path

    from core.config import AlertConfig, Settings

__all__ = [
    "builtin_alerts",
    "builtin_path",
    "check_alerts_file",
    "load_alerts",
    "read_alerts_file",
]

BANDS = ("band_pct", "band_points")
"""The two ways of giving a band; a table giving one drops the other."""


def builtin_path() -> Traversable:
    """Where the built-in alerts are stored (inside the installed package)."""
    return resources.files("core") / "alerts" / "builtin.toml"


def read_alerts_file(path: Traversable) -> dict[str, Alert]:
    """The alerts of a TOML file of `[[alerts]]` tables, by id in file order, each
    compiled; AlertError naming the file (and the alert) when bad."""
    origin = str(path)
    tables = array_of_tables(path, "alerts", AlertError)
    alerts: dict[str, Alert] = {}
    for table in tables:
        alert = parse_alert(table, origin)
        if alert.id in alerts:
            raise AlertError(f"{origin}: alert '{alert.id}': the id is used twice")
        alerts[alert.id] = alert
    return alerts


@cache
def builtin_alerts() -> Mapping[str, Alert]:
    """The built-in alerts by id, in file order, read once."""
    return MappingProxyType(read_alerts_file(builtin_path()))


def _named(alert: Alert) -> Iterator[tuple[str, str]]:
    """(field, level name) for every level the alert names, field by field."""
    from core.thesis import named_levels

    checked = compiled(alert)
    for field, rule in (("when", checked.when), ("show", checked.show)):
        if rule is not None:
            for name in named_levels(rule.node):
                yield field, name
    if alert.level is not None:
        yield "level", alert.level


def _check_levels(alert: Alert, labels: Collection[str], origin: str) -> None:
    """AlertError when the alert names a level that can never exist."""
    from core.thesis import level_problem

    for field, wanted in _named(alert):
        if (problem := level_problem(wanted, labels)) is not None:
            raise AlertError(f"{origin}: alert '{alert.id}': field '{field}': {problem}")


def _apply(alert_id: str, base: Alert | None, table: AlertConfig, origin: str) -> Alert:
    """`base` (None for a new alert) with the fields `table` gives replaced; compiled."""
    given: dict[str, Any] = table.model_dump(exclude_none=True, exclude={"enabled"})
    if base is None:
        missing = [field for field in ("name", "when") if field not in given]
        if missing:
            raise AlertError(
                f"{origin}: alert '{alert_id}': field '{missing[0]}': a new alert needs"
                " a name and a 'when'"
            )
        return parse_alert({"id": alert_id, **given}, origin)
    fields = base.model_dump()
    for band in BANDS:
        if band in given:
            fields.update(dict.fromkeys(BANDS))
    return parse_alert({**fields, **given}, origin)


def load_alerts(settings: Settings, *, origin: str = "settings") -> dict[str, Alert]:
    """The built-in alerts with `settings.alerts` applied, by id (built-ins first, in
    file order, then the config's new alerts in its order), each compiled and naming
    only levels that exist. `origin` names where the tables came from (the config
    file) in error messages. Raises AlertError, one line naming it, the alert and the
    field."""
    alerts = dict(builtin_alerts())
    for alert_id, table in settings.alerts.items():
        if not table.enabled:
            if alert_id not in alerts and not table.model_fields_set - {"enabled"}:
                close = difflib.get_close_matches(alert_id, list(alerts), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise AlertError(
                    f"{origin}: alert '{alert_id}': field 'enabled': no built-in alert"
                    f" has this id{hint}"
                )
            alerts.pop(alert_id, None)
            continue
        alerts[alert_id] = _apply(alert_id, alerts.get(alert_id), table, origin)
    labels = [level.label for level in settings.levels]
    for alert in alerts.values():
        _check_levels(alert, labels, origin)
    return alerts


def check_alerts_file(path: Path) -> str:
    """`regime alerts check PATH`: the config at `path` loaded and its alerts checked;
    the line to print when all is well. Raises ConfigError or AlertError."""
    from core.config import load_settings

    settings = load_settings(path)
    alerts = load_alerts(settings, origin=str(path))
    builtin = sum(1 for alert_id in alerts if alert_id in builtin_alerts())
    mine = len(alerts) - builtin
    changed = sum(1 for alert_id in settings.alerts if alert_id in builtin_alerts())
    parts = [f"{len(alerts)} alerts ({builtin} built-in, {mine} yours)"]
    if changed:
        parts.append(f"{changed} built-in changed or left out")
    return f"{path}: ok · " + " · ".join(parts)
