"""Breadth: how broadly the index members take part in its move, as one row per session
of the members' closes (`breadth_frame`). The core reading is the share of members
whose close is above their own 50- and 200-day simple average, counting only members
that have that average; around it sit its 5- and 20-session changes, advances and
declines and their cumulative line, new 52-week highs and lows, and equal weight
against cap weight (RSP/SPY); the weight of the ten largest members, known only for
today, is `top10_concentration_pct`. Everything is vectorised numpy over the whole
member-by-session panel (503 members by ten years in about a tenth of a second), and
a live refresh asks for its last sessions only. Missing closes are skipped, never filled, as
in `core.indicators`: a member's averages and 52-week range run over its present
closes, and it is counted on the sessions where it has a close. A value that cannot be
computed is NaN, never 0. The value at a session depends only on that session and the
ones before it: running sums are per-member cumulative sums from the first loaded
session, so the prefix of a longer history gives the same numbers bit for bit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "LONG_SMA",
    "SHORT_SMA",
    "YEAR",
    "MemberReadings",
    "breadth_frame",
    "member_readings",
    "rsp_spy_readings",
    "top10_concentration_pct",
]

LONG_SMA = 200
SHORT_SMA = 50
YEAR = 252
"""Sessions in the 52-week high/low window."""
CHANGES = (5, 20)
"""Sessions over which the % above each average is differenced."""
AD_CHANGE = 20
"""Sessions over which the A/D line's change is read."""
RATIO_SMA = 50
"""Sessions in the average the RSP/SPY ratio is compared with."""
_EPS = float(np.finfo(np.float64).eps)


