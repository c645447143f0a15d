"""A study's result as `regime study` prints it: `text` (what the study is, a table of
its statistics per horizon against the baseline, its last events), `csv` (the
per-event table: date, the reading that triggered the event, the forward return at
each horizon) and `listing` (one line per study for `regime study --list`). The JSON
is the result model's own dump. Numbers are said through `core.format`; an event's
return is `pending` while its horizon is not reached, `unknown` when the series had no
price."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable, Mapping

from core.format import UNKNOWN, count, iso_date, number, pct, signed_number
from core.studies.result import HorizonStats, StudyEvent, StudyResult
from core.studies.study import Study

__all__ = ["LAST_EVENTS", "PENDING", "csv_text", "listing", "text"]

LAST_EVENTS = 10
"""Events the text shows, the latest (the CSV has them all)."""
PENDING = "pending"
WIDTH = 98
"""Columns the text's paragraphs wrap at (the statistics table is as wide)."""

_COLUMNS = (
    ("horizon", 7),
    ("n", 5),
    ("pending", 7),
    ("mean", 7),
    ("median", 7),
    ("up", 5),
    ("base", 6),
    ("base up", 7),
    ("edge", 7),
    ("t", 7),
    ("90% CI of edge", 16),
    ("worst", 7),
)
"""The statistics table's columns and widths (with a space between, under 100 columns)."""


def listing(studies: Mapping[str, Study]) -> str:
    """One line per study: id, title, headline horizon."""
    width = max((len(study_id) for study_id in studies), default=0)
    lines = [
        f"{study_id:<{width}}  {study.title} (headline {study.headline} sessions)"
        for study_id, study in studies.items()
    ]
    return "\n".join(lines)


def _signed(value: float | None, decimals: int = 2) -> str:
    """A return in the table, in percent without the sign (the footnote says so)."""
    return signed_number(value, decimals)


def _interval(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return UNKNOWN
    low, high = bounds
    return f"{_signed(low)} to {_signed(high)}"


def _row(stats: HorizonStats, decline: bool) -> list[str]:
    """A horizon's cells; with no event reached, its count and pending then words."""
    if stats.n == 0:
        baseline = (
            f"baseline {_signed(stats.baseline_mean_pct)}, "
            f"{number(stats.baseline_pct_positive, 0)} up"
        )
        return [f"{stats.sessions}", "0", count(stats.pending), f"no event; {baseline}"]
    cells = [
        f"{stats.sessions}",
        count(stats.n),
        count(stats.pending),
        _signed(stats.mean_pct),
        _signed(stats.median_pct),
        number(stats.pct_positive, 0),
        _signed(stats.baseline_mean_pct),
        number(stats.baseline_pct_positive, 0),
        _signed(stats.edge_pct),
        _signed(stats.t_stat, 1),
        _interval(stats.ci90_pct),
        _signed(stats.worst_drawdown_pct, 1),
    ]
    if decline:
        cells.append(number(stats.pct_beyond_decline, 0))
    return cells


def _table(header: Iterable[tuple[str, int]], rows: Iterable[list[str]]) -> list[str]:
    widths = [width for _, width in header]
    lines = [" ".join(f"{name:>{width}}" for name, width in header)]
    for row in rows:
        *cells, last = row
        padded = [f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=False)]
        # A short row's last cell is words, left to run on.
        last = f"{last:>{widths[len(cells)]}}" if len(row) == len(widths) else f"  {last}"
        lines.append(" ".join([*padded, last]))
    return lines


def pending_for(result: StudyResult, number: int, horizon: str) -> bool:
    """Whether event `number` (its position in `result.events`) has not reached
    `horizon`: the pending events of a horizon are always its latest."""
    stats = result.horizons.get(horizon)
    return stats is not None and number >= len(result.events) - stats.pending


def _reading(value: float | int | bool | str | None) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number(value, 0 if value.is_integer() else 2)
    return str(value)


def _return(result: StudyResult, number: int, event: StudyEvent, horizon: str) -> str:
    if pending_for(result, number, horizon):
        return PENDING
    return _signed(event.returns_pct.get(horizon), 1)


def text(result: StudyResult) -> str:
    """The study, its statistics per horizon and its last events, as lines of text
    (with the share of events that fell past the study's `decline_pct`, if it sets one)."""
    decline_pct = result.decline_pct
    span = f"{iso_date(result.span_from)} to {iso_date(result.span_to)}"
    active = {True: "active", False: "not active", None: "unknown"}[result.active]
    last = f"last event {iso_date(result.last_event)}" if result.last_event else "no event"
    if result.within_cooldown:
        last += f" (within the {result.cooldown}-session cool-down)"
    near = "" if result.near_pct is None else f"; {pct(result.near_pct)} from triggering"
    lines = [
        f"{result.id}: {result.title}",
        *textwrap.wrap(result.definition, WIDTH),
        f"Measures: {result.series}, {span}",
        f"Events: {len(result.events)} (cool-down {result.cooldown} sessions); "
        f"headline horizon {result.headline} sessions",
        f"On {iso_date(result.span_to)}: {active}; {last}{near}",
        "",
    ]
    decline = decline_pct is not None
    header = list(_COLUMNS)
    if decline:
        header.append((f"past -{decline_pct:g}", 9))
    rows = [_row(stats, decline) for stats in result.horizons.values()]
    lines += _table(header, rows)
    footnote = (
        "Horizon in sessions; returns in % (mean, median, base: the baseline, every session "
        "of the span); up: % of them positive; edge: mean - baseline, with Welch's t and a "
        "bootstrap 90% interval; worst: the deepest fall within the horizon after an "
        "event, in %"
        + (f"; past -{decline_pct:g}: % of events that fell further." if decline else ".")
    )
    lines += textwrap.wrap(footnote, WIDTH)
    horizons = list(result.horizons)
    shown = list(enumerate(result.events))[-LAST_EVENTS:]
    if shown:
        lines += [
            "",
            f"Last {len(shown)} of {len(result.events)} events "
            "(return in % after each, by horizon in sessions):",
        ]
        event_header = [("date", 10), ("reading", 12), *((h, 8) for h in horizons)]
        event_rows = [
            [
                event.date.isoformat(),
                _reading(event.reading)[:12],
                *(_return(result, number, event, h) for h in horizons),
            ]
            for number, event in shown
        ]
        lines += _table(event_header, event_rows)
    if result.notes:
        lines.append("")
        for note in result.notes:
            lines += textwrap.wrap(f"Note: {note}", WIDTH, subsequent_indent="  ")
    return "\n".join(lines)


def csv_text(result: StudyResult) -> str:
    """Every event: `date`, `reading`, then `returns_pct.<horizon>` for each horizon in
    percent (empty while pending or without a price)."""
    horizons = list(result.horizons)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "reading", *(f"returns_pct.{h}" for h in horizons)])
    for event in result.events:
        returns = ("" if (value := event.returns_pct.get(h)) is None else value for h in horizons)
        reading = "" if event.reading is None else event.reading
        writer.writerow([event.date.isoformat(), reading, *returns])
    return out.getvalue()
