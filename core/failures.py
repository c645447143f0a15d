"""What failed in a refresh cycle, said twice: one line for a panel, in the market's
words ("Yahoo unreachable: 40 of 503 members failed, no quotes; retrying within 2m"),
and the whole text (every symbol and every message the source gave) for the log, the
panel's detail view and the JSON. Failures whose whole text fits the line are said as
they are; longer ones are summed up from the typed errors: a
`RateLimitError` or `NetworkError` names the source as rate-limited or unreachable, a
`PartialDataError` counts what is missing of what was asked, an `EmptyDataError`
says that nothing came back, and anything else (a `DataFormatError` naming its file
and line, a `StoreError` naming the cache, a bug in a step of the cycle) keeps its own
first line, cut to fit. Pure functions of their arguments: the engine says when it
will retry."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from core import format as fmt
from core.sources.base import (
    EmptyDataError,
    NetworkError,
    PartialDataError,
    RateLimitError,
    SourceError,
)

LINE_CHARS = 100
"""The most a failure's line says before the retry (the rest is in the full text)."""

NAMES_SHOWN = 3
"""Missing symbols named on the line when no more than this many are missing."""

SOURCE_NAMES = {"yahoo": "Yahoo", "files": "the files", "cache": "the cache", "sim": "the sim"}
"""A source's kind as the line says it."""

NOUNS = {"daily bars": "symbols", "members": "members", "quotes": "quotes"}
"""What a fetch asks for, counted (`40 of 503 members`)."""


def describe(error: BaseException, limit: int = 200) -> str:
    """An exception in one short line: its type and the first line of its message,
    cut to `limit` characters."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return cut(text, limit)


def cut(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters (an ellipsis says it was cut)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Failure:
    """One thing that failed in a cycle: what was being fetched or done, and why."""

    what: str
    """The fetch (`daily bars`, `members`, `quotes`) or the step of the cycle."""
    error: BaseException

    def text(self) -> str:
        """All of it: a source's own message (it names the source and what it was
        asked), else the step, the exception's type and its whole message."""
        if isinstance(self.error, SourceError):
            return str(self.error).strip() or f"{self.what}: {type(self.error).__name__}"
        return f"{self.what}: {type(self.error).__name__}: {str(self.error).strip()}".rstrip(": ")

    def part(self) -> str:
        """What failed, in a few words, for the one line."""
        error = self.error
        noun = NOUNS.get(self.what, self.what)
        if isinstance(error, PartialDataError) and error.missing:
            asked = len(error.missing) + len(error.partial)
            names = f" ({', '.join(error.missing)})" if len(error.missing) <= NAMES_SHOWN else ""
            return f"{len(error.missing)} of {asked} {noun} failed{names}"
        if isinstance(error, RateLimitError | NetworkError | EmptyDataError):
            return f"no {self.what}"
        if isinstance(error, SourceError):
            return cut(str(error), LINE_CHARS)
        return f"{self.what}: {describe(error)}"


def cause(failures: Sequence[Failure], source: str) -> str | None:
    """Why the source failed as a whole, if it did: rate-limited, or unreachable."""
    name = SOURCE_NAMES.get(source, source)
    if any(isinstance(failure.error, RateLimitError) for failure in failures):
        return f"{name} rate-limited"
    if any(isinstance(failure.error, NetworkError) for failure in failures):
        return f"{name} unreachable"
    return None


def retry_text(seconds: float) -> str:
    """When the next try comes, rounded up (the wait is at most this): `within 45s`,
    `within 2m`."""
    whole = math.ceil(max(seconds, 0.0))
    if whole >= 60:
        whole = math.ceil(whole / 60) * 60
    return f"retrying within {fmt.age(timedelta(seconds=whole))}"


@dataclass(frozen=True)
class Summary:
    """A cycle's failures as a panel shows them (`line`) and as the log keeps them."""

    line: str
    """One line: what failed and when it is tried again."""
    full: str
    """Every failure's whole text, one per line."""


def summarize(failures: Sequence[Failure], source: str, retry_in: float | None) -> Summary:
    """`failures` (at least one) of a cycle from `source` (its kind), tried again in
    `retry_in` seconds (None: only when asked), as one line and the whole text."""
    texts = list(dict.fromkeys(failure.text() for failure in failures))
    retry = "" if retry_in is None else f"; {retry_text(retry_in)}"
    verbatim = "; ".join(" ".join(text.split()) for text in texts)
    if len(verbatim) <= LINE_CHARS:  # short enough to say as it is: nothing to sum up
        return Summary(line=verbatim + retry, full="\n".join(texts))
    parts = list(dict.fromkeys(failure.part() for failure in failures))
    head = cause(failures, source)
    prefix = f"{head}: " if head else ""
    shown: list[str] = []
    for index, part in enumerate(parts):
        left = len(parts) - index - 1
        counted = f", and {left} more" if left else ""  # room kept to count the rest
        room = LINE_CHARS - len(prefix + ", ".join([*shown, ""])) - len(counted)
        if len(part) <= room:
            shown.append(part)
        elif not shown:  # the first failure is cut to fit rather than dropped
            shown.append(cut(part, room))
            shown.extend([f"and {left} more"] if left else [])
            break
        else:
            shown.append(f"and {left + 1} more")
            break
    return Summary(line=cut(prefix + ", ".join(shown), LINE_CHARS) + retry, full="\n".join(texts))
