"""Test oracles for the VIX and context readings: the former "as of the last bar"
implementations, one scalar computation per reading on data cut at a session, kept
here (and only here) to check that the vectorised readings of `core.signals.vix` and
`core.signals.context` give the same values, None-ness and reasons on every session.
They return plain dicts keyed by the models' field names (None where unknown) and,
for the context, the list of reasons a reading is unknown."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from core.indicators import realized_vol
from core.sections.context import ContextSection
from core.sections.vix import VixSection
from core.snapshot import SectionModel

YEAR = 252
HIGH_WINDOW = 252
RECENT_HIGH_WINDOW = 20
CONFIRM_WINDOW = 5
RELATIVE_WINDOW = 20


def unknown(model: type[SectionModel]) -> dict[str, Any]:
    """Every reading of `model` (its fields but the status), unknown."""
    return dict.fromkeys(name for name in model.model_fields if name != "status")


# --------------------------------------------------------------------------- VIX


def iv_rank_at_last(vix_close: pd.Series, year: int = YEAR) -> float | None:
    """The last close within the range of itself and the `year` closes before it."""
    tail = vix_close.iloc[-(year + 1) :]
    if year < 1 or len(tail) <= year:
        return None
    low, high, last = float(tail.min()), float(tail.max()), float(tail.iloc[-1])
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return None
    return (last - low) / (high - low) * 100.0


def iv_percentile_at_last(vix_close: pd.Series, year: int = YEAR) -> float | None:
    """The % of the `year` closes before the last that are strictly below it."""
    if year < 1 or len(vix_close) <= year:
        return None
    last = float(vix_close.iloc[-1])
    earlier = vix_close.iloc[-(year + 1) : -1].to_numpy(dtype="float64")
    return float((earlier < last).sum()) / year * 100.0


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _vix_closes(frame: pd.DataFrame | None) -> pd.Series | None:
    if frame is None or "close" not in frame.columns or frame.empty:
        return None
    close = pd.to_numeric(frame["close"], errors="coerce").astype("float64")
    values = close.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(values) & (values > 0)
    close = close[keep].sort_index()
    return close if len(close) else None


def _change(close: pd.Series, sessions: int) -> float | None:
    if len(close) <= sessions:
        return None
    return _finite(float(close.iloc[-1]) - float(close.iloc[-1 - sessions]))


def _on_date(close: pd.Series | None, when: pd.Timestamp) -> float | None:
    if close is None or close.index[-1] != when:
        return None
    return _finite(float(close.iloc[-1]))


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return _finite(numerator / denominator)


def _shape(ratio: float | None) -> str | None:
    if ratio is None:
        return None
    return "contango" if ratio < 0.98 else "backwardation" if ratio > 1.02 else "flat"


def vix_at_last_bar(
    vix: pd.DataFrame | None,
    index: pd.DataFrame | None,
    vix9d: pd.DataFrame | None = None,
    vix3m: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Every VIX reading as of the last bar of the inputs, by field name."""
    vix_close, index_close = _vix_closes(vix), _vix_closes(index)
    out = unknown(VixSection)
    if index_close is not None:
        if len(index_close) > 20:
            out["realized_vol_20d"] = _finite(float(realized_vol(index_close, 20).iloc[-1]))
        if len(index_close) > 5:
            before = float(index_close.iloc[-6])
            out["index_change_5d_pct"] = _finite((float(index_close.iloc[-1]) / before - 1) * 100)
    if vix_close is None:
        return out
    when = pd.Timestamp(vix_close.index[-1])
    last = float(vix_close.iloc[-1])
    nine, three = _on_date(_vix_closes(vix9d), when), _on_date(_vix_closes(vix3m), when)
    realized = out["realized_vol_20d"]
    if realized is not None and index_close is not None and index_close.index[-1] == when:
        out["vix_minus_realized"] = _finite(last - realized)
    if index_close is not None:
        common = pd.concat([index_close, vix_close], axis=1, join="inner").sort_index()
        if len(common) > 5:
            moved = common.iloc[-1] - common.iloc[-6]
            out["index_up_vix_up"] = bool(moved.iloc[0] > 0 and moved.iloc[1] > 0)
    out.update(
        last=last,
        change=_change(vix_close, 1),
        iv_rank_1y=iv_rank_at_last(vix_close),
        iv_percentile_1y=iv_percentile_at_last(vix_close),
        vix9d=nine,
        vix3m=three,
        ratio_9d_30d=_ratio(nine, last),
        ratio_30d_3m=_ratio(last, three),
        term_structure=_shape(_ratio(last, three)),
        vix_change_5d=_change(vix_close, 5),
    )
    return out


