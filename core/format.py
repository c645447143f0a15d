"""The one home for turning readings into text: the panels, the text report and the
checklist all say a number, a sign, a time or a missing value through this module, so
they say it the same way. Families:

- missing: `UNKNOWN` for None, NaN and ±inf (never 0, never "nan"), `finite`,
  `missing_reason`;
- numbers: `number`, `price`, `level_price`, `count`, `pct`, `ratio`;
- signed changes, each named by its unit: `signed_number` (the reading's own units:
  index or VIX points, a signal), `signed_count`, `signed_pct` (percent),
  `signed_pp` (percentage points), and `day_change` (points and percent);
- yes/no: `yes_no`;
- times and dates, in New York time: `ny_time`, `ny_short_time`, `iso_date`,
  `short_date`, and durations: `age`, `countdown`;
- a panel's freshness: `freshness` (on screen), `status_text` (in the text report);
- user-written number formats (thesis `format`, the rules' `fmt`): `split_spec`,
  `spec_ok`, `with_spec`.

Percentages are in percent units (16.35, not 0.1635). Pure functions of their
arguments: no clock is read here (callers pass "now"), and nothing beyond the standard
library and core.clock is imported, so every layer can use it."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Protocol

from core.clock import NEW_YORK

__all__ = [
    "NOT_COMPUTED",
    "UNKNOWN",
    "Status",
    "age",
    "count",
    "countdown",
    "day_change",
    "finite",
    "freshness",
    "iso_date",
    "level_price",
    "missing_reason",
    "number",
    "ny_short_time",
    "ny_time",
    "pct",
    "price",
    "ratio",
    "short_date",
    "signed_count",
    "signed_number",
    "signed_pct",
    "signed_pp",
    "spec_ok",
    "split_spec",
    "status_text",
    "with_spec",
    "yes_no",
]

UNKNOWN = "unknown"
"""What a missing value reads as: never 0, never blank, never "nan"."""
NOT_COMPUTED = "not computed yet"
"""The reason given for a missing value when the Snapshot gives none."""

# A plain numeric format spec: fill and align, sign, #, 0, width ≤ 99, grouping,
# precision ≤ 99, one numeric type. Nothing that could reach a field or a nested spec.
_NUMBER_SPEC = re.compile(r"(?:[^{}]?[<>=^])?[-+ ]?#?0?\d{0,2}[,_]?(?:\.\d{1,2})?[deEfFgGn]?")


class Status(Protocol):
    """A panel's freshness as the Snapshot gives it (core.snapshot.PanelStatus)."""

    @property
    def state(self) -> str: ...
    @property
    def as_of(self) -> datetime | None: ...
    @property
    def detail(self) -> str | None: ...
    @property
    def full_detail(self) -> str | None: ...


# -- missing --------------------------------------------------------------------------


def finite(value: float | None) -> float | None:
    """`value` when it is a finite number, else None: NaN and ±inf are as missing as
    None, for deciding a style as much as a text."""
    return value if value is not None and math.isfinite(value) else None


def missing_reason(detail: str | None) -> str:
    """Why a value is missing: the Snapshot's own words, else `not computed yet`."""
    return detail or NOT_COMPUTED


def _formatted(value: float | None, spec: str, unit: str = "") -> str:
    """`value` in the format `spec` followed by `unit`, or `unknown` (without the unit)."""
    known = finite(value)
    return UNKNOWN if known is None else f"{known:{spec}}{unit}"


# -- numbers --------------------------------------------------------------------------


def number(value: float | None, decimals: int = 2) -> str:
    """A plain reading such as a VIX level or an RSI: `16.42`, `1,234.50`."""
    return _formatted(value, f",.{decimals}f")


def price(value: float | None) -> str:
    """An index price: `6,978.03`."""
    return number(value, 2)


def level_price(value: float | None) -> str:
    """A price level: whole numbers without decimals (`7,000`), others as prices."""
    known = finite(value)
    return number(known, 0 if known is not None and float(known).is_integer() else 2)


def count(value: float | None) -> str:
    """A whole count: `503`, `1,234`."""
    return number(value, 0)


def pct(value: float | None, decimals: int = 1) -> str:
    """An unsigned percentage: `58.4%`."""
    return _formatted(value, f",.{decimals}f", "%")


def ratio(value: float | None, decimals: int = 3) -> str:
    """A ratio of two levels: `0.912`."""
    return number(value, decimals)


# -- signed changes -------------------------------------------------------------------


def signed_number(value: float | None, decimals: int = 2, unit: str = "") -> str:
    """A signed change in the reading's own units (index points, VIX points, a
    signal), optionally labelled: `+12.40`, `-0.35`, `+1.20 pts`."""
    return _formatted(value, f"+,.{decimals}f", unit)


def signed_count(value: float | None) -> str:
    """A signed change of a count: `+1,234`, `-18`."""
    return signed_number(value, 0)


