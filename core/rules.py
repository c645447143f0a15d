"""The rule language of the thesis checklists: a small, safe expression language over
Snapshot fields, read by a hand-written tokenizer and a Pratt (precedence-climbing)
parser into an AST of frozen dataclasses, checked against the Snapshot's pydantic schema
when loaded, then evaluated with three-valued logic over columns: a `Table` of n rows of
readings named as `core.columns` names them (a history, one row per session), each node
a numpy array of values and a mask of the rows where it is known, so a rule over 25,000
sessions is a few array operations. A Snapshot is a one-row table (`row_of`: the
envelope, every section's readings and its status), and `Rule.evaluate` gives its
`Outcome`. User text is never passed to `eval`, `exec` or `ast`: names resolve only to
declared pydantic fields and to the functions listed in `FUNCTIONS`. Grammar, loosest
binding first: `or`; `and`; `not`; comparisons `< <= > >= == !=` (not chainable);
`+ -`; `* /`; unary `-`; postfix `.field`; primaries: numbers (`7000`, `6992.5`),
double-quoted strings, `true`, `false`, `null`, field paths (`price.td.setup_count`),
calls (`level("6,992 pivot").value`, `abs(x)`, `min(a, b)`, `max(a, b)`, `default(x,
fallback)`, `given(x, y)`, `fmt(x, "+.1f")`) and parentheses. A missing reading (None,
NaN in a frame) makes arithmetic and comparisons unknown; `false and unknown` is false,
`true or unknown` is true, `not unknown` is unknown; `x == null` / `x != null` test for
missing data and are never unknown. Every unknown result can say why, row by row.
Numbers keep Python's types: an int field's value, an int literal and the sum,
difference, product, abs, min or max of ints are whole (exact up to 2**53)."""

from __future__ import annotations

import builtins
import difflib
import math
import operator
import re
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union, cast, get_args, get_origin

from pydantic import BaseModel

from core.columns import flatten, is_int
from core.config import level_key
from core.format import spec_ok, with_spec
from core.section import builtin
from core.sections.price import Level
from core.snapshot import Snapshot


class _LazyNumpy:
    """numpy, imported when a rule is first evaluated: loading the theses (on the
    monitor's start path) only parses and checks rules, and needs none of it."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        globals()["np"] = numpy  # from now on the module itself
        return getattr(numpy, name)


if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = _LazyNumpy()

__all__ = [
    "FUNCTIONS",
    "LEVEL_SECTION",
    "MAX_RULE_LENGTH",
    "Attr",
    "Binary",
    "Bool",
    "Call",
    "Name",
    "Node",
    "Null",
    "Num",
    "Outcome",
    "RType",
    "Rule",
    "RuleError",
    "Str",
    "Table",
    "Unary",
    "compile_rule",
    "parse",
    "reading_of",
    "roots_read",
    "row_of",
    "tokenize",
    "walk",
]

MAX_RULE_LENGTH = 2000
"""Longest rule accepted, in characters."""
MAX_DEPTH = 60
"""Deepest nesting of sub-expressions accepted."""
LEVEL_HINT = "add it to your config; see examples/seven-k.toml"


class RuleError(ValueError):
    """A rule that cannot be read or does not fit the Snapshot, with where it went
    wrong (`column`, 1-based) and what is wrong (`message`)."""

    def __init__(self, message: str, source: str, position: int) -> None:
        self.message = message
        self.source = source
        self.position = max(0, position)
        super().__init__(f"column {self.column}: {message}")

    @property
    def column(self) -> int:
        """1-based column of the offending text."""
        return self.position + 1


# -- tokens ---------------------------------------------------------------------------

TokenKind = Literal["number", "string", "name", "keyword", "op", "end"]
KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null"})
TWO_CHAR_OPS = ("<=", ">=", "==", "!=")
ONE_CHAR_OPS = frozenset("<>+-*/(),.")
MISTAKES = {
    "=": "use '==' to compare",
    "!": "use 'not' (or '!=' to compare)",
    "&": "use 'and'",
    "|": "use 'or'",
    "'": "strings use double quotes",
    "[": 'rules cannot index lists; use level("name") for a price level',
    "%": "there is no '%' operator",
    "_": "names cannot start with '_'",
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    """One token of a rule: its kind, its text and its 0-based position."""

    kind: TokenKind
    text: str
    pos: int
    value: float | int | str | None = None


def _string(source: str, start: int) -> tuple[str, int]:
    """The string literal opening at `start`; returns its value and the index after it."""
    chars: list[str] = []
    index = start + 1
    while index < len(source):
        char = source[index]
        if char == '"':
            return "".join(chars), index + 1
        if char == "\\":
            following = source[index + 1 : index + 2]
            if following not in ('"', "\\"):
                raise RuleError('only \\" and \\\\ may follow a backslash', source, index)
            chars.append(following)
            index += 2
            continue
        if char in "\r\n":
            break
        chars.append(char)
        index += 1
    raise RuleError("string is not closed with '\"'", source, start)


def tokenize(source: str) -> list[Token]:
    """The tokens of `source`, ending with an `end` token."""
    if len(source) > MAX_RULE_LENGTH:
        raise RuleError(f"rule is longer than {MAX_RULE_LENGTH} characters", source, 0)
    tokens: list[Token] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char in " \t\r\n":
            index += 1
            continue
        if char.isdigit():
            match = _NUMBER.match(source, index)
            assert match is not None
            end = match.end()
            if end < len(source) and (source[end].isalnum() or source[end] in "_."):
                bad = re.match(r"[\w.]+", source[index:])
                text = bad.group(0) if bad else source[index : end + 1]
                raise RuleError(f"'{text}' is not a number", source, index)
            text = match.group(0)
            value: float | int = float(text) if "." in text else int(text)
            tokens.append(Token("number", text, index, value))
            index = end
            continue
        if char == "." and source[index + 1 : index + 2].isdigit():
            raise RuleError("write 0.5, not .5", source, index)
        if char.isalpha() and char.isascii():
            match = _NAME.match(source, index)
            assert match is not None
            text = match.group(0)
            tokens.append(Token("keyword" if text in KEYWORDS else "name", text, index, text))
            index = match.end()
            continue
        if char == '"':
            text_value, end = _string(source, index)
            tokens.append(Token("string", source[index:end], index, text_value))
            index = end
            continue
        pair = source[index : index + 2]
        if pair in TWO_CHAR_OPS:
            tokens.append(Token("op", pair, index))
            index += 2
            continue
        if pair in ("&&", "||"):
            raise RuleError(MISTAKES[char], source, index)
        if char in ONE_CHAR_OPS:
            tokens.append(Token("op", char, index))
            index += 1
            continue
        hint = MISTAKES.get(char)
        raise RuleError(
            f"unexpected character {char!r}" + (f"; {hint}" if hint else ""), source, index
        )
    tokens.append(Token("end", "", len(source)))
    return tokens


# -- the syntax tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A number literal."""

    value: float | int
    pos: int


