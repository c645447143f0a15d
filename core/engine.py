"""The refresh loop: decide what is due, fetch it off the event loop, compute the
signals, and publish one immutable Snapshot per cycle.

Fetches never overlap: one loop awaits each refresh before it schedules the next, after
the cadence of the market phase (or at once when `refresh_now` is called). No fault ends
the loop: a fetch that fails (a `SourceError`, a `StoreError`, odd data), a section
whose computation raises, a clock past the NYSE calendar, a section's bad symbols or a
Snapshot that fails validation is caught and named in one line on the Snapshot, and the
cycle is retried with exponential backoff and jitter up to a cap (`Backoff`); the normal
cadence resumes after a healthy cycle. A cycle's failures are summed up in one line
(`core.failures`: "Yahoo unreachable: 40 of 503 members failed; retrying within 2m", the
retry said only while the loop runs) in each panel's status detail; the whole text is in
`full_detail` and in the log, written once until it changes. The last good data stays on
show, its panels marked STALE (their age counts to the failed cycle) with the reason;
with no good data yet, every section shows its fallback in state ERROR with the reason.
A fetch still running when its cadence has passed gets the last Snapshot re-published as
STALE ("fetch running for 45s") until it ends; no second fetch starts meanwhile.
Members' bars (for breadth) are slow data, fetched on their own longer cadence; in the
loop (live) their load runs in a thread of its own, one at a time, never doubled: a
cycle that starts it waits `members_grace` for it, and when it is longer (a cold cache:
hundreds of tickers in chunks) the cycle computes and publishes every section from what
it has, the panels the members feed saying that they are loading (their older reading
kept), with the load's progress (`core.progress`: counts and time left) re-published
about once a second while the loop rests; its end wakes the loop for a refresh at once,
and its failure is collected by that cycle like any fetch's (one line, retried with
backoff). The index's option chain (for the sections that read chains) is slow data too,
loaded the same way in a thread of its own (`core.background_load`, a grace of
`chains_grace`; started after the quotes, so that a live source values it at the price
just fetched): asked on the first cycle, then in regular hours every `refresh.options`
seconds, outside them once after the last session's close and not again until the open;
kept under the session its `as_of` falls in (`core.chain_sessions`); the last good chain
stays through a failure or an empty answer (the gamma panel shows its age), and with
none the cycle says why (`CycleData.chains_missing`). A failed chain fetch costs the
panels that read chains alone: options are an extra a source may fail at while its
quotes are fine, so the failure is not the cycle's (the other panels stay as they are,
the quotes keep their cadence); those panels show the last good chain marked STALE (or,
with none, why there is none) with the failure's line, and the chain is asked again
after a backoff of its own (`Backoff`, counted in failed chain fetches in a row). The
whole daily history of the symbols some section reads in full (`Section.full_history`:
the edge section's studies read the index since 1928) is slow data of another kind: it
changes once a session, so it is loaded from the source's first session up to the last
closed session (a session in progress is not a close) once per newly closed session
(in a replay, once, up to the replayed session), in a thread of its own while the loop
runs (no grace by default, `full_grace`: its end wakes the loop; inline in a lone
`refresh`; never from the warm source), and handed to every cycle as the same object
until the next load (`CycleData.full_bars`; with none yet, `full_bars_missing` says
why). Its failure, like the chain's, costs the sections that read it alone: they keep
the last load marked STALE with the line (or say why there is none), live it is asked
again after its own backoff, and a fixed past (a replay, files) is not asked again for
that session; a section that reads it and fails to compute does not fail the cycle
either. The index's 5-minute bars of the session in progress (for the intraday
section) are asked of a source that serves them on every cycle during the session's
pre, regular and post phases (a live source keeps to its own limits), in a replay once
for the replayed session, and never outside a session (`CycleData.intraday`, empty,
with `intraday_missing` saying why); a failed fetch costs the intraday section alone,
which keeps the last bars marked STALE with the failure's line (`intraday_failed`),
and is asked again on the next cycle. A lone
`refresh` (`regime snapshot`), the warm start and a replay load the members and the
chain inline; a replay asks once, for the replayed session. The engine asks a source
only for what its `capabilities` declare, and takes the state its panels show from what
the source says its data is (historical, simulated, cached). Given a `Replay` the engine
replays: everything is evaluated as of that session's close, the window it asks sources
for ends there, no bar or chain after it is used, and no quote is fetched. Given an
`AlertWatcher` (core.alerts.watcher), the loop has it read each healthy cycle's Snapshot
(never the warm one's, nor a failed cycle's) in a thread, at the engine's clock (in a
replay, at the Snapshot's `as_of`), and hands the log entries it gives to `on_alerts` on
the event loop; a watcher or a receiver that raises is logged, and the loop goes on."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeGuard

import pandas as pd

from core import format as fmt
from core import last_snapshot
from core.background_load import BackgroundLoad
from core.chain_sessions import session_of
from core.clock import NEW_YORK, Clock, system_clock
from core.config import Settings
from core.failures import Failure, Summary, describe, summarize
from core.options.chain import OptionChain
from core.progress import members_progress
from core.replay import Replay, replay_label
from core.section import CycleData, Registry, builtin, history_start, sessions_before
from core.session import MarketSession
from core.snapshot import (
    Freshness,
    LoadProgress,
    MarketInfo,
    PanelStatus,
    Snapshot,
    SourceInfo,
)
from core.sources.base import (
    MAX_JUMP,
    MemberPanel,
    PartialDataError,
    Quote,
    Source,
    SourceError,
)
from core.sources.shared import SharedFetcher
from core.thesis import Thesis, load_theses

if TYPE_CHECKING:
    from core.alerts.entry import LogEntry
    from core.alerts.watcher import AlertWatcher
    from core.replay_timeline import ReplayTimeline

log = logging.getLogger(__name__)

Publish = Callable[[Snapshot], None]
SAVE_EVERY = timedelta(minutes=1)
"""How often the latest Snapshot is written for the next start."""

MEMBERS_GRACE = 0.5
"""Seconds after it began that a cycle waits for the members' load it started before it
publishes without it: a local source or a store with nothing to top up answers well
within it (the simulated market's 503 members in 5 ms); the daily bars are fetched
meanwhile, so a cold Yahoo start loses none of it."""
PROGRESS_EVERY = 1.0
"""Seconds between re-publishing a running load's progress while the loop rests."""
LOADING_MEMBERS = "loading the members' closes"
"""What a panel the members feed says while their first load runs."""
SILENT_AFTER = 3
"""Regular-hours quote cadences after which a store's quotes no other process refreshed
show the process that holds the fetcher lock silent (stopped, hung, or backing off)."""
CHAINS_GRACE = 0.5
"""Seconds after it began that a cycle waits for the option chain's load it started
before it publishes without it: a files or simulated chain is read well within it; a
Yahoo chain (one request per expiry, a pause apart) is left to run, and its end wakes
the loop."""
CHAIN_TRIES_CLOSED = 3
"""Failed chain fetches in a row outside regular hours before the next try waits for
the open."""
CHAIN = "option chain"
"""The fetch of the index's option chain, as a failure names it."""
LOADING_CHAIN = "loading the option chain"
"""Why there is no chain while the first one loads."""
CHAIN_FAILED = "no option chain (its fetch failed)"
"""Why there is no chain when its fetch failed (the cycle's line says how)."""
FULL_HISTORY_FROM = date(1900, 1, 1)
"""Where the whole history is asked from: before any source's first session."""
FULL_REASK = 600.0
"""Seconds before the whole history is asked again when a live source had no bar of
the session just closed (its daily bar comes some minutes after the close)."""
FULL_REASK_WITHIN = timedelta(hours=3)
"""How long after a close a live source's missing bar of it is waited for."""
FULL_GRACE = 0.0
"""Seconds after it began that a cycle waits for the whole history's load it started
before it publishes without it: none, so that a start's first fresh Snapshot waits
neither for a century of bars (~0.2 s from files, a request per symbol from Yahoo) nor
for the studies run on them (~0.3 s); the load's end wakes the loop, and that cycle
runs them."""
FULL_HISTORY = "whole history"
"""The load of the whole daily history, as a failure names it."""
LOADING_FULL = "loading the history the studies read"
"""Why there is no whole history while its first load runs."""
FULL_FAILED = "no long history (its load failed)"

INTRADAY = "intraday"
"""The section that reads the index's intraday bars (fetched only when it is shown)."""
NO_SESSION = "no session in progress"
"""Why there is no whole history when its load failed (the line says how)."""

BACKOFF_FIRST = 2.0
"""Seconds before the first retry of a failed cycle."""
BACKOFF_FACTOR = 2.0
"""Each further consecutive failure multiplies the wait by this."""
BACKOFF_CAP = 300.0
"""The longest wait between retries (`r` retries at once whatever the wait)."""
BACKOFF_JITTER = 0.25
"""Up to this share of a wait is taken off at random, so that engines failing on one
shared cause (a store, Yahoo) do not retry in step."""


class SnapshotFeed(Protocol):
    """What the TUI needs from an engine: a loop that publishes, and a way to poke it."""

    async def run(self, publish: Publish) -> None:
        """Refresh forever, calling `publish` with each new Snapshot (on the caller's
        event loop). Never raises for a failed cycle: the Snapshot says what failed."""
        ...

    def refresh_now(self) -> None:
        """Start the next refresh at once instead of waiting for the cadence."""
        ...


@dataclass(frozen=True)
class Backoff:
    """How long the loop waits after consecutive failed cycles: `first` seconds, times
    `factor` for each further failure, at most `cap`, less up to `jitter` of it at
    random (`draw` answers in [0, 1))."""

    first: float = BACKOFF_FIRST
    factor: float = BACKOFF_FACTOR
    cap: float = BACKOFF_CAP
    jitter: float = BACKOFF_JITTER
    draw: Callable[[], float] = random.random

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` (>= 1) failed cycles in a row."""
        return self.longest(failures) * (1.0 - self.jitter * self.draw())

    def longest(self, failures: int) -> float:
        """The most `delay` waits after `failures` failed cycles (the jitter only
        shortens it): what a failure's line promises."""
        # The exponent is bounded: a week of failures must not overflow a float.
        growth = self.factor ** min(max(failures, 1) - 1, 64)
        return min(self.cap, self.first * growth)


class CycleError(Exception):
    """A cycle that could not build its Snapshot: the step that failed, and why."""

    def __init__(self, step: str, cause: Exception) -> None:
        super().__init__(f"{step}: {describe(cause)}")
        self.failure = Failure(step, cause)
        """The step and its exception, for the failure's line and its whole text."""


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Name the step of a cycle that an exception escaped from."""
    try:
        yield
    except CycleError:
        raise
    except Exception as error:
        raise CycleError(name, error) from error


def _aged(status: PanelStatus, detail: str, full_detail: str | None = None) -> PanelStatus:
    """`status` of a reading kept from an earlier cycle: no longer LIVE, DELAYED or
    CLOSED but STALE (SIMULATED, REPLAY and OFFLINE still say what the data is), and
    `detail` (written out in `full_detail`) saying why it was kept."""
    state: Freshness = "STALE" if status.state in last_snapshot.AGED_STATES else status.state
    update = {"state": state, "detail": detail, "full_detail": full_detail}
    return status.model_copy(update=update)


def _written_out(status: PanelStatus, summary: Summary) -> PanelStatus:
    """`status` with the whole text of the failures its detail sums up (if it does)."""
    detail = status.detail
    if detail is None or summary.line not in detail or summary.full == summary.line:
        return status
    return status.model_copy(update={"full_detail": detail.replace(summary.line, summary.full)})


def _following(source: Source) -> TypeGuard[SharedFetcher]:
    """`source` shares another process's fetches (it holds the fetcher lock, not this)."""
    return isinstance(source, SharedFetcher) and source.cached


def _where(source: Source) -> str:
    """A source as a panel names it: its kind, or `files:DIR` for a directory."""
    return source.kind if source.directory is None else f"files:{source.directory}"


def showing_data_from(moment: datetime) -> str:
    """The tail of a failure's line saying how old the data on show is."""
    return f"; showing data from {moment.astimezone(NEW_YORK):%Y-%m-%d %H:%M}"


def merge_quotes(
    bars: Mapping[str, pd.DataFrame], quotes: Mapping[str, Quote]
) -> dict[str, pd.DataFrame]:
    """Apply intraday quotes to the daily bars: a quote for the last bar's session
    updates its close (and stretches its high/low); a quote for a later session adds
    that session's bar. Older quotes are ignored, and so is a quote that is no price
    (not finite and positive, or MAX_JUMP times the previous close: a bad print), which
    is logged, never shown."""
    merged = dict(bars)
    for symbol, quote in quotes.items():
        frame = merged.get(symbol)
        if frame is None or frame.empty:
            continue
        session = pd.Timestamp(quote.session)
        last_session = frame.index[-1]
        if session < last_session:
            continue
        before = frame["close"].loc[: session - pd.Timedelta(days=1)]
        reference = float(before.iloc[-1]) if len(before) else quote.last
        plausible = 1 / MAX_JUMP <= quote.last / reference <= MAX_JUMP if reference > 0 else False
        if not (math.isfinite(quote.last) and quote.last > 0 and plausible):
            log.warning("ignored the quote of %s at %s: %r", symbol, quote.time, quote.last)
            continue
        frame = frame.copy()
        if session == last_session:
            high = float(frame.at[session, "high"])  # type: ignore[arg-type]
            low = float(frame.at[session, "low"])  # type: ignore[arg-type]
            frame.at[session, "close"] = quote.last
            if not math.isnan(high):
                frame.at[session, "high"] = max(high, quote.last)
            if not math.isnan(low):
                frame.at[session, "low"] = min(low, quote.last)
        else:
            frame.loc[session] = [quote.last, quote.last, quote.last, quote.last, float("nan")]
        merged[symbol] = frame
    return merged


def _cut(bars: Mapping[str, pd.DataFrame], closed: date) -> Mapping[str, pd.DataFrame]:
    """`bars` up to `closed` (nothing after it), symbols with no bar left out."""
    cutoff = pd.Timestamp(closed)
    kept = {symbol: frame.loc[:cutoff] for symbol, frame in bars.items() if frame is not None}
    return {symbol: frame for symbol, frame in kept.items() if len(frame)}


def _whole_history(
    source: Source, symbols: Sequence[str], closed: date
) -> Mapping[str, pd.DataFrame]:
    """The daily bars of `symbols` from the source's first session to `closed`."""
    return _cut(source.daily_bars(symbols, FULL_HISTORY_FROM, closed), closed)


class Engine:
    """Fetches, computes and publishes Snapshots (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        *,
        clock: Clock = system_clock,
        replay: Replay | None = None,
        session: MarketSession | None = None,
        warm_source: Source | None = None,
        source_detail: str | None = None,
        snapshot_path: Path | None = None,
        theses: Mapping[str, Thesis] | None = None,
        sections: Registry | None = None,
        backoff: Backoff | None = None,
        members_grace: float = MEMBERS_GRACE,
        chains_grace: float = CHAINS_GRACE,
        full_grace: float = FULL_GRACE,
        watcher: AlertWatcher | None = None,
    ) -> None:
        self.settings = settings
        self.theses: Mapping[str, Thesis] = (
            theses if theses is not None else load_theses(settings.theses)
        )
        """The theses the checklist scores (raises ThesisError here when one is bad)."""
        self.sections = sections if sections is not None else builtin()
        """The sections each Snapshot holds (they say which data to fetch)."""
        self.source = source
        self.clock = clock
        self.replay = replay
        """The session replayed, or None when live."""
        self.session = session or MarketSession(clock)
        self.warm_source = warm_source
        """A fast local source (the cache) shown once before the first real fetch."""
        self.source_detail = source_detail
        """A note from the caller, shown after the source's own detail."""
        self.snapshot_path = snapshot_path
        """Where the latest Snapshot is kept for the next start (None: nowhere)."""
        self.backoff = backoff or Backoff()
        """How long to wait after failed cycles."""
        self.members_grace = members_grace
        """Seconds a cycle waits for the members' load it starts (see MEMBERS_GRACE)."""
        self.chains_grace = chains_grace
        """Seconds a cycle waits for the option chain's load it starts (see CHAINS_GRACE)."""
        self.full_grace = full_grace
        """Seconds a cycle waits for the whole history's load it starts (see FULL_GRACE)."""
        self.watcher = watcher
        """The alerts read on each healthy cycle's Snapshot (None: no alerts)."""
        self.on_alerts: Callable[[Sequence[LogEntry]], None] | None = None
        """Receives each healthy cycle's new log entries, on the event loop."""
        self._members_load: BackgroundLoad[MemberPanel | None] | None = None
        """The members' load running in its thread (at most one), until a cycle collects it."""
        self._chain_load: BackgroundLoad[OptionChain | None] | None = None
        """The option chain's load running in its thread (at most one), likewise."""
        self._chain_load_for: date | None = None
        """The session that load asked for."""
        self._chain: tuple[date, OptionChain] | None = None
        """The last good option chain, with the session it belongs to (kept through
        failures and empty answers: the panel says how old it is)."""
        self._chain_asked: datetime | None = None
        """The cycle's time when the last answered chain fetch was asked (its cadence
        counts from it; None: none answered yet, the next cycle asks)."""
        self._chain_asked_for: date | None = None
        """The session that fetch asked for."""
        self._chain_absent: date | None = None
        """The session the source last said it had no chain on or before (None when its
        last answer was a chain)."""
        self._chain_failure: Failure | None = None
        """The last chain fetch's failure, until one answers."""
        self._chain_failures = 0
        """Failed chain fetches in a row: the chain's own backoff counts them."""
        self._chain_retry_at: datetime | None = None
        """When (by the engine's clock) the chain is asked again after a failure."""
        self._full_load: BackgroundLoad[Mapping[str, pd.DataFrame]] | None = None
        """The whole history's load running in its thread (at most one), likewise."""
        self._full_load_for: date | None = None
        """The closed session that load asked up to."""
        self._full: tuple[date, Mapping[str, pd.DataFrame]] | None = None
        """The last whole history loaded, with the closed session it was asked up to
        (kept through failures; one object until the next load: sections cache on it)."""
        self._full_asked_for: date | None = None
        """The closed session the last answered (or, for a fixed past, failed) load was
        asked up to: the next one is due when a later session closes."""
        self._full_failure: Failure | None = None
        """The last load's failure, until one answers."""
        self._full_failures = 0
        """Failed loads of the whole history in a row: its own backoff counts them."""
        self._full_retry_at: datetime | None = None
        """When (by the engine's clock) the whole history is asked again after a failure."""
        self._full_logged: str | None = None
        """The whole text of its failure last written to the log (not repeated)."""
        self._intraday: tuple[date, pd.DataFrame] | None = None
        """The index's last good intraday bars, with their session (kept through a
        failed fetch; dropped when the session ends)."""
        self._intraday_asked_for: date | None = None
        """The session the last answered intraday fetch asked for (a replay asks once)."""
        self._intraday_missing: str | None = None
        """Why there are no intraday bars when nothing failed."""
        self._intraday_failed: str | None = None
        """The last intraday fetch's failure in one line, until one answers."""
        self._shown: Snapshot | None = None
        """The last Snapshot published, as built (without the load's progress)."""
        self._progress_shown: LoadProgress | None = None
        """The load's progress published with it."""
        self._saved_at: datetime | None = None
        self._unsaved: Snapshot | None = None
        """A healthy cycle's Snapshot not yet written (within SAVE_EVERY of the last)."""
        self._bars: dict[str, pd.DataFrame] = {}
        self._members: MemberPanel | None = None
        self._members_fetched: datetime | None = None
        self._last_success: datetime | None = None
        self._quote_time: datetime | None = None
        self._last_good: Snapshot | None = None
        """The last Snapshot a cycle built (a failed cycle shows it again, marked)."""
        self.failures: list[str] = []
        """What failed in the last cycle, one line each (empty when nothing did): each
        fetch's whole message, or the cycle's line when the cycle built nothing."""
        self._logged: str | None = None
        """The whole text of the failures last written to the log (not repeated)."""
        self._chain_logged: str | None = None
        """Likewise for the chain fetch's failure."""
        self.consecutive_failures = 0
        """Failed cycles in a row (0 after a healthy one): the backoff's count."""
        self._watched = False
        """Whether the watcher has read a Snapshot yet."""
        self._lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the window of data a cycle needs -------------------------------------------

    def _symbols(self) -> Sequence[str]:
        """The symbols fetched every cycle: those some section reads."""
        return self.sections.symbols(self.settings)

    def _end(self, now: datetime) -> date:
        """The last session a cycle may use: the replayed session in a replay; live, the
        session in progress or, outside it, the next one (whose bar a source may
        already quote as an indication before the open)."""
        if self.replay is not None:
            return self.replay.session
        state = self.session.state(now)
        return state.session or state.next_open.astimezone(NEW_YORK).date()

    def _start(self, end: date) -> date:
        """The first session of members' closes a cycle loads (`history_years`)."""
        return history_start(self.settings, end)

    def windows(self, end: date) -> dict[date, list[str]]:
        """The daily bars a cycle loads, by first session: `history_years`, or more for
        a symbol whose readings need a longer warm-up to be exact (the index's EMA 200:
        today's reading then equals the same session's in a history)."""
        start = self._start(end)
        return self.sections.windows(
            self.settings, lambda warmup: min(start, sessions_before(end, warmup))
        )

    def _members_due(self, now: datetime) -> bool:
        if self._members_fetched is None:
            return True
        if self.replay is not None:
            return False
        return (now - self._members_fetched).total_seconds() >= self.settings.refresh.members

    def _chain_due(self, now: datetime, end: date) -> bool:
        """Whether the option chain is due: on the first cycle; in a replay, once for
        the replayed session; live, in regular hours every `refresh.options` seconds,
        outside them once after the last session's close, then not until the open."""
        if self._chain_retry_at is not None:
            return now >= self._chain_retry_at
        if self._chain_asked is None:
            return True
        if self.replay is not None:
            return self._chain_asked_for != end
        state = self.session.state(now)
        if state.phase == "regular":
            elapsed = (now - self._chain_asked).total_seconds()
            return elapsed >= self.settings.refresh.options
        return self._chain_asked < self.session.session_close(state.last_session)

    def _closed(self, now: datetime) -> date:
        """The last closed session a cycle may read whole histories up to: the replayed
        session in a replay; live, the last session whose regular close has passed (a
        session in progress is not a close)."""
        if self.replay is not None:
            return self.replay.session
        return self.session.state(now).last_session

    def _full_due(self, now: datetime, closed: date) -> bool:
        """Whether the whole history is due: after a failure, at its retry time; else
        when no load has answered for `closed` yet."""
        if self._full_retry_at is not None:
            return now >= self._full_retry_at
        return self._full_asked_for != closed

    # -- one cycle -------------------------------------------------------------------

    def _fetch(
        self,
        source: Source,
        now: datetime,
        end: date,
        windows: Mapping[date, list[str]],
        symbols: Sequence[str],
        background: bool = False,
    ) -> tuple[list[Failure], bool]:
        """Fetch what is due into the engine's last-good data (the members' load in a
        thread of its own when `background`, see `_fetch_members`). Returns what failed,
        and whether every fetch answered (a partial answer counts: what came back is
        kept and the rest is asked again next cycle, at the usual cadence)."""
        failures: list[Failure] = []
        answered = True

        @contextlib.contextmanager
        def fetching(what: str) -> Iterator[None]:
            nonlocal answered
            try:
                yield
            except PartialDataError as error:
                failures.append(Failure(what, error))
            except SourceError as error:
                answered = False
                failures.append(Failure(what, error))
            except Exception as error:  # a store, a bug or odd data: this fetch, not the app
                log.exception("fetching %s from %s failed", what, source.kind)
                answered = False
                failures.append(Failure(what, error))

        wants_members = "members" in source.capabilities and self.sections.needs_members()
        wants_chain = "option_chains" in source.capabilities and self.sections.needs_chains()
        if wants_members and background:
            # Started first, so that the daily bars are fetched while it runs.
            with fetching("members"):
                self._start_members(source, now, end)
        for first, window in windows.items():
            with fetching("daily bars"):
                try:
                    self._bars.update(source.daily_bars(window, first, end))
                except PartialDataError as error:
                    self._bars.update(error.partial)
                    raise
        if wants_members:
            with fetching("members"):
                self._fetch_members(source, now, end, background)
        if self.replay is None and "intraday_quotes" in source.capabilities:
            with fetching("quotes"):
                quotes = source.quotes(symbols)
                self._bars = merge_quotes(self._bars, quotes)
                index_quote = quotes.get(self.settings.symbols.index)
                if index_quote is not None:
                    self._quote_time = index_quote.time.astimezone(NEW_YORK)
        if INTRADAY in self.sections:
            try:
                self._fetch_intraday(source, now)
            except Exception as error:  # the intraday section's, never the cycle's
                if not isinstance(error, SourceError):
                    log.exception("fetching the intraday bars from %s failed", source.kind)
                self._intraday_failed = "intraday bars: " + " ".join(describe(error).split())
        full_symbols = self.sections.full_history_symbols(self.settings)
        if full_symbols and source is not self.warm_source:
            # The warm start stays fast: the real source's first cycle starts the load.
            full_background = self._loop is not None and source is self.source
            try:
                closed = self._closed(now)
                if full_background:
                    self._start_full(source, now, closed, full_symbols)
                self._fetch_full(source, now, closed, full_symbols, full_background)
            except Exception as error:  # the sections that read it, never the cycle
                if not isinstance(error, SourceError):
                    log.exception("loading the whole history from %s failed", source.kind)
                self._full_failed(error, source, now)
        if wants_chain:
            # Last: a live source values the chain at the index's price it just stored.
            try:
                if background:
                    self._start_chain(source, now, end)
                self._fetch_chain(source, now, end, background)
            except Exception as error:  # the chain's panels, never the cycle (see the docstring)
                if not isinstance(error, SourceError):
                    log.exception("fetching the option chain from %s failed", source.kind)
                self._chain_failed(error, source, now, end)
        return failures, answered

    def _fetch_intraday(self, source: Source, now: datetime) -> None:
        """The index's 5-minute bars of the session in progress (a replay: of the
        replayed session, once) into `_intraday`; none outside a session. Raises what
        the source raised: the last good bars stay."""
        if "intraday_bars" not in source.capabilities:
            self._intraday, self._intraday_failed = None, None
            self._intraday_missing = f"{source.kind} serves no intraday bars"
            return
        if self.replay is not None:
            session: date | None = self.replay.session
            if self._intraday_asked_for == session:
                return
        else:
            session = self.session.state(now).session
        if session is None:
            self._intraday, self._intraday_failed = None, None
            self._intraday_missing, self._intraday_asked_for = NO_SESSION, None
            return
        if self._intraday is not None and self._intraday[0] != session:
            self._intraday = None
        bars = source.intraday_bars(session, self.settings.symbols.index)
        self._intraday_asked_for, self._intraday_failed = session, None
        if bars is None or bars.empty:
            self._intraday = None
            self._intraday_missing = (
                f"{_where(source)} has no intraday bars of {session}"
                if bars is None
                else f"no intraday bars of {session} yet"
            )
            return
        self._intraday, self._intraday_missing = (session, bars), None

    def _chain_failed(self, error: Exception, source: Source, now: datetime, end: date) -> None:
        """Keep the chain fetch's failure and put off its next try: by the chain's own
        backoff (the cycle's, up to `refresh.options`); outside regular hours, after
        CHAIN_TRIES_CLOSED failures in a row, until the next open (nothing new comes
        before it, and each try is a dozen requests). A fixed past (a replay, files)
        does not heal by asking again: it is asked at its usual cadence only."""
        self._chain_failure = Failure(CHAIN, error)
        self._chain_failures += 1
        if self.replay is not None or source.historical:
            self._chain_asked, self._chain_asked_for = now, end
            self._chain_retry_at = None
            return
        backoff = dataclasses.replace(
            self.backoff, cap=max(self.backoff.cap, self.settings.refresh.options)
        )
        retry_at = now + timedelta(seconds=backoff.delay(self._chain_failures))
        with contextlib.suppress(ValueError):  # a clock past the calendar: the backoff alone
            state = self.session.state(now)
            if state.phase != "regular" and self._chain_failures >= CHAIN_TRIES_CLOSED:
                retry_at = max(retry_at, state.next_open)
        self._chain_retry_at = retry_at

    def _start_full(
        self, source: Source, now: datetime, closed: date, symbols: Sequence[str]
    ) -> None:
        """Start the whole history's load in its own thread when it is due and none runs."""
        if self._full_load is not None or not self._full_due(now, closed):
            return
        fetch = functools.partial(_whole_history, source, symbols, closed)
        self._full_load = BackgroundLoad(FULL_HISTORY, fetch, now, self.refresh_now)
        self._full_load_for = closed
        self._full_retry_at = None  # its end says what next: the history, or a new retry

    def _fetch_full(
        self,
        source: Source,
        now: datetime,
        closed: date,
        symbols: Sequence[str],
        background: bool,
    ) -> None:
        """Take the whole history when it is due: inline, or (`background`) from the
        load `_start_full` started, waited for until `full_grace` seconds after it
        began; one still running then is left to run (the cycle after its end collects
        it). Raises what the load raised: the last history loaded stays."""
        load = self._full_load
        if load is None:
            if not background and self._full_due(now, closed):
                self._full_load_for = closed
                self._take_full(_whole_history(source, symbols, closed), closed, source, now)
            return
        if not load.within_grace(self.full_grace):
            return
        self._full_load = None
        if load.error is not None:
            raise load.error
        assert load.result is not None
        self._take_full(load.result, self._full_load_for or closed, source, load.asked_at)

    def _take_full(
        self, bars: Mapping[str, pd.DataFrame], closed: date, source: Source, asked_at: datetime
    ) -> None:
        """Keep `bars`, the whole history up to `closed`, until the next session closes.
        A live source without the index's bar of `closed` yet, within FULL_REASK_WITHIN
        of that close (Yahoo's daily bar comes some minutes after it), is asked again
        after FULL_REASK seconds: the studies are not left on the session before until
        the next close. Later, what it has is what there is (an outage is not retried
        all night)."""
        self._full = (closed, bars)
        self._full_failure, self._full_failures = None, 0
        index = bars.get(self.settings.symbols.index)
        short = index is None or index.empty or index.index[-1].date() < closed
        fresh = asked_at - self.session.session_close(closed) < FULL_REASK_WITHIN
        if short and fresh and self.replay is None and not source.historical:
            self._full_asked_for = None
            self._full_retry_at = asked_at + timedelta(seconds=FULL_REASK)
        else:
            self._full_asked_for, self._full_retry_at = closed, None

    def _full_failed(self, error: Exception, source: Source, now: datetime) -> None:
        """Keep the load's failure (and what a partial answer brought, when nothing
        better is kept) and put off the next try by its own backoff; a fixed past (a
        replay, files) does not heal by asking again: not until a later session."""
        closed = self._full_load_for
        partial = error.partial if isinstance(error, PartialDataError) else None
        if partial and closed is not None and (self._full is None or self._full[0] != closed):
            self._full = (closed, _cut(partial, closed))
        self._full_failure = Failure(FULL_HISTORY, error)
        self._full_failures += 1
        if self.replay is not None or source.historical:
            self._full_asked_for, self._full_retry_at = closed, None
            return
        self._full_retry_at = now + timedelta(seconds=self.backoff.delay(self._full_failures))

    def _full_bars(
        self, source: Source, failed: str | None
    ) -> tuple[Mapping[str, pd.DataFrame], str | None]:
        """The whole history a cycle hands the sections and, with none, why: its load
        failed (`failed`: its line), the source holds none, its first load runs."""
        if self._full is not None and self._full[1]:
            return self._full[1], None
        if failed is not None:
            return {}, f"{FULL_FAILED}: {failed}"
        if self._full is not None and self._full_load is None:
            return {}, f"{_where(source)} has no daily history up to {self._full[0]}"
        return {}, LOADING_FULL

    def _full_summary(self, source: Source, now: datetime) -> Summary | None:
        """The whole history's failure in one line, with when it is asked again (None
        when the last load answered)."""
        failure = self._full_failure
        if failure is None:
            return None
        retry_in = None
        if self._loop is not None and self._full_retry_at is not None:
            retry_in = max((self._full_retry_at - now).total_seconds(), 0.0)
        summary = summarize([failure], source.kind, retry_in)
        if summary.full != self._full_logged:
            log.warning("%s: %s\n%s", source.kind, summary.line, summary.full)
            self._full_logged = summary.full
        return summary

    def _full_stale(self, snapshot: Snapshot, summary: Summary) -> Snapshot:
        """`snapshot` with the sections that read the whole history showing the last
        one loaded marked with the load's failure (`_aged`), the others untouched."""
        assert self._full is not None
        since = showing_data_from(self.session.session_close(self._full[0]))
        line = summary.line + since
        full = None if summary.full == summary.line else summary.full + since
        update = {
            section.key: reading.model_copy(update={"status": _aged(reading.status, line, full)})
            for section, reading in snapshot.sections()
            if section.full_history and reading.status.state != "ERROR"
        }
        return snapshot.model_copy(update=update) if update else snapshot

    def _start_members(self, source: Source, now: datetime, end: date) -> None:
        """Start the members' load in its own thread when they are due and none runs."""
        if self._members_load is not None or not self._members_due(now):
            return
        fetch = functools.partial(source.members, self._start(end), end)
        progress = members_progress(source)
        self._members_load = BackgroundLoad("members", fetch, now, self.refresh_now, progress)

    def _fetch_members(self, source: Source, now: datetime, end: date, background: bool) -> None:
        """Take the members' closes when they are due: inline, or (`background`) from
        the load `_start_members` started, waited for until `members_grace` seconds
        after it began; one still running then is left to run (the next cycle after
        its end collects it). Raises what the load raised."""
        load = self._members_load
        if load is None:
            if not background and self._members_due(now):
                self._take_members(source.members(self._start(end), end), now)
            return
        if not load.within_grace(self.members_grace):
            return
        self._members_load = None
        if load.error is not None:
            raise load.error
        self._take_members(load.result, load.asked_at)

    def _take_members(self, members: MemberPanel | None, asked_at: datetime) -> None:
        self._members = members if members is not None else self._members
        self._members_fetched = asked_at

    def _start_chain(self, source: Source, now: datetime, end: date) -> None:
        """Start the option chain's load in its own thread when it is due and none runs."""
        if self._chain_load is not None or not self._chain_due(now, end):
            return
        fetch = functools.partial(source.option_chain, end)
        self._chain_load = BackgroundLoad(CHAIN, fetch, now, self.refresh_now)
        self._chain_load_for = end
        self._chain_retry_at = None  # its end says what next: a chain, or a new retry

    def _fetch_chain(self, source: Source, now: datetime, end: date, background: bool) -> None:
        """Take the option chain when it is due: inline, or (`background`) from the load
        `_start_chain` started, waited for until `chains_grace` seconds after it began;
        one still running then is left to run (the cycle after its end collects it).
        Raises what the load raised: the last good chain stays."""
        load = self._chain_load
        if load is None:
            if not background and self._chain_due(now, end):
                self._take_chain(source.option_chain(end), now, end)
            return
        if not load.within_grace(self.chains_grace):
            return
        self._chain_load = None
        if load.error is not None:
            raise load.error
        self._take_chain(load.result, load.asked_at, self._chain_load_for or end)

    def _take_chain(self, chain: OptionChain | None, asked_at: datetime, asked_for: date) -> None:
        """Keep `chain` (asked for the session `asked_for`) under the session it belongs
        to; None (the source holds none) keeps the last good one. A chain from after
        `asked_for` is no answer for it (no look-ahead), and one whose time the
        calendar does not cover raises (the fetch is asked again)."""
        session = None if chain is None else session_of(self.session, chain.as_of)
        if chain is not None and session is not None and session > asked_for:
            log.warning(
                "ignored the option chain of %s (%s): it is after %s",
                session,
                chain.source,
                asked_for,
            )
            chain = None
        self._chain_asked = asked_at
        self._chain_asked_for = asked_for
        self._chain_failure, self._chain_failures, self._chain_retry_at = None, 0, None
        if chain is None or session is None:
            self._chain_absent = asked_for
            return
        self._chain = (session, chain)
        self._chain_absent = None

    def _chains(
        self, source: Source, failed: str | None
    ) -> tuple[dict[date, OptionChain], str | None]:
        """The chains a cycle hands the sections (the last good one, by its session)
        and, with none, why: the source serves none, the fetch failed (`failed`: its
        line), the first load runs, the source holds none."""
        if self._chain is not None:
            session, chain = self._chain
            return {session: chain}, None
        if "option_chains" not in source.capabilities:
            return {}, f"{source.kind} serves no option chains"
        if failed is not None:
            return {}, f"{CHAIN_FAILED}: {failed}"
        if self._chain_absent is not None and self._chain_load is None:
            where = _where(source)
            return {}, f"{where} has no option chain on or before {self._chain_absent}"
        return {}, LOADING_CHAIN

    def _loading(self, snapshot: Snapshot, detail: str | None) -> Snapshot:
        """`snapshot` with each panel the members feed that has no reading yet saying
        that their load is running (and `detail`, what else failed), while it runs."""
        if self._members_load is None:
            return snapshot
        why = LOADING_MEMBERS if detail is None else f"{LOADING_MEMBERS}; {detail}"
        update = {
            section.key: reading.model_copy(
                update={"status": reading.status.model_copy(update={"detail": why})}
            )
            for section, reading in snapshot.sections()
            if section.needs_members and reading.status.as_of is None
        }
        return snapshot.model_copy(update=update) if update else snapshot

    def load_progress(self) -> LoadProgress | None:
        """The members' load running detached, as the panels show it (no counts from a
        source that reports none); None when none runs."""
        load = self._members_load
        if load is None:
            return None
        reading = None if load.progress is None else load.progress.reading()
        if reading is None:
            return LoadProgress(what="members", done=0, total=0, unit="tickers")
        left = reading.seconds_left
        if left is not None:
            # Whole seconds, whole minutes past one (as a panel says it): a long
            # load's progress is not re-published every second for nothing.
            left = math.ceil(left) if left < 60 else math.ceil(left / 60) * 60
        return LoadProgress(
            what=reading.what,
            done=reading.done,
            total=reading.total,
            unit=reading.unit,
            seconds_left=left,
        )

    def _progressed(self, snapshot: Snapshot, progress: LoadProgress | None) -> Snapshot:
        """`snapshot` with `progress` on each panel the members feed (None: none)."""
        update = {
            section.key: reading.model_copy(
                update={"status": reading.status.model_copy(update={"progress": progress})}
            )
            for section, reading in snapshot.sections()
            if section.needs_members and reading.status.progress != progress
        }
        return snapshot.model_copy(update=update) if update else snapshot

    def _state(self, source: Source, now: datetime, phase: str, failed: bool) -> Freshness:
        if self.replay is not None or source.historical:
            return "REPLAY"
        if source.simulated:
            return "SIMULATED"
        if source.cached:
            return "STALE" if self._silent_since(source, now, phase) is not None else "OFFLINE"
        if failed:
            return "STALE"
        if phase != "regular":
            return "CLOSED"
        index = self._bars.get(self.settings.symbols.index)
        if index is None or index.empty or index.index[-1].date() < now.astimezone(NEW_YORK).date():
            return "DELAYED"
        return "LIVE"

    def _silent_since(self, source: Source, now: datetime, phase: str) -> datetime | None:
        """When another process, holding the store's fetcher lock, last fetched quotes
        into it, if that is SILENT_AFTER regular cadences ago in regular hours (it is
        stopped, hung or backing off); else None."""
        if phase != "regular" or not _following(source):
            return None
        fetched = source.fetched_at("quotes")
        if fetched is None:
            return None
        silent = now - fetched > timedelta(seconds=SILENT_AFTER * self.settings.refresh.regular)
        return fetched if silent else None

    def _source_info(self, source: Source, state: Freshness, as_of: datetime) -> SourceInfo:
        if state == "REPLAY":
            where = _where(source)
            label = replay_label(as_of, where)
        else:
            label = state
        notes = [note for note in (source.detail, self.source_detail) if note]
        fetched_at = None
        if _following(source):
            # Another process fetches: its data is as fresh as its last quotes.
            what, fetched_at = "quotes", source.fetched_at("quotes")
            if fetched_at is None:
                what, fetched_at = "cache", source.fetched_at("daily")
            if fetched_at is not None:
                label = f"{state} · {what} of {fetched_at.astimezone(NEW_YORK):%b %d %H:%M}"
            if state == "STALE" and fetched_at is not None:
                pid = source.fetcher_pid
                who = "the fetcher" if pid is None else f"fetcher pid {pid}"
                since = f"{fetched_at.astimezone(NEW_YORK):%H:%M}"
                notes.insert(0, f"{who} silent since {since}; quit the other Regime to fetch here")
        elif state == "OFFLINE":
            fetched_at = source.fetched_at("daily")
            if fetched_at is not None:
                # A timestamp, not an age: an age would change every cycle and repaint.
                label = f"OFFLINE · cache of {fetched_at.astimezone(NEW_YORK):%b %d %H:%M}"
        return SourceInfo(
            kind=source.kind,
            simulated=source.simulated,
            label=label,
            detail="; ".join(notes) or None,
            fetched_at=fetched_at,
            replay=state == "REPLAY",
        )

    def _market(self, at: datetime) -> MarketInfo:
        return self.session.market_info(at)

    def _as_of(self, now: datetime) -> datetime:
        """The time of the data, not of the cycle: the latest quote when live, else the
        close of the last bar (never later than now). Unchanged data thus gives an
        equal Snapshot, which the UI does not repaint."""
        index = self._bars.get(self.settings.symbols.index)
        if index is not None and not index.empty:
            data_time = self.session.session_close(index.index[-1].date())
        else:
            data_time = self.session.session_close(
                self.session.last_session_on_or_before(self._end(now))
            )
        if self.replay is not None:
            return data_time
        if self._quote_time is not None:
            data_time = self._quote_time
        return min(data_time, now.astimezone(NEW_YORK))

    def _since(self) -> str:
        """How old the data on show is, for a failure's line."""
        return "" if self._last_success is None else showing_data_from(self._last_success)

    def refresh(self, source: Source | None = None) -> Snapshot:
        """Run one cycle synchronously and return its Snapshot. Never raises: a failed
        cycle returns the last good Snapshot marked with what failed or, with none
        yet, every section's fallback in state ERROR saying so."""
        chosen = source or self.source
        # The members load apart only in the loop, live, from the engine's own source.
        background = self._loop is not None and self.replay is None and chosen is self.source
        with self._lock:
            try:
                snapshot, answered = self._cycle(chosen, background)
            except Exception as error:  # whatever breaks a cycle, the loop goes on
                failure = (
                    error.failure if isinstance(error, CycleError) else Failure("refresh", error)
                )
                # The summary promises the wait this failure brings: count it after.
                summary = self._summary(chosen, [failure], answered=False)
                self.consecutive_failures += 1
                log.error("refresh failed: %s", summary.full, exc_info=error)
                self.failures = [summary.line]
                return self._stand_in(chosen, summary)
            # A section that reads the chain or the whole history fails alone (their own
            # retries, see _chain_failed and _full_failed).
            errors = any(
                reading.status.state == "ERROR"
                for section, reading in snapshot.sections()
                if not (section.needs_chains or section.full_history or section.key == INTRADAY)
            )
            self.consecutive_failures = (
                0 if answered and not errors else self.consecutive_failures + 1
            )
            snapshot = self._kept(snapshot)
            self._last_good = snapshot
            return snapshot

    def _cycle(self, source: Source, background: bool = False) -> tuple[Snapshot, bool]:
        """Fetch, compute and build one Snapshot; also say whether every fetch answered.
        Raises `CycleError` naming the step that could not be done."""
        now = self.clock()
        with _step("the NYSE calendar"):
            end = self._end(now)
        with _step("choosing what to fetch"):
            windows = self.windows(end)
            symbols = self._symbols()
        failures, answered = self._fetch(source, now, end, windows, symbols, background)
        self.failures = list(dict.fromkeys(" ".join(f.text().split()) for f in failures))
        if not failures:
            self._last_success = now
            self._logged = None
        # The consecutive failures this cycle makes if it did not answer, so that
        # its line says the retry the loop will wait for.
        summary = self._summary(source, failures, answered) if failures else None
        with _step("dating the data"):
            self._truncate(end)
            as_of = self._as_of(now)
            live_now = None if self.replay is not None else now
            market = self._market(as_of if live_now is None else live_now)
        with _step("building the Snapshot"):
            state = self._state(source, now, market.phase, bool(failures))
            detail = None if summary is None else summary.line + self._since()
            chain_summary = self._chain_summary(source, now)
            chain_line = None if chain_summary is None else chain_summary.line
            chains, chains_missing = self._chains(source, chain_line)
            full_summary = self._full_summary(source, now)
            full_line = None if full_summary is None else full_summary.line
            full_bars, full_bars_missing = self._full_bars(source, full_line)
            cycle = CycleData(
                bars=self._bars,
                members=self._members,
                state=state,
                detail=detail,
                close_time=self.session.session_close,
                now=live_now,
                chains=chains,
                chains_missing=chains_missing,
                full_bars=full_bars,
                full_bars_missing=full_bars_missing,
                intraday=(
                    {}
                    if self._intraday is None
                    else {self.settings.symbols.index: self._intraday[1]}
                ),
                intraday_missing=self._intraday_missing,
                intraday_failed=self._intraday_failed,
            )
            envelope = {
                "as_of": as_of,
                "source": self._source_info(source, state, as_of),
                "market": market,
            }
            snapshot = self.sections.assemble(self.settings, cycle, envelope, self.theses)
            snapshot = self._loading(snapshot, detail)
            if chain_summary is not None and chains:
                snapshot = self._chain_stale(snapshot, chain_summary)
            if full_summary is not None and full_bars:
                snapshot = self._full_stale(snapshot, full_summary)
        if summary is not None:
            snapshot = snapshot.model_copy(
                update={
                    section.key: reading.model_copy(
                        update={"status": _written_out(reading.status, summary)}
                    )
                    for section, reading in snapshot.sections()
                }
            )
        return snapshot, answered

    def _chain_summary(self, source: Source, now: datetime) -> Summary | None:
        """The chain fetch's failure in one line, with when it is asked again (None
        when the last fetch answered)."""
        failure = self._chain_failure
        if failure is None:
            return None
        retry_in = None
        if self._loop is not None and self._chain_retry_at is not None:
            retry_in = max((self._chain_retry_at - now).total_seconds(), 0.0)
        summary = summarize([failure], source.kind, retry_in)
        if summary.full != self._chain_logged:
            log.warning("%s: %s\n%s", source.kind, summary.line, summary.full)
            self._chain_logged = summary.full
        return summary

    def _chain_stale(self, snapshot: Snapshot, summary: Summary) -> Snapshot:
        """`snapshot` with the panels that read chains showing the last good chain
        marked with the fetch's failure (`_aged`), the others untouched."""
        assert self._chain is not None
        since = showing_data_from(self._chain[1].as_of)
        line = summary.line + since
        full = None if summary.full == summary.line else summary.full + since
        update = {
            section.key: reading.model_copy(update={"status": _aged(reading.status, line, full)})
            for section, reading in snapshot.sections()
            if section.needs_chains and reading.status.state != "ERROR"
        }
        return snapshot.model_copy(update=update) if update else snapshot

    def _summary(self, source: Source, failures: list[Failure], answered: bool) -> Summary:
        """`failures` summed up in one line and written out in full, with when the loop
        retries: after this cycle's backoff when it did not answer, else at the
        cadence. A lone `refresh` (`regime snapshot`) retries nothing and says none.
        The whole text goes to the log once, until it changes."""
        retry_in: float | None = None
        if self._loop is not None and not answered:
            retry_in = self.backoff.longest(self.consecutive_failures + 1)
        elif self._loop is not None and self.replay is None:
            retry_in = self._cadence_or_cap()
        summary = summarize(failures, source.kind, retry_in)
        if summary.full != self._logged:
            log.warning("%s: %s\n%s", source.kind, summary.line, summary.full)
            self._logged = summary.full
        return summary

    def _kept(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with each section that failed this cycle (ERROR) but had a reading
        in the last good Snapshot showing that reading again, marked, with why (not the
        intraday section: the engine keeps its bars itself, those of one session only)."""
        last = self._last_good
        if last is None:
            return snapshot
        update: dict[str, object] = {}
        for section, reading in snapshot.sections():
            kept = getattr(last, section.key, None)
            if reading.status.state != "ERROR" or kept is None or kept.status.state == "ERROR":
                continue
            if section.key == INTRADAY:
                continue
            why = reading.status.detail or "failed"
            status = _aged(kept.status, why, reading.status.full_detail)
            update[section.key] = kept.model_copy(update={"status": status})
        return snapshot.model_copy(update=update) if update else snapshot

    def _stand_in(self, source: Source, summary: Summary) -> Snapshot:
        """What a cycle that built nothing publishes: the last good Snapshot marked with
        `summary`, or, with none, every section's fallback in state ERROR saying it."""
        line = summary.line
        if self._last_good is not None:
            return self._marked(self._last_good, line, summary.full)
        now = self.clock()
        full = None if summary.full == line else summary.full
        status = PanelStatus(state="ERROR", detail=line, full_detail=full)
        parts = {section.key: section.fallback(status, self.settings) for section in self.sections}
        info = SourceInfo(kind=source.kind, simulated=source.simulated, label="ERROR", detail=line)
        return self.sections.snapshot_model(
            as_of=now, source=info, market=self._market_or(now, None), **parts
        )

    def _marked(self, snapshot: Snapshot, line: str, full: str | None = None) -> Snapshot:
        """`snapshot` shown again after a failure: each panel aged (see `_aged`) with
        `line` (written out in `full`) and the time of its data as its reason; live,
        dated now so that the panels' ages count to now."""
        since = showing_data_from(snapshot.as_of)
        line += since
        full_detail = None if full is None or full + since == line else full + since
        update: dict[str, object] = {
            section.key: reading.model_copy(
                update={"status": _aged(reading.status, line, full_detail)}
            )
            for section, reading in snapshot.sections()
            if reading.status.state != "ERROR"
        }
        source = snapshot.source
        label = "STALE" if source.label in last_snapshot.AGED_STATES else source.label
        notes = [line, *([source.detail] if source.detail else [])]
        update["source"] = source.model_copy(update={"label": label, "detail": "; ".join(notes)})
        if self.replay is None:
            now = self.clock()
            update["as_of"] = now
            update["market"] = self._market_or(now, snapshot.market)
        return snapshot.model_copy(update=update)

    def _market_or(self, at: datetime, otherwise: MarketInfo | None) -> MarketInfo:
        """The market at `at`, or `otherwise` when the calendar cannot say (a clock past
        its end); with nothing to fall back on, closed with no next open or close."""
        try:
            return self._market(at)
        except ValueError:
            return otherwise or MarketInfo(phase="closed", next_open=None, next_close=None)

    def _truncate(self, end: date) -> None:
        """No reading may use a bar after the as-of session (defence in depth)."""
        cutoff = pd.Timestamp(end)
        for symbol, frame in self._bars.items():
            if len(frame) and frame.index[-1] > cutoff:
                self._bars[symbol] = frame.loc[:cutoff]
        members = self._members
        if members is not None and len(members.closes) and members.closes.index[-1] > cutoff:
            self._members = MemberPanel(closes=members.closes.loc[:cutoff], info=members.info)

    # -- the loop --------------------------------------------------------------------

    def cadence(self) -> float:
        """Seconds until the next refresh: the market phase's cadence. The simulated
        market moves in regular hours only, so outside them it cycles on the closed
        cadence (landing on the open all the same)."""
        simulated = self.source.simulated
        return self.session.cadence(self.settings.refresh, extended_hours=not simulated)

    def _cadence_or_cap(self) -> float:
        """The cadence, or the backoff's cap when the calendar cannot give one."""
        try:
            return self.cadence()
        except Exception as error:  # a clock past the calendar must not end the loop
            log.warning("no refresh cadence (%s); waiting %ss", describe(error), self.backoff.cap)
            return self.backoff.cap

    def next_wait(self) -> float | None:
        """Seconds the loop waits before the next cycle: the backoff after failed
        cycles, else the cadence (None: in a replay, until asked), or less when a
        failed option chain or whole history is to be asked again sooner."""
        if self.consecutive_failures:
            return self.backoff.delay(self.consecutive_failures)
        retries = [at for at in (self._chain_retry_at, self._full_retry_at) if at is not None]
        now = self.clock() if retries else None
        retry_in = min(
            (max((at - now).total_seconds(), 0.0) for at in retries if now is not None),
            default=None,
        )
        if self.replay is not None:
            return retry_in
        cadence = self._cadence_or_cap()
        return cadence if retry_in is None else min(cadence, retry_in)

    async def run(self, publish: Publish) -> None:
        """Refresh forever (see SnapshotFeed.run). In replay, refresh only on request
        (or to retry a failed cycle)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self.warm_source is not None:
            warm = await asyncio.to_thread(self._warm_snapshot)
            if warm is not None:
                self._publish(publish, warm)
        while True:
            snapshot = await self._watched_refresh(publish)
            if snapshot is not None:
                self._publish(publish, snapshot)
            if snapshot is not None and not self.consecutive_failures:
                # Only a healthy cycle's: never a failure over the last good reading.
                await asyncio.to_thread(self._remember, snapshot)
                await self._watch(snapshot)
            await self._rest(publish)

    async def _watch(self, snapshot: Snapshot) -> None:
        """Have the watcher read a healthy cycle's `snapshot` (in a thread) and hand
        its entries to `on_alerts` (always the first time). Never raises."""
        if self.watcher is None:
            return
        at = snapshot.as_of if self.replay is not None else self.clock()
        try:
            entries = await asyncio.to_thread(self.watcher.observe, snapshot, at)
        except Exception:  # observe never raises; a bug in it must not end the loop
            log.exception("watching the alerts failed")
            return
        first, self._watched = not self._watched, True
        # The first is handed over even when empty: the app then says what changed
        # while it was closed.
        if (entries or first) and self.on_alerts is not None:
            try:
                self.on_alerts(entries)
            except Exception:
                log.exception("handing over the alerts failed")

    async def _rest(self, publish: Publish) -> None:
        """Wait for the next cycle (`next_wait`, or a wake-up); while a members' load
        runs detached, re-publish the last Snapshot with its progress about once a
        second, whenever the progress changed."""
        assert self._wake is not None
        wait = self.next_wait()
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            ticking = self._members_load is not None
            step = min(left, PROGRESS_EVERY) if ticking and left is not None else left
            step = PROGRESS_EVERY if ticking and step is None else step
            if await self._woken_within(step):
                break
            if left is not None and step is not None and step >= left:
                break
            self._publish_progress(publish)
        self._wake.clear()

    async def _woken_within(self, seconds: float | None) -> bool:
        """Whether the loop was woken within `seconds` (None: until woken). Not
        `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that arrives as
        the wake-up does, and the loop would then outlive the app that cancelled it."""
        assert self._wake is not None
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()
        return bool(done)

    def _publish_progress(self, publish: Publish) -> None:
        """Publish the last Snapshot again if the load's progress moved since."""
        if self._shown is not None and self.load_progress() != self._progress_shown:
            self._publish(publish, self._shown)

    async def _watched_refresh(self, publish: Publish) -> Snapshot | None:
        """One cycle in a thread. While it runs past the cadence (a hung fetch: a thread
        cannot be stopped, so the source's own timeouts end it), the last Snapshot is
        published marked STALE with how long the fetch has been running, once per
        cadence; no other cycle starts until this one ends. None when not even a
        stand-in could be built (a section's fallback that raises)."""
        started = time.monotonic()
        cycle = asyncio.ensure_future(asyncio.to_thread(self.refresh))
        while True:
            done, _ = await asyncio.wait({cycle}, timeout=self._cadence_or_cap())
            if done:
                try:
                    return cycle.result()
                except Exception:
                    log.exception("a refresh cycle could not show even its failure")
                    self.consecutive_failures += 1
                    return None
            last = self._last_good
            if last is not None:
                running = fmt.age(timedelta(seconds=time.monotonic() - started))
                self._publish(publish, self._marked(last, f"fetch running for {running}"))

    def _publish(self, publish: Publish, snapshot: Snapshot) -> None:
        """Hand `snapshot` to the receiver with the members' load's progress on the
        panels it feeds (never raises)."""
        self._shown = snapshot
        self._progress_shown = progress = self.load_progress()
        try:
            publish(self._progressed(snapshot, progress))
        except Exception:  # the receiver's fault must not end the loop either
            log.exception("publishing a Snapshot failed")

    def _remember(self, snapshot: Snapshot) -> None:
        """Keep the Snapshot for the next start, at most once a minute."""
        if self.snapshot_path is None or self.replay is not None:
            return
        self._unsaved = snapshot
        now = self.clock()
        if self._saved_at is not None and now - self._saved_at < SAVE_EVERY:
            return
        self.save_now()
        self._saved_at = now

    def save_now(self) -> None:
        """Write the latest healthy Snapshot not yet written, at once: at exit, so that
        the minute `_remember` waits between writes is not lost. Nothing in a replay,
        without a path, or when nothing new is pending. Never raises."""
        snapshot, self._unsaved = self._unsaved, None
        if snapshot is None or self.snapshot_path is None or self.replay is not None:
            return
        try:
            last_snapshot.save(self.snapshot_path, snapshot, self.settings.source)
        except Exception:  # losing the file costs the next start its instant paint, no more
            log.exception("saving the last Snapshot failed")

    def _warm_snapshot(self) -> Snapshot | None:
        """One cycle from the warm source, or None when it fails or a fetch from it
        does (the real source's first cycle follows at once; a broken cache must not
        paint every panel ERROR over the last run's readings)."""
        assert self.warm_source is not None
        with self._lock:
            try:
                snapshot, answered = self._cycle(self.warm_source)
            except Exception:
                log.exception("the first cycle from %s failed", self.warm_source.kind)
                return None
            finally:
                # The real source must fetch members and the chain itself on its first
                # cycle (what the warm one brought stays on show until then).
                self._members_fetched = None
                self._chain_asked = None
                self._chain_failure, self._chain_failures, self._chain_retry_at = None, 0, None
                self._intraday_asked_for = None
            if not answered:
                log.warning(
                    "the first cycle from %s failed: %s", self.warm_source.kind, self.failures
                )
                return None
            self._last_good = snapshot
            return snapshot

    # -- replay stepping ---------------------------------------------------------------

    @property
    def stepping_from(self) -> date | None:
        """The session on show when replay stepping starts: the replayed one; live,
        the session in progress, else the last closed one."""
        if self.replay is not None:
            return self.replay.session
        state = self.session.state(self.clock())
        return state.session or state.last_session

    @property
    def replaying(self) -> bool:
        """Whether this engine replays a past session (`--as-of`)."""
        return self.replay is not None

    def replay_timeline(self) -> ReplayTimeline:
        """The sessions replay stepping goes through (`core.replay_timeline`): from
        `STEP_SPAN_YEARS` before the session it starts from to the last closed one,
        from this engine's source, sections, theses and alerts. Slow: call it off the
        event loop. Raises HistoryError or SourceError when the span cannot be had."""
        from core.replay_timeline import STEP_SPAN_YEARS, ReplayTimeline

        end = self.session.state(self.clock()).last_session
        start_from = min(end, self.replay.session if self.replay is not None else end)
        start = start_from - timedelta(days=round(365.25 * STEP_SPAN_YEARS))
        symbols = self.sections.full_history_symbols(self.settings)
        alerts = () if self.watcher is None else self.watcher.alerts
        return ReplayTimeline.load(
            self.settings,
            self.source,
            start,
            end,
            registry=self.sections,
            theses=self.theses,
            alerts=alerts,
            calendar=self.session,
            where=_where(self.source),
            whole_history=lambda: _whole_history(self.source, symbols, end),
        )

    def refresh_now(self) -> None:
        """Wake the loop for an immediate refresh, even while it backs off after a
        failure; safe from any thread. A cycle still running is never doubled: the
        next one starts as soon as it ends."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
