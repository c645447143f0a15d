"""The simulated market: deterministic for a seed, independent of the window asked for,
never past `end`, in the daily-bar contract, rich enough for every panel (members with
sectors and cap weights, a VIX that falls as the index rises, contango most days), and
a live bar that moves along a bridge pinned to the session's daily close in regular
hours only, resting on the last close outside them."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.clock import NEW_YORK
from core.indicators.volatility import realized_vol
from core.session import nyse_calendar, session_times
from core.sources import sim
from core.sources.base import Source, check_bars
from core.sources.sim import INDEX_SYMBOLS, SECTORS, SimSource


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


class MovableClock:
    """A clock the test sets by hand, so one generated path serves many instants."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


HISTORY_START = date(2016, 1, 1)
LATE = ny(2027, 6, 1, 12)
"""A clock well after the sessions the tests look at, so they are all complete."""
SESSION = date(2026, 6, 16)
"""A regular Tuesday session, 09:30-16:00 New York."""


CLOCK = MovableClock(LATE)
"""The reference simulation's clock: LATE, except inside a test using `live`."""


@pytest.fixture(scope="module")
def reference() -> SimSource:
    """The default simulation, seen from a clock after every session under test."""
    source = SimSource(clock=CLOCK)
    session_times(date.min)  # read once per process; not part of the path's cost
    started = time.perf_counter()
    source.generate()
    print(
        f"\nsim: full path ({source.member_count} members) in {time.perf_counter() - started:.3f} s"
    )
    return source


@pytest.fixture(scope="module")
def history(reference: SimSource) -> dict[str, pd.DataFrame]:
    return dict(reference.daily_bars(INDEX_SYMBOLS, HISTORY_START, date(2026, 12, 31)))


@pytest.fixture
def live(reference: SimSource) -> Iterator[tuple[SimSource, MovableClock]]:
    """The reference simulation with a clock the test moves (put back afterwards), so
    one generated path serves every instant."""
    CLOCK.moment = ny(2026, 6, 16, 11)
    yield reference, CLOCK
    CLOCK.moment = LATE


# --- the protocol and the contract ---------------------------------------------------


def test_is_a_simulated_source(reference: SimSource) -> None:
    assert isinstance(reference, Source)
    assert reference.kind == "sim"
    assert reference.simulated is True


def test_every_symbol_obeys_the_bar_contract(history: dict[str, pd.DataFrame]) -> None:
    assert set(history) == set(INDEX_SYMBOLS)
    for symbol, frame in history.items():
        checked = check_bars(frame, symbol)
        pd.testing.assert_frame_equal(checked, frame)
        assert frame.index.name == "date"
        assert frame.index[0] == pd.Timestamp("2016-01-04")
        index = pd.DatetimeIndex(frame.index)
        assert (index == index.normalize()).all()
        assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all(), symbol
        assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all(), symbol
        assert (frame["close"] > 0).all()
        if symbol.startswith("^VIX"):
            assert frame["volume"].isna().all()
        else:
            assert (frame["volume"] > 0).all()


def test_sessions_are_nyse_sessions(history: dict[str, pd.DataFrame]) -> None:
    dates = pd.DatetimeIndex(history["^GSPC"].index)
    assert pd.Timestamp("2026-07-03") not in dates  # Independence Day observed
    assert pd.Timestamp("2025-12-25") not in dates
    assert pd.Timestamp("2026-11-27") in dates  # an early close is still a session
    assert (dates.day_of_week < 5).all()


def test_unknown_symbol_is_absent(reference: SimSource) -> None:
    bars = reference.daily_bars(["^GSPC", "NOPE", "^VVIX"], date(2026, 1, 1), date(2026, 2, 1))
    assert set(bars) == {"^GSPC"}
    assert "NOPE" not in reference.quotes(["NOPE", "^GSPC"])


def test_an_empty_window_gives_empty_frames(reference: SimSource) -> None:
    bars = reference.daily_bars(["^GSPC"], date(2026, 7, 4), date(2026, 7, 5))  # a weekend
    assert bars["^GSPC"].empty
    check_bars(bars["^GSPC"], "empty")
    assert reference.daily_bars(["^GSPC"], date(2010, 1, 1), date(2012, 1, 1))["^GSPC"].empty


# --- determinism ---------------------------------------------------------------------


