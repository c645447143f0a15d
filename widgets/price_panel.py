"""The price panel: the index's last price and day's change; a line of badges with the
TD Sequential count, the EMA stack and the Bollinger/Keltner band state; a chart of the
closes with every key level drawn as a labelled line (a range as a band) and the two
pivots of an active RSI divergence marked; and a table of the levels (milestones,
moving averages, the user's own levels and bands) sorted by value with the price's
distance from each in percent, the last price slotted in among them. The dashboard
charts the last 120 sessions; the detail view (`detailed=True`) charts the whole year,
larger, and adds the numbers behind the badges (TD setup, countdown, perfection and
TDST levels, band positions, the nearest milestone). In place of the daily chart the
panel shows the session's 5-minute bars (widgets/intraday_chart.py, the Snapshot's
intraday section, read only if the Snapshot has one): by default during the session
(pre-market, regular and after hours), the daily chart outside it; `i` switches, and
the choice holds, on the dashboard and in the detail alike, until the market's phase
changes (`i` is offered only when there are bars or the session is on). While the
bars are drawn the panel's freshness is theirs and says how far they lag
(`5m bars · 16m delayed · DELAYED · Jan 28 14:30`), and `bar in progress` while the
last bar is still forming. A close of zero or below is not
shown as a price: it reads `invalid (…)`, with the day's change and the levels'
distances `unknown`. The charts (plotext) are imported and mounted only after the
first paint, so they cost nothing before the shell is on screen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar
from weakref import WeakKeyDictionary

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from core import format as fmt
from widgets import look
from widgets.chart_slot import ChartSlot, window
from widgets.fit_line import BadgeLine
from widgets.panel import Panel, value_cell
from widgets.repaint import TextLine
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from textual.app import App, ComposeResult

    from core.sections.intraday import IntradaySection
    from core.sections.price import BandState, Level, PriceSection, TDState
    from core.sections.rsi import Divergence
    from core.snapshot import PanelStatus, Phase, Snapshot
    from widgets.intraday_chart import IntradayChart
    from widgets.price_chart import PriceChart
    from widgets.table import Row

SESSION_PHASES: frozenset[str] = frozenset({"pre", "regular", "post"})
"""The market phases in which the panel shows the session's bars by default."""


@dataclass
class ChartChoice:
    """Which chart the price panels of one app show: the user's pick (None: the
    phase's default) and the market phase it was made in (a new phase forgets it)."""

    phase: str | None = None
    intraday: bool | None = None

    def shows_intraday(self, phase: str | None) -> bool:
        """Whether to show the session's bars in `phase` (forgetting a pick made in
        another phase)."""
        if phase != self.phase:
            self.phase, self.intraday = phase, None
        return phase in SESSION_PHASES if self.intraday is None else self.intraday


CHOICES: WeakKeyDictionary[App[object], ChartChoice] = WeakKeyDictionary()
"""Each app's chart choice, shared by its dashboard's price panel and the detail's."""


def intraday_offered(intraday: IntradaySection | None, phase: str | None) -> bool:
    """Whether the session's bars can be shown: the Snapshot has the intraday section,
    and there are bars, or the session is on (when its chart says why there are none)."""
    return intraday is not None and (bool(intraday.times) or phase in SESSION_PHASES)


def bars_freshness(intraday: IntradaySection, freshness: str) -> str:
    """The panel's freshness line over the intraday bars: their length and how far the
    last lags, before the state and time: `5m bars · 16m delayed · DELAYED · Jan 28 14:30`;
    `bar in progress` when the last bar has not ended yet."""
    parts = [f"{intraday.interval_minutes}m bars"]
    delay = fmt.finite(intraday.delay_minutes)
    if delay is not None and delay >= 1:
        parts.append(f"{fmt.age(timedelta(minutes=delay))} delayed")
    if intraday.last_bar_partial is True:
        parts.append("bar in progress")
    return " · ".join([*parts, freshness])


def is_price(value: float | None) -> bool:
    """Whether a close can be a price: a finite number above zero."""
    known = fmt.finite(value)
    return known is not None and known > 0


def price_text(value: float | None) -> tuple[str, str]:
    """A close and its style: the price, `unknown`, or `invalid (-6,798.40)` for a
    number that cannot be a price (zero or below), so it never reads as one."""
    if fmt.finite(value) is None:
        return fmt.UNKNOWN, "$text-muted italic"
    if not is_price(value):
        return f"invalid ({fmt.price(value)})", "$text-error"
    return fmt.price(value), ""


def day_move(section: PriceSection) -> float | None:
    """The day's change in percent: the Snapshot's, else worked out from the two
    closes; None when either close is there but is not a price (the change of a
    close of 0 or below is no change at all)."""
    last, prev = section.last, section.prev_close
    if any(close is not None and not is_price(close) for close in (last, prev)):
        return None
    move = fmt.finite(section.change_pct)
    if move is None and last is not None and prev is not None:
        move = (last / prev - 1) * 100
    return move


