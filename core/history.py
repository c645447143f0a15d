"""Readings as history: every section's readings for every session of a span, one row
per session, computed by each section's own `readings` (the code that also gives
today's reading, see `core.section`) over the span plus the warm-up its indicators
need. `regime history` writes it as CSV or JSON; the historical-edge studies and
replay stepping read it. Rows are the index's sessions in the span, and each row holds
what a replay as of that session shows (a series that did not trade that day is read
at its last close on or before it, as the live panel reads it); a section with no
input yet (members not loaded, a series that starts later, no option chain) is
unknown there. The option chains are asked of the source session by session, as a
replay of each asks for its own, only when a computed section reads them."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.chain_sessions import ChainsOfSessions
from core.columns import counts
from core.section import (
    CycleData,
    Inputs,
    Registry,
    Section,
    builtin,
    on_sessions,
    sessions_before,
)
from core.session import MarketSession
from core.sources.base import PartialDataError, SourceError

if TYPE_CHECKING:
    from core.config import Settings
    from core.options.chain import OptionChain
    from core.sources.base import Source
    from core.thesis import Thesis

SESSION = "session"
"""The first column: the session's date."""


class HistoryError(ValueError):
    """A history that cannot be computed as asked; the message says why."""


def chosen(registry: Registry, keys: Sequence[str] | None) -> tuple[Section[Any], ...]:
    """The sections `keys` names (all with readings when None), in registry order.
    Raises HistoryError naming an unknown key or one without readings."""
    with_readings = [section for section in registry if section.readings is not None]
    if keys is None:
        return tuple(with_readings)
    unknown = [key for key in keys if key not in registry]
    if unknown:
        known = ", ".join(section.key for section in with_readings)
        raise HistoryError(f"no section named {', '.join(unknown)} (sections: {known})")
    flat = [key for key in keys if registry[key].readings is None]
    if flat:
        raise HistoryError(f"section {', '.join(flat)} has no readings as history")
    return tuple(section for section in with_readings if section.key in keys)


def needed(registry: Registry, wanted: Sequence[Section[Any]]) -> tuple[Section[Any], ...]:
    """`wanted` and every section one of them reads, in registry order: a section that
    reads the others (the checklist) needs all of them; the section that lists price
    levels (`Section.reads_levels`: the price section) needs the sections that add
    levels to it (`Section.levels`: the gamma flip and walls), so that its readings do
    not depend on which other sections were asked for."""
    if any(section.reads_sections for section in wanted):
        return tuple(section for section in registry if section.readings is not None)
    keys = {section.key for section in wanted}
    if any(section.reads_levels for section in wanted):
        keys |= {section.key for section in registry if section.levels is not None}
    return tuple(section for section in registry if section.key in keys)


def readings_history(
    settings: Settings,
    source: Source,
    start: date,
    end: date,
    *,
    keys: Sequence[str] | None = None,
    sections: Registry | None = None,
    theses: Mapping[str, Thesis] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> pd.DataFrame:
    """One row per session of the index from `start` to `end`, the first column
    `session`, then the readings of the sections `keys` names (default: all). Data
    that cannot be had leaves its readings unknown and is passed to `warn`. Raises
    HistoryError when the span, a key or a computation is wrong, SourceError when the
    source fails outright."""
    if end < start:
        raise HistoryError(f"--to {end} is before --from {start}")
    registry = sections if sections is not None else builtin()
    wanted = chosen(registry, keys)
    computed = needed(registry, wanted)
    frames = compute_frames(settings, source, start, end, registry, computed, theses, warn)
    return readings_table(frames, wanted)


def readings_table(
    frames: Mapping[str, pd.DataFrame], wanted: Sequence[Section[Any]]
) -> pd.DataFrame:
    """The history table of `wanted`'s readings from `frames` (as `frames_of` gives
    them): one row per session of `frames["sessions"]`, each section's readings as a
    replay as of that session sees them, counts as whole numbers."""
    sessions = frames["sessions"].index
    parts = [
        whole_counts(section, on_sessions(frames[section.key], sessions)) for section in wanted
    ]
    table = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=sessions)
    table.index.name = SESSION
    return without_absent_items(table)