def test_same_seed_same_market(
    reference: SimSource, history: dict[str, pd.DataFrame], live: tuple[SimSource, MovableClock]
) -> None:
    twin = SimSource(seed=7000, clock=MovableClock(LATE))
    again = twin.daily_bars(INDEX_SYMBOLS, HISTORY_START, date(2026, 12, 31))
    for symbol in INDEX_SYMBOLS:
        pd.testing.assert_frame_equal(again[symbol], history[symbol])
    one = reference.members(date(2024, 1, 1), date(2026, 1, 1))
    two = twin.members(date(2024, 1, 1), date(2026, 1, 1))
    pd.testing.assert_frame_equal(one.closes, two.closes)
    pd.testing.assert_frame_equal(one.info, two.info)
    # History does not depend on the clock either: the live instance agrees to its past.
    source, clock = live
    clock.moment = ny(2026, 6, 16, 11)
    early = source.daily_bars(["^GSPC"], HISTORY_START, date(2026, 6, 15))["^GSPC"]
    pd.testing.assert_frame_equal(early, history["^GSPC"].loc[:"2026-06-15"])


def test_another_seed_another_market(history: dict[str, pd.DataFrame]) -> None:
    other = SimSource(seed=1, clock=MovableClock(LATE))
    bars = other.daily_bars(["^GSPC", "^VIX"], HISTORY_START, date(2026, 12, 31))
    assert bars["^GSPC"].index.equals(history["^GSPC"].index)
    assert not np.allclose(bars["^GSPC"]["close"], history["^GSPC"]["close"])
    assert not np.allclose(bars["^VIX"]["close"], history["^VIX"]["close"])


def test_bars_do_not_depend_on_the_window(
    reference: SimSource, history: dict[str, pd.DataFrame]
) -> None:
    short = reference.daily_bars(INDEX_SYMBOLS, date(2025, 3, 3), date(2025, 3, 7))
    for symbol in INDEX_SYMBOLS:
        assert len(short[symbol]) == 5
        pd.testing.assert_frame_equal(short[symbol], history[symbol].loc["2025-03-03":"2025-03-07"])
    narrow = reference.members(date(2025, 3, 3), date(2025, 3, 7)).closes
    wide = reference.members(HISTORY_START, date(2026, 12, 31)).closes
    pd.testing.assert_frame_equal(narrow, wide.loc["2025-03-03":"2025-03-07"])


def test_frames_are_copies(reference: SimSource) -> None:
    first = reference.daily_bars(["^GSPC"], date(2025, 3, 3), date(2025, 3, 7))["^GSPC"]
    first.loc[:, "close"] = -1.0
    again = reference.daily_bars(["^GSPC"], date(2025, 3, 3), date(2025, 3, 7))["^GSPC"]
    assert (again["close"] > 0).all()


# --- never after end: replay ---------------------------------------------------------


@pytest.mark.parametrize("end", [date(2020, 3, 20), date(2024, 7, 6), date(2026, 6, 15)])
def test_no_rows_after_end(
    reference: SimSource, history: dict[str, pd.DataFrame], end: date
) -> None:
    bars = reference.daily_bars(INDEX_SYMBOLS, date(2019, 1, 1), end)
    for symbol, frame in bars.items():
        assert frame.index.max() <= pd.Timestamp(end)
        pd.testing.assert_frame_equal(frame, history[symbol].loc["2019-01-01" : end.isoformat()])
    panel = reference.members(date(2019, 1, 1), end)
    assert panel.closes.index.max() <= pd.Timestamp(end)
    member = panel.closes.columns[0]
    own = reference.daily_bars([member], date(2019, 1, 1), end)[member]
    assert own.index.max() <= pd.Timestamp(end)


def test_replay_during_a_live_session_excludes_the_live_bar(
    live: tuple[SimSource, MovableClock], history: dict[str, pd.DataFrame]
) -> None:
    source, clock = live
    clock.moment = ny(2026, 6, 16, 11)
    as_of = source.daily_bars(["^GSPC"], date(2026, 1, 1), date(2026, 6, 15))["^GSPC"]
    pd.testing.assert_frame_equal(as_of, history["^GSPC"].loc["2026-01-01":"2026-06-15"])
    assert source.members(date(2026, 1, 1), date(2026, 12, 31)).closes.index[-1] == pd.Timestamp(
        "2026-06-15"
    )


# --- what the panels need ------------------------------------------------------------


