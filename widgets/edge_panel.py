"""The Edge panel: what happened after setups like today's (issue 11), from the studies
the edge section ran over the whole history. On the dashboard, one line for each
active study: the setup, `today` when its condition holds on the session or the date
of its last event when it is within its cool-down (the title then muted), the mean
forward return at its headline horizon against every session's over the same span
(`+1.49% vs +0.83% (21d)`), the hit rate (% of events up) and n; when none is active,
"no setup active" and the setups nearest to triggering with how far each is. The top
border says the session the studies are as of and where their history starts; a line
under the studies gives any note (a breadth study reads today's members:
survivorship). The detail view (`detailed=True`) lists
every study, active ones first, in a chooser (↑ ↓, Tab), and for the chosen one its
definition, its statistics per horizon (n, mean, median, % up, baseline, edge, t, 90 %
interval, worst fall, pending), the distribution of its events' returns at the
headline horizon as a histogram, the average path after its events against the
baseline's, and every event with its reading and each horizon's return ("pending"
until reached). With no study run every reading is "unknown" and the why-line says
why, never 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from core import format as fmt
from widgets import look
from widgets.chart_slot import ChartSlot
from widgets.fit_line import FitLine
from widgets.panel import Panel, value_cell
from widgets.ranked_table import RankedTable
from widgets.study_chooser import StudyChooser, StudyOption
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.edge import EdgeSection
    from core.studies.result import HorizonStats, StudyEvent, StudyResult
    from widgets.edge_path_chart import EdgePathChart
    from widgets.return_histogram import ReturnHistogram
    from widgets.table import Row

PENDING = "pending"
"""An event's return while its horizon is not reached yet."""
TODAY = "today"
"""The mark of a study whose condition holds on the session."""
COOLDOWN_STYLE = "$text-muted italic"
"""How a study within its cool-down (not holding today) is written."""


# -- words for the numbers --------------------------------------------------------------


def horizon_label(sessions: int) -> str:
    """A horizon in sessions, briefly: `21d`."""
    return f"{sessions}d"


def headline_stats(result: StudyResult) -> HorizonStats | None:
    """The statistics at the study's headline horizon, if it has them."""
    return result.horizons.get(str(result.headline))


def by_id(section: EdgeSection) -> dict[str, StudyResult]:
    """The section's studies by id."""
    return {result.id: result for result in section.studies}


def holds_today(result: StudyResult) -> bool:
    """Whether the condition holds on the session (else, if active, it is within its
    cool-down after an event)."""
    return result.active is True


def when_cell(result: StudyResult) -> Content:
    """`today` when the condition holds on the session, else the last event's date
    (`Jan 22`) when within the cool-down."""
    if holds_today(result):
        return Content.styled(TODAY, "bold $text-accent")
    if result.within_cooldown and result.last_event is not None:
        return Content.styled(fmt.short_date(result.last_event), COOLDOWN_STYLE)
    return Content("")


def mean_cell(stats: HorizonStats | None) -> Content:
    """The events' mean return (`+1.49%`), bold, toned by whether it beats the
    baseline's."""
    mean = None if stats is None else fmt.finite(stats.mean_pct)
    base = None if stats is None else fmt.finite(stats.baseline_mean_pct)
    tone = "" if mean is None or base is None else look.tone(mean - base)
    return value_cell(fmt.signed_pct(mean), f"bold {tone}".strip())


def base_cell(stats: HorizonStats | None) -> Content:
    """The baseline's mean return over the same span: `vs +0.83%`."""
    base = None if stats is None else stats.baseline_mean_pct
    return Content.assemble(("vs ", "$text-muted"), value_cell(fmt.signed_pct(base)))


def hit_cell(stats: HorizonStats | None) -> Content:
    """The hit rate: `73% up`."""
    known = None if stats is None else fmt.finite(stats.pct_positive)
    if known is None:
        return value_cell(fmt.UNKNOWN)
    return Content.assemble(fmt.pct(known, 0), (" up", "$text-muted"))


