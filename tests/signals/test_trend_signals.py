"""The CTA proxy (core.signals.trend) on hand-built closes with known answers: flip
levels and their off-by-one against a hand-computed next-session return, the signal and
exposure formulas, vol targeting, the 1-year percentile and the crowded flag, the history
each reading needs, no look-ahead as a property, and the readings on real S&P 500 data
as of 2026-01-28 and 2026-02-05 (skipped where that data is absent)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from core.sections.trend import TrendSection, trend_section
from core.signals.trend import (
    LOOKBACKS,
    TARGET_VOL_PCT,
    crowded,
    rolling_percentile,
    trend_frame,
)
from core.snapshot import PanelStatus
from tests.market_data import require_market_data

STATUS = PanelStatus(state="REPLAY")


def bars(closes: np.ndarray | list[float], start: str = "2020-01-02") -> pd.DataFrame:
    """Daily bars on business days with only `close` known."""
    values = np.asarray(closes, dtype=np.float64)
    index = pd.bdate_range(start, periods=len(values), name="date")
    nan = np.full(len(values), np.nan)
    return pd.DataFrame(
        {"open": nan, "high": nan, "low": nan, "close": values, "volume": nan}, index=index
    )


def path(log_returns: np.ndarray, start: float = 100.0) -> np.ndarray:
    """Closes from daily log returns (the first close is `start`)."""
    return start * np.exp(np.concatenate([[0.0], np.cumsum(log_returns)]))


def zigzag(n: int, drift: float, noise: float) -> np.ndarray:
    """n daily log returns: drift ± noise, alternating (a deterministic noisy trend)."""
    signs = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return drift + noise * signs


# --- flip levels: the off-by-one, by hand ---------------------------------------------


def test_flip_level_zeroes_tomorrows_return_by_hand() -> None:
    # t = 4 (close 104), L = 3. Tomorrow's 3-session return is close_5 / close_{5-3} - 1
    # = close_5 / close_2 - 1, zero when close_5 = close_2 = 102 = close.iloc[-3].
    closes = [100.0, 101.0, 102.0, 103.0, 104.0]
    section = trend_section(bars(closes), STATUS, lookbacks=(3,))
    assert section.signals[0].flip_level == 102.0
    assert section.signals[0].flip_distance_pct == pytest.approx((102.0 / 104.0 - 1) * 100)
    assert section.signals[0].return_pct == pytest.approx((104.0 / 101.0 - 1) * 100)
    tomorrow = trend_frame(pd.Series([*closes, 102.0]), (3,))
    assert tomorrow["return_pct_3"].iloc[-1] == 0.0


def test_crossing_the_flip_level_flips_the_signal() -> None:
    closes = path(zigzag(120, 0.001, 0.006))
    for lookback in (3, 21, 63):
        flip = float(closes[-lookback])
        frame = bars(closes)
        section = trend_section(frame, STATUS, lookbacks=(lookback,))
        assert section.signals[0].flip_level == flip
        for tomorrow, sign in ((flip, 0.0), (flip * 1.001, 1.0), (flip * 0.999, -1.0)):
            after = trend_frame(pd.Series([*closes, tomorrow]), (lookback,))
            assert np.sign(after[f"signal_{lookback}"].iloc[-1]) == sign
            assert np.sign(after[f"return_pct_{lookback}"].iloc[-1]) == sign


# --- the formulas on a steady uptrend -------------------------------------------------


def test_steady_uptrend_by_the_documented_formulas() -> None:
    closes = path(zigzag(749, 0.001, 0.008))
    section = trend_section(bars(closes), STATUS)
    last = closes[-1]
    log_returns = np.diff(np.log(closes))
    sd = np.std(log_returns[-63:], ddof=1)
    vol_ann = sd * math.sqrt(252) * 100
    signals = []
    for signal, lookback in zip(section.signals, LOOKBACKS, strict=True):
        z = math.log(last / closes[-1 - lookback]) / (sd * math.sqrt(lookback))
        assert signal.lookback_days == lookback
        assert signal.value == pytest.approx(math.tanh(z), rel=1e-10)
        assert signal.value is not None and signal.value > 0
        assert signal.return_pct == pytest.approx((last / closes[-1 - lookback] - 1) * 100)
        assert signal.flip_level == closes[-lookback]
        assert signal.flip_distance_pct == pytest.approx((closes[-lookback] / last - 1) * 100)
        signals.append(math.tanh(z))
    expected = float(np.mean(signals)) * min(1.0, TARGET_VOL_PCT / vol_ann) * 100
    assert section.exposure_pct == pytest.approx(expected, rel=1e-10)
    assert section.exposure_pct is not None and 0 < section.exposure_pct <= 100
    flips = [s.flip_level for s in section.signals if s.flip_level is not None]
    assert section.nearest_flip_below == max(f for f in flips if f < last)
    above = [f for f in flips if f > last]
    assert section.nearest_flip_above == (min(above) if above else None)
    assert section.status == STATUS


def test_downtrend_is_negative_and_a_pure_exponential_is_full_size() -> None:
    down = trend_section(bars(path(zigzag(400, -0.002, 0.006))), STATUS)
    assert all(s.value is not None and s.value < 0 for s in down.signals)
    assert down.exposure_pct is not None and down.exposure_pct < -50
    assert down.nearest_flip_below is None  # every flip level is above a falling close
    smooth = trend_section(bars(100 * 1.001 ** np.arange(300)), STATUS)
    assert smooth.exposure_pct == pytest.approx(100.0)  # vanishing vol: infinite t-stat


def test_doubling_vol_halves_exposure_above_the_target_only() -> None:
    for noise, halves in ((0.010, True), (0.003, False)):
        base = zigzag(400, 0.0008, noise)
        a = trend_frame(pd.Series(path(base)))
        b = trend_frame(pd.Series(path(2 * base)))  # every log return doubled
        for lookback in LOOKBACKS:
            column = f"signal_{lookback}"
            np.testing.assert_allclose(b[column].iloc[-1], a[column].iloc[-1], rtol=1e-10)
        assert b["vol_pct"].iloc[-1] == pytest.approx(2 * a["vol_pct"].iloc[-1], rel=1e-12)
        ratio = b["exposure"].iloc[-1] / a["exposure"].iloc[-1]
        if halves:
            assert a["vol_pct"].iloc[-1] > TARGET_VOL_PCT
            assert ratio == pytest.approx(0.5, rel=1e-10)
        else:
            assert b["vol_pct"].iloc[-1] < TARGET_VOL_PCT
            assert ratio == pytest.approx(1.0, rel=1e-10)


# --- percentile, weekly change, crowded -----------------------------------------------


def test_rolling_percentile_counts_the_previous_window_strictly_below() -> None:
    out = rolling_percentile(np.array([1.0, 5.0, 3.0, 2.0, 4.0, 4.0]), 4)
    assert np.isnan(out[:4]).all()
    assert out[4] == 75.0  # 1, 3, 2 of (1, 5, 3, 2) are below 4
    assert out[5] == 50.0  # 3, 2 of (5, 3, 2, 4) are below 4; the tie is not
    assert (rolling_percentile(np.arange(300.0))[252:] == 100.0).all()
    assert (rolling_percentile(-np.arange(300.0))[252:] == 0.0).all()
    with_gap = np.arange(300.0)
    with_gap[10] = np.nan
    assert np.isnan(rolling_percentile(with_gap)[252:263]).all()
    assert rolling_percentile(with_gap)[263] == 100.0


@pytest.mark.parametrize(
    ("exposure", "percentile", "is_crowded"),
    [
        (60.0, 95.0, True),
        (50.0, 90.0, True),
        (49.9, 99.0, False),
        (60.0, 89.9, False),
        (-60.0, 5.0, True),
        (-50.0, 10.0, True),
        (-40.0, 0.0, False),
        (60.0, 5.0, False),
        (-60.0, 95.0, False),
        (None, 95.0, None),
        (60.0, None, None),
    ],
)
def test_crowded_needs_an_extreme_and_a_large_same_side_position(
    exposure: float | None, percentile: float | None, is_crowded: bool | None
) -> None:
    def one(value: float | None) -> np.ndarray:
        return np.array([np.nan if value is None else value])

    assert crowded(one(exposure), one(percentile))[0] is is_crowded


def test_a_trend_after_a_flat_year_is_crowded() -> None:
    closes = path(np.concatenate([zigzag(500, 0.0, 0.006), zigzag(60, 0.003, 0.006)]))
    section = trend_section(bars(closes), STATUS)
    frame = trend_frame(pd.Series(closes))
    exposure = frame["exposure"].to_numpy()
    assert section.exposure_pct == exposure[-1]
    assert section.exposure_pct is not None and section.exposure_pct > 90
    assert section.exposure_change_1w == exposure[-1] - exposure[-6]
    expected = (exposure[-253:-1] < exposure[-1]).mean() * 100
    assert section.exposure_percentile_1y == pytest.approx(expected, rel=1e-12)
    assert section.exposure_percentile_1y is not None and section.exposure_percentile_1y >= 90
    assert section.crowded is True
    calm = trend_section(bars(path(zigzag(600, 0.0, 0.006))), STATUS)
    assert calm.crowded is False


# --- too little history ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "exposure", "change", "percentile"),
    [(252, False, False, False), (253, True, False, False), (258, True, True, False),
     (504, True, True, False), (505, True, True, True)],
)  # fmt: skip
def test_history_each_reading_needs(n: int, exposure: bool, change: bool, percentile: bool) -> None:
    section = trend_section(bars(path(zigzag(n - 1, 0.001, 0.008))), STATUS)
    assert (section.exposure_pct is not None) is exposure
    assert (section.exposure_change_1w is not None) is change
    assert (section.exposure_percentile_1y is not None) is percentile
    assert (section.crowded is not None) is percentile
    assert (section.status.detail is None) is percentile


def test_short_history_keeps_the_lookbacks_it_can_compute() -> None:
    closes = path(zigzag(99, 0.001, 0.008))
    section = trend_section(bars(closes), PanelStatus(state="LIVE", detail="quotes delayed"))
    by_lookback = {s.lookback_days: s for s in section.signals}
    assert by_lookback[21].value is not None and by_lookback[63].value is not None
    assert by_lookback[126].value is None and by_lookback[252].value is None
    assert by_lookback[126].flip_level is None and by_lookback[126].return_pct is None
    assert by_lookback[63].flip_level == closes[-63]
    assert section.exposure_pct is None and section.crowded is None
    assert (
        section.status.detail == "quotes delayed; exposure needs 253 closes of the index, has 100"
    )
    assert section.status.state == "LIVE"
    # 63 closes: the flip level of 63 exists, its return and the vol do not yet.
    s63 = trend_section(bars(closes[:63]), STATUS, lookbacks=(63,)).signals[0]
    assert s63.flip_level == closes[0] and s63.return_pct is None and s63.value is None


def test_empty_and_gappy_frames() -> None:
    empty = trend_section(bars([]), STATUS)
    assert empty.exposure_pct is None
    assert [s.lookback_days for s in empty.signals] == list(LOOKBACKS)
    assert all(s.flip_level is None for s in empty.signals)
    closes = path(zigzag(599, 0.001, 0.008))
    gappy = bars(np.insert(closes, 300, np.nan))  # a missing close is skipped, not filled
    assert trend_section(gappy, STATUS) == trend_section(bars(closes), STATUS)
    with pytest.raises(ValueError, match="distinct"):
        trend_section(bars(closes), STATUS, lookbacks=(21, 21))


# --- no look-ahead --------------------------------------------------------------------


@st.composite
def paths_and_cut(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.one_of(st.integers(1, 300), st.integers(500, 700)))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    drift = draw(st.sampled_from([-0.002, 0.0, 0.001]))
    closes = np.round(path(rng.normal(drift, 0.012, n - 1), 4000.0), 2)
    if draw(st.booleans()):
        closes[rng.random(n) < 0.02] = np.nan
    t = n - 1 - draw(st.integers(min_value=0, max_value=min(n - 1, 100)))
    return bars(closes), t


@settings(max_examples=60, deadline=None)
@given(paths_and_cut())
def test_no_look_ahead(case: tuple[pd.DataFrame, int]) -> None:
    full, t = case
    prefix = full.iloc[: t + 1]
    section = trend_section(prefix, STATUS)
    assert section == trend_section(full.iloc[: t + 1].copy(), STATUS)
    whole = trend_frame(full["close"])
    upto = whole[whole.index <= prefix.index[-1]]
    pd.testing.assert_frame_equal(
        upto, trend_frame(prefix["close"]), check_exact=True, check_freq=False
    )
    if len(upto) == 0:
        return
    row = upto.iloc[-1]
    event(f"percentile defined={section.exposure_percentile_1y is not None}")

    def same(reading: float | None, value: float) -> bool:
        return (reading is None and math.isnan(value)) or reading == value

    assert same(section.exposure_pct, row["exposure"])
    assert same(section.exposure_change_1w, row["exposure_change_1w"])
    assert same(section.exposure_percentile_1y, row["exposure_percentile_1y"])
    for signal in section.signals:
        assert same(signal.value, row[f"signal_{signal.lookback_days}"])
        assert same(signal.flip_level, row[f"flip_{signal.lookback_days}"])


# --- real data ------------------------------------------------------------------------


def load(name: str) -> pd.DataFrame:
    frame = pd.read_csv(require_market_data(name) / name, index_col="Date", parse_dates=True)
    frame.columns = [column.lower() for column in frame.columns]
    return frame


@pytest.mark.parametrize("as_of", ["2026-01-28", "2026-02-05"])
def test_real_sp500_readings(as_of: str) -> None:
    gspc = load("GSPC.csv").loc[:as_of]
    assert gspc.index[-1] == pd.Timestamp(as_of)
    section = trend_section(gspc, STATUS)
    close = gspc["close"]
    last = float(close.iloc[-1])
    for signal in section.signals:
        lookback = signal.lookback_days
        assert signal.flip_level == close.iloc[-lookback]  # the close L-1 sessions back
        assert signal.return_pct == pytest.approx((last / close.iloc[-1 - lookback] - 1) * 100)
        assert signal.value is not None and -1 <= signal.value <= 1
    # The panel is the vectorised frame's last row.
    row = trend_frame(close).iloc[-1]
    assert section.exposure_pct == row["exposure"]
    assert section.exposure_percentile_1y == row["exposure_percentile_1y"]
    assert section.status.detail is None
    print(f"\n{as_of} trend: {render(section)}")


def render(section: TrendSection) -> str:
    signals = ", ".join(
        f"L{s.lookback_days}={s.value:+.3f} (ret {s.return_pct:+.2f}%, flip {s.flip_level:.2f})"
        for s in section.signals
    )
    return (
        f"exposure {section.exposure_pct:+.1f}% (1w {section.exposure_change_1w:+.1f}, "
        f"pct {section.exposure_percentile_1y:.1f}, crowded {section.crowded}); {signals}; "
        f"flip above {section.nearest_flip_above}, below {section.nearest_flip_below}"
    )
