"""The indicators equal TA-Lib (the oracle; never imported by core) on the real S&P 500
daily history from 1962, when the file has distinct open/high/low/close, to 1e-8 in
absolute terms from each indicator's first value; warm-up NaNs must line up exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.indicators import atr, bollinger, ema, keltner, rsi, sma, true_range
from tests.market_data import require_market_data

talib = pytest.importorskip("talib")

TOLERANCE = 1e-8


@pytest.fixture(scope="module")
def gspc() -> pd.DataFrame:
    root: Path = require_market_data("GSPC.csv")
    frame = pd.read_csv(root / "GSPC.csv", parse_dates=["Date"], index_col="Date")
    frame = frame.loc[frame.index >= "1962-01-01", ["Open", "High", "Low", "Close"]]
    assert len(frame) > 15_000, "expected six decades of daily bars"
    return frame.astype(float)


def assert_matches(ours: pd.Series, oracle: np.ndarray, first: int) -> None:
    """Same NaN warm-up (first value at position `first`) and equal values to TOLERANCE."""
    values = ours.to_numpy(dtype=float)
    assert np.isnan(values[:first]).all() and np.isnan(oracle[:first]).all()
    assert not np.isnan(values[first:]).any() and not np.isnan(oracle[first:]).any()
    diff = np.max(np.abs(values[first:] - oracle[first:]))
    assert diff <= TOLERANCE, f"max abs diff {diff:.3g} > {TOLERANCE}"


@pytest.mark.parametrize("length", [20, 50, 200])
def test_sma_equals_talib(gspc: pd.DataFrame, length: int) -> None:
    close = gspc["Close"]
    assert_matches(sma(close, length), talib.SMA(close.to_numpy(), length), length - 1)


@pytest.mark.parametrize("length", [20, 50, 200])
def test_ema_equals_talib(gspc: pd.DataFrame, length: int) -> None:
    close = gspc["Close"]
    assert_matches(ema(close, length), talib.EMA(close.to_numpy(), length), length - 1)


def test_rsi_equals_talib(gspc: pd.DataFrame) -> None:
    close = gspc["Close"]
    assert_matches(rsi(close, 14), talib.RSI(close.to_numpy(), 14), 14)


def test_atr_and_true_range_equal_talib(gspc: pd.DataFrame) -> None:
    h, lo, c = gspc["High"], gspc["Low"], gspc["Close"]
    arrays = (h.to_numpy(), lo.to_numpy(), c.to_numpy())
    assert_matches(atr(h, lo, c, 14), talib.ATR(*arrays, 14), 14)
    assert_matches(true_range(h, lo, c), talib.TRANGE(*arrays), 1)


def test_bollinger_equals_talib(gspc: pd.DataFrame) -> None:
    close = gspc["Close"]
    upper, middle, lower = talib.BBANDS(close.to_numpy(), 20, 2.0, 2.0, 0)
    bands = bollinger(close, 20, 2.0)
    assert list(bands.columns) == ["lower", "middle", "upper", "bandwidth", "percent_b"]
    assert bands.index.equals(close.index)
    assert_matches(bands["lower"], lower, 19)
    assert_matches(bands["middle"], middle, 19)
    assert_matches(bands["upper"], upper, 19)
    bandwidth = (upper - lower) / middle
    percent_b = (close.to_numpy() - lower) / (upper - lower)
    assert np.nanmax(np.abs(bands["bandwidth"].to_numpy() - bandwidth)) <= TOLERANCE
    assert np.nanmax(np.abs(bands["percent_b"].to_numpy() - percent_b)) <= TOLERANCE


def test_keltner_equals_talib_composition(gspc: pd.DataFrame) -> None:
    h, lo, c = gspc["High"], gspc["Low"], gspc["Close"]
    middle = talib.EMA(c.to_numpy(), 20)
    band = 2.0 * talib.ATR(h.to_numpy(), lo.to_numpy(), c.to_numpy(), 10)
    channel = keltner(h, lo, c, 20, 10, 2.0)
    assert_matches(channel["middle"], middle, 19)
    assert_matches(channel["upper"], middle + band, 19)
    assert_matches(channel["lower"], middle - band, 19)
