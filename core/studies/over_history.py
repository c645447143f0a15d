"""Studies over a source's history: the readings the studies read, one row per session
of the index from its first session (1928 for the S&P 500) or a given day to an as-of
day, and the close series they measure, fetched once for any number of studies
(`study_history`), then each study run on them (`run_studies`, `core.studies.run`). The
as-of day is a cut: no bar, member or chain after it is read, so a run as of a day says
what was knowable that day. The readings are computed by `core.history`, the code that
gives `regime history` and today's panels, for the sections the studies read
(`sections_read`: without the sections that only add price levels, the gamma flip
and walls, which cost an option chain per session, unless a study names a level)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.history import HistoryError, chosen, fetch_cycle, frames_of, needed, readings_table
from core.rules import Attr, Binary, Call, Node, Unary
from core.section import Registry, Section, builtin
from core.studies.run import compile_rule, needed_sections, run_study

if TYPE_CHECKING:
    from core.config import Settings
    from core.sources.base import Source
    from core.studies.result import StudyResult
    from core.studies.study import Study
    from core.thesis import Thesis

__all__ = ["EARLIEST", "measured_symbols", "run_studies", "sections_read", "study_history"]

EARLIEST = date(1900, 1, 1)
"""The start of a span asked for without one: before any index's first session, so
the span starts at the index's first session the source has."""


def _names_a_level(node: Node) -> bool:
    """Whether `node` calls `level("...")` anywhere."""
    if isinstance(node, Call):
        return node.name == "level" or any(_names_a_level(arg) for arg in node.args)
    if isinstance(node, Attr):
        return _names_a_level(node.obj)
    if isinstance(node, Unary):
        return _names_a_level(node.operand)
    if isinstance(node, Binary):
        return _names_a_level(node.left) or _names_a_level(node.right)
    return False


def reads_levels(study: Study) -> bool:
    """Whether the study's condition, reading or near names a price level."""
    expressions = ((study.condition, "condition"), (study.reading, "value"), (study.near, "value"))
    return any(
        _names_a_level(compile_rule(text, kind).node)
        for text, kind in expressions
        if text is not None
    )


def sections_read(
    studies: Iterable[Study], registry: Registry
) -> tuple[tuple[Section[Any], ...], tuple[Section[Any], ...]]:
    """The sections the studies read (`needed_sections`) and those to compute for them
    (`core.history.needed`), less the sections that only add price levels (gamma) when
    no study names a level and no section read reads the others (the checklist): no
    price reading but the levels themselves depends on them, and the gamma levels
    cost an option chain per session."""
    studies = tuple(studies)
    wanted = chosen(registry, needed_sections(studies))
    computed = needed(registry, wanted)
    if any(reads_levels(study) for study in studies) or any(s.reads_sections for s in wanted):
        return wanted, computed
    keys = {section.key for section in wanted}
    return wanted, tuple(s for s in computed if s.levels is None or s.key in keys)


def measured_symbols(settings: Settings, studies: Iterable[Study]) -> tuple[str, ...]:
    """The symbols of every study's `series` and `relative_to` (`settings.symbols`)."""
    keys = (key for study in studies for key in (study.series, study.relative_to) if key)
    return tuple(dict.fromkeys(getattr(settings.symbols, key) for key in keys))


def study_history(
    settings: Settings,
    source: Source,
    studies: Iterable[Study],
    start: date | None = None,
    end: date | None = None,
    *,
    theses: Mapping[str, Thesis] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The readings of the sections the studies read (`sections_read`), one row per
    session of the index from `start` (default: its first session) to `end` (default:
    today; nothing after it is read), and the close series of every symbol they
    measure, by symbol, up to `end` (empty when the source has none, which is passed
    to `warn`). Raises HistoryError for a bad span or a failed computation,
    SourceError when the source fails outright."""
    studies = tuple(studies)
    first = start if start is not None else EARLIEST
    last = end if end is not None else date.today()
    if last < first:
        raise HistoryError(f"--to {last} is before --from {first}")
    registry = builtin()
    wanted, computed = sections_read(studies, registry)
    symbols = measured_symbols(settings, studies)
    cycle = fetch_cycle(settings, source, first, last, computed, warn, symbols=symbols)
    frames = frames_of(settings, cycle, registry, computed, theses, first)
    prices: dict[str, pd.Series] = {}
    for symbol in symbols:
        bars = cycle.bars.get(symbol)
        if bars is None or bars.empty:
            warn(f"no bars for {symbol}: the studies measuring it have no returns")
            prices[symbol] = pd.Series(dtype=float)
        else:
            prices[symbol] = bars["close"]
    return readings_table(frames, wanted), prices


def run_studies(
    settings: Settings,
    source: Source,
    studies: Sequence[Study],
    start: date | None = None,
    end: date | None = None,
    *,
    theses: Mapping[str, Thesis] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> list[StudyResult]:
    """Each of `studies` over one `study_history` of [start, end], in order: what each
    found up to `end`, as `regime study` prints it and the Edge panel shows it."""
    readings, prices = study_history(
        settings, source, studies, start, end, theses=theses, warn=warn
    )
    return [run_study(study, readings, prices, settings) for study in studies]
