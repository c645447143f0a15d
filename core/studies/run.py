"""Running a historical-edge study over a history of readings: the condition evaluated
on every session with the rule language (`core.rules`, three-valued: an unknown session
does not hold), the events (`core.studies.events`), the forward returns and falls of the
measured series on the readings' sessions (`core.studies.forward`) and the statistics
against the baseline (`core.studies.stats`), gathered into a `StudyResult`. The span
starts at the first session the condition is known (a series that starts later, an
indicator's warm-up): the baseline is every session of it whose horizon is reached. The last row
of the readings is "today": prices after it are never read, so a study run on the
readings up to a day shows what was knowable that day. `needed_sections` says which
sections' readings a set of studies reads, for `core.history.readings_history(keys=...)`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from core.rules import Rule, Table, compile_reading, reading_of
from core.rules import compile_rule as _compile_rule
from core.studies.events import event_positions
from core.studies.forward import deepest_falls, forward_returns, relative
from core.studies.result import HorizonStats, PathPoint, StudyEvent, StudyResult
from core.studies.stats import horizon_stats
from core.studies.study import Study, StudyError, names_read

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["SURVIVORSHIP", "needed_sections", "run_study", "series_name"]

SURVIVORSHIP = "breadth uses today's member list (survivorship)"
NAMES = {
    "^GSPC": "S&P 500",
    "^SPX": "S&P 500",
    "^RUT": "Russell 2000",
    "^IXIC": "Nasdaq Composite",
    "^VIX": "VIX",
    "^VIX9D": "VIX9D",
    "^VIX3M": "VIX3M",
}
"""Series in words, by Yahoo symbol (any other symbol is named as it is)."""
# -- the rules ------------------------------------------------------------------------


@cache
def compile_rule(source: str, kind: Literal["condition", "value"]) -> Rule:
    """`source` compiled (once per text: studies run again every session)."""
    return _compile_rule(source, kind=kind)


def condition_rule(study: Study) -> Rule:
    """The study's condition."""
    return compile_rule(study.condition, "condition")


def reading_rule(study: Study) -> Rule | None:
    """The study's reading, else the condition's first field (None: there is none)."""
    if study.reading is not None:
        return compile_rule(study.reading, "value")
    condition = condition_rule(study)
    node = reading_of(condition.node)
    return compile_reading(node, study.condition) if node is not None else None


def needed_sections(studies: Iterable[Study]) -> tuple[str, ...]:
    """The keys of the sections the studies' condition, reading and near read, in the
    registry's order (the envelope's fields, `as_of` and the like, are no section)."""
    from core.section import builtin

    read: set[str] = set()
    for study in studies:
        read |= names_read(study)
    return tuple(section.key for section in builtin() if section.key in read)


# -- the series -----------------------------------------------------------------------


def series_name(study: Study, settings: Settings) -> str:
    """What the study measures, in words: `S&P 500`, `Russell 2000 relative to S&P 500`."""
    name = _name(getattr(settings.symbols, study.series))
    if study.relative_to is None:
        return name
    return f"{name} relative to {_name(getattr(settings.symbols, study.relative_to))}"


def _name(symbol: str) -> str:
    return NAMES.get(symbol.upper(), symbol)


def _sessions(index: pd.Index) -> pd.DatetimeIndex:
    """`index` as tz-naive timestamps of the sessions' dates."""
    stamps = pd.DatetimeIndex(index)
    if stamps.tz is not None:
        stamps = stamps.tz_localize(None)
    return pd.DatetimeIndex(stamps.to_numpy(dtype="datetime64[D]"))


def closes_on(prices: pd.Series, sessions: pd.DatetimeIndex) -> np.ndarray:
    """`prices` read on `sessions`: the last known close on or before each (NaN before
    the first); closes after the last session are never read."""
    days = _sessions(prices.index).to_numpy(dtype="datetime64[D]")
    values = np.asarray(prices, dtype=float)
    keep = np.isfinite(values)
    days, values = days[keep], values[keep]
    if days.size > 1 and not (days[1:] > days[:-1]).all():
        order = np.argsort(days, kind="stable")
        days, values = days[order], values[order]
        last = np.append(days[1:] != days[:-1], True)  # of a day given twice, the last
        days, values = days[last], values[last]
    wanted = sessions.to_numpy(dtype="datetime64[D]")
    if days.size == 0:
        return np.full(wanted.size, np.nan)
    before = np.searchsorted(days, wanted, side="right") - 1
    closes: np.ndarray = np.where(before >= 0, values[np.maximum(before, 0)], np.nan)
    return closes


