"""The VIX signal on hand-built series with known answers (every VixSection field),
the date-alignment rules (VIX9D/VIX3M only on the VIX's last date, the "index up while
VIX up" flag on common dates), None for missing or short inputs, and no look-ahead as
properties: future rows change nothing, and the section as of a random session equals
the full-history rolling values at that session."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.indicators import realized_vol
from core.sections.vix import VixSection, vix_section
from core.signals.vix import iv_percentile, iv_rank, term_structure
from core.snapshot import PanelStatus

STATUS = PanelStatus(state="REPLAY", detail="test")


def bars(closes: np.ndarray | list[float], start: str = "2020-01-01") -> pd.DataFrame:
    index = pd.bdate_range(start, periods=len(closes), name="date")
    return pd.DataFrame({"close": np.asarray(closes, dtype=np.float64)}, index=index)


def hand_vix() -> pd.DataFrame:
    """10 old sessions at 90 (outside the year), then 1, 2, ..., 252 and a last 100.5."""
    return bars([90.0] * 10 + [float(v) for v in range(1, 253)] + [100.5])


def hand_index(n: int = 263) -> pd.DataFrame:
    """Log returns alternating +1% / -1%, then the last five sessions rising 1% each."""
    returns = np.where(np.arange(n - 1) % 2 == 0, 0.01, -0.01)
    returns[-5:] = 0.01
    return bars(100.0 * np.exp(np.concatenate(([0.0], np.cumsum(returns)))))


def test_hand_built_every_field() -> None:
    vix, index = hand_vix(), hand_index()
    last_day = vix.index[-1]
    nine = bars([18.0, 19.0], start=str(vix.index[-2].date()))
    three = bars([20.0, 20.1], start=str(vix.index[-2].date()))
    assert nine.index[-1] == last_day
    section = vix_section(vix, index, STATUS, vix9d=nine, vix3m=three)
    assert section.status == STATUS
    assert section.last == 100.5
    assert section.change == pytest.approx(100.5 - 252.0)
    # The previous 252 closes are 1..252: rank (100.5 - 1) / (252 - 1); 100 of 252 below.
    assert section.iv_rank_1y == pytest.approx(99.5 / 251 * 100)
    assert section.iv_percentile_1y == pytest.approx(100 / 252 * 100)
    # The last 20 log returns: 15 alternating +-1%, then 5 x +1%.
    returns = np.diff(np.log(index["close"].to_numpy()))[-20:]
    expected_rv = float(np.std(returns, ddof=1)) * math.sqrt(252) * 100
    assert section.realized_vol_20d == pytest.approx(expected_rv, rel=1e-12)
    assert section.vix_minus_realized == pytest.approx(100.5 - expected_rv)
    assert (section.vix9d, section.vix3m) == (19.0, 20.1)
    assert section.ratio_9d_30d == pytest.approx(19.0 / 100.5)
    assert section.ratio_30d_3m == pytest.approx(100.5 / 20.1)
    assert section.term_structure == "backwardation"
    assert section.index_change_5d_pct == pytest.approx((math.exp(0.05) - 1) * 100)
    assert section.vix_change_5d == pytest.approx(100.5 - 248.0)
    assert section.index_up_vix_up is False  # index up, VIX down


def test_realized_vol_of_alternating_returns_by_hand() -> None:
    # 21 closes: 20 log returns alternating +1% / -1%.
    returns = np.where(np.arange(20) % 2 == 0, 0.01, -0.01)
    index = bars(100.0 * np.exp(np.concatenate(([0.0], np.cumsum(returns)))))
    section = vix_section(None, index, STATUS)
    # Sample std of ten +0.01 and ten -0.01: sqrt(20 * 1e-4 / 19).
    expected = math.sqrt(20 * 1e-4 / 19) * math.sqrt(252) * 100
    assert section.realized_vol_20d == pytest.approx(expected, rel=1e-12)
    assert section.realized_vol_20d == pytest.approx(
        float(realized_vol(index["close"], 20).iloc[-1]), rel=0, abs=0
    )
    assert section.last is None and section.vix_minus_realized is None
    assert section.index_up_vix_up is None
    assert section.index_change_5d_pct is not None


@pytest.mark.parametrize(
    ("three_month", "expected"),
    [(21.0, "contango"), (19.6, "flat"), (19.6 / 0.97, "contango"), (18.0, "backwardation")],
)
def test_term_structure_thresholds(three_month: float, expected: str) -> None:
    vix = bars([19.0, 19.6])
    section = vix_section(vix, None, STATUS, vix3m=bars([20.0, three_month]))
    assert section.ratio_30d_3m == pytest.approx(19.6 / three_month)
    assert section.term_structure == expected


def test_term_structure_function() -> None:
    ratios = pd.Series([math.nan, 0.9799, 0.98, 1.02, 1.0201])
    shapes = [None, "contango", "flat", "flat", "backwardation"]
    assert term_structure(ratios).tolist() == shapes


def test_vix9d_and_vix3m_on_another_date_are_not_mixed_in() -> None:
    vix = bars([15.0, 16.0, 17.0])
    stale = bars([14.0, 15.0])  # ends one session before the VIX
    ahead = bars([14.0, 15.0, 16.0, 17.0])  # has a session the VIX has not
    for other in (stale, ahead):
        section = vix_section(vix, None, STATUS, vix9d=other, vix3m=other)
        assert section.vix9d is None and section.vix3m is None
        assert section.ratio_9d_30d is None and section.ratio_30d_3m is None
        assert section.term_structure is None
        assert section.last == 17.0 and section.change == 1.0


def test_vix_minus_realized_needs_one_date() -> None:
    index = hand_index()
    vix = bars(np.full(len(index) - 1, 15.0))  # ends a session before the index
    section = vix_section(vix, index, STATUS)
    assert section.realized_vol_20d is not None
    assert section.vix_minus_realized is None


def test_index_up_vix_up_on_common_dates() -> None:
    index = bars([100.0, 101, 102, 103, 104, 105, 106, 90])  # 8 sessions, last one down
    vix = bars([15.0, 15.5, 16, 16.5, 17, 17.5, 18])  # 7 sessions: no 8th
    section = vix_section(vix, index, STATUS)
    # Own series: the index is down over its last 5 sessions (90 vs 102).
    assert section.index_change_5d_pct == pytest.approx((90 / 102 - 1) * 100)
    assert section.vix_change_5d == pytest.approx(18 - 15.5)
    # Common dates end on the VIX's last session: index 106 vs 101, VIX 18 vs 15.5.
    assert section.index_up_vix_up is True
    # A VIX that fell over the window, or an unchanged one, is not "up".
    assert vix_section(bars([18.0] * 7), index, STATUS).index_up_vix_up is False
    falling = bars([18.0, 17.5, 17, 16.5, 16, 15.5, 15])
    assert vix_section(falling, index, STATUS).index_up_vix_up is False
    assert vix_section(vix.iloc[:5], index, STATUS).index_up_vix_up is None  # 5 < 6 common


def test_short_and_flat_history() -> None:
    short = vix_section(bars(np.arange(10.0, 262.0)), None, STATUS)  # 252 closes: no year before
    assert short.iv_rank_1y is None and short.iv_percentile_1y is None
    year = vix_section(bars(np.arange(10.0, 263.0)), None, STATUS)  # 253: today and its year
    assert year.iv_rank_1y == 100.0 and year.iv_percentile_1y == 100.0
    flat = vix_section(bars(np.full(300, 20.0)), None, STATUS)
    assert flat.iv_rank_1y is None  # no range to rank in
    assert flat.iv_percentile_1y == 0.0
    assert flat.change == 0.0 and flat.vix_change_5d == 0.0
    one = vix_section(bars([20.0]), bars([100.0]), STATUS)
    assert one.last == 20.0
    assert one.change is None and one.vix_change_5d is None
    assert one.realized_vol_20d is None and one.index_change_5d_pct is None
    assert one.index_up_vix_up is None


def test_iv_functions_exact_definition() -> None:
    close = pd.Series([5.0, 1.0, 3.0, 2.0, 3.0])
    # Today (3) against the previous 3 closes (1, 3, 2): range 1..3 with it; 1 and 2
    # are below, the earlier 3 is not.
    assert iv_rank(close, year=3).iloc[-1] == pytest.approx((3 - 1) / (3 - 1) * 100)
    assert iv_percentile(close, year=3).iloc[-1] == pytest.approx(2 / 3 * 100)
    # Against the previous 4 (5, 1, 3, 2): 1 and 2 below; range 1..5.
    assert iv_percentile(close, year=4).iloc[-1] == pytest.approx(2 / 4 * 100)
    assert iv_rank(close, year=4).iloc[-1] == pytest.approx((3 - 1) / (5 - 1) * 100)
    assert math.isnan(iv_rank(close, year=5).iloc[-1])  # no 5 closes before today
    assert math.isnan(iv_percentile(close, year=5).iloc[-1])
    # Each session ranked against its own previous 3: session 3 (2) against 5, 1, 3.
    assert iv_rank(close, year=3).iloc[3] == pytest.approx((2 - 1) / (5 - 1) * 100)
    assert iv_percentile(close, year=3).iloc[3] == pytest.approx(1 / 3 * 100)
    assert iv_rank(close, year=3).iloc[:3].isna().all()
    assert iv_percentile(close, year=3).iloc[:3].isna().all()


@pytest.mark.parametrize("empty", [None, bars([]), pd.DataFrame({"open": [1.0]})])
def test_missing_inputs_are_none(empty: pd.DataFrame | None) -> None:
    assert vix_section(empty, empty, STATUS) == VixSection(status=STATUS)
    assert vix_section(empty, empty, STATUS, vix9d=bars([1.0]), vix3m=empty) == VixSection(
        status=STATUS
    )


# ---------------------------------------------------------------- properties


@st.composite
def markets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Random VIX, index, VIX9D and VIX3M on one calendar, each missing some sessions."""
    n = draw(st.integers(min_value=1, max_value=400))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    tick = draw(st.sampled_from([0.0, 0.01, 1.0]))
    index = pd.bdate_range("2015-01-01", periods=n, name="date")

    def path(level: float, vol: float) -> pd.DataFrame:
        close = level * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
        if tick:
            close = np.maximum(np.round(close / tick) * tick, tick)
        frame = pd.DataFrame({"close": close}, index=index)
        return frame[rng.uniform(size=n) > draw(st.sampled_from([0.0, 0.02, 0.2]))]

    return path(20.0, 0.05), path(4000.0, 0.01), path(18.0, 0.06), path(21.0, 0.03)