# ----------------------------------------------------------------------- context


def _closes(frame: pd.DataFrame | None, until: pd.Timestamp | None = None) -> pd.Series:
    if frame is None or "close" not in frame.columns or len(frame) == 0:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype=np.float64)
    close = pd.to_numeric(frame["close"], errors="coerce").astype(np.float64)
    close = close[np.isfinite(close.to_numpy())]
    return close if until is None else close[close.index <= until]


def _new_high(close: pd.Series) -> pd.Series:
    rolling_max = close.rolling(HIGH_WINDOW, min_periods=HIGH_WINDOW).max()
    return (close >= rolling_max).astype(np.float64).where(rolling_max.notna())


def _streak(index_close: pd.Series, small_close: pd.Series) -> int | None:
    both = pd.concat({"index": index_close, "small": small_close}, axis=1, join="inner")
    if len(both) < 2:
        return None
    returns = both.pct_change().iloc[1:]
    beat = (returns["small"] > returns["index"]).to_numpy()
    lost = np.flatnonzero(~beat)
    return len(beat) if len(lost) == 0 else len(beat) - 1 - int(lost[-1])


def _relative(index_close: pd.Series, small_close: pd.Series) -> float | None:
    both = pd.concat({"index": index_close, "small": small_close}, axis=1, join="inner")
    if len(both) <= RELATIVE_WINDOW:
        return None
    last, first = both.iloc[-1], both.iloc[-1 - RELATIVE_WINDOW]
    small = last["small"] / first["small"] - 1.0
    index = last["index"] / first["index"] - 1.0
    return float((small - index) * 100.0)


def _flag(flags: pd.Series, when: pd.Timestamp) -> bool | None:
    if when not in flags.index or pd.isna(flags.loc[when]):
        return None
    return bool(flags.loc[when])


def context_at_last_bar(
    index: pd.DataFrame, small_caps: pd.DataFrame | None, nasdaq: pd.DataFrame | None
) -> tuple[dict[str, Any], list[str]]:
    """Every context reading as of the index's last valid close, by field name, and
    the reasons the unknown ones are unknown."""
    out = unknown(ContextSection)
    index_close = _closes(index)
    if index_close.empty:
        return out, ["no closes of the index"]
    last = pd.Timestamp(index_close.index[-1])
    reasons: list[str] = []
    small_close = _closes(small_caps, last)
    if small_close.empty:
        reasons.append("no Russell 2000 closes")
    elif last not in small_close.index:
        reasons.append(f"no Russell 2000 close on {last.date()}")
    else:
        out["rut_win_streak"] = _streak(index_close, small_close)
        if out["rut_win_streak"] is None:
            reasons.append("too few Russell 2000 closes for a daily return")
        out["small_caps_rel_20d_pct"] = _relative(index_close, small_close)
        if out["small_caps_rel_20d_pct"] is None:
            reasons.append("small caps' 20-session return needs more closes")
    index_flags = _new_high(index_close)
    out["index_new_high_52w"] = _flag(index_flags, last)
    if out["index_new_high_52w"] is None:
        reasons.append("52-week highs need 252 closes of the index")
    recent = index_flags.iloc[-RECENT_HIGH_WINDOW:]
    highs = recent.index[recent.to_numpy() == 1.0]
    last_high = pd.Timestamp(highs[-1]) if len(highs) else None
    nasdaq_close = _closes(nasdaq, last)
    nasdaq_flags = _new_high(nasdaq_close)
    if nasdaq_close.empty:
        reasons.append("no Nasdaq closes")
    else:
        out["nasdaq_new_high_52w"] = _flag(nasdaq_flags, last)
        if out["nasdaq_new_high_52w"] is None:
            reasons.append(f"no Nasdaq 52-week-high reading on {last.date()}")
        if last_high is not None:
            position = index_close.index.get_loc(last_high)
            assert isinstance(position, int)
            window = index_close.index[max(0, position - CONFIRM_WINDOW + 1) : position + 1]
            found = [_flag(nasdaq_flags, pd.Timestamp(day)) for day in window]
            defined = [flag for flag in found if flag is not None]
            out["nasdaq_confirms"] = any(defined) if defined else None
            if out["nasdaq_confirms"] is None:
                reasons.append(f"no Nasdaq 52-week-high reading up to {last_high.date()}")
    out["index_last_new_high"] = None if last_high is None else last_high.date()
    return out, reasons
