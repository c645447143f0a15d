"""The edge section: the historical-edge studies (issue 11, `core.studies`) run over the
whole history of the series they measure, as of the last closed session: what happened
after setups like today's. Every study's result (`StudyResult`, the studies of
`load_studies`), the ids of those active (the condition holds on the session, or its
last event is within its cool-down) and, when none is, of the nearest to triggering.
The history is long (the index since 1928), so the engine loads it apart from the
cycle's bars, off the quote cycle, once per newly closed session
(`CycleData.full_bars`, up to that session: a session in progress is not a close);
until it is loaded the section says why. The readings the studies read are computed
from it by the code of `regime history` (`core.history.frames_of`), breadth from the
cycle's members (which span `history_years` only: those studies say so), then each
study is run (`core.studies.run.run_study`); the results are kept for the session, the
history's object and the settings, so a cycle that changes none of them costs nothing.
A study that fails is left out, named in the status. It has no per-session readings
(`readings` None)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from core import format as fmt
from core.section import Inputs, Section, builtin, noted
from core.snapshot import PanelStatus, SectionModel
from core.studies.result import StudyResult

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings
    from core.sources.base import MemberPanel
    from core.studies.study import Study

log = logging.getLogger(__name__)

KEY = "edge"

LOADING = "loading the history the studies read"
"""Why there is no reading while the long history loads (the engine's default)."""
NO_STUDIES = "no studies to run"
"""Why there is no reading when no study is defined."""
NEAREST = 3
"""How many of the studies nearest to triggering are named when none is active."""


class EdgeSection(SectionModel):
    """The studies as of the last closed session (see the module docstring)."""

    session: date | None = None
    """The last closed session the studies were run as of."""
    span_from: date | None = None
    """The first session of the history they read."""
    studies: tuple[StudyResult, ...] = ()
    """Every enabled study's result (`core.studies.result`), in the studies' order."""
    active: tuple[str, ...] = ()
    """Ids of the studies whose condition holds on `session` or whose last event is
    within its cool-down, most recent event first."""
    nearest: tuple[str, ...] = ()
    """When none is active: ids of up to 3 studies nearest to triggering (smallest
    |near_pct|), nearest first."""


@dataclass(frozen=True)
class Plan:
    """What the studies of some settings read: the studies, the sections whose
    readings they read (`wanted`) and those computed for them (`computed`), and the
    symbols of those sections and of the series they measure."""

    studies: tuple[Study, ...]
    wanted: tuple[Any, ...]
    computed: tuple[Any, ...]
    measured: tuple[str, ...]
    symbols: tuple[str, ...]
    breadth: frozenset[str]
    """The ids of the studies that read a section reading the members (breadth)."""


_PLAN_LOCK = threading.Lock()
_plan_of: tuple[Settings, Plan | Exception] | None = None


def plan(settings: Settings) -> Plan:
    """The studies of `settings` and what they read, kept for the last settings
    object (asked several times a cycle), a bad study's error too. Raises StudyError
    for a bad study, HistoryError for one reading a section with no readings."""
    global _plan_of
    with _PLAN_LOCK:
        kept = _plan_of
    if kept is None or kept[0] is not settings:
        try:
            made: Plan | Exception = _planned(settings)
        except Exception as error:
            made = error
        kept = (settings, made)
        with _PLAN_LOCK:
            _plan_of = kept
    if isinstance(kept[1], Exception):
        raise kept[1]
    return kept[1]


def _planned(settings: Settings) -> Plan:
    from core.studies.over_history import measured_symbols, sections_read
    from core.studies.run import needed_sections
    from core.studies.study import load_studies

    studies = tuple(load_studies(settings).values())
    registry = builtin()
    # What `regime study` computes: no gamma levels unless a study names a level.
    wanted, computed = sections_read(studies, registry)
    measured = measured_symbols(settings, studies)
    symbols: dict[str, None] = dict.fromkeys([settings.symbols.index])
    for section in computed:
        symbols.update(dict.fromkeys(section.symbols(settings)))
    symbols.update(dict.fromkeys(measured))
    breadth = frozenset(
        study.id
        for study in studies
        if any(registry[key].needs_members for key in needed_sections([study]))
    )
    return Plan(studies, wanted, computed, measured, tuple(symbols), breadth)


def symbols(settings: Settings) -> tuple[str, ...]:
    """The symbols whose whole history the studies read: those of the sections they
    read and of the series they measure; none without studies, or when they cannot be
    loaded (`compute` says why)."""
    try:
        studied = plan(settings)
    except Exception:  # a bad study costs this panel (compute names it), never the cycle
        return ()
    return studied.symbols if studied.studies else ()


@dataclass(frozen=True)
class _Run:
    """The studies run as of a session, and what they were run on."""

    session: date
    full_bars: object
    settings: Settings
    theses: object
    members: tuple[Any, ...] | None
    section: EdgeSection
    failed: tuple[str, ...]


_RUN_LOCK = threading.Lock()
_last_run: _Run | None = None


def _members_span(members: MemberPanel | None) -> tuple[Any, ...] | None:
    """What of the members the studies read: their span and count (a new load of the
    same closes runs nothing again)."""
    if members is None or members.closes.empty:
        return None
    closes = members.closes
    return (closes.index[0], closes.index[-1], closes.shape[1])


def _cut_members(members: MemberPanel | None, session: pd.Timestamp) -> MemberPanel | None:
    """The members' closes up to `session` (a session in progress is not a close)."""
    if members is None or members.closes.empty or members.closes.index[-1] <= session:
        return members
    return replace(members, closes=members.closes.loc[:session])


def compute(inputs: Inputs) -> EdgeSection:
    """Every study over the whole history, as of its last session (the last closed
    one); unknown, saying why, until the history is loaded. Kept while the session,
    the history's object, the settings and the members' span stay the same."""
    global _last_run
    cycle, settings = inputs.cycle, inputs.settings
    if not plan(settings).studies:
        return fallback(cycle.status(None, NO_STUDIES), settings)
    index = settings.symbols.index
    index_bars = cycle.full_bars.get(index)
    if index_bars is None or index_bars.empty:
        why = cycle.full_bars_missing or (
            f"no history of {index} to run the studies on" if cycle.full_bars else LOADING
        )
        return fallback(cycle.status(None, why), settings)
    stamp = index_bars.index[-1]
    session = stamp.date()
    members = _cut_members(cycle.members, stamp)
    span = _members_span(members)
    with _RUN_LOCK:
        kept = _last_run
    if (
        kept is None
        or kept.session != session
        or kept.full_bars is not cycle.full_bars
        or kept.theses is not inputs.theses
        or kept.members != span
        or not (kept.settings is settings or kept.settings == settings)
    ):
        section, failed = _run(inputs, members, stamp)
        kept = _Run(session, cycle.full_bars, settings, inputs.theses, span, section, failed)
        with _RUN_LOCK:
            _last_run = kept
    status = noted(cycle.status(stamp), list(kept.failed))
    return kept.section.model_copy(update={"status": status})


def _run(
    inputs: Inputs, members: MemberPanel | None, stamp: pd.Timestamp
) -> tuple[EdgeSection, tuple[str, ...]]:
    """Every study of the settings over the readings of the whole history up to
    `stamp`, and a line for each study that failed."""
    from core.history import frames_of, readings_table
    from core.studies.run import run_study

    settings, cycle = inputs.settings, inputs.cycle
    studied = plan(settings)
    full_bars = {symbol: frame.loc[:stamp] for symbol, frame in cycle.full_bars.items()}
    index_bars = full_bars[settings.symbols.index]
    history = replace(
        cycle,
        bars=full_bars,
        members=members,
        chains={},
        chains_missing="the studies read no option chains",
        full_bars={},
        full_bars_missing=None,
    )
    first = index_bars.index[0].date()
    frames = frames_of(settings, history, inputs.registry, studied.computed, inputs.theses, first)
    readings = readings_table(frames, studied.wanted)
    del frames  # tens of MB over 1928 on: not held while the studies run
    # A series the source has no history of leaves its studies' events without returns
    # (the runner's note says so), as `regime study` has it.
    prices = {
        symbol: full_bars[symbol]["close"] if symbol in full_bars else _no_closes()
        for symbol in studied.measured
    }
    breadth_note = _breadth_note(members, settings)
    results: list[StudyResult] = []
    failed: list[str] = []
    for study in studied.studies:
        notes = [breadth_note] if study.id in studied.breadth else []
        try:
            results.append(run_study(study, readings, prices, settings, notes=notes))
        except Exception as error:  # one study's failure costs that study, not the panel
            log.exception("running the study %s failed", study.id)
            failed.append(f"study {study.id} failed: {error}")
    section = EdgeSection(
        status=PanelStatus(state=cycle.state),
        session=stamp.date(),
        span_from=first,
        studies=tuple(results),
        active=active_ids(results),
        nearest=nearest_ids(results),
    )
    return section, tuple(failed)


def _no_closes() -> pd.Series:
    import pandas as pd

    return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64", name="close")


def _breadth_note(members: MemberPanel | None, settings: Settings) -> str:
    """What breadth over the cycle's members covers: their closes span `history_years`."""
    if members is None or members.closes.empty:
        return "breadth unknown: no members' closes loaded"
    first = members.closes.index[0].date()
    return (
        f"breadth only from {first}: the members' closes span history_years"
        f" ({settings.history_years}); sessions before are unknown"
    )


def active_ids(results: list[StudyResult]) -> tuple[str, ...]:
    """The studies whose condition holds on the last session or whose last event is
    within its cool-down, the most recent event first."""
    active = [result for result in results if result.active or result.within_cooldown]
    active.sort(key=lambda result: result.last_event or date.min, reverse=True)
    return tuple(result.id for result in active)


def nearest_ids(results: list[StudyResult]) -> tuple[str, ...]:
    """When none is active, up to NEAREST studies with the smallest |near_pct|."""
    if active_ids(results):
        return ()
    near = [result for result in results if result.near_pct is not None]
    near.sort(key=lambda result: abs(result.near_pct or 0.0))
    return tuple(result.id for result in near[:NEAREST])


def fallback(status: PanelStatus, settings: Settings) -> EdgeSection:
    """No study run."""
    if status.state == "ERROR" and status.detail and status.detail.startswith("could not compute"):
        detail = status.detail.replace("could not compute", "could not run the studies", 1)
        status = status.model_copy(update={"detail": detail})
    return EdgeSection(status=status)


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:+.2f}%"