def n_cell(stats: HorizonStats | None) -> Content:
    """The events counted at the horizon: `n 48`."""
    return Content.assemble(("n ", "$text-muted"), fmt.count(None if stats is None else stats.n))


def title_cell(result: StudyResult) -> Content:
    """The setup's name: muted when the study is within its cool-down rather than
    holding on the session."""
    return Content.styled(result.title, "" if holds_today(result) else COOLDOWN_STYLE)


def active_rows(section: EdgeSection) -> tuple[Row, ...]:
    """One row per active study: setup, when, mean, `vs` the baseline, horizon, hit
    rate, n (when, the horizon, the hit rate and n are shown whole or not at all on a
    narrow panel: n goes first, `when` last, its mark then the muted title alone)."""
    studies = by_id(section)
    rows: list[Row] = []
    for study_id in section.active:
        result = studies.get(study_id)
        if result is None:
            continue
        stats = headline_stats(result)
        rows.append(
            (
                title_cell(result),
                when_cell(result),
                mean_cell(stats),
                base_cell(stats),
                Content.styled(f"({horizon_label(result.headline)})", "$text-muted"),
                hit_cell(stats),
                n_cell(stats),
            )
        )
    return tuple(rows)


def away(near: float | None) -> Content:
    """How far a study is from triggering: `0.31% away`."""
    known = fmt.finite(near)
    if known is None:
        return value_cell(fmt.UNKNOWN)
    return Content.assemble(fmt.pct(known, 2), (" away", "$text-muted"))


def nearest_rows(section: EdgeSection) -> tuple[Row, ...]:
    """The studies nearest to triggering, nearest first."""
    studies = by_id(section)
    return tuple(
        (
            Content(result.title),
            Content(""),
            away(result.near_pct),
            Content(""),
            Content(""),
            Content(""),
            Content(""),
        )
        for result in (studies.get(study_id) for study_id in section.nearest)
        if result is not None
    )


def headline(section: EdgeSection) -> tuple[Content, ...]:
    """The line over the studies when none is active (or none was run), longest first."""
    if section.session is None and not section.studies:
        return (Content.styled(f"edge {fmt.UNKNOWN}", "$text-muted italic"),)
    if section.active:
        count = len(section.active)
        return (Content.styled(f"{count} setup{'s' if count > 1 else ''} active", "bold"),)
    if not section.studies:
        return (Content.styled("no study run", "$text-muted italic"),)
    plain = Content.styled("No setup active", "bold")
    if not section.nearest:
        return (plain,)
    return (plain + Content.styled(" · nearest to triggering:", "$text-muted"), plain)


def shown_notes(section: EdgeSection) -> list[str]:
    """The notes of the studies the dashboard lists (active, else nearest), once each."""
    studies = by_id(section)
    ids = section.active or section.nearest
    notes: dict[str, None] = {}
    for study_id in ids:
        result = studies.get(study_id)
        if result is not None:
            notes.update(dict.fromkeys(result.notes))
    return list(notes)


def title(section: EdgeSection) -> str:
    """The panel's top border: its name, the session the studies are as of and where
    their history starts (`Historical edge · as of Jan 28 · since 1928`)."""
    parts = [EdgePanel.PANEL_TITLE]
    if section.session is not None:
        parts.append(f"as of {fmt.short_date(section.session)}")
        if section.span_from is not None:
            parts.append(f"since {section.span_from.year}")
    return " · ".join(parts)


def note_line(section: EdgeSection) -> tuple[Content, ...]:
    """The caveats of the studies listed (survivorship...), in the warning colour: in
    full where they fit, else a pointer to the detail view, which lists them all."""
    notes = shown_notes(section)
    if not notes:
        return ()
    count = f"{len(notes)} note{'s' if len(notes) > 1 else ''}"
    return tuple(
        Content.styled(variant, "$text-warning")
        for variant in (f"Note: {'; '.join(notes)}", f"{count}: see the detail (8)", count)
    )


