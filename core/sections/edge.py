"""The edge section: the historical-edge studies (issue 11, `core.studies`) run over the
whole history of the series they measure, as of the last closed session: what happened
after setups like today's. Every enabled study's result (`StudyResult`), the ids of
those active today (the condition holds on the session, or its last event is within
its cool-down) and, when none is, of the nearest to triggering. The history is long
(the index since 1928), so the engine loads it apart from the cycle's bars, in the
background, once per newly closed session (`CycleData.full_bars`); until it is loaded
the section says so. It has no per-session readings (`readings` None)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core import format as fmt
from core.section import Inputs, Section
from core.snapshot import PanelStatus, SectionModel
from core.studies.result import StudyResult

if TYPE_CHECKING:
    from core.config import Settings

KEY = "edge"

LOADING = "loading the history the studies read"
"""Why there is no reading while the long history loads (the engine's default)."""


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


def compute(inputs: Inputs) -> EdgeSection:
    """Every study over the long history, unknown with why until it loads."""
    return fallback(inputs.cycle.status(None, LOADING), inputs.settings)


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
        lines.append(
            f"  {result.title}: n={stats.n} · {result.headline}d {_pct(stats.mean_pct)}"
            f" vs {_pct(stats.baseline_mean_pct)} · {hit} positive"
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
)
