"""The rule language's tokenizer and Pratt parser: precedence and associativity of
every operator, postfix field access and calls, errors that name the column and what
is wrong, hard limits on size and depth, and proof that user text never reaches
Python's eval/exec (dunder names and builtins are parse or check errors)."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path
from typing import Any

import pytest

from core.rules import (
    MAX_DEPTH,
    MAX_RULE_LENGTH,
    Attr,
    Binary,
    Bool,
    Call,
    Name,
    Node,
    Null,
    Num,
    RuleError,
    Str,
    Unary,
    compile_rule,
    parse,
    tokenize,
)
from tests.thesis.helpers import snapshot

ROOT = Path(__file__).resolve().parents[2]


def shape(node: Node) -> Any:
    """A tree as nested tuples, without positions, for compact expectations."""
    if isinstance(node, Num | Str | Bool):
        return node.value
    if isinstance(node, Null):
        return None
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Attr):
        return (".", shape(node.obj), node.name)
    if isinstance(node, Call):
        return (node.name + "()", *(shape(arg) for arg in node.args))
    if isinstance(node, Unary):
        return (node.op, shape(node.operand))
    assert isinstance(node, Binary)
    return (node.op, shape(node.left), shape(node.right))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
        ("(1 + 2) * 3", ("*", ("+", 1, 2), 3)),
        ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
        ("8 / 4 / 2", ("/", ("/", 8, 4), 2)),
        ("1 - 2 + 3", ("+", ("-", 1, 2), 3)),
        ("-2 * 3", ("*", ("-", 2), 3)),
        ("- -2", ("-", ("-", 2))),
        ("a or b and c", ("or", "a", ("and", "b", "c"))),
        ("a and b or c", ("or", ("and", "a", "b"), "c")),
        ("a and b and c", ("and", ("and", "a", "b"), "c")),
        ("a or b or c", ("or", ("or", "a", "b"), "c")),
        ("not a and b", ("and", ("not", "a"), "b")),
        ("not not a", ("not", ("not", "a"))),
        ("not a == b", ("not", ("==", "a", "b"))),
        ("a + 1 > b * 2", (">", ("+", "a", 1), ("*", "b", 2))),
        ("a < 1 or b >= 2", ("or", ("<", "a", 1), (">=", "b", 2))),
        ("a != null", ("!=", "a", None)),
        ("price.td.setup_count", (".", (".", "price", "td"), "setup_count")),
        ('level("6,992 pivot").value', (".", ("level()", "6,992 pivot"), "value")),
        ('-level("x").value', ("-", (".", ("level()", "x"), "value"))),
        ("min(a, b + 1)", ("min()", "a", ("+", "b", 1))),
        ("abs(-x)", ("abs()", ("-", "x"))),
        ("6992.5 <= 7000", ("<=", 6992.5, 7000)),
        ('"say \\"hi\\"" == "a\\\\b"', ("==", 'say "hi"', "a\\b")),
        ("true and false", ("and", True, False)),
        ("a\n  and b", ("and", "a", "b")),
    ],
)
def test_precedence_and_associativity(source: str, expected: Any) -> None:
    assert shape(parse(source)) == expected


def test_tokens_carry_kinds_values_and_positions() -> None:
    tokens = tokenize('price.last >= 6992.5 and x == "a b"')
    assert [(t.kind, t.text, t.pos) for t in tokens] == [
        ("name", "price", 0),
        ("op", ".", 5),
        ("name", "last", 6),
        ("op", ">=", 11),
        ("number", "6992.5", 14),
        ("keyword", "and", 21),
        ("name", "x", 25),
        ("op", "==", 27),
        ("string", '"a b"', 30),
        ("end", "", 35),
    ]
    assert tokens[4].value == 6992.5 and isinstance(tokenize("7000")[0].value, int)


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("", 1, "empty"),
        ("price.last > 7,000", 15, "without separators"),
        ("price.last = 7000", 12, "use '=='"),
        ("price.last > 1 && true", 16, "use 'and'"),
        ("price.last > 1 || true", 16, "use 'or'"),
        ("!price.bands.squeeze", 1, "use 'not'"),
        ("price.ema_stack == 'bullish'", 20, "double quotes"),
        ('price.ema_stack == "bullish', 20, "not closed"),
        ('x == "a\\n"', 8, "backslash"),
        ("price.last > 7k", 14, "'7k' is not a number"),
        ("price.last > .5", 14, "0.5"),
        ("1 < 2 < 3", 7, "cannot be chained"),
        ("1 == 2 != 3", 8, "cannot be chained"),
        ("(1 < 2", 7, "expected ')'"),
        ("1 < 2)", 6, "unexpected ')'"),
        ("min(1, 2", 9, "to close the call of min()"),
        ("1 2", 3, "operator is missing"),
        ("1 +", 4, "expected a value"),
        ("price.", 7, "expected a field name"),
        ("price.last(1)", 11, "only functions can be called"),
        ("price.levels[0]", 13, "cannot index lists"),
        ("5 % 2", 3, "no '%' operator"),
        ("price.last > $5", 14, "unexpected character '$'"),
        ("+1 > 0", 1, "expected a value"),
    ],
)
def test_syntax_errors_name_the_column(source: str, column: int, fragment: str) -> None:
    with pytest.raises(RuleError) as raised:
        parse(source)
    assert raised.value.column == column, str(raised.value)
    assert fragment in str(raised.value)
    assert str(raised.value).startswith(f"column {column}: ")


@pytest.mark.parametrize(
    "source",
    [
        '__import__("os")',
        '__import__("os").system("true")',
        "price.__class__",
        "price.last.__class__.__bases__",
        "_private > 1",
        "().__class__.__subclasses__()",
        "lambda: 1",
        "[x for x in price.levels]",
        "price.last if true else 0",
        '{"a": 1}',
        "x := 1",
        "`ls`",
        "price.last; 1",
    ],
)
def test_python_syntax_and_dunders_are_parse_errors(source: str) -> None:
    with pytest.raises(RuleError):
        parse(source)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ('eval("1") == 1', "unknown function 'eval'"),
        ('exec("x") == null', "unknown function 'exec'"),
        ('open("/etc/passwd") == null', "unknown function 'open'"),
        ("getattr(price, last) == 1", "unknown function 'getattr'"),
        ("os.system == null", "unknown field 'os'"),
        ("model_fields == null", "unknown field 'model_fields'"),
        ("price.model_dump == null", "unknown field 'price.model_dump'"),
        ("price.model_config == null", "unknown field 'price.model_config'"),
    ],
)
def test_only_declared_fields_and_functions_resolve(source: str, fragment: str) -> None:
    with pytest.raises(RuleError) as raised:
        compile_rule(source)
    assert fragment in str(raised.value)


def test_user_text_never_reaches_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec/compile called")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    rule = compile_rule('price.last > level("7,000 milestone").value or not price.bands.squeeze')
    found = rule.evaluate(snapshot(**{"price.last": 7100.0, "price.bands.squeeze": False}))
    assert found.value is True


def test_the_rule_modules_contain_no_eval_exec_or_ast() -> None:
    for module in ("core/rules.py", "core/thesis.py"):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, module
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module_name = getattr(node, "module", None) or ""
                assert "ast" not in names and module_name != "ast", module


def test_size_and_depth_are_bounded() -> None:
    with pytest.raises(RuleError, match="longer than"):
        parse("1 + " * MAX_RULE_LENGTH + "1")
    deep = "(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(RuleError, match="nested too deeply"):
        parse(deep)
    with pytest.raises(RuleError, match="nested too deeply"):
        parse("not " * (MAX_DEPTH + 5) + "true")
    assert shape(parse("(" * 10 + "1" + ")" * 10)) == 1
