"""The section, the unit of Regime: one part of the Snapshot (price, rsi, breadth, vix,
trend, context, checklist, and every later one) declared once, in its own module under
`core/sections/`, as a `Section`: its JSON key, its pydantic model, how it is computed
from a cycle's data, what it shows when that fails, its lines in the text report, the
symbols it reads, and its readings over a whole history (one row per session, columns
named by their JSON path). `Registry` is the ordered set of sections that the engine's
`assemble`, the text report, the saved last Snapshot, `regime history` and the
dashboard iterate; `builtin()` discovers every module of `core.sections` that defines
`SECTION`, so adding a section names it nowhere else. The Snapshot model itself is
built from a registry (`Registry.snapshot_model`): the envelope of `core.snapshot`
plus one field per section. Section modules import only pydantic at module level (the
last Snapshot is restored before pandas is loaded); their computations import pandas
when they run."""

from __future__ import annotations

import importlib
import logging
import math
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import create_model

from core.snapshot import Freshness, PanelStatus, SectionModel, Snapshot

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings
    from core.options.chain import OptionChain
    from core.sources.base import MemberPanel
    from core.thesis import Thesis

log = logging.getLogger(__name__)

M = TypeVar("M", bound=SectionModel)


@dataclass(frozen=True)
class CycleData:
    """What one refresh cycle has to show (the last good data where a fetch failed)."""

    bars: Mapping[str, pd.DataFrame]
    members: MemberPanel | None
    state: Freshness
    """The state every panel with data takes (LIVE, CLOSED, SIMULATED, REPLAY, ...)."""
    detail: str | None
    """What failed this cycle, shown on every panel it touches."""
    close_time: Callable[[date], datetime]
    """The regular close of a session, to date daily readings."""
    now: datetime | None = None
    """The cycle's time when live (None in replay): a reading on a session still in
    progress is dated now, not at the session's future close."""
    chains: Mapping[date, OptionChain | None] = field(default_factory=dict)
    """The index's option chains by the session each belongs to (live: the latest
    fetched; a history: every one the source holds in its span); None under a session
    whose chain the source failed to give (a history: unknown there, nothing carried)."""
    chains_missing: str | None = None
    """Why there is no chain, when `chains` is empty (the source serves none, none was
    fetched yet, the fetch failed)."""
    full_bars: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    """The whole daily history (from the source's first session) of the symbols the
    sections that read it declare (`Section.full_history`), up to the last closed
    session and nothing after it: loaded apart from `bars`, once per newly closed
    session, and the same object every cycle until the next load (a section may key
    a cache on it). Empty until loaded."""
    full_bars_missing: str | None = None
    """Why `full_bars` is empty (its load runs, failed, or found nothing)."""
    intraday: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    """The 5-minute bars of the session in progress (a replay: the replayed session)
    by symbol (the index's alone): indexed by each bar's start, aware New York times,
    columns open, high, low, close, volume; pre- and after-hours bars included where
    the source has them. Empty outside a session or when the source has none."""
    intraday_missing: str | None = None
    """Why `intraday` is empty when nothing failed (no session in progress, the source
    serves no intraday bars, none yet)."""
    intraday_failed: str | None = None
    """Why the last intraday fetch failed: the bars kept from an earlier fetch are
    STALE, and with none kept the section is in ERROR."""

    def status(self, last_date: pd.Timestamp | None, missing: str | None = None) -> PanelStatus:
        """A panel's freshness: dated at the close of `last_date` (never later than now
        when live), or, with no data (`last_date` None), the reason it is `missing`."""
        if last_date is None:
            reason = missing if self.detail is None else f"{missing}; {self.detail}"
            return PanelStatus(state="ERROR" if self.detail else self.state, detail=reason)
        as_of = self.close_time(last_date.date())
        if self.now is not None and self.now < as_of:
            as_of = self.now
        return PanelStatus(state=self.state, as_of=as_of, detail=self.detail)


