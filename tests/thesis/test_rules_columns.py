"""Rules over columns: the one evaluator of core.rules against the oracle (the first,
Snapshot-walking evaluator, kept in tests/thesis/oracle_evaluator.py). Hypothesis draws
random well-typed rules over numbers (whole and not, infinities, zeros of both signs),
true/false, text, dates, levels (names that differ only by case or dash, a user level
beside a derived one of the same name, bands without an upper) and failed panels, and
a random table of Snapshots; every row's value, its Python type and its reasons equal
the oracle's on that row's Snapshot, through a one-row table (`Rule.evaluate`), a
table of all the rows, and a pandas frame of them (NaN where unknown). Then the
history side: a missing column is unknown on every row, frames are joined without
carrying a value forward, statuses and scores per row."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import create_model

from core.rules import Outcome, Rule, RuleError, Table, compile_rule, row_of
from core.snapshot import Frozen, MarketInfo, PanelStatus, SectionModel, Snapshot, SourceInfo
from core.thesis import evaluate_rows, load_theses
from tests.thesis.helpers import AS_OF, priced, snapshot
from tests.thesis.oracle_evaluator import oracle

NUMBER_FIELDS = {
    "vix.last": "float",
    "vix.change": "float",
    "price.last": "float",
    "rsi.value": "float",
    "trend.exposure_pct": "float",
    "context.rut_win_streak": "int",
    "price.td.setup_count": "int",
    "price.td.countdown": "int",
}
BOOL_FIELDS = ("trend.crowded", "price.bands.squeeze", "vix.index_up_vix_up")
TEXT_FIELDS = {
    "price.ema_stack": ("bullish", "bearish", "mixed"),
    "rsi.divergence.kind": ("bearish", "bullish"),
    "price.td.setup_direction": ("buy", "sell"),
}
DATE_FIELDS = ("rsi.divergence.confirmed_on", "context.index_last_new_high")
TEXTS = ("bullish", "bearish", "mixed", "buy", "sell", "ERROR", "REPLAY", "unknown")
LEVELS = (
    ("7,000 Milestone", "milestone", None),
    ("7,000 milestone", "user", None),
    ("6,992 pivot", "user", None),
    ("6,992 Pivot", "milestone", None),
    ("6,700–7,000 range", "range", 7000.0),
    ("6,700-7,000 range", "user", None),
    ("EMA 50", "ema", None),
    ("ema 50", "sma", None),
)
"""Every level a row may have, in the order a frame's columns have them: names unique,
as the price section makes them, some alike as `level()` reads them (case, dashes)."""
ASKED = ("7,000 milestone", "6,992 PIVOT", "6,700–7,000 range", "EMA 50", "6,824 support")
SPECS = ("+.1f", "d", "", ",.2f", ".0f", "+")

# -- random rules, well typed by construction ------------------------------------------


def numbers(depth: int) -> st.SearchStrategy[str]:
    level = st.builds(
        lambda name, field: f'level("{name}").{field}',
        st.sampled_from(ASKED),
        st.sampled_from(("value", "distance_pct", "upper")),
    )
    literal = st.sampled_from(("0", "1", "2", "7000", "0.0", "1.0", "2.0", "0.5", "6992.5"))
    leaves = st.one_of(st.sampled_from(tuple(NUMBER_FIELDS)), literal, level)
    if depth == 0:
        return leaves
    sub = numbers(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from("+-*/"), sub),
        st.builds(lambda a: f"-{a}", sub),
        st.builds(lambda a: f"abs({a})", sub),
        st.builds(
            lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(("min", "max", "default")), sub, sub
        ),
        st.builds(lambda x, a: f"given({x}, {a})", anything(depth - 1), sub),
    )


def texts(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(tuple(TEXT_FIELDS)),
        st.sampled_from(TEXTS).map(lambda text: f'"{text}"'),
        st.just("vix.status.state"),
    )
    if depth == 0:
        return leaves
    sub = texts(depth - 1)
    return st.one_of(
        leaves,
        st.builds(
            lambda a, spec: f'fmt({a}, "{spec}")', numbers(depth - 1), st.sampled_from(SPECS)
        ),
        st.builds(lambda a, b: f"({a} + {b})", sub, sub),
        st.builds(lambda a, b: f"default({a}, {b})", sub, sub),
        st.builds(lambda x, a: f"given({x}, {a})", anything(depth - 1), sub),
    )


def dates(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(DATE_FIELDS)
    if depth == 0:
        return leaves
    sub = dates(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a, b: f"default({a}, {b})", sub, sub),
        st.builds(lambda x, a: f"given({x}, {a})", anything(depth - 1), sub),
    )


def booleans(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(BOOL_FIELDS), st.sampled_from(("true", "false")))
    if depth == 0:
        return leaves
    sub = booleans(depth - 1)
    compare = st.sampled_from(("<", "<=", ">", ">=", "==", "!="))
    return st.one_of(
        leaves,
        st.builds(
            lambda a, op, b: f"({a} {op} {b})", numbers(depth - 1), compare, numbers(depth - 1)
        ),
        st.builds(lambda a, op, b: f"({a} {op} {b})", dates(depth - 1), compare, dates(depth - 1)),
        st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            texts(depth - 1),
            st.sampled_from(("==", "!=")),
            texts(depth - 1),
        ),
        st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from(("==", "!=")), sub),
        st.builds(
            lambda a, op: f"({a} {op} null)", anything(depth - 1), st.sampled_from(("==", "!="))
        ),
        st.builds(lambda a: f"not {a}", sub),
        st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from(("and", "or")), sub),
        st.builds(lambda a, b: f"default({a}, {b})", sub, sub),
        st.builds(lambda x, a: f"given({x}, {a})", anything(depth - 1), sub),
    )


def anything(depth: int) -> st.SearchStrategy[str]:
    level = st.sampled_from(ASKED).map(lambda name: f'level("{name}")')
    return st.one_of(numbers(depth), texts(depth), dates(depth), booleans(depth), level)


def shown(depth: int) -> st.SearchStrategy[str]:
    level = st.sampled_from(ASKED).map(lambda name: f'level("{name}")')
    guarded = st.builds(
        lambda x, name: f'given({x}, level("{name}"))', anything(1), st.sampled_from(ASKED)
    )
    # Numbers first: whole or not, and the sign of a zero, show in a number's value.
    return st.one_of(
        numbers(depth), numbers(depth), texts(depth), dates(depth), booleans(depth), level, guarded
    )


# -- random rows ----------------------------------------------------------------------

FLOATS = st.one_of(
    st.none(),
    st.sampled_from((0.0, -0.0, 1.0, 2.0, -1.0, 1.5, 7000.0, math.inf, -math.inf)),
    st.floats(-1e4, 1e4, allow_nan=False),
)
INTS = st.one_of(st.none(), st.integers(-3, 3), st.integers(-50, 50))
STATUS = st.one_of(
    st.none(),
    st.builds(
        lambda detail: {"state": "ERROR", "as_of": None, "detail": detail},
        st.sampled_from((None, "", "no bars for ^VIX")),
    ),
)


@st.composite
def rows(draw: st.DrawFn) -> Snapshot:
    fields: dict[str, Any] = {}
    for path, kind in NUMBER_FIELDS.items():
        fields[path] = draw(INTS if kind == "int" else FLOATS)
    for path in BOOL_FIELDS:
        fields[path] = draw(st.one_of(st.none(), st.booleans()))
    for path, choices in TEXT_FIELDS.items():
        fields[path] = draw(st.one_of(st.none(), st.sampled_from(choices)))
    for path in DATE_FIELDS:
        fields[path] = draw(st.one_of(st.none(), st.dates(date(2025, 12, 1), date(2026, 2, 1))))
    for section in ("vix", "price"):
        status = draw(STATUS)
        if status is not None:
            fields[f"{section}.status"] = status
    levels = []
    for name, kind, upper in LEVELS:
        if draw(st.booleans()):
            value = draw(st.floats(6000, 8000, allow_nan=False))
            distance = draw(st.floats(-10, 10, allow_nan=False))
            levels.append(
                {
                    "name": name,
                    "kind": kind,
                    "value": value,
                    "distance_pct": distance,
                    "upper": upper,
                }
            )
    fields["price.levels"] = levels
    return snapshot(**fields)


def table_of(shots: list[Snapshot]) -> dict[str, list[Any]]:
    """The rows' columns in a frame's order (the levels as `LEVELS` lists them)."""
    every = [
        {"name": name, "kind": kind, "value": 7000.0, "distance_pct": 0.0, "upper": upper}
        for name, kind, upper in LEVELS
    ]
    order = list(row_of(snapshot(**{"price.levels": every})))
    flat = [row_of(shot) for shot in shots]
    for row in flat:
        order.extend(column for column in row if column not in order)
    return {column: [row.get(column) for row in flat] for column in order}


def same(ours: Outcome, expected: Outcome) -> bool:
    """Equal values of the same Python type (a float's sign of zero too), equal reasons."""
    return repr(ours.value) == repr(expected.value) and ours.reasons == expected.reasons


def compiled(source: str, kind: str) -> Rule:
    try:
        return compile_rule(source, kind="condition" if kind == "condition" else "value")
    except RuleError:
        assume(False)
        raise


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.tuples(st.just("condition"), booleans(3)),
        st.tuples(st.just("value"), shown(3)),
    ),
    st.lists(rows(), min_size=1, max_size=5),
)
def test_columns_equal_the_oracle_row_by_row(
    rule_text: tuple[str, str], shots: list[Snapshot]
) -> None:
    kind, source = rule_text
    rule = compiled(source, kind)
    expected = [oracle(rule, shot) for shot in shots]
    columns = table_of(shots)
    for outcomes in (
        [rule.evaluate(shot) for shot in shots],
        rule.outcomes(Table(columns, len(shots))),
        rule.outcomes(Table.of_frame(pd.DataFrame(columns))),
    ):
        for row, (ours, theirs) in enumerate(zip(outcomes, expected, strict=True)):
            assert same(ours, theirs), (source, row, ours, theirs)
    values, known = rule.evaluate_columns(pd.DataFrame(columns))
    assert known.tolist() == [outcome.known for outcome in expected], source
    for value, outcome in zip(values.tolist(), expected, strict=True):
        if outcome.known:
            assert value == outcome.value, source


