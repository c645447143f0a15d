"""Breadth: how broadly the index members take part in its move, as one
`BreadthSection` per refresh. The core reading is the share of members whose close is
above their own 50- and 200-day simple average, counting only members that have that
average; around it sit its 5- and 20-session changes, advances and declines on the last
session and their cumulative line, new 52-week highs and lows, equal weight against cap
weight (RSP/SPY) and the weight of the ten largest members. Everything is vectorised
numpy over the whole date-by-ticker panel (503 members by 750 sessions in a few
milliseconds). Missing closes are skipped, never filled, as in `core.indicators`: a
member's averages and 52-week range run over its present closes, and it is counted on
the sessions where it has a close. A value that cannot be computed is None, never 0.
The value at a session depends only on that session and the ones before it: running
sums are per-member cumulative sums, so the prefix of a longer history gives the same
numbers bit for bit."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from core.sections.breadth import BreadthSection
from core.snapshot import PanelStatus, Series
from core.sources.base import MemberPanel

__all__ = [
    "HISTORY_SESSIONS",
    "LONG_SMA",
    "SHORT_SMA",
    "YEAR",
    "advance_decline",
    "breadth_section",
    "new_highs_lows",
    "pct_above_sma",
    "pct_above_sma_frame",
    "rsp_spy_ratio",
    "top10_concentration_pct",
]

LONG_SMA = 200
SHORT_SMA = 50
YEAR = 252
"""Sessions in the 52-week high/low window."""
RATIO_SMA = 50
"""Sessions in the average the RSP/SPY ratio is compared with."""
HISTORY_SESSIONS = 260
"""Sessions of % above the 200-day SMA kept for the sparkline."""
_EPS = float(np.finfo(np.float64).eps)


class _Panel:
    """A close panel prepared for windowed statistics over each member's present closes.

    For a member whose closes form one unbroken block (the usual case: NaN only before
    listing or after leaving), its last L closes at row t are rows t-L+1..t, and their
    sum is `csum[t + 1] - csum[t + 1 - L]` over the raw running sum (zeros outside the
    block). The few members with a gap inside their history get their closes packed to
    the top of the column in date order, and the same sums indexed by `rank` (how many
    closes they have up to the row). Both give the same floats: adding the zeros is
    exact, so the two forms agree bit for bit and the running sum at a row depends only
    on the closes up to it."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.present = np.isfinite(values)
        self.count = self.present.sum(axis=0)
        starts = self.present.copy()
        starts[1:] &= ~self.present[:-1]
        self.gapped = np.flatnonzero(starts.sum(axis=0) > 1)
        self.first = np.argmax(self.present, axis=0)
        self.csum = np.zeros((len(values) + 1, values.shape[1]))
        # Row-by-row accumulation: csum[k] depends on rows before k only.
        np.cumsum(np.where(self.present, values, 0.0), axis=0, out=self.csum[1:])
        self.packed = np.empty((len(values), 0))
        self.packed_csum = np.zeros((len(values) + 1, 0))
        if len(self.gapped):
            subset = values[:, self.gapped]
            order = np.argsort(~np.isfinite(subset), axis=0, kind="stable")
            self.packed = np.take_along_axis(subset, order, axis=0)
            self.packed_csum = np.zeros((len(values) + 1, len(self.gapped)))
            np.cumsum(np.nan_to_num(self.packed), axis=0, out=self.packed_csum[1:])

    def rank(self, start: int) -> np.ndarray:
        """Closes per member up to each row from `start` on (meaningful where present)."""
        rank = np.arange(start + 1, len(self.values) + 1)[:, None] - self.first[None, :]
        if len(self.gapped):
            present = self.present[:, self.gapped]
            rank[:, self.gapped] = present[:start].sum(axis=0) + np.cumsum(present[start:], axis=0)
        return rank

    def above_sma(self, length: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(counted, above) for rows `start`.. : the member has a `length`-close SMA at
        the row; its close is above it. A close within rounding noise of its SMA (a flat
        member) counts as not above."""
        rank = self.rank(start)
        present = self.present[start:]
        values = self.values[start:]
        counted = present & (rank >= length)
        rows = np.arange(start + 1, len(self.values) + 1)
        end = self.csum[rows]
        begin = self.csum[np.maximum(rows - length, 0)]
        if len(self.gapped):
            at = np.where(counted[:, self.gapped], rank[:, self.gapped], 0)
            end[:, self.gapped] = np.take_along_axis(self.packed_csum, at, axis=0)
            back = np.maximum(at - length, 0)
            begin[:, self.gapped] = np.take_along_axis(self.packed_csum, back, axis=0)
        window_sum = end - begin
        # Worst-case rounding of two running sums of k positive terms: k*eps*sum each.
        noise = 4.0 * _EPS * (rank * np.abs(end) + np.abs(values) * length)
        with np.errstate(invalid="ignore"):
            above = counted & (values * length - window_sum > noise)
        return counted, above

    def last_window(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(eligible, window): members with a close on the last row and `length` closes,
        and the `length`-by-members matrix of their last `length` closes (oldest first);
        columns of members that are not eligible hold junk."""
        eligible = self.present[-1] & (self.count >= length)
        if len(self.values) < length:
            return eligible, self.values[:0]
        window = self.values[-length:]
        if len(self.gapped):
            window = window.copy()
            rows = self.count[self.gapped][None, :] - length + np.arange(length)[:, None]
            rows = np.clip(rows, 0, len(self.values) - 1)
            window[:, self.gapped] = np.take_along_axis(self.packed, rows, axis=0)
        return eligible, window


def _as_values(closes: pd.DataFrame) -> np.ndarray:
    """Closes as a float64 matrix; non-finite and non-positive closes become NaN."""
    values = closes.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    if values.ndim != 2:
        raise ValueError("closes must be a two-dimensional date-by-ticker frame")
    with np.errstate(invalid="ignore"):
        values[~(values > 0.0)] = np.nan
    return values


def _share(counted: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Per row, 100 * above / counted; NaN where no member is counted."""
    n = counted.sum(axis=1)
    hits = above.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, hits * 100.0 / np.maximum(n, 1), np.nan)


def pct_above_sma_frame(closes: pd.DataFrame, lengths: tuple[int, ...]) -> pd.DataFrame:
    """Per session and per length, % of members (with a `length`-close SMA) closing
    above it; one column per length, NaN where no member has the average."""
    for length in lengths:
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ValueError(f"SMA length must be a positive int, got {length!r}")
    values = _as_values(closes)
    panel = _Panel(values)
    columns: dict[int, np.ndarray] = {}
    for length in lengths:
        counted, above = panel.above_sma(length)
        columns[length] = _share(counted, above)
    return pd.DataFrame(columns, index=closes.index, dtype=np.float64)


def pct_above_sma(closes: pd.DataFrame, length: int) -> pd.Series:
    """Per session, % of members (with a `length`-close SMA over their present closes)
    closing above it; NaN on sessions where no member has the average. A close equal
    to its SMA up to float rounding (~1e-12 relative) is not above it."""
    series = pct_above_sma_frame(closes, (length,))[length]
    series.name = f"pct_above_sma_{length}"
    return series


def advance_decline(closes: pd.DataFrame) -> pd.DataFrame:
    """Per session: advances and declines (close above / below the previous session's
    close; a member without a close on either session, or unchanged, counts neither)
    and the A/D line, their cumulative difference from 0 on the first session. All
    three are NaN on the first session (the line is 0 there)."""
    values = _as_values(closes)
    n = len(values)
    advances = np.full(n, np.nan)
    declines = np.full(n, np.nan)
    line = np.full(n, np.nan)
    if n:
        with np.errstate(invalid="ignore"):
            move = values[1:] - values[:-1]
        up = (move > 0).sum(axis=1)
        down = (move < 0).sum(axis=1)
        advances[1:] = up
        declines[1:] = down
        line[0] = 0.0
        line[1:] = np.cumsum(up - down)
    return pd.DataFrame(
        {"advances": advances, "declines": declines, "ad_line": line}, index=closes.index
    )


def new_highs_lows(closes: pd.DataFrame, window: int = YEAR) -> pd.DataFrame:
    """Per session: members whose close is ≥ the max (highs) or ≤ the min (lows) of
    their last `window` present closes including that one; only members with a close on
    the session and `window` closes up to it count. NaN where no member qualifies.
    The full-history form (for charts and tests); `breadth_section` reads the last row
    with a cheaper gather."""
    values = _as_values(closes)
    panel = _Panel(values)
    rank = panel.rank(0)
    rolling = pd.DataFrame(values).rolling(window, min_periods=window)
    high = rolling.max().to_numpy(dtype=np.float64, copy=True)
    low = rolling.min().to_numpy(dtype=np.float64, copy=True)
    if len(panel.gapped):
        packed = pd.DataFrame(panel.packed).rolling(window, min_periods=window)
        at = np.clip(rank[:, panel.gapped] - 1, 0, None)
        high[:, panel.gapped] = np.take_along_axis(packed.max().to_numpy(), at, axis=0)
        low[:, panel.gapped] = np.take_along_axis(packed.min().to_numpy(), at, axis=0)
    eligible = panel.present & (rank >= window)
    with np.errstate(invalid="ignore"):
        highs = (eligible & (values >= high)).sum(axis=1).astype(np.float64)
        lows = (eligible & (values <= low)).sum(axis=1).astype(np.float64)
    none = eligible.sum(axis=1) == 0
    highs[none] = np.nan
    lows[none] = np.nan
    return pd.DataFrame({"highs": highs, "lows": lows}, index=closes.index)


def rsp_spy_ratio(rsp: pd.Series, spy: pd.Series) -> pd.Series:
    """RSP / SPY on the dates both have a positive close (ascending)."""
    both = pd.concat([rsp.astype("float64"), spy.astype("float64")], axis=1, join="inner")
    both = both[(both.iloc[:, 0] > 0) & (both.iloc[:, 1] > 0)].sort_index()
    return (both.iloc[:, 0] / both.iloc[:, 1]).rename("rsp_spy")


def top10_concentration_pct(info: pd.DataFrame) -> float | None:
    """Sum of the ten largest `weight`s * 100; None without a numeric weight column or
    with fewer than ten known weights (unless every member's weight is known)."""
    if "weight" not in info.columns or not pd.api.types.is_numeric_dtype(info["weight"]):
        return None
    weights = info["weight"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = weights[np.isfinite(weights)]
    if len(known) == 0 or (len(known) < 10 and len(known) < len(weights)):
        return None
    top = np.sort(known)[-10:]
    return _finite(float(top.sum()) * 100.0)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _at(values: np.ndarray, back: int) -> float | None:
    """values[-1 - back], or None if absent or not finite."""
    if len(values) <= back:
        return None
    return _finite(float(values[-1 - back]))


def _change(values: np.ndarray, sessions: int) -> float | None:
    last, before = _at(values, 0), _at(values, sessions)
    if last is None or before is None:
        return None
    return last - before


def _as_date(stamp: object) -> date:
    return pd.Timestamp(stamp).date()  # type: ignore[arg-type]


def _ratio_fields(
    rsp: pd.Series | None, spy: pd.Series | None
) -> tuple[float | None, float | None]:
    """(last RSP/SPY, its % above its 50-session SMA); None unless both end on the
    same date (a stale RSP is not compared with a current SPY)."""
    if rsp is None or spy is None:
        return None, None
    rsp, spy = rsp.dropna(), spy.dropna()
    if rsp.empty or spy.empty or rsp.index.max() != spy.index.max():
        return None, None
    ratio = rsp_spy_ratio(rsp, spy)
    if ratio.empty or ratio.index[-1] != rsp.index.max():
        return None, None
    last = _finite(float(ratio.iloc[-1]))
    if last is None or len(ratio) < RATIO_SMA:
        return last, None
    mean = float(ratio.iloc[-RATIO_SMA:].mean())
    return last, _finite((last / mean - 1.0) * 100.0)


def breadth_section(
    members: MemberPanel | None,
    status: PanelStatus,
    *,
    rsp: pd.Series | None = None,
    spy: pd.Series | None = None,
) -> BreadthSection:
    """The breadth panel as of the last row of `members.closes`.

    `rsp`/`spy` are close Series indexed by date; the ratio is read on their common
    dates and only when both end on the same date. `status` is returned unchanged."""
    ratio, ratio_vs_50d = _ratio_fields(rsp, spy)
    info = members.info if members is not None else pd.DataFrame()
    common = {
        "status": status,
        "rsp_spy_ratio": ratio,
        "rsp_spy_vs_50d_pct": ratio_vs_50d,
        "top10_concentration_pct": top10_concentration_pct(info),
    }
    if members is None or members.closes.empty or members.closes.shape[1] == 0:
        return BreadthSection(**common)

    closes = members.closes
    values = _as_values(closes)
    panel = _Panel(values)
    n = len(values)

    # The running sums span every row, but the shares are only needed on the rows the
    # section reads (the sparkline and the 5/20-session changes); on those rows they
    # equal the full-history series bit for bit.
    start = max(0, n - max(HISTORY_SESSIONS, 21))
    pct: dict[int, np.ndarray] = {}
    for length in (LONG_SMA, SHORT_SMA):
        counted, above = panel.above_sma(length, start)
        pct[length] = _share(counted, above)

    advances = declines = None
    ad_line = ad_change = None
    if n >= 2:
        with np.errstate(invalid="ignore"):
            move = values[1:] - values[:-1]
        up = (move > 0).sum(axis=1)
        down = (move < 0).sum(axis=1)
        advances, declines = int(up[-1]), int(down[-1])
        line = np.concatenate(([0], np.cumsum(up - down))).astype(np.float64)
        ad_line = float(line[-1])
        ad_change = _change(line, 20)

    eligible, window = panel.last_window(YEAR)
    highs = lows = None
    if eligible.any():
        last = values[-1, eligible]
        block = window[:, eligible]
        highs = int(np.count_nonzero(last >= block.max(axis=0)))
        lows = int(np.count_nonzero(last <= block.min(axis=0)))

    shown = min(n, HISTORY_SESSIONS)
    history = Series(
        dates=tuple(_as_date(stamp) for stamp in closes.index[n - shown :]),
        values=tuple(_finite(float(v)) for v in pct[LONG_SMA][len(pct[LONG_SMA]) - shown :]),
    )
    return BreadthSection(
        **common,
        members=int(np.count_nonzero(panel.present[-1])),
        pct_above_200dma=_at(pct[LONG_SMA], 0),
        pct_above_50dma=_at(pct[SHORT_SMA], 0),
        pct_above_200dma_change_5d=_change(pct[LONG_SMA], 5),
        pct_above_200dma_change_20d=_change(pct[LONG_SMA], 20),
        pct_above_50dma_change_5d=_change(pct[SHORT_SMA], 5),
        pct_above_50dma_change_20d=_change(pct[SHORT_SMA], 20),
        advances=advances,
        declines=declines,
        ad_line=ad_line,
        ad_line_change_20d=ad_change,
        new_highs_52w=highs,
        new_lows_52w=lows,
        net_new_highs_52w=None if highs is None or lows is None else highs - lows,
        history_200dma=history,
    )
