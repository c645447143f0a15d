"""The gamma panel: dealers' gamma exposure in the index's options, the claim both
theses lean on (the bull's "positive gamma" damping swings, the bear's call wall at
7,000 as a "gamma ceiling"). On the dashboard: the regime in a headline (`Positive gamma
+31.8 $bn/1%`), the zero-gamma flip and the call and put walls with their signed
distance from spot (a put wall can lie above spot), exposure by strike around spot as
text bars (calls up, puts down, spot marked), and the chain's own freshness: options
are slow data, so the line says when the chain is from, when it was fetched (if it was)
and where from. The detail view (`detailed=True`) adds the profile of net exposure
against the index level with spot and the flip marked, taller bars, the breakdown by
expiry, the totals, the milestone strike and its rank, the short-expiry shares, the
contracts used and those left out by reason, and how time to expiry is counted. With
no chain every reading is "unknown" and the why-line says why, never 0."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from core import format as fmt
from widgets import look
from widgets.chart_slot import ChartSlot
from widgets.fit_line import FitLine
from widgets.panel import ReadingsPanel, value_cell
from widgets.strike_bars import StrikeBars
from widgets.table import Column, ValueTable

if TYPE_CHECKING:
    from datetime import datetime

    from textual.app import ComposeResult

    from core.sections.gamma import ExpiryExposure, GammaSection
    from widgets.gamma_profile_chart import GammaProfileChart
    from widgets.table import Row

REGIME_STYLES = {"positive": "$text-success", "negative": "$text-error"}
"""Style of each regime word: negative gamma is the one that amplifies moves."""

SOURCE_NAMES = {"sim": "simulated", "yahoo": "Yahoo"}
"""How the chain line names a source given by its kind (a file goes by its name)."""


def bn(value: float | None, decimals: int | None = None) -> str:
    """An exposure in $bn per 1 %, signed: `+31.8`, `-0.53` (two decimals under 1)."""
    known = fmt.finite(value)
    if known is None:
        return fmt.UNKNOWN
    if decimals is None:
        decimals = 1 if abs(known) >= 1 else 2
    return fmt.signed_number(known, decimals)


def bn_cell(value: float | None, style: str = "") -> Content:
    """An exposure as a table cell, `+31.77 $bn`, toned by its sign."""
    text = bn(value, 2)
    if text == fmt.UNKNOWN:
        return value_cell(text)
    return Content.styled(f"{text} $bn", f"{style} {look.tone(value)}".strip())


def headline(section: GammaSection) -> tuple[Content, ...]:
    """The regime and the net exposure, longest first: `Positive gamma · +31.8 $bn per
    1% move`, `Positive gamma +31.8 $bn/1%`, `... +31.8 $bn`, `Positive +31.8 $bn`,
    `Positive gamma`."""
    regime = section.regime
    if regime is None:
        return (Content.styled(f"gamma {fmt.UNKNOWN}", "$text-muted italic"),)
    style = f"bold {REGIME_STYLES.get(regime, '')}"
    word = regime.capitalize()
    total = bn(section.total_gex_bn)
    if total == fmt.UNKNOWN:
        return (Content.styled(f"{word} gamma", style),)
    return (
        Content.assemble((f"{word} gamma", style), f" · {total} $bn per 1% move"),
        Content.assemble((f"{word} gamma", style), f" {total} $bn/1%"),
        Content.assemble((f"{word} gamma", style), f" {total} $bn"),
        Content.assemble((word, style), f" {total} $bn"),
        Content.styled(f"{word} gamma", style),
    )


def level_cell(level: float | None, distance: float | None, *, decimals: bool = False) -> Content:
    """A level with its signed distance from spot: `7,800 · +0.18%` (the sign says the
    side: a put wall above spot reads +)."""
    known = fmt.finite(level)
    if known is None:
        return value_cell(fmt.UNKNOWN)
    shown = fmt.price(known) if decimals else fmt.level_price(round(known))
    if fmt.finite(distance) is None:
        return Content(shown)
    return Content.assemble(shown, (" · ", "$text-muted"), fmt.signed_pct(distance))


def flip_cell(section: GammaSection, *, decimals: bool = False) -> Content:
    """The zero-gamma flip with its distance; `none` when the exposure was computed but
    the profile does not change sign within 0.8–1.2 × spot (the why-line says so)."""
    if section.zero_gamma is None and fmt.finite(section.total_gex_bn) is not None:
        return Content.styled("none", "$text-muted")
    return level_cell(section.zero_gamma, section.zero_gamma_distance_pct, decimals=decimals)


def level_rows(section: GammaSection) -> tuple[Row, ...]:
    """The flip and the two walls, with their distances from spot."""
    return (
        ("Flip", flip_cell(section)),
        ("Call wall", level_cell(section.call_wall, section.call_wall_distance_pct)),
        ("Put wall", level_cell(section.put_wall, section.put_wall_distance_pct)),
    )


def source_name(source: str | None) -> str | None:
    """Where the chain is from, briefly: `Yahoo`, `simulated`, `file 2026-08-14.csv`."""
    if not source:
        return None
    if source in SOURCE_NAMES:
        return SOURCE_NAMES[source]
    if "/" in source or "\\" in source:
        return f"file {PurePath(source).name}"
    return source


def fetch_time(fetched: datetime, as_of: datetime) -> str:
    """The fetch time, its date left off when it is the chain's."""
    full = fmt.ny_short_time(fetched)
    return full[-5:] if full[:-5] == fmt.ny_short_time(as_of)[:-5] else full


