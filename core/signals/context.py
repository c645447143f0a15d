"""Cross-market context the theses quote, from daily closes as of the index's last
valid session T (bars of the other markets after T are ignored). RUT win streak: on the
dates where both the S&P 500 and the Russell 2000 have a close, each one's daily return
is taken from the previous common date; the streak is the number of consecutive common
dates, ending at T, on which RUT's return was strictly greater (0 when it was not on T);
None without RUT data, with fewer than two common dates, or when RUT has no close on T.
52-week closing high on a market's own sessions: close_t ≥ the max of its last 252
closes (t included), undefined before 252 closes. index_new_high_52w / nasdaq_new_high_52w
are that test on T (Nasdaq: None unless it has a close on T). index_last_new_high is the
latest of the index's last 20 sessions (T included) that was a 52-week closing high, else
None. nasdaq_confirms, when that date D exists: True if the Nasdaq made its own 52-week
closing high on any of the 5 index sessions ending at D (D-4 … D, D included), False if
it made none on those of them where its test is defined, None when it is defined on none
of them (missing or too short Nasdaq history) or when D does not exist. Small caps'
relative strength: on the common dates ending at T, the Russell 2000's return over the
last 20 of them minus the S&P 500's, in percentage points; None without a RUT close on T
or with fewer than 21 common dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.sections.context import ContextSection
from core.snapshot import PanelStatus

__all__ = [
    "CONFIRM_WINDOW",
    "HIGH_WINDOW",
    "RECENT_HIGH_WINDOW",
    "RELATIVE_WINDOW",
    "context_section",
    "new_high_52w",
    "rut_win_streak",
    "small_caps_relative",
]

HIGH_WINDOW = 252
"""Sessions in a 52-week closing high."""
RECENT_HIGH_WINDOW = 20
"""Index sessions, up to the last, searched for its latest 52-week high."""
CONFIRM_WINDOW = 5
"""Index sessions, up to that high, in which the Nasdaq's own high confirms it."""
FLAG_SESSIONS = RECENT_HIGH_WINDOW + CONFIRM_WINDOW - 1
"""Last index sessions on which a 52-week-high flag can be read."""
STREAK_SESSIONS = 64
"""Recent index sessions searched first for the RUT streak."""
RELATIVE_WINDOW = 20
"""Common sessions over which the small caps' return is compared with the index's."""


def _closes(frame: pd.DataFrame | None, until: pd.Timestamp | None = None) -> pd.Series:
    """A frame's finite closes as float64, cut at `until` (inclusive) when given."""
    if frame is None or "close" not in frame.columns or len(frame) == 0:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=np.float64)
    close = pd.to_numeric(frame["close"], errors="coerce").astype(np.float64)
    close = close[np.isfinite(close.to_numpy())]
    if until is not None:
        close = close[close.index <= until]
    return close


def new_high_52w(close: pd.Series) -> pd.Series:
    """1.0 where the close is ≥ the max of its last 252 closes, 0.0 where not, NaN
    before 252 closes (float, so that undefined stays distinguishable from False)."""
    rolling_max = close.rolling(HIGH_WINDOW, min_periods=HIGH_WINDOW).max()
    flags = (close >= rolling_max).astype(np.float64)
    return flags.where(rolling_max.notna())


def rut_win_streak(index_close: pd.Series, small_close: pd.Series) -> int | None:
    """Consecutive common sessions, ending at the last of both, on which the small caps'
    daily return beat the index's (0 when it did not on that last session)."""
    found = _streak_and_span(index_close, small_close)
    return None if found is None else found[0]


def _streak_and_span(index_close: pd.Series, small_close: pd.Series) -> tuple[int, int] | None:
    """The streak, and the number of daily returns it was measured over."""
    both = pd.concat({"index": index_close, "small": small_close}, axis=1, join="inner")
    if len(both) < 2:
        return None
    returns = both.pct_change().iloc[1:]
    beat = (returns["small"] > returns["index"]).to_numpy()
    lost = np.flatnonzero(~beat)
    streak = len(beat) if len(lost) == 0 else len(beat) - 1 - int(lost[-1])
    return streak, len(beat)


def small_caps_relative(
    index_close: pd.Series, small_close: pd.Series, window: int = RELATIVE_WINDOW
) -> float | None:
    """The small caps' return minus the index's over the last `window` common sessions,
    in percentage points; None with fewer than `window` + 1 common sessions."""
    both = pd.concat({"index": index_close, "small": small_close}, axis=1, join="inner")
    if len(both) <= window:
        return None
    last, first = both.iloc[-1], both.iloc[-1 - window]
    small = last["small"] / first["small"] - 1.0
    index = last["index"] / first["index"] - 1.0
    return float((small - index) * 100.0)