@dataclass(frozen=True)
class Inputs:
    """Everything a section's computation may read in one cycle."""

    settings: Settings
    cycle: CycleData
    theses: Mapping[str, Thesis] | None
    """The theses the checklist scores (None: the built-in ones with the settings' changes)."""
    earlier: Mapping[str, SectionModel]
    """The sections computed before this one in the cycle, by key."""
    registry: Registry
    frames: Mapping[str, pd.DataFrame]
    """The readings of the sections computed before this one (a history run)."""
    envelope: Mapping[str, Any]
    """The Snapshot's own fields: as_of, source, market."""

    @property
    def as_of(self) -> datetime:
        """The Snapshot's time."""
        as_of: datetime = self.envelope["as_of"]
        return as_of

    def snapshot(self, missing: str) -> Snapshot:
        """A Snapshot of the sections computed so far, the others shown as `missing`
        (for a section, such as the checklist, that reads the rest)."""
        parts: dict[str, SectionModel] = {}
        for section in self.registry:
            if section.key in self.earlier:
                parts[section.key] = self.earlier[section.key]
            else:
                status = PanelStatus(state=self.cycle.state, as_of=self.as_of, detail=missing)
                parts[section.key] = section.fallback(status, self.settings)
        return self.registry.snapshot_model(**self.envelope, **parts)


def last_date(frame: pd.DataFrame | pd.Series | None) -> pd.Timestamp | None:
    """The session of the last row of `frame` (None when there is none)."""
    if frame is None or len(frame) == 0:
        return None
    stamp: pd.Timestamp = frame.index[-1]
    return stamp


def noted(status: PanelStatus, notes: list[str]) -> PanelStatus:
    """`status` with the reasons some readings are unknown appended to its detail."""
    if not notes:
        return status
    detail = "; ".join([status.detail, *notes] if status.detail else notes)
    return status.model_copy(update={"detail": detail})


CALENDAR_DAYS_PER_SESSION = 365.25 / 249
"""Calendar days per NYSE session, a little generous (a year has about 252 sessions)."""


def sessions_before(day: date, sessions: int) -> date:
    """A calendar date at least `sessions` NYSE sessions before `day`."""
    return day - timedelta(days=math.ceil(sessions * CALENDAR_DAYS_PER_SESSION) + 10)


def history_start(settings: Settings, end: date) -> date:
    """The first day of the `history_years` a cycle ending at `end` loads (the
    members' closes; the daily bars, unless a warm-up needs more)."""
    return end - timedelta(days=round(365.25 * settings.history_years) + 10)


def on_sessions(frame: pd.DataFrame, sessions: pd.Index) -> pd.DataFrame:
    """`frame`'s readings as a replay as of each of `sessions` sees them: its last row
    on or before the session (members that lag the index by a day show the day
    before, as the live panel does), nothing before its first row."""
    if frame.index.equals(sessions):
        return frame
    return frame.reindex(sessions, method="ffill")


def latest(frame: pd.DataFrame) -> dict[str, Any]:
    """The last row of a frame of readings, NaN as None (for `core.columns.unflatten`)."""
    if frame.empty:
        return {}
    row = frame.iloc[-1]
    return {str(column): (None if value != value else value) for column, value in row.items()}


def _no_symbols(settings: Settings) -> tuple[str, ...]:
    return ()


def index_closes(inputs: Inputs) -> pd.Series:
    """The index's closes in the cycle's data (empty when there are none)."""
    import pandas as pd

    bars = inputs.cycle.bars.get(inputs.settings.symbols.index)
    if bars is None:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64", name="close")
    close: pd.Series = bars["close"]
    return close


def the_index(settings: Settings) -> tuple[str, ...]:
    """The symbols of a section that reads the index alone."""
    return (settings.symbols.index,)