def as_of_line(section: EdgeSection) -> tuple[Content, ...]:
    """When the studies are from and the history they read, longest first: `as of
    2026-01-28 · history from 1928-01-03`, down to `as of Jan 28`."""
    muted = "$text-muted"
    if section.session is None:
        return (Content.styled(f"studies {fmt.UNKNOWN}", f"{muted} italic"),)
    long_from = f" · history from {fmt.iso_date(section.span_from)}" if section.span_from else ""
    short_from = f" · since {section.span_from.year}" if section.span_from else ""
    full = f"as of {fmt.iso_date(section.session)}"
    short = f"as of {fmt.short_date(section.session)}"
    variants = [full + long_from, full + short_from, short + short_from, short]
    return tuple(Content.styled(variant, muted) for variant in variants)


# -- the detail view ---------------------------------------------------------------------


def ordered(section: EdgeSection) -> list[StudyResult]:
    """Every study, the active ones first (in the section's order), then the others."""
    studies = by_id(section)
    first = [studies[study_id] for study_id in section.active if study_id in studies]
    chosen = {result.id for result in first}
    return first + [result for result in section.studies if result.id not in chosen]


def options(section: EdgeSection) -> tuple[StudyOption, ...]:
    """The chooser's lines: each study with `today` or its cool-down date."""
    active = set(section.active)
    lines: list[StudyOption] = []
    for result in ordered(section):
        tag, style = "", ""
        if result.id in active:
            if holds_today(result):
                tag, style = TODAY, "bold $text-accent"
            elif result.last_event is not None:
                tag, style = fmt.short_date(result.last_event), COOLDOWN_STYLE
        lines.append(StudyOption(result.id, result.title, tag, style))
    return tuple(lines)


def state_line(result: StudyResult) -> tuple[Content, ...]:
    """What the study says of the session, longest first: `Holds on 2026-01-28 · last
    event 2026-01-06 · in cool-down (21 sessions)`, then `· 0.31% from triggering`
    for one that does not hold."""
    session = fmt.iso_date(result.span_to)
    if result.active is None:
        now = Content.styled(f"Unknown on {session}", "$text-muted italic")
    elif result.active:
        now = Content.styled(f"Holds on {session}", "bold $text-accent")
    else:
        now = Content.styled(f"Not holding on {session}", "bold")
    parts = [now]
    if result.last_event is not None:
        parts.append(Content(f"last event {fmt.iso_date(result.last_event)}"))
    else:
        parts.append(Content.styled("no event", "$text-muted"))
    if result.within_cooldown:
        parts.append(Content(f"in cool-down ({result.cooldown} sessions)"))
    if not result.active and fmt.finite(result.near_pct) is not None:
        parts.append(Content(f"{fmt.pct(result.near_pct, 2)} from triggering"))
    gap = Content.styled(" · ", "$text-muted")
    return tuple(gap.join(parts[:count]) for count in range(len(parts), 0, -1))


def span_line(result: StudyResult) -> str:
    """What is measured over which sessions: `S&P 500 · 1928-01-03 to 2026-01-28 ·
    51 events, 21 sessions apart at least`."""
    return (
        f"{result.series} · {fmt.iso_date(result.span_from)} to {fmt.iso_date(result.span_to)}"
        f" · {fmt.count(len(result.events))} events, at least {result.cooldown} sessions apart"
    )


def has_decline(result: StudyResult) -> bool:
    """Whether the study counts the events whose fall passed its decline."""
    return any(stats.pct_beyond_decline is not None for stats in result.horizons.values())


