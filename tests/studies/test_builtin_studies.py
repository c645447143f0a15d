"""The built-in studies (core/studies/builtin.toml): the ids the CLI and the Edge panel
name; each definition in words agrees with its fields (headline, cool-down, the N of
the streak); each condition and `near` on hand-made rows of readings, unknown where a
reading it needs is (and only there); the streak's N changed from the config; and the
milestone studies end to end on a price path whose events and returns are known by
construction (the price section's readings of synthetic bars, then `run_study`)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.config import Settings, StudyConfig
from core.rules import compile_rule
from core.sections.price import readings as price_readings
from core.studies.run import needed_sections, run_study
from core.studies.study import Study, load_studies
from tests.signals.oracles_price import SYMBOL, price_inputs

BUILTIN_IDS = (
    "rut_streak",
    "rut_streak_small_caps",
    "rut_streak_relative",
    "milestone_proximity",
    "new_milestone",
    "td_sell_9",
    "td_sell_13",
    "rsi_bearish_divergence",
    "vix_up_with_index",
    "breadth_above_70",
    "breadth_below_30",
)
STREAK_N = 8


def builtins() -> dict[str, Study]:
    return load_studies(Settings())


def frame(**columns: Any) -> pd.DataFrame:
    """Rows of readings by dotted name; ints as nullable whole numbers, text and flags
    as objects (None: unknown), as a history holds them."""
    typed: dict[str, Any] = {}
    for name, values in columns.items():
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
            typed[name] = pd.array(values, dtype="Int64")
        elif all(v is None or isinstance(v, float) for v in values):
            typed[name] = np.array([np.nan if v is None else v for v in values])
        else:
            typed[name] = pd.Series(values, dtype=object).to_numpy()
    rows = len(next(iter(columns.values())))
    return pd.DataFrame(typed, index=pd.bdate_range("2026-01-05", periods=rows))


def holds(study: Study, rows: pd.DataFrame) -> list[bool | None]:
    """The condition on each row: True, False, or None where unknown."""
    values, known = compile_rule(study.condition).evaluate_columns(rows)
    return [bool(v) if k else None for v, k in zip(values, known, strict=True)]


def near(study: Study, rows: pd.DataFrame) -> list[float | None]:
    assert study.near is not None
    values, known = compile_rule(study.near, kind="value").evaluate_columns(rows)
    return [round(float(v), 4) if k else None for v, k in zip(values, known, strict=True)]


def test_the_builtin_ids_in_order_and_the_sections_they_read() -> None:
    studies = builtins()
    assert tuple(studies) == BUILTIN_IDS
    assert set(needed_sections(studies.values())) == {"price", "rsi", "context", "vix", "breadth"}


@pytest.mark.parametrize("study_id", BUILTIN_IDS)
def test_each_definition_says_what_its_fields_do(study_id: str) -> None:
    study = builtins()[study_id]
    words = study.definition
    assert f"headline {study.headline}" in words
    assert f"at least {study.cooldown} sessions apart" in words
    assert ", ".join(map(str, study.horizons[:-1])) + f" and {study.horizons[-1]}" in words
    if study.decline_pct is not None:
        assert f"reached {study.decline_pct:.0f} %" in words
    if "breadth" in needed_sections([study]):
        assert "survivorship" in words


def test_the_streak_studies_share_one_n_and_say_it() -> None:
    studies = builtins()
    for study_id in ("rut_streak", "rut_streak_small_caps", "rut_streak_relative"):
        study = studies[study_id]
        assert study.condition == f"context.rut_win_streak >= {STREAK_N}"
        assert f"at least {STREAK_N} sessions in a row" in study.definition
        assert re.search(rf"of {STREAK_N}\+", study.title)
    assert f"N = {STREAK_N} is the streak length" in studies["rut_streak"].definition
    assert studies["rut_streak_relative"].relative_to == "index"
    assert studies["rut_streak_small_caps"].series == "small_caps"


def test_the_streak_n_is_changed_in_the_config() -> None:
    changed = StudyConfig(condition="context.rut_win_streak >= 5")
    studies = load_studies(Settings(studies={"rut_streak": changed}))
    assert studies["rut_streak"].condition == "context.rut_win_streak >= 5"
    assert studies["rut_streak"].headline == 21  # the other fields stay
    rows = frame(**{"context.rut_win_streak": [4, 5, 8, None]})
    assert holds(studies["rut_streak"], rows) == [False, True, True, None]
    assert holds(builtins()["rut_streak"], rows) == [False, False, True, None]


def test_streak_condition_and_near() -> None:
    study = builtins()["rut_streak"]
    rows = frame(**{"context.rut_win_streak": [0, 2, 7, 8, 12, None]})
    assert holds(study, rows) == [False, False, False, True, True, None]
    assert near(study, rows) == [100.0, 75.0, 12.5, 0.0, 0.0, None]


def test_milestone_conditions_and_near() -> None:
    studies = builtins()
    rows = frame(
        **{
            "price.last": [6800.0, 6930.0, 6978.03, 7022.95, None],
            "price.nearest_milestone_above": [7000.0, 7000.0, 7000.0, 8000.0, None],
            "price.within_1pct_below_milestone": [False, True, True, False, None],
            "price.highest_milestone": [6000.0, 6000.0, 6000.0, 7000.0, None],
            "price.new_milestone": [False, False, False, True, None],
        }
    )
    proximity, new = studies["milestone_proximity"], studies["new_milestone"]
    assert holds(proximity, rows) == [False, True, True, False, None]
    to_zone = [round((0.99 * m / c - 1) * 100, 4) for m, c in ((7000, 6800), (8000, 7022.95))]
    assert near(proximity, rows) == [to_zone[0], 0.0, 0.0, to_zone[1], None]
    assert holds(new, rows) == [False, False, False, True, None]
    to_new = [round((m / c - 1) * 100, 4) for m, c in ((7000, 6800), (7000, 6930), (8000, 7022.95))]
    assert near(new, rows) == [to_new[0], to_new[1], 0.3148, to_new[2], None]
    # before any close reached 1,000 the next milestone never reached is 1,000
    early = frame(**{"price.last": [500.0], "price.highest_milestone": [None]})
    assert near(new, early) == [100.0]


def test_td_conditions() -> None:
    studies = builtins()
    rows = frame(
        **{
            "price.td.setup_direction": ["sell", "sell", "buy", None, "sell"],
            "price.td.setup_count": [8, 9, 9, 0, 9],
            "price.td.countdown_direction": ["sell", "sell", "buy", None, None],
            "price.td.countdown": [13.0, 12.0, 13.0, 0.0, None],
        }
    )
    assert holds(studies["td_sell_9"], rows) == [False, True, False, False, True]
    # countdown unknown (missing highs and lows): unknown, unless the 9 decides
    assert holds(studies["td_sell_13"], rows) == [True, False, False, False, None]


def test_rsi_divergence_is_its_confirmation_session_and_false_when_none_is_active() -> None:
    study = builtins()["rsi_bearish_divergence"]
    rows = frame(
        **{
            "rsi.value": [55.0, 71.0, 70.0, 35.0, None],
            "rsi.divergence.kind": [None, "bearish", "bearish", "bullish", None],
            "rsi.divergence.sessions_active": [None, 0.0, 1.0, 0.0, None],
        }
    )
    assert holds(study, rows) == [False, True, False, False, None]


def test_vix_and_breadth_conditions_and_near() -> None:
    studies = builtins()
    vix = frame(**{"vix.index_up_vix_up": [True, False, None]})
    assert holds(studies["vix_up_with_index"], vix) == [True, False, None]
    rows = frame(**{"breadth.pct_above_200dma": [70.0, 70.5, 30.0, 29.5, 66.4, None]})
    above, below = studies["breadth_above_70"], studies["breadth_below_30"]
    assert holds(above, rows) == [False, True, False, False, False, None]
    assert holds(below, rows) == [False, False, False, True, False, None]
    assert near(above, rows) == [0.0, 0.0, 40.0, 40.5, 3.6, None]
    assert near(below, rows) == [40.0, 40.5, 0.0, 0.0, 36.4, None]


# --- the milestone studies end to end ------------------------------------------------

RISE = 0.004
"""A close that rises 0.4 % a session: every h-session return is 1.004^h − 1, and it
spends two or three sessions within 1 % below each 1,000 it passes."""


def rising_path() -> tuple[pd.DataFrame, pd.Series]:
    """From 900 to past 2,000: the price readings of those bars, and their closes."""
    close = 900.0 * (1.0 + RISE) ** np.arange(290)  # 900 to 2,854
    index = pd.bdate_range("2001-01-02", periods=close.size, name="date")
    bars = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1e9}, index=index
    )
    return price_readings(price_inputs(bars)), pd.Series(close, index=index)


def test_new_milestone_events_are_the_first_closes_at_or_above_each_1000() -> None:
    readings, close = rising_path()
    result = run_study(builtins()["new_milestone"], readings, {SYMBOL: close}, Settings())
    first_1000 = int(np.argmax(close.to_numpy() >= 1000))
    first_2000 = int(np.argmax(close.to_numpy() >= 2000))
    dates = [event.date for event in result.events]
    assert dates == [close.index[first_1000].date(), close.index[first_2000].date()]
    assert [event.reading for event in result.events] == [1000.0, 2000.0]
    ten = result.events[0].returns_pct["10"]
    assert ten == pytest.approx(((1 + RISE) ** 10 - 1) * 100, abs=1e-4)  # kept to 4 decimals
    # 252 sessions after the second event are past the last bar: pending, not zero
    year = result.horizons["252"]
    assert (year.n, year.pending) == (1, 1)
    assert result.events[1].returns_pct["252"] is None


def test_milestone_proximity_events_are_the_first_sessions_within_1pct_below() -> None:
    readings, close = rising_path()
    result = run_study(builtins()["milestone_proximity"], readings, {SYMBOL: close}, Settings())
    values = close.to_numpy()
    firsts = [int(np.argmax(values >= 990.0)), int(np.argmax(values >= 1980.0))]
    assert [event.date for event in result.events] == [close.index[i].date() for i in firsts]
    assert [event.reading for event in result.events] == [1000.0, 2000.0]
    assert result.horizons["10"].mean_pct == pytest.approx(((1 + RISE) ** 10 - 1) * 100)
    assert result.active is False and result.near_pct is not None and result.near_pct > 0
