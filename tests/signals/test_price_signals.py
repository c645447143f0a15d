"""The price panel's section, as a refresh cycle computes it (`core.sections.price`'s
`compute`, today's row of its readings): EMA stacking, the 1%-below-a-milestone flag, the band
state against direct calls to the band indicators, close-only history (what needs highs
and lows is None, not wrong), the TD state of a hand-built path whose count is known,
no look-ahead as a property, and the readings on real S&P 500 data."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import UserLevel
from core.indicators import bollinger, ema, keltner, td_sequential
from core.sections.price import PriceSection, compute
from core.signals.price import recent_history
from core.snapshot import PanelStatus
from tests.market_data import require_market_data
from tests.signals.oracles_price import key_levels, price_inputs, replay_status


def frame(close: np.ndarray | list[float], spread: float | None = 0.5) -> pd.DataFrame:
    """Daily bars on business days; high/low = close ± spread, NaN when spread is None."""
    values = np.asarray(close, dtype=np.float64)
    index = pd.bdate_range("2020-01-02", periods=len(values), name="date")
    high = values + spread if spread is not None else np.full(len(values), np.nan)
    low = values - spread if spread is not None else np.full(len(values), np.nan)
    return pd.DataFrame(
        {"open": values, "high": high, "low": low, "close": values, "volume": 1e9},
        index=index,
    )


def section(bars: pd.DataFrame, levels: list[UserLevel] | None = None) -> PriceSection:
    return compute(price_inputs(bars, levels or []))


# --- EMA stack ------------------------------------------------------------------


def test_a_steady_rise_stacks_bullish() -> None:
    result = section(frame(np.linspace(100.0, 400.0, 260)))
    assert result.ema_stack == "bullish"


def test_a_steady_fall_stacks_bearish() -> None:
    result = section(frame(np.linspace(400.0, 100.0, 260)))
    assert result.ema_stack == "bearish"


def test_a_rise_that_breaks_down_at_the_end_is_mixed() -> None:
    close = np.r_[np.linspace(100.0, 400.0, 255), [390.0, 380.0, 370.0, 360.0, 350.0]]
    c = close.astype(np.float64)
    ema20, ema50, ema200 = (talib.EMA(c, n)[-1] for n in (20, 50, 200))
    assert c[-1] < ema20 and ema20 > ema50 > ema200  # the path is what the name says
    assert section(frame(close)).ema_stack == "mixed"


def test_ema_stack_is_none_while_the_200_day_ema_warms_up() -> None:
    assert section(frame(np.linspace(100.0, 400.0, 199))).ema_stack is None
    assert section(frame(np.linspace(100.0, 400.0, 200))).ema_stack == "bullish"


# --- milestone ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "milestone", "within"),
    [
        (6940.0, 7000.0, True),
        (6930.0, 7000.0, True),  # exactly 1% below counts
        (6929.99, 7000.0, False),
        (6900.0, 7000.0, False),
        (6999.99, 7000.0, True),
        (7000.0, 8000.0, False),  # at the milestone, the next one is 1,000 points up
        (7010.0, 8000.0, False),
    ],
)
def test_within_one_percent_below_the_next_milestone(
    last: float, milestone: float, within: bool
) -> None:
    result = section(frame(np.r_[np.full(30, 6500.0), [last]]))
    assert result.last == last
    assert result.nearest_milestone_above == milestone
    assert result.within_1pct_below_milestone is within


def test_last_prev_change_levels_and_history() -> None:
    close = np.linspace(6000.0, 6978.03, 250)
    bars = frame(close)
    levels = [UserLevel(label="Pivot", value=6992.0, thesis="bull")]
    result = section(bars, levels)
    assert result.symbol == "^GSPC"
    assert result.status == replay_status(bars)
    assert result.last == close[-1]
    assert result.prev_close == close[-2]
    assert result.change_pct == pytest.approx((close[-1] / close[-2] - 1) * 100, abs=1e-12)
    assert result.levels == key_levels(bars["close"], levels)
    assert result.history == recent_history(bars["close"])


def test_an_empty_frame_gives_only_symbol_and_status() -> None:
    result = section(frame([]))
    status = PanelStatus(state="REPLAY", detail="no bars for ^GSPC")
    assert result == PriceSection(status=status, symbol="^GSPC")


def test_bars_without_any_close_give_only_symbol_and_status() -> None:
    bars = frame([np.nan, np.nan])
    assert section(bars) == PriceSection(status=replay_status(bars), symbol="^GSPC")


# --- bands ----------------------------------------------------------------------


def random_bars(n: int, seed: int, range_scale: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 5000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    bars = frame(close)
    spread = np.abs(rng.normal(0.0, range_scale, n)) * close
    bars["high"] = close + spread * rng.uniform(0.1, 1.0, n)
    bars["low"] = close - spread * rng.uniform(0.1, 1.0, n)
    return bars


def expected_bands(bars: pd.DataFrame) -> dict[str, object]:
    """The band state read directly off bollinger() and keltner() at the last bar."""
    boll = bollinger(bars["close"], 20, 2.0)
    kelt = keltner(bars["high"], bars["low"], bars["close"], 20, 10, 2.0)
    last = bars["close"].iloc[-1]
    b, k = boll.iloc[-1], kelt.iloc[-1]
    return {
        "bollinger_position": b["percent_b"] * 100,
        "keltner_position": (last - k["lower"]) / (k["upper"] - k["lower"]) * 100,
        "bollinger_expanding": bool(boll["bandwidth"].iloc[-1] > boll["bandwidth"].iloc[-6]),
        "keltner_expanding": bool(kelt["bandwidth"].iloc[-1] > kelt["bandwidth"].iloc[-6]),
        "squeeze": bool(b["upper"] < k["upper"] and b["lower"] > k["lower"]),
    }


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("range_scale", [0.002, 0.02])
def test_bands_match_direct_calls(seed: int, range_scale: float) -> None:
    bars = random_bars(120, seed, range_scale)
    bands = section(bars).bands
    expected = expected_bands(bars)
    assert bands.bollinger_position == pytest.approx(expected["bollinger_position"], rel=1e-12)
    assert bands.keltner_position == pytest.approx(expected["keltner_position"], rel=1e-12)
    assert bands.bollinger_expanding is expected["bollinger_expanding"]
    assert bands.keltner_expanding is expected["keltner_expanding"]
    assert bands.squeeze is expected["squeeze"]
    # and Bollinger against TA-Lib as an independent oracle
    upper, _, lower = talib.BBANDS(bars["close"].to_numpy(), 20, 2.0, 2.0)
    last = bars["close"].iloc[-1]
    assert bands.bollinger_position == pytest.approx(
        (last - lower[-1]) / (upper[-1] - lower[-1]) * 100, rel=1e-9
    )


def test_squeeze_when_bollinger_sits_inside_keltner_and_not_otherwise() -> None:
    # wide daily ranges, calm closes: Bollinger inside Keltner
    assert section(random_bars(120, 1, 0.05)).bands.squeeze is True
    # big close-to-close moves with tiny ranges: Bollinger outside Keltner
    rng = np.random.default_rng(2)
    trending = frame(5000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, 120))), spread=0.01)
    assert section(trending).bands.squeeze is False


def test_expansion_compares_with_five_sessions_earlier() -> None:
    calm = np.full(40, 100.0) + np.tile([0.5, -0.5], 20)
    widening = np.r_[calm, [104.0, 96.0, 108.0, 92.0, 112.0]]
    assert section(frame(widening)).bands.bollinger_expanding is True
    narrowing = np.r_[np.full(20, 100.0) + np.tile([8.0, -8.0], 10), calm]
    assert section(frame(narrowing)).bands.bollinger_expanding is False


def test_bands_are_none_during_warm_up() -> None:
    bands = section(frame(np.linspace(100.0, 110.0, 19))).bands
    assert bands.bollinger_position is None and bands.keltner_position is None
    assert bands.squeeze is None and bands.bollinger_expanding is None


# --- close-only history ---------------------------------------------------------


def test_close_only_bars_leave_what_needs_highs_and_lows_none() -> None:
    rng = np.random.default_rng(7)
    close = 5000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 300)))
    full = section(frame(close))
    only = section(frame(close, spread=None))
    # closes are enough for levels, history, milestone, EMA stack and Bollinger
    assert only.levels == full.levels and len(only.levels) >= 6
    assert only.last == full.last and only.history == full.history
    assert only.ema_stack == full.ema_stack is not None
    assert only.within_1pct_below_milestone == full.within_1pct_below_milestone
    assert only.bands.bollinger_position == full.bands.bollinger_position is not None
    assert only.bands.bollinger_expanding == full.bands.bollinger_expanding
    # Keltner and the squeeze need the true range
    assert only.bands.keltner_position is None
    assert only.bands.keltner_expanding is None
    assert only.bands.squeeze is None
    # the TD setup needs closes only; the rest of TD needs highs and lows
    assert only.td.setup_count == full.td.setup_count
    assert only.td.setup_direction == full.td.setup_direction
    assert (
        td_sequential(*(frame(close)[c] for c in ("high", "low", "close")))["setup_count"] == 9
    ).any()
    for name in (
        "countdown",
        "countdown_direction",
        "perfected",
        "tdst_support",
        "tdst_resistance",
    ):
        assert getattr(only.td, name) is None, name


def test_bars_without_high_and_low_columns_are_close_only() -> None:
    close = np.linspace(100.0, 150.0, 60)
    bars = pd.DataFrame({"close": close}, index=pd.bdate_range("2020-01-02", periods=60))
    result = section(bars)
    assert result.last == 150.0
    assert result.bands.keltner_position is None
    assert result.td.tdst_support is None


def test_a_trailing_row_without_a_close_is_ignored() -> None:
    bars = frame(np.linspace(100.0, 150.0, 60))
    partial = pd.concat([bars, frame([np.nan]).set_axis([pd.Timestamp("2030-01-02")])])
    assert section(partial) == section(bars)


# --- TD Sequential --------------------------------------------------------------

# Six falling closes, then a jump and a steady rise: the jump is a sell price flip
# (close > close 4 bars earlier after a bar with close < close 4 bars earlier) and each
# following +1 close is sell setup bar 2, 3, ... 9 (bars 6..14). With high/low = close
# ± 0.5 every rising bar has close >= the high 2 bars earlier, so the sell countdown
# counts bar 9 itself (1) and each bar after it.
TD_PATH = [110.0, 109.0, 108.0, 107.0, 106.0, 105.0] + [120.0 + k for k in range(12)]
FLIP, NINE = 6, 14


def test_td_mid_setup() -> None:
    td = section(frame(TD_PATH[: FLIP + 7])).td  # bar 7 of the setup
    assert (td.setup_direction, td.setup_count) == ("sell", 7)
    assert (td.countdown, td.countdown_direction) == (0, None)
    assert td.perfected is None  # no completed 9 yet
    assert td.tdst_support is None and td.tdst_resistance is None


def test_td_on_the_nine() -> None:
    td = section(frame(TD_PATH[: NINE + 1])).td
    assert (td.setup_direction, td.setup_count) == ("sell", 9)
    assert (td.countdown_direction, td.countdown) == ("sell", 1)
    assert td.perfected is True  # highs of bars 8 and 9 are above those of bars 6 and 7
    # The lowest true low of setup bars 1-9: bar 1 gapped up from the prior close, 105.
    assert td.tdst_support == 105.0
    assert td.tdst_resistance is None


def test_td_after_the_nine() -> None:
    td = section(frame(TD_PATH)).td  # three bars after the 9
    assert (td.setup_direction, td.setup_count) == (None, 0)  # a continuing run is not numbered
    assert (td.countdown_direction, td.countdown) == ("sell", 4)
    assert td.perfected is True
    assert td.tdst_support == 105.0


def test_td_not_perfected() -> None:
    # same setup, but bars 8 and 9 stay below the highs of bars 6 and 7
    bars = frame(TD_PATH[: NINE + 1])
    bars.loc[bars.index[NINE - 3 : NINE - 1], "high"] += 10.0
    td = section(bars).td
    assert td.setup_count == 9 and td.perfected is False


# --- no look-ahead --------------------------------------------------------------


@st.composite
def ohlc_and_cut(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.integers(min_value=1, max_value=320))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    tick = draw(st.sampled_from([0.0, 1.0]))
    rng = np.random.default_rng(seed)
    close = 5000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    spread = np.abs(rng.normal(0.0, 0.008, n)) * close
    bars = frame(close)
    bars["high"] = close + spread * rng.uniform(0.0, 1.0, n)
    bars["low"] = close - spread * rng.uniform(0.0, 1.0, n)
    if tick:
        bars = bars.round(0)
        bars["high"] = np.maximum(bars["high"], bars["close"])
        bars["low"] = np.minimum(bars["low"], bars["close"])
    t = draw(st.integers(min_value=0, max_value=n - 1))
    return bars, t


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@settings(max_examples=150, deadline=None)
@given(ohlc_and_cut())
def test_price_section_reads_the_full_history_indicators_at_t(
    case: tuple[pd.DataFrame, int],
) -> None:
    """The section of bars[:t+1] equals what the indicators computed over the whole
    history (later bars included) show on bar t, and appending bars changes nothing."""
    bars, t = case
    prefix = section(bars.iloc[: t + 1])
    assert prefix == section(pd.concat([bars.iloc[: t + 1], bars.iloc[t + 1 :]]).iloc[: t + 1])
    close = bars["close"]
    assert prefix.last == close.iloc[t]
    assert prefix.prev_close == (close.iloc[t - 1] if t else None)

    stack = [close.iloc[t]] + [ema(close, n).iloc[t] for n in (20, 50, 200)]
    if any(math.isnan(v) for v in stack):
        assert prefix.ema_stack is None
    elif stack[0] > stack[1] > stack[2] > stack[3]:
        assert prefix.ema_stack == "bullish"
    elif stack[0] < stack[1] < stack[2] < stack[3]:
        assert prefix.ema_stack == "bearish"
    else:
        assert prefix.ema_stack == "mixed"

    if t >= 25:
        expected = expected_bands(bars.iloc[: t + 1])
        boll = bollinger(close, 20, 2.0)
        assert prefix.bands.bollinger_position == pytest.approx(
            boll["percent_b"].iloc[t] * 100, rel=1e-9
        )
        assert prefix.bands.squeeze is expected["squeeze"]
        assert prefix.bands.bollinger_expanding is expected["bollinger_expanding"]
        assert prefix.bands.keltner_expanding is expected["keltner_expanding"]

    td = td_sequential(bars["high"], bars["low"], close).iloc[t]
    assert prefix.td.setup_count == td["setup_count"]
    assert prefix.td.setup_direction == (td["setup_direction"] if td["setup_count"] else None)
    assert prefix.td.countdown == td["countdown"]
    assert prefix.td.countdown_direction == td["countdown_direction"]
    assert prefix.td.tdst_support == _none_if_nan(td["tdst_support"])
    assert prefix.td.tdst_resistance == _none_if_nan(td["tdst_resistance"])


# --- real data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    from core.sources.files import read_bars_csv

    return read_bars_csv(require_market_data("GSPC.csv") / "GSPC.csv")


@pytest.mark.parametrize("as_of", [date(2026, 1, 28), date(2026, 2, 5)])
def test_real_gspc_price_section(gspc: pd.DataFrame, as_of: date) -> None:
    bars = gspc.loc[: pd.Timestamp(as_of)]
    assert bars.index[-1].date() == as_of
    result = section(bars)
    print(as_of, result.model_dump_json(exclude={"history", "levels"}))
    c = bars["close"].to_numpy(dtype=np.float64)
    h, lo = bars["high"].to_numpy(dtype=np.float64), bars["low"].to_numpy(dtype=np.float64)
    # EMA stack from TA-Lib's EMAs
    e20, e50, e200 = (talib.EMA(c, n)[-1] for n in (20, 50, 200))
    if c[-1] > e20 > e50 > e200:
        assert result.ema_stack == "bullish"
    elif c[-1] < e20 < e50 < e200:
        assert result.ema_stack == "bearish"
    else:
        assert result.ema_stack == "mixed"
    # Bollinger %B from TA-Lib; Keltner from TA-Lib's EMA and ATR
    upper, _, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    assert result.bands.bollinger_position == pytest.approx(
        (c[-1] - lower[-1]) / (upper[-1] - lower[-1]) * 100, abs=1e-6
    )
    atr = talib.ATR(h, lo, c, 10)
    k_upper, k_lower = e20 + 2 * atr[-1], e20 - 2 * atr[-1]
    assert result.bands.keltner_position == pytest.approx(
        (c[-1] - k_lower) / (k_upper - k_lower) * 100, abs=1e-6
    )
    assert result.bands.squeeze is bool(upper[-1] < k_upper and lower[-1] > k_lower)
    # the milestone flag from the close itself
    assert result.nearest_milestone_above == 7000.0
    assert result.within_1pct_below_milestone is bool(6930.0 <= c[-1] < 7000.0)


def test_td_needs_ranges_only_from_the_latest_setup_nine() -> None:
    # close-only decades before the recent bars (as in old index history) do not blank TD
    rng = np.random.default_rng(11)
    old = 5000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 100)))
    bars = pd.concat([frame(old, spread=None), frame(TD_PATH)], ignore_index=True).set_axis(
        pd.bdate_range("2019-01-02", periods=100 + len(TD_PATH))
    )
    td = section(bars).td
    assert (td.countdown_direction, td.countdown, td.perfected) == ("sell", 4, True)
    # a missing low inside the latest setup does blank them
    bars.loc[bars.index[-5], "low"] = np.nan
    td = section(bars).td
    assert td.countdown is None and td.perfected is None and td.tdst_support is None
