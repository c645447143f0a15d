"""Statistics at a horizon (core.studies.stats): means, medians, the baseline, Welch's t
and the bootstrap interval, against computations written out here; None, never 0,
where a figure cannot be computed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.studies.stats import BOOTSTRAP_SEED, DRAWS, bootstrap_interval, horizon_stats, welch_t


def hand_welch(a: list[float], b: list[float]) -> float:
    def var(x: list[float]) -> float:
        m = sum(x) / len(x)
        return sum((v - m) ** 2 for v in x) / (len(x) - 1)

    spread = var(a) / len(a) + var(b) / len(b)
    return (sum(a) / len(a) - sum(b) / len(b)) / math.sqrt(spread)


def test_figures_by_hand() -> None:
    events = np.array([0.02, -0.01, 0.04, np.nan])  # the NaN: not reached
    baseline = np.array([0.01, 0.0, -0.01, 0.02, 0.02, -0.01, np.nan])
    got = horizon_stats(21, events, baseline, pending=1)
    assert (got.sessions, got.n, got.pending, got.baseline_n) == (21, 3, 1, 6)
    assert got.mean_pct == pytest.approx(5 / 3)
    assert got.median_pct == pytest.approx(2.0)
    assert got.pct_positive == pytest.approx(200 / 3)
    assert got.baseline_mean_pct == pytest.approx(0.5)
    assert got.baseline_pct_positive == pytest.approx(50.0)
    assert got.edge_pct == pytest.approx(5 / 3 - 0.5)
    expected_t = hand_welch([0.02, -0.01, 0.04], [0.01, 0.0, -0.01, 0.02, 0.02, -0.01])
    assert got.t_stat == pytest.approx(expected_t)
    assert got.ci90_pct is not None and got.edge_pct is not None
    assert got.ci90_pct[0] < got.edge_pct < got.ci90_pct[1]
    assert got.worst_drawdown_pct is None and got.pct_beyond_decline is None


def test_none_where_not_computable() -> None:
    none = horizon_stats(5, np.array([np.nan]), np.array([0.01, 0.02]), pending=1)
    assert none.n == 0 and none.pending == 1
    assert none.mean_pct is None and none.pct_positive is None and none.t_stat is None
    assert none.ci90_pct is None and none.edge_pct is None
    one = horizon_stats(5, np.array([0.03]), np.array([0.01, 0.02]), pending=0)
    assert one.mean_pct == pytest.approx(3.0) and one.t_stat is None and one.ci90_pct is None
    empty = horizon_stats(5, np.array([]), np.array([]), pending=0)
    assert empty.baseline_mean_pct is None and empty.baseline_pct_positive is None
    # No spread at all: no t (not an infinite one).
    assert welch_t(np.array([0.01, 0.01]), np.array([0.01, 0.01])) is None


def test_bootstrap_is_the_percentile_interval_of_resampled_means() -> None:
    sample = np.array([0.05, -0.02, 0.01, 0.03, 0.00])
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = sorted(
        float(np.mean(sample[rng.integers(0, sample.size, sample.size)])) - 0.01
        for _ in range(DRAWS)
    )
    low, high = bootstrap_interval(sample, 0.01) or (math.nan, math.nan)
    # numpy's percentile interpolates linearly between order statistics.
    assert low == pytest.approx(np.percentile(means, 5)) and low >= means[0]
    assert high == pytest.approx(np.percentile(means, 95)) and high <= means[-1]
    assert bootstrap_interval(sample, 0.01) == (low, high)  # the seed is fixed


def test_drawdown_and_share_beyond_the_decline() -> None:
    falls = np.array([-0.05, -0.10, -0.20, np.nan])  # exactly 10 % counts
    got = horizon_stats(
        63, np.zeros(4), np.zeros(8), pending=1, event_falls=falls, decline_pct=10.0
    )
    assert got.worst_drawdown_pct == pytest.approx(-20.0)
    assert got.pct_beyond_decline == pytest.approx(200 / 3)
    tenth = np.array([90.0 / 100.0 - 1.0])  # −0.09999999999999998
    fell = horizon_stats(63, np.zeros(1), np.zeros(2), pending=0, event_falls=tenth, decline_pct=10)
    assert fell.pct_beyond_decline == 100.0


def test_a_large_sample_is_resampled_in_blocks_as_in_one_draw() -> None:
    sample = np.random.default_rng(2).normal(0.001, 0.01, 3000)  # 6M picks: drawn in blocks
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, sample.size, size=(DRAWS, sample.size), dtype=np.int32)
    means = sample[picks].mean(axis=1) - 0.0005
    expected = tuple(np.percentile(means, [5, 95]))
    assert bootstrap_interval(sample, 0.0005) == pytest.approx(expected, rel=1e-12)