def chain_line(section: GammaSection, *, detailed: bool = False) -> tuple[Content, ...]:
    """The chain's freshness, longest first: `chain Aug 14 16:14 · fetched 16:20 ·
    Yahoo`, then without the source, then the chain's time alone; in the detail view
    first in full (`option chain of 2026-08-14 16:14 ET · fetched ... · from PATH`)."""
    muted = "$text-muted"
    if section.as_of is None:
        return (Content.styled(f"option chain {fmt.UNKNOWN}", f"{muted} italic"),)
    chain = f"chain {fmt.ny_short_time(section.as_of)}"
    fetched = (
        None
        if section.fetched_at is None
        else f"fetched {fetch_time(section.fetched_at, section.as_of)}"
    )
    source = source_name(section.chain_source)
    parts = [part for part in (chain, fetched, source) if part]
    variants = [" · ".join(parts[:count]) for count in range(len(parts), 0, -1)]
    if detailed:
        full = [f"option chain of {fmt.ny_time(section.as_of)}"]
        if section.fetched_at is not None:
            full.append(f"fetched {fmt.ny_time(section.fetched_at)}")
        if section.chain_source:
            full.append(f"from {section.chain_source}")
        variants.insert(0, " · ".join(full))
    return tuple(Content.styled(variant, muted) for variant in variants)


def milestone_cell(section: GammaSection) -> Content:
    """The milestone strike's exposure: `8,000 · +0.53 $bn`."""
    strike = fmt.finite(section.milestone_strike)
    if strike is None:
        return value_cell(fmt.UNKNOWN)
    return Content.assemble(
        fmt.level_price(strike), (" · ", "$text-muted"), bn_cell(section.milestone_gex_bn)
    )


def share_cell(share: float | None) -> Content:
    """A share of the exposure (0–1) as a percentage."""
    known = fmt.finite(share)
    return value_cell(fmt.pct(None if known is None else known * 100))


def reading_rows(section: GammaSection) -> tuple[Row, ...]:
    """The numbers behind the headline, for the detail view."""
    rank = section.milestone_strike_rank
    return (
        ("Net exposure, per 1% move", bn_cell(section.total_gex_bn, "bold")),
        ("Calls (dealers long)", bn_cell(section.call_gex_bn)),
        ("Puts (dealers short)", bn_cell(section.put_gex_bn)),
        ("Spot the chain was priced at", value_cell(fmt.price(section.spot))),
        ("Zero-gamma flip", flip_cell(section, decimals=True)),
        ("Call wall (largest call exposure)", level_rows(section)[1][1]),
        ("Put wall (largest put exposure)", level_rows(section)[2][1]),
        ("Next 1,000 milestone strike", milestone_cell(section)),
        ("Its rank among strikes (net)", value_cell(fmt.count(rank))),
        ("Expiring within 1 session", share_cell(section.share_within_1_session)),
        ("Expiring within 5 sessions", share_cell(section.share_within_5_sessions)),
    )


