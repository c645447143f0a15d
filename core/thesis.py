"""The bull and bear theses as data: checklists whose items are rules in the language of
core.rules, judged against a Snapshot. The built-in theses live in core/theses/bull.toml
and bear.toml (read with importlib.resources, so they work installed); a user's config
can override a built-in item field by field (same id), add items, disable items, retitle
a thesis, or add a whole new thesis (`[theses.NAME]`). Everything is parsed and checked
when loaded: a bad rule, format or id raises ThesisError naming the file, the thesis and
the item, and so does a rule or show written in the config that names a level which is
neither one of the configured levels nor one the price section derives (`7,000
milestone`, `EMA 50`): such an item could never be known. A thesis is judged on a
Snapshot (`evaluate`: each item's status, the value it shows and why it is unknown) or,
for a history, on every row of a table of readings at once (`evaluate_rows`: statuses
and scores only); both run the one column evaluator of core.rules, a Snapshot being a
one-row table. Evaluation never raises: an item whose
data is missing is `unknown` with the reason, and a rule that crashes (a bug) is
`unknown` with the error, never a `fail`."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.config import ThesisConfig, level_key
from core.format import iso_date, ny_time, spec_ok, split_spec, with_spec, yes_no
from core.rules import (
    Call,
    Node,
    Rule,
    RuleError,
    Str,
    Table,
    compile_reading,
    compile_rule,
    reading_of,
    walk,
)
from core.sections.checklist import ChecklistItem, ChecklistSection, ItemStatus, ThesisScore
from core.sections.price import Level
from core.snapshot import Freshness, PanelStatus, Snapshot
from core.toml_tables import read_toml

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "BUILTIN",
    "Thesis",
    "ThesisError",
    "ThesisItem",
    "ThesisRows",
    "ValueFormat",
    "builtin_path",
    "builtin_theses",
    "checklist_section",
    "evaluate",
    "evaluate_rows",
    "judge",
    "load_theses",
]

log = logging.getLogger(__name__)

BUILTIN = ("bull", "bear")
"""The built-in theses, shown in the bull and bear views."""
NAME = re.compile(r"[a-z][a-z0-9_]*")
ITEM_ID = r"^[A-Za-z0-9_-]+$"
FIELDS = ("label", "rule", "show", "format", "why")
"""An item's text fields, as written in a thesis file or the config."""
MAX_SUFFIX = 16


class ThesisError(Exception):
    """A thesis that cannot be loaded; the message names the file, the thesis and the
    item, and is fit to print as it is."""


@dataclass(frozen=True)
class ValueFormat:
    """How an item shows a number: a format spec, then a unit (`+.2f%`, `.1f pp`)."""

    spec: str
    suffix: str

    @classmethod
    def parse(cls, text: str) -> ValueFormat:
        """The format written as `text`: a numeric format spec (fill, sign, width,
        grouping, precision, one of d e E f F g G n), then up to 16 characters of unit.
        Raises ValueError saying what is wrong."""
        spec, suffix = split_spec(text)
        if not spec_ok(spec):
            raise ValueError(f"{spec!r} is not a number format such as '+.2f' or ',.0f'")
        if suffix[:1].isdigit() or suffix[:1] in tuple(".,_#+-<>=^"):
            raise ValueError(f"{text!r} is not a number format then a unit, e.g. '+.1f pp'")
        if len(suffix) > MAX_SUFFIX or any(ch in "{}" or not ch.isprintable() for ch in suffix):
            raise ValueError(f"unit {suffix!r} must be up to {MAX_SUFFIX} plain characters")
        return cls(spec, suffix)

    def apply(self, value: float | int) -> str:
        """`value` in this format (an empty spec: the default number display);
        `unknown`, without the unit, when it is not a finite number."""
        return with_spec(value, self.spec, self.suffix)


@dataclass(frozen=True)
class ThesisItem:
    """One claim: its rule, what it shows, and where it was defined."""

    id: str
    label: str
    rule: Rule
    show: Rule | None
    """The value shown beside the item (None: nothing to show)."""
    format: ValueFormat | None
    why: str | None
    text: Mapping[str, str]
    """The fields as written (label, rule, show, format, why), for overrides."""
    origin: str
    """The file the item (or its last override) came from."""