# -- deterministic cases --------------------------------------------------------------


def test_nan_in_a_frame_is_unknown_and_a_missing_column_unknown_everywhere() -> None:
    frame = pd.DataFrame({"vix.last": [16.0, np.nan, 30.0]})
    rule = compile_rule("vix.last < 20")
    values, known = rule.evaluate_columns(frame)
    assert known.tolist() == [True, False, True] and values.tolist() == [True, False, False]
    missing = compile_rule("breadth.top10_concentration_pct >= 40")
    values, known = missing.evaluate_columns(frame)
    assert not known.any()
    assert [o.reasons for o in missing.outcomes(Table.of_frame(frame))] == [
        ("breadth.top10_concentration_pct is unknown",)
    ] * 3
    # `x == null` reads a missing column as missing data, on every row.
    values, known = compile_rule("breadth.top10_concentration_pct == null").evaluate_columns(frame)
    assert known.all() and values.all()


def test_frames_are_joined_on_the_sessions_without_carrying_values_forward() -> None:
    sessions = pd.DatetimeIndex(["2026-01-02", "2026-01-05", "2026-01-06"])
    vix = pd.DataFrame({"vix.last": [15.0, 25.0]}, index=sessions[[0, 2]])
    price = pd.DataFrame({"price.last": [6900.0, 6950.0, 7010.0]}, index=sessions)
    table = Table.joined([price, vix], sessions)
    outcomes = compile_rule("vix.last < 20 and price.last < 7000").outcomes(table)
    assert [o.value for o in outcomes] == [True, None, False]
    assert outcomes[1].reasons == ("vix.last is unknown",)


