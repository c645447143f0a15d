"""Replay: everything evaluated as of a past session's close, the basis of `--as-of`,
of reproducible checks and of replay stepping. It is one value, `Replay` (or None when
live), made once from the flag and handed to the engine, which asks sources for no bar
after its session, fetches no quotes, asks for the option chain once (for its session,
no chain quoted after it used), keeps nothing for the next start and refreshes only
on request. This module is light (no pandas, no calendar) so the monitor can hold
the value before its first frame."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.session import MarketSession


@dataclass(frozen=True)
class Replay:
    """Evaluate everything as of `session`'s close."""

    session: date
    """The replayed day (an NYSE session once `on_sessions` has moved it onto one)."""

    def on_sessions(self, calendar: MarketSession) -> tuple[Replay, str | None]:
        """This replay on the last NYSE session on or before its day, with a note when
        that moved it (a weekend, a holiday). Raises ValueError for a day the calendar
        does not cover."""
        session = calendar.last_session_on_or_before(self.session)
        if session == self.session:
            return self, None
        return Replay(session), f"{self.session} is not a NYSE session; replaying {session}"


def replay_label(as_of: datetime, where: str) -> str:
    """The status line's badge for a replay: `REPLAY 2026-01-28 · files:DIR`."""
    return f"REPLAY {as_of:%Y-%m-%d} · {where}"