@dataclass(frozen=True)
class Thesis:
    """A named checklist of items."""

    name: str
    title: str
    items: tuple[ThesisItem, ...]
    origin: str

    def item(self, item_id: str) -> ThesisItem:
        """The item with that id (KeyError when there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


# -- loading --------------------------------------------------------------------------


class _ItemSpec(BaseModel):
    """An item in a thesis file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=ITEM_ID)
    label: str = Field(min_length=1)
    rule: str
    show: str | None = None
    format: str | None = None
    why: str | None = None


class _ThesisFile(BaseModel):
    """A thesis file: a title and its items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    items: tuple[_ItemSpec, ...]


def _fail(origin: str, thesis: str, item: str | None, problem: str) -> ThesisError:
    where = f"{origin}: thesis '{thesis}'" + (f" item '{item}'" if item else "")
    return ThesisError(f"{where}: {problem}")


def build_item(thesis: str, item_id: str, text: Mapping[str, str], origin: str) -> ThesisItem:
    """Compile one item's rule, show and format; ThesisError naming `origin`, the
    thesis and the item when any of them is wrong."""
    label, source = text.get("label"), text.get("rule")
    if not label or not source:
        missing = " and ".join(repr(key) for key in ("label", "rule") if not text.get(key))
        raise _fail(origin, thesis, item_id, f"a new item needs {missing}")
    try:
        rule = compile_rule(source, kind="condition")
    except RuleError as error:
        raise _fail(origin, thesis, item_id, f"rule {source!r}: {error}") from None
    show: Rule | None
    if text.get("show"):
        try:
            show = compile_rule(text["show"], kind="value")
        except RuleError as error:
            raise _fail(origin, thesis, item_id, f"show {text['show']!r}: {error}") from None
    else:
        reading = reading_of(rule.node)
        show = compile_reading(reading, source) if reading is not None else None
    value_format: ValueFormat | None = None
    if text.get("format"):
        try:
            value_format = ValueFormat.parse(text["format"])
        except ValueError as error:
            raise _fail(origin, thesis, item_id, f"format {text['format']!r}: {error}") from None
        shown = show.type if show is not None else None
        if shown is None or not (shown.kind == "number" or shown.model is Level):
            what = "nothing" if shown is None else shown.describe()
            raise _fail(
                origin,
                thesis,
                item_id,
                f"format {text['format']!r} applies to numbers; the item shows {what}",
            )
    return ThesisItem(
        id=item_id,
        label=label,
        rule=rule,
        show=show,
        format=value_format,
        why=text.get("why") or None,
        text=MappingProxyType(dict(text)),
        origin=origin,
    )


def builtin_path(name: str) -> Traversable:
    """Where the built-in thesis `name` is stored (inside the installed package)."""
    return resources.files("core") / "theses" / f"{name}.toml"


def read_thesis_file(name: str, path: Traversable) -> Thesis:
    """A thesis from a TOML file; ThesisError naming the file (and item) when bad."""
    origin = str(path)
    raw = read_toml(path, "thesis", ThesisError)
    try:
        spec = _ThesisFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ThesisError(f"{origin}: thesis '{name}': key '{key}': {message}") from None
    items: list[ThesisItem] = []
    for entry in spec.items:
        if any(item.id == entry.id for item in items):
            raise _fail(origin, name, entry.id, "the id is used twice")
        text = {key: value for key in FIELDS if (value := getattr(entry, key)) is not None}
        items.append(build_item(name, entry.id, text, origin))
    return Thesis(name=name, title=spec.title, items=tuple(items), origin=origin)


@cache
def builtin_theses() -> Mapping[str, Thesis]:
    """The built-in bull and bear theses, read once."""
    return MappingProxyType({name: read_thesis_file(name, builtin_path(name)) for name in BUILTIN})


MILESTONE_LABEL = re.compile(r"\d{1,3}(,\d{3})*,000 milestone")
"""A round-thousand milestone as the price section names it (`7,000 milestone`)."""


def named_levels(node: Node) -> Iterator[str]:
    """The names `level("...")` calls in `node` look up, left to right."""
    for part in walk(node):
        if isinstance(part, Call) and part.name == "level" and part.args:
            first = part.args[0]
            if isinstance(first, Str):
                yield first.value


def derived_levels() -> tuple[str, ...]:
    """The names of the levels the sections derive (besides the `N,000 milestone`s):
    the moving averages, and the gamma flip and walls."""
    # Here, not at the top: the price signals bring numpy and pandas, which loading
    # the theses otherwise does without.
    from core.sections.gamma import LEVEL_NAMES
    from core.signals.price import AVERAGES

    return (*(f"{kind.upper()} {length}" for kind, length in AVERAGES), *LEVEL_NAMES.values())


def level_problem(wanted: str, labels: Collection[str]) -> str | None:
    """Why `level(wanted)` can never find a level, given the user's level `labels`
    (None when it can: a user level, a derived level or an `N,000 milestone`)."""
    key = level_key(wanted)
    if MILESTONE_LABEL.fullmatch(key):
        return None
    derived = derived_levels()
    names = [*labels, *derived]
    if key in {level_key(name) for name in names}:
        return None
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "add it to your [[levels]]"
    listed = ", ".join([*labels, "N,000 milestone", *derived])
    return f"no level named {wanted!r} (levels: {listed}); {hint}"


def _undefined_level(item: ThesisItem, fields: Collection[str], labels: Collection[str]) -> str:
    """Why the item's `fields` (rule, show) name a level that can never exist, or ""."""
    for field in ("rule", "show"):
        compiled = item.rule if field == "rule" else item.show
        if field not in fields or compiled is None:
            continue
        for wanted in named_levels(compiled.node):
            if (problem := level_problem(wanted, labels)) is not None:
                return f"{field} {item.text[field]!r}: {problem}"
    return ""