def test_members_have_sectors_and_concentrated_weights(reference: SimSource) -> None:
    panel = reference.members(date(2024, 11, 20), date(2026, 11, 20))
    info = panel.info
    assert len(info) >= 400
    assert list(panel.closes.columns) == list(info.index)
    assert info.index[0] == "SIM001"
    assert set(info["sector"]) == set(SECTORS)
    assert len(SECTORS) == 11
    assert info["weight"].sum() == pytest.approx(1.0)
    assert (info["weight"] >= 0).all()
    top10 = info["weight"].nlargest(10).sum()
    assert 0.25 <= top10 <= 0.5
    assert info["name"].str.len().min() > 0
    late = panel.closes.columns[panel.closes.iloc[0].isna() & panel.closes.iloc[-1].notna()]
    assert len(late) > 0, "some members list inside the window"
    first_close = panel.closes[late[0]].first_valid_index()
    assert panel.closes[late[0]].loc[first_close:].notna().all()
    before = reference.members(HISTORY_START, date(2016, 12, 31)).closes
    assert before.iloc[0].isna().sum() > 0, "members that list later are NaN before"


def test_member_bars_are_close_only(reference: SimSource) -> None:
    panel = reference.members(date(2026, 1, 1), date(2026, 3, 1))
    ticker = str(panel.closes.columns[4])
    bars = reference.daily_bars([ticker], date(2026, 1, 1), date(2026, 3, 1))[ticker]
    check_bars(bars, ticker)
    pd.testing.assert_series_equal(bars["close"], panel.closes[ticker].dropna(), check_names=False)
    assert bars[["open", "high", "low", "volume"]].isna().all().all()


def test_index_follows_its_members(reference: SimSource, history: dict[str, pd.DataFrame]) -> None:
    closes = reference.members(date(2022, 1, 1), date(2026, 6, 1)).closes
    index = history["^GSPC"]["close"].loc[closes.index]
    weights = reference.members(date(2022, 1, 1), date(2022, 1, 3)).info["weight"]
    cap_weighted = (closes.pct_change() * weights).sum(axis=1) / weights.sum()
    assert index.pct_change().corr(cap_weighted) > 0.9
    equal = closes.pct_change().mean(axis=1)
    rsp = history["RSP"]["close"].loc[closes.index].pct_change()
    assert rsp.corr(equal) > 0.95


def test_index_level_is_realistic(history: dict[str, pd.DataFrame]) -> None:
    gspc = history["^GSPC"]["close"]
    assert 1500 < gspc.iloc[0] < 2500
    year = gspc.loc["2026"]
    assert year.min() < 7000 < year.max(), "the 7,000 milestone is in play in 2026"
    ratio = (history["SPY"]["close"] / gspc).to_numpy()
    assert np.allclose(ratio, ratio[0]) and 0.099 < ratio[0] < 0.1
    iwm = (history["IWM"]["close"] / history["^RUT"]["close"]).to_numpy()
    assert np.allclose(iwm, iwm[0]) and 0.098 < iwm[0] < 0.1
    assert (history["^IXIC"]["close"] > 2 * gspc).all()


def test_small_caps_have_higher_beta(history: dict[str, pd.DataFrame]) -> None:
    spx = history["^GSPC"]["close"].pct_change()
    rut = history["^RUT"]["close"].pct_change()
    assert rut.cov(spx) / spx.var() > 1.05
    assert spx.corr(history["^IXIC"]["close"].pct_change()) > 0.8


def test_vix_falls_as_the_index_rises(history: dict[str, pd.DataFrame]) -> None:
    spx = history["^GSPC"]["close"].pct_change()
    vix = history["^VIX"]["close"]
    assert spx.corr(vix.pct_change()) < -0.5
    assert 12 < vix.mean() < 25
    assert vix.max() > 35, "stress regimes happen"
    # Mean-reverting: a spike decays.
    assert vix.autocorr(lag=1) > 0.9
    assert vix.diff().autocorr(lag=1) < 0.2


def test_term_structure_in_contango_most_days(history: dict[str, pd.DataFrame]) -> None:
    nine, thirty, three = (history[s]["close"] for s in ("^VIX9D", "^VIX", "^VIX3M"))
    contango = (nine < thirty) & (thirty < three)
    assert contango.mean() > 0.7
    backwardation = thirty > three
    assert 0.01 < backwardation.mean() < 0.3, "it inverts, under stress"
    assert thirty[backwardation].mean() > thirty[~backwardation].mean()


