"""The Snapshot: everything the panels show, as one immutable, JSON-ready pydantic
model. The engine builds one per refresh; widgets render it and nothing else; `regime
snapshot --format json` prints it. The JSON contract in DESIGN.md is a floor: keys are
added, never renamed. This module holds the envelope (the time, the source, the NYSE
session) and what every section shares (its freshness status, chart series); each
section's own model lives with the rest of its declaration in `core/sections/`, and
the Snapshot model with one field per section is built by `core.section.Registry`. A
value that cannot be computed is None (JSON null), and the section's `status.detail`
says why."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from core.section import Section

Freshness = Literal["LIVE", "DELAYED", "STALE", "CLOSED", "OFFLINE", "SIMULATED", "REPLAY", "ERROR"]
"""The state every panel shows beside its as-of time."""

SourceKind = Literal["sim", "files", "yahoo", "cache"]
Phase = Literal["pre", "regular", "post", "closed"]
Thesis = Literal["bull", "bear"]


class Frozen(BaseModel):
    """Base of every Snapshot part: immutable, and strict about its keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LoadProgress(Frozen):
    """A long load feeding a panel, while it runs (`core.progress`): the panel shows a
    progress bar with the counts and the time left. Live only: never saved for the
    next start, and not a reading (readings as history have no status)."""

    what: str
    """What is loading: `members`."""
    done: int
    """Units done so far."""
    total: int
    """Units the load ends with."""
    unit: str
    """What is counted: `tickers`."""
    seconds_left: int | None = None
    """Whole seconds still needed at the pace so far; None while there is no pace yet."""


class PanelStatus(Frozen):
    """How fresh a panel's reading is, and why it is not fresh when it is not."""

    state: Freshness
    as_of: datetime | None = None
    """Time of the newest data point behind the panel (America/New_York)."""
    detail: str | None = None
    """What failed or what is missing, in words a trader can act on: one line (a
    cycle's failures are summed up, `Yahoo unreachable: 40 of 503 members failed`)."""
    full_detail: str | None = None
    """`detail` with the failures it sums up written out in full (every symbol and every
    message, one failure per line), for the detail view and scripts; None when `detail`
    is all there is."""
    progress: LoadProgress | None = None
    """The load of the panel's data still running (its reading is older, or missing
    until the load ends); None when nothing is loading for it."""


class SectionModel(Frozen):
    """Base of every section's model: a reading and how fresh it is."""

    status: PanelStatus


class SourceInfo(Frozen):
    """Which source produced the data, as the status line shows it."""

    kind: SourceKind
    simulated: bool
    label: str
    """Short badge: LIVE, OFFLINE · cache 3h old, SIMULATED, REPLAY 2026-01-28."""
    detail: str | None = None
    """Why this source was chosen (e.g. the yahoo failure that made auto fall back)."""
    fetched_at: datetime | None = None
    """For cached data: when it was fetched."""
    replay: bool = False
    """Historical data evaluated as of a past close (--as-of, or a files directory):
    no countdown or data age against the wall clock applies."""


class MarketInfo(Frozen):
    """The NYSE session as of the snapshot."""

    phase: Phase
    next_open: datetime | None
    next_close: datetime | None
    early_close: bool = False
    """True when the current or next session closes early (13:00 New York)."""


class History(Frozen):
    """Recent daily closes for charts (oldest first)."""

    dates: tuple[date, ...] = ()
    closes: tuple[float, ...] = ()


class Series(Frozen):
    """A short daily series for charts and sparklines (oldest first)."""

    dates: tuple[date, ...] = ()
    values: tuple[float | None, ...] = ()


class Snapshot(Frozen):
    """Everything the monitor knows at one refresh: this envelope, plus one field per
    section of the registry that built it (`Registry.snapshot_model`)."""

    SECTIONS: ClassVar[tuple[Section[Any], ...]] = ()
    """The sections of this Snapshot model, in order."""

    as_of: datetime
    source: SourceInfo
    market: MarketInfo

    if TYPE_CHECKING:
        # Section fields are added per registry; a checker sees them as Any.
        def __init__(self, **data: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

    def sections(self) -> list[tuple[Section[Any], SectionModel]]:
        """Each section's declaration with its reading, in order."""
        return [(section, getattr(self, section.key)) for section in self.SECTIONS]
