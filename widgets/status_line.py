"""The status line across the top of the dashboard: which source the data comes from
(LIVE, OFFLINE with the cache's date, SIMULATED...), the NYSE phase with a countdown
to the next open or close, and the age of the data; under it, why that source was
chosen when there is a reason to give, and an error line when the engine itself has
failed. The clock part follows the injected clock and wakes only when its text will
change: each second in the last hour of a countdown and the first minute of an age,
else when the minute (an age of days: the hour) it shows turns; never in a replay,
whose text stands still. Only that part of this one widget repaints. While replay
stepping runs, a part after the badge says so (`▶ 2/s · p pause`, `‖ stepping · esc
live`): the badge names the session shown."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from core import format as fmt
from core.clock import Clock, system_clock
from widgets.repaint import TextLine

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.timer import Timer

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


def _target(market: MarketInfo) -> tuple[str, datetime | None]:
    """What the countdown counts to: the close in regular hours, else the open."""
    if market.phase == "regular":
        return "closes", market.next_close
    return "opens", market.next_open


def _countdown_step(left: float) -> float:
    """The unit the countdown shows for `left` seconds (see `fmt.countdown`): seconds
    in the last hour, else minutes."""
    return 1.0 if left < 3600 else 60.0


def _age_step(age: float) -> float:
    """The unit the age shows for `age` seconds (see `fmt.age`): seconds under a
    minute, hours from a day, else minutes."""
    return 1.0 if age < 60 else 3600.0 if age >= 86_400 else 60.0


def seconds_until_change(market: MarketInfo | None, as_of: datetime | None, now: datetime) -> float:
    """How long `clock_text` stays the same (math.inf: until a new Snapshot). Both
    parts floor to whole units, so the countdown changes when the time left drops
    below a multiple of its unit, and the age when it reaches the next one; a closed
    night thus costs one redraw a minute, not sixty."""
    waits = [math.inf]
    if market is not None:
        _, target = _target(market)
        if target is not None and target > now:
            left = (target - now).total_seconds()
            # At an exact multiple the text changes at once (it floors the next instant).
            waits.append(left % _countdown_step(left))
    if as_of is not None:
        age = max(0.0, (now - as_of).total_seconds())
        step = _age_step(age)
        waits.append(step - age % step)
    return max(0.05, min(waits))


def clock_text(market: MarketInfo | None, as_of: datetime | None, now: datetime) -> str:
    """The ticking part: `opens in 13h 15m · data 4h 15m old`."""
    parts: list[str] = []
    if market is not None:
        verb, target = _target(market)
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
        & > Static, & > TextLine { height: 1; width: auto; }
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
        & > .status--stepping { display: none; text-style: bold; color: $warning; }
        &.-stepping {
            grid-size: 4;
            grid-columns: auto auto auto 1fr;
            & > .status--stepping { display: block; }
            & > .status--error, & > .status--detail { column-span: 4; }
        }
    }
    """

    # Its parts paint themselves (the clock only the characters that change), so
    # setting these for each Snapshot repaints nothing of the line by itself.
    source: reactive[SourceInfo | None] = reactive(None, repaint=False)
    """Where the data on show came from; None until the first Snapshot."""

    market: reactive[MarketInfo | None] = reactive(None, repaint=False)
    """The NYSE session as of the Snapshot (phase, next open and close)."""

    as_of: reactive[datetime | None] = reactive(None, repaint=False)
    """When the Snapshot on show was built: the data age counts from it."""

    error: reactive[str | None] = reactive(None, repaint=False)
    """What failed in the engine itself, shown on a line of its own."""

    stepping: reactive[str | None] = reactive(None, repaint=False)
    """What replay stepping is doing (`‖ stepping · esc live`); None when it is not."""

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
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("STARTING", classes="status--badge -starting", markup=False)
        yield Static("", classes="status--stepping", markup=False)
        yield TextLine("starting the engine…", classes="status--market")
        yield TextLine("", classes="status--clock")
        yield Static("", classes="status--detail", markup=False)
        yield Static("", classes="status--error", markup=False)

    def on_mount(self) -> None:
        self.tick()

    @property
    def badge(self) -> Static:
        """The source badge."""
        return self.query_one(".status--badge", Static)

    @property
    def clock_part(self) -> TextLine:
        """The countdown and data age (the only part that ticks)."""
        return self.query_one(".status--clock", TextLine)

    def watch_source(self, source: SourceInfo | None) -> None:
        if source is None:
            return
        self.tick()
        self.badge.update(source.label)
        self.badge.remove_class("-starting", *SOURCE_CLASSES.values())
        self.badge.add_class(SOURCE_CLASSES.get(source.kind, "-files"))
        # Why this source: the reason auto fell back, a replayed non-session date...
        self.query_one(".status--detail", Static).update(source.detail or "")
        self.set_class(bool(source.detail), "-has-detail")

    def watch_stepping(self, stepping: str | None) -> None:
        self.query_one(".status--stepping", Static).update(stepping or "")
        self.set_class(bool(stepping), "-stepping")

    def watch_market(self, market: MarketInfo | None) -> None:
        if market is not None:
            self.query_one(".status--market", TextLine).update(market_text(market))
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
            self.query_one(".status--market", TextLine).update("the engine did not start")

    def tick(self) -> None:
        """Redraw the countdown and data age for the clock's current time, and wake
        again when that text will next change."""
        if not self.is_mounted:
            return
        now = self.clock()
        if self.source is not None and self.source.replay and self.as_of is not None:
            # A replay stands at a past close: a countdown or an age against today's
            # clock would be noise, and the text never changes by itself.
            text = f"replaying the close of {fmt.ny_short_time(self.as_of)} ET"
            wait = math.inf
        else:
            text = clock_text(self.market, self.as_of, now)
            wait = seconds_until_change(self.market, self.as_of, now)
        if text != self._clock_text:
            self._clock_text = text
            self.clock_part.update(text)
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if math.isfinite(wait):
            # A hair late, so the clock has passed the boundary when it wakes.
            self._timer = self.set_timer(wait + 0.01, self.tick, name="status-clock")
