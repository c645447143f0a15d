"""Replay stepping's data: a span of sessions loaded once, each session's Snapshot built
from the readings as history (`core.history`) rather than by a whole replay. The span's
data is fetched once (`fetch_cycle`) and every section's readings computed once
(`frames_of`); a step cuts both after the session shown (`cut_cycle`, `frame.loc[:t]`)
and builds each section from its readings' last row (`Section.at`), the sections with
no `at` by `compute` on the cut data (the checklist scores the Snapshot so built; the
option chain's gamma is computed from that session's chain, as a replay of it shows;
the intraday bars are that session's). The studies of the Edge panel take longer than
a step (they rerun over a century of readings), so a step's Snapshot shows them as
being computed and `with_edge` fills them in. The alerts and checklist changes of each
session come from the same readings (`core.alerts.replay.log_of_frame`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from core.alerts.entry import LogEntry
    from core.options.chain import OptionChain
    from core.section import CycleData
    from core.snapshot import Snapshot


@runtime_checkable
class Timeline(Protocol):
    """What the app steps through (`ReplayTimeline`; a fake in the TUI tests)."""

    @property
    def sessions(self) -> Sequence[date]:
        """The span's sessions, oldest first (never empty)."""
        ...

    def snapshot_at(self, session: date) -> Snapshot:
        """The Snapshot of `session` (one of `sessions`) as a replay of it shows,
        except the Edge panel, which says it is being computed (see `with_edge`).
        About a tenth of a second; call it off the event loop."""
        ...

    def with_edge(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` (from `snapshot_at`) with its Edge panel computed: a few tenths of
        a second; call it off the event loop."""
        ...

    def alerts_at(self, session: date) -> Sequence[LogEntry]:
        """The alerts that fired and the checklist changes logged at `session`'s close,
        as a monitor left running through the span would have logged them (empty on
        the span's first session, which only sets the state)."""
        ...


@runtime_checkable
class Steppable(Protocol):
    """A feed replay stepping can start from (the engine)."""

    def replay_timeline(self) -> Timeline:
        """The sessions to step through, ending at the last closed session the source
        has (live) or at the replayed one and after (a replay). Slow (a second or two
        on ten years with 503 members): call it off the event loop. Raises
        `core.history.HistoryError` or `core.sources.base.SourceError` when it cannot."""
        ...

    @property
    def stepping_from(self) -> date | None:
        """The session the first step starts from: the replayed one, or live the last
        closed session (None before the first cycle)."""
        ...


def cut_cycle(cycle: CycleData, session: pd.Timestamp) -> CycleData:
    """`cycle` with nothing after `session`: its daily bars, members' closes and whole
    history cut there (views, not copies), its option chains those of sessions on or
    before it (every chain is read: give a span's lazily loaded chains, a
    `ChainsOfSessions`, only the ones a step needs)."""
    members = cycle.members
    if members is not None and len(members.closes) and members.closes.index[-1] > session:
        members = replace(members, closes=members.closes.loc[:session])
    day = session.date()
    chains: Mapping[date, OptionChain | None] = {
        own: chain for own, chain in cycle.chains.items() if own <= day
    }
    return replace(
        cycle,
        bars={symbol: frame.loc[:session] for symbol, frame in cycle.bars.items()},
        members=members,
        full_bars={symbol: frame.loc[:session] for symbol, frame in cycle.full_bars.items()},
        chains=chains,
    )
