"""Studies over a source's history: the readings the studies read, one row per session
of the index from its first session (1928 for the S&P 500) or a given day to an as-of
day, and the close series they measure, fetched once for any number of studies
(`study_history`), then each study run on them (`run_studies`, `core.studies.run`). The
as-of day is a cut: no bar, member or chain after it is read, so a run as of a day says
what was knowable that day. The readings are computed by `core.history`, the code that
gives `regime history` and today's panels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from core.history import HistoryError, chosen, fetch_cycle, frames_of, needed, readings_table
from core.section import builtin
from core.studies.run import needed_sections, run_study

if TYPE_CHECKING:
    from core.config import Settings
    from core.sources.base import Source
    from core.studies.result import StudyResult
    from core.studies.study import Study
    from core.thesis import Thesis

__all__ = ["EARLIEST", "measured_symbols", "run_studies", "study_history"]

EARLIEST = date(1900, 1, 1)
"""The start of a span asked for without one: before any index's first session, so
the span starts at the index's first session the source has."""


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
    """The readings of the sections the studies read (`needed_sections`), one row per
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
    wanted = chosen(registry, needed_sections(studies))
    computed = needed(registry, wanted)
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
