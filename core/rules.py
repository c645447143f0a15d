"""The rule language of the thesis checklists: a small, safe expression language over
Snapshot fields, read by a hand-written tokenizer and a Pratt (precedence-climbing)
parser into an AST of frozen dataclasses, checked against the Snapshot's pydantic schema
when loaded, then evaluated with three-valued logic. User text is never passed to
`eval`, `exec` or `ast`: names resolve only to declared pydantic fields and to the
functions listed in `FUNCTIONS`. Grammar, loosest binding first: `or`; `and`; `not`;
comparisons `< <= > >= == !=` (not chainable); `+ -`; `* /`; unary `-`; postfix
`.field`; primaries: numbers (`7000`, `6992.5`), double-quoted strings, `true`, `false`,
`null`, field paths (`price.td.setup_count`), calls (`level("6,992 pivot").value`,
`abs(x)`, `min(a, b)`, `max(a, b)`, `default(x, fallback)`, `given(x, y)`,
`fmt(x, "+.1f")`) and parentheses. A missing reading (None) makes arithmetic and
comparisons unknown; `false and unknown` is false, `true or unknown` is true, `not
unknown` is unknown; `x == null` / `x != null` test for missing data and are never
unknown. Every unknown result carries the reasons it is unknown."""

from __future__ import annotations

import difflib
import math
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from core.format import spec_ok, with_spec
from core.section import builtin
from core.sections.price import Level
from core.snapshot import Snapshot

__all__ = [
    "FUNCTIONS",
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
    "Unary",
    "compile_rule",
    "find_level",
    "parse",
    "reading_of",
    "tokenize",
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


# -- evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The value of an expression on a Snapshot: `value` None means unknown, and then
    `reasons` says why (what data is missing)."""

    value: Any
    reasons: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether the value is known."""
        return self.value is not None


def _unknown(*outcomes: Outcome) -> Outcome:
    reasons: list[str] = []
    for outcome in outcomes:
        if outcome.value is None:
            reasons.extend(reason for reason in outcome.reasons if reason not in reasons)
    return Outcome(None, tuple(reasons))


def _normalise(name: str) -> str:
    """Level names compare case-blind, with any dash as '-' and spaces collapsed."""
    return " ".join(name.replace("–", "-").replace("—", "-").casefold().split())


def find_level(snapshot: Snapshot, name: str) -> Level | None:
    """The price level named `name` (the user's own levels win over derived ones of
    the same name)."""
    wanted = _normalise(name)
    matches = [level for level in snapshot.price.levels if _normalise(level.name) == wanted]
    for level in matches:
        if level.kind in ("user", "range"):
            return level
    return matches[0] if matches else None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
}


class _Evaluator:
    """Evaluates a checked tree on one Snapshot."""

    def __init__(self, snapshot: Snapshot, source: str) -> None:
        self.snapshot = snapshot
        self.source = source

    def run(self, node: Node) -> Outcome:
        if isinstance(node, Num | Str | Bool):
            return Outcome(node.value)
        if isinstance(node, Null):
            return Outcome(None)
        if isinstance(node, Name):
            return self.read(self.snapshot, node)
        if isinstance(node, Attr):
            owner = self.run(node.obj)
            if owner.value is None:
                return owner
            return self.read(owner.value, node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            operand = self.run(node.operand)
            if operand.value is None:
                return operand
            if node.op == "not":
                return Outcome(not operand.value)
            return Outcome(-operand.value)
        return self.binary(node)

    def read(self, owner: Any, node: Name | Attr) -> Outcome:
        value = getattr(owner, node.name)
        if value is not None:
            return Outcome(value)
        if isinstance(owner, Level):
            return Outcome(None, (f"{path_of(node)} is unknown (level {owner.name!r} has none)",))
        return Outcome(None, (self.missing(node),))

    def missing(self, node: Name | Attr) -> str:
        """Why a field is None: its path, and its panel's error when the panel failed."""
        path = path_of(node)
        section = getattr(self.snapshot, path.split(".", 1)[0], None)
        status = getattr(section, "status", None)
        if status is not None and status.state == "ERROR" and status.detail:
            return f"{path} is unknown ({status.detail})"
        return f"{path} is unknown"

    def call(self, node: Call) -> Outcome:
        name = node.name
        if name == "level":
            arg = node.args[0]
            assert isinstance(arg, Str)
            level = find_level(self.snapshot, arg.value)
            if level is not None:
                return Outcome(level)
            if self.snapshot.price.last is None:
                return Outcome(None, ("price.last is unknown",))  # no price, no levels
            return Outcome(None, (f"no level named {arg.value!r} ({LEVEL_HINT})",))
        args = [self.run(arg) for arg in node.args]
        if name == "given":
            return args[1] if args[0].value is not None else _unknown(args[0])
        if name == "default":
            if args[0].value is not None or args[1].value is not None:
                return args[0] if args[0].value is not None else args[1]
            return _unknown(*args)
        if any(arg.value is None for arg in args):
            return _unknown(*args)
        if name == "abs":
            return Outcome(abs(args[0].value))
        if name == "min":
            return Outcome(min(args[0].value, args[1].value))
        if name == "max":
            return Outcome(max(args[0].value, args[1].value))
        # fmt
        return Outcome(with_spec(args[0].value, args[1].value))

    def binary(self, node: Binary) -> Outcome:
        op = node.op
        left = self.run(node.left)
        if op in ("and", "or"):
            decisive = op == "or"  # true decides 'or', false decides 'and'
            if left.value is decisive:
                return Outcome(decisive)
            right = self.run(node.right)
            if right.value is decisive:
                return Outcome(decisive)
            if left.value is None or right.value is None:
                return _unknown(left, right)
            return Outcome(not decisive)
        right = self.run(node.right)
        if op in ("==", "!=") and (isinstance(node.left, Null) or isinstance(node.right, Null)):
            other = right if isinstance(node.left, Null) else left
            return Outcome((other.value is None) == (op == "=="))
        if left.value is None or right.value is None:
            return _unknown(left, right)
        if op in COMPARISONS:
            return Outcome(_COMPARE[op](left.value, right.value))
        a, b = left.value, right.value
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        else:
            if b == 0:
                return Outcome(None, (f"division by zero at column {node.pos + 1}",))
            result = a / b
        if isinstance(result, float) and not math.isfinite(result):
            return Outcome(None, (f"no finite result at column {node.pos + 1}",))
        return Outcome(result)


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
    """A parsed and checked expression, ready to evaluate on any Snapshot."""

    source: str
    node: Node
    type: RType

    def evaluate(self, snapshot: Snapshot) -> Outcome:
        """The expression's value on `snapshot` (None with reasons when unknown)."""
        return _Evaluator(snapshot, self.source).run(self.node)


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
    return Rule(source, node, found)


def compile_reading(node: Node, source: str) -> Rule:
    """A Rule showing `node`, a sub-tree of the rule `source` (already checked)."""
    found = _Checker(source).check(node)
    return Rule(source, node, found)