def expiry_rows(expiries: tuple[ExpiryExposure, ...]) -> tuple[Row, ...]:
    """One row per expiry: its date, sessions to it, calls, puts and net."""
    return tuple(
        (
            fmt.iso_date(expiry.expiry),
            fmt.count(expiry.sessions),
            value_cell(bn(expiry.call_gex_bn, 2)),
            value_cell(bn(expiry.put_gex_bn, 2)),
            value_cell(bn(expiry.net_gex_bn, 2), look.tone(expiry.net_gex_bn)),
        )
        for expiry in expiries
    )


def fetched_cell(section: GammaSection) -> Content:
    """When the chain was fetched, or that it was not (read from a file, simulated)."""
    if section.fetched_at is not None:
        return Content(fmt.ny_time(section.fetched_at))
    if section.as_of is None:
        return value_cell(fmt.UNKNOWN)
    return Content.styled("not fetched (a file, or simulated)", "$text-muted")


def used_rows(section: GammaSection) -> tuple[Row, ...]:
    """The chain behind the readings: when, and what of it was used and left out."""
    return (
        ("Chain as of", value_cell(fmt.ny_time(section.as_of))),
        ("Fetched", fetched_cell(section)),
        ("Contracts used", value_cell(fmt.count(section.contracts_used))),
        ("Expiries used", value_cell(fmt.count(section.expiries_used))),
        ("Contracts left out", value_cell(fmt.count(section.contracts_excluded))),
    )


def excluded_rows(section: GammaSection) -> tuple[Row, ...]:
    """The contracts left out, by reason."""
    return (
        ("Already expired at the chain's time", value_cell(fmt.count(section.excluded_expired))),
        (
            "No implied vol (missing, <= 0, a placeholder)",
            value_cell(fmt.count(section.excluded_no_implied_vol)),
        ),
        ("No open interest", value_cell(fmt.count(section.excluded_no_open_interest))),
        (
            "Not a contract (no expiry, kind or strike)",
            value_cell(fmt.count(section.excluded_invalid_row)),
        ),
    )


def convention() -> str:
    """How the exposure is computed, as the detail view says it (the section's words
    for T; imported here, not at the top, so the first frame stays free of pydantic)."""
    from core.sections.gamma import T_CONVENTION

    return (
        f"Black-Scholes gamma from each contract's own implied vol; {T_CONVENTION}. "
        "Exposure = gamma × open interest × 100 × spot² × 1%, calls + and puts − "
        "(dealers long calls, short puts)."
    )


