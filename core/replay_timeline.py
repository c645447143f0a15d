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
session come from the same readings (`core.alerts.replay.log_of_frame`); those on the
option chains' readings once `read_chains` has read the chains of the span's last year
(in the loading thread, after the first step)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.clock import NEW_YORK
from core.replay import replay_label
from core.section import Inputs, history_start
from core.sources.base import PartialDataError, SourceError

if TYPE_CHECKING:
    import pandas as pd

    from core.alerts.alert import Alert
    from core.alerts.entry import LogEntry
    from core.config import Settings
    from core.options.chain import OptionChain
    from core.section import CycleData, Registry
    from core.session import MarketSession
    from core.snapshot import SectionModel, Snapshot
    from core.sources.base import Source
    from core.thesis import Thesis


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
        the span's first session, which only sets the state). Until `read_chains` has
        run, without the option chains' readings: the alerts on the gamma flip, walls
        and regime are quiet and the checklist items that read them unknown."""
        ...

    def read_chains(self) -> None:
        """Read the option chains of the span's last `CHAIN_HISTORY` sessions, so that
        `alerts_at` has the alerts on their readings there too. Slow (a chain a session
        holds one: about 50 ms each on the simulated market); call it off the event
        loop, once the steps have started."""
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
        """The session on show when stepping starts: the replayed one; live, the
        session in progress (from the pre-market to the end of after-hours), else the
        last closed one. None: unknown (stepping starts at the span's end)."""
        ...

    @property
    def replaying(self) -> bool:
        """Whether the feed replays a past session (`--as-of`): stepping then goes
        back to it, not to a live view."""
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


STEP_SPAN_YEARS = 10
"""Years of sessions a timeline spans before the session stepping starts from."""

CHAINS_KEPT = 8
"""Option chains a timeline keeps for the sessions stepped to last (back and forth)."""

CHAIN_HISTORY = 252
"""Sessions at the end of a span whose option chains are read for its alerts (a year:
the real data's chains and Yahoo's latest are within it; the simulated market has one
every session, which for a whole span would take half a minute)."""


class ReplayTimeline:
    """The sessions of a span, each built on demand from readings computed once (see
    the module docstring). Made by `load`; safe to use from one thread at a time."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        cycle: CycleData,
        frames: Mapping[str, pd.DataFrame],
        *,
        registry: Registry,
        theses: Mapping[str, Thesis],
        log: Sequence[LogEntry],
        alerts: Sequence[Alert],
        calendar: MarketSession,
        where: str,
        whole_history: Callable[[], Mapping[str, pd.DataFrame]],
    ) -> None:
        import pandas as pd

        self.settings = settings
        self.source = source
        self.cycle = cycle
        """The span's data (chains apart: each step asks for its session's)."""
        self.frames = frames
        """Each precomputed section's readings over the span, by key."""
        self.registry = registry
        self.theses = theses
        self.calendar = calendar
        self.where = where
        """The source as the status line names it (`files:DIR`, sim, yahoo)."""
        index = frames["sessions"].index
        self._sessions = tuple(pd.DatetimeIndex(index).date)
        self.alerts = tuple(alerts)
        self._log = by_session(log)
        self._chains: OrderedDict[date, tuple[date, OptionChain] | str] = OrderedDict()
        """The chain the last few stepped sessions showed (its own session and itself),
        or why none (at most CHAINS_KEPT: a chain can be tens of MB)."""
        self._whole_history = whole_history
        self._full: tuple[Mapping[str, pd.DataFrame], str | None] | None = None
        """The whole history the studies read (loaded at the first `with_edge`), or
        none and why."""
        self._full_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        settings: Settings,
        source: Source,
        start: date,
        end: date,
        *,
        registry: Registry,
        theses: Mapping[str, Thesis],
        alerts: Sequence[Alert],
        calendar: MarketSession,
        where: str,
        whole_history: Callable[[], Mapping[str, pd.DataFrame]],
        warn: Callable[[str], None] = lambda message: None,
    ) -> ReplayTimeline:
        """The sessions from `start` to `end`: the span's data fetched once, the
        readings of every section that has them computed once (those that read option
        chains apart: a chain a session, each step computes its own) and the alerts'
        log over them. Raises HistoryError or SourceError as `core.history` does."""
        from core.alerts.replay import log_of_frame
        from core.history import fetch_cycle, frames_of, readings_table

        computed = [
            section
            for section in registry
            if section.readings is not None and not section.needs_chains
        ]
        # From a replay's `history_years` before `start` on, so that the studies of
        # every step see at least the members' closes a replay of it loads.
        cycle = fetch_cycle(settings, source, history_start(settings, start), end, computed, warn)
        frames = frames_of(settings, cycle, registry, computed, theses, start)
        table = readings_table(frames, computed)
        log = log_of_frame(table, alerts, theses, str(source.kind), calendar)
        return cls(
            settings,
            source,
            cycle,
            frames,
            registry=registry,
            theses=theses,
            log=log,
            alerts=alerts,
            calendar=calendar,
            where=where,
            whole_history=whole_history,
        )

    @property
    def sessions(self) -> Sequence[date]:
        return self._sessions

    def alerts_at(self, session: date) -> Sequence[LogEntry]:
        return tuple(self._log.get(session, ()))

    def read_chains(self) -> None:
        from core.alerts.replay import log_of_frame
        from core.chain_sessions import ChainsOfSessions
        from core.history import frames_of, readings_table

        if not self.registry.needs_chains() or "option_chains" not in self.source.capabilities:
            return
        # Every section again, with the chains: the price levels and the checklist read
        # the gamma readings. For the log alone: a step computes its own session's chain.
        computed = [section for section in self.registry if section.readings is not None]
        days = self._sessions[-CHAIN_HISTORY:]
        chains = ChainsOfSessions(self.source, days, self.calendar)
        cycle = replace(self.cycle, chains=chains, chains_missing=None)
        frames = frames_of(
            self.settings, cycle, self.registry, computed, self.theses, self._sessions[0]
        )
        table = readings_table(frames, computed)
        self._log = by_session(
            log_of_frame(table, self.alerts, self.theses, str(self.source.kind), self.calendar)
        )

    def snapshot_at(self, session: date) -> Snapshot:
        import pandas as pd

        stamp = pd.Timestamp(session)
        cycle = self._cycle_at(stamp, {}, f"computing the studies as of {session}")
        envelope = self._envelope(cycle, stamp)
        built: dict[str, SectionModel] = {}
        frames: dict[str, pd.DataFrame] = {}
        for section in self.registry:
            inputs = Inputs(
                self.settings, cycle, self.theses, built, self.registry, frames, envelope
            )
            frame = self.frames.get(section.key)
            if section.at is not None and frame is not None:
                built[section.key] = section.run_at(inputs, frame.loc[:stamp])
                continue
            if section.levels is not None and section.readings is not None:
                # The levels it adds to the price section come from its session's data.
                frames[section.key] = section.readings(inputs)
            built[section.key] = section.run(inputs)
        return self.registry.snapshot_model(**envelope, **built)

    def with_edge(self, snapshot: Snapshot) -> Snapshot:
        import pandas as pd

        edge = [section for section in self.registry if section.full_history]
        if not edge:
            return snapshot
        stamp = pd.Timestamp(snapshot.as_of.astimezone(NEW_YORK).date())
        full_bars, missing = self._whole_history_loaded()
        cycle = self._cut_at(stamp, full_bars, missing)
        if cycle.members is not None:
            # The studies read the members a replay of the session loads (its
            # `history_years`), not the span's: the same events, the same notes.
            first = pd.Timestamp(history_start(self.settings, stamp.date()))
            cycle = replace(
                cycle, members=replace(cycle.members, closes=cycle.members.closes.loc[first:])
            )
        envelope = {"as_of": snapshot.as_of, "source": snapshot.source, "market": snapshot.market}
        earlier = {section.key: model for section, model in snapshot.sections()}
        update = {
            section.key: section.run(
                Inputs(self.settings, cycle, self.theses, earlier, self.registry, {}, envelope)
            )
            for section in edge
        }
        return snapshot.model_copy(update=update)

    def _cycle_at(
        self, stamp: pd.Timestamp, full_bars: Mapping[str, pd.DataFrame], why_no_full: str | None
    ) -> CycleData:
        """The span's data cut after `stamp`, with the session's option chain and
        intraday bars, dated by the calendar."""
        session = stamp.date()
        chains, chains_missing = self._chains_at(session)
        intraday, intraday_missing = self._intraday_at(session)
        return replace(
            self._cut_at(stamp, full_bars, why_no_full),
            chains=chains,
            chains_missing=chains_missing,
            intraday=intraday,
            intraday_missing=intraday_missing,
        )

    def _cut_at(
        self, stamp: pd.Timestamp, full_bars: Mapping[str, pd.DataFrame], why_no_full: str | None
    ) -> CycleData:
        """The span's daily data (and `full_bars`) cut after `stamp`, dated by the
        calendar, without the session's chain or intraday bars (the studies read
        neither)."""
        cut = cut_cycle(replace(self.cycle, chains={}, full_bars=full_bars), stamp)
        return replace(
            cut,
            state="REPLAY",
            detail=None,
            now=None,
            close_time=self.calendar.session_close,
            full_bars_missing=None if full_bars else why_no_full,
            intraday={},
            intraday_missing=None,
            intraday_failed=None,
        )

    def _envelope(self, cycle: CycleData, stamp: pd.Timestamp) -> dict[str, Any]:
        """The Snapshot's own fields: dated at the close of the index's last bar on or
        before `stamp`, the source a replay's."""
        from core.snapshot import SourceInfo

        index = cycle.bars.get(self.settings.symbols.index)
        last = stamp.date() if index is None or index.empty else index.index[-1].date()
        as_of = self.calendar.session_close(last)
        source = SourceInfo(
            kind=self.source.kind,
            simulated=self.source.simulated,
            label=replay_label(as_of, self.where),
            detail=self.source.detail,
            replay=True,
        )
        return {"as_of": as_of, "source": source, "market": self.calendar.market_info(as_of)}

    def _chains_at(self, session: date) -> tuple[dict[date, OptionChain | None], str | None]:
        """The option chain a replay of `session` shows, by its own session (asked of
        the source once per session stepped to), or none and why."""
        if not self.registry.needs_chains():
            return {}, None
        if "option_chains" not in self.source.capabilities:
            return {}, f"{self.source.kind} serves no option chains"
        if session in self._chains:
            self._chains.move_to_end(session)
        else:
            self._chains[session] = self._chain_of(session)
            while len(self._chains) > CHAINS_KEPT:
                self._chains.popitem(last=False)
        kept = self._chains[session]
        if isinstance(kept, str):
            return {}, kept
        return {kept[0]: kept[1]}, None

    def _chain_of(self, session: date) -> tuple[date, OptionChain] | str:
        """The chain a replay of `session` shows, by its own session, or why none."""
        from core.chain_sessions import session_of

        none = f"{self.where} has no option chain on or before {session}"
        try:
            chain = self.source.option_chain(session)
            if chain is None:
                return none
            own = session_of(self.calendar, chain.as_of)
        except SourceError as error:
            return f"the option chain of {session} could not be read: {error}"
        except ValueError as error:  # an as_of the calendar does not cover
            return f"the option chain of {session}: {error}"
        return (own, chain) if own <= session else none

    def _intraday_at(self, session: date) -> tuple[dict[str, pd.DataFrame], str | None]:
        """The index's 5-minute bars of `session`, or none and why."""
        if "intraday_bars" not in self.source.capabilities:
            return {}, f"{self.source.kind} serves no intraday bars"
        index = self.settings.symbols.index
        try:
            bars = self.source.intraday_bars(session, index)
        except SourceError as error:
            return {}, f"intraday bars of {session}: {error}"
        if bars is None or bars.empty:
            return {}, f"{self.where} has no intraday bars of {session}"
        return {index: bars}, None

    def _whole_history_loaded(self) -> tuple[Mapping[str, pd.DataFrame], str | None]:
        """The whole history the studies read, loaded once, or none and why."""
        with self._full_lock:
            if self._full is None:
                try:
                    self._full = self._whole_history(), None
                except PartialDataError as error:
                    self._full = error.partial, None
                except SourceError as error:
                    self._full = {}, f"the whole history could not be loaded: {error}"
            return self._full


def by_session(log: Sequence[LogEntry]) -> dict[date, list[LogEntry]]:
    """The log's lines by the session they were logged at, in order."""
    sessions: dict[date, list[LogEntry]] = {}
    for entry in log:
        if entry.session is not None:
            sessions.setdefault(entry.session, []).append(entry)
    return sessions
