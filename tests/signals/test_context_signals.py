"""Cross-market context (core.signals.context) on hand-built closes: the Russell 2000
win streak (running, broken, ties, misaligned dates, missing data), 52-week closing highs
of the index and the Nasdaq, the latest index high within 20 sessions, and whether the
Nasdaq confirmed it within the 5 sessions up to it (edges included); then the readings on
real data as of 2026-01-28 and 2026-02-05, checked against plain loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from core.sections.context import context_section
from core.signals.context import new_high_52w, rut_win_streak
from core.snapshot import PanelStatus
from tests.market_data import require_market_data

STATUS = PanelStatus(state="REPLAY")
N = 300


def bars(closes: np.ndarray | list[float], start: str = "2024-01-02") -> pd.DataFrame:
    values = np.asarray(closes, dtype=np.float64)
    index = pd.bdate_range(start, periods=len(values), name="date")
    return pd.DataFrame({"close": values, "high": np.nan}, index=index)


def rising(n: int = N, step: float = 1.0, start: float = 1000.0) -> np.ndarray:
    return start + step * np.arange(n)


def falling(n: int = N) -> np.ndarray:
    return 2000.0 - np.arange(n)


def with_high_at(n: int, sessions_ago: int) -> np.ndarray:
    """Rising to a 52-week high `sessions_ago` sessions before the last, then lower."""
    closes = rising(n)
    peak = n - 1 - sessions_ago
    closes[peak + 1 :] = closes[peak] - 5.0 - np.arange(sessions_ago)
    return closes


# --- RUT win streak -------------------------------------------------------------------


def test_rut_streak_of_three_then_broken() -> None:
    spx_returns = np.full(N - 1, 0.001)
    rut_returns = np.full(N - 1, 0.0)  # lagging ...
    rut_returns[-3:] = 0.002  # ... then beating on the last three sessions
    spx = 100 * np.cumprod(np.r_[1.0, 1 + spx_returns])
    rut = 50 * np.cumprod(np.r_[1.0, 1 + rut_returns])
    section = context_section(bars(spx), bars(rut), None, STATUS)
    assert section.rut_win_streak == 3
    # One more session in which RUT lags: the streak is broken.
    spx_next, rut_next = np.r_[spx, spx[-1] * 1.01], np.r_[rut, rut[-1] * 1.005]
    assert context_section(bars(spx_next), bars(rut_next), None, STATUS).rut_win_streak == 0
    # A tie is not a win.
    spx_tie, rut_tie = np.r_[spx, spx[-1] * 1.01], np.r_[rut, rut[-1] * 1.01]
    assert rut_win_streak(bars(spx_tie)["close"], bars(rut_tie)["close"]).iloc[-1] == 0


def test_rut_streak_uses_common_dates_only() -> None:
    spx = bars(rising(10, 1.0, 100.0))
    rut = bars(rising(10, 2.0, 100.0))  # beats every day: streak = 9 returns
    assert rut_win_streak(spx["close"], rut["close"]).iloc[-1] == 9
    # RUT misses session 5: its return there spans two sessions, compared with the
    # index's over the same two sessions; the streak still counts common dates.
    gappy = rut.drop(rut.index[5])
    assert rut_win_streak(spx["close"], gappy["close"]).iloc[-1] == 8
    # Bars of RUT after the index's last session are ignored (no look-ahead).
    later = bars(np.r_[rising(10, 2.0, 100.0), 1.0])
    assert context_section(spx, later, None, STATUS).rut_win_streak == 9


def test_rut_streak_unknown_without_data_or_without_the_last_session() -> None:
    spx = bars(rising(10))
    none = context_section(spx, None, None, STATUS)
    assert none.rut_win_streak is None
    assert none.status.detail is not None and "no Russell 2000 closes" in none.status.detail
    stale = context_section(spx, bars(rising(9)), None, STATUS)
    assert stale.rut_win_streak is None
    assert stale.status.detail is not None and "no Russell 2000 close on" in stale.status.detail
    assert context_section(spx.iloc[:1], bars(rising(1)), None, STATUS).rut_win_streak is None


# --- 52-week highs and Nasdaq confirmation --------------------------------------------


def test_new_high_needs_a_full_year_and_counts_ties() -> None:
    flags = new_high_52w(bars(rising(260))["close"])
    assert flags.iloc[:251].isna().all() and (flags.iloc[251:] == 1.0).all()
    flat = bars(np.r_[rising(252), 1251.0, 1200.0])["close"]  # equal to the high, then below
    assert new_high_52w(flat).iloc[-2] == 1.0 and new_high_52w(flat).iloc[-1] == 0.0
    short = context_section(bars(rising(251)), None, None, STATUS)
    assert short.index_new_high_52w is None and short.index_last_new_high is None
    assert context_section(bars(rising(252)), None, None, STATUS).index_new_high_52w is True


def test_both_at_highs_confirm() -> None:
    spx = bars(rising())
    section = context_section(spx, None, bars(rising(step=3.0)), STATUS)
    assert section.index_new_high_52w is True
    assert section.nasdaq_new_high_52w is True
    assert section.index_last_new_high == spx.index[-1].date()
    assert section.nasdaq_confirms is True


def test_nasdaq_falling_fails_to_confirm() -> None:
    spx = bars(with_high_at(N, 3))
    section = context_section(spx, None, bars(falling()), STATUS)
    assert section.index_new_high_52w is False
    assert section.index_last_new_high == spx.index[-4].date()
    assert section.nasdaq_new_high_52w is False
    assert section.nasdaq_confirms is False


@pytest.mark.parametrize(("nasdaq_sessions_before", "confirms"), [(0, True), (4, True), (5, False)])
def test_the_confirmation_window_is_the_five_sessions_up_to_the_high(
    nasdaq_sessions_before: int, confirms: bool
) -> None:
    spx = bars(with_high_at(N, 3))  # index high at session -4 (D)
    nasdaq = bars(with_high_at(N, 3 + nasdaq_sessions_before))  # its high k sessions before D
    assert context_section(spx, None, nasdaq, STATUS).nasdaq_confirms is confirms
    # A Nasdaq high after D (its previous one 10 sessions back) does not count for D.
    late = with_high_at(N, 10)
    late[-1] = late.max() + 100.0
    section = context_section(spx, None, bars(late), STATUS)
    assert section.nasdaq_new_high_52w is True
    assert section.nasdaq_confirms is False


def test_no_recent_index_high_means_no_confirmation_question() -> None:
    spx = bars(with_high_at(N, 20))  # the high is 21 sessions back, outside the 20
    section = context_section(spx, None, bars(rising()), STATUS)
    assert section.index_last_new_high is None
    assert section.nasdaq_confirms is None
    assert section.nasdaq_new_high_52w is True
    inside = context_section(bars(with_high_at(N, 19)), None, bars(rising()), STATUS)
    assert inside.index_last_new_high == bars(with_high_at(N, 19)).index[-20].date()


def test_missing_or_short_nasdaq_is_unknown() -> None:
    spx = bars(rising())
    missing = context_section(spx, None, None, STATUS)
    assert missing.nasdaq_confirms is None and missing.nasdaq_new_high_52w is None
    assert missing.index_last_new_high == spx.index[-1].date()
    short = context_section(spx, None, bars(rising(100), start="2025-01-01"), STATUS)
    assert short.nasdaq_confirms is None and short.nasdaq_new_high_52w is None
    assert short.status.detail is not None and "Nasdaq" in short.status.detail
    full = context_section(spx, bars(rising(step=2.0)), bars(rising()), PanelStatus(state="LIVE"))
    assert full.status == PanelStatus(state="LIVE")


def test_empty_index() -> None:
    section = context_section(bars([]), bars(rising(5)), bars(rising(5)), STATUS)
    assert section.rut_win_streak is None and section.index_new_high_52w is None
    assert section.status.detail == "no closes of the index"


def test_long_streaks_reach_past_the_recent_stretch() -> None:
    spx = bars(rising(200, 1.0, 1000.0))
    rut = bars(rising(200, 2.0, 500.0))  # beats on all 199 returns
    assert context_section(spx, rut, None, STATUS).rut_win_streak == 199
    # With RUT missing sessions inside the recent stretch, still the full streak.
    gappy = rut.drop(rut.index[[150, 170, 190]])
    assert context_section(spx, gappy, None, STATUS).rut_win_streak == 196


# --- against plain loops, as a property -----------------------------------------------


def reference(spx: pd.Series, rut: pd.Series, ixic: pd.Series) -> dict[str, object]:
    """The documented definitions, one session at a time."""
    last = spx.index[-1]
    rut, ixic = rut[rut.index <= last], ixic[ixic.index <= last]

    def high(close: pd.Series, day: pd.Timestamp) -> bool | None:
        upto = close[close.index <= day]
        if day not in close.index or len(upto) < 252:
            return None
        return bool(upto.iloc[-1] >= upto.iloc[-252:].max())

    streak = manual_streak(spx, rut) if last in rut.index and len(rut) > 0 else None
    common = [day for day in spx.index if day in rut.index]
    if len(common) < 2:
        streak = None
    highs = [day for day in spx.index[-20:] if high(spx, day)]
    confirms: bool | None = None
    if highs and len(ixic):
        k = list(spx.index).index(highs[-1])
        flags = [high(ixic, day) for day in spx.index[max(0, k - 4) : k + 1]]
        defined = [flag for flag in flags if flag is not None]
        confirms = any(defined) if defined else None
    return {
        "rut_win_streak": streak,
        "index_new_high_52w": high(spx, last),
        "nasdaq_new_high_52w": high(ixic, last) if len(ixic) else None,
        "index_last_new_high": highs[-1].date() if highs else None,
        "nasdaq_confirms": confirms,
    }


@st.composite
def markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    n = draw(st.one_of(st.integers(1, 40), st.integers(250, 420)))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    drift = draw(st.sampled_from([0.0, 0.002, 0.004]))
    base = np.cumsum(rng.normal(drift, 0.01, n))  # the three markets share a trend
    paths = [np.round(1000 * np.exp(base + np.cumsum(rng.normal(0, 0.005, n))), 0) for _ in "abc"]
    frames = [bars(p) for p in paths]
    for k in (1, 2):  # RUT and Nasdaq may miss sessions
        if draw(st.booleans()):
            frames[k] = frames[k][rng.random(n) > 0.05]
    t = n - 1 - draw(st.integers(min_value=0, max_value=min(n - 1, 80)))
    return frames[0], frames[1], frames[2], t


@settings(max_examples=80, deadline=None)
@given(markets())
def test_matches_the_plain_loops_and_never_looks_ahead(
    case: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int],
) -> None:
    spx, rut, ixic, t = case
    prefix = spx.iloc[: t + 1]
    section = context_section(prefix, rut, ixic, STATUS)  # RUT/Nasdaq run past the index
    expected = reference(prefix["close"], rut["close"], ixic["close"])
    assert section.model_dump(exclude={"status", "small_caps_rel_20d_pct"}) == expected
    event(f"confirms={section.nasdaq_confirms}, streak>0={bool(section.rut_win_streak)}")
    cut = prefix.index[-1]
    assert section == context_section(prefix, rut.loc[:cut], ixic.loc[:cut], STATUS)


# --- real data ------------------------------------------------------------------------


def load(name: str, as_of: str) -> pd.DataFrame:
    frame = pd.read_csv(require_market_data(name) / name, index_col="Date", parse_dates=True)
    frame.columns = [column.lower() for column in frame.columns]
    return frame.loc[:as_of]


def manual_streak(spx: pd.Series, rut: pd.Series) -> int:
    common = [day for day in spx.index if day in rut.index]
    streak = 0
    for today, yesterday in zip(reversed(common[1:]), reversed(common[:-1]), strict=True):
        if rut[today] / rut[yesterday] - 1 > spx[today] / spx[yesterday] - 1:
            streak += 1
        else:
            break
    return streak


@pytest.mark.parametrize("as_of", ["2026-01-28", "2026-02-05"])
def test_real_context_readings(as_of: str) -> None:
    gspc, rut, ixic = (load(name, as_of) for name in ("GSPC.csv", "RUT.csv", "IXIC.csv"))
    section = context_section(gspc, rut, ixic, STATUS)
    spx_close, rut_close = gspc["close"], rut["close"]
    assert section.rut_win_streak == manual_streak(spx_close.iloc[-300:], rut_close.iloc[-300:])
    assert section.index_new_high_52w == (spx_close.iloc[-1] >= spx_close.iloc[-252:].max())
    assert section.nasdaq_new_high_52w == (
        ixic["close"].iloc[-1] >= ixic["close"].iloc[-252:].max()
    )
    highs = [
        day
        for k, day in enumerate(gspc.index[-20:], start=len(gspc) - 20)
        if spx_close.iloc[k] >= spx_close.iloc[k - 251 : k + 1].max()
    ]
    assert section.index_last_new_high == (highs[-1].date() if highs else None)
    assert section.status.detail is None
    print(
        f"\n{as_of} context: RUT streak {section.rut_win_streak}, SPX 52w high "
        f"{section.index_new_high_52w}, Nasdaq 52w high {section.nasdaq_new_high_52w}, "
        f"last SPX high {section.index_last_new_high}, Nasdaq confirms {section.nasdaq_confirms}"
    )


def test_real_rut_streak_in_january_2026() -> None:
    # Small caps beat the S&P 500 on every session from 2026-01-02 to 2026-01-22.
    gspc, rut = load("GSPC.csv", "2026-01-22"), load("RUT.csv", "2026-01-22")
    streak = context_section(gspc, rut, None, STATUS).rut_win_streak
    assert streak == manual_streak(gspc["close"].iloc[-300:], rut["close"].iloc[-300:])
    assert streak == 14
