"""The refresh loop: decide what is due, fetch it off the event loop, compute the
signals, and publish one immutable Snapshot per cycle.

Fetches never overlap: one loop awaits each refresh before it schedules the next,
after the cadence of the market phase (or at once when `refresh_now` is called). A
failed fetch never raises out of here: the last good data stays, its panels are
marked STALE, and the Snapshot says what failed. Members' bars (for breadth) are
slow data, fetched on their own longer cadence. The engine asks a source only for what
its `capabilities` declare, and takes the state its panels show from what the source
says its data is (historical, simulated, cached). Given a `Replay` the engine replays:
everything is evaluated as of that session's close, the window it asks sources for
ends there, and no bar after it is used."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pandas as pd

from core import last_snapshot
from core.clock import NEW_YORK, Clock, system_clock
from core.config import Settings
from core.replay import Replay
from core.section import CycleData, Registry, builtin, sessions_before
from core.session import MarketSession
from core.snapshot import Freshness, MarketInfo, Snapshot, SourceInfo
from core.sources.base import MemberPanel, PartialDataError, Quote, Source, SourceError
from core.thesis import Thesis, load_theses

Publish = Callable[[Snapshot], None]
SAVE_EVERY = timedelta(minutes=1)
"""How often the latest Snapshot is written for the next start."""


class SnapshotFeed(Protocol):
    """What the TUI needs from an engine: a loop that publishes, and a way to poke it."""

    async def run(self, publish: Publish) -> None:
        """Refresh forever, calling `publish` with each new Snapshot (on the caller's
        event loop). Never raises for a failed fetch: the Snapshot says what failed."""
        ...

    def refresh_now(self) -> None:
        """Start the next refresh at once instead of waiting for the cadence."""
        ...


def merge_quotes(
    bars: Mapping[str, pd.DataFrame], quotes: Mapping[str, Quote]
) -> dict[str, pd.DataFrame]:
    """Apply intraday quotes to the daily bars: a quote for the last bar's session
    updates its close (and stretches its high/low); a quote for a later session adds
    that session's bar. Older quotes are ignored."""
    merged = dict(bars)
    for symbol, quote in quotes.items():
        frame = merged.get(symbol)
        if frame is None or frame.empty:
            continue
        session = pd.Timestamp(quote.session)
        last_session = frame.index[-1]
        if session < last_session:
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
        self._saved_at: datetime | None = None
        self._bars: dict[str, pd.DataFrame] = {}
        self._members: MemberPanel | None = None
        self._members_fetched: datetime | None = None
        self._last_success: datetime | None = None
        self._quote_time: datetime | None = None
        self.failures: list[str] = []
        """What failed in the last cycle (empty when everything was fetched)."""
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
        already quote as an indication, as the simulated market does)."""
        if self.replay is not None:
            return self.replay.session
        state = self.session.state(now)
        return state.session or state.next_open.astimezone(NEW_YORK).date()

    def _start(self, end: date) -> date:
        """The first session of members' closes a cycle loads (`history_years`)."""
        return end - timedelta(days=round(365.25 * self.settings.history_years) + 10)

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

    # -- one cycle -------------------------------------------------------------------

    def _fetch(self, source: Source, now: datetime) -> list[str]:
        """Fetch what is due into the engine's last-good data; return what failed."""
        failures: list[str] = []
        end = self._end(now)
        start = self._start(end)
        for first, symbols in self.windows(end).items():
            try:
                self._bars.update(source.daily_bars(symbols, first, end))
            except PartialDataError as error:
                self._bars.update(error.partial)
                failures.append(str(error))
            except SourceError as error:
                failures.append(str(error))
        wants_members = "members" in source.capabilities and self.sections.needs_members()
        if wants_members and self._members_due(now):
            try:
                members = source.members(start, end)
                self._members = members if members is not None else self._members
                self._members_fetched = now
            except SourceError as error:
                failures.append(str(error))
        if self.replay is None and "intraday_quotes" in source.capabilities:
            try:
                quotes = source.quotes(self._symbols())
                self._bars = merge_quotes(self._bars, quotes)
                index_quote = quotes.get(self.settings.symbols.index)
                if index_quote is not None:
                    self._quote_time = index_quote.time.astimezone(NEW_YORK)
            except SourceError as error:
                failures.append(str(error))
        return list(dict.fromkeys(failures))  # one line for what failed twice the same way

    def _state(self, source: Source, now: datetime, phase: str, failed: bool) -> Freshness:
        if self.replay is not None or source.historical:
            return "REPLAY"
        if source.simulated:
            return "SIMULATED"
        if source.cached:
            return "OFFLINE"
        if failed:
            return "STALE"
        if phase != "regular":
            return "CLOSED"
        index = self._bars.get(self.settings.symbols.index)
        if index is None or index.empty or index.index[-1].date() < now.astimezone(NEW_YORK).date():
            return "DELAYED"
        return "LIVE"

    def _source_info(self, source: Source, state: Freshness, as_of: datetime) -> SourceInfo:
        if state == "REPLAY":
            where = source.kind if source.directory is None else f"files:{source.directory}"
            label = f"REPLAY {as_of:%Y-%m-%d} · {where}"
        else:
            label = state
        fetched_at = source.fetched_at("daily") if state == "OFFLINE" else None
        if fetched_at is not None:
            # A timestamp, not an age: an age would change every cycle and repaint.
            label = f"OFFLINE · cache of {fetched_at.astimezone(NEW_YORK):%b %d %H:%M}"
        notes = [note for note in (source.detail, self.source_detail) if note]
        return SourceInfo(
            kind=source.kind,
            simulated=source.simulated,
            label=label,
            detail="; ".join(notes) or None,
            fetched_at=fetched_at,
            replay=state == "REPLAY",
        )

    def _market(self, at: datetime) -> MarketInfo:
        state = self.session.state(at)
        return MarketInfo(
            phase=state.phase,
            next_open=state.next_open,
            next_close=state.next_close,
            early_close=state.early_close,
        )

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

    def refresh(self, source: Source | None = None) -> Snapshot:
        """Run one cycle synchronously and return its Snapshot. Never raises for a
        source failure."""
        chosen = source or self.source
        with self._lock:
            now = self.clock()
            failures = self._fetch(chosen, now)
            self.failures = failures
            if not failures:
                self._last_success = now
            self._truncate(self._end(now))
            as_of = self._as_of(now)
            live_now = None if self.replay is not None else now
            market = self._market(as_of if live_now is None else live_now)
            state = self._state(chosen, now, market.phase, bool(failures))
            detail = None
            if failures:
                since = (
                    f"; showing data from {self._last_success.astimezone(NEW_YORK):%Y-%m-%d %H:%M}"
                    if self._last_success
                    else ""
                )
                detail = "; ".join(failures) + since
            cycle = CycleData(
                bars=self._bars,
                members=self._members,
                state=state,
                detail=detail,
                close_time=self.session.session_close,
                now=live_now,
            )
            envelope = {
                "as_of": as_of,
                "source": self._source_info(chosen, state, as_of),
                "market": market,
            }
            return self.sections.assemble(self.settings, cycle, envelope, self.theses)

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
        """Seconds until the next refresh."""
        if self.source.simulated:
            return self.settings.refresh.regular
        return self.session.cadence(self.settings.refresh)

    async def run(self, publish: Publish) -> None:
        """Refresh forever (see SnapshotFeed.run). In replay, refresh only on request."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self.warm_source is not None:
            publish(await asyncio.to_thread(self._warm_snapshot))
        while True:
            snapshot = await asyncio.to_thread(self.refresh)
            publish(snapshot)
            await asyncio.to_thread(self._remember, snapshot)
            timeout = None if self.replay is not None else self.cadence()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()

    def _remember(self, snapshot: Snapshot) -> None:
        """Keep the Snapshot for the next start, at most once a minute."""
        if self.snapshot_path is None or self.replay is not None:
            return
        now = self.clock()
        if self._saved_at is not None and now - self._saved_at < SAVE_EVERY:
            return
        last_snapshot.save(self.snapshot_path, snapshot, self.settings.source)
        self._saved_at = now

    def _warm_snapshot(self) -> Snapshot:
        assert self.warm_source is not None
        snapshot = self.refresh(self.warm_source)
        # The real source must fetch members itself on its first cycle.
        self._members_fetched = None
        return snapshot

    def refresh_now(self) -> None:
        """Wake the loop for an immediate refresh; safe from any thread."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
