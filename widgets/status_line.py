"""The status line across the top of the dashboard: which source the data comes from
(LIVE, OFFLINE with the cache's age, SIMULATED...), the NYSE phase with a countdown to
the next open or close, and the age of the data; under it, why that source was chosen
when there is a reason to give, and an error line when the engine itself has failed.
The countdown and the age tick once a second from the injected clock; only the clock
part of this one widget repaints on a tick."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from core.clock import Clock, system_clock
from widgets import format as fmt

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from core.snapshot import MarketInfo, SourceInfo

PHASE_NAMES = {
    "pre": "pre-market",
    "regular": "market open",
    "post": "after hours",
    "closed": "market closed",
}

SOURCE_CLASSES = {
    "yahoo": "-live",
    "cache": "-offline",
    "files": "-files",
    "sim": "-simulated",
}
"""CSS class of the source badge for each source kind."""


def market_text(market: MarketInfo) -> str:
    """The phase in words: `market closed`, with `early close` when it applies."""
    text = PHASE_NAMES.get(market.phase, market.phase)
    return f"{text} (early close)" if market.early_close else text


def clock_text(market: MarketInfo | None, as_of: datetime | None, now: datetime) -> str:
    """The ticking part: `opens in 13:15:30 · data 4h 15m old`."""
    parts: list[str] = []
    if market is not None:
        verb, target = ("closes", market.next_close)
        if market.phase != "regular":
            verb, target = ("opens", market.next_open)
        if target is None:
            parts.append(f"next {verb[:-1]} {fmt.UNKNOWN}")
        elif target <= now:
            parts.append(f"{verb} now")
        else:
            parts.append(f"{verb} in {fmt.countdown(target - now)}")
    if as_of is not None:
        parts.append(f"data {fmt.age(now - as_of)} old")
    return " · ".join(parts)


class StatusLine(Widget):
    """Source badge, market phase, countdown and data age; an error line if any."""

    DEFAULT_CSS = """
    StatusLine {
        layout: grid;
        grid-size: 3;
        grid-columns: auto auto 1fr;
        grid-gutter: 0 1;
        height: auto;
        & > Static { height: 1; width: auto; }
        & > .status--badge { padding: 0 1; text-style: bold; }
        & > .status--clock { width: 1fr; }
        & > .status--error {
            column-span: 3;
            display: none;
            width: 1fr;
            height: auto;
            max-height: 2;
            text-overflow: ellipsis;
        }
        &.-has-error > .status--error { display: block; }
        & > .status--detail {
            column-span: 3;
            display: none;
            width: 1fr;
            color: $text-muted;
            text-overflow: ellipsis;
        }
        &.-has-detail > .status--detail { display: block; }
    }
    """

    source: reactive[SourceInfo | None] = reactive(None)
    """Where the data on show came from; None until the first Snapshot."""

    market: reactive[MarketInfo | None] = reactive(None)
    """The NYSE session as of the Snapshot (phase, next open and close)."""

    as_of: reactive[datetime | None] = reactive(None)
    """When the Snapshot on show was built: the data age counts from it."""

    error: reactive[str | None] = reactive(None)
    """What failed in the engine itself, shown on a line of its own."""

    def __init__(
        self,
        clock: Clock = system_clock,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self._clock_text = ""

    def compose(self) -> ComposeResult:
        yield Static("STARTING", classes="status--badge -starting", markup=False)
        yield Static("starting the engine…", classes="status--market", markup=False)
        yield Static("", classes="status--clock", markup=False)
        yield Static("", classes="status--detail", markup=False)
        yield Static("", classes="status--error", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick, name="status-countdown")

    @property
    def badge(self) -> Static:
        """The source badge."""
        return self.query_one(".status--badge", Static)

    @property
    def clock_part(self) -> Static:
        """The countdown and data age (the only part that ticks)."""
        return self.query_one(".status--clock", Static)

    def watch_source(self, source: SourceInfo | None) -> None:
        if source is None:
            return
        self.badge.update(source.label)
        self.badge.remove_class("-starting", *SOURCE_CLASSES.values())
        self.badge.add_class(SOURCE_CLASSES.get(source.kind, "-files"))
        # Why this source: the reason auto fell back, a replayed non-session date...
        self.query_one(".status--detail", Static).update(source.detail or "")
        self.set_class(bool(source.detail), "-has-detail")

    def watch_market(self, market: MarketInfo | None) -> None:
        if market is not None:
            self.query_one(".status--market", Static).update(market_text(market))
        self.tick()

    def watch_as_of(self) -> None:
        self.tick()

    def watch_error(self, error: str | None) -> None:
        self.query_one(".status--error", Static).update(Content(f"⚠ {error}" if error else ""))
        self.set_class(bool(error), "-has-error")
        if error and self.source is None:
            self.badge.update("NO DATA")
            self.badge.remove_class("-starting")
            self.badge.add_class("-offline")
            self.query_one(".status--market", Static).update("the engine did not start")

    def tick(self) -> None:
        """Redraw the countdown and data age for the clock's current time."""
        if not self.is_mounted:
            return
        text = clock_text(self.market, self.as_of, self.clock())
        if text != self._clock_text:
            self._clock_text = text
            self.clock_part.update(text, layout=False)