def headline(section: PriceSection) -> Content:
    """Last price and the day's change: `6,978.03  +12.40 (+0.18%)  prev 6,965.63`; a
    close that is not a price reads `invalid (…)` and the change `unknown`."""
    move = day_move(section)
    last, last_style = price_text(section.last)
    prev, prev_style = price_text(section.prev_close)
    change = fmt.UNKNOWN if move is None else fmt.day_change(section.last, section.prev_close, move)
    arrow = "" if move is None or move == 0 else "▲ " if move > 0 else "▼ "
    return Content.assemble(
        (last, "bold" if is_price(section.last) else last_style),
        "  ",
        (arrow + change, look.tone(move)),
        "  ",
        (f"prev {prev}", prev_style or "$text-muted"),
    )


def td_badge(td: TDState) -> Content:
    """The TD Sequential count: `TD sell 7/9`, `TD buy 9/9 · CD 4/13`; a completed 9
    or 13 is emphasised (it is the exhaustion signal)."""
    if td.setup_direction is None or not td.setup_count:
        if td.setup_count == 0:
            text = "TD no setup"
        else:
            return Content.styled(f"TD {fmt.UNKNOWN}", "$text-muted italic")
    else:
        text = f"TD {td.setup_direction} {td.setup_count}/9"
    if td.countdown:
        text += f" · CD {td.countdown}/13"
    done = td.setup_count == 9 or td.countdown == 13
    return Content.styled(text, "bold reverse $warning" if done else "bold")


def stack_badge(stack: str | None) -> Content:
    """The EMA stack: `EMA stack bullish` (green), `bearish` (red) or `mixed`."""
    if stack is None:
        return Content.assemble(("EMA stack ", "$text-muted"), (fmt.UNKNOWN, "$text-muted italic"))
    tone = {"bullish": "$text-success", "bearish": "$text-error"}.get(stack, "")
    return Content.assemble(("EMA stack ", "$text-muted"), (stack, tone))


def band_badge(bands: BandState) -> Content:
    """The band state: `%B 55 · widening`, `%B 12 · squeeze`."""
    parts: list[tuple[str, str]] = [("%B ", "$text-muted")]
    position = bands.bollinger_position
    parts.append((fmt.number(position, 0), "" if position is not None else "$text-muted italic"))
    if bands.squeeze:
        parts.append((" · squeeze", "bold $text-warning"))
    elif bands.bollinger_expanding or bands.keltner_expanding:
        parts.append((" · widening", ""))
    elif bands.bollinger_expanding is False and bands.keltner_expanding is not True:
        parts.append((" · narrowing", "$text-muted"))
    return Content.assemble(*parts)


def badges(section: PriceSection) -> tuple[Content, ...]:
    """The badge line's parts, most important first (the last give way first)."""
    return (td_badge(section.td), stack_badge(section.ema_stack), band_badge(section.bands))


def level_rows(section: PriceSection) -> tuple[Row, ...]:
    """Levels high to low, each with its distance; the last price in its place. A last
    close that is not a price has no place, and no distance is measured from it."""
    last = section.last if is_price(section.last) else None
    rows: list[Row] = []
    placed = last is None
    for level in sorted(section.levels, key=level_top, reverse=True):
        if not placed and last is not None and last >= level_top(level):
            rows.append(last_row(last))
            placed = True
        rows.append(level_row(level, measured=last is not None or section.last is None))
    if not placed and last is not None:
        rows.append(last_row(last))
    return tuple(rows)


def level_top(level: Level) -> float:
    """Where a level sorts: its top (a band's upper edge); NaN sorts as -inf, last."""
    top = level.upper or level.value
    return top if not math.isnan(top) else -math.inf


def level_row(level: Level, *, measured: bool = True) -> Row:
    """A level's name (in its line's colour), value and the price's distance from it
    (for a band, its bottom: the name already spans the band); `measured` False when
    the last close is not a price, so the distance is unknown."""
    color = f"$text-{look.level_color(level.kind, level.thesis)}"
    distance = level.distance_pct if measured else None
    return (
        Content.styled(level.name, color),
        fmt.level_price(level.value),
        value_cell(fmt.signed_pct(distance), look.tone(distance)),
    )


def last_row(last: float) -> Row:
    """The marker row for the last price among the levels."""
    return (Content.styled("▶ last", "bold"), Content.styled(fmt.price(last), "bold"), "")


def count_of(direction: str | None, count: int | None, of: int) -> str:
    """A TD count with its direction: `sell 7 of 9`, `none`, `unknown`."""
    if count is None:
        return fmt.UNKNOWN
    if count == 0 or direction is None:
        return "none"
    return f"{direction} {count} of {of}"