HORIZONS_DROP_ORDER = (6, 3, 11, 12)
"""The horizons table's optional columns, the first to give way on a narrow screen first:
the baseline's hit rate, the median, then the worst fall and the deep-fall share."""
HORIZONS_LEGEND = (
    "Returns in %; up: the share of events with a gain; all: every session of the span; "
    "edge: mean − all, with Welch's t and a bootstrap 90% interval; worst: the deepest "
    "fall within the horizon after an event"
)
"""What the horizons table's columns mean, under it."""
DEEP_FALLS = "; deep falls: the share of events whose fall went past the study's decline"


def horizon_columns(result: StudyResult) -> tuple[Column, ...]:
    """The horizons table's columns (the median, the baseline's hit rate, the worst
    fall and the deep-fall share optional: see HORIZONS_DROP_ORDER)."""
    columns = [
        Column("Horizon"),
        Column("n", justify="right"),
        Column("Mean", justify="right"),
        Column("Median", justify="right", optional=True),
        Column("Up", justify="right"),
        Column("All", justify="right"),
        Column("All up", justify="right", optional=True),
        Column("Edge", justify="right"),
        Column("t", justify="right"),
        Column("90% interval", justify="right"),
        Column("Pending", justify="right"),
        Column("Worst", justify="right", optional=True),
    ]
    if has_decline(result):
        columns.append(Column("Deep falls", justify="right", optional=True))
    return tuple(columns)


def interval(bounds: tuple[float, float] | None) -> Content:
    """A 90 % interval of the edge, in percent: `-0.41 … +1.73`."""
    if bounds is None:
        return value_cell(fmt.UNKNOWN)
    low, high = bounds
    if fmt.finite(low) is None or fmt.finite(high) is None:
        return value_cell(fmt.UNKNOWN)
    return Content.assemble(fmt.signed_number(low), (" … ", "$text-muted"), fmt.signed_number(high))


def pct_cell(value: float | None, *, toned: bool = False, bold: bool = False) -> Content:
    """A return in a table whose caption says %, signed: `+1.49`."""
    style = " ".join(part for part in ("bold" if bold else "", look.tone(value) if toned else ""))
    return value_cell(fmt.signed_number(value), style.strip())


def horizon_rows(result: StudyResult) -> tuple[Row, ...]:
    """One row per horizon, ascending; the headline's in bold."""
    decline = has_decline(result)
    rows: list[Row] = []
    for key in sorted(result.horizons, key=int):
        stats = result.horizons[key]
        bold = stats.sessions == result.headline
        label = horizon_label(stats.sessions) + (" ▶" if bold else "")
        row: list[Content] = [
            Content.styled(label, "bold" if bold else ""),
            value_cell(fmt.count(stats.n)),
            pct_cell(stats.mean_pct, bold=bold),
            pct_cell(stats.median_pct),
            value_cell(fmt.pct(stats.pct_positive, 0)),
            pct_cell(stats.baseline_mean_pct),
            value_cell(fmt.pct(stats.baseline_pct_positive, 0)),
            pct_cell(stats.edge_pct, toned=True, bold=bold),
            value_cell(fmt.signed_number(stats.t_stat, 2)),
            interval(stats.ci90_pct),
            value_cell(fmt.count(stats.pending)),
            pct_cell(stats.worst_drawdown_pct, toned=True),
        ]
        if decline:
            row.append(value_cell(fmt.pct(stats.pct_beyond_decline, 0)))
        rows.append(tuple(row))
    return tuple(rows)


def horizon_keys(result: StudyResult) -> list[str]:
    """The study's horizons as keys ("5", "10", ...), ascending."""
    return sorted(result.horizons, key=int)


def is_pending(result: StudyResult, number: int, key: str) -> bool:
    """Whether event `number` (its place in `result.events`) has not reached horizon
    `key`: a horizon's pending events are always the latest."""
    stats = result.horizons.get(key)
    return stats is not None and number >= len(result.events) - stats.pending


