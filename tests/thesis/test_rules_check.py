"""Static checks of rules against the Snapshot's pydantic schema, at load time: every
scalar field the Snapshot declares (nested models, Optional, Literal) is reachable by
its dotted path; a misspelt field, a group or list used as a value, an unknown function,
a wrong arity, a comparison of text with a number, a Literal value the field never
takes, or a rule that is not true/false is a RuleError naming the column."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from core.rules import RType, RuleError, compile_rule, type_of_annotation
from core.section import builtin


def scalar_paths(
    model: type[BaseModel] | None = None, prefix: str = ""
) -> Iterator[tuple[str, RType]]:
    """Every dotted path to a scalar field of the Snapshot, with its type."""
    model = model if model is not None else builtin().snapshot_model
    for name, info in model.model_fields.items():
        kind = type_of_annotation(info.annotation)
        path = f"{prefix}{name}"
        if kind.kind == "model" and kind.model is not None:
            yield from scalar_paths(kind.model, f"{path}.")
        elif kind.scalar:
            yield path, kind


PATHS = dict(scalar_paths())


def test_the_schema_walk_finds_the_fields_rules_use() -> None:
    expected = {
        "price.last": "number",
        "price.td.setup_count": "number",
        "price.td.setup_direction": "string",
        "price.bands.squeeze": "bool",
        "price.within_1pct_below_milestone": "bool",
        "rsi.divergence.kind": "string",
        "rsi.divergence.confirmed_on": "date",
        "breadth.top10_concentration_pct": "number",
        "vix.index_up_vix_up": "bool",
        "trend.crowded": "bool",
        "context.rut_win_streak": "number",
        "context.small_caps_rel_20d_pct": "number",
        "checklist.bull.score": "number",
        "as_of": "datetime",
        "price.status.state": "string",
    }
    for path, kind in expected.items():
        assert PATHS[path].kind == kind, path
    assert PATHS["rsi.divergence.kind"].choices == {"bearish", "bullish"}
    assert PATHS["price.ema_stack"].choices == {"bullish", "bearish", "mixed"}
    assert "price.levels" not in PATHS and "trend.signals" not in PATHS


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_scalar_field_can_be_tested_for_missing(path: str) -> None:
    assert compile_rule(f"{path} == null").type.kind == "bool"
    assert compile_rule(f"{path} != null").type.kind == "bool"


@pytest.mark.parametrize("path", sorted(p for p, t in PATHS.items() if t.kind == "number"))
def test_every_number_field_can_be_compared(path: str) -> None:
    compile_rule(f"{path} > 0 and abs({path} - 1) * 2 / 3 <= max({path}, min(1, 2))")


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("price.lastt > 7000", 7, "unknown field 'price.lastt' (did you mean 'price.last'?)"),
        ("prices.last > 7000", 1, "unknown field 'prices' (did you mean 'price'?)"),
        ("rsi.divergence.knd == null", 16, "did you mean 'rsi.divergence.kind'?"),
        ("price.td.zzz > 1", 10, "price.td has setup_direction, setup_count"),
        ("price.last.value > 1", 12, "price.last is a number; it has no field 'value'"),
        ("price.symbol > 5", 14, "'>' compares numbers or dates; price.symbol is text"),
        ('price.last == "7000"', 12, 'cannot compare price.last (a number) with "7000"'),
        ("price.ema_stack == 1", 17, "cannot compare price.ema_stack"),
        ('rsi.divergence.kind == "bearsh"', 24, '"bearsh" is never a value of'),
        ('"up" == price.ema_stack', 1, '"up" is never a value of price.ema_stack'),
        ("price.bands.squeeze > 1", 21, "compares numbers or dates"),
        ("price.last and true", 1, "'and' needs true/false on both sides"),
        ("not price.last", 5, "'not' needs true/false"),
        ("-price.bands.squeeze == 1", 2, "'-' needs a number"),
        ('price.last + "a" > 1', 14, "'+' needs numbers"),
        ("price.td == null", 1, "price.td is a group of fields"),
        ("price.td.setup_count > price.td", 24, "price.td is a group of fields"),
        ("price.levels == null", 1, "price.levels is a list"),
        ("trend.signals == null", 1, "trend.signals is a list"),
        ("price.last", 1, "a rule must be true or false; price.last is a number"),
        ("7000", 1, "a rule must be true or false"),
        ("null == null", 6, "comparing null with null"),
        ("foo(1) > 1", 1, "unknown function 'foo' (functions: level, abs, min, max"),
        ("abs(1, 2) > 1", 1, "abs() takes 1 argument, not 2"),
        ("min(1) > 1", 1, "min() takes 2 arguments, not 1"),
        ("max(1, 2, 3) > 1", 1, "max() takes 2 arguments, not 3"),
        ('level("a", "b").value > 1', 1, "level() takes 1 argument"),
        ("level(price.symbol).value > 1", 7, "level() takes the level's name in double quotes"),
        ('level("x") > 1', 1, 'level("x") is a level; use .value'),
        ('level("x").valu > 1', 12, "did you mean 'level(\"x\").value'?"),
        ("abs(price.symbol) > 1", 5, "abs() needs numbers"),
        ('fmt(price.last, "x") == "1"', 17, "fmt() takes a number format"),
        ('fmt(price.symbol, ".1f") == "1"', 5, "fmt() formats a number"),
        ("default(price.last, true)", 21, "default() needs a fallback of the same kind"),
        ("given(price.levels, true)", 7, "price.levels is a list"),
        ("price.bands.squeeze == true == true", 29, "cannot be chained"),
    ],
)
def test_static_errors_name_the_field_and_column(source: str, column: int, fragment: str) -> None:
    with pytest.raises(RuleError) as raised:
        compile_rule(source)
    assert fragment in str(raised.value), str(raised.value)
    assert raised.value.column == column, str(raised.value)


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("price.last", "number"),
        ('level("6,992 pivot")', "model"),
        ('level("6,992 pivot").distance_pct', "number"),
        ("price.ema_stack", "string"),
        ("price.bands.squeeze", "bool"),
        ("rsi.divergence.confirmed_on", "date"),
        ('default(price.td.setup_direction, "no")', "string"),
        ('fmt(price.last, "+,.1f")', "string"),
        ('price.td.setup_direction + " " + fmt(price.td.setup_count, "d")', "string"),
        ("(price.last / price.nearest_milestone_above - 1) * 100", "number"),
    ],
)
def test_values_an_item_can_show(source: str, kind: str) -> None:
    assert compile_rule(source, kind="value").type.kind == kind


@pytest.mark.parametrize("source", ["price.td", "price.levels", "null"])
def test_values_an_item_cannot_show(source: str) -> None:
    with pytest.raises(RuleError):
        compile_rule(source, kind="value")


def test_literal_checks_see_through_default() -> None:
    compile_rule('default(rsi.divergence.kind, "none") == "none"')
    with pytest.raises(RuleError, match='"bearsh" is never a value'):
        compile_rule('default(rsi.divergence.kind, "none") == "bearsh"')


def test_dates_compare_with_dates_only() -> None:
    compile_rule("rsi.divergence.confirmed_on >= context.index_last_new_high")
    with pytest.raises(RuleError, match="cannot compare"):
        compile_rule("rsi.divergence.confirmed_on > 5")
