"""The chains of a history's span (core/chain_sessions.ChainsOfSessions): each chain
once, under its own session, in order; none after the session that asked (no
look-ahead); of two quoted in one session the one its replay shows; a failed session
there with no chain (nothing carried over it) and said once; and the
chains loaded as they are iterated, never all held at once (a decade of simulated
chains would take gigabytes)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import pandas as pd

from core.chain_sessions import ChainsOfSessions
from core.clock import NEW_YORK
from core.options.chain import OptionChain
from core.session import MarketSession
from core.sources.base import NetworkError
from tests.fake_source import small_chain

MLK_DAY = date(2026, 1, 19)
SESSIONS = [
    stamp.date() for stamp in pd.bdate_range("2026-01-05", "2026-01-30") if stamp.date() != MLK_DAY
]


def close_of(day: date, minute: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, 16, minute, tzinfo=NEW_YORK)


class EverySession:
    """A chain for each session, made when asked (as the simulated market does), and
    the chains still alive."""

    def __init__(self, failing: Sequence[date] = ()) -> None:
        self.made: list[weakref.ref[OptionChain]] = []
        self.most_alive = 0
        self.failing = set(failing)
        self.asked: list[date] = []

    def option_chain(self, session: date) -> OptionChain | None:
        self.asked.append(session)
        if session in self.failing:
            raise NetworkError("fake: options down")
        chain = small_chain(close_of(session))
        self.made.append(weakref.ref(chain))
        gc.collect()
        alive = sum(made() is not None for made in self.made)
        self.most_alive = max(self.most_alive, alive)
        return chain


class Latest:
    """The latest of a few chains on or before the session asked (as files do)."""

    def __init__(self, chains: Mapping[date, OptionChain]) -> None:
        self.chains = chains

    def option_chain(self, session: date) -> OptionChain | None:
        held = [day for day in self.chains if day <= session]
        return self.chains[max(held)] if held else None


def test_each_chain_once_under_its_own_session_in_order() -> None:
    source = Latest(
        {
            date(2026, 1, 9): small_chain(close_of(date(2026, 1, 9))),
            date(2026, 1, 20): small_chain(close_of(date(2026, 1, 20))),
        }
    )
    chains = ChainsOfSessions(source, SESSIONS, MarketSession())  # type: ignore[arg-type]
    assert [session for session, _ in chains.items()] == [date(2026, 1, 9), date(2026, 1, 20)]
    assert list(chains) == [date(2026, 1, 9), date(2026, 1, 20)] and len(chains) == 2
    chain = chains[date(2026, 1, 20)]
    assert chain is not None and chain.as_of == close_of(date(2026, 1, 20))


def test_a_chain_from_after_the_session_asked_is_not_used() -> None:
    later = small_chain(close_of(date(2026, 1, 12)))

    class Ahead:
        def option_chain(self, session: date) -> OptionChain | None:
            return later  # a source that answers with a later chain: look-ahead

    chains = ChainsOfSessions(Ahead(), SESSIONS[:5], MarketSession())  # type: ignore[arg-type]
    assert dict(chains.items()) == {}


def test_of_two_chains_in_one_session_the_one_its_replay_shows_is_kept() -> None:
    monday = date(2026, 1, 12)
    early, late = small_chain(close_of(monday, 5)), small_chain(close_of(monday, 30))

    class Twice:
        def option_chain(self, session: date) -> OptionChain | None:
            return early if session == monday else late if session > monday else None

    days = [monday, monday + timedelta(days=1)]
    # 16:30 is still Monday's (after its close), so both belong to Monday: the one a
    # replay of Monday shows is kept, the one answered for Monday itself.
    chains = ChainsOfSessions(Twice(), days, MarketSession())  # type: ignore[arg-type]
    kept = [(session, chain.as_of if chain else None) for session, chain in chains.items()]
    assert kept == [(monday, early.as_of)]
    # Asked only from the day after, the later quote of Monday is the one there is.
    later_only = ChainsOfSessions(Twice(), days[1:], MarketSession())  # type: ignore[arg-type]
    assert [chain.as_of for _, chain in later_only.items() if chain] == [late.as_of]


def test_chains_are_loaded_as_iterated_not_held() -> None:
    source = EverySession()
    chains = ChainsOfSessions(source, SESSIONS, MarketSession())  # type: ignore[arg-type]
    seen = 0
    for session, chain in chains.items():
        assert chain is not None and chain.as_of.date() == session
        seen += 1
        del chain
    assert seen == len(SESSIONS)
    assert source.most_alive <= 3  # the one being read, and the one pending


def test_a_failing_session_is_there_without_a_chain_and_said_once() -> None:
    failing = SESSIONS[3:6]
    warned: list[str] = []
    source = EverySession(failing)
    chains = ChainsOfSessions(source, SESSIONS, MarketSession(), warned.append)  # type: ignore[arg-type]
    answers = dict(chains.items())
    assert list(answers) == SESSIONS  # a failed session is there, with no chain
    assert [day for day, chain in answers.items() if chain is None] == failing
    assert warned == [f"fake: options down: gamma unknown on {failing[0]} and 2 later sessions"]