def _apply(
    name: str,
    base: Thesis | None,
    table: ThesisConfig,
    origin: str,
    labels: Collection[str] | None,
) -> Thesis:
    """`base` (None for a new thesis) with the config's changes applied; with the
    configured level `labels`, a rule or show given here must name levels that exist."""
    items: dict[str, ThesisItem] = {item.id: item for item in base.items} if base else {}
    seen: set[str] = set()
    for entry in table.items:
        if entry.id in seen:
            raise _fail(origin, name, entry.id, "the id is used twice")
        seen.add(entry.id)
        given = {key: value for key in FIELDS if (value := getattr(entry, key)) is not None}
        previous = items.get(entry.id)
        text = {**previous.text, **given} if previous is not None else given
        items[entry.id] = build_item(name, entry.id, text, origin)
        if labels is not None and (problem := _undefined_level(items[entry.id], given, labels)):
            raise _fail(origin, name, entry.id, problem)
    for item_id in table.disable:
        if item_id not in items:
            known = ", ".join(items) or "none"
            raise _fail(origin, name, None, f"disable: no item '{item_id}' (items: {known})")
        del items[item_id]
    if base is None and not items:
        raise _fail(origin, name, None, "a new thesis needs at least one item")
    title = table.title or (base.title if base is not None else name.replace("_", " ").title())
    return Thesis(name=name, title=title, items=tuple(items.values()), origin=origin)


def load_theses(
    overrides: Mapping[str, ThesisConfig] | None = None,
    *,
    origin: str = "settings",
    levels: Collection[str] | None = None,
) -> dict[str, Thesis]:
    """The built-in theses with the config's `[theses.*]` tables applied, by name
    (bull and bear first). `origin` names where the tables came from (the config file)
    in error messages. Given the configured `levels` (their labels), a rule or show the
    tables write must name only levels that exist: a configured one or a derived one
    (the built-in items name levels a config may not define, and are unknown without
    them). Raises ThesisError."""
    theses = dict(builtin_theses())
    for name, table in (overrides or {}).items():
        if NAME.fullmatch(name) is None:
            raise ThesisError(
                f"{origin}: thesis name '{name}': use lower-case letters, digits and '_'"
                " (starting with a letter)"
            )
        theses[name] = _apply(name, theses.get(name), table, origin, levels)
    return theses


# -- evaluation -----------------------------------------------------------------------


def display(value: Any, value_format: ValueFormat | None) -> str:
    """A shown value as text: numbers by the item's format (else with two decimals,
    or none for whole counts), true/false as yes/no, times in New York, dates as ISO
    dates; a NaN or infinite number as `unknown`."""
    if isinstance(value, Level):
        value = value.value
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float):
        return value_format.apply(value) if value_format is not None else with_spec(value, "")
    if isinstance(value, datetime):
        return ny_time(value)
    if isinstance(value, date):
        return iso_date(value)
    return str(value)


