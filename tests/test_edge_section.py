"""The edge section (issue 11) on synthetic bars whose events are placed by hand: a study
whose condition holds on the last session is active, so is one whose last event is
within its cool-down (the most recent first), one past it is not; with none active the
nearest (smallest |near_pct|, at most three) are named; studies reading breadth say
the members span `history_years`; a failing study is named and the others stand; no
history yet, no studies, or a bad study each say why; and the results are kept while
the session, the history's object, the settings and the members stay the same."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

import core.studies.run
import core.studies.study
from core.config import Settings, StudyConfig
from core.section import CycleData, Inputs, builtin
from core.sections import edge
from core.sections.edge import LOADING, NO_STUDIES, EdgeSection
from core.session import MarketSession
from core.snapshot import PanelStatus
from core.sources.base import MemberPanel

LAST = date(2026, 1, 27)
COUNT = 300


@pytest.fixture(autouse=True)
def only_these_studies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tests' own studies alone (the built-in ones are tested on real data)."""
    monkeypatch.setattr(core.studies.study, "builtin_studies", lambda: {})
    yield


def sessions(count: int = COUNT, end: date = LAST) -> pd.DatetimeIndex:
    days = MarketSession().sessions(date(2024, 1, 2), end)
    return pd.DatetimeIndex([pd.Timestamp(day) for day in days[-count:]])


def bars(spikes: Sequence[int] = (), days: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """The index flat at 100, at 120 on the sessions at positions `spikes` (negative:
    from the end)."""
    days = sessions() if days is None else days
    close = np.full(len(days), 100.0)
    for position in spikes:
        close[position] = 120.0
    return pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1e9},
        index=pd.DatetimeIndex(days, name="date"),
    )


def above(level: float, **fields: Any) -> StudyConfig:
    """A study of the index closing at or above `level`, 5 and 10 sessions on."""
    given: dict[str, Any] = {
        "title": f"at or above {level:g}",
        "definition": f"the S&P 500 closes at or above {level:g}",
        "condition": f"price.last >= {level:g}",
        "near": f"({level:g} - price.last) / price.last * 100",
        "horizons": (5, 10),
        "headline": 5,
        "cooldown": 21,
    }
    return StudyConfig(**(given | fields))


def cycle(
    full_bars: dict[str, pd.DataFrame] | None = None,
    members: MemberPanel | None = None,
    missing: str | None = None,
) -> CycleData:
    return CycleData(
        bars={},
        members=members,
        state="CLOSED",
        detail=None,
        close_time=MarketSession().session_close,
        full_bars=full_bars if full_bars is not None else {},
        full_bars_missing=missing,
    )


def compute(settings: Settings, data: CycleData) -> EdgeSection:
    inputs = Inputs(settings, data, None, {}, builtin(), {}, {})
    section: EdgeSection = builtin()["edge"].run(inputs)
    return section


def by_id(section: EdgeSection) -> dict[str, Any]:
    return {result.id: result for result in section.studies}


def test_a_condition_holding_on_the_last_session_is_active() -> None:
    settings = Settings(studies={"spike": above(110)})
    section = compute(settings, cycle({"^GSPC": bars(spikes=(100, -1))}))
    result = by_id(section)["spike"]
    assert section.session == LAST and result.span_to == LAST
    assert section.span_from == sessions()[0].date()
    assert [event.date for event in result.events] == [sessions()[100].date(), LAST]
    assert result.active is True
    assert section.active == ("spike",) and section.nearest == ()
    assert section.status.state == "CLOSED" and section.status.detail is None
    assert section.status.as_of == MarketSession().session_close(LAST)


def test_within_its_cool_down_a_study_stays_active_most_recent_first() -> None:
    band = "price.last >= 110 and price.last < 115"  # 112 five sessions ago, not today's 120
    settings = Settings(
        studies={
            "older": above(110, condition=band),  # its last event 5 sessions ago: within 21
            "today": above(115),  # today: the more recent
            "past": above(110, condition=band, cooldown=3),  # 5 sessions ago is past 3
        }
    )
    closes = bars(spikes=(-6, -1))
    closes.loc[closes.index[-6], "close"] = 112.0
    section = compute(settings, cycle({"^GSPC": closes}))
    results = by_id(section)
    assert results["older"].active is False and results["older"].within_cooldown
    assert results["past"].active is False and not results["past"].within_cooldown
    assert section.active == ("today", "older")
    assert section.nearest == ()


def test_with_none_active_the_three_nearest_are_named_nearest_first() -> None:
    levels = {"far": 200, "near": 105, "middle": 130, "next": 150}
    settings = Settings(studies={name: above(level) for name, level in levels.items()})
    section = compute(settings, cycle({"^GSPC": bars(spikes=(50,))}))
    assert section.active == ()
    assert section.nearest == ("near", "middle", "next")
    assert by_id(section)["near"].near_pct == pytest.approx(5.0)


def test_the_results_are_the_runners_on_the_history_up_to_the_session() -> None:
    settings = Settings(studies={"spike": above(110)})
    result = by_id(compute(settings, cycle({"^GSPC": bars(spikes=(100, 200))})))["spike"]
    stats = result.horizons["5"]
    assert stats.n == 2 and stats.pending == 0
    # Flat at 100 but for the spikes: from 120 five sessions on, −16.67 %.
    assert stats.mean_pct == pytest.approx((100 / 120 - 1) * 100)
    assert result.definition == "the S&P 500 closes at or above 110"


