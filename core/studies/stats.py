"""Statistics of a study's events at one horizon against the baseline: the events'
forward returns whose horizon is reached (n; the others pending, left out of every
figure, never counted as zero), their mean, median and share positive, the baseline
(every session of the span whose horizon is reached), the edge (mean − baseline mean),
Welch's t of events against the baseline, a bootstrap 90 % interval of the edge (the
events resampled with replacement, `DRAWS` draws from numpy's default generator with a
fixed seed, so a study gives the same interval every run; the percentile interval), the
deepest fall within the horizon and how often it reached the study's decline (a fall of
exactly 10 % counts for 10). In percent units; None where a figure cannot be computed
(no event, under 2 events for the t and the interval), never 0."""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from core.studies.result import HorizonStats

__all__ = ["BOOTSTRAP_SEED", "DRAWS", "bootstrap_interval", "horizon_stats", "welch_t"]

DRAWS = 2000
"""Bootstrap resamples of the events."""
BOOTSTRAP_SEED = 11
"""The generator's seed: the interval is reproducible."""
CONFIDENCE = 0.90
TOLERANCE = 1e-12
"""A fall of exactly `decline_pct` (100 to 90: −0.09999999999999998) counts as reaching it."""


def _pct(value: float) -> float | None:
    """A fraction as a percent, None when not finite."""
    return float(value) * 100.0 if math.isfinite(value) else None


def welch_t(sample: np.ndarray, baseline: np.ndarray) -> float | None:
    """Welch's t of `sample`'s mean against `baseline`'s (unequal variances, ddof 1);
    None under 2 values in either, or when both vary not at all."""
    if sample.size < 2 or baseline.size < 2:
        return None
    spread = sample.var(ddof=1) / sample.size + baseline.var(ddof=1) / baseline.size
    if not spread > 0:
        return None
    return float((sample.mean() - baseline.mean()) / math.sqrt(spread))


def bootstrap_interval(
    sample: np.ndarray, baseline_mean: float, *, draws: int = DRAWS, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float] | None:
    """The percentile 90 % interval of mean(resampled `sample`) − `baseline_mean` over
    `draws` resamples with replacement (a fixed `seed`); None under 2 values."""
    if sample.size < 2 or not math.isfinite(baseline_mean):
        return None
    means = np.concatenate(
        [sample.take(rows).mean(axis=1) for rows in _resamples(sample.size, draws, seed)]
    )
    tail = (1.0 - CONFIDENCE) / 2.0 * 100.0
    low, high = np.percentile(means - baseline_mean, [tail, 100.0 - tail])
    return float(low), float(high)


CHUNK = 1 << 20
"""Picks drawn at a time: a resample of many events is drawn in blocks of rows."""


def _resamples(size: int, draws: int, seed: int) -> Iterator[np.ndarray]:
    """The resamples' picks (rows of `size` positions, `draws` rows in all, as one
    generator seeded with `seed` draws them row after row), in blocks of rows; the
    picks of a small sample are drawn once and kept for the next horizons of the same
    study (their event counts recur), the last two sizes only: each is up to 4 MB, held
    for as long as the monitor runs."""
    if size * draws <= CHUNK:
        yield _kept_picks(size, draws, seed)
        return
    rng = np.random.default_rng(seed)
    rows = max(1, CHUNK // size)
    for start in range(0, draws, rows):
        yield rng.integers(0, size, size=(min(rows, draws - start), size), dtype=np.int32)


@lru_cache(maxsize=2)
def _kept_picks(size: int, draws: int, seed: int) -> np.ndarray:
    picks = np.random.default_rng(seed).integers(0, size, size=(draws, size), dtype=np.int32)
    picks.flags.writeable = False
    return picks


def horizon_stats(
    sessions: int,
    event_returns: np.ndarray,
    baseline_returns: np.ndarray,
    *,
    pending: int,
    event_falls: np.ndarray | None = None,
    decline_pct: float | None = None,
) -> HorizonStats:
    """The statistics at a horizon of `sessions`: `event_returns` are the events' forward
    returns (fractions; NaN where not reached or unknown, left out), `baseline_returns`
    every session's (NaN likewise), `pending` the events whose horizon is not reached,
    `event_falls` the events' deepest falls within the horizon (fractions, NaN likewise)
    and `decline_pct` the fall (percent, positive) whose share is counted."""
    events = event_returns[np.isfinite(event_returns)]
    baseline = baseline_returns[np.isfinite(baseline_returns)]
    n = int(events.size)
    base_mean = float(baseline.mean()) if baseline.size else math.nan
    stats: dict[str, object] = {
        "sessions": sessions,
        "n": n,
        "pending": pending,
        "baseline_n": int(baseline.size),
        "baseline_mean_pct": _pct(base_mean),
        "baseline_pct_positive": _pct(float((baseline > 0).mean())) if baseline.size else None,
    }
    if n:
        mean = float(events.mean())
        stats |= {
            "mean_pct": _pct(mean),
            "median_pct": _pct(float(np.median(events))),
            "pct_positive": _pct(float((events > 0).mean())),
            "edge_pct": _pct(mean - base_mean),
            "t_stat": welch_t(events, baseline),
        }
        interval = bootstrap_interval(events, base_mean)
        if interval is not None:
            stats["ci90_pct"] = (interval[0] * 100.0, interval[1] * 100.0)
    if event_falls is not None:
        falls = event_falls[np.isfinite(event_falls)]
        if falls.size:
            stats["worst_drawdown_pct"] = _pct(float(falls.min()))
            if decline_pct is not None:
                beyond = falls <= -decline_pct / 100.0 + TOLERANCE
                stats["pct_beyond_decline"] = _pct(float(beyond.mean()))
    return HorizonStats.model_validate(stats)