def whole_counts(section: Section[Any], frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its counts (int fields: a TD count, a score) as whole numbers that
    may be missing, so `2` reads `2`, not `2.0`, as it does in a Snapshot."""
    columns = counts(section.model, section.key, map(str, frame.columns))
    return frame.astype(dict.fromkeys(columns, "Int64")) if columns else frame


def without_absent_items(table: pd.DataFrame) -> pd.DataFrame:
    """`table` without the list items that exist on none of its sessions (a milestone
    that applied only during the warm-up): an item's columns go together."""
    items: dict[str, list[str]] = {}
    for column in map(str, table.columns):
        if "]" in column:
            items.setdefault(column[: column.index("]") + 1], []).append(column)
    absent = [
        column
        for columns in items.values()
        if table[columns].isna().all().all()
        for column in columns
    ]
    return table.drop(columns=absent)


def compute_frames(
    settings: Settings,
    source: Source,
    start: date,
    end: date,
    registry: Registry,
    computed: Sequence[Section[Any]],
    theses: Mapping[str, Thesis] | None,
    warn: Callable[[str], None] = lambda message: None,
) -> dict[str, pd.DataFrame]:
    """Each of `computed`'s readings over [start, end] with the warm-up it needs, by
    key, plus the index's sessions of the span under "sessions": the data fetched by
    `fetch_cycle`, the readings computed from it by `frames_of`."""
    cycle = fetch_cycle(settings, source, start, end, computed, warn)
    return frames_of(settings, cycle, registry, computed, theses, start)


def fetch_cycle(
    settings: Settings,
    source: Source,
    start: date,
    end: date,
    computed: Sequence[Section[Any]],
    warn: Callable[[str], None] = lambda message: None,
    *,
    symbols: Sequence[str] = (),
) -> CycleData:
    """The data `computed`'s readings over [start, end] need, as a replay's cycle: each
    section's bars from the start of its warm-up, the members when one reads them
    (neither after `end`, whatever the source gives), and, when one reads option
    chains, those the source answers for the index's sessions of the span, each under
    its own session (`core.chain_sessions`, loaded as they are read). `symbols` adds other bars from
    `start` (a study's series). Data that cannot be had (a symbol that failed, no
    members, a chain that fails to load) is left out and passed to `warn`; no bars of
    the index raise HistoryError."""
    needed_here = Registry(tuple(computed))
    index = settings.symbols.index
    bars: dict[str, pd.DataFrame] = {}
    windows = needed_here.windows(settings, lambda warmup: sessions_before(start, warmup))
    fetched = {symbol for window in windows.values() for symbol in window}
    extra = [symbol for symbol in dict.fromkeys([index, *symbols]) if symbol not in fetched]
    if extra:
        # The rows are the index's sessions, whether or not a section reads its bars.
        windows.setdefault(sessions_before(start, 0), []).extend(extra)
    for first, window in windows.items():
        try:
            bars.update(source.daily_bars(window, first, end))
        except PartialDataError as error:
            bars.update(error.partial)
            warn(str(error))
    if index not in bars or bars[index].empty:
        raise HistoryError(f"no bars for {index} from {start} to {end}")
    bars = {symbol: frame.loc[: pd.Timestamp(end)] for symbol, frame in bars.items()}
    members = None
    if needed_here.needs_members() and "members" in source.capabilities:
        try:
            members = source.members(sessions_before(start, needed_here.members_warmup()), end)
        except SourceError as error:
            warn(f"{error}: breadth unknown")
    if members is not None and len(members.closes) and members.closes.index[-1] > pd.Timestamp(end):
        members = replace(members, closes=members.closes.loc[: pd.Timestamp(end)])
    chains: Mapping[date, OptionChain | None] = {}
    chains_missing = None
    if needed_here.needs_chains():
        if "option_chains" in source.capabilities:
            days = [stamp.date() for stamp in session_dates(bars[index], start)]
            chains = ChainsOfSessions(source, days, MarketSession(), warn)
        else:
            chains_missing = f"{source.kind} serves no option chains"
    return CycleData(
        bars=bars,
        members=members,
        state="REPLAY",
        detail=None,
        close_time=_close_time,
        now=None,
        chains=chains,
        chains_missing=chains_missing,
    )


def session_dates(index_bars: pd.DataFrame, start: date) -> pd.DatetimeIndex:
    """The index's sessions from `start` on: the rows of a history."""
    return pd.DatetimeIndex(index_bars.index[index_bars.index >= pd.Timestamp(start)])


def frames_of(
    settings: Settings,
    cycle: CycleData,
    registry: Registry,
    computed: Sequence[Section[Any]],
    theses: Mapping[str, Thesis] | None,
    start: date,
) -> dict[str, pd.DataFrame]:
    """Each of `computed`'s readings (in registry order: a section reads the frames of
    those before it) from the data of `cycle` alone, by key, plus under "sessions" the
    index's sessions of `cycle`'s bars from `start` on (an empty frame indexed by them).
    Nothing is fetched: an engine's cycle, whose bars reach back far enough, gives the
    history of its own readings. A section whose computation fails raises HistoryError
    naming it; the index missing from the bars raises HistoryError too."""
    index = settings.symbols.index
    index_bars = cycle.bars.get(index)
    if index_bars is None or index_bars.empty:
        raise HistoryError(f"no bars for {index}")
    frames: dict[str, pd.DataFrame] = {
        "sessions": pd.DataFrame(index=session_dates(index_bars, start))
    }
    for section in computed:
        assert section.readings is not None
        inputs = Inputs(settings, cycle, theses, {}, registry, dict(frames), {})
        try:
            frames[section.key] = section.readings(inputs)
        except Exception as error:  # a bug must be named, not a traceback
            message = f"could not compute the {section.key} readings: {error!r}"
            raise HistoryError(message) from error
    return frames


def _close_time(session: date) -> datetime:
    """Readings do not date themselves; only a live Snapshot's status does."""
    raise HistoryError("readings as history have no freshness status")


def _plain(value: Any) -> Any:
    """A cell as JSON has it: NaN and NA as null, dates in ISO form, numpy scalars as
    Python."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()[:10] if not isinstance(value, datetime) else value.isoformat()
    return value


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV: `session` first (YYYY-MM-DD), empty cells where unknown,
    floats in full precision (they read back exactly)."""
    out = table.copy()
    out.index = [stamp.date().isoformat() for stamp in pd.DatetimeIndex(out.index)]
    out.index.name = SESSION
    text: str = out.to_csv(lineterminator="\n")
    return text


def to_json(table: pd.DataFrame) -> str:
    """The table as JSON: a list of rows, each `{"session": "YYYY-MM-DD", "price.last":
    6978.03, ...}`, null where unknown."""
    rows = []
    columns = [str(column) for column in table.columns]
    sessions = pd.DatetimeIndex(table.index)
    for stamp, values in zip(sessions, table.itertuples(index=False), strict=True):
        row: dict[str, Any] = {SESSION: stamp.date().isoformat()}
        row.update((column, _plain(value)) for column, value in zip(columns, values, strict=True))
        rows.append(row)
    return json.dumps(rows, indent=1)
