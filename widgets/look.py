"""How readings look on the terminal, beyond their text (which core.format writes for
every layer): the theme style of a signed reading, the CSS class of each freshness
state, the colour of each kind of price level, and what a panel says before its first
Snapshot — things only the screen has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.format import finite

if TYPE_CHECKING:
    from core.snapshot import Freshness

WAITING = "waiting for first data…"
"""What every panel says before the first Snapshot arrives."""

STATE_CLASSES: dict[Freshness, str] = {
    "LIVE": "-live",
    "DELAYED": "-delayed",
    "STALE": "-stale",
    "CLOSED": "-closed",
    "OFFLINE": "-offline",
    "SIMULATED": "-simulated",
    "REPLAY": "-replay",
    "ERROR": "-error",
}
"""CSS class a widget carries for each freshness state (styled in the .tcss)."""

LEVEL_COLORS: dict[str, str] = {
    "bull": "success",
    "bear": "error",
    "milestone": "warning",
    "ema": "primary",
    "sma": "primary",
    "user": "accent",
    "range": "secondary",
}
"""Theme colour of a level's line and name: by its thesis when it has one, else by kind."""


def level_color(kind: str, thesis: str | None) -> str:
    """The theme colour name (`success`, `primary`...) a level is drawn in."""
    return LEVEL_COLORS.get(thesis or kind, "secondary")


def tone(value: float | None) -> str:
    """The text style of a signed reading: success when above zero, error below, none
    when zero or not a number (a NaN is unknown, not a fall)."""
    known = finite(value)
    if not known:
        return ""
    return "$text-success" if known > 0 else "$text-error"