def test_vix_tracks_realised_vol(history: dict[str, pd.DataFrame]) -> None:
    # The VIX panel sets the VIX against this same 20-day realised vol of the index.
    vix = history["^VIX"]["close"]
    realised = realized_vol(history["^GSPC"]["close"], 20)
    both = realised.notna()
    vix, realised = vix[both], realised[both]
    assert vix.corr(realised) > 0.6
    assert (vix > realised).mean() > 0.75, "implied carries a premium over realised"
    assert 1.1 < (vix / realised).median() < 1.7


def test_members_move_with_their_sector(
    reference: SimSource, history: dict[str, pd.DataFrame]
) -> None:
    panel = reference.members(date(2024, 11, 20), date(2026, 11, 20))
    returns = panel.closes.pct_change().iloc[1:].dropna(axis=1)
    sector = panel.info.loc[returns.columns, "sector"].to_numpy()
    market = history["^GSPC"]["close"].pct_change().loc[returns.index]
    beta = returns.apply(lambda member: member.cov(market)) / market.var()
    # What the market does not explain, members share with their own sector only.
    residual = (returns - np.outer(market, beta)).corr().to_numpy()
    same = sector[:, None] == sector[None, :]
    others = ~np.eye(len(sector), dtype=bool)
    assert residual[same & others].mean() > 0.05
    assert abs(residual[~same].mean()) < 0.02
    by_sector = beta.groupby(sector).median()
    defensive = by_sector[["Utilities", "Consumer Staples"]]
    assert (defensive < 0.75).all() and by_sector["Information Technology"] > 1.0


def test_nasdaq_follows_the_tech_like_members(
    reference: SimSource, history: dict[str, pd.DataFrame]
) -> None:
    panel = reference.members(date(2024, 11, 20), date(2026, 11, 20))
    returns = panel.closes.pct_change().iloc[1:]
    weight = panel.info["weight"]
    tech = panel.info["sector"].isin(
        ["Information Technology", "Communication Services", "Consumer Discretionary"]
    )

    def composite(members: pd.Series) -> pd.Series:
        return (returns.loc[:, members] * weight[members]).sum(axis=1) / weight[members].sum()

    nasdaq, spx = (history[s]["close"].pct_change().loc[returns.index] for s in ("^IXIC", "^GSPC"))
    assert (nasdaq - spx).corr(composite(tech) - composite(~tech)) > 0.9
    assert nasdaq.corr(composite(tech)) > nasdaq.corr(composite(~tech))


# --- the live bar --------------------------------------------------------------------


def test_live_bar_moves_during_the_session(
    live: tuple[SimSource, MovableClock], history: dict[str, pd.DataFrame]
) -> None:
    source, clock = live
    daily = history["^GSPC"].loc[pd.Timestamp(SESSION)]
    seen = []
    for moment in (ny(2026, 6, 16, 11), ny(2026, 6, 16, 11, 30), ny(2026, 6, 16, 14, 15)):
        clock.moment = moment
        assert source.live_session() == SESSION
        bar = source.daily_bars(["^GSPC"], date(2026, 6, 1), date(2026, 12, 31))["^GSPC"]
        check_bars(bar, "live")
        assert bar.index[-1] == pd.Timestamp(SESSION)
        row = bar.iloc[-1]
        assert row["open"] == daily["open"]
        assert daily["low"] <= row["low"] <= row["close"] <= row["high"] <= daily["high"]
        assert 0 < row["volume"] < daily["volume"]
        quote = source.quotes(["^GSPC", "SPY"])
        assert quote["^GSPC"].last == row["close"]
        assert quote["^GSPC"].session == SESSION
        assert quote["^GSPC"].time == moment
        assert quote["SPY"].last == pytest.approx(row["close"] * 0.0998)
        seen.append(row["close"])
    assert len(set(seen)) == 3, "the price moves"
    clock.moment = ny(2026, 6, 16, 11)
    assert source.quotes(["^GSPC"])["^GSPC"].last == seen[0], "same time, same price"