def reading_text(value: float | int | bool | str | None) -> str:
    """An event's reading: `7,000.00`, `9`, `yes`, `bearish`, `unknown`."""
    if value is None:
        return fmt.UNKNOWN
    if isinstance(value, bool):
        return fmt.yes_no(value)
    if isinstance(value, float):
        return fmt.number(value, 2)
    return str(value)


def event_columns(result: StudyResult) -> tuple[Column, ...]:
    """Date, reading, then one column per horizon."""
    return (
        Column("Date"),
        Column("Reading", justify="right"),
        *(Column(horizon_label(int(key)), justify="right") for key in horizon_keys(result)),
    )


def event_cell(result: StudyResult, number: int, event: StudyEvent, key: str) -> Content:
    """An event's return at a horizon in percent: `+2.41`, `pending`, or `unknown` (no
    price)."""
    if is_pending(result, number, key):
        return Content.styled(PENDING, "$text-muted italic")
    value = event.returns_pct.get(key)
    return value_cell(fmt.signed_number(value), look.tone(value))


def event_rows(result: StudyResult) -> tuple[Row, ...]:
    """Every event, the latest first."""
    keys = horizon_keys(result)
    return tuple(
        (
            fmt.iso_date(event.date),
            value_cell(reading_text(event.reading)),
            *(event_cell(result, number, event, key) for key in keys),
        )
        for number, event in reversed(list(enumerate(result.events)))
    )


def headline_returns(result: StudyResult) -> tuple[float | None, ...]:
    """Each event's return at the headline horizon (None while pending)."""
    key = str(result.headline)
    return tuple(event.returns_pct.get(key) for event in result.events)


def distribution_caption(result: StudyResult) -> Content:
    """What the histogram shows: `21d returns, n 48: mean vs all`."""
    stats = headline_stats(result)
    n = fmt.count(None if stats is None else stats.n)
    return Content.assemble(
        f"{horizon_label(result.headline)} returns, n {n}: ",
        ("mean", "$primary"),
        " vs ",
        ("all", "$text-muted"),
    )


def path_caption(result: StudyResult) -> Content:
    """What the path chart shows: `Average path: events vs all`."""
    return Content.assemble(
        "Average path: ",
        ("events", "$primary"),
        " vs ",
        ("all", "$text-muted"),
    )


def summary_line(section: EdgeSection) -> tuple[Content, ...]:
    """The detail view's top line: how many studies are active, then `as_of_line`."""
    count = Content.styled(
        f"{len(section.active)} of {len(section.studies)} studies active", "bold"
    )
    gap = Content.styled(" · ", "$text-muted")
    dates = as_of_line(section)
    if section.session is None:
        return dates
    return (*(count + gap + variant for variant in dates), *dates)


# -- the panel ---------------------------------------------------------------------------