class _Panel:
    """A close panel (members by sessions) prepared for windowed statistics over each
    member's present closes.

    For a member whose closes form one unbroken block (the usual case: NaN only before
    listing or after leaving), its last L closes at session t are sessions t-L+1..t,
    and their sum is `csum[t + 1] - csum[t + 1 - L]` over the raw running sum (zeros
    outside the block). The few members with a gap inside their history get their
    closes packed to the front of their row in date order, and the same sums indexed by
    `rank` (how many closes they have up to the session). Both give the same floats:
    adding the zeros is exact, so the two forms agree bit for bit and the running sum at
    a session depends only on the closes up to it."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.present = np.isfinite(values)
        members, sessions = values.shape
        starts = self.present.copy()
        starts[:, 1:] &= ~self.present[:, :-1]
        self.gapped = np.flatnonzero(np.count_nonzero(starts, axis=1) > 1)
        self.first = (
            np.argmax(self.present, axis=1) if sessions else np.zeros(members, dtype=np.intp)
        )
        self.csum = np.zeros((members, sessions + 1))
        # Session-by-session accumulation: csum[:, k] depends on sessions before k only.
        np.cumsum(np.where(self.present, values, 0.0), axis=1, out=self.csum[:, 1:])
        self.packed = np.empty((0, sessions))
        self.packed_csum = np.zeros((0, sessions + 1))
        if len(self.gapped):
            subset = values[self.gapped]
            order = np.argsort(~np.isfinite(subset), axis=1, kind="stable")
            self.packed = np.take_along_axis(subset, order, axis=1)
            self.packed_csum = np.zeros((len(self.gapped), sessions + 1))
            np.cumsum(np.nan_to_num(self.packed), axis=1, out=self.packed_csum[:, 1:])

    @property
    def sessions(self) -> int:
        return self.values.shape[1]

    def rank(self, start: int) -> np.ndarray:
        """Closes per member up to each session from `start` on (meaningful where
        present)."""
        rank = np.arange(start + 1, self.sessions + 1)[None, :] - self.first[:, None]
        if len(self.gapped):
            present = self.present[self.gapped]
            before = np.count_nonzero(present[:, :start], axis=1)[:, None]
            rank[self.gapped] = before + np.cumsum(present[:, start:], axis=1)
        return rank

    def above_sma(self, length: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(counted, above) for sessions `start`.. : the member has a `length`-close SMA
        at the session; its close is above it. A close within rounding noise of its SMA
        (a flat member) counts as not above."""
        rank = self.rank(start)
        present = self.present[:, start:]
        values = self.values[:, start:]
        counted = present & (rank >= length)
        end = self.csum[:, start + 1 :]
        begin = self.csum[:, np.maximum(np.arange(start + 1, self.sessions + 1) - length, 0)]
        if len(self.gapped):
            end = end.copy()
            at = np.where(counted[self.gapped], rank[self.gapped], 0)
            end[self.gapped] = np.take_along_axis(self.packed_csum, at, axis=1)
            back = np.maximum(at - length, 0)
            begin[self.gapped] = np.take_along_axis(self.packed_csum, back, axis=1)
        window_sum = end - begin
        # Worst-case rounding of two running sums of k positive terms: k*eps*sum each.
        noise = 4.0 * _EPS * (rank * np.abs(end) + np.abs(values) * length)
        with np.errstate(invalid="ignore"):
            above = counted & (values * length - window_sum > noise)
        return counted, above

    def extremes(self, window: int, start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(eligible, high, low) for sessions `start`.. : the member has a close on the
        session and `window` closes up to it; the max and min of those `window` closes
        (junk where not eligible)."""
        rank = self.rank(start)
        eligible = self.present[:, start:] & (rank >= window)
        low_session = max(0, start - window + 1)
        block = self.values[:, low_session:]
        high = _trailing(block, window, np.maximum)[:, start - low_session :]
        low = _trailing(block, window, np.minimum)[:, start - low_session :]
        if len(self.gapped):
            at = np.clip(rank[self.gapped] - 1, 0, None)
            for trailing, ufunc in ((high, np.maximum), (low, np.minimum)):
                packed = _trailing(self.packed, window, ufunc)
                trailing[self.gapped] = np.take_along_axis(packed, at, axis=1)
        return eligible, high, low


def _trailing(values: np.ndarray, window: int, ufunc: np.ufunc) -> np.ndarray:
    """`ufunc` (np.maximum or np.minimum) over each member's last `window` values up to
    each session, aligned with `values` (NaN before the first full window; a NaN in the
    window gives NaN). Doubling spans: log2(window) passes, exact for max and min."""
    members, sessions = values.shape
    out = np.full((members, sessions), np.nan)
    if sessions < window:
        return out
    # spans[:, j] covers sessions j .. j + span - 1.
    spans, span = values, 1
    while span * 2 <= window:
        spans = ufunc(spans[:, :-span], spans[:, span:])
        span *= 2
    # Two overlapping spans cover the window exactly.
    out[:, window - 1 :] = ufunc(spans[:, : sessions - window + 1], spans[:, window - span :])
    return out


def _as_values(closes: pd.DataFrame) -> np.ndarray:
    """Closes as a members-by-sessions float64 matrix (each member's closes contiguous,
    in date order); non-finite and non-positive closes become NaN."""
    raw = closes.to_numpy(dtype=np.float64, na_value=np.nan)
    if raw.ndim != 2:
        raise ValueError("closes must be a two-dimensional date-by-ticker frame")
    with np.errstate(invalid="ignore"):
        return np.where(raw.T > 0.0, raw.T, np.nan)


def _share(counted: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Per session, 100 * above / counted; NaN where no member is counted."""
    n = np.count_nonzero(counted, axis=0)
    hits = np.count_nonzero(above, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, hits * 100.0 / np.maximum(n, 1), np.nan)


def _moves(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(up, down) per session from the second on: members closing above / below their
    previous session's close (a member without a close on either session, or
    unchanged, counts neither)."""
    with np.errstate(invalid="ignore"):
        move = values[:, 1:] - values[:, :-1]
        return np.count_nonzero(move > 0, axis=0), np.count_nonzero(move < 0, axis=0)


def _advance_decline(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(advances, declines, A/D line) per session: NaN advances and declines on the
    first session, where the line starts at 0."""
    up, down = _moves(values)
    sessions = values.shape[1]
    line = np.concatenate(([0.0], np.cumsum(up - down)))[:sessions]
    advances = np.concatenate(([np.nan], up))[:sessions]
    declines = np.concatenate(([np.nan], down))[:sessions]
    return advances, declines, line


def _highs_lows(panel: _Panel, window: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(highs, lows) per session from `start` on: members whose close is ≥ the max
    (highs) or ≤ the min (lows) of their last `window` present closes including that
    one; only members with a close on the session and `window` closes up to it count.
    NaN where no member qualifies."""
    eligible, high, low = panel.extremes(window, start)
    values = panel.values[:, start:]
    with np.errstate(invalid="ignore"):
        highs = np.count_nonzero(eligible & (values >= high), axis=0).astype(np.float64)
        lows = np.count_nonzero(eligible & (values <= low), axis=0).astype(np.float64)
    none = np.count_nonzero(eligible, axis=0) == 0
    highs[none] = np.nan
    lows[none] = np.nan
    return highs, lows


def _closes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(dates, closes) of a close series with a close, ascending."""
    series = series if series.index.is_monotonic_increasing else series.sort_index()
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    kept = ~np.isnan(values)
    return pd.DatetimeIndex(series.index).values[kept], values[kept]


def _common(
    rsp: tuple[np.ndarray, np.ndarray], spy: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(dates, RSP / SPY) on the dates both have a positive close."""
    dates, at_rsp, at_spy = np.intersect1d(rsp[0], spy[0], return_indices=True)
    over, under = rsp[1][at_rsp], spy[1][at_spy]
    positive = (over > 0) & (under > 0)
    return dates[positive], over[positive] / under[positive]


def _on_or_before(dates: np.ndarray, sessions: np.ndarray) -> np.ndarray:
    """Per session, the last of `dates` (ascending) on or before it (NaT if none)."""
    at = np.searchsorted(dates, sessions, side="right") - 1
    if len(dates) == 0:
        return np.full(len(sessions), np.datetime64("NaT"), dtype=sessions.dtype)
    return np.where(at >= 0, dates[np.maximum(at, 0)], np.datetime64("NaT"))


def rsp_spy_readings(
    rsp: pd.Series | None, spy: pd.Series | None, sessions: pd.DatetimeIndex
) -> pd.DataFrame:
    """Per session: RSP/SPY (`rsp_spy_ratio`) and its % above the SMA of its last 50
    values (`rsp_spy_vs_50d_pct`), both read on the last date on or before the session
    that RSP and SPY have a close; unknown (NaN) unless their last closes fall on the
    same date (a stale RSP is not compared with a current SPY)."""
    ratio_column = np.full(len(sessions), np.nan)
    vs_sma_column = np.full(len(sessions), np.nan)
    if rsp is not None and spy is not None:
        days = sessions.values
        rsp_closes, spy_closes = _closes(rsp), _closes(spy)
        dates, ratio = _common(rsp_closes, spy_closes)
        vs_sma = np.full(len(ratio), np.nan)
        if len(ratio) >= RATIO_SMA:
            sma = np.lib.stride_tricks.sliding_window_view(ratio, RATIO_SMA).mean(axis=1)
            vs_sma[RATIO_SMA - 1 :] = (ratio[RATIO_SMA - 1 :] / sma - 1.0) * 100.0
        at = np.searchsorted(dates, days, side="right") - 1
        rsp_day = _on_or_before(rsp_closes[0], days)
        # NaT equals nothing: a side with no close yet leaves the session unknown.
        known = (rsp_day == _on_or_before(spy_closes[0], days)) & (
            _on_or_before(dates, days) == rsp_day
        )
        ratio_column[known] = ratio[at[known]]
        vs_sma_column[known] = vs_sma[at[known]]
    return pd.DataFrame(
        {"rsp_spy_ratio": ratio_column, "rsp_spy_vs_50d_pct": vs_sma_column}, index=sessions
    )


@dataclass(frozen=True)
class MemberReadings:
    """The breadth readings that depend on the members' closes alone (every column of
    `breadth_frame` but RSP/SPY), per session, read-only: a live refresh whose members'
    closes have not changed can reuse them."""

    index: pd.Index
    columns: Mapping[str, np.ndarray]


def member_readings(closes: pd.DataFrame, *, last: int | None = None) -> MemberReadings:
    """`breadth_frame`'s columns from the members' `closes` alone (see there)."""
    values = _as_values(closes)
    panel = _Panel(values)
    sessions = panel.sessions
    start = 0 if last is None else max(0, sessions - last)
    index = closes.index[start:]
    columns: dict[str, np.ndarray] = {
        "members": np.count_nonzero(panel.present[:, start:], axis=0).astype(np.float64)
    }

    # The changes reach back before `start`: the shares are read from there on.
    reach = max(0, start - max(CHANGES))
    shares = {length: _share(*panel.above_sma(length, reach)) for length in (LONG_SMA, SHORT_SMA)}
    for length, share in shares.items():
        columns[f"pct_above_{length}dma"] = share[start - reach :]
    for length, share in shares.items():
        for back in CHANGES:
            change = np.full(len(share), np.nan)
            change[back:] = share[back:] - share[:-back]
            columns[f"pct_above_{length}dma_change_{back}d"] = change[start - reach :]

    advances, declines, line = _advance_decline(values)
    ad_change = np.full(sessions, np.nan)
    ad_change[AD_CHANGE:] = line[AD_CHANGE:] - line[: max(sessions - AD_CHANGE, 0)]
    columns["advances"] = advances[start:]
    columns["declines"] = declines[start:]
    # No move on the first session: no line there either, like its advances.
    columns["ad_line"] = np.where(np.isnan(advances), np.nan, line)[start:]
    columns["ad_line_change_20d"] = ad_change[start:]

    highs, lows = _highs_lows(panel, YEAR, start)
    columns["new_highs_52w"] = highs
    columns["new_lows_52w"] = lows
    columns["net_new_highs_52w"] = highs - lows
    for column in columns.values():
        column.flags.writeable = False
    return MemberReadings(index, columns)


def breadth_frame(
    closes: pd.DataFrame,
    rsp: pd.Series | None = None,
    spy: pd.Series | None = None,
    *,
    last: int | None = None,
    members: MemberReadings | None = None,
) -> pd.DataFrame:
    """Every breadth reading per session of `closes` (sessions by tickers), or of its
    `last` sessions only (what a live refresh shows; the same numbers, since running
    sums still start at the first session). Columns, named as the section's fields:
    members, pct_above_200dma, pct_above_50dma, their changes over 5 and 20 sessions
    (pp), advances, declines, ad_line (cumulative from the first session), its change
    over 20 sessions, new_highs_52w, new_lows_52w, net_new_highs_52w, rsp_spy_ratio
    and rsp_spy_vs_50d_pct (`rsp_spy_readings`). NaN where unknown. `members`, when
    given, is `member_readings(closes, last=last)` computed before."""
    if members is None:
        members = member_readings(closes, last=last)
    columns = dict(members.columns)
    ratio = rsp_spy_readings(rsp, spy, pd.DatetimeIndex(members.index))
    columns.update((name, ratio[name].to_numpy()) for name in ratio.columns)
    return pd.DataFrame(columns, index=members.index)


def top10_concentration_pct(info: pd.DataFrame) -> float | None:
    """Sum of the ten largest `weight`s * 100; None without a numeric weight column or
    with fewer than ten known weights (unless every member's weight is known)."""
    if "weight" not in info.columns or not pd.api.types.is_numeric_dtype(info["weight"]):
        return None
    weights = info["weight"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = weights[np.isfinite(weights)]
    if len(known) == 0 or (len(known) < 10 and len(known) < len(weights)):
        return None
    top = float(np.sort(known)[-10:].sum()) * 100.0
    return top if math.isfinite(top) else None