def detail_rows(section: PriceSection) -> tuple[Row, ...]:
    """The numbers behind the badges, for the detail view."""
    td, bands = section.td, section.bands
    return (
        ("TD setup", value_cell(count_of(td.setup_direction, td.setup_count, 9))),
        ("TD countdown", value_cell(count_of(td.countdown_direction, td.countdown, 13))),
        ("Last 9 perfected", value_cell(fmt.yes_no(td.perfected))),
        ("TDST support", value_cell(fmt.price(td.tdst_support))),
        ("TDST resistance", value_cell(fmt.price(td.tdst_resistance))),
        ("EMA stack", value_cell(section.ema_stack or fmt.UNKNOWN)),
        ("Bollinger %B", value_cell(fmt.number(bands.bollinger_position, 1))),
        ("Keltner position", value_cell(fmt.number(bands.keltner_position, 1))),
        ("Bollinger widening", value_cell(fmt.yes_no(bands.bollinger_expanding))),
        ("Keltner widening", value_cell(fmt.yes_no(bands.keltner_expanding))),
        ("Squeeze (BB in KC)", value_cell(fmt.yes_no(bands.squeeze))),
        ("Next milestone above", value_cell(fmt.level_price(section.nearest_milestone_above))),
        ("Within 1% below it", value_cell(fmt.yes_no(section.within_1pct_below_milestone))),
    )


