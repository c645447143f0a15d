"""Readings as named columns: the one naming of a Snapshot's scalar readings by their
JSON path, shared by a live Snapshot and by a history of readings (one row per
session). `flatten` turns a section's model into `{path: value}` (`price.last`,
`price.bands.squeeze`); items of a list are named by their key field in brackets
(`price.levels[EMA 50].distance_pct`, `trend.signals[21].flip_level`,
`checklist.bull.items[above_7000].status`), entries of a dict likewise
(`checklist.extra[soft_landing].score`). Freshness (`status`) and chart series are
not readings and are left out, but a rule may read a live Snapshot's freshness, so
`flatten(..., status=True)` keeps it (`price.status.state`). `unflatten` is the
inverse for one row: what a section turns its last row of readings into, so today's
reading is built from the same columns as every past session's. Missing values are
None here (NaN in a frame)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

STATUS_FIELD = "status"
"""A section's freshness: not a reading."""
ITEM = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_]*)\[(?P<key>[^\]]+)\]$")


def item_key(model: type[BaseModel]) -> str | None:
    """The field that names an item of a list of `model` (`Level.name`), or None for
    lists that are not readings (chart series, pivots)."""
    key = getattr(model, "ITEM_KEY", None)
    return key if isinstance(key, str) else None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `annotation` (itself, or the item of a tuple/list/dict
    of them), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if arg is not Ellipsis and (found := _model_of(arg)) is not None:
            return found
    return None


def _plain(value: Any) -> Any:
    """A reading as a plain Python value; NaN (a frame's missing value) as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _walk(
    model: BaseModel, prefix: str, *, top: bool = False, named_by: str | None = None
) -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        if (top and name == STATUS_FIELD) or name == named_by:
            continue  # freshness is not a reading; an item's key is in its brackets
        value = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(value, BaseModel):
            yield from _walk(value, path)
        elif isinstance(value, tuple | list):
            for item in value:
                field = item_key(type(item)) if isinstance(item, BaseModel) else None
                if field is None:
                    break  # a chart series or pivots: not readings
                yield from _walk(item, f"{path}[{getattr(item, field)}]", named_by=field)
        elif isinstance(value, dict):
            for entry, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _walk(item, f"{path}[{entry}]")
        else:
            yield path, value


def flatten(section: BaseModel, key: str, *, status: bool = False) -> dict[str, Any]:
    """Every reading of `section` (the Snapshot's `key`) by its column name; with
    `status`, its freshness too (`price.status.state`, `price.status.detail`)."""
    return dict(_walk(section, key, top=not status))


PART = re.compile(r"[^.\[]+(?:\[[^\]]*\])?")


def parts(path: str) -> list[str]:
    """`price.levels[6,992.5 pivot].value` → `price`, `levels[6,992.5 pivot]`, `value`
    (a dot inside brackets belongs to the key)."""
    return PART.findall(path)


def _insert(tree: dict[str, Any], path: list[str], value: Any) -> None:
    head, *rest = path
    match = ITEM.match(head)
    if match is not None:
        tree = tree.setdefault(match["field"], {})
        head = match["key"]
    if rest:
        _insert(tree.setdefault(head, {}), rest, value)
    else:
        tree[head] = value


def _build(model: type[BaseModel], tree: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `model` from a nested tree of readings: lists of items
    rebuilt from their bracketed keys (an item missing a required reading is not
    there on that session, and is left out)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in tree:
            continue
        value = tree[name]
        inner = _model_of(info.annotation)
        if inner is None or not isinstance(value, dict):
            out[name] = value
            continue
        origin = get_origin(info.annotation)
        key = item_key(inner)
        if key is not None and origin in (tuple, list):
            items = []
            for entry, fields in value.items():
                built = _build(inner, {**fields, key: entry})
                required = [f for f, i in inner.model_fields.items() if i.is_required()]
                if all(built.get(f) is not None for f in required):
                    items.append(built)
            out[name] = tuple(items)
        elif origin is dict:
            out[name] = {entry: _build(inner, fields) for entry, fields in value.items()}
        else:
            out[name] = _build(inner, value)
    return out


def unflatten(model: type[BaseModel], key: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the section `model` (the Snapshot's `key`) from one row
    of its readings; columns of other sections are ignored."""
    tree: dict[str, Any] = {}
    prefix = f"{key}."
    for column, value in row.items():
        if column.startswith(prefix):
            _insert(tree, parts(column[len(prefix) :]), _plain(value))
    return _build(model, tree)


def counts(model: type[BaseModel], key: str, columns: Iterable[str]) -> list[str]:
    """The `columns` of the section `model` (the Snapshot's `key`) that hold whole
    numbers (fields typed int: a TD count, a score), which a frame stores as floats
    wherever some session is unknown."""
    return [column for column in columns if is_int(_annotation(model, key, column))]


def _annotation(model: type[BaseModel], key: str, column: str) -> Any:
    """The annotation of the field `column` names, or None when it names none."""
    head, *rest = parts(column)
    current: type[BaseModel] | None = model if head == key else None
    annotation: Any = None
    for part in rest:
        match = ITEM.match(part)
        info = (
            None if current is None else current.model_fields.get(match["field"] if match else part)
        )
        if info is None:
            return None
        annotation = info.annotation
        current = _model_of(annotation)
    return annotation


def is_int(annotation: Any) -> bool:
    """Whether a field of this type holds whole numbers: int, a Literal of ints, or a
    union of those with None. bool is its own type here, not an int, and a float
    field's values are floats even when whole, as pydantic stores them."""
    if get_origin(annotation) in (Union, UnionType):
        return all(is_int(arg) for arg in get_args(annotation) if arg is not type(None))
    if get_origin(annotation) is Literal:
        return all(type(value) is int for value in get_args(annotation))
    return annotation is int