def _since(close: pd.Series, first: pd.Timestamp) -> pd.Series:
    """The closes from `first` on, with the HIGH_WINDOW - 1 closes before it."""
    position = int(close.index.searchsorted(first))
    return close.iloc[max(0, position - HIGH_WINDOW + 1) :]


def _recent_streak(index_close: pd.Series, small_close: pd.Series) -> int | None:
    """rut_win_streak on a recent stretch of history, extended to all of it only when
    the streak spans the whole stretch (same answer, far less work on long histories)."""
    if len(index_close) > STREAK_SESSIONS:
        start = index_close.index[-STREAK_SESSIONS]
        found = _streak_and_span(index_close.loc[start:], small_close.loc[start:])
        if found is not None and found[0] < found[1]:
            return found[0]  # a lost session inside the stretch ends the streak there
    return rut_win_streak(index_close, small_close)


def _flag(flags: pd.Series, when: pd.Timestamp) -> bool | None:
    if when not in flags.index:
        return None
    value = flags.loc[when]
    return None if pd.isna(value) else bool(value)


def context_section(
    index: pd.DataFrame,
    small_caps: pd.DataFrame | None,
    nasdaq: pd.DataFrame | None,
    status: PanelStatus,
) -> ContextSection:
    """RUT win streak and 52-week-high confirmation as of the index's last close.

    Frames are daily bars with a `close` column on a DatetimeIndex; `small_caps` is the
    Russell 2000, `nasdaq` the Nasdaq Composite, either None when unavailable. The
    returned status is `status` with the reasons for any None reading added to its detail.
    """
    index_close = _closes(index)
    if index_close.empty:
        return ContextSection(status=_with_detail(status, ["no closes of the index"]))
    last = pd.Timestamp(index_close.index[-1])
    reasons: list[str] = []

    small_close = _closes(small_caps, last)
    streak: int | None = None
    relative: float | None = None
    if small_close.empty:
        reasons.append("no Russell 2000 closes")
    elif last not in small_close.index:
        reasons.append(f"no Russell 2000 close on {last.date()}")
    else:
        streak = _recent_streak(index_close, small_close)
        if streak is None:
            reasons.append("too few Russell 2000 closes for a daily return")
        relative = small_caps_relative(index_close, small_close)
        if relative is None:
            reasons.append(f"small caps' {RELATIVE_WINDOW}-session return needs more closes")

    # Flags are needed on the last RECENT + CONFIRM - 1 sessions only: cut the history
    # to those sessions and the year behind them (exact: a rolling max is per window).
    first_needed = pd.Timestamp(index_close.index[-min(len(index_close), FLAG_SESSIONS)])
    index_close = _since(index_close, first_needed)
    index_flags = new_high_52w(index_close)
    index_new_high = _flag(index_flags, last)
    if index_new_high is None:
        reasons.append(f"52-week highs need {HIGH_WINDOW} closes of the index")
    recent = index_flags.iloc[-RECENT_HIGH_WINDOW:]
    highs = recent.index[recent.to_numpy() == 1.0]
    last_high: pd.Timestamp | None = pd.Timestamp(highs[-1]) if len(highs) else None

    nasdaq_close = _since(_closes(nasdaq, last), first_needed)
    nasdaq_flags = new_high_52w(nasdaq_close)
    nasdaq_new_high: bool | None = None
    confirms: bool | None = None
    if nasdaq_close.empty:
        reasons.append("no Nasdaq closes")
    else:
        nasdaq_new_high = _flag(nasdaq_flags, last)
        if nasdaq_new_high is None:
            reasons.append(f"no Nasdaq 52-week-high reading on {last.date()}")
        if last_high is not None:
            position = index_close.index.get_loc(last_high)
            assert isinstance(position, int)
            window = index_close.index[max(0, position - CONFIRM_WINDOW + 1) : position + 1]
            found = [_flag(nasdaq_flags, pd.Timestamp(day)) for day in window]
            defined = [flag for flag in found if flag is not None]
            confirms = any(defined) if defined else None
            if confirms is None:
                reasons.append(f"no Nasdaq 52-week-high reading up to {last_high.date()}")

    last_high_date: date | None = None if last_high is None else last_high.date()
    return ContextSection(
        status=_with_detail(status, reasons),
        rut_win_streak=streak,
        index_new_high_52w=index_new_high,
        nasdaq_new_high_52w=nasdaq_new_high,
        nasdaq_confirms=confirms,
        index_last_new_high=last_high_date,
        small_caps_rel_20d_pct=relative,
    )


def _with_detail(status: PanelStatus, reasons: list[str]) -> PanelStatus:
    if not reasons:
        return status
    detail = "; ".join(([status.detail] if status.detail else []) + reasons)
    return status.model_copy(update={"detail": detail})