@dataclass(frozen=True)
class Str:
    """A string literal."""

    value: str
    pos: int


@dataclass(frozen=True)
class Bool:
    """`true` or `false`."""

    value: bool
    pos: int


@dataclass(frozen=True)
class Null:
    """`null`: missing data, only to compare with (`x == null`)."""

    pos: int


@dataclass(frozen=True)
class Name:
    """A top-level Snapshot field (`price`, `rsi`, `as_of`, ...)."""

    name: str
    pos: int


@dataclass(frozen=True)
class Attr:
    """A field of the value on its left (`price.last`, `level("x").value`)."""

    obj: Node
    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    """A call of one of FUNCTIONS."""

    name: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Unary:
    """`-x` or `not x`."""

    op: str
    operand: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    """An arithmetic, comparison or logical operation."""

    op: str
    left: Node
    right: Node
    pos: int


Node = Num | Str | Bool | Null | Name | Attr | Call | Unary | Binary


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node inside it, depth first, left to right (a node before its
    parts): what a reader of a rule's names or `level("...")` calls iterates."""
    yield node
    if isinstance(node, Attr):
        yield from walk(node.obj)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)


LEVEL_SECTION = "price"
"""The section that lists the levels `level("...")` reads."""


def roots_read(node: Node) -> Iterator[str]:
    """The top-level names a parsed expression reads: section keys (`price` for
    `price.last`, and for `level(...)`, which reads the price section's levels) and
    envelope fields (`as_of`); what a history must hold to evaluate it."""
    for part in walk(node):
        if isinstance(part, Name):
            yield part.name
        elif isinstance(part, Call) and part.name == "level":
            yield LEVEL_SECTION


COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
ARITHMETIC = frozenset({"+", "-", "*", "/"})
BINDING = {
    "or": 10,
    "and": 20,
    **dict.fromkeys(COMPARISONS, 40),
    "+": 50,
    "-": 50,
    "*": 60,
    "/": 60,
}
"""Binding power of each binary operator (higher binds tighter)."""
NOT_POWER = 30
NEGATE_POWER = 70


class _Parser:
    """Pratt parser over the tokens of one rule."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def error(self, message: str, token: Token) -> RuleError:
        return RuleError(message, self.source, token.pos)

    def describe(self, token: Token) -> str:
        return "the end of the rule" if token.kind == "end" else f"'{token.text}'"

    def expect(self, text: str, context: str) -> Token:
        token = self.peek()
        if token.kind in ("op", "keyword") and token.text == text:
            return self.advance()
        raise self.error(f"expected '{text}' {context}, found {self.describe(token)}", token)

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise self.error(self._unexpected(token), token)
        return node

    def _unexpected(self, token: Token) -> str:
        previous = self.tokens[self.index - 1] if self.index else None
        if token.text == "," and previous is not None and previous.kind == "number":
            return "unexpected ','; write numbers without separators (7000, not 7,000)"
        if token.kind in ("name", "number", "string") or token.text in ("(", "not"):
            return f"unexpected {self.describe(token)}; an operator is missing before it"
        return f"unexpected {self.describe(token)}"

    def expression(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("rule is nested too deeply", self.peek())
        left = self.prefix()
        compared = False
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == ".":
                self.advance()
                name = self.advance()
                if name.kind not in ("name", "keyword"):
                    raise self.error(
                        f"expected a field name after '.', found {self.describe(name)}", name
                    )
                left = Attr(left, name.text, name.pos)
                continue
            if token.kind == "op" and token.text == "(":
                raise self.error("only functions can be called", token)
            power = BINDING.get(token.text) if token.kind in ("op", "keyword") else None
            if power is None or power <= min_power:
                break
            if token.text in COMPARISONS:
                if compared:
                    raise self.error("comparisons cannot be chained; join them with 'and'", token)
                compared = True
            self.advance()
            right = self.expression(power)
            left = Binary(token.text, left, right, token.pos)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            assert isinstance(token.value, int | float)
            return Num(token.value, token.pos)
        if token.kind == "string":
            assert isinstance(token.value, str)
            return Str(token.value, token.pos)
        if token.kind == "keyword":
            if token.text in ("true", "false"):
                return Bool(token.text == "true", token.pos)
            if token.text == "null":
                return Null(token.pos)
            if token.text == "not":
                return Unary("not", self.expression(NOT_POWER), token.pos)
        if token.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                return self.call(token)
            return Name(token.text, token.pos)
        if token.kind == "op" and token.text == "-":
            return Unary("-", self.expression(NEGATE_POWER), token.pos)
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")", "to close the '('")
            return inner
        raise self.error(f"expected a value, found {self.describe(token)}", token)

    def call(self, name: Token) -> Call:
        self.advance()  # the "("
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                args.append(self.expression(0))
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.advance()
                    continue
                break
        self.expect(")", f"to close the call of {name.text}()")
        return Call(name.text, tuple(args), name.pos)


def parse(source: str) -> Node:
    """The syntax tree of `source`; RuleError when it is not a valid rule."""
    if not source.strip():
        raise RuleError("the rule is empty", source, 0)
    return _Parser(source).parse()


# -- static types ---------------------------------------------------------------------

TypeKind = Literal["number", "string", "bool", "date", "datetime", "model", "list", "null", "other"]


@dataclass(frozen=True)
class RType:
    """The static type of an expression. Every reading may also be missing at run
    time; `choices` lists a Literal string field's possible values."""

    kind: TypeKind
    choices: frozenset[str] | None = None
    model: type[BaseModel] | None = None

    SCALARS: ClassVar[frozenset[str]] = frozenset({"number", "string", "bool", "date", "datetime"})

    @property
    def scalar(self) -> bool:
        """A value a rule can compare or show."""
        return self.kind in self.SCALARS

    def describe(self) -> str:
        """In words, for error messages."""
        if self.kind == "model":
            return "a group of fields"
        if self.kind == "list":
            return "a list"
        if self.kind == "null":
            return "null"
        if self.kind == "bool":
            return "true/false"
        if self.kind == "string" and self.choices:
            return "one of " + ", ".join(f'"{choice}"' for choice in sorted(self.choices))
        return {"number": "a number", "string": "text", "date": "a date"}.get(
            self.kind, "a date and time" if self.kind == "datetime" else "an unsupported value"
        )