class GammaPanel(ReadingsPanel):
    """Dealer gamma: the regime, the flip and the walls, exposure by strike."""

    DEFAULT_CSS = """
    GammaPanel {
        & > .gamma--headline, & > .gamma--chain, & > .gamma--bars, & > .gamma--top,
        & > .gamma--bottom, & > .gamma--counts, & > .gamma--convention { display: none; }
        &.-ready > .gamma--headline, &.-ready > .gamma--chain, &.-ready > .gamma--bars,
        &.-ready > .gamma--top, &.-ready > .gamma--bottom, &.-ready > .gamma--counts,
        &.-ready > .gamma--convention { display: block; }
        & .gamma--caption { color: $text-muted; height: 1; text-wrap: nowrap; }
        &.-detailed {
            & > .gamma--top { height: 1fr; min-height: 13; }
            & > .gamma--bottom, & > .gamma--counts { height: auto; margin-top: 1; }
            & .gamma--profile-box { width: 1fr; height: 1fr; }
            & .gamma--profile { height: 1fr; }
            & .gamma--bars-box { width: 1fr; height: auto; }
            & .gamma--bars { height: 8; }
            & .panel--readings, & .gamma--expiries, & .gamma--excluded {
                width: auto;
                margin-left: 2;
            }
            & .gamma--expiries-box { width: auto; height: auto; }
            & .gamma--used { width: auto; }
            & > .gamma--convention { color: $text-muted; }
        }
    }
    """

    PANEL_TITLE = "Dealer gamma"
    SECTION = "gamma"
    POSITION = 7
    PANEL_NAME = "gamma"
    MEANING = (
        "Dealers' net gamma from the index's option chain, in $bn per 1% move: positive, "
        "they sell rallies and buy dips (swings damped); negative, they chase moves. The "
        "flip is where it changes sign; the call wall (largest call exposure) is the "
        "bear's “gamma ceiling” when it sits on the next 1,000 milestone."
    )
    EMPHASISED_IN = frozenset({"bull", "bear"})

    _chart: GammaProfileChart | None = None

    section: reactive[GammaSection | None] = reactive(None, repaint=False)
    """The gamma section of the latest Snapshot."""

    def compose_body(self) -> ComposeResult:
        yield FitLine(classes="gamma--headline")
        if not self.detailed:
            yield from super().compose_body()
            yield StrikeBars(classes="gamma--bars")
            yield FitLine(classes="gamma--chain")
            return
        yield FitLine(classes="gamma--chain")
        with Horizontal(classes="gamma--top"):
            with Vertical(classes="gamma--profile-box"):
                yield Static(
                    "Net exposure ($bn per 1%) if the index stood at each level",
                    classes="gamma--caption",
                )
                yield ChartSlot(classes="gamma--profile")
            yield ValueTable(
                Column(flex=True),
                Column(justify="right"),
                show_header=False,
                classes="panel--readings",
            )
        with Horizontal(classes="gamma--bottom"):
            with Vertical(classes="gamma--bars-box"):
                yield Static(
                    "By strike near spot ($bn per 1%): calls up, puts down",
                    classes="gamma--caption",
                )
                yield StrikeBars(classes="gamma--bars")
            with Vertical(classes="gamma--expiries-box"):
                yield ValueTable(
                    Column("Expiry"),
                    Column("Sessions", justify="right"),
                    Column("Calls", justify="right"),
                    Column("Puts", justify="right"),
                    Column("Net", justify="right"),
                    classes="gamma--expiries",
                )
        with Horizontal(classes="gamma--counts"):
            yield ValueTable(
                Column(flex=True),
                Column(justify="right"),
                show_header=False,
                classes="gamma--used",
            )
            yield ValueTable(
                Column("Left out, by reason", flex=True),
                Column("Contracts", justify="right"),
                classes="gamma--excluded",
            )
        yield Static(convention(), classes="gamma--convention")

    def on_mount(self) -> None:
        super().on_mount()
        if self.detailed:
            self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Import plotext and put the profile chart in its slot (detail view only)."""
        from widgets.gamma_profile_chart import GammaProfileChart

        chart = GammaProfileChart()
        self._show_profile(chart, self.section)
        await self.query_one(ChartSlot).fill(chart)
        self._chart = chart

    @property
    def chart(self) -> GammaProfileChart | None:
        """The profile chart (detail view only, once mounted)."""
        return self._chart

    @property
    def bars(self) -> StrikeBars:
        """The exposure-by-strike bars."""
        return self.query_one(StrikeBars)

    @staticmethod
    def _show_profile(chart: GammaProfileChart, section: GammaSection | None) -> None:
        if section is None:
            return
        chart.profile = section.profile
        chart.spot = section.spot
        chart.flip = section.zero_gamma

    def watch_section(self, section: GammaSection | None) -> None:
        if section is None:
            return
        self.query_one(".gamma--headline", FitLine).variants = headline(section)
        self.query_one(".gamma--chain", FitLine).variants = chain_line(
            section, detailed=self.detailed
        )
        self.bars.strikes = section.by_strike
        self.bars.spot = section.spot
        if self.detailed:
            self.query_one(".gamma--expiries", ValueTable).rows = expiry_rows(section.by_expiry)
            self.query_one(".gamma--used", ValueTable).rows = used_rows(section)
            self.query_one(".gamma--excluded", ValueTable).rows = excluded_rows(section)
            if self._chart is not None:
                self._show_profile(self._chart, section)
            rows = reading_rows(section)
        else:
            rows = level_rows(section)
        self.show_readings(section.status, rows)
