"""The index's option chains by the session each belongs to, as `CycleData.chains` keys
them, for the engine and for readings as history alike: a chain belongs to the session
in regular hours at its `as_of`, else to the last session closed on or before it (a
chain quoted after Friday's close, on Saturday or before Monday's open is Friday's).
`chains_for_sessions` loads the chains of a span for a history: it asks the source for
each session of the index and keeps each chain once, under its own session (a source
that answers a session with its latest chain on or before it answers several sessions
with the same one; of two quoted in one session, the later, as a replay sees it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def chains_for_sessions(
    source: Source,
    sessions: Iterable[date],
    calendar: MarketSession,
    warn: Callable[[str], None] = lambda message: None,
) -> dict[date, OptionChain]:
    """The chains the source holds for `sessions`, by their own session (never one after
    the session it answered: no look-ahead). A chain that fails to load (a SourceError,
    an `as_of` the calendar does not cover) leaves the sessions it would have served
    without a chain and is said to `warn` once, with the first of them and how many."""
    chains: dict[date, OptionChain] = {}
    failed: dict[str, list[date]] = {}
    for session in sessions:
        try:
            chain = source.option_chain(session)
        except SourceError as error:
            failed.setdefault(str(error), []).append(session)
            continue
        if chain is None:
            continue
        try:
            own = session_of(calendar, chain.as_of)
        except ValueError as error:
            failed.setdefault(f"{chain.source}: {error}", []).append(session)
            continue
        kept = chains.get(own)
        if own <= session and (kept is None or kept.as_of < chain.as_of):
            chains[own] = chain
    for message, where in failed.items():
        later = f" and {len(where) - 1} later sessions" if len(where) > 1 else ""
        warn(f"{message}: gamma unknown on {where[0]}{later}")
    return chains
