"""Readings named as columns (core/columns.py): `flatten` names every scalar reading
of a section by its JSON path, list items by their key in brackets, without the
section's freshness unless asked; `unflatten` rebuilds the section from one row, an
item missing a required reading being absent that session; `counts` finds the whole
numbers; `parts` keeps a dot inside brackets with its key."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import Field

from core.columns import counts, flatten, parts, unflatten
from core.snapshot import Frozen, PanelStatus, SectionModel


class Wall(Frozen):
    ITEM_KEY: ClassVar[str] = "strike"
    strike: float
    gex_bn: float | None = None


class Inner(Frozen):
    squeeze: bool | None = None
    count: int | None = None


class Toy(SectionModel):
    walls: tuple[Wall, ...] = ()
    strike: float | None = None
    """A field named like the items' key, after the list: must not be lost."""
    inner: Inner = Inner()
    label: str | None = None
    scores: dict[str, Inner] = Field(default_factory=dict)


STATUS = PanelStatus(state="LIVE", detail="why")
TOY = Toy(
    status=STATUS,
    walls=(Wall(strike=7000.0, gex_bn=1.5), Wall(strike=6992.5)),
    strike=6900.0,
    inner=Inner(squeeze=True, count=3),
    label="x",
    scores={"bull": Inner(count=2)},
)


def test_flatten_names_every_reading_by_its_path() -> None:
    assert flatten(TOY, "toy") == {
        "toy.walls[7000.0].gex_bn": 1.5,
        "toy.walls[6992.5].gex_bn": None,
        "toy.strike": 6900.0,
        "toy.inner.squeeze": True,
        "toy.inner.count": 3,
        "toy.label": "x",
        "toy.scores[bull].squeeze": None,
        "toy.scores[bull].count": 2,
    }


def test_flatten_keeps_the_status_only_when_asked() -> None:
    assert "toy.status.state" not in flatten(TOY, "toy")
    with_status = flatten(TOY, "toy", status=True)
    assert with_status["toy.status.state"] == "LIVE"
    assert with_status["toy.status.detail"] == "why"


def test_unflatten_rebuilds_the_section_from_one_row() -> None:
    row = flatten(TOY, "toy")
    assert Toy(status=STATUS, **unflatten(Toy, "toy", row)) == TOY


def test_an_item_without_its_required_readings_is_absent_that_session() -> None:
    row = {"toy.walls[7000].gex_bn": float("nan"), "toy.strike": float("nan"), "other.x": 1}
    rebuilt = Toy(status=STATUS, **unflatten(Toy, "toy", row))
    assert rebuilt.walls == (Wall(strike=7000.0),)  # the key is a reading of the item
    assert rebuilt.strike is None  # NaN is unknown


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("price.levels[6,992.5 pivot].value", ["price", "levels[6,992.5 pivot]", "value"]),
        ("price.last", ["price", "last"]),
        ("checklist.extra[soft.landing].score", ["checklist", "extra[soft.landing]", "score"]),
    ],
)
def test_a_dot_inside_brackets_belongs_to_the_key(path: str, expected: list[str]) -> None:
    assert parts(path) == expected


def test_counts_are_the_int_fields() -> None:
    columns = list(flatten(TOY, "toy"))
    assert counts(Toy, "toy", columns) == ["toy.inner.count", "toy.scores[bull].count"]