def test_levels_over_rows_follow_the_same_rules_as_on_a_snapshot() -> None:
    frame = pd.DataFrame(
        {
            "price.last": [6978.0, 6978.0, np.nan, 6978.0],
            "price.levels[7,000 Milestone].kind": ["milestone", "milestone", None, None],
            "price.levels[7,000 Milestone].value": [7000.0, 7000.0, np.nan, np.nan],
            "price.levels[7,000 milestone].kind": [None, "user", None, None],
            "price.levels[7,000 milestone].value": [np.nan, 7001.0, np.nan, np.nan],
        }
    )
    outcomes = compile_rule('level("7,000 MILESTONE").value', kind="value").outcomes(
        Table.of_frame(frame)
    )
    assert [o.value for o in outcomes] == [7000.0, 7001.0, None, None]
    assert outcomes[2].reasons == ("price.last is unknown",)
    assert outcomes[3].reasons == (
        "no level named '7,000 MILESTONE' (add it to your config; see examples/seven-k.toml)",
    )
    shot = priced(6978.0, {"name": "EMA 50", "kind": "ema", "value": 6870.7, "distance_pct": 1.6})
    found = compile_rule('level("ema 50")', kind="value").evaluate(shot).value
    assert found is not None and found.value == 6870.7 and found.kind == "ema"