def rolling_oracle(close: pd.Series, t_date: pd.Timestamp) -> tuple[float, float]:
    """IV rank and percentile at `t_date` from full-history rolling windows of today
    and the 252 closes before it."""
    rolled_max = close.rolling(253).max()
    rolled_min = close.rolling(253).min()
    below = close.rolling(253).apply(lambda w: float((w[:-1] < w[-1]).sum()), raw=True)
    last = close.loc[t_date]
    high, low = rolled_max.loc[t_date], rolled_min.loc[t_date]
    rank = (last - low) / (high - low) * 100 if high > low else math.nan
    return rank, below.loc[t_date] / 252 * 100


def same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and a == pytest.approx(b, rel=1e-12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st.data())
def test_no_look_ahead(
    market: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame], data: st.DataObject
) -> None:
    vix, index, nine, three = market
    if vix.empty:
        return
    t = data.draw(st.integers(min_value=0, max_value=len(vix) - 1), label="t")
    t_date = vix.index[t]

    def upto(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[:t_date]

    section = vix_section(upto(vix), upto(index), STATUS, vix9d=upto(nine), vix3m=upto(three))

    # Appending random future rows, then cutting at t, changes nothing.
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))

    end = max(frame.index[-1] for frame in market if len(frame))

    def extend(frame: pd.DataFrame) -> pd.DataFrame:
        extra = pd.bdate_range(end + pd.offsets.BDay(), periods=10, name="date")
        future = pd.DataFrame({"close": rng.uniform(1.0, 9000.0, 10)}, index=extra)
        return pd.concat([frame, future])

    longer = [extend(frame).loc[:t_date] for frame in (vix, index, nine, three)]
    again = vix_section(longer[0], longer[1], STATUS, vix9d=longer[2], vix3m=longer[3])
    assert again == section

    # The values at t equal the full-history rolling values at t.
    close = vix["close"]
    assert section.last == close.iloc[t]
    rank, percentile = rolling_oracle(close, t_date)
    assert same(section.iv_rank_1y, rank)
    assert same(section.iv_percentile_1y, percentile)
    full_change = close.diff(5).iloc[t]
    assert same(section.vix_change_5d, full_change)
    index_close = index["close"]
    if len(index_close.loc[:t_date]):
        i = len(index_close.loc[:t_date]) - 1
        full_vol = realized_vol(index_close, 20).to_numpy()
        full_move = (index_close.pct_change(5) * 100).to_numpy()
        assert same(section.realized_vol_20d, float(full_vol[i]))
        assert same(section.index_change_5d_pct, float(full_move[i]))
    for frame, value in ((nine, section.vix9d), (three, section.vix3m)):
        expected = frame["close"].get(t_date, math.nan)
        assert same(value, float(expected))
