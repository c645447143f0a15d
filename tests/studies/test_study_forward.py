"""Forward returns and deepest falls (core.studies.forward), against values set by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.studies.forward import deepest_falls, forward_returns, reached, relative


def test_forward_returns_by_hand_and_pending() -> None:
    prices = np.array([100.0, 110.0, 99.0, 120.0])
    got = forward_returns(prices, 2)
    assert got[:2] == pytest.approx([99 / 100 - 1, 120 / 110 - 1])
    assert np.isnan(got[2:]).all()  # past the last session: pending
    assert np.isnan(forward_returns(prices, 4)).all()
    assert reached(4, 2).tolist() == [True, True, False, False]


def test_an_unknown_price_gives_an_unknown_return() -> None:
    got = forward_returns(np.array([np.nan, 100.0, 105.0]), 1)
    assert np.isnan(got[0]) and got[1] == pytest.approx(0.05)


def test_relative_is_the_return_of_the_ratio() -> None:
    small = np.array([100.0, 104.0, 110.0])
    large = np.array([50.0, 51.0, 50.0])
    got = forward_returns(relative(small, large), 2)
    assert got[0] == pytest.approx((110 / 50) / (100 / 50) - 1)  # +10 % against flat
    assert np.isnan(relative(np.array([1.0]), np.array([0.0]))).all()


def test_deepest_fall_within_the_horizon() -> None:
    prices = np.array([100.0, 95.0, 90.0, 105.0, 80.0, 120.0])
    got = deepest_falls(prices, 3)
    assert got[:3] == pytest.approx([-0.10, 80 / 95 - 1, 80 / 90 - 1])
    assert np.isnan(got[3:]).all()
    # Never below the start: the smallest rise.
    assert deepest_falls(np.array([100.0, 101.0, 102.0]), 2)[0] == pytest.approx(0.01)


def test_deepest_fall_at_positions_matches_every_session() -> None:
    rng = np.random.default_rng(5)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, 600))
    every = deepest_falls(prices, 63)
    at = np.array([0, 17, 500, 536, 537, 599])
    np.testing.assert_array_equal(deepest_falls(prices, 63, at), every[at])
    naive = [min(prices[t + 1 : t + 64]) / prices[t] - 1 for t in range(600 - 63)]
    np.testing.assert_allclose(every[: 600 - 63], naive)
    assert np.isnan(every[600 - 63 :]).all()
