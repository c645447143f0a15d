"""An alert as data: `Alert` (one `[alerts.ID]` table: a rule in the language of
core.rules that is true while the alert's condition holds, a name, a severity, and the
hysteresis that keeps a price oscillating around a level from alerting every refresh),
and `compile_alert`, which parses and checks its expressions against the Snapshot's
fields like the theses' rules and gives a `CompiledAlert` ready for core.alerts.watch.
Hysteresis comes in two kinds, which combine. By refreshes: `confirm` = N means a new
state (condition true, or false) counts only after N consecutive evaluations show it.
By distance: with `band_pct` or `band_points`, the alert names a `level` (a
`level("...")` name) and the `side` of it the condition lies on, and the distance d of
`reading` (default `price.last`) past the level's value on that side (d = reading -
value for "above", value - reading for "below") decides: the condition counts as true
only when `when` is true and d >= band, as false only when `when` is false and d <=
-band; in between (inside value ± band) the reading is a "hold": the last confirmed
state stays and a pending change is dropped. `band_pct` is a percent of the level's
value. Errors are `AlertError`, one line naming the origin, the alert and the field.
Pydantic only at module level: the rule language is imported when an alert is
compiled."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from collections.abc import Mapping

    from core.rules import Rule

__all__ = [
    "FIELDS_IN_MESSAGE",
    "Alert",
    "AlertError",
    "CompiledAlert",
    "Severity",
    "compile_alert",
    "compiled",
    "parse_alert",
]

Severity = Literal["info", "warning", "critical"]
FIELDS_IN_MESSAGE = ("value", "name", "id", "severity")
"""The fields a message template may name: `{value}` (the `show` expression, with an
optional number format: `{value:,.0f}`), `{name}`, `{id}` and `{severity}`."""


class AlertError(ValueError):
    """An alert that cannot be loaded: one line naming the origin, the alert and the
    field, fit to print as it is."""


class Alert(BaseModel):
    """One alert's definition (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=120)
    severity: Severity = "info"
    when: str = Field(min_length=1)
    """A rule, true while the alert's condition holds; the alert fires when it becomes true."""
    confirm: int = Field(1, ge=1, le=1000)
    """Consecutive evaluations a new state must show before it counts."""
    band_pct: float | None = Field(None, gt=0, le=100)
    band_points: float | None = Field(None, gt=0)
    level: str | None = Field(None, min_length=1, max_length=120)
    """The name of the level (as `level("...")` reads it) the band is measured from."""
    side: Literal["above", "below"] | None = None
    """The side of `level` the condition lies on."""
    reading: str = "price.last"
    """The number whose distance from `level` the band measures."""
    cooldown_minutes: float = Field(0, ge=0)
    """No second firing of this alert within this many minutes of the last one."""
    message: str = Field("{name}", min_length=1, max_length=300)
    """A template: `{value}` (from `show`), `{name}`, `{id}`, `{severity}`."""
    show: str | None = None
    """An expression whose value fills `{value}` in the message."""

    @model_validator(mode="after")
    def _band_has_level(self) -> Alert:
        if self.band_pct is not None and self.band_points is not None:
            raise ValueError("give band_pct or band_points, not both")
        banded = self.band_pct is not None or self.band_points is not None
        if banded and (self.level is None or self.side is None):
            raise ValueError("a band needs 'level' (a level's name) and 'side' (above or below)")
        if (self.level is None) != (self.side is None):
            raise ValueError("'level' and 'side' go together")
        if self.level is not None and '"' in self.level:
            raise ValueError("'level' is a level's name, without quotes")
        return self

    @property
    def banded(self) -> bool:
        """Whether the alert has a distance band (then `level` and `side` are set)."""
        return self.level is not None


@dataclass(frozen=True)
class CompiledAlert:
    """An alert with its expressions parsed and checked: `when` (a condition), `show`
    (a value, or None), and for a band `reading` and `level_value` (numbers) and the
    band itself (`band_points`, or `band_pct` of the level's value)."""

    alert: Alert
    when: Rule
    show: Rule | None
    reading: Rule | None
    level_value: Rule | None
    value_spec: str
    """The number format of `{value}` in the message ('' for the plain display)."""


def _where(origin: str, alert_id: str | None) -> str:
    return f"{origin}: alert '{alert_id}'" if alert_id else origin


def parse_alert(data: Mapping[str, Any], origin: str = "alerts") -> Alert:
    """An Alert from a table of fields (a TOML `[alerts.ID]` table with its `id`),
    compiled to check its rules; AlertError, one line, on any bad field."""
    alert_id = data.get("id") if isinstance(data.get("id"), str) else None
    try:
        alert = Alert.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        if first["type"] == "extra_forbidden":
            message = "unknown field"
        elif first["type"] == "value_error":
            message = str(first.get("ctx", {}).get("error", first["msg"]))
        else:
            message = first["msg"]
        where = _where(origin, alert_id)
        line = f"{where}: field '{key}': {message}" if key else f"{where}: {message}"
        raise AlertError(line) from None
    compile_alert(alert, origin)
    return alert


def _template_spec(alert: Alert, where: str) -> str:
    """The number format `{value}` carries in the message; AlertError on a bad template."""
    spec = ""
    try:
        parts = list(string.Formatter().parse(alert.message))
    except ValueError as error:
        raise AlertError(f"{where}: field 'message': {error}") from None
    from core.format import spec_ok

    for _text, name, field_spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS_IN_MESSAGE:
            known = ", ".join("{" + field + "}" for field in FIELDS_IN_MESSAGE)
            raise AlertError(f"{where}: field 'message': {{{name}}} is not one of {known}")
        if conversion or (field_spec and name != "value"):
            raise AlertError(f"{where}: field 'message': only {{value}} takes a format")
        if name == "value":
            if alert.show is None:
                raise AlertError(f"{where}: field 'message': {{value}} needs a 'show' expression")
            if field_spec and not spec_ok(field_spec):
                raise AlertError(
                    f"{where}: field 'message': {field_spec!r} is not a number format like ',.0f'"
                )
            spec = field_spec or spec
    return spec


@cache
def _compiled(alert: Alert) -> CompiledAlert:
    return compile_alert(alert)


def compile_alert(alert: Alert, origin: str = "alerts") -> CompiledAlert:
    """Parse and check `alert`'s expressions against the Snapshot's fields; AlertError
    naming `origin`, the alert and the field when one is wrong."""
    from core.rules import RuleError, compile_rule

    where = _where(origin, alert.id)

    def rule(field: str, source: str, kind: Literal["condition", "value"]) -> Rule:
        try:
            return compile_rule(source, kind=kind)
        except RuleError as error:
            raise AlertError(f"{where}: field '{field}' {source!r}: {error}") from None

    when = rule("when", alert.when, "condition")
    show = None if alert.show is None else rule("show", alert.show, "value")
    reading = level_value = None
    if alert.level is not None:
        reading = rule("reading", alert.reading, "value")
        if reading.type.kind != "number":
            shown = reading.type.describe()
            raise AlertError(f"{where}: field 'reading' {alert.reading!r} is {shown}, not a number")
        level_value = rule("level", f'level("{alert.level}").value', "value")
    spec = _template_spec(alert, where)
    if spec and show is not None and show.type.kind != "number":
        shown = show.type.describe()
        raise AlertError(f"{where}: field 'message': a number format, but 'show' is {shown}")
    return CompiledAlert(alert, when, show, reading, level_value, spec)


def compiled(alert: Alert) -> CompiledAlert:
    """`compile_alert(alert)`, once per distinct alert (alerts are frozen and hashable)."""
    return _compiled(alert)