@dataclass(frozen=True)
class Section(Generic[M]):
    """One section, declared once (see the module docstring)."""

    key: str
    """Its key in the Snapshot and the JSON (`price`), and its column prefix."""
    model: type[M]
    order: int
    """Where it comes in the Snapshot, the report and the history (ascending); a
    section may read the sections of lower order (the checklist comes last)."""
    compute: Callable[[Inputs], M]
    """Its reading in one cycle. May raise: the registry turns that into `fallback`."""
    fallback: Callable[[PanelStatus, Settings], M]
    """What it shows when it cannot be computed: every reading unknown, the status
    saying why."""
    text: Callable[[M], list[str]]
    """Its block in `regime snapshot --format text`."""
    symbols: Callable[[Settings], tuple[str, ...]] = _no_symbols
    """The daily-bar symbols it reads (the engine fetches the union, nothing else)."""
    readings: Callable[[Inputs], pd.DataFrame] | None = None
    """Its readings for every session of the cycle's data: a frame indexed by session
    date (ascending), one column per reading named as `core.columns` names them
    (`price.last`, `price.levels[EMA 50].value`), NaN where unknown. `compute` builds
    today's reading from its last row (`latest`), so a past session's reading and
    today's come from the same code."""
    warmup: int = 0
    """Sessions of data before the first session its readings are exact for (an EMA
    200 needs years to forget where it started)."""
    needs_members: bool = False
    """Whether it reads the index members' closes (breadth)."""
    reads_sections: bool = False
    """Whether it reads the other sections (the checklist): it is computed after all
    of them, from their readings."""
    levels: Callable[[Inputs], Mapping[str, pd.Series]] | None = None
    """The price levels it adds to the price section's (the gamma flip and walls), by
    name: each a series of values by session, NaN where it has none. The price
    section lists and draws them with this section's key as their kind, and rules find
    them with `level("...")`. Only a section ordered before the price section may."""
    needs_chains: bool = False
    """Whether it reads the index's option chains (`CycleData.chains`)."""
    reads_levels: bool = False
    """Whether it lists the levels other sections add (`levels`): the price section;
    a history of it computes those sections too."""
    full_history: bool = False
    """Whether it reads the whole history of its symbols (`CycleData.full_bars`: the
    edge section's studies, since 1928), not just their warm-up window. Loaded off the
    quote cycle; its failure costs this section alone, never the cycle."""
    at: Callable[[Inputs, pd.DataFrame], M] | None = None
    """Its reading built from its readings instead of computing them (replay stepping,
    `core.replay_timeline`): `frame` is its `readings` over a span, cut after the
    session shown (its last row is that session or the last one before it), and
    `inputs` the cycle's data cut there too (`cut_cycle`). The readings come from the
    frame's last row; what is not a reading (a chart's series, pivots, notes) from
    `inputs`. Equals `compute(inputs)` (tests/test_section_at.py holds each section to
    it). None: the stepper runs `compute` on the cut data (the checklist, which reads
    the other sections; the intraday bars; the studies; the option chain's gamma)."""

    def run(self, inputs: Inputs) -> M:
        """`compute`, or `fallback` naming the error: a bug or odd data costs this
        section, never the Snapshot."""
        return self._guarded(lambda: self.compute(inputs), inputs.settings)

    def run_at(self, inputs: Inputs, frame: pd.DataFrame) -> M:
        """`at` (which must be set), or `fallback` naming the error, as `run`."""
        at = self.at
        assert at is not None, f"section {self.key} has no `at`"
        return self._guarded(lambda: at(inputs, frame), inputs.settings)

    def _guarded(self, build: Callable[[], M], settings: Settings) -> M:
        try:
            return build()
        except Exception as error:  # a bug or odd data must cost one panel, never the app
            log.exception("computing %s failed", self.key)
            status = PanelStatus(state="ERROR", detail=f"could not compute: {error!r}")
            return self.fallback(status, settings)