def judge(item: ThesisItem, row: Snapshot | Table) -> ChecklistItem:
    """One item judged on a Snapshot (or the one-row table made from it): pass, fail,
    or unknown with the reason."""
    status: ItemStatus
    reason: str | None = None
    try:
        outcome = item.rule.evaluate(row)
        if outcome.value is None:
            status = "unknown"
            reason = "; ".join(outcome.reasons) or "the rule's result is unknown"
        else:
            status = "pass" if outcome.value else "fail"
    except Exception as error:  # a bug must cost one item, never the Snapshot
        log.exception("evaluating item %s failed", item.id)
        status, reason = "unknown", f"could not evaluate: {error!r}"
    value: str | None = None
    if item.show is not None:
        try:
            shown = item.show.evaluate(row)
            value = None if shown.value is None else display(shown.value, item.format)
        except Exception:
            log.exception("showing item %s failed", item.id)
    return ChecklistItem(
        id=item.id,
        label=item.label,
        status=status,
        value=value,
        rule=item.rule.source,
        reason=reason,
        why=item.why,
    )


def evaluate(thesis: Thesis, row: Snapshot | Table) -> ThesisScore:
    """The thesis's checklist on a Snapshot (or the one-row table made from it):
    score = items passing, total = all items."""
    table = row if isinstance(row, Table) else Table.of_snapshot(row)  # once for all items
    items = tuple(judge(item, table) for item in thesis.items)
    score = sum(1 for item in items if item.status == "pass")
    return ThesisScore(score=score, total=len(items), items=items, title=thesis.title)


def checklist_section(
    theses: Mapping[str, Thesis], snapshot: Snapshot, state: Freshness, detail: str | None
) -> ChecklistSection:
    """Every thesis scored on `snapshot`: bull and bear, the others under `extra`. The
    status is the cycle's `state` as of the snapshot; its detail is the cycle's failure
    (`detail`) and any item that could not be evaluated."""
    row = Table.of_snapshot(snapshot)
    scores = {name: evaluate(thesis, row) for name, thesis in theses.items()}
    broken = [
        f"{name}.{item.id} {item.reason}"
        for name, score in scores.items()
        for item in score.items
        if item.reason is not None and item.reason.startswith("could not evaluate")
    ]
    notes = ([detail] if detail else []) + broken
    status = PanelStatus(state=state, as_of=snapshot.as_of, detail="; ".join(notes) or None)
    return ChecklistSection(
        status=status,
        bull=scores.pop("bull", ThesisScore()),
        bear=scores.pop("bear", ThesisScore()),
        extra=scores,
    )


# -- over a history -------------------------------------------------------------------


@dataclass(frozen=True)
class ThesisRows:
    """A thesis judged on every row of a table of readings (a history): per row, the
    items passing (`score`) and each item's status; no values or reasons."""

    score: np.ndarray
    """Items passing on each row (int64)."""
    total: int
    statuses: Mapping[str, np.ndarray]
    """Each item's status on each row, by item id: "pass", "fail" or "unknown"."""


STATUSES = ("unknown", "fail", "pass")
"""An item's status by code: 0 unknown, 1 fail (known), 2 pass (known and true)."""


def evaluate_rows(thesis: Thesis, table: Table) -> ThesisRows:
    """The thesis's checklist on every row of `table`."""
    import numpy as np

    score = np.zeros(table.rows, dtype=np.int64)
    statuses: dict[str, np.ndarray] = {}
    for item in thesis.items:
        passed, known = _passed(item, table)
        statuses[item.id] = _statuses(passed, known)
        score += passed
    return ThesisRows(score=score, total=len(statuses), statuses=MappingProxyType(statuses))


def _passed(item: ThesisItem, table: Table) -> tuple[np.ndarray, np.ndarray]:
    """The rows where the item passes, and where it is known."""
    import numpy as np

    try:
        values, known = item.rule.evaluate_columns(table)
    except Exception:  # a bug must cost one item, never the history
        log.exception("evaluating item %s over %d rows failed", item.id, table.rows)
        values = known = np.zeros(table.rows, dtype=bool)
    return values & known, known


def _statuses(passed: np.ndarray, known: np.ndarray) -> np.ndarray:
    """ "pass", "fail" or "unknown" per row, as objects (a take, not a loop)."""
    import numpy as np

    return np.array(STATUSES, dtype=object)[known.astype(np.intp) + passed]