NUMBER = RType("number")
STRING = RType("string")
BOOL = RType("bool")
NULL = RType("null")
LEVEL = RType("model", model=Level)


def type_of_annotation(annotation: Any) -> RType:
    """The static type of a pydantic field annotation (Optional stripped)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [type_of_annotation(arg) for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
        if members and all(member.kind == "number" for member in members):
            return NUMBER
        if members and all(member.kind == "string" for member in members):
            if all(member.choices for member in members):
                return RType("string", frozenset().union(*(m.choices or () for m in members)))
            return STRING
        return RType("other")
    if origin is Literal:
        values = get_args(annotation)
        if all(isinstance(value, str) for value in values):
            return RType("string", frozenset(values))
        if all(isinstance(value, bool) for value in values):
            return BOOL
        if all(isinstance(value, int | float) for value in values):
            return NUMBER
        return RType("other")
    if origin in (tuple, list, set, frozenset, dict) or annotation in (tuple, list, dict):
        return RType("list")
    if annotation is bool:
        return BOOL
    if annotation in (int, float):
        return NUMBER
    if annotation is str:
        return STRING
    if annotation is datetime:
        return RType("datetime")
    if annotation is date:
        return RType("date")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return RType("model", model=annotation)
    return RType("other")


def start_of(node: Node) -> int:
    """Where the text of `node` begins (its leftmost token)."""
    if isinstance(node, Attr):
        return start_of(node.obj)
    if isinstance(node, Binary):
        return start_of(node.left)
    return node.pos


def path_of(node: Node) -> str:
    """The text of a field path or call, for messages: `price.td.setup_count`."""
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Attr):
        return f"{path_of(node.obj)}.{node.name}"
    if isinstance(node, Call):
        if node.name == "level" and node.args and isinstance(node.args[0], Str):
            return f'level("{node.args[0].value}")'
        return f"{node.name}(...)"
    return "the value"


def _fields_hint(model: type[BaseModel], path: str) -> str:
    """Did-you-mean for a misspelt field, else the fields there are."""
    parent, _, name = path.rpartition(".")
    fields = list(model.model_fields)
    close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{parent + '.' if parent else ''}{close[0]}'?"
    where = parent or "the Snapshot"
    return f"{where} has " + ", ".join(fields)


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the language: its arity and a one-line signature for help."""

    arity: tuple[int, int]
    signature: str


FUNCTIONS: dict[str, FunctionSpec] = {
    "level": FunctionSpec((1, 1), 'level("name"): the price level with that name'),
    "abs": FunctionSpec((1, 1), "abs(x): absolute value"),
    "min": FunctionSpec((2, 2), "min(a, b): the smaller number"),
    "max": FunctionSpec((2, 2), "max(a, b): the larger number"),
    "default": FunctionSpec((2, 2), "default(x, fallback): x, or fallback when x is missing"),
    "given": FunctionSpec((2, 2), "given(x, y): y, but unknown when x is missing"),
    "fmt": FunctionSpec((2, 2), 'fmt(x, "+.1f"): a number as text'),
}