def measured(
    study: Study, prices: Mapping[str, pd.Series], settings: Settings, sessions: pd.DatetimeIndex
) -> np.ndarray:
    """The series the study measures on `sessions` (a ratio for `relative_to`); StudyError
    when a price series it needs is not given."""

    def closes(key: str) -> np.ndarray:
        symbol = getattr(settings.symbols, key)
        if symbol not in prices:
            given = ", ".join(prices) or "none"
            raise StudyError(f"study '{study.id}': no prices for {symbol} ({key}); given: {given}")
        return closes_on(prices[symbol], sessions)

    series = closes(study.series)
    if study.relative_to is not None:
        series = relative(series, closes(study.relative_to))
    return series


# -- the study ------------------------------------------------------------------------


def _plain(value: Any) -> float | int | bool | str | None:
    """A reading as an event shows it: a level as its value, a date as ISO text."""
    value = getattr(value, "value", value) if not isinstance(value, float | int | str) else value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _readings_at(rule: Rule | None, readings: pd.DataFrame, rows: np.ndarray) -> list[Any]:
    """The rule's value (as Python) on `rows` of the readings (rules read one row)."""
    if rule is None or rows.size == 0:
        return [None] * rows.size
    table = Table.of_frame(readings.iloc[rows])
    return [_plain(outcome.value) for outcome in rule.outcomes(table)]


def _pct(value: float) -> float | None:
    return float(value) * 100.0 if np.isfinite(value) else None


EVENT_DECIMALS = 4
"""Decimals an event's return keeps, in percent (a ten-thousandth of a percent): the
events of every study ride in each Snapshot, and 17 digits apiece tripled their size."""


def _percents(fractions: np.ndarray) -> list[float | None]:
    """Fractions as percents (to EVENT_DECIMALS), None where not finite."""
    percents = np.round(fractions * 100.0, EVENT_DECIMALS)
    return [
        value if finite else None
        for value, finite in zip(percents.tolist(), np.isfinite(percents).tolist(), strict=True)
    ]


def _path(series: np.ndarray, positions: np.ndarray, headline: int) -> tuple[PathPoint, ...]:
    """The events' mean return k sessions after, against every session's, k = 1..headline
    (each over the sessions whose k sessions are reached and priced)."""
    count = series.size
    steps = np.arange(1, headline + 1)
    # The events' returns, one row per event, one column per k (NaN past the last session).
    ahead = positions[:, None] + steps[None, :]
    inside = ahead < count
    later = np.where(inside, series[np.minimum(ahead, count - 1)], np.nan)
    moves = later / series[positions][:, None] - 1.0
    priced = np.isfinite(moves)
    events = np.where(priced, moves, 0.0).sum(axis=0) / np.maximum(priced.sum(axis=0), 1)
    events[~priced.any(axis=0)] = np.nan
    points = []
    for k, mean in zip(steps.tolist(), events.tolist(), strict=True):
        base = np.nan
        if k < count:
            every = series[k:] / series[:-k] - 1.0
            every = every[np.isfinite(every)]
            base = every.mean() if every.size else np.nan
        points.append(PathPoint(sessions=k, mean_pct=_pct(mean), baseline_mean_pct=_pct(base)))
    return tuple(points)


