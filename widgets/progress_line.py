"""A long load's progress on one line, as a panel shows it while the data it feeds on
loads (`PanelStatus.progress`): a bar, the counts and the time left — `━━━━╌╌╌╌╌╌
members 150/503 · about 40s left` — fitted to the width it has: the words shorten
(down to the bare counts) to leave room for a bar, which goes only where it fits.
The bar is heavy (━) where done and dashed (╌) beyond, like the gauge's scale, so it
reads in 16 colours, with NO_COLOR and in ASCII (= and -, through `look.AsciiOnly`).
A source that reports no counts gives `loading members…`. Pure rendering of the
Snapshot's numbers; any value (negative, more done than in all, no total, a huge time
left) draws without raising."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from core import format as fmt
from widgets.repaint import RepaintsChanges

if TYPE_CHECKING:
    from core.snapshot import LoadProgress

BAR_MIN = 8
"""The narrowest bar worth drawing, in cells."""
BAR_MAX = 40
"""The widest bar: beyond it the line only gets emptier."""
LONGEST_LEFT = timedelta(days=99)
"""Time left is said up to this (a wilder estimate is not worth its digits)."""


def counts(progress: LoadProgress) -> str:
    """`150/503`, counts clamped to what can be (0 to the total)."""
    total = max(progress.total, 0)
    done = min(max(progress.done, 0), total)
    return f"{fmt.count(done)}/{fmt.count(total)}"


def time_left(progress: LoadProgress) -> str | None:
    """`about 40s left`, `about 4m left`; None while there is no estimate yet."""
    seconds = progress.seconds_left
    if seconds is None:
        return None
    left = min(timedelta(seconds=max(seconds, 0)), LONGEST_LEFT)
    return f"about {fmt.age(left)} left"


def shares(progress: LoadProgress) -> float:
    """The share done, in [0, 1] (0 without a total)."""
    total = progress.total
    if total <= 0:
        return 0.0
    return min(max(progress.done / total, 0.0), 1.0)


def texts(progress: LoadProgress | None) -> list[str]:
    """What the line can say, longest first: the shortest is what a narrow panel gets."""
    if progress is None:
        return [""]
    if progress.total <= 0:
        return [f"loading {progress.what}…", "loading…"]
    told = counts(progress)
    left = time_left(progress)
    if left is None:
        return [f"{progress.what} {told} · estimating time left", f"{progress.what} {told}", told]
    short = left.removeprefix("about ")
    return [
        f"{progress.what} {told} · {left}",
        f"{progress.what} {told} · {short}",
        f"{told} · {short}",
        told,
    ]


def bar(share: float, width: int) -> Content:
    """A bar `width` cells wide, `share` of it filled."""
    filled = round(share * width)
    return Content.assemble(("━" * filled, "$accent"), ("╌" * (width - filled), "$text-muted"))


def progress_line(progress: LoadProgress | None, width: int) -> Content:
    """The line for `progress` in `width` cells: the longest text that leaves room for
    a bar before it (the bare counts excepted), else the longest that fits alone, else
    the counts cut to fit."""
    width = max(width, 0)
    options = texts(progress)
    if progress is None or not width:
        return Content("")
    if progress.total > 0:
        for text in options[:-1]:  # the bare counts would not be worth a bar
            room = width - len(text) - 1
            if room >= BAR_MIN:
                return Content.assemble(bar(shares(progress), min(room, BAR_MAX)), " ", text)
    return Content(next((text for text in options if len(text) <= width), options[-1][:width]))


class ProgressLine(RepaintsChanges):
    """One line: the progress of a load feeding the panel (nothing without one)."""

    DEFAULT_CSS = """
    ProgressLine {
        height: 1;
        width: 1fr;
        color: $text-muted;
    }
    """

    progress: reactive[LoadProgress | None] = reactive(None, repaint=False)
    """The load on show; None draws an empty line."""

    def watch_progress(self) -> None:
        self.repaint_changes()

    def render(self) -> Content:
        return progress_line(self.progress, self.size.width)
