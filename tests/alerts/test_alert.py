"""Alert definitions (core.alerts.alert): a good one compiles, and every bad one is a
single line naming the origin, the alert and the field."""

from __future__ import annotations

from typing import Any

import pytest

from core.alerts.alert import AlertError, compile_alert, parse_alert
from tests.alerts.alert_helpers import crossing

GOOD: dict[str, Any] = {"id": "k7", "name": "7k", "when": "price.last > 7000"}


def test_a_good_alert_compiles() -> None:
    alert = crossing(band_pct=0.2, level="7,000 milestone", side="above", confirm=2)
    compiled = compile_alert(alert)
    assert compiled.level_value is not None and compiled.level_value.type.kind == "number"
    assert compiled.value_spec == ",.1f"
    assert alert.banded and alert.severity == "warning"


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"when": "price.lst > 3"}, "when", "did you mean 'price.last'"),
        ({"when": "price.last"}, "when", "must be true or false"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"severity": "loud"}, "severity", "'info', 'warning' or 'critical'"),
        ({"confirm": 0}, "confirm", "greater than or equal to 1"),
        ({"band_pct": 0.5}, "", "a band needs 'level'"),
        ({"band_pct": 0.5, "band_points": 3, "level": "x", "side": "above"}, "", "not both"),
        ({"level": "7,000 milestone"}, "", "'level' and 'side' go together"),
        ({"message": "{value}"}, "message", "needs a 'show' expression"),
        ({"message": "{price}"}, "message", "{price} is not one of"),
        ({"message": "{name", "show": "price.last"}, "message", "expected '}'"),
        ({"show": "price.last", "message": "{value:xyz}"}, "message", "not a number format"),
        ({"show": "price.last", "message": "{name:>9}"}, "message", "only {value} takes"),
        ({"show": "price.status.state", "message": "{value:.1f}"}, "message", "'show' is"),
        (
            {"level": "7,000 milestone", "side": "above", "reading": "price.status.state"},
            "reading",
            "not a number",
        ),
    ],
)
def test_a_bad_alert_is_one_line_naming_it(fields: dict[str, Any], field: str, says: str) -> None:
    with pytest.raises(AlertError) as caught:
        parse_alert(GOOD | fields, "config.toml")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("config.toml: alert 'k7': ")
    if field:
        assert f"field '{field}'" in text
    assert says in text


def test_a_bad_id_is_named_as_written() -> None:
    with pytest.raises(AlertError, match=r"^alerts: alert 'Bad Id': field 'id': String should"):
        parse_alert(GOOD | {"id": "Bad Id"})
