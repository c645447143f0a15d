"""The VIX panel: the VIX and its change on the day; the "index up while VIX up" flag
("bullish price, bearish vol"); a term-structure mini chart of the 9-day, 30-day and
3-month VIX with the curve's state in a word (contango, backwardation, flat); the VIX's
IV rank and percentile over a year; and the VIX against the index's 20-session realised
volatility. The detail view (`detailed=True`) adds the numbers behind the curve and the
flag: the 9D/30D and 30D/3M ratios and the 5-session changes of the index and the VIX.
A missing reading is "unknown" with the reason, never 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets import look
from widgets.fit_line import FitLine
from widgets.panel import ReadingsPanel, value_cell
from widgets.table import Column, ValueTable
from widgets.term_chart import TermChart

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.sections.vix import VixSection
    from widgets.table import Row
    from widgets.term_chart import Tenor

CURVE_STYLES = {
    "contango": "$text-success",
    "backwardation": "$text-error",
    "flat": "$text-warning",
}
"""Style of each term-structure word: backwardation is the stressed shape."""


def vol_tone(change: float | None) -> str:
    """Style of a VIX change: rising volatility in the error colour, falling in success."""
    return look.tone(-change if change is not None else None)


def vix_cell(section: VixSection) -> Content:
    """The VIX with its day's change: `16.42 +0.85`."""
    if fmt.finite(section.last) is None:
        return value_cell(fmt.UNKNOWN)
    parts: list[tuple[str, str]] = [(fmt.number(section.last), "bold")]
    change = fmt.finite(section.change)
    if change is not None:
        arrow = "▲" if change > 0 else "▼" if change < 0 else ""
        parts.append((f" {arrow}{fmt.signed_number(change)}", vol_tone(change)))
    return Content.assemble(*parts)


def flag(section: VixSection) -> tuple[Content, ...]:
    """The divergence flag, longest first: `INDEX UP · VIX UP · bullish price, bearish
    vol` when both rose over 5 sessions."""
    if section.index_up_vix_up is None:
        return (Content.styled(f"index/VIX divergence {fmt.UNKNOWN}", "$text-muted italic"),)
    if section.index_up_vix_up:
        name = ("INDEX UP · VIX UP", "bold $text-warning")
        return (
            Content.assemble(name, (" · bullish price, bearish vol", "$text-warning")),
            Content.assemble(name),
        )
    return (Content.styled("no index-up/VIX-up divergence", "$text-muted"),)


def curve_cell(section: VixSection) -> Content:
    """The term structure in a word, coloured by its shape."""
    word = section.term_structure
    if word is None:
        return value_cell(fmt.UNKNOWN)
    return Content.styled(word, CURVE_STYLES.get(word, ""))


def rank_cell(section: VixSection) -> Content:
    """IV rank and IV percentile over a year: `18 / 25%`."""
    rank, percentile = section.iv_rank_1y, section.iv_percentile_1y
    if rank is None and percentile is None:
        return value_cell(fmt.UNKNOWN)
    return Content.assemble(
        (fmt.number(rank, 0), "" if rank is not None else "$text-muted italic"),
        (" / ", "$text-muted"),
        (fmt.pct(percentile, 0), "" if percentile is not None else "$text-muted italic"),
    )


def vix_rows(section: VixSection) -> tuple[Row, ...]:
    """The volatility readings as table rows, the VIX itself first (realised vol is on
    the term chart, under the VIX)."""
    premium = section.vix_minus_realized
    return (
        ("VIX", vix_cell(section)),
        ("IV rank / %ile 1y", rank_cell(section)),
        ("VIX − realised", value_cell(fmt.signed_number(premium, 2, " pts"))),
        ("Term structure", curve_cell(section)),
    )


def tenors(section: VixSection) -> tuple[Tenor, ...]:
    """The chart's rows: 9D, 30D (the VIX), 3M, and the index's 20-session realised
    vol (RV20) under them, so the VIX against realised vol reads as two bars."""
    return (
        ("9D", section.vix9d),
        ("30D", section.last),
        ("3M", section.vix3m),
        ("RV20", section.realized_vol_20d),
    )


def detail_rows(section: VixSection) -> tuple[Row, ...]:
    """The numbers behind the curve and the flag, for the detail view."""
    index_move, vix_move = section.index_change_5d_pct, section.vix_change_5d
    return (
        (
            "VIX change today",
            value_cell(fmt.signed_number(section.change), vol_tone(section.change)),
        ),
        ("Realised vol 20d (the index)", value_cell(fmt.pct(section.realized_vol_20d, 2))),
        (
            "IV rank 1y (0 = the year's low, 100 = its high)",
            value_cell(fmt.number(section.iv_rank_1y, 1)),
        ),
        ("IV percentile 1y (days below today)", value_cell(fmt.pct(section.iv_percentile_1y))),
        ("VIX 9-day", value_cell(fmt.number(section.vix9d))),
        ("VIX 3-month", value_cell(fmt.number(section.vix3m))),
        ("9D / 30D ratio", value_cell(fmt.ratio(section.ratio_9d_30d))),
        ("30D / 3M ratio", value_cell(fmt.ratio(section.ratio_30d_3m))),
        ("Term structure (30D/3M)", curve_cell(section)),
        (
            "S&P 500, 5-session change",
            value_cell(fmt.signed_pct(index_move), look.tone(index_move)),
        ),
        ("VIX, 5-session change", value_cell(fmt.signed_number(vix_move), vol_tone(vix_move))),
        ("Index up and VIX up (5 sessions)", value_cell(fmt.yes_no(section.index_up_vix_up))),
    )


class VixPanel(ReadingsPanel):
    """Implied volatility: level, curve, rank, and against realised volatility."""

    DEFAULT_CSS = """
    VixPanel {
        & > .vix--flag, & > .vix--term, & > .vix--detail { display: none; }
        &.-ready > .vix--flag, &.-ready > .vix--term { display: block; }
        &.-ready.-detailed > .vix--detail { display: block; }
        & > .vix--detail { margin-top: 1; }
        &.-detailed ValueTable { width: auto; max-width: 100%; min-width: 40; }
        &.-detailed TermChart { max-width: 60; }
    }
    """

    PANEL_TITLE = "VIX"
    SECTION = "vix"
    POSITION = 4
    PANEL_NAME = "VIX"
    MEANING = (
        "The VIX against 20-day realised vol. IV rank places today's VIX in its one-year "
        "range (0 = the year's low, 100 = its high); VIX rising while the index makes highs "
        "is the bear's “bullish price, bearish volatility”."
    )
    EMPHASISED_IN = frozenset({"bear"})

    section: reactive[VixSection | None] = reactive(None, repaint=False)
    """The VIX section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield FitLine(classes="vix--flag")
        yield from super().compose_body()
        yield TermChart(classes="vix--term")
        if self.detailed:
            yield ValueTable(
                Column(flex=True),
                Column(justify="right"),
                show_header=False,
                classes="vix--detail",
            )

    @property
    def term_chart(self) -> TermChart:
        """The 9D / 30D / 3M mini chart."""
        return self.query_one(TermChart)

    def watch_section(self, section: VixSection | None) -> None:
        if section is None:
            return
        self.query_one(".vix--flag", FitLine).variants = flag(section)
        self.term_chart.tenors = tenors(section)
        if self.detailed:
            self.query_one(".vix--detail", ValueTable).rows = detail_rows(section)
        self.show_readings(section.status, vix_rows(section))