class PricePanel(Panel):
    """Price of the index against its key levels."""

    DEFAULT_CSS = """
    PricePanel {
        & > .price--headline, & > .price--badges, & > .price--body,
        & > .price--detail { display: none; }
        &.-ready > .price--headline, &.-ready > .price--badges, &.-ready > .price--body,
        &.-ready > .price--detail { display: block; }
        & > .price--badges { height: 1; }
        & > .price--body { height: auto; }
        & .price--levels { width: auto; }
        & .price--intraday { display: none; }
        &.-intraday .price--intraday { display: block; }
        &.-intraday .price--daily { display: none; }
        &.-detailed {
            & > .price--chart-full { height: 1fr; min-height: 16; }
            & > .price--detail { height: auto; margin-top: 1; }
            & .price--levels { margin-right: 2; }
            & .price--readings { width: auto; }
        }
    }
    """

    PANEL_TITLE = "Price vs key levels"
    SECTION = "price"
    POSITION = 1
    PANEL_NAME = "price"
    MEANING = (
        "Last price against milestones (7,000), moving averages and your levels; the distance "
        "from each in %; the gamma flip and walls from the option chain. What followed a "
        "close within 1% under a 1,000-point milestone is a study of the Historical edge "
        "panel; the TD count reads 9 at exhaustion."
    )
    EMPHASISED_IN = frozenset({"bull"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "i",
            "toggle_chart",
            "Intraday/daily",
            id="price.intraday",
            tooltip="Switch the price chart between the session's 5-minute bars and the "
            "daily closes (during the session the bars are the default).",
        ),
    ]

    _chart: PriceChart | None = None
    _intraday_chart: IntradayChart | None = None
    _offered = False
    """Whether `i` was offered at the last Snapshot."""

    section: reactive[PriceSection | None] = reactive(None, repaint=False)
    """The price section of the latest Snapshot."""

    divergence: reactive[Divergence | None] = reactive(None, repaint=False)
    """The active RSI divergence (the RSI section's), whose two price pivots the chart
    marks; the screen sets it beside `section`."""

    intraday: reactive[IntradaySection | None] = reactive(None, repaint=False)
    """The Snapshot's intraday section (None when it has none)."""

    phase: reactive[Phase | None] = reactive(None, repaint=False)
    """The market's phase in the latest Snapshot."""

    showing_intraday: reactive[bool] = reactive(False, repaint=False)
    """Whether the chart shows the session's bars rather than the daily closes."""

    def show(self, snapshot: Snapshot) -> None:
        """Take the price section, the RSI's divergence for the chart's pivots, and
        the session's bars with the market's phase."""
        market = getattr(snapshot, "market", None)
        self.phase = getattr(market, "phase", None)
        self.intraday = getattr(snapshot, "intraday", None)
        super().show(snapshot)
        rsi = getattr(snapshot, "rsi", None)
        self.divergence = None if rsi is None else rsi.divergence
        self._show_choice()

    @property
    def choice(self) -> ChartChoice:
        """The app's chart choice (shared with the other price panel)."""
        return CHOICES.setdefault(self.app, ChartChoice())

    @property
    def intraday_offered(self) -> bool:
        """Whether the session's bars can be shown now (the key is offered)."""
        return intraday_offered(self.intraday, self.phase)

    def _show_choice(self) -> None:
        """Show the chart the choice (or the phase) asks for, if it can be shown."""
        offered = self.intraday_offered
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()  # the footer offers `i` or not
        self.showing_intraday = offered and self.choice.shows_intraday(self.phase)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer `i` only when there is an intraday chart to switch to."""
        if action == "toggle_chart":
            return self.intraday_offered
        return super().check_action(action, parameters)

    def action_toggle_chart(self) -> None:
        """Switch between the intraday and the daily chart, for every price panel of
        the app, until the market's phase changes."""
        choice = self.choice
        choice.shows_intraday(self.phase)
        choice.intraday = not self.showing_intraday
        for screen in self.app.screen_stack:
            for panel in screen.query(PricePanel):
                panel._show_choice()

    def compose_body(self) -> ComposeResult:
        yield TextLine(classes="price--headline")
        yield BadgeLine(classes="price--badges")
        levels = ValueTable(
            Column("Level", flex=True),
            Column("Value", justify="right"),
            Column("Dist", justify="right"),
            classes="price--levels",
        )
        if self.detailed:
            # Full width for the year's chart; the tables side by side under it.
            yield ChartSlot(classes="price--chart-full")
            with Horizontal(classes="price--detail"):
                yield levels
                yield ValueTable(
                    Column(flex=True),
                    Column(justify="right"),
                    show_header=False,
                    classes="price--readings",
                )
        else:
            with Horizontal(classes="price--body"):
                yield ChartSlot(classes="price--chart")
                yield levels

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the charts in their slot, once the shell is painted:
        the daily one, and the intraday one beside it (one of the two is hidden)."""
        from widgets.intraday_chart import IntradayChart
        from widgets.price_chart import PriceChart

        slot = self.query_one(ChartSlot)
        chart = PriceChart(classes="price--daily")
        chart.window = window(self.detailed)
        chart.label_pivots = self.detailed
        chart.section = self.section
        chart.divergence = self.divergence
        intraday = IntradayChart(classes=f"price--intraday {' '.join(slot.classes)}")
        intraday.section = self.intraday
        intraday.levels = self.section.levels if self.section is not None else ()
        await slot.fill(chart)
        parent = chart.parent
        if not (chart.is_attached and isinstance(parent, Widget)):
            return  # the slot was gone (a quit during the first paint)
        await parent.mount(intraday, after=chart)
        self._chart = chart
        self._intraday_chart = intraday

    @property
    def chart(self) -> PriceChart | None:
        """The chart, once it is mounted (None before the first paint)."""
        return self._chart

    @property
    def intraday_chart(self) -> IntradayChart | None:
        """The intraday chart, once it is mounted (None before the first paint)."""
        return self._intraday_chart

    @property
    def levels(self) -> ValueTable:
        """The table of levels and distances."""
        return self.query_one(".price--levels", ValueTable)

    @property
    def badges(self) -> BadgeLine:
        """The line of TD count, EMA stack and band state."""
        return self.query_one(BadgeLine)

    def watch_section(self, section: PriceSection | None) -> None:
        if section is None:
            return
        self.show_title(f"{self.PANEL_TITLE} · {section.symbol}")
        self.query_one(".price--headline", TextLine).update(headline(section))
        self.badges.parts = badges(section)
        self.levels.rows = level_rows(section)
        if self.detailed:
            self.query_one(".price--readings", ValueTable).rows = detail_rows(section)
        chart = self.chart
        if chart is not None:
            chart.section = section
        if self._intraday_chart is not None:
            self._intraday_chart.levels = section.levels
        self.add_class("-ready")
        self._show_status()

    def watch_divergence(self, divergence: Divergence | None) -> None:
        chart = self.chart
        if chart is not None:
            chart.divergence = divergence

    def watch_intraday(self, intraday: IntradaySection | None) -> None:
        if self._intraday_chart is not None:
            self._intraday_chart.section = intraday
        self._show_status()

    def watch_showing_intraday(self, showing: bool) -> None:
        self.set_class(showing, "-intraday")
        self._show_status()

    def _show_status(self) -> None:
        """The freshness on show: the bars' while they are drawn, else the price's."""
        shown: PanelStatus | None = None
        if self.showing_intraday and self.intraday is not None:
            shown = self.intraday.status
        elif self.section is not None:
            shown = self.section.status
        if shown is not None:
            self.status = shown
        # The bars' delay (and which chart is drawn) is in the words, not the status.
        self._show_freshness()

    def _show_freshness(self) -> None:
        super()._show_freshness()
        if self._freshness_shown is None:
            return
        text = self._freshness_shown[0]
        if self.showing_intraday and self.intraday is not None:
            text = bars_freshness(self.intraday, text)
        if self.border_subtitle != text:
            with self._frame_only():  # the state is unchanged: only the words differ
                self.border_subtitle = text