def test_live_bar_is_pinned_to_the_daily_close(
    live: tuple[SimSource, MovableClock], history: dict[str, pd.DataFrame]
) -> None:
    source, clock = live
    for symbol in INDEX_SYMBOLS:
        daily = history[symbol].loc[pd.Timestamp(SESSION)]
        clock.moment = ny(2026, 6, 16, 16) - timedelta(milliseconds=1)
        almost = source.daily_bars([symbol], SESSION, SESSION)[symbol].iloc[-1]
        assert almost["close"] == pytest.approx(daily["close"], rel=1e-5)
        assert almost["open"] == daily["open"]
        assert almost["high"] <= daily["high"] and almost["low"] >= daily["low"]
        clock.moment = ny(2026, 6, 16, 16)
        done = source.daily_bars([symbol], SESSION, SESSION)[symbol]
        pd.testing.assert_frame_equal(done, history[symbol].loc[[pd.Timestamp(SESSION)]])
        # Closed, the market rests on this close, stamped at it.
        quote = source.quotes([symbol])[symbol]
        assert quote.session == SESSION
        assert quote.last == daily["close"]
        assert quote.time == ny(2026, 6, 16, 16)


def test_outside_regular_hours_the_market_rests_on_its_last_close(
    live: tuple[SimSource, MovableClock], history: dict[str, pd.DataFrame]
) -> None:
    """Like the index it stands for, the simulated market trades in regular hours only:
    after hours, over a weekend and in pre-market every symbol quotes Friday's close,
    stamped at that close, and the next session has no bar until it opens."""
    source, clock = live
    friday_close = ny(2026, 6, 12, 16)
    friday = {symbol: history[symbol].loc["2026-06-12", "close"] for symbol in INDEX_SYMBOLS}
    resting = (
        ny(2026, 6, 12, 16, 0, 1),  # after hours
        ny(2026, 6, 12, 21),  # closed
        ny(2026, 6, 13, 12),  # Saturday
        ny(2026, 6, 15, 4, 30),  # pre-market
        ny(2026, 6, 15, 9, 29, 59),
    )
    for moment in resting:
        clock.moment = moment
        assert source.live_session() == date(2026, 6, 15)
        quotes = source.quotes(INDEX_SYMBOLS)
        assert {symbol: quote.last for symbol, quote in quotes.items()} == friday
        assert {quote.time for quote in quotes.values()} == {friday_close}
        assert {quote.session for quote in quotes.values()} == {date(2026, 6, 12)}
        bars = source.daily_bars(["^GSPC"], date(2026, 6, 1), date(2026, 6, 15))["^GSPC"]
        pd.testing.assert_frame_equal(bars, history["^GSPC"].loc["2026-06-01":"2026-06-12"])
    # At the open it trades at once, with the gap its bridge spent overnight.
    clock.moment = ny(2026, 6, 15, 9, 30)
    opened = source.daily_bars(["^GSPC"], date(2026, 6, 15), date(2026, 6, 15))["^GSPC"]
    assert opened.index[-1] == pd.Timestamp("2026-06-15")
    assert opened.iloc[-1]["close"] == history["^GSPC"].loc["2026-06-15", "open"]
    assert source.quotes(["^GSPC"])["^GSPC"].last == opened.iloc[-1]["close"]


def test_the_market_moves_only_in_regular_hours(live: tuple[SimSource, MovableClock]) -> None:
    """A scripted clock through a day, a minute at a time: the price changes within
    regular hours and stands still everywhere else."""
    source, clock = live
    start = ny(2026, 6, 15, 0, 0, 30)
    prices: list[tuple[datetime, float]] = []
    for minute in range(24 * 60):
        clock.moment = start + timedelta(minutes=minute)
        prices.append((clock.moment, source.quotes(["^GSPC"])["^GSPC"].last))
    open_, close = ny(2026, 6, 15, 9, 30), ny(2026, 6, 15, 16)
    # Each move, as the minute it happened in: (the reading before, the one after].
    moves = [
        (earlier, later)
        for (earlier, before), (later, after) in itertools.pairwise(prices)
        if after != before
    ]
    assert moves, "the market moves"
    assert all(earlier < close and later > open_ for earlier, later in moves)
    assert len(moves) > 0.9 * (close - open_) / timedelta(minutes=1), "and moves all session"


def test_early_close_completes_the_session_at_one(
    live: tuple[SimSource, MovableClock], history: dict[str, pd.DataFrame]
) -> None:
    source, clock = live
    clock.moment = ny(2026, 11, 27, 12, 59)
    assert source.live_session() == date(2026, 11, 27)
    clock.moment = ny(2026, 11, 27, 13)
    assert source.live_session() == date(2026, 11, 30)
    bars = source.daily_bars(["^GSPC"], date(2026, 11, 27), date(2026, 11, 27))["^GSPC"]
    pd.testing.assert_frame_equal(bars, history["^GSPC"].loc[["2026-11-27"]])


