"""Test oracles and test data for breadth. The oracles work a session's readings out
the slow, plain way, member by member over its present closes, independently of the
vectorised panel in `core.signals.breadth`: `oracle_pct_above` is exact on whole-cent
closes (integer sums); `readings_at` gives every column of
`core.sections.breadth.readings` at one session, with exact signs for "above the
average" (`math.fsum`) on any closes, so it agrees with the vectorised form except on a
close within ~1e-12 of its average. The data: random member panels in whole cents
(`panels`) and RSP/SPY closes over their dates (`ratio_closes`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import strategies as st

YEAR = 252


def dates(n: int, start: str = "2020-01-01") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date")


@st.composite
def panels(
    draw: st.DrawFn, min_rows: int = 1, max_rows: int = 320, interior_gaps: bool = True
) -> pd.DataFrame:
    """A random member panel in whole cents: late listings, delistings, interior gaps
    (unless not asked for) and flat stretches (so ties with the average happen)."""
    n = draw(st.integers(min_value=min_rows, max_value=max_rows))
    m = draw(st.integers(min_value=1, max_value=8))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    cents = np.round(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (n, m)), axis=0)), 2)
    for j in range(m):
        if rng.uniform() < 0.3:
            start = int(rng.integers(0, n))
            cents[start : start + int(rng.integers(5, 80)), j] = cents[start, j]
        if rng.uniform() < 0.4:
            cents[: int(rng.integers(0, n)), j] = np.nan
        if rng.uniform() < 0.2:
            cents[n - int(rng.integers(0, 5)) :, j] = np.nan
        if interior_gaps and rng.uniform() < 0.3:
            cents[rng.uniform(size=n) < 0.03, j] = np.nan
    return pd.DataFrame(cents, index=dates(n), columns=[f"M{j}" for j in range(m)])


@st.composite
def ratio_closes(
    draw: st.DrawFn, sessions: pd.DatetimeIndex
) -> tuple[pd.Series | None, pd.Series | None]:
    """RSP and SPY closes around the members' `sessions`: each missing altogether,
    starting late, ending early (stale), running a few sessions past the members,
    with dates missing here and there, or with a non-positive print."""
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    extended = sessions.union(pd.bdate_range(sessions[-1], periods=4, name="date"))
    pair: list[pd.Series | None] = []
    for level in (50.0, 100.0):
        shape = draw(st.sampled_from(["full", "none", "late", "stale", "sparse", "zero"]))
        if shape == "none":
            pair.append(None)
            continue
        n = len(extended)
        values = level * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
        series = pd.Series(values, index=extended)
        if shape == "late":
            series = series.iloc[int(rng.integers(0, n)) :]
        elif shape == "stale":
            series = series.iloc[: n - int(rng.integers(1, 8))]
        elif shape == "sparse":
            series = series[rng.uniform(size=n) >= 0.05]
        elif shape == "zero":
            series.iloc[int(rng.integers(0, n))] = 0.0
        if draw(st.booleans()):
            series = series.iloc[: len(sessions)]  # ends with the members
        pair.append(series)
    return pair[0], pair[1]


def oracle_pct_above(closes: pd.DataFrame, length: int) -> np.ndarray:
    """Exact: per member, the SMA over its present closes, in integer cents."""
    n = len(closes)
    counted = np.zeros(n, dtype=np.int64)
    above = np.zeros(n, dtype=np.int64)
    for column in closes.columns:
        values = closes[column].to_numpy()
        rows = np.flatnonzero(np.isfinite(values))
        cents = np.round(values[rows] * 100).astype(np.int64)
        for k in range(length - 1, len(rows)):
            window = int(cents[k - length + 1 : k + 1].sum())
            counted[rows[k]] += 1
            above[rows[k]] += int(cents[k]) * length > window
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted > 0, above * 100.0 / np.maximum(counted, 1), np.nan)


def _present(closes: pd.DataFrame, t: int) -> dict[str, list[float]]:
    """Each member with a close at row t: its present closes up to t, oldest first."""
    out = {}
    for column in closes.columns:
        values = closes[column].to_numpy(dtype=np.float64)[: t + 1]
        if math.isfinite(values[t]) and values[t] > 0:
            out[str(column)] = [float(v) for v in values if math.isfinite(v) and v > 0]
    return out


def _pct_above(closes: pd.DataFrame, t: int, length: int) -> float | None:
    counted = above = 0
    for history in _present(closes, t).values():
        if len(history) >= length:
            counted += 1
            # The exact sign of length * close - sum(window): fsum rounds once.
            gap = math.fsum([history[-1]] * length + [-v for v in history[-length:]])
            above += gap > 0
    return above * 100.0 / counted if counted else None


def _moves(closes: pd.DataFrame, t: int) -> tuple[int, int]:
    """(advances, declines) at row t >= 1 against row t - 1."""
    today = closes.iloc[t].to_numpy(dtype=np.float64)
    before = closes.iloc[t - 1].to_numpy(dtype=np.float64)
    up = down = 0
    for now, then in zip(today, before, strict=True):
        if now > 0 and then > 0:
            up += now > then
            down += now < then
    return up, down


def _ratio(rsp: pd.Series | None, spy: pd.Series | None, day: pd.Timestamp) -> tuple:
    """(RSP/SPY, its % above its 50-value SMA) as of `day`: None unless both series,
    cut at `day`, end on the same date with positive closes there."""
    if rsp is None or spy is None:
        return None, None
    rsp, spy = rsp.loc[:day].dropna(), spy.loc[:day].dropna()
    if rsp.empty or spy.empty or rsp.index[-1] != spy.index[-1]:
        return None, None
    both = pd.concat([rsp, spy], axis=1, join="inner")
    both = both[(both.iloc[:, 0] > 0) & (both.iloc[:, 1] > 0)]
    if both.empty or both.index[-1] != rsp.index[-1]:
        return None, None
    ratio = both.iloc[:, 0] / both.iloc[:, 1]
    last = float(ratio.iloc[-1])
    if len(ratio) < 50:
        return last, None
    return last, (last / float(ratio.iloc[-50:].mean()) - 1.0) * 100.0


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def readings_at(
    closes: pd.DataFrame, t: int, rsp: pd.Series | None = None, spy: pd.Series | None = None
) -> dict[str, float | None]:
    """Every breadth reading at row t of `closes`, by column name."""
    present = _present(closes, t)
    out: dict[str, float | None] = {"breadth.members": float(len(present))}
    pct = {
        length: {
            back: _pct_above(closes, t - back, length) if t >= back else None for back in (0, 5, 20)
        }
        for length in (200, 50)
    }
    for length in (200, 50):
        out[f"breadth.pct_above_{length}dma"] = pct[length][0]
    for length in (200, 50):
        for back in (5, 20):
            change = _change(pct[length][0], pct[length][back])
            out[f"breadth.pct_above_{length}dma_change_{back}d"] = change
    up, down = _moves(closes, t) if t >= 1 else (None, None)
    out["breadth.advances"] = None if up is None else float(up)
    out["breadth.declines"] = None if down is None else float(down)
    net = [a - d for a, d in (_moves(closes, k) for k in range(t - 19, t + 1))] if t >= 20 else None
    out["breadth.ad_line_change_20d"] = None if net is None else float(sum(net))
    eligible = [h for h in present.values() if len(h) >= YEAR]
    highs = sum(h[-1] >= max(h[-YEAR:]) for h in eligible)
    lows = sum(h[-1] <= min(h[-YEAR:]) for h in eligible)
    known = bool(eligible)
    out["breadth.new_highs_52w"] = float(highs) if known else None
    out["breadth.new_lows_52w"] = float(lows) if known else None
    out["breadth.net_new_highs_52w"] = float(highs - lows) if known else None
    ratio, vs_sma = _ratio(rsp, spy, closes.index[t])
    out["breadth.rsp_spy_ratio"] = ratio
    out["breadth.rsp_spy_vs_50d_pct"] = vs_sma
    return out
