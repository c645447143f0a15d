"""How numbers, times and freshness read on screen, in one place so every panel says
them the same way: prices with thousands separators, signed percentages, ages and
countdowns, as-of stamps in New York time, and the word "unknown" (never 0) for a
value the Snapshot does not have. Pure functions of their arguments; no clock is read
here (callers pass "now")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from core.clock import NEW_YORK

if TYPE_CHECKING:
    from core.snapshot import Freshness, PanelStatus

UNKNOWN = "unknown"
"""What a missing value reads as: never 0, never blank."""
NOT_COMPUTED = "not computed yet"
"""The reason given for a missing value when the Snapshot gives none."""
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


def price(value: float | None) -> str:
    """An index price: `6,978.03`; `unknown` when missing."""
    return UNKNOWN if value is None else f"{value:,.2f}"


def level_value(value: float) -> str:
    """A price level: whole numbers without decimals (`7,000`), others as prices."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def signed(value: float | None, decimals: int = 2) -> str:
    """A signed change in points: `+12.40`, `-3.05`."""
    return UNKNOWN if value is None else f"{value:+,.{decimals}f}"


def signed_pct(value: float | None, decimals: int = 2) -> str:
    """A signed percentage (already in percent units): `+0.18%`."""
    return UNKNOWN if value is None else f"{value:+.{decimals}f}%"


def pct(value: float | None, decimals: int = 1) -> str:
    """An unsigned percentage (already in percent units): `58.4%`."""
    return UNKNOWN if value is None else f"{value:.{decimals}f}%"


def number(value: float | None, decimals: int = 2) -> str:
    """A plain reading such as a VIX level or an RSI: `16.42`."""
    return UNKNOWN if value is None else f"{value:,.{decimals}f}"


def change(last: float | None, prev_close: float | None, change_pct: float | None) -> str:
    """The day's change as points and percent: `+12.40 (+0.18%)`."""
    if last is None or prev_close is None:
        return UNKNOWN if change_pct is None else signed_pct(change_pct)
    return f"{signed(last - prev_close)} ({signed_pct(change_pct)})"


def age(delta: timedelta) -> str:
    """A duration as people say an age: `45s`, `4m`, `4h 05m`, `2d 3h`. Seconds only
    under a minute, so an age on screen changes at most once a minute after that."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def countdown(delta: timedelta) -> str:
    """Time left: `1d 02h 00m`, `13h 15m`, and a ticking `14:30` in the last hour,
    when the seconds matter; coarser before, so the screen is not redrawn every
    second of a closed night."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes:02d}:{seconds:02d}"


def as_of(moment: datetime | None) -> str:
    """A timestamp in New York time: `Jan 28 16:00`; `unknown` when missing."""
    if moment is None:
        return UNKNOWN
    return moment.astimezone(NEW_YORK).strftime("%b %d %H:%M")


def freshness(status: PanelStatus, reference: datetime | None = None) -> str:
    """A panel's state and as-of time: `CLOSED · Jan 28 16:00`, `STALE 2h 05m · …`.

    A STALE or OFFLINE reading carries its age, measured from `reference` (the time
    of the Snapshot that holds it) so that it reads the same however late it is shown.
    """
    state: str = status.state
    if status.as_of is None:
        return state
    if status.state in ("STALE", "OFFLINE") and reference is not None:
        state = f"{state} {age(reference - status.as_of)}"
    return f"{state} · {as_of(status.as_of)}"


def reason(detail: str | None) -> str:
    """Why a value is missing: the Snapshot's own words, else `not computed yet`."""
    return detail or NOT_COMPUTED


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


def day(value: date | None) -> str:
    """A session date in ISO form, as flags quote it: `2026-01-22`."""
    return UNKNOWN if value is None else value.isoformat()


def short_day(value: date | None) -> str:
    """A session date as tables and chart axes show it: `Jan 22`."""
    return UNKNOWN if value is None else f"{value:%b %d}"


def points(value: float | None, decimals: int = 1, unit: str = " pp") -> str:
    """A signed change with its unit: `+6.1 pp` (percentage points), `+2.0 pts`."""
    return UNKNOWN if value is None else f"{value:+,.{decimals}f}{unit}"


def count(value: int | float | None) -> str:
    """A whole count with thousands separators: `1,234`, `-18,670`."""
    return UNKNOWN if value is None else f"{value:,.0f}"


def ratio(value: float | None) -> str:
    """A ratio of two levels: `0.912`."""
    return UNKNOWN if value is None else f"{value:.3f}"


def yes_no(value: bool | None) -> str:
    """A yes/no reading: `yes`, `no`, or `unknown`."""
    return UNKNOWN if value is None else "yes" if value else "no"


def tone(value: float | None) -> str:
    """The text style of a signed reading: success when above zero, error below."""
    if value is None or value == 0:
        return ""
    return "$text-success" if value > 0 else "$text-error"
