"""The index's option chains by the session each belongs to, as `CycleData.chains` keys
them, for the engine and for readings as history alike: a chain belongs to the session
in regular hours at its `as_of`, else to the last session closed on or before it (a
chain quoted after Friday's close, on Saturday or before Monday's open is Friday's).
`ChainsOfSessions` gives the chains of a span for a history: it asks the source for
each session of the index and gives each chain once, under its own session (a source
that answers a session with its latest chain on or before it answers several sessions
with the same one; of two quoted in one session, the later, as a replay sees it),
loading them as they are iterated rather than holding them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.sources.base import SourceError

if TYPE_CHECKING:
    from core.options.chain import OptionChain
    from core.session import MarketSession
    from core.sources.base import Source


def session_of(calendar: MarketSession, as_of: datetime) -> date:
    """The session a chain quoted at `as_of` belongs to: the one in regular hours then,
    else the last one closed on or before it. Raises ValueError outside the calendar."""
    state = calendar.state(as_of)
    if state.phase == "regular" and state.session is not None:
        return state.session
    return state.last_session


class ChainsOfSessions(Mapping[date, "OptionChain"]):
    """The chains the source holds for `sessions`, by their own session (never one after
    the session it answered: no look-ahead), loaded as they are iterated and not kept:
    a history of the simulated market has a chain of about 1 MB every session, so
    holding a decade of them would take gigabytes. `items()` in order of session (the
    gamma readings' one pass) asks the source once per session; a second pass, a key
    lookup or `len` ask it again. A chain that fails to load (a SourceError, an `as_of`
    the calendar does not cover) leaves the sessions it would have served without one
    and is said to `warn` once per pass, with the first of them and how many."""

    def __init__(
        self,
        source: Source,
        sessions: Iterable[date],
        calendar: MarketSession,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self._source = source
        self._sessions = tuple(sessions)
        self._calendar = calendar
        self._warn = warn
        self._asked: dict[date, date] | None = None
        """Each chain's own session → the session whose answer it was (after a pass)."""

    def _stream(self) -> Iterator[tuple[date, date, OptionChain]]:
        """(own session, session asked, chain) in order of session, each once: of two
        quoted in one session, the later (as a replay of a later session sees it)."""
        failed: dict[str, list[date]] = {}
        pending: tuple[date, date, OptionChain] | None = None
        for session in self._sessions:
            try:
                chain = self._source.option_chain(session)
            except SourceError as error:
                failed.setdefault(str(error), []).append(session)
                continue
            if chain is None:
                continue
            try:
                own = session_of(self._calendar, chain.as_of)
            except ValueError as error:
                failed.setdefault(f"{chain.source}: {error}", []).append(session)
                continue
            if own > session:
                continue
            if pending is not None and pending[0] != own:
                yield pending
                pending = None
            if pending is None or pending[2].as_of < chain.as_of:
                pending = (own, session, chain)
        if pending is not None:
            yield pending
        for message, where in failed.items():
            later = f" and {len(where) - 1} later sessions" if len(where) > 1 else ""
            self._warn(f"{message}: gamma unknown on {where[0]}{later}")

    def _keys(self) -> dict[date, date]:
        if self._asked is None:
            self._asked = {own: asked for own, asked, _ in self._stream()}
        return self._asked

    def items(self) -> Iterator[tuple[date, OptionChain]]:  # type: ignore[override]
        """(session, chain) in order of session, each chain loaded as it comes."""
        asked: dict[date, date] = {}
        for own, session, chain in self._stream():
            asked[own] = session
            yield own, chain
        self._asked = asked

    def __iter__(self) -> Iterator[date]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __getitem__(self, session: date) -> OptionChain:
        chain = self._source.option_chain(self._keys()[session])
        if chain is None:
            raise KeyError(session)
        return chain