class _Checker:
    """Static checks of a tree against the Snapshot schema."""

    def __init__(self, source: str, model: type[Snapshot] | None = None) -> None:
        self.source = source
        self.model = model if model is not None else builtin().snapshot_model

    def error(self, message: str, node: Node, *, at_start: bool = False) -> RuleError:
        position = start_of(node) if at_start else node.pos
        return RuleError(message, self.source, position)

    def check(self, node: Node) -> RType:
        if isinstance(node, Num):
            return NUMBER
        if isinstance(node, Str):
            return STRING
        if isinstance(node, Bool):
            return BOOL
        if isinstance(node, Null):
            return NULL
        if isinstance(node, Name):
            return self.field(self.model, node.name, node, node.name)
        if isinstance(node, Attr):
            owner = self.check(node.obj)
            if owner.kind != "model" or owner.model is None:
                raise self.error(
                    f"{path_of(node.obj)} is {owner.describe()}; it has no field '{node.name}'",
                    node,
                )
            return self.field(owner.model, node.name, node, path_of(node))
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            operand = self.check(node.operand)
            if node.op == "not":
                self.want(operand, BOOL, node.operand, "'not' needs true/false")
                return BOOL
            self.want(operand, NUMBER, node.operand, "'-' needs a number")
            return NUMBER
        return self.binary(node)

    def field(self, model: type[BaseModel], name: str, node: Node, path: str) -> RType:
        info = model.model_fields.get(name)
        if info is None:
            raise self.error(f"unknown field '{path}' ({_fields_hint(model, path)})", node)
        return type_of_annotation(info.annotation)

    def usable(self, kind: RType, node: Node) -> None:
        """Refuse groups and lists where a value is needed, saying what to write."""
        if kind.kind == "model" and kind.model is not None:
            if kind.model is Level:
                raise self.error(
                    f"{path_of(node)} is a level; use .value, .distance_pct or .upper",
                    node,
                    at_start=True,
                )
            fields = ", ".join(kind.model.model_fields)
            raise self.error(
                f"{path_of(node)} is a group of fields ({fields}); name one", node, at_start=True
            )
        if kind.kind == "list":
            raise self.error(
                f"{path_of(node)} is a list; rules cannot index lists"
                ' (use level("name") for a price level)',
                node,
                at_start=True,
            )
        if kind.kind == "other":
            raise self.error(f"{path_of(node)} cannot be used in a rule", node, at_start=True)

    def want(self, kind: RType, wanted: RType, node: Node, message: str) -> None:
        self.usable(kind, node)
        if kind.kind != wanted.kind:
            raise self.error(
                f"{message}; {path_of_or_literal(node)} is {kind.describe()}",
                node,
                at_start=True,
            )

    def call(self, node: Call) -> RType:
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            names = ", ".join(FUNCTIONS)
            raise self.error(f"unknown function '{node.name}' (functions: {names})", node)
        low, high = spec.arity
        if not low <= len(node.args) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            plural = "" if high == 1 else "s"
            raise self.error(
                f"{node.name}() takes {count} argument{plural}, not {len(node.args)}", node
            )
        args = node.args
        if node.name == "level":
            if not isinstance(args[0], Str):
                raise self.error(
                    'level() takes the level\'s name in double quotes: level("6,992 pivot")',
                    args[0],
                    at_start=True,
                )
            return LEVEL
        if node.name in ("abs", "min", "max"):
            for arg in args:
                self.want(self.check(arg), NUMBER, arg, f"{node.name}() needs numbers")
            return NUMBER
        if node.name == "fmt":
            self.want(self.check(args[0]), NUMBER, args[0], "fmt() formats a number")
            if not isinstance(args[1], Str) or not spec_ok(args[1].value):
                raise self.error(
                    'fmt() takes a number format in double quotes, e.g. fmt(x, "+.1f")', args[1]
                )
            return STRING
        if node.name == "given":
            first = self.check(args[0])
            if first.kind in ("list", "other", "null"):
                self.usable(first, args[0])
                raise self.error("given() needs a reading as its first argument", args[0])
            second = self.check(args[1])
            self.usable(second, args[1])
            return second
        # default(x, fallback)
        first, second = self.check(args[0]), self.check(args[1])
        self.usable(first, args[0])
        self.usable(second, args[1])
        if first.kind != second.kind:
            raise self.error(
                f"default() needs a fallback of the same kind: {path_of_or_literal(args[0])}"
                f" is {first.describe()}, the fallback {second.describe()}",
                args[1],
            )
        if first.kind == "string" and first.choices is not None:
            # default(kind, "none") == "bearish" still checks the literal against the
            # field's values, with the fallback as one more.
            if isinstance(args[1], Str):
                return RType("string", first.choices | {args[1].value})
            if second.choices is not None:
                return RType("string", first.choices | second.choices)
            return STRING
        return first

    def binary(self, node: Binary) -> RType:
        left, right = self.check(node.left), self.check(node.right)
        op = node.op
        if op in ("and", "or"):
            self.want(left, BOOL, node.left, f"'{op}' needs true/false on both sides")
            self.want(right, BOOL, node.right, f"'{op}' needs true/false on both sides")
            return BOOL
        if op in ("==", "!="):
            if left.kind == "null" or right.kind == "null":
                other, other_node = (
                    (right, node.right) if left.kind == "null" else (left, node.left)
                )
                if other.kind == "null":
                    raise self.error("comparing null with null", node)
                if other.kind == "model" and other.model is not Level:
                    self.usable(other, other_node)
                if other.kind in ("list", "other"):
                    self.usable(other, other_node)
                return BOOL
            self.usable(left, node.left)
            self.usable(right, node.right)
            self.same_kind(left, right, node)
            self.literal_in_choices(left, right, node)
            return BOOL
        if op in COMPARISONS:
            self.usable(left, node.left)
            self.usable(right, node.right)
            if left.kind not in ("number", "date", "datetime"):
                raise self.error(
                    f"'{op}' compares numbers or dates; {path_of_or_literal(node.left)}"
                    f" is {left.describe()}",
                    node,
                )
            self.same_kind(left, right, node)
            return BOOL
        # arithmetic
        if op == "+" and left.kind == "string" and right.kind == "string":
            return STRING
        self.want(left, NUMBER, node.left, f"'{op}' needs numbers")
        self.want(right, NUMBER, node.right, f"'{op}' needs numbers")
        return NUMBER

    def same_kind(self, left: RType, right: RType, node: Binary) -> None:
        if left.kind != right.kind:
            raise self.error(
                f"cannot compare {path_of_or_literal(node.left)} ({left.describe()})"
                f" with {path_of_or_literal(node.right)} ({right.describe()})",
                node,
            )

    def literal_in_choices(self, left: RType, right: RType, node: Binary) -> None:
        for field, field_node, literal in (
            (left, node.left, node.right),
            (right, node.right, node.left),
        ):
            if (
                isinstance(literal, Str)
                and not isinstance(field_node, Str)
                and field.choices
                and literal.value not in field.choices
            ):
                options = ", ".join(f'"{choice}"' for choice in sorted(field.choices))
                raise self.error(
                    f'"{literal.value}" is never a value of {path_of(field_node)}'
                    f" (it is one of {options}, or null)",
                    literal,
                )


def path_of_or_literal(node: Node) -> str:
    """A node as the user wrote it, near enough for a message."""
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Str):
        return f'"{node.value}"'
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Null):
        return "null"
    if isinstance(node, Name | Attr | Call):
        return path_of(node)
    return "the expression"


# -- tables: what rules are evaluated on ----------------------------------------------