def test_whole_numbers_stay_ints_and_quotients_floats() -> None:
    shot = snapshot(**{"context.rut_win_streak": 4, "vix.last": 16.0})
    assert (
        repr(compile_rule("context.rut_win_streak * 2 - 1", kind="value").evaluate(shot).value)
        == "7"
    )
    assert (
        repr(compile_rule("context.rut_win_streak / 2", kind="value").evaluate(shot).value) == "2.0"
    )
    assert (
        repr(
            compile_rule("min(context.rut_win_streak, vix.last)", kind="value").evaluate(shot).value
        )
        == "4"
    )
    assert repr(compile_rule("vix.last - 16", kind="value").evaluate(shot).value) == "0.0"
    assert compile_rule('fmt(context.rut_win_streak, "")', kind="value").evaluate(shot).value == "4"


def test_python_numbers_min_max_ties_and_signed_zeros() -> None:
    shot = snapshot(**{"context.rut_win_streak": 0, "vix.last": 1.0})
    value = compile_rule("min(context.rut_win_streak + 1, vix.last)", kind="value").evaluate(shot)
    assert repr(value.value) == "1"  # a tie keeps the first, an int
    value = compile_rule("max(vix.last, context.rut_win_streak + 1)", kind="value").evaluate(shot)
    assert repr(value.value) == "1.0"
    # An int has no negative zero: -0 * -1.5 is Python's 0 * -1.5, i.e. -0.0.
    value = compile_rule("-context.rut_win_streak * -1.5", kind="value").evaluate(shot)
    assert repr(value.value) == "-0.0"


def test_a_decided_and_brings_no_reasons_along() -> None:
    shot = snapshot(**{"price.bands.squeeze": False})
    rule = compile_rule("given(price.bands.squeeze and trend.crowded, vix.last)", kind="value")
    assert rule.evaluate(shot).reasons == ("vix.last is unknown",)
    rule = compile_rule("(price.bands.squeeze and trend.crowded) == vix.index_up_vix_up")
    assert rule.evaluate(shot).reasons == ("vix.index_up_vix_up is unknown",)


class _Inner(Frozen):
    x: float | None = None


class _Toy(SectionModel):
    inner: _Inner | None = None


def test_an_optional_group_that_is_missing_is_unknown_with_its_path() -> None:
    model = create_model("ToySnapshot", __base__=Snapshot, toy=(_Toy, ...))
    envelope = {
        "as_of": AS_OF,
        "source": SourceInfo(kind="files", simulated=False, label="REPLAY"),
        "market": MarketInfo(phase="closed", next_open=None, next_close=None),
    }
    status = PanelStatus(state="REPLAY")
    rule = compile_rule("toy.inner.x > 1", model=model)
    for inner, value, reasons in (
        (None, None, ("toy.inner is unknown",)),
        (_Inner(), None, ("toy.inner.x is unknown",)),
        (_Inner(x=2.0), True, ()),
    ):
        shot = model(**envelope, toy=_Toy(status=status, inner=inner))
        assert rule.evaluate(shot) == oracle(rule, shot) == Outcome(value, reasons)


def test_statuses_and_scores_per_row() -> None:
    theses = load_theses()
    frame = pd.DataFrame(
        {
            "rsi.value": [60.0, 40.0, np.nan],
            "trend.exposure_pct": [20.0, 20.0, 20.0],
            "vix.iv_rank_1y": [10.0, 50.0, np.nan],
        }
    )
    table = Table.of_frame(frame)
    bull = theses["bull"]
    judged = evaluate_rows(bull, table)
    assert judged.statuses["momentum"].tolist() == ["pass", "fail", "unknown"]
    assert judged.total == len(bull.items)
    assert judged.score.tolist() == [2, 0, 0]
    assert judged.statuses["low_iv_rank"].tolist() == ["pass", "fail", "unknown"]
    assert set(judged.statuses["above_7000"].tolist()) == {"unknown"}  # no price, no level


def test_a_crashing_rule_is_unknown_on_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    bull = load_theses()["bull"]

    def explode(self: Rule, table: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Rule, "evaluate_columns", explode)
    table = Table.of_frame(pd.DataFrame({"rsi.value": [60.0, 40.0]}))
    judged = evaluate_rows(bull, table)
    assert judged.statuses["momentum"].tolist() == ["unknown", "unknown"]
    assert judged.score.tolist() == [0, 0]