def run_study(
    study: Study,
    readings: pd.DataFrame,
    prices: Mapping[str, pd.Series],
    settings: Settings,
    *,
    notes: Sequence[str] = (),
) -> StudyResult:
    """`study` over `readings` (index: the sessions; columns: readings named as
    `core.columns` names them, covering the sections `needed_sections` names), measuring
    the close series `prices` gives by symbol (`settings.symbols.<series>`); the last
    row of `readings` is today, and no price after it is read. `notes` are passed on
    (with any caveat found here: survivorship, unknown sessions, events without a
    price). Raises StudyError when a price series the study measures is not given."""
    sessions = _sessions(readings.index)
    count = len(sessions)
    table = Table.of_frame(readings)
    holds, known = condition_rule(study).evaluate_columns(table)
    holds = np.asarray(holds, dtype=bool) & known
    positions = event_positions(holds, study.cooldown)
    # The span: from the first session the condition is known (a series that starts
    # later, an indicator's warm-up), where events can be; the baseline is its sessions.
    first = int(np.argmax(known)) if known.any() else count
    series = measured(study, prices, settings, sessions) if count else np.empty(0)
    triggers = _readings_at(reading_rule(study), readings, positions)

    horizons: dict[str, HorizonStats] = {}
    returns: dict[int, np.ndarray] = {}
    falls: dict[int, np.ndarray] = {}
    for horizon in study.horizons:
        every = forward_returns(series, horizon)
        returns[horizon] = every[positions]
        falls[horizon] = deepest_falls(series, horizon, positions)
        pending = int(np.count_nonzero(positions + horizon >= count))
        horizons[str(horizon)] = horizon_stats(
            horizon,
            returns[horizon],
            every[first:],
            pending=pending,
            event_falls=falls[horizon],
            decline_pct=study.decline_pct,
        )
    days = sessions.to_numpy(dtype="datetime64[D]")[positions].tolist()
    keys = [str(horizon) for horizon in study.horizons]
    by_event = zip(
        *(_percents(returns[horizon]) for horizon in study.horizons),
        strict=True,
    )
    falls_by_event = zip(*(_percents(falls[horizon]) for horizon in study.horizons), strict=True)
    events = tuple(
        StudyEvent(
            date=day,
            reading=trigger,
            returns_pct=dict(zip(keys, gains, strict=True)),
            # Each event's fall only where the study is about falls (a TD sell 9 before a
            # 10 % correction): it doubles an event's size in every Snapshot.
            drawdown_pct={} if study.decline_pct is None else dict(zip(keys, drops, strict=True)),
        )
        for day, trigger, gains, drops in zip(days, triggers, by_event, falls_by_event, strict=True)
    )
    last = count - 1
    near_pct = None
    if study.near is not None and count:
        values, near_known = compile_rule(study.near, "value").evaluate_columns(
            Table.of_frame(readings.iloc[[last]])
        )
        near_pct = float(values[0]) if near_known[0] and np.isfinite(values[0]) else None
    found = [*notes, *_caveats(study, known[first:], positions, series)]
    return StudyResult(
        id=study.id,
        title=study.title,
        definition=study.definition,
        series=series_name(study, settings),
        span_from=sessions[first].date() if first < count else None,
        span_to=sessions[last].date() if count else None,
        headline=study.headline,
        cooldown=study.cooldown,
        decline_pct=study.decline_pct,
        horizons=horizons,
        events=events,
        active=bool(holds[last]) if count and known[last] else None,
        last_event=events[-1].date if events else None,
        within_cooldown=_held_within(holds, last, study.cooldown),
        near_pct=near_pct,
        path=_path(series[first:], positions - first, study.headline),
        notes=tuple(dict.fromkeys(found)),
    )


def _held_within(holds: np.ndarray, last: int, cooldown: int) -> bool:
    """Whether the condition held on one of the `cooldown` sessions up to `last` (today
    included): a setup still within its cool-down, whether or not it holds today."""
    held = np.flatnonzero(holds[: last + 1])
    return bool(held.size and last - held[-1] <= cooldown)


def _caveats(
    study: Study, known: np.ndarray, positions: np.ndarray, series: np.ndarray
) -> list[str]:
    """What the reader of the figures should know: survivorship when breadth is read,
    sessions of the span (`known`: from the first session the condition is known)
    whose condition is unknown, events whose series has no price."""
    from core.section import builtin

    registry = builtin()
    caveats = []
    if any(registry[key].needs_members for key in needed_sections([study])):
        caveats.append(SURVIVORSHIP)
    unknown = int(known.size - np.count_nonzero(known))
    if not known.size:
        caveats.append("the condition is known on no session")
    elif unknown:
        caveats.append(f"the condition is unknown on {unknown} of {known.size} sessions")
    overlapping = [horizon for horizon in study.horizons if horizon > max(study.cooldown, 1)]
    if overlapping:
        caveats.append(
            f"returns over {overlapping[0]} sessions or more overlap from one event to the"
            f" next (events are {study.cooldown} sessions apart at least) and from one"
            " baseline session to the next: the t and the 90 % interval there assume"
            " independent returns and overstate the confidence"
        )
    unpriced = int(np.count_nonzero(~np.isfinite(series[positions]))) if positions.size else 0
    if unpriced:
        events = "1 event has" if unpriced == 1 else f"{unpriced} events have"
        caveats.append(f"{events} no price for the series and count in no figure")
    return caveats