def signed_pct(value: float | None, decimals: int = 2) -> str:
    """A signed change in percent: `+0.18%`, `-31%`."""
    return signed_number(value, decimals, "%")


def signed_pp(value: float | None, decimals: int = 1) -> str:
    """A signed change of a percentage, in percentage points: `+6.1 pp`."""
    return signed_number(value, decimals, " pp")


def day_change(last: float | None, prev_close: float | None, change_pct: float | None) -> str:
    """The day's change as points and percent: `+12.40 (+0.18%)`; the percent alone
    when the points cannot be worked out."""
    known_last, known_prev = finite(last), finite(prev_close)
    if known_last is None or known_prev is None:
        return signed_pct(change_pct)
    return f"{signed_number(known_last - known_prev)} ({signed_pct(change_pct)})"


def yes_no(value: bool | None) -> str:
    """A yes/no reading: `yes`, `no`, or `unknown`."""
    return UNKNOWN if value is None else "yes" if value else "no"


# -- times ----------------------------------------------------------------------------


def ny_time(moment: datetime | None) -> str:
    """A moment as New York wall time, in full: `2026-01-28 16:00 ET`."""
    return UNKNOWN if moment is None else f"{moment.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET"


def ny_short_time(moment: datetime | None) -> str:
    """A moment as New York wall time where space is short: `Jan 28 16:00`."""
    return UNKNOWN if moment is None else f"{moment.astimezone(NEW_YORK):%b %d %H:%M}"


def iso_date(value: date | None) -> str:
    """A session date in ISO form, as flags and files quote it: `2026-01-22`."""
    return UNKNOWN if value is None else value.isoformat()


def short_date(value: date | None) -> str:
    """A session date as tables and chart axes show it: `Jan 22`."""
    return UNKNOWN if value is None else f"{value:%b %d}"


def _split(delta: timedelta) -> tuple[int, int, int, int]:
    """Days, hours, minutes, seconds of `delta` (a negative one counts as zero)."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    return days, hours, minutes, seconds


def age(delta: timedelta) -> str:
    """A duration as people say an age: `45s`, `4m`, `4h 05m`, `2d 3h`. Seconds only
    under a minute, so an age on screen changes at most once a minute after that."""
    days, hours, minutes, seconds = _split(delta)
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
    days, hours, minutes, seconds = _split(delta)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes:02d}:{seconds:02d}"


# -- freshness ------------------------------------------------------------------------


def freshness(status: Status, reference: datetime | None = None) -> str:
    """A panel's state and as-of time, as its title shows them: `CLOSED · Jan 28
    16:00`, `STALE 2h 05m · Jan 28 14:00`.

    A STALE or OFFLINE reading carries its age, measured from `reference` (the time
    of the Snapshot that holds it) so that it reads the same however late it is shown.
    """
    state = status.state
    if status.as_of is None:
        return state
    if state in ("STALE", "OFFLINE") and reference is not None:
        state = f"{state} {age(reference - status.as_of)}"
    return f"{state} · {ny_short_time(status.as_of)}"


def status_text(status: Status) -> str:
    """A panel's state, as-of time and why, as the text report writes them (the why
    in full, not the panel's one line): `[STALE · as of 2026-01-28 14:00 ET · feed down]`."""
    parts = [status.state]
    if status.as_of is not None:
        parts.append(f"as of {ny_time(status.as_of)}")
    why = status.full_detail or status.detail
    if why:
        parts.append(why)
    return "[" + " · ".join(parts) + "]"


# -- user-written number formats ------------------------------------------------------


def split_spec(text: str) -> tuple[str, str]:
    """A written format split into its number spec and the unit after it:
    `+.1f pp` → (`+.1f`, ` pp`). The spec is not checked here (see `spec_ok`)."""
    match = _NUMBER_SPEC.match(text)  # every part is optional: it always matches
    spec = match.group(0) if match else ""
    return spec, text[len(spec) :]


def spec_ok(spec: str) -> bool:
    """Whether `spec` is a plain numeric format spec (fill, sign, width ≤ 99, grouping,
    precision ≤ 99, and one of the types d e E f F g G n) that Python accepts."""
    if _NUMBER_SPEC.fullmatch(spec) is None:
        return False
    try:
        format(1234 if spec.endswith(("d", "n")) else 1234.5, spec)
    except ValueError:
        return False
    return True


def with_spec(value: float | None, spec: str, unit: str = "") -> str:
    """`value` in a format spec accepted by `spec_ok`, then `unit`: `+.2f` → `-0.31`,
    `d` rounds to a whole number. An empty spec is the plain display: whole counts
    as `1,234`, other numbers with two decimals. `unknown` for None, NaN and ±inf."""
    known = finite(value)
    if known is None:
        return UNKNOWN
    if not spec:
        text = count(known) if isinstance(known, int) else number(known)
    elif spec.endswith("d"):
        text = format(round(known), spec)
    else:
        text = format(known, spec)
    return text + unit
