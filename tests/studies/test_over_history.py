"""Studies over a source's history (`core.studies.over_history`): on a fake source whose
closes are set by hand, the events fall on the sessions placed, their forward returns
are those built in (a series relative to another included), an event within the
cool-down of another is none, a recent event is pending, the span starts at the
index's first session, a run as of a day is the same whatever the source holds after
it (the source serves every bar it has: the cut is the history's), and no option
chain is read unless a study names a level (the gamma flip and walls). On the real
data (skipped without it): the history from 1927, and readings as of a day equal to
those of a later day up to it."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pytest

from core.clock import NEW_YORK
from core.config import Settings
from core.history import fetch_cycle, readings_history
from core.section import builtin
from core.session import MarketSession
from core.sources.base import MemberPanel
from core.sources.files import FilesSource
from core.studies.over_history import run_studies, study_history
from core.studies.study import Study
from tests.fake_source import FakeSource, small_chain
from tests.market_data import require_market_data

SETTINGS = Settings()
INDEX = SETTINGS.symbols.index
SMALL = SETTINGS.symbols.small_caps
DAYS = pd.DatetimeIndex(
    [pd.Timestamp(day) for day in MarketSession().sessions(date(2024, 1, 2), date(2024, 12, 31))]
)
EVENTS = (40, 120, len(DAYS) - 3)
"""Where the index closes at 110 (100 elsewhere): one event each; the last is 3 sessions
before the end, so its 5-session horizon is pending."""
OVERLAP = 50
"""Also at 110, 10 sessions after the first event: within its cool-down, no event."""


def bars(close: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1e9},
        index=pd.DatetimeIndex(DAYS, name="date"),
    )


def index_closes() -> np.ndarray:
    close = np.full(len(DAYS), 100.0)
    close[[*EVENTS, OVERLAP]] = 110.0
    return close


def small_caps_closes() -> np.ndarray:
    """1,000, up 10 % the session after each event: +10 % over any horizon from one."""
    close = np.full(len(DAYS), 1000.0)
    for event in EVENTS[:2]:
        close[event + 1 :] *= 1.1
    return close


def source() -> FakeSource:
    return FakeSource({INDEX: bars(index_closes()), SMALL: bars(small_caps_closes())})


def spike(**fields: object) -> Study:
    base: dict[str, object] = {
        "id": "spike",
        "title": "Index at 110",
        "definition": "the index closes at 110 or more; small caps' forward returns",
        "condition": "price.last >= 110",
        "series": "small_caps",
        "horizons": (5, 10),
        "headline": 5,
    }
    return Study.model_validate(base | fields)


def test_the_history_starts_at_the_index_first_session_and_has_the_series() -> None:
    readings, prices = study_history(SETTINGS, source(), [spike(relative_to="index")])
    assert readings.index[0] == DAYS[0] and readings.index[-1] == DAYS[-1]
    assert list(readings["price.last"]) == list(index_closes())
    assert set(prices) == {INDEX, SMALL}
    assert list(prices[SMALL]) == list(small_caps_closes())


def test_events_and_their_returns_are_those_built_in() -> None:
    (result,) = run_studies(SETTINGS, source(), [spike()])
    assert [event.date for event in result.events] == [DAYS[n].date() for n in EVENTS]
    first, second, last = result.events
    for event in (first, second):
        assert event.returns_pct["5"] == pytest.approx(10.0)
        assert event.returns_pct["10"] == pytest.approx(10.0)
    assert last.returns_pct == {"5": None, "10": None}
    five = result.horizons["5"]
    assert (five.n, five.pending, five.mean_pct) == (2, 1, pytest.approx(10.0))
    assert result.span_from == DAYS[0].date() and result.span_to == DAYS[-1].date()
    assert result.active is False and result.within_cooldown


def test_a_series_relative_to_the_index_measures_the_ratio() -> None:
    (result,) = run_studies(SETTINGS, source(), [spike(relative_to="index")])
    # At the event the index is 110, five sessions later 100: (1,100 / 100) / (1,000 / 110).
    expected = (1100 / 100) / (1000 / 110) * 100 - 100
    assert result.events[0].returns_pct["5"] == pytest.approx(expected)
    assert result.series == "Russell 2000 relative to S&P 500"


def test_several_studies_share_one_history_and_keep_their_order() -> None:
    studies = [spike(), spike(id="flat", condition="price.last < 105", cooldown=300)]
    results = run_studies(SETTINGS, source(), studies)
    assert [result.id for result in results] == ["spike", "flat"]
    assert [event.date for event in results[1].events] == [DAYS[0].date()]


def test_a_run_as_of_a_day_ignores_whatever_the_source_holds_after_it() -> None:
    cut = 130
    as_of = DAYS[cut].date()
    (known,) = run_studies(SETTINGS, source(), [spike(relative_to="index")], end=as_of)
    later = index_closes()
    later[cut + 1 :] = 110.0  # a setup after the cut, and different prices
    small = small_caps_closes()
    small[cut + 1 :] *= 3
    altered = FakeSource({INDEX: bars(later), SMALL: bars(small)})
    (again,) = run_studies(SETTINGS, altered, [spike(relative_to="index")], end=as_of)
    assert again == known
    assert known.span_to == as_of
    assert [event.date for event in known.events] == [DAYS[n].date() for n in EVENTS[:2]]
    assert known.horizons["10"].pending == 0 and known.events[1].returns_pct["10"] is not None


def members(after: int | None = None) -> MemberPanel:
    """Ten members rising 0.1 % a session, five of them falling from session `after` on."""
    steps = np.tile(np.full(len(DAYS), 1.001)[:, None], (1, 10))
    if after is not None:
        steps[after:, :5] = 0.98
    closes = pd.DataFrame(100 * np.cumprod(steps, axis=0), index=DAYS)
    return MemberPanel(closes=closes.set_axis([f"M{n}" for n in range(10)], axis=1))


def test_members_after_the_as_of_day_are_never_read() -> None:
    cut = 200
    as_of = DAYS[cut].date()
    breadth = spike(id="breadth", condition="breadth.pct_above_200dma > 50", series="index")
    results = []
    for panel in (members(), members(after=cut + 1)):
        source = FakeSource({INDEX: bars(index_closes())}, members=panel)  # serves every day
        breadth_section = [builtin()["breadth"]]
        cycle = fetch_cycle(SETTINGS, source, DAYS[0].date(), as_of, breadth_section)
        assert cycle.members is not None and cycle.members.closes.index[-1] == DAYS[cut]
        results.append(run_studies(SETTINGS, source, [breadth], end=as_of)[0])
    assert results[0] == results[1] and results[0].span_to == as_of


def test_a_start_cuts_the_span_and_an_end_before_it_is_refused() -> None:
    (result,) = run_studies(SETTINGS, source(), [spike()], start=DAYS[100].date())
    assert result.span_from == DAYS[100].date()
    assert [event.date for event in result.events] == [DAYS[n].date() for n in EVENTS[1:]]
    with pytest.raises(ValueError, match="before"):
        run_studies(SETTINGS, source(), [spike()], start=date(2024, 6, 1), end=date(2024, 5, 1))


def test_a_series_the_source_lacks_is_a_warning_and_no_returns() -> None:
    warnings: list[str] = []
    (result,) = run_studies(SETTINGS, source(), [spike(series="nasdaq")], warn=warnings.append)
    assert warnings == ["no bars for ^IXIC: the studies measuring it have no returns"]
    assert len(result.events) == 3
    assert all(value is None for event in result.events for value in event.returns_pct.values())
    assert result.horizons["5"].n == 0


def with_chains() -> FakeSource:
    """The fake index and small caps, and an option chain quoted on two sessions."""
    days = (DAYS[60].date(), DAYS[200].date())
    chains = {
        day: small_chain(datetime.combine(day, time(16, 15), NEW_YORK), 100.0) for day in days
    }
    return FakeSource(
        {INDEX: bars(index_closes()), SMALL: bars(small_caps_closes())}, chains=chains
    )


def test_the_gamma_levels_are_computed_only_for_a_study_that_names_a_level() -> None:
    source = with_chains()
    readings, _ = study_history(SETTINGS, source, [spike()])
    assert source.chain_calls == []  # no chain read for a study of prices
    span = (DAYS[0].date(), DAYS[-1].date())
    history = readings_history(SETTINGS, with_chains(), *span, keys=["price"])
    left_out = {
        column.split("]")[0] + "]" for column in history.columns.difference(readings.columns)
    }
    assert left_out == {f"price.levels[{name}]" for name in ("Gamma flip", "Call wall", "Put wall")}
    pd.testing.assert_frame_equal(readings, history[readings.columns])  # the rest as it is
    flip = spike(condition='level("Gamma flip").value > 0')
    readings, _ = study_history(SETTINGS, source, [flip])
    assert source.chain_calls and readings["price.levels[Gamma flip].value"].notna().any()


# -- the real data --------------------------------------------------------------------

NEAR_MILESTONE = Study(
    id="near_milestone",
    title="Within 1% below a milestone",
    definition="the index within 1 % below the next 1,000-point milestone",
    condition="price.within_1pct_below_milestone",
    headline=10,
)
STREAK = Study(
    id="streak",
    title="Russell 2000 up 3 sessions",
    definition="the Russell 2000 up 3 sessions in a row or more",
    condition="context.rut_win_streak >= 3",
    series="small_caps",
    relative_to="index",
)


def test_on_the_real_data_the_history_starts_in_1927_and_cuts_at_the_day() -> None:
    source = FilesSource(require_market_data("GSPC.csv", "RUT.csv"))
    studies = [NEAR_MILESTONE, STREAK]
    early, _ = study_history(SETTINGS, source, studies, end=date(2026, 1, 28))
    later, prices = study_history(SETTINGS, source, studies, end=date(2026, 2, 5))
    assert early.index[0] == pd.Timestamp("1927-12-30")
    assert early.index[-1] == pd.Timestamp("2026-01-28")
    assert later.index[-1] == pd.Timestamp("2026-02-05")
    assert prices[SMALL].index[0] == pd.Timestamp("1987-09-10")
    assert max(series.index[-1] for series in prices.values()) == pd.Timestamp("2026-02-05")
    # What was known on Jan 28 is what a later history says of the sessions up to it.
    common = early.columns.intersection(later.columns)
    pd.testing.assert_frame_equal(early[common], later.loc[: early.index[-1], common])
    results = run_studies(SETTINGS, source, studies, end=date(2026, 2, 5))
    # Each study's span starts where its condition is first known: the Russell 2000's
    # streak the session after its first close.
    assert [result.span_from for result in results] == [date(1927, 12, 30), date(1987, 9, 11)]
    assert all(result.events for result in results)
