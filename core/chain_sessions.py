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


class ChainsOfSessions(Mapping[date, "OptionChain | None"]):
    """The chains the source holds for `sessions`, by their own session (never one after
    the session it answered: no look-ahead), loaded as they are iterated and not kept:
    a history of the simulated market has a chain of about 1 MB every session, so
    holding a decade of them would take gigabytes. `items()` in order of session (the
    gamma readings' one pass) asks the source once per session; a second pass, a key
    lookup or `len` ask it again. A session whose chain fails to load (a SourceError,
    an `as_of` the calendar does not cover) is there with None, as a replay of it shows
    no chain, and the failure is said to `warn` once per pass, with the first of the
    sessions it cost and how many. Of two chains of one session, the one answered for
    that session itself is kept (what its replay shows), else the later."""

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

    def _answer(
        self, session: date, failed: dict[str, list[date]]
    ) -> tuple[date, OptionChain | None] | None:
        """The chain the source answers for `session` under its own session, (session,
        None) when it fails, None when it has none (or only a later one)."""
        try:
            chain = self._source.option_chain(session)
        except SourceError as error:
            failed.setdefault(str(error), []).append(session)
            return session, None
        if chain is None:
            return None
        try:
            own = session_of(self._calendar, chain.as_of)
        except ValueError as error:  # an as_of outside the calendar
            failed.setdefault(f"{chain.source}: {error}", []).append(session)
            return session, None
        return (own, chain) if own <= session else None

    def _stream(self) -> Iterator[tuple[date, date, OptionChain | None]]:
        """(own session, session asked, chain or None) in order of session, each once."""
        failed: dict[str, list[date]] = {}
        pending: tuple[date, date, OptionChain | None] | None = None
        for session in self._sessions:
            answer = self._answer(session, failed)
            if answer is None:
                continue
            own, chain = answer
            if pending is not None and pending[0] != own:
                yield pending
                pending = None
            if pending is None or _preferred(own, session, chain, pending):
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

    def items(self) -> Iterator[tuple[date, OptionChain | None]]:  # type: ignore[override]
        """(session, chain or None) in order of session, each chain loaded as it comes."""
        asked: dict[date, date] = {}
        for own, session, chain in self._stream():
            asked[own] = session
            yield own, chain
        self._asked = asked

    def __iter__(self) -> Iterator[date]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __getitem__(self, session: date) -> OptionChain | None:
        asked = self._keys()[session]
        answer = self._answer(asked, {})
        return None if answer is None else answer[1]


def _preferred(
    own: date,
    session: date,
    chain: OptionChain | None,
    kept: tuple[date, date, OptionChain | None],
) -> bool:
    """Whether `chain` (answered for `session`, of session `own`) replaces `kept`, an
    answer of the same own session: the answer for that session itself wins (what its
    replay shows); among later sessions' answers, the latest quote."""
    if kept[1] == own:
        return False
    if session == own:
        return True
    kept_chain = kept[2]
    return chain is not None and (kept_chain is None or kept_chain.as_of < chain.as_of)
