"""TD Sequential on hand-built bars, plus two properties on random paths: it agrees with
a literal bar-by-bar reference implementation of the documented rules, and it is exactly
mirrored (buy <-> sell) when prices are negated.

Unless a fixture says otherwise, each bar's low is close - 0.5 and its high close + 0.5.
Several fixtures share BASE: five rising closes (so bar 4 closes above the close four
bars earlier), then nine closes falling by 1, each below the close four bars earlier: a
bearish price flip at bar 5 and a buy setup 1-9 on bars 5-13. Bar 5 gaps down from
bar 4's close of 114 to a high of 103.5, so its true high is 114, and the setup's TDST
resistance (the highest true high of bars 5-13) is 114, not the highest high 103.5."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.indicators import td_sequential
from core.indicators.td_sequential import TD_COLUMNS
from tests.market_data import require_market_data

#       bar: 0    1    2    3    4    5    6    7    8   9   10  11  12  13
BASE = [110, 111, 112, 113, 114, 103, 102, 101, 100, 99, 98, 97, 96, 95]
NONE = None


def td(
    close: Sequence[float],
    low: Sequence[float] | None = None,
    high: Sequence[float] | None = None,
) -> pd.DataFrame:
    c = np.asarray(close, dtype=float)
    lo = c - 0.5 if low is None else np.asarray(low, dtype=float)
    hi = c + 0.5 if high is None else np.asarray(high, dtype=float)
    index = pd.bdate_range("2024-01-01", periods=len(c), name="date")
    return td_sequential(pd.Series(hi, index), pd.Series(lo, index), pd.Series(c, index))


def test_columns_dtypes_and_index() -> None:
    result = td(BASE)
    assert tuple(result.columns) == TD_COLUMNS
    assert result.index.equals(pd.bdate_range("2024-01-01", periods=len(BASE), name="date"))
    assert result["setup_count"].dtype == np.int64
    assert result["countdown"].dtype == np.int64
    assert result["perfected"].dtype == bool
    for column in ("price_flip", "setup_direction", "countdown_direction"):
        assert result[column].dtype == object
        assert set(result[column]) <= {None, "buy", "sell"}


def test_price_flip_and_setup_interrupted_before_9() -> None:
    # Bar 4 (14) closes above bar 0 (10); bar 5 (9) closes below bar 1 (11): a bearish
    # price flip, buy setup bar 1. Bars 6-9 keep closing below the close 4 bars earlier
    # (2-5). Bar 10 closes at 8, equal to bar 6: not below, so the setup is interrupted at
    # 5; and since bar 10 was not above either, bar 11's lower close (4 < 7) is no flip
    # and starts nothing.
    result = td([10, 11, 12, 13, 14, 9, 8, 7, 6, 5, 8, 4])
    assert result["price_flip"].tolist() == [NONE] * 5 + ["buy"] + [NONE] * 6
    assert result["setup_count"].tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0]
    assert result["setup_direction"].tolist() == [NONE] * 5 + ["buy"] * 5 + [NONE] * 2
    assert not result["perfected"].any()
    assert result["countdown"].eq(0).all() and result["countdown_direction"].isna().all()
    assert result["tdst_resistance"].isna().all() and result["tdst_support"].isna().all()


def test_sell_price_flip_interrupts_buy_setup() -> None:
    # As above, but bar 10 closes at 9 > bar 6's 8: a bullish flip, sell setup bar 1.
    result = td([10, 11, 12, 13, 14, 9, 8, 7, 6, 5, 9])
    assert result["price_flip"].tolist()[-6:] == ["buy", NONE, NONE, NONE, NONE, "sell"]
    assert result["setup_count"].tolist()[-6:] == [1, 2, 3, 4, 5, 1]
    assert result["setup_direction"].tolist()[-6:] == ["buy"] * 5 + ["sell"]


def test_perfected_buy_9_and_countdown_start() -> None:
    # Falling lows: bar 8 of the setup (bar 12, low 95.5) is <= the lows of bars 6 and 7
    # (97.5, 96.5), so the 9 on bar 13 is perfected. Bar 13 also closes at 95 <= the low
    # two bars earlier (96.5): buy countdown 1 on the setup's own bar 9.
    result = td(BASE)
    assert result["setup_count"].tolist() == [0] * 5 + list(range(1, 10))
    assert result["perfected"].tolist() == [False] * 13 + [True]
    assert result["tdst_resistance"].tolist()[-1] == 114.0  # bar 5's gap from 114
    assert result["countdown_direction"].tolist()[-1] == "buy"
    assert result["countdown"].tolist() == [0] * 13 + [1]
    assert result["countdown_bar"].tolist() == [False] * 13 + [True]


def test_imperfect_buy_9_and_armed_countdown() -> None:
    # Lows of setup bars 6-9 (bars 10-13) set to 94.0, 94.5, 95.2, 94.8: neither bar 8's
    # low (95.2) nor bar 9's (94.8) is <= bar 6's 94.0, so the 9 is not perfected. Bar 13
    # (close 95) is not <= the low two bars earlier (94.5): the countdown is armed, at 0.
    low = [c - 0.5 for c in BASE]
    low[10:14] = [94.0, 94.5, 95.2, 94.8]
    result = td(BASE, low=low)
    assert result["setup_count"].tolist()[-1] == 9
    assert not result["perfected"].any()
    assert result["countdown_direction"].tolist()[-1] == "buy"
    assert result["countdown"].tolist()[-1] == 0
    assert not result["countdown_bar"].any()


def test_perfection_accepts_equal_lows() -> None:
    # Bar 9's low equal to bar 6's (94.0) and below bar 7's (94.5) perfects the 9.
    low = [c - 0.5 for c in BASE]
    low[10:14] = [94.0, 94.5, 95.2, 94.0]
    assert td(BASE, low=low)["perfected"].tolist()[-1]


def test_deferred_13_then_qualified() -> None:
    # After the 9 on bar 13 falling bars close below the low two bars earlier: countdown
    # 1-7 on bars 13-19. Bar 20 jumps to 95 (no count; a bullish flip) so the setup's run
    # ends at its 15th bar, short of the 18 that would recycle the countdown. Bars 21-25
    # (88 down to 84) count 8-12; bar 21 is countdown 8, close 88. Bars 26-27 rally (no
    # count; bar 26 is a bullish flip). Bar 28 closes at 89 <= the low two bars earlier
    # (89.5) but its low 88.5 > 88: the 13 is deferred and the count stays 12. Bar 29
    # closes at 87 <= 90.5 with low 86.5 <= 88: 13. The countdown is then over; bar 30
    # (86 < bar 26's 90 after bar 29 closed above bar 25) is a new bearish flip.
    closes = [*BASE, 94, 93, 92, 91, 90, 89, 95, 88, 87, 86, 85, 84, 90, 91, 89, 87, 86]
    result = td(closes)
    assert result["countdown"].tolist()[13:] == [*range(1, 8), 7, *range(8, 13), 12, 12, 12, 13, 0]
    assert result["countdown_direction"].tolist()[13:] == ["buy"] * 17 + [NONE]
    counted = [True] * 7 + [False] + [True] * 5 + [False] * 3 + [True, False]
    assert result["countdown_bar"].tolist()[13:] == counted
    assert np.flatnonzero(result["countdown_deferred"]).tolist() == [28]
    assert result["setup_count"].tolist()[20:] == [1, 1, 2, 3, 4, 5, 1, 2, 3, 4, 1]
    assert result["price_flip"].tolist()[26:] == ["sell", NONE, NONE, NONE, "buy"]


def test_tdst_is_the_setups_true_range() -> None:
    # Without the gap (bar 4 closes at 103.2, within bar 5's range), the same setup's
    # resistance is its highest high, 103.5; with it, bar 4's close, 114. Mirrored, the
    # sell setup's support is the lowest true low.
    no_gap = [100, 104, 104, 104, 103.2, *BASE[5:]]
    assert td(no_gap)["tdst_resistance"].tolist()[-1] == 103.5
    assert td(BASE)["tdst_resistance"].tolist()[-1] == 114.0
    negated = [-c for c in BASE]
    assert td(negated)["tdst_support"].tolist()[-1] == -114.0


def test_countdown_cancelled_by_true_low_above_tdst_not_by_close() -> None:
    # Countdown 1-3 on bars 13-15 under TDST resistance 114. Bar 16 closes at 116, its
    # low 115.5 above 114 too, but it gapped up from 93: its true low is 93, so the
    # countdown stands (DeMARK: the true low, with the prior close, must clear TDST).
    # Bar 17 closes at 118 with a low of 113.5: the close is above, the low is not. Bar 18
    # (close 119, low 118.5, prior close 118) is wholly above 114: cancelled. Bar 19
    # closes at 92 <= the low two bars earlier (113.5), which would have counted.
    closes = [*BASE, 94, 93, 116, 118, 119, 92]
    low = [c - 0.5 for c in closes]
    low[17] = 113.5
    result = td(closes, low=low)
    assert result["countdown"].tolist()[13:] == [1, 2, 3, 3, 3, 0, 0]
    assert result["countdown_direction"].tolist()[13:] == ["buy"] * 5 + [NONE, NONE]
    assert not result["countdown_bar"].iloc[16:].any()


def test_countdown_cancelled_by_true_high_below_tdst_support() -> None:
    # The mirror of the above on negated prices: the sell countdown ends on bar 18.
    closes = [-c for c in [*BASE, 94, 93, 116, 118, 119, 92]]
    high = [c + 0.5 for c in closes]
    high[17] = -113.5
    result = td(closes, high=high)
    assert result["tdst_support"].tolist()[-1] == -114.0
    assert result["countdown"].tolist()[13:] == [1, 2, 3, 3, 3, 0, 0]
    assert result["countdown_direction"].tolist()[13:] == ["sell"] * 5 + [NONE, NONE]


def test_countdown_cancelled_by_opposite_setup() -> None:
    # Countdown 1-2 on bars 13-14. Bar 15 jumps to 98 (> bar 11's 97): bullish flip, and
    # nine closes rising by 0.2, each above the close four bars earlier, make a sell
    # setup 1-9 on bars 15-23, staying below TDST resistance 103.5. The buy countdown stays
    # at 2 and is cancelled by the sell 9 on bar 23, which arms a sell countdown (99.6 is
    # not >= the high two bars earlier, 99.7). Its TDST support is the lowest true low of
    # bars 15-23: bar 15 gapped up from 94, so 94 (its low is 97.5); it is perfected
    # (bar 9's high 100.1 >= 99.5 and 99.7).
    rally = [98.0, 98.2, 98.4, 98.6, 98.8, 99.0, 99.2, 99.4, 99.6]
    result = td([*BASE, 94, *rally])
    assert result["setup_count"].tolist()[15:] == list(range(1, 10))
    assert result["setup_direction"].tolist()[15:] == ["sell"] * 9
    assert result["countdown"].tolist()[13:] == [1] + [2] * 9 + [0]
    assert result["countdown_direction"].tolist()[13:] == ["buy"] * 10 + ["sell"]
    assert result["perfected"].tolist()[23]
    assert result["tdst_support"].tolist()[23] == 94.0
    assert result["tdst_support"].iloc[:23].isna().all()
    assert result["tdst_resistance"].tolist()[23] == 114.0


def test_new_buy_setup_recycles_countdown() -> None:
    # Countdown 1-2 on bars 13-14; bar 15 (97.5) is a one-bar bullish flip; bar 16 (93)
    # is a bearish flip starting a second buy setup on bars 16-24 while the countdown keeps
    # counting (3-10 on bars 16-23). The second 9, on bar 24, recycles the countdown: it
    # restarts, and bar 24 (85 <= 86.5) is countdown 1 again. TDST resistance moves to the
    # second setup's highest true high: bar 16 gapped down from 97.5 to a high of 93.5.
    result = td([*BASE, 94, 97.5, 93, 92, 91, 90, 89, 88, 87, 86, 85])
    assert result["setup_count"].tolist()[13:] == [9, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert result["countdown"].tolist()[13:] == [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1]
    assert (result["countdown_direction"].iloc[13:] == "buy").all()
    assert result["tdst_resistance"].tolist()[23:] == [114.0, 97.5]


def test_18_bar_setup_recycles_countdown() -> None:
    # Eighteen closes falling by 1 after the flip (103 on bar 5 to 86 on bar 22), each
    # below the close four bars earlier: setup 1-9 on bars 5-13, then unnumbered. The
    # countdown counts 1-9 on bars 13-21 (each close <= the low two bars earlier); bar
    # 22 is the setup's 18th bar: the countdown recycles and bar 22 counts 1, not 10.
    # TDST stays that of bars 1-9. Bar 23 counts 2; a 19th bar recycles nothing.
    closes = [110, 111, 112, 113, 114, *range(103, 84, -1)]
    result = td(closes)
    assert result["setup_count"].tolist()[13:] == [9] + [0] * 10
    assert result["countdown"].tolist()[13:] == [*range(1, 10), 1, 2]
    assert result["countdown_bar"].iloc[13:].all()
    assert (result["countdown_direction"].iloc[13:] == "buy").all()
    assert result["tdst_resistance"].iloc[13:].eq(114.0).all()
    # One bar short of 18 (a higher close on bar 22 ends the run at 17): no recycle.
    short = td([*closes[:22], 100, 84])
    assert result["countdown"].tolist()[21] == short["countdown"].tolist()[21] == 9
    assert short["countdown"].tolist()[22:] == [9, 10]


def test_setup_beyond_9_is_not_numbered() -> None:
    # Falling for 14 bars after the flip: 1-9, then 0 while the run continues.
    closes = [110, 111, 112, 113, 114, *range(103, 89, -1)]
    assert td(closes)["setup_count"].tolist()[5:] == [*range(1, 10), 0, 0, 0, 0, 0]


def test_short_and_empty_inputs() -> None:
    for n in (0, 1, 4, 5):
        result = td([100.0 + i for i in range(n)])
        assert len(result) == n
        assert result["setup_count"].eq(0).all()


# --- a literal, bar-by-bar reference of the documented rules --------------------------


def reference_td(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> pd.DataFrame:
    n = len(close)
    rows: list[dict[str, object]] = []
    buy_setup = sell_setup = buy_run = sell_run = 0
    prev_below = prev_above = False
    prior = np.concatenate(([math.nan], close[:-1]))
    true_high, true_low = np.maximum(high, prior), np.minimum(low, prior)
    resistance = support = math.nan
    direction: str | None = None
    count = 0
    close8 = math.nan
    for t in range(n):
        below = t >= 4 and bool(close[t] < close[t - 4])
        above = t >= 4 and bool(close[t] > close[t - 4])
        flip = "buy" if below and prev_above else "sell" if above and prev_below else None
        buy_setup = 1 if flip == "buy" else buy_setup + 1 if below and 1 <= buy_setup < 9 else 0
        sell_setup = 1 if flip == "sell" else sell_setup + 1 if above and 1 <= sell_setup < 9 else 0
        buy_run = 1 if flip == "buy" else buy_run + 1 if below and buy_run else 0
        sell_run = 1 if flip == "sell" else sell_run + 1 if above and sell_run else 0
        prev_below, prev_above = below, above
        perfected = False
        if buy_setup == 9:
            b6, b7, b8, b9 = low[t - 3], low[t - 2], low[t - 1], low[t]
            perfected = bool((b8 <= b6 and b8 <= b7) or (b9 <= b6 and b9 <= b7))
            resistance = float(np.max(true_high[t - 8 : t + 1]))
            direction, count, close8 = "buy", 0, math.nan
        elif sell_setup == 9:
            s6, s7, s8, s9 = high[t - 3], high[t - 2], high[t - 1], high[t]
            perfected = bool((s8 >= s6 and s8 >= s7) or (s9 >= s6 and s9 >= s7))
            support = float(np.min(true_low[t - 8 : t + 1]))
            direction, count, close8 = "sell", 0, math.nan
        elif buy_run == 18 or sell_run == 18:
            direction, count, close8 = "buy" if buy_run else "sell", 0, math.nan
        elif (direction == "buy" and true_low[t] > resistance) or (
            direction == "sell" and true_high[t] < support
        ):
            direction, count = None, 0
        counted = deferred = False
        if t >= 2 and (
            (direction == "buy" and close[t] <= low[t - 2])
            or (direction == "sell" and close[t] >= high[t - 2])
        ):
            if count < 12:
                count += 1
                counted = True
                if count == 8:
                    close8 = close[t]
            elif (direction == "buy" and low[t] <= close8) or (
                direction == "sell" and high[t] >= close8
            ):
                count, counted = 13, True
            else:
                deferred = True
        rows.append(
            {
                "price_flip": flip,
                "setup_direction": "buy" if buy_setup else "sell" if sell_setup else None,
                "setup_count": buy_setup or sell_setup,
                "perfected": perfected,
                "countdown_direction": direction,
                "countdown": count,
                "countdown_bar": counted,
                "countdown_deferred": deferred,
                "tdst_support": support,
                "tdst_resistance": resistance,
            }
        )
        if count == 13:
            direction, count = None, 0
    return pd.DataFrame(rows, columns=list(TD_COLUMNS))


@st.composite
def ohlc(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random walk on a coarse tick (many ties), with optional missing values."""
    n = draw(st.integers(min_value=0, max_value=400))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    missing = draw(st.sampled_from([0.0, 0.0, 0.02]))
    rng = np.random.default_rng(seed)
    close = np.round(100.0 + np.cumsum(rng.normal(0.0, 1.0, n)))
    high = close + np.round(np.abs(rng.normal(0.0, 1.0, n)))
    low = close - np.round(np.abs(rng.normal(0.0, 1.0, n)))
    for column in (close, high, low):
        column[rng.uniform(size=n) < missing] = np.nan
    return high, low, close