def text(edge: EdgeSection) -> list[str]:
    """The active studies (or the nearest) with n, the headline mean against the
    baseline and the hit rate."""
    by_id = {result.id: result for result in edge.studies}
    as_of = f"as of {edge.session}" if edge.session else "not run"
    lines = [
        f"Edge: {len(edge.active)} active of {len(edge.studies)} ({as_of})"
        f"  {fmt.status_text(edge.status)}"
    ]
    for study_id in edge.active:
        result = by_id[study_id]
        stats = result.horizons.get(str(result.headline))
        if stats is None:
            lines.append(f"  {result.title}: no {result.headline}-session horizon")
            continue
        hit = "unknown" if stats.pct_positive is None else f"{stats.pct_positive:.0f}%"
        when = (
            "today"
            if result.active
            else f"held within {result.cooldown} sessions, event {result.last_event}"
        )
        lines.append(
            f"  {result.title} ({when}): n={stats.n} · {result.headline} sessions"
            f" {_pct(stats.mean_pct)} vs {_pct(stats.baseline_mean_pct)} baseline"
            f" · {hit} positive"
        )
    for study_id in edge.nearest:
        result = by_id[study_id]
        lines.append(f"  near: {result.title} ({_pct(result.near_pct)} away)")
    return lines


SECTION = Section(
    key=KEY,
    model=EdgeSection,
    order=90,  # after the sections whose readings it reads, before the checklist
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=symbols,
    full_history=True,
)