@dataclass(frozen=True)
class Registry:
    """The sections of a Snapshot, in order (see the module docstring)."""

    sections: tuple[Section[Any], ...] = field(default=())

    def __post_init__(self) -> None:
        keys = [section.key for section in self.sections]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"sections declared twice: {', '.join(duplicates)}")
        ordered = tuple(sorted(self.sections, key=lambda section: section.order))
        object.__setattr__(self, "sections", ordered)

    def __iter__(self) -> Iterator[Section[Any]]:
        return iter(self.sections)

    def __len__(self) -> int:
        return len(self.sections)

    def __contains__(self, key: object) -> bool:
        return any(section.key == key for section in self.sections)

    def __getitem__(self, key: str) -> Section[Any]:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def __hash__(self) -> int:
        return hash(tuple(section.key for section in self.sections))

    def with_sections(self, *sections: Section[Any]) -> Registry:
        """This registry with `sections` added (a key already present is replaced)."""
        added = {section.key for section in sections}
        kept = tuple(section for section in self.sections if section.key not in added)
        return replace(self, sections=kept + sections)

    def symbols(self, settings: Settings) -> tuple[str, ...]:
        """Every daily-bar symbol some section reads, without repeats, in order."""
        wanted: dict[str, None] = {}
        for section in self.sections:
            wanted.update(dict.fromkeys(section.symbols(settings)))
        return tuple(wanted)

    def needs_members(self) -> bool:
        """Whether some section reads the members' closes."""
        return any(section.needs_members for section in self.sections)

    def needs_chains(self) -> bool:
        """Whether some section reads the option chains."""
        return any(section.needs_chains for section in self.sections)

    def full_history_symbols(self, settings: Settings) -> tuple[str, ...]:
        """The symbols whose whole history some section reads (`full_history`)."""
        wanted: dict[str, None] = {}
        for section in self.sections:
            if section.full_history:
                wanted.update(dict.fromkeys(section.symbols(settings)))
        return tuple(wanted)

    def members_warmup(self) -> int:
        """The sessions of warm-up the sections that read the members need."""
        return max((s.warmup for s in self.sections if s.needs_members), default=0)

    def windows(self, settings: Settings, first: Callable[[int], date]) -> dict[date, list[str]]:
        """The symbols the sections read, grouped by the first session to load for each:
        `first(warmup)` of the longest warm-up among the sections that read it (only
        the index needs years for its EMA 200; the VIX family needs a year)."""
        warmups: dict[str, int] = {}
        for section in self.sections:
            for symbol in section.symbols(settings):
                warmups[symbol] = max(warmups.get(symbol, 0), section.warmup)
        groups: dict[date, list[str]] = {}
        for symbol, warmup in warmups.items():
            groups.setdefault(first(warmup), []).append(symbol)
        return groups

    @cached_property
    def snapshot_model(self) -> type[Snapshot]:
        """The Snapshot model of these sections: the envelope plus one field each."""
        fields: dict[str, Any] = {section.key: (section.model, ...) for section in self}
        model = create_model(
            "Snapshot", __base__=Snapshot, __module__=Snapshot.__module__, **fields
        )
        model.SECTIONS = self.sections
        return model

    def assemble(
        self,
        settings: Settings,
        cycle: CycleData,
        envelope: Mapping[str, Any],
        theses: Mapping[str, Thesis] | None = None,
    ) -> Snapshot:
        """Compute every section in order and build the Snapshot; `envelope` holds the
        Snapshot's own fields (as_of, source, market)."""
        computed: dict[str, SectionModel] = {}
        for section in self.sections:
            inputs = Inputs(settings, cycle, theses, computed, self, {}, envelope)
            computed[section.key] = section.run(inputs)
        return self.snapshot_model(**envelope, **computed)


def discover(package: str = "core.sections") -> Iterable[Section[Any]]:
    """Every `SECTION` declared by a module of `package`."""
    root = importlib.import_module(package)
    for module_info in pkgutil.iter_modules(root.__path__):
        module = importlib.import_module(f"{package}.{module_info.name}")
        section = getattr(module, "SECTION", None)
        if isinstance(section, Section):
            yield section


@cache
def builtin() -> Registry:
    """The built-in sections (every module of `core.sections`)."""
    return Registry(tuple(discover()))