def test_a_study_reading_breadth_says_the_members_span_history_years() -> None:
    days = sessions()
    closes = 100 * np.exp(np.cumsum(np.full((len(days), 5), 0.001), axis=0))
    members = MemberPanel(closes=pd.DataFrame(closes, index=days))
    settings = Settings(
        studies={
            "broad": above(0, condition="breadth.pct_above_200dma > 50", near=None),
            "spike": above(110),
        }
    )
    section = compute(settings, cycle({"^GSPC": bars()}, members=members))
    results = by_id(section)
    note = next(note for note in results["broad"].notes if "history_years" in note)
    assert f"from {days[0].date()}" in note
    assert not any("history_years" in note for note in results["spike"].notes)
    assert results["broad"].active is True  # every member above its average at the end


def test_a_series_with_no_history_leaves_its_events_without_returns() -> None:
    settings = Settings(
        studies={"spike": above(110), "small": above(110, series="small_caps")}
    )  # no bars of the Russell 2000 to measure
    section = compute(settings, cycle({"^GSPC": bars(spikes=(100, -1))}))
    small, spike = by_id(section)["small"], by_id(section)["spike"]
    assert len(small.events) == 2 and small.horizons["5"].n == 0
    assert small.notes and spike.horizons["5"].n == 1
    assert section.status.detail is None


def test_a_failing_study_is_named_and_the_others_stand(monkeypatch: pytest.MonkeyPatch) -> None:
    run_study = core.studies.run.run_study

    def failing(study: Any, *args: Any, **kwargs: Any) -> Any:
        if study.id == "broken":
            raise ValueError("odd data")
        return run_study(study, *args, **kwargs)

    monkeypatch.setattr(core.studies.run, "run_study", failing)
    settings = Settings(studies={"spike": above(110), "broken": above(105)})
    section = compute(settings, cycle({"^GSPC": bars(spikes=(-1,))}))
    assert [result.id for result in section.studies] == ["spike"]
    assert section.status.detail == "study broken failed: odd data"
    assert section.active == ("spike",)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (cycle(missing="no long history (its load failed): yahoo rate limited"), "its load failed"),
        (cycle(), LOADING),
        (cycle({"^RUT": bars()}), "no history of ^GSPC to run the studies on"),
    ],
)
def test_with_no_history_of_the_index_it_says_why(data: CycleData, why: str) -> None:
    section = compute(Settings(studies={"spike": above(110)}), data)
    assert section.studies == () and section.session is None
    assert why in (section.status.detail or "")


def test_with_no_studies_it_says_so_and_reads_no_history() -> None:
    settings = Settings()
    assert edge.symbols(settings) == ()
    section = compute(settings, cycle({"^GSPC": bars()}))
    assert section.status.detail == NO_STUDIES


def test_a_bad_study_costs_the_panel_with_one_line() -> None:
    settings = Settings(studies={"bad": above(110, condition="price.nonsense > 1")})
    assert edge.symbols(settings) == ()  # nothing loaded for it
    section = compute(settings, cycle({"^GSPC": bars()}))
    assert section.status.state == "ERROR"
    detail = section.status.detail or ""
    assert detail.startswith("could not run the studies") and "bad" in detail
    assert "\n" not in detail


def test_the_symbols_are_the_read_sections_and_the_measured_series() -> None:
    settings = Settings(
        studies={"spike": above(110, series="small_caps", condition="vix.last > 20")}
    )
    symbols = edge.symbols(settings)
    assert {"^GSPC", "^VIX", "^RUT"} <= set(symbols)
    assert "RSP" not in symbols  # breadth is not read


def test_a_cycle_that_changes_nothing_runs_no_study_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[str] = []
    run_study = core.studies.run.run_study

    def counted(study: Any, *args: Any, **kwargs: Any) -> Any:
        runs.append(study.id)
        return run_study(study, *args, **kwargs)

    monkeypatch.setattr(core.studies.run, "run_study", counted)
    settings = Settings(studies={"spike": above(110)})
    full_bars = {"^GSPC": bars(spikes=(-1,))}
    first = compute(settings, cycle(full_bars))
    live = CycleData(**{**cycle(full_bars).__dict__, "state": "LIVE", "detail": "quotes late"})
    again = compute(settings, live)
    assert runs == ["spike"]
    assert again.studies == first.studies
    # The status is the cycle's, never the cached one's.
    assert again.status.state == "LIVE" and again.status.detail == "quotes late"
    compute(settings, cycle(dict(full_bars)))  # a new load: a new object
    compute(Settings(studies={"spike": above(110, cooldown=5)}), cycle(full_bars))
    assert runs == ["spike", "spike", "spike"]


def test_a_session_in_the_members_after_the_history_is_not_read() -> None:
    days = sessions()
    closes = pd.DataFrame(np.full((len(days), 3), 50.0), index=days)
    closes.iloc[-1] = 500.0  # a session in progress: every member far above its average
    members = MemberPanel(closes=closes)
    settings = Settings(
        studies={"broad": above(0, condition="breadth.pct_above_200dma > 50", near=None)}
    )
    history = {"^GSPC": bars(days=days[:-1])}  # the history ends the session before
    section = compute(settings, cycle(history, members=members))
    assert section.session == days[-2].date()
    assert by_id(section)["broad"].active is False


def test_the_fallback_keeps_the_status() -> None:
    status = PanelStatus(state="ERROR", detail="could not compute: boom")
    section = edge.fallback(status, Settings())
    assert section.status.detail == "could not run the studies: boom"
    assert edge.text(section)[0].startswith("Edge: 0 active of 0 (not run)")