class EdgePanel(Panel):
    """What happened after the setups active today (see the module docstring)."""

    DEFAULT_CSS = """
    EdgePanel {
        & > .edge--headline, & > .edge--studies, & > .edge--note, & > .edge--asof,
        & > .edge--main {
            display: none;
        }
        &.-ready > .edge--studies, &.-ready > .edge--asof, &.-ready > .edge--main {
            display: block;
        }
        &.-ready.-headline > .edge--headline, &.-ready.-noted > .edge--note {
            display: block;
        }
        & > .edge--note { height: 1; }
        & > .edge--studies {
            width: auto;
            max-width: 100%;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & .edge--caption { color: $text-muted; height: 1; text-wrap: nowrap; }
        &.-detailed {
            & > .edge--main { height: auto; }
            & .edge--chooser-box { width: 32; height: auto; margin-right: 2; }
            & .edge--study { width: 1fr; height: auto; }
            & .edge--title { text-style: bold; }
            & .edge--definition { margin-top: 1; }
            & .edge--notes { color: $text-warning; }
            & .edge--legend { color: $text-muted; }
            & .edge--horizons, & .edge--events { margin-top: 1; }
            & .edge--table-box { height: auto; }
            & .edge--charts { height: 15; margin-top: 1; }
            & .edge--chart-box { width: 1fr; height: 1fr; }
            & .edge--histogram-box { margin-right: 2; }
            & .edge--histogram, & .edge--path { height: 1fr; }
            & .edge--events-caption { margin-top: 1; }
        }
    }
    """

    PANEL_TITLE = "Historical edge"
    SECTION = "edge"
    POSITION = 8
    PANEL_NAME = "edge"
    MEANING = (
        "What happened after setups like today's: for each study whose condition holds "
        "(or fired within its cool-down), n, its mean forward return against every "
        "session's over the same span, and how often it was up; the nearest setups when "
        "none is active."
    )
    EMPHASISED_IN = frozenset({"bull", "bear"})

    section: reactive[EdgeSection | None] = reactive(None, repaint=False)
    """The edge section of the latest Snapshot."""

    def __init__(
        self,
        *,
        detailed: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(detailed=detailed, name=name, id=id, classes=classes)
        self._histogram: ReturnHistogram | None = None
        self._path: EdgePathChart | None = None

    def compose_body(self) -> ComposeResult:
        if not self.detailed:
            yield FitLine(classes="edge--headline")
            yield ValueTable(
                Column(flex=True, min_width=12),
                Column(optional=True),
                Column(justify="right"),
                Column(justify="right"),
                Column(justify="right", optional=True),
                Column(justify="right", optional=True),
                Column(justify="right", optional=True),
                show_header=False,
                classes="edge--studies",
            )
            yield FitLine(classes="edge--note")
            return
        yield FitLine(classes="edge--asof")
        with Horizontal(classes="edge--main"):
            with Vertical(classes="edge--chooser-box"):
                yield Static("Studies (Tab or the arrows)", classes="edge--caption")
                yield StudyChooser(classes="edge--chooser")
            with Vertical(classes="edge--study"):
                yield FitLine(classes="edge--title")
                yield FitLine(classes="edge--state")
                yield FitLine(classes="edge--span")
                yield Static("", classes="edge--definition", markup=False)
                yield Static("", classes="edge--notes", markup=False)
                yield Vertical(classes="edge--table-box edge--horizons-box")
                yield Static("", classes="edge--legend", markup=False)
                with Horizontal(classes="edge--charts"):
                    with Vertical(classes="edge--chart-box edge--histogram-box"):
                        yield Static("", classes="edge--caption edge--histogram-caption")
                        yield ChartSlot(classes="edge--histogram")
                    with Vertical(classes="edge--chart-box edge--path-box"):
                        yield Static("", classes="edge--caption edge--path-caption")
                        yield ChartSlot(classes="edge--path")
                yield Static(
                    "Events, latest first: the reading, then the return (%) by horizon",
                    classes="edge--caption edge--events-caption",
                )
                yield Vertical(classes="edge--table-box edge--events-box")

    def on_mount(self) -> None:
        super().on_mount()
        if self.detailed:
            self.call_after_refresh(self._mount_charts)

    async def _mount_charts(self) -> None:
        """Import plotext and put both charts in their slots (detail view only)."""
        from widgets.edge_path_chart import EdgePathChart
        from widgets.return_histogram import ReturnHistogram

        histogram, path = ReturnHistogram(), EdgePathChart()
        self._histogram, self._path = histogram, path
        self._show_charts()
        await self.query_one(".edge--histogram", ChartSlot).fill(histogram)
        await self.query_one(".edge--path", ChartSlot).fill(path)

    @property
    def histogram(self) -> ReturnHistogram | None:
        """The distribution chart (detail view only, once mounted)."""
        return self._histogram

    @property
    def path_chart(self) -> EdgePathChart | None:
        """The average-path chart (detail view only, once mounted)."""
        return self._path

    @property
    def chooser(self) -> StudyChooser:
        """The list of studies (detail view only)."""
        return self.query_one(StudyChooser)

    @property
    def studies(self) -> ValueTable:
        """The active (or nearest) studies (dashboard only)."""
        return self.query_one(".edge--studies", ValueTable)

    def chosen(self) -> StudyResult | None:
        """The study the detail view shows."""
        if self.section is None or not self.detailed:
            return None
        return by_id(self.section).get(self.chooser.chosen or "")

    def watch_section(self, section: EdgeSection | None) -> None:
        if section is None:
            return
        self.show_title(title(section))
        if self.detailed:
            self.query_one(".edge--asof", FitLine).variants = summary_line(section)
            self.chooser.options = options(section)
            self._show_study()
            if not self.has_class("-ready"):
                # The chooser took the focus before there was anything to show, and
                # the scroll that brought it into view would hide the top lines.
                self.call_after_refresh(self.scroll_home, animate=False)
        else:
            lines = headline(section)
            self.query_one(".edge--headline", FitLine).variants = lines
            self.set_class(not section.active, "-headline")
            self.studies.rows = active_rows(section) if section.active else nearest_rows(section)
            notes = note_line(section)
            self.query_one(".edge--note", FitLine).variants = notes
            self.set_class(bool(notes), "-noted")
        self.set_class(not self.awaiting(section.status), "-ready")
        self.status = section.status

    @on(StudyChooser.Changed)
    def _chosen(self, event: StudyChooser.Changed) -> None:
        event.stop()
        self._show_study()

    def _show_study(self) -> None:
        """Show the chosen study in the detail view."""
        result = self.chosen()
        box = self.query_one(".edge--study", Vertical)
        box.display = result is not None
        if result is None:
            return
        self.query_one(".edge--title", FitLine).variants = (
            Content.assemble(
                (result.title, "bold"), (" · ", "$text-muted"), (result.id, "$text-muted")
            ),
            Content.styled(result.title, "bold"),
        )
        self.query_one(".edge--state", FitLine).variants = state_line(result)
        self.query_one(".edge--span", FitLine).variants = (
            Content.styled(span_line(result), "$text-muted"),
        )
        self.query_one(".edge--definition", Static).update(result.definition)
        notes = self.query_one(".edge--notes", Static)
        notes.update("\n".join(f"Note: {note}" for note in result.notes))
        notes.display = bool(result.notes)
        self._replace_table(
            ".edge--horizons-box",
            RankedTable(*horizon_columns(result), drop_order=HORIZONS_DROP_ORDER),
            horizon_rows(result),
            "edge--horizons",
        )
        legend = HORIZONS_LEGEND + (DEEP_FALLS if has_decline(result) else "") + "."
        self.query_one(".edge--legend", Static).update(legend)
        self._replace_table(
            ".edge--events-box",
            ValueTable(*event_columns(result)),
            event_rows(result),
            "edge--events",
        )
        self.query_one(".edge--histogram-caption", Static).update(distribution_caption(result))
        self.query_one(".edge--path-caption", Static).update(path_caption(result))
        self._show_charts()

    def _replace_table(
        self, box: str, table: ValueTable, rows: tuple[Row, ...], classes: str
    ) -> None:
        """Fill the table in `box` with `rows`; `table` (new, unmounted) takes the place
        of the one there only when the study's columns differ."""
        holder = self.query_one(box, Vertical)
        shown = holder.query(ValueTable)
        if shown and shown.first().columns == table.columns:
            shown.first().rows = rows
            return
        table.add_class(classes)
        table.rows = rows
        holder.remove_children()
        holder.mount(table)

    def _show_charts(self) -> None:
        result = self.chosen()
        if result is None:
            return
        stats = headline_stats(result)
        if self._histogram is not None:
            self._histogram.returns = headline_returns(result)
            self._histogram.mean = None if stats is None else stats.mean_pct
            self._histogram.baseline = None if stats is None else stats.baseline_mean_pct
        if self._path is not None:
            self._path.path = result.path
