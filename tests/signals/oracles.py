"""Independent, slow oracles for the RSI and trend readings: literal, one-session-at-a-
time readings of the published rules (DESIGN.md, the signal modules' docstrings),
written apart from the vectorised code in core/signals so that the tests can check one
against the other. `reference_state` reads the divergence rules at one bar; `trend_at`
computes every CTA-proxy reading at one session from the formulas. TA-Lib is the RSI's
own oracle."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# --- RSI divergence --------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    kind: str | None
    first: int
    second: int
    confirmed: int


def reference_state(
    close: np.ndarray, r: np.ndarray, t: int, p: dict[str, int]
) -> tuple[Reference, Reference]:
    """A slow, literal reading of the rules at bar t from closes[:t+1] only."""
    left, right = p["left"], p["right"]
    c = close[: t + 1]

    def pivots(high: bool) -> list[int]:
        found = []
        for i in range(left, t - right + 1):
            sign = 1.0 if high else -1.0
            if all(sign * c[i] > sign * c[i - k] for k in range(1, left + 1)) and all(
                sign * c[i] >= sign * c[i + k] for k in range(1, right + 1)
            ):
                found.append(i)
        return found

    latest: dict[tuple[str, bool], tuple[int, int]] = {}
    for high in (True, False):
        piv = pivots(high)
        for a, b in itertools.pairwise(piv):
            if not (p["min_gap"] <= b - a <= p["max_gap"]) or np.isnan(r[a]) or np.isnan(r[b]):
                continue
            kind = "bearish" if high else "bullish"
            if high:
                regular = c[b] > c[a] and r[b] < r[a]
                hidden = c[b] < c[a] and r[b] > r[a]
            else:
                regular = c[b] < c[a] and r[b] > r[a]
                hidden = c[b] > c[a] and r[b] < r[a]
            if regular or hidden:
                latest[(kind, hidden)] = (a, b)  # later pairs overwrite: most recent wins

    def reported(hidden: bool) -> Reference:
        best = Reference(None, -1, -1, -1)
        for kind in ("bullish", "bearish"):
            if (kind, hidden) not in latest:
                continue
            a, b = latest[(kind, hidden)]
            conf = b + right
            if t - conf >= p["active_sessions"]:
                continue
            after = c[conf + 1 : t + 1]
            if (after > c[b]).any() if kind == "bearish" else (after < c[b]).any():
                continue
            if conf >= best.confirmed:
                best = Reference(kind, a, b, conf)
        return best

    return reported(False), reported(True)


# --- the CTA proxy ---------------------------------------------------------------------


def _exposure(c: np.ndarray, t: int, lookbacks: tuple[int, ...]) -> float | None:
    """Exposure at t from valid closes c: mean tanh(z_L), z_L = ln(C_t/C_{t-L}) /
    (sd·√L), sd the sample std of the last 63 log returns; times min(1, 12 / vol_ann),
    vol_ann = sd·√252·100; ×100, clipped to ±100. None before every lookback exists."""
    if t < max(*lookbacks, 63):
        return None
    returns = np.diff(np.log(c[t - 63 : t + 1]))
    sd = float(np.std(returns, ddof=1))
    signals = []
    for lookback in lookbacks:
        move = math.log(c[t] / c[t - lookback])
        z = 0.0 if move == 0 else move / (sd * math.sqrt(lookback))
        signals.append(math.tanh(z))
    vol_ann = sd * math.sqrt(252) * 100
    scale = min(1.0, 12.0 / vol_ann)
    return max(-100.0, min(100.0, sum(signals) / len(signals) * scale * 100))


def trend_at(
    closes: np.ndarray, t: int, lookbacks: tuple[int, ...] = (21, 63, 126, 252)
) -> dict[str, Any]:
    """Every trend reading at session t of the valid closes `closes`, by column name
    (None where undefined), from the formulas alone."""
    c = np.asarray(closes, dtype=np.float64)
    last = float(c[t])
    readings: dict[str, Any] = {"trend.exposure_pct": _exposure(c, t, lookbacks)}
    flips = []
    for lookback in lookbacks:
        name = f"trend.signals[{lookback}]"
        flip = float(c[t - lookback + 1]) if t - lookback + 1 >= 0 else None
        readings[f"{name}.value"] = None
        readings[f"{name}.return_pct"] = None
        if t >= lookback:
            readings[f"{name}.return_pct"] = (last / c[t - lookback] - 1) * 100
        if t >= max(lookback, 63):
            sd = float(np.std(np.diff(np.log(c[t - 63 : t + 1])), ddof=1))
            move = math.log(last / c[t - lookback])
            z = 0.0 if move == 0 else move / (sd * math.sqrt(lookback))
            readings[f"{name}.value"] = math.tanh(z)
        readings[f"{name}.flip_level"] = flip
        readings[f"{name}.flip_distance_pct"] = None if flip is None else (flip / last - 1) * 100
        if flip is not None:
            flips.append(flip)
    exposure = readings["trend.exposure_pct"]
    week_ago = _exposure(c, t - 5, lookbacks) if t >= 5 else None
    readings["trend.exposure_change_1w"] = (
        None if exposure is None or week_ago is None else exposure - week_ago
    )
    year = [_exposure(c, s, lookbacks) for s in range(t - 252, t)] if t >= 252 else [None]
    percentile = None
    if exposure is not None and all(e is not None for e in year):
        percentile = sum(1 for e in year if e is not None and e < exposure) / 252 * 100
    readings["trend.exposure_percentile_1y"] = percentile
    readings["trend.crowded"] = (
        None
        if exposure is None or percentile is None
        else (percentile >= 90 and exposure >= 50) or (percentile <= 10 and exposure <= -50)
    )
    above = [flip for flip in flips if flip > last]
    below = [flip for flip in flips if flip < last]
    readings["trend.nearest_flip_above"] = min(above) if above else None
    readings["trend.nearest_flip_below"] = max(below) if below else None
    return readings
