"""What a historical-edge study finds (issue 11), as the CLI's JSON, the Edge panel and
its detail view read it: per horizon, the events' forward returns against the baseline
of every session in the same span (`HorizonStats`), each event with its trigger reading
and returns (`StudyEvent`), and the series the detail view draws. Pydantic only (the
Edge section's model holds these, and section models import nothing heavier); the
numbers are computed by `core.studies.run`. Percentages are in percent units (1.49,
not 0.0149); a value that cannot be computed is None, never 0."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from core.snapshot import Frozen

__all__ = ["HorizonStats", "PathPoint", "StudyEvent", "StudyResult"]


class HorizonStats(Frozen):
    """One horizon's statistics (the JSON's `horizons["<sessions>"]`)."""

    sessions: int
    n: int
    """Events whose horizon is reached (each counted once: events never overlap)."""
    pending: int
    """Events too recent for this horizon: left out of every figure, never counted as 0."""
    mean_pct: float | None = None
    median_pct: float | None = None
    pct_positive: float | None = None
    baseline_n: int = 0
    """Every session of the span whose horizon is reached."""
    baseline_mean_pct: float | None = None
    baseline_pct_positive: float | None = None
    edge_pct: float | None = None
    """mean_pct − baseline_mean_pct."""
    t_stat: float | None = None
    """Welch's t of the events' returns against the baseline's (None under 2 events)."""
    ci90_pct: tuple[float, float] | None = None
    """Bootstrap 90 % interval of `edge_pct` (the events resampled, a fixed seed)."""
    worst_drawdown_pct: float | None = None
    """The deepest fall of the series below its level at the event, within the horizon,
    over all events (negative)."""
    pct_beyond_decline: float | None = None
    """Share of events (%) whose fall within the horizon went past the study's
    `decline_pct` (None when the study sets none)."""


class StudyEvent(Frozen):
    """One event: the first session the condition held after the cool-down."""

    date: date
    reading: float | int | bool | str | None = None
    """The study's `reading` expression on that session (what triggered it)."""
    returns_pct: dict[str, float | None] = Field(default_factory=dict)
    """Forward return by horizon ("21": +1.2); None while the horizon is pending."""
    drawdown_pct: dict[str, float | None] = Field(default_factory=dict)
    """The deepest fall within each horizon (negative); None while pending. Only for a
    study that sets `decline_pct` (empty otherwise: the horizons' worst fall remains)."""


class PathPoint(Frozen):
    """The cumulative average path `sessions` after the event, against the baseline's."""

    sessions: int
    mean_pct: float | None
    baseline_mean_pct: float | None


class StudyResult(Frozen):
    """A study run over a span of history (see the module docstring)."""

    id: str
    title: str
    definition: str
    """The study in words: condition, series, horizons, cool-down."""
    series: str
    """What is measured, in words: `S&P 500`, `Russell 2000 relative to S&P 500`."""
    span_from: date | None = None
    span_to: date | None = None
    """The sessions the condition was evaluated on (the last one: what was knowable)."""
    headline: int
    """The horizon the panel shows, in sessions."""
    cooldown: int
    decline_pct: float | None = None
    """The fall (%) whose share `HorizonStats.pct_beyond_decline` counts, if the study sets one."""
    horizons: dict[str, HorizonStats] = Field(default_factory=dict)
    """By horizon in sessions, as text ("5", "10", ...), ascending."""
    events: tuple[StudyEvent, ...] = ()
    active: bool | None = None
    """The condition holds on the last session (None: unknown there)."""
    last_event: date | None = None
    within_cooldown: bool = False
    """The condition held on one of the last `cooldown` sessions (today included): the
    setup is still within its cool-down, whether or not it holds today."""
    near_pct: float | None = None
    """How far the last session is from triggering, by the study's `near` expression."""
    path: tuple[PathPoint, ...] = ()
    """Over the headline horizon, one point per session."""
    notes: tuple[str, ...] = ()
    """Caveats: survivorship (today's member list), a short span, unknown sessions."""
