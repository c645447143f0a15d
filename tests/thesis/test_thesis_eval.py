"""Scoring theses on Snapshots: a Snapshot with no data leaves every built-in item
unknown (with a reason), never failed; hand-built readings pass and fail the items they
should, with the value shown in the item's format; a rule that crashes costs only its
item; and the engine puts both scores (and any added thesis) into every Snapshot, as
of the Snapshot's time."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings, ThesisConfig, ThesisItemConfig, UserLevel
from core.engine import Engine
from core.rules import Outcome, Rule
from core.session import MarketSession
from core.snapshot import Snapshot
from core.thesis import builtin_theses, checklist_section, evaluate, judge, load_theses
from tests.fake_source import FakeSource, trending_bars
from tests.thesis.helpers import blank, level, priced

LAST = 6978.03


def items(score: Any) -> dict[str, Any]:
    return {item.id: item for item in score.items}


def test_no_data_means_every_item_is_unknown_never_failed() -> None:
    for name, thesis in builtin_theses().items():
        score = evaluate(thesis, blank())
        assert score.score == 0 and score.total == len(thesis.items), name
        for item in score.items:
            assert item.status == "unknown", (name, item.id)
            assert item.reason is not None and "unknown" in item.reason, item.id
            assert item.value is None and item.rule and item.why


def bullish_snapshot() -> Any:
    return priced(
        7105.0,
        level("7,000 milestone", 7000, 7105.0, kind="milestone"),
        level("6,992 pivot", 6992, 7105.0),
        **{
            "price.within_1pct_below_milestone": False,
            "price.nearest_milestone_above": 8000.0,
            "price.ema_stack": "bullish",
            "price.bands.bollinger_expanding": True,
            "price.bands.keltner_expanding": None,
            "price.bands.bollinger_position": 86.0,
            "context.rut_win_streak": 4,
            "breadth.pct_above_200dma_change_20d": 3.4,
            "vix.iv_rank_1y": 7.0,
            "vix.vix_minus_realized": 3.2,
            "trend.exposure_change_1w": 6.0,
            "trend.crowded": False,
            "trend.exposure_pct": 53.0,
            "rsi.value": 61.0,
        },
    )


def test_a_bullish_tape() -> None:
    score = evaluate(builtin_theses()["bull"], bullish_snapshot())
    found = items(score)
    assert {k: v.status for k, v in found.items()} == {
        "above_7000": "pass",
        "above_pivot": "pass",
        "near_milestone": "fail",
        "rut_streak": "pass",
        "breadth_improving": "pass",
        "low_iv_rank": "pass",
        "vix_near_realized": "pass",
        "cta_adding": "pass",
        "ema_stack": "pass",
        "bands_expanding": "pass",  # Keltner unknown, Bollinger expanding: true or unknown
        "momentum": "pass",
        "positive_gamma": "unknown",  # no option chain
    }
    assert score.score == 10 and score.total == 12
    assert found["above_7000"].value == f"{(7105 / 7000 - 1) * 100:+.2f}%"
    assert found["near_milestone"].value == f"{(7105 / 8000 - 1) * 100:+.2f}%"
    assert found["rut_streak"].value == "4 sessions"
    assert found["breadth_improving"].value == "+3.4 pp"
    assert found["ema_stack"].value == "bullish"
    assert found["above_7000"].rule == 'price.last > level("7,000 milestone").value'
    assert found["above_7000"].reason is None


def test_a_bearish_tape() -> None:
    shot = priced(
        6798.40,
        level("7,000 milestone", 7000, 6798.40, kind="milestone"),
        level("EMA 50", 6870.72, 6798.40, kind="ema"),
        level("SMA 200", 6461.29, 6798.40, kind="sma"),
        level("6,824 support", 6824, 6798.40),
        level("6,700–7,000 range", 6700, 6798.40, kind="range", upper=7000.0),
        **{
            "rsi.value": 38.9,
            "rsi.divergence.kind": "bearish",
            "price.td.setup_direction": "sell",
            "price.td.setup_count": 9,
            "price.td.countdown": 0,
            "vix.index_up_vix_up": True,
            "vix.vix_change_5d": 1.25,
            "breadth.rsp_spy_vs_50d_pct": -0.8,
            "context.small_caps_rel_20d_pct": -2.1,
            "context.nasdaq_new_high_52w": False,
            "context.nasdaq_confirms": False,
            "context.index_last_new_high": date(2026, 1, 27),
        },
    )
    found = items(evaluate(builtin_theses()["bear"], shot))
    statuses = {k: v.status for k, v in found.items()}
    assert statuses == {
        "bearish_divergence": "pass",
        "ceiling_7000": "pass",
        "gamma_ceiling": "unknown",  # no option chain
        "td_exhaustion": "pass",
        "vix_up_with_index": "pass",
        "top10_concentration": "unknown",
        "rsp_lagging": "pass",
        "small_caps_weak": "pass",
        "nasdaq_not_confirming": "pass",
        "below_ema50": "pass",
        "below_sma200": "fail",
        "in_range": "pass",
        "below_support": "pass",
    }
    assert found["top10_concentration"].reason == "breadth.top10_concentration_pct is unknown"
    assert found["td_exhaustion"].value == "sell 9"
    assert found["bearish_divergence"].value == "bearish"
    assert found["nasdaq_not_confirming"].value == "2026-01-27"
    assert found["in_range"].value == "6,798.40"


def test_no_divergence_and_no_recent_high_are_fails_not_unknowns() -> None:
    shot = priced(
        LAST,
        **{
            "rsi.value": 55.0,
            "context.nasdaq_new_high_52w": False,
            "price.td.setup_count": 0,
            "price.td.countdown": 0,
        },
    )
    found = items(evaluate(builtin_theses()["bear"], shot))
    assert found["bearish_divergence"].status == "fail"
    assert found["bearish_divergence"].value == "none"
    assert found["nasdaq_not_confirming"].status == "fail"  # no S&P high to confirm
    assert found["td_exhaustion"].status == "fail" and found["td_exhaustion"].value == "no setup"


def test_a_missing_user_level_is_unknown_with_advice() -> None:
    found = items(evaluate(builtin_theses()["bull"], priced(LAST)))
    assert found["above_pivot"].status == "unknown"
    assert found["above_pivot"].reason == (
        "no level named '6,992 pivot' (add it to your config; see examples/seven-k.toml)"
    )


def test_a_crashing_rule_costs_only_its_item(monkeypatch: pytest.MonkeyPatch) -> None:
    bull = builtin_theses()["bull"]
    broken = bull.item("ema_stack").rule

    def explode(self: Rule, snapshot: Snapshot) -> Outcome:
        if self is broken:
            raise ZeroDivisionError("boom")
        return original(self, snapshot)

    original = Rule.evaluate
    monkeypatch.setattr(Rule, "evaluate", explode)
    judged = judge(bull.item("ema_stack"), bullish_snapshot())
    assert (
        judged.status == "unknown"
        and judged.reason == "could not evaluate: ZeroDivisionError('boom')"
    )
    section = checklist_section(builtin_theses(), bullish_snapshot(), "REPLAY", None)
    assert section.bull.score == 9  # the other ten items are judged as before
    assert section.status.detail == "bull.ema_stack could not evaluate: ZeroDivisionError('boom')"


def test_checklist_section_status_and_extra() -> None:
    settings = Settings(
        theses={
            "soft_landing": ThesisConfig(
                items=(ThesisItemConfig(id="calm", label="VIX calm", rule="vix.last < 18"),)
            )
        }
    )
    theses = load_theses(settings.theses)
    shot = bullish_snapshot()
    section = checklist_section(theses, shot, "REPLAY", None)
    assert section.status.state == "REPLAY" and section.status.as_of == shot.as_of
    assert section.status.detail is None
    assert list(section.extra) == ["soft_landing"]
    assert section.extra["soft_landing"].items[0].status == "unknown"
    assert section.bull.title == "Bull: liquidity regime, momentum"
    stale = checklist_section(theses, shot, "STALE", "yahoo: timed out")
    assert stale.status.state == "STALE" and stale.status.detail == "yahoo: timed out"


# -- through the engine ----------------------------------------------------------------

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)


def engine_snapshot(**kwargs: Any) -> Any:
    days = MarketSession().sessions(date(2024, 1, 2), date(2026, 1, 27))
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in days[-400:]])
    source = FakeSource(
        {"^GSPC": trending_bars(index, start=5600.0), "^VIX": trending_bars(index, 15.0, 0.0)}
    )
    settings = kwargs.pop(
        "settings", Settings(levels=(UserLevel(label="6,992 pivot", value=6992, thesis="bull"),))
    )
    clock = fixed_clock(NOW)
    engine = Engine(settings, source, clock=clock, session=MarketSession(clock), **kwargs)
    return engine.refresh()


def test_the_engine_scores_both_theses_in_every_snapshot() -> None:
    snapshot = engine_snapshot()
    checklist = snapshot.checklist
    assert checklist.bull.total == 12 and checklist.bear.total == 13
    assert checklist.status.as_of == snapshot.as_of
    assert checklist.status.detail is None
    statuses = {item.status for item in checklist.bull.items + checklist.bear.items}
    assert statuses <= {"pass", "fail", "unknown"} and "pass" in statuses
    for item in checklist.bull.items + checklist.bear.items:
        assert (item.status == "unknown") == (item.reason is not None), item.id
    # Without RUT, Nasdaq or members those items are unknown, never failed.
    found = items(checklist.bear)
    assert found["small_caps_weak"].status == "unknown"
    assert found["top10_concentration"].status == "unknown"
    assert found["below_support"].status == "unknown"  # no "6,824 support" level configured
    # The JSON contract: checklist.bull.items[{id, label, status, value}], and more.
    dumped = json.loads(snapshot.model_dump_json())
    first = dumped["checklist"]["bull"]["items"][0]
    assert {"id", "label", "status", "value", "rule", "reason", "why"} <= set(first)
    assert dumped["checklist"]["extra"] == {}


def test_the_engine_takes_theses_or_the_settings_changes() -> None:
    custom = {"bull": builtin_theses()["bull"]}
    snapshot = engine_snapshot(theses=custom)
    assert snapshot.checklist.bull.total == 12 and snapshot.checklist.bear.total == 0
    settings = Settings(theses={"bull": ThesisConfig(disable=("momentum",))})
    assert engine_snapshot(settings=settings).checklist.bull.total == 11