LEVELS = "price.levels"
"""The list `level()` searches, as its columns are named: `price.levels[EMA 50].value`."""
_LEVEL_COLUMN = re.compile(re.escape(LEVELS) + r"\[([^\]]+)\]\.")
USER_KINDS = ("user", "range")
"""Level kinds that win over a derived level of the same name."""


class _Joined(Mapping[str, Any]):
    """The columns of several frames, each read on the rows of `index` (reindexed, so
    a row a frame lacks is missing there, never carried forward from an earlier one)."""

    def __init__(self, frames: Iterable[pd.DataFrame], index: pd.Index) -> None:
        self._frames = {str(column): frame for frame in frames for column in frame.columns}
        self._index = index

    def __getitem__(self, name: str) -> Any:
        column = self._frames[name][name]
        return column if column.index.equals(self._index) else column.reindex(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._frames  # without reading the column

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


class Table:
    """`rows` rows of readings as columns named as `core.columns` names them
    (`price.last`, `price.levels[EMA 50].value`, `price.status.state`): what a rule is
    evaluated on. A column is anything numpy reads as `rows` values (a pandas Series,
    an array, a list), None or NaN where unknown; a column the table lacks is unknown
    on every row. A column is converted to a typed array once, when a rule first reads
    it, so the rules of a checklist share the work."""

    def __init__(self, columns: Mapping[str, Any], rows: int) -> None:
        self.columns = columns
        self.rows = rows
        self._typed: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._levels: tuple[str, ...] | None = None

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Table:
        """The columns of `frame`, one row per row of it."""
        return cls(_Joined([frame], frame.index), len(frame))

    @classmethod
    def joined(cls, frames: Iterable[pd.DataFrame], index: pd.Index) -> Table:
        """The columns of every frame on the rows of `index`; a frame with no row for
        an index entry is unknown there (reindexed, never forward-filled)."""
        return cls(_Joined(frames, index), len(index))

    @classmethod
    def of_snapshot(cls, snapshot: Snapshot) -> Table:
        """`snapshot` as a one-row table (see `row_of`)."""
        return cls({name: [value] for name, value in row_of(snapshot).items()}, 1)

    def read(self, name: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Column `name` as values of the static type `kind` (an RType kind: numbers
        as float64, true/false as bool, text, dates and times as objects, None where
        unknown), with the rows where it is known."""
        key = (name, kind)
        typed = self._typed.get(key)
        if typed is None:
            raw = self.columns.get(name)
            typed = _empty(kind, self.rows) if raw is None else _typed(raw, kind, self.rows)
            self._typed[key] = typed
        return typed

    def level_names(self) -> tuple[str, ...]:
        """The names of the price levels the table has columns for, in column order."""
        if self._levels is None:
            found = (_LEVEL_COLUMN.match(name) for name in self.columns)
            self._levels = tuple(dict.fromkeys(match[1] for match in found if match))
        return self._levels


def _empty(kind: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A column unknown on every row."""
    unknown = np.zeros(rows, dtype=bool)
    if kind == "number":
        return np.full(rows, np.nan), unknown
    if kind == "bool":
        return np.zeros(rows, dtype=bool), unknown
    return np.full(rows, None, dtype=object), unknown


def _array(raw: Any, dtype: Any) -> np.ndarray:
    """`raw` as an array of `dtype` (not copied when it already is one: columns are
    never written to). None and NaN are left to the caller; pandas' own missing value
    (pd.NA, in a nullable column) becomes NaN for numbers, else None."""
    to_numpy = getattr(raw, "to_numpy", None)
    if to_numpy is not None and not isinstance(raw.dtype, np.dtype):
        array: np.ndarray = to_numpy(dtype=dtype, na_value=np.nan if dtype is float else None)
        return array
    return np.asarray(raw, dtype=dtype)


def _typed(raw: Any, kind: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A raw column as values of `kind` and the rows where it is known (see Table.read)."""
    if kind == "number":
        numbers = _array(raw, float)
        return numbers, ~np.isnan(numbers)
    if kind == "date" and np.asarray(raw).dtype.kind == "M":
        raw = np.asarray(raw).astype("datetime64[D]").astype(object)  # NaT becomes None
    objects = _array(raw, object)
    # NaN stands for a missing value in an object column too (a frame reindexed).
    known = np.not_equal(objects, cast(Any, None)) & np.equal(objects, objects)
    if kind == "bool":
        flags = np.zeros(rows, dtype=bool)
        flags[known] = objects[known].astype(bool)
        return flags, known
    return _masked(objects, known), known


def _masked(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """`values` as objects, None where not `known`."""
    masked = np.full(len(known), None, dtype=object)
    masked[known] = values[known]
    return masked


def row_of(snapshot: Snapshot) -> dict[str, Any]:
    """`snapshot` as one row of columns: the envelope (`as_of`, `source.kind`,
    `market.phase`, ...) and every section's readings with its freshness
    (`price.last`, `price.status.state`), named as `core.columns` names them. A price
    level's columns carry its name (`price.levels[EMA 50].value`): the price section
    holds one level per name (`core.signals.price.key_level_columns`)."""
    row: dict[str, Any] = {}
    for name in type(snapshot).model_fields:
        value = getattr(snapshot, name)
        if isinstance(value, BaseModel):
            row.update(flatten(value, name, status=True))
        else:
            row[name] = value
    return row


# -- evaluation over columns ----------------------------------------------------------

Reason = tuple["np.ndarray", "str | np.ndarray"]
"""Why some rows are unknown: those rows, and the text (one for all, or one per row)."""


@dataclass(frozen=True)
class _Column:
    """An expression's value on every row: `values` (float64 for numbers, bool for
    true/false, objects for text, dates, times; None for a group of fields), the rows
    where it is `known`, for numbers the rows holding a `whole` number (a Python int
    in a one-row Outcome, as the Snapshot holds it), the `reasons` for the unknown
    rows (when asked), and for a group of fields how to read them."""

    kind: Literal["number", "bool", "object", "group"]
    values: Any
    known: np.ndarray
    whole: Any = None
    reasons: tuple[Reason, ...] = ()
    group: _Fields | _Levels | None = None


def _only(reasons: tuple[Reason, ...], rows: np.ndarray) -> tuple[Reason, ...]:
    """`reasons` restricted to `rows`."""
    kept = ((mask & rows, text) for mask, text in reasons)
    return tuple((mask, text) for mask, text in kept if mask.any())


def _within(outer: _Column, inner: _Column) -> _Column:
    """`inner` on the rows where `outer` is known; unknown elsewhere, for `outer`'s
    reasons (a field of a missing group, `given(x, y)` where x is missing)."""
    return replace(
        inner,
        known=outer.known & inner.known,
        reasons=outer.reasons + _only(inner.reasons, outer.known),
    )


def _signless(values: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """`values` with no negative zero on whole rows: an int has no sign of zero, and
    `-0 * -1.0` must be -0.0 as in Python, not 0.0."""
    result: np.ndarray = np.where(whole, values + 0.0, values)
    return result


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class _Fields:
    """A group of fields read from the table's columns under `path` (the Snapshot's
    own fields when empty), typed by `model`."""

    path: str
    model: type[BaseModel]

    def read(self, run: _Evaluator, name: str, node: Name | Attr) -> _Column:
        annotation = self.model.model_fields[name].annotation
        path = f"{self.path}.{name}" if self.path else name
        found = type_of_annotation(annotation)
        if found.kind == "model":
            assert found.model is not None
            # Only an optional group has a column of its own: None where it is missing.
            known = run.table.read(path, "other")[1] if path in run.table.columns else run.every
            return _Column(
                "group",
                None,
                known,
                reasons=run.missing(node, ~known),
                group=_Fields(path, found.model),
            )
        values, known = run.table.read(path, found.kind)
        reasons = run.missing(node, ~known)
        if found.kind == "number":
            whole = known & is_int(annotation)
            return _Column("number", _signless(values, whole), known, whole, reasons)
        return _Column("bool" if found.kind == "bool" else "object", values, known, None, reasons)


@dataclass(frozen=True)
class _Levels:
    """The level `level("...")` finds on each row: `names` are the table's levels of
    that name (case and dashes aside), `choice` the one found per row (-1: none)."""

    names: tuple[str, ...]
    choice: np.ndarray

    def field(self, run: _Evaluator, name: str) -> tuple[np.ndarray, np.ndarray]:
        """One field of the level found on each row, with the rows where it is known."""
        found = self.choice >= 0
        if name == "name":
            names = np.array((*self.names, None), dtype=object)
            return names[self.choice], found  # choice -1 picks the None
        kind = type_of_annotation(Level.model_fields[name].annotation).kind
        if not self.names:
            return _empty(kind, run.table.rows)
        columns = [run.table.read(f"{LEVELS}[{level}].{name}", kind) for level in self.names]
        pick, rows = np.maximum(self.choice, 0), np.arange(run.table.rows)
        values = np.stack([values for values, _ in columns])[pick, rows]
        known = np.stack([known for _, known in columns])[pick, rows] & found
        return values, known

    def read(self, run: _Evaluator, name: str, node: Name | Attr) -> _Column:
        values, known = self.field(run, name)
        reasons: tuple[Reason, ...] = ()
        lacking = (self.choice >= 0) & ~known
        if run.explain and lacking.any():
            path = path_of(node)
            texts = [f"{path} is unknown (level {level!r} has none)" for level in self.names]
            reasons = ((lacking, np.array(texts, dtype=object)[np.maximum(self.choice, 0)]),)
        kind = type_of_annotation(Level.model_fields[name].annotation).kind
        if kind == "number":
            return _Column("number", values, known, np.zeros_like(known), reasons)
        return _Column("object", values, known, None, reasons)

    def objects(self, run: _Evaluator) -> np.ndarray:
        """The Level found on each row (None where none is)."""
        fields: dict[str, tuple[list[Any], np.ndarray]] = {}
        for name in Level.model_fields:
            values, known = self.field(run, name)
            fields[name] = (values.tolist(), known)
        levels = np.full(run.table.rows, None, dtype=object)
        for row in np.flatnonzero(self.choice >= 0).tolist():
            present = {name: values[row] for name, (values, known) in fields.items() if known[row]}
            levels[row] = Level(**present)
        return levels


class _Evaluator:
    """Evaluates a checked tree over every row of a table at once: each node gives a
    `_Column` (values and a known mask; Kleene logic on the masks), and, when
    `explain`, the reasons for its unknown rows."""

    def __init__(self, table: Table, model: type[BaseModel], explain: bool) -> None:
        self.table = table
        self.explain = explain
        self.root = _Fields("", model)
        self.every = np.ones(table.rows, dtype=bool)

    def run(self, node: Node) -> _Column:
        if isinstance(node, Num):
            return self.number(node.value)
        if isinstance(node, Str):
            return _Column("object", self.constant(node.value, object), self.every)
        if isinstance(node, Bool):
            return _Column("bool", self.constant(node.value, bool), self.every)
        if isinstance(node, Null):
            return _Column("object", self.constant(None, object), ~self.every)
        if isinstance(node, Name):
            return self.root.read(self, node.name, node)
        if isinstance(node, Attr):
            owner = self.run(node.obj)
            assert owner.group is not None  # the checker allows fields of groups only
            return _within(owner, owner.group.read(self, node.name, node))
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            operand = self.run(node.operand)
            if node.op == "not":
                return replace(operand, values=~operand.values)
            return replace(operand, values=_signless(-operand.values, operand.whole))
        return self.binary(node)

    def constant(self, value: Any, dtype: Any) -> np.ndarray:
        """`value` on every row, as a read-only view: a literal costs nothing per row."""
        return np.broadcast_to(np.array(value, dtype=dtype), (self.table.rows,))

    def number(self, value: float | int) -> _Column:
        try:
            number = float(value)
        except OverflowError:  # an int literal beyond any float
            number = math.copysign(math.inf, value)
        whole = self.constant(isinstance(value, int), bool)
        return _Column("number", self.constant(number, float), self.every, whole)

    def missing(self, node: Name | Attr, rows: np.ndarray) -> tuple[Reason, ...]:
        """Why `node` is unknown on `rows`: its path, and its panel's error where the
        panel failed (the table's `<section>.status.*` columns, a live Snapshot's)."""
        if not self.explain or not rows.any():
            return ()
        path = path_of(node)
        text = f"{path} is unknown"
        head = path.split(".", 1)[0]
        if f"{head}.status.state" in self.table.columns:
            state, _ = self.table.read(f"{head}.status.state", "string")
            detail, described = self.table.read(f"{head}.status.detail", "string")
            failed = rows & (state == "ERROR") & described & (detail != "")
            if failed.any():
                texts = np.full(self.table.rows, text, dtype=object)
                texts[failed] = [f"{text} ({why})" for why in detail[failed]]
                return ((rows, texts),)
        return ((rows, text),)

    def call(self, node: Call) -> _Column:
        if node.name == "level":
            return self.level(node)
        args = [self.run(arg) for arg in node.args]
        if node.name == "given":
            return _within(args[0], args[1])
        if node.name == "default":
            value, fallback = args
            return _Column(
                value.kind,
                np.where(value.known, value.values, fallback.values),
                value.known | fallback.known,
                None if value.whole is None else np.where(value.known, value.whole, fallback.whole),
                _only(value.reasons, ~fallback.known) + _only(fallback.reasons, ~value.known),
            )
        first = args[0]
        known = np.logical_and.reduce([arg.known for arg in args])
        reasons = tuple(reason for arg in args for reason in arg.reasons)
        if node.name == "abs":
            return _Column("number", np.abs(first.values), known, first.whole, reasons)
        if node.name in ("min", "max"):
            second = args[1]
            # Python's min(a, b) is b only when b < a, so a tie keeps a (and its type).
            compare = operator.lt if node.name == "min" else operator.gt
            with np.errstate(invalid="ignore"):
                take = compare(second.values, first.values)
            values = np.where(take, second.values, first.values)
            return _Column(
                "number", values, known, np.where(take, second.whole, first.whole), reasons
            )
        # fmt(x, "spec"): the checker made the spec a string literal
        spec = node.args[1]
        assert isinstance(spec, Str)
        texts = np.full(self.table.rows, None, dtype=object)
        rows = np.flatnonzero(known)
        texts[rows] = [with_spec(number, spec.value) for number in _numbers(first, rows)]
        return _Column("object", texts, known, None, reasons)

    def level(self, node: Call) -> _Column:
        wanted = node.args[0]
        assert isinstance(wanted, Str)
        target = level_key(wanted.value)
        names = tuple(name for name in self.table.level_names() if level_key(name) == target)
        choice = np.full(self.table.rows, -1)
        if names:
            read = self.table.read
            kinds = np.stack([read(f"{LEVELS}[{name}].kind", "string")[0] for name in names])
            present = np.stack(
                [
                    read(f"{LEVELS}[{name}].kind", "string")[1]
                    | read(f"{LEVELS}[{name}].value", "number")[1]
                    for name in names
                ]
            )
            mine = present & ((kinds == USER_KINDS[0]) | (kinds == USER_KINDS[1]))
            first_present = np.where(present.any(axis=0), present.argmax(axis=0), -1)
            choice = np.where(mine.any(axis=0), mine.argmax(axis=0), first_present)
        found = choice >= 0
        reasons: tuple[Reason, ...] = ()
        if self.explain:
            _, priced = self.table.read("price.last", "number")
            reasons = _only(
                (
                    (~priced, "price.last is unknown"),  # no price, no levels
                    (priced, f"no level named {wanted.value!r} ({LEVEL_HINT})"),
                ),
                ~found,
            )
        return _Column("group", None, found, reasons=reasons, group=_Levels(names, choice))

    def binary(self, node: Binary) -> _Column:
        op = node.op
        left, right = self.run(node.left), self.run(node.right)
        if op in ("and", "or"):
            return _kleene(op, left, right)
        if op in ("==", "!=") and (isinstance(node.left, Null) or isinstance(node.right, Null)):
            other = right if isinstance(node.left, Null) else left
            present = other.known if op == "!=" else ~other.known
            return _Column("bool", present, self.every)
        both = left.known & right.known
        reasons = left.reasons + right.reasons
        if op in COMPARISONS:
            if left.kind == "object":  # text, dates: Python's comparison, where both are known
                result = np.zeros(self.table.rows, dtype=bool)
                result[both] = _COMPARE[op](left.values[both], right.values[both])
            else:
                with np.errstate(invalid="ignore"):
                    result = _COMPARE[op](left.values, right.values) & both
            return _Column("bool", result, both, None, reasons)
        if left.kind == "object":  # text + text
            joined = np.full(self.table.rows, None, dtype=object)
            joined[both] = left.values[both] + right.values[both]
            return _Column("object", joined, both, None, reasons)
        return self.arithmetic(node, left, right, both, reasons)

    def arithmetic(
        self,
        node: Binary,
        left: _Column,
        right: _Column,
        both: np.ndarray,
        reasons: tuple[Reason, ...],
    ) -> _Column:
        a, b = left.values, right.values
        zero = np.zeros(self.table.rows, dtype=bool)
        whole = left.whole & right.whole
        with np.errstate(all="ignore"):
            if node.op == "+":
                result = a + b
            elif node.op == "-":
                result = a - b
            elif node.op == "*":
                result = a * b
            else:
                zero = both & (b == 0)
                whole = np.zeros(self.table.rows, dtype=bool)  # a quotient is a float
                result = a / b
        result = _signless(result, whole)
        # A whole result beyond float range is lost too (Python's ints are unbounded).
        infinite = both & ~zero & ~np.isfinite(result)
        known = both & ~zero & ~infinite
        if self.explain:
            at = f"at column {node.pos + 1}"
            reasons += _only(
                ((zero, f"division by zero {at}"), (infinite, f"no finite result {at}")), both
            )
        return _Column("number", result, known, whole & known, reasons)

    def python(self, column: _Column) -> list[Any]:
        """The value on each row as the Snapshot holds it (int, float, bool, str, date,
        Level), None where unknown."""
        if column.kind == "group":
            assert isinstance(column.group, _Levels)  # the checker shows no other group
            levels: list[Any] = _masked(column.group.objects(self), column.known).tolist()
            return levels
        values = [None] * self.table.rows
        rows = np.flatnonzero(column.known)
        present = (
            _numbers(column, rows) if column.kind == "number" else column.values[rows].tolist()
        )
        for row, value in zip(rows.tolist(), present, strict=True):
            values[row] = value
        return values


def _kleene(op: str, left: _Column, right: _Column) -> _Column:
    """`and` / `or` on three values: false decides `and` and true decides `or`, even
    when the other side is unknown."""
    true_left, true_right = left.known & left.values, right.known & right.values
    both = left.known & right.known
    if op == "and":
        false_left, false_right = left.known & ~left.values, right.known & ~right.values
        values, known = true_left & true_right, false_left | false_right | both
    else:
        values, known = true_left | true_right, true_left | true_right | both
    return _Column("bool", values, known, None, _only(left.reasons + right.reasons, ~known))


def _numbers(column: _Column, rows: np.ndarray) -> list[float | int]:
    """The numbers on `rows` as Python numbers: an int where whole, else a float."""
    values, whole = column.values[rows].tolist(), column.whole[rows].tolist()
    return [
        int(value) if is_whole else value for value, is_whole in zip(values, whole, strict=True)
    ]


def _reasons_by_row(column: _Column, rows: int) -> list[tuple[str, ...]]:
    """Each row's reasons, in order, without repeats."""
    by_row: list[dict[str, None]] = [{} for _ in range(rows)]
    for mask, text in column.reasons:
        for row in np.flatnonzero(mask).tolist():
            by_row[row][text if isinstance(text, str) else text[row]] = None
    return [tuple(reasons) for reasons in by_row]


@dataclass(frozen=True)
class Outcome:
    """The value of an expression on one row (a Snapshot): `value` None means
    unknown, and then `reasons` says why (what data is missing)."""

    value: Any
    reasons: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether the value is known."""
        return self.value is not None


# -- compiled rules -------------------------------------------------------------------


def reading_of(node: Node) -> Node | None:
    """The first reading (field path or level) in `node`, left to right: what an item
    shows by default (`price.last` in `price.last > level("6,992 pivot").value`)."""
    if isinstance(node, Name | Attr):
        return node
    if isinstance(node, Call):
        if node.name == "level":
            return node
        for arg in node.args:
            found = reading_of(arg)
            if found is not None:
                return found
        return None
    if isinstance(node, Unary):
        return reading_of(node.operand)
    if isinstance(node, Binary):
        return reading_of(node.left) or reading_of(node.right)
    return None


@dataclass(frozen=True)
class Rule:
    """A parsed and checked expression, ready to evaluate on a Snapshot or on every
    row of a table of readings (a history)."""

    source: str
    node: Node
    type: RType
    model: builtins.type[BaseModel]
    """The Snapshot model the rule was checked against: the types of its fields."""

    def evaluate(self, row: Snapshot | Table) -> Outcome:
        """The expression's value on a Snapshot (or on a one-row table made from one,
        `Table.of_snapshot`, to share it between rules): None with reasons when
        unknown."""
        table = row if isinstance(row, Table) else Table.of_snapshot(row)
        return self.outcomes(table)[0]

    def outcomes(self, table: Table) -> list[Outcome]:
        """The expression's value on every row of `table`, with the reasons for each
        unknown one."""
        run = _Evaluator(table, self.model, explain=True)
        column = run.run(self.node)
        reasons = _reasons_by_row(column, table.rows)
        return [
            Outcome(value, () if value is not None else why)
            for value, why in zip(run.python(column), reasons, strict=True)
        ]

    def evaluate_columns(self, table: Table | pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The expression's value on every row of `table` (a Table, or a frame of
        readings), without reasons: the values (bool for a condition, float64 for a
        number, objects otherwise: text, dates, Levels; False, NaN or None where
        unknown) and the rows where they are known."""
        rows = table if isinstance(table, Table) else Table.of_frame(table)
        run = _Evaluator(rows, self.model, explain=False)
        column = run.run(self.node)
        known = column.known
        if column.kind == "group":
            assert isinstance(column.group, _Levels)  # the checker shows no other group
            return _masked(column.group.objects(run), known), known
        if column.kind == "bool":
            return column.values & known, known
        if column.kind == "number":
            return np.where(known, column.values, np.nan), known
        return _masked(column.values, known), known


def compile_rule(
    source: str,
    *,
    kind: Literal["condition", "value"] = "condition",
    model: type[Snapshot] | None = None,
) -> Rule:
    """Parse and check `source` against the Snapshot `model` (default: the built-in
    sections'). A "condition" must be true/false (a checklist rule); a "value" is
    anything an item can show (a number, text, true/false, a date, a level). Raises
    RuleError naming the column and what is wrong."""
    node = parse(source)
    checker = _Checker(source, model)
    found = checker.check(node)
    if kind == "condition":
        if found.kind != "bool":
            checker.usable(found, node)
            raise RuleError(
                f"a rule must be true or false; {path_of_or_literal(node)} is {found.describe()}",
                source,
                start_of(node),
            )
    elif not (found.scalar or (found.kind == "model" and found.model is Level)):
        if found.kind == "null":
            raise RuleError("null cannot be shown", source, node.pos)
        checker.usable(found, node)
    return Rule(source, node, found, checker.model)


def compile_reading(node: Node, source: str) -> Rule:
    """A Rule showing `node`, a sub-tree of the rule `source` (already checked)."""
    checker = _Checker(source)
    return Rule(source, node, checker.check(node), checker.model)
