"""Evaluation of rules on hand-built Snapshots: Kleene three-valued logic (full truth
tables of and/or/not with unknown), `== null` as the one test that is never unknown,
arithmetic and comparisons that turn unknown on missing data (with the field named as
the reason), level() lookups (found, user level over a derived one of the same name,
missing with advice), and the helper functions."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from core.rules import Outcome, compile_rule
from core.snapshot import PanelStatus
from tests.thesis.helpers import blank, level, priced, snapshot

VALUES = (True, False, None)


def run(source: str, **fields: object) -> Outcome:
    return compile_rule(source).evaluate(snapshot(**fields))


def run_value(source: str, **fields: object) -> Outcome:
    return compile_rule(source, kind="value").evaluate(snapshot(**fields))


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


@pytest.mark.parametrize(("a", "b"), list(itertools.product(VALUES, VALUES)))
def test_and_or_truth_tables(a: bool | None, b: bool | None) -> None:
    fields = {"price.bands.squeeze": a, "trend.crowded": b}
    both = run("price.bands.squeeze and trend.crowded", **fields)
    either = run("price.bands.squeeze or trend.crowded", **fields)
    assert both.value is kleene_and(a, b)
    assert either.value is kleene_or(a, b)
    for outcome in (both, either):
        if outcome.value is None:
            missing = [name for name, v in fields.items() if v is None]
            assert set(outcome.reasons) == {f"{name} is unknown" for name in missing}
        else:
            assert outcome.reasons == ()


@pytest.mark.parametrize("a", VALUES)
def test_not_truth_table(a: bool | None) -> None:
    outcome = run("not price.bands.squeeze", **{"price.bands.squeeze": a})
    assert outcome.value is (None if a is None else not a)


@pytest.mark.parametrize("a", VALUES)
def test_null_tests_are_never_unknown(a: bool | None) -> None:
    fields = {"price.bands.squeeze": a}
    assert run("price.bands.squeeze == null", **fields).value is (a is None)
    assert run("price.bands.squeeze != null", **fields).value is (a is not None)
    assert run("null == price.bands.squeeze", **fields).value is (a is None)


def test_missing_numbers_make_arithmetic_and_comparisons_unknown() -> None:
    outcome = run("breadth.top10_concentration_pct * 2 + 1 >= 40")
    assert outcome.value is None
    assert outcome.reasons == ("breadth.top10_concentration_pct is unknown",)
    both = run("vix.last - vix.realized_vol_20d > 5 or vix.last > 100", **{"vix.last": 20.0})
    assert both.value is None and both.reasons == ("vix.realized_vol_20d is unknown",)
    assert run("-vix.last < 0").value is None
    assert run("abs(vix.last) > 0").value is None


def test_arithmetic_and_comparisons_on_known_values() -> None:
    fields = {"vix.last": 16.35, "vix.realized_vol_20d": 10.75}
    assert run_value("vix.last - vix.realized_vol_20d", **fields).value == pytest.approx(5.6)
    assert run_value("(vix.last + 1) * 2 / 4", **fields).value == pytest.approx(8.675)
    assert run_value("-vix.last", **fields).value == -16.35
    assert run("vix.last >= 16.35 and vix.last <= 16.35 and vix.last != 16", **fields).value
    assert run("7 / 2 == 3.5").value is True
    assert run_value("abs(-3)").value == 3
    assert run_value("min(2, 1.5)").value == 1.5 and run_value("max(2, 1.5)").value == 2


def test_division_by_zero_is_unknown_with_the_column() -> None:
    outcome = run("vix.last / vix.change > 1", **{"vix.last": 16.0, "vix.change": 0.0})
    assert outcome.value is None and outcome.reasons == ("division by zero at column 10",)


def test_a_failed_panel_gives_its_error_as_the_reason() -> None:
    failed = blank().model_copy(
        update={
            "vix": blank().vix.model_copy(
                update={"status": PanelStatus(state="ERROR", detail="no bars for ^VIX")}
            )
        }
    )
    outcome = compile_rule("vix.iv_rank_1y < 30").evaluate(failed)
    assert outcome.reasons == ("vix.iv_rank_1y is unknown (no bars for ^VIX)",)


def test_string_and_literal_fields() -> None:
    assert run('price.ema_stack == "bullish"', **{"price.ema_stack": "bullish"}).value is True
    assert run('price.ema_stack == "bullish"', **{"price.ema_stack": "mixed"}).value is False
    assert run('price.ema_stack == "bullish"').value is None
    assert run('price.symbol == "^GSPC"').value is True


def test_default_and_given() -> None:
    rule = 'given(rsi.value, default(rsi.divergence.kind, "none") == "bearish")'
    assert run(rule).value is None  # no RSI at all: unknown
    assert run(rule).reasons == ("rsi.value is unknown",)
    assert run(rule, **{"rsi.value": 55.0}).value is False  # RSI, no divergence: fail
    bearish = {"rsi.value": 38.9, "rsi.divergence.kind": "bearish"}
    assert run(rule, **bearish).value is True
    assert run_value('default(rsi.divergence.kind, "none")').value == "none"
    assert run_value("default(vix.last, vix.change)").reasons == (
        "vix.last is unknown",
        "vix.change is unknown",
    )


def test_fmt_and_text_concatenation() -> None:
    show = (
        'given(price.td.setup_count, default(price.td.setup_direction + " "'
        ' + fmt(price.td.setup_count, "d"), "no setup"))'
    )
    assert run_value(show).value is None
    assert run_value(show, **{"price.td.setup_count": 0}).value == "no setup"
    sell = {"price.td.setup_count": 3, "price.td.setup_direction": "sell"}
    assert run_value(show, **sell).value == "sell 3"
    assert run_value('fmt(7000.456, "+,.1f")').value == "+7,000.5"


def test_dates_compare() -> None:
    fields = {
        "rsi.divergence.confirmed_on": date(2026, 2, 3),
        "context.index_last_new_high": date(2026, 1, 27),
    }
    assert run("rsi.divergence.confirmed_on > context.index_last_new_high", **fields).value


# -- level() ---------------------------------------------------------------------------


def test_level_found_by_label_with_its_fields() -> None:
    shot = priced(
        6978.03,
        level("6,992 pivot", 6992, 6978.03),
        level("6,700–7,000 range", 6700, 6978.03, kind="range", upper=7000.0),
    )
    rule = compile_rule('price.last > level("6,992 pivot").value')
    assert rule.evaluate(shot).value is False
    distance = compile_rule('level("6,992 pivot").distance_pct', kind="value").evaluate(shot)
    assert distance.value == pytest.approx((6978.03 / 6992 - 1) * 100)
    inside = compile_rule(
        'price.last >= level("6,700–7,000 range").value'
        ' and price.last <= level("6,700–7,000 range").upper'
    )
    assert inside.evaluate(shot).value is True
    # Names match whatever the dash and case: "6,700-7,000 RANGE" is the same level.
    assert compile_rule('level("6,700-7,000  RANGE").upper == 7000').evaluate(shot).value is True


def test_a_user_level_wins_over_a_derived_one_of_the_same_name() -> None:
    # The same name as level() reads it (case-blind): the price section holds one level
    # per exact name, the user's (tests/signals/test_price_readings.py).
    derived = level("7,000 milestone", 7000, 6978.03, kind="milestone")
    mine = level("7,000 Milestone", 7001, 6978.03)
    rule = compile_rule('level("7,000 milestone")', kind="value")
    for levels in ((derived, mine), (mine, derived)):
        found = rule.evaluate(priced(6978.03, *levels)).value
        assert found is not None and found.kind == "user" and found.value == 7001


def test_a_missing_level_is_unknown_with_advice() -> None:
    shot = priced(6978.03, level("6,992 pivot", 6992, 6978.03))
    outcome = compile_rule('price.last > level("6,824 support").value').evaluate(shot)
    assert outcome.value is None
    assert outcome.reasons == (
        "no level named '6,824 support' (add it to your config; see examples/seven-k.toml)",
    )
    assert compile_rule('level("6,824 support") == null').evaluate(shot).value is True
    assert compile_rule('level("6,992 pivot") != null').evaluate(shot).value is True
    no_price = compile_rule('price.last > level("6,992 pivot").value').evaluate(blank())
    assert no_price.reasons == ("price.last is unknown",)


def test_a_level_without_an_upper_is_unknown_there() -> None:
    shot = priced(6978.03, level("6,992 pivot", 6992, 6978.03))
    outcome = compile_rule('price.last < level("6,992 pivot").upper').evaluate(shot)
    assert outcome.value is None
    assert outcome.reasons == (
        "level(\"6,992 pivot\").upper is unknown (level '6,992 pivot' has none)",
    )


def test_unknown_reasons_are_not_repeated() -> None:
    outcome = run("vix.last > 1 and vix.last < 30")
    assert outcome.value is None and outcome.reasons == ("vix.last is unknown",)