def as_frame(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> pd.DataFrame:
    index = pd.RangeIndex(len(close))
    return td_sequential(pd.Series(high, index), pd.Series(low, index), pd.Series(close, index))


@settings(max_examples=200, deadline=None)
@given(bars=ohlc())
def test_matches_reference_implementation(
    bars: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    high, low, close = bars
    ours = as_frame(high, low, close)
    expected = reference_td(high, low, close)
    expected.index = ours.index
    for column in ("price_flip", "setup_direction", "countdown_direction"):
        expected[column] = expected[column].astype(object)
    pd.testing.assert_frame_equal(ours, expected, check_exact=True, check_dtype=False)


@settings(max_examples=100, deadline=None)
@given(bars=ohlc())
def test_negated_prices_mirror_buy_and_sell(
    bars: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    high, low, close = bars
    ours = as_frame(high, low, close)
    mirror = as_frame(-low, -high, -close)
    swap = {"buy": "sell", "sell": "buy", None: None}
    for column in ("price_flip", "setup_direction", "countdown_direction"):
        assert [swap[v] for v in mirror[column]] == ours[column].tolist()
    for column in ("setup_count", "perfected", "countdown", "countdown_bar"):
        assert mirror[column].tolist() == ours[column].tolist()
    pd.testing.assert_series_equal(
        -mirror["tdst_resistance"], ours["tdst_support"], check_names=False
    )


@pytest.mark.parametrize("bad", [0, 1])
def test_misaligned_inputs_rejected(bad: int) -> None:
    index = pd.RangeIndex(10)
    other = pd.RangeIndex(1, 11)
    series = [pd.Series(np.arange(10.0), index) for _ in range(3)]
    series[bad] = pd.Series(np.arange(10.0), other)
    with pytest.raises(ValueError, match="same index"):
        td_sequential(*series)


def test_matches_reference_on_real_history() -> None:
    """Every rule exercised many times: the S&P 500 daily bars since 1962."""
    root = require_market_data("GSPC.csv")
    frame = pd.read_csv(root / "GSPC.csv", parse_dates=["Date"], index_col="Date")
    frame = frame.loc[frame.index >= "1962-01-01"]
    high, low, close = (frame[c].to_numpy(dtype=float) for c in ("High", "Low", "Close"))
    ours = as_frame(high, low, close)
    assert ours["countdown"].eq(13).sum() > 50 and ours["countdown_deferred"].sum() > 50
    expected = reference_td(high, low, close)
    expected.index = ours.index
    for column in ("price_flip", "setup_direction", "countdown_direction"):
        expected[column] = expected[column].astype(object)
    pd.testing.assert_frame_equal(ours, expected, check_exact=True, check_dtype=False)


def test_real_18_bar_recycle_and_13_late_2021() -> None:
    """The S&P 500's sell setup of 2021-10-14 runs on to its 18th bar on 2021-11-08: the
    countdown begun on 10-26 (at 7) recycles there and reaches 13 on 2022-01-04. TDST
    support is 10-14's true low, the prior close 4363.80 (its low was 4386.75)."""
    root = require_market_data("GSPC.csv")
    frame = pd.read_csv(root / "GSPC.csv", parse_dates=["Date"], index_col="Date")
    frame = frame.loc["2021-01-01":"2022-01-31"]
    result = td_sequential(frame["High"], frame["Low"], frame["Close"])
    counts = result["countdown"].loc["2021-11-05":"2022-01-04"]
    assert counts.loc["2021-11-05"] == 7 and counts.loc["2021-11-08"] == 1
    assert counts.loc["2021-12-10"] == 6 and counts.loc["2022-01-03"] == 12
    assert counts.loc["2022-01-04"] == 13 and (counts.iloc[:-1] < 13).all()
    assert (result["countdown_direction"].loc["2021-11-08":"2022-01-04"] == "sell").all()
    assert result["tdst_support"].loc["2022-01-04"] == 4363.80
