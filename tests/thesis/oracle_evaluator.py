"""The rule language's first evaluator, kept as a test oracle: a direct tree walk over
ONE Snapshot (Python values, `getattr` on the models), three-valued with the reasons
for unknowns. `core.rules` evaluates rules over columns (a Snapshot is a one-row
table); `tests/thesis/test_rules_columns.py` checks that it equals this oracle row by
row. Nothing in core/ imports this module."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from core.format import with_spec
from core.rules import (
    COMPARISONS,
    LEVEL_HINT,
    Attr,
    Binary,
    Bool,
    Call,
    Name,
    Node,
    Null,
    Num,
    Outcome,
    Rule,
    Str,
    Unary,
    path_of,
)
from core.sections.price import Level
from core.snapshot import Snapshot


def oracle(rule: Rule, snapshot: Snapshot) -> Outcome:
    """`rule` on `snapshot`, by the oracle."""
    return _Evaluator(snapshot).run(rule.node)


def _unknown(*outcomes: Outcome) -> Outcome:
    reasons: list[str] = []
    for outcome in outcomes:
        if outcome.value is None:
            reasons.extend(reason for reason in outcome.reasons if reason not in reasons)
    return Outcome(None, tuple(reasons))


def _normalise(name: str) -> str:
    return " ".join(name.replace("–", "-").replace("—", "-").casefold().split())


def oracle_find_level(snapshot: Snapshot, name: str) -> Level | None:
    """The price level named `name` (the user's own levels win over derived ones)."""
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

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

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
            level = oracle_find_level(self.snapshot, arg.value)
            if level is not None:
                return Outcome(level)
            if self.snapshot.price.last is None:
                return Outcome(None, ("price.last is unknown",))
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