def test_members_are_completed_sessions_only(live: tuple[SimSource, MovableClock]) -> None:
    source, clock = live
    clock.moment = ny(2026, 6, 16, 11)
    assert source.members(date(2026, 6, 1), date(2026, 6, 30)).closes.index[-1] == pd.Timestamp(
        "2026-06-15"
    )
    clock.moment = ny(2026, 6, 16, 16)
    assert source.members(date(2026, 6, 1), date(2026, 6, 30)).closes.index[-1] == pd.Timestamp(
        "2026-06-16"
    )


def test_past_the_calendar_there_is_no_live_bar(live: tuple[SimSource, MovableClock]) -> None:
    source, clock = live
    clock.moment = ny(2040, 1, 2, 12)
    assert source.quotes(INDEX_SYMBOLS) == {}
    assert source.live_session() is None
    bars = source.daily_bars(["^GSPC"], date(2026, 1, 1), date(2040, 1, 1))["^GSPC"]
    check_bars(bars, "all history")


def test_503_members(reference: SimSource) -> None:
    source = SimSource(clock=MovableClock(LATE), members=503)
    started = time.perf_counter()
    panel = source.members(date(2024, 6, 1), date(2026, 6, 1))
    print(f"\nsim: 503 members, generate + 2-year panel in {time.perf_counter() - started:.3f} s")
    assert panel.closes.shape == (len(panel.closes.index), 503)
    assert len(panel.closes) > 490
    assert panel.info["weight"].sum() == pytest.approx(1.0)
    assert panel.info.index[-1] == "SIM503"


# --- the session calendar from the calendar cache ----------------------------------------


def _sessions_from_exchange_calendars() -> sim._Sessions:
    """The simulated market's sessions as built straight from exchange_calendars (what
    `_session_calendar` returned before the schedule was cached)."""
    calendar = nyse_calendar()
    sessions = calendar.sessions_in_range(pd.Timestamp(sim.EPOCH), calendar.last_session)
    schedule = calendar.schedule.loc[sessions]
    open_ns = pd.DatetimeIndex(schedule["open"]).as_unit("ns").asi8.copy()
    close_ns = pd.DatetimeIndex(schedule["close"]).as_unit("ns").asi8.copy()
    dates = pd.DatetimeIndex(sessions.tz_localize(None).to_numpy(), name="date")
    return sim._Sessions(dates, open_ns, close_ns)


def test_the_market_from_the_calendar_cache_is_the_one_from_exchange_calendars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from core import calendar_cache, session

    today = date.today()
    path = tmp_path / calendar_cache.FILE_NAME
    versions = calendar_cache.library_versions()
    assert versions is not None
    calendar_cache.write(path, versions, today, session._built_table())

    def unbuilt() -> calendar_cache.CalendarTable:
        raise AssertionError("the schedule should come from the cache file")

    table = calendar_cache.cached_table(path, today, unbuilt, first=session.CALENDAR_START)
    monkeypatch.setattr(session, "_schedule", lambda: session._Schedule.of(table))
    from_cache = sim._session_calendar()
    expected = _sessions_from_exchange_calendars()
    pd.testing.assert_index_equal(from_cache.dates, expected.dates, exact=True)
    assert from_cache.dates.freq is None
    for got, want in (
        (from_cache.open_ns, expected.open_ns),
        (from_cache.close_ns, expected.close_ns),
    ):
        assert got.dtype == want.dtype == np.int64
        np.testing.assert_array_equal(got, want)
    cached_market = sim._generate(11, 40)
    monkeypatch.setattr(sim, "_session_calendar", _sessions_from_exchange_calendars)
    built_market = sim._generate(11, 40)
    for field in dataclasses.fields(cached_market):
        got, want = getattr(cached_market, field.name), getattr(built_market, field.name)
        if isinstance(got, dict):
            assert got.keys() == want.keys(), field.name
            for key in got:
                np.testing.assert_array_equal(got[key], want[key], err_msg=f"{field.name} {key}")
        elif isinstance(got, pd.Index):
            pd.testing.assert_index_equal(got, want, exact=True)
        else:
            np.testing.assert_array_equal(got, want, err_msg=field.name)
