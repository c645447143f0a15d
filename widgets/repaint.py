"""Repainting only the cells that changed. Textual writes to the terminal every cell of
a widget's dirty region, and `refresh()` marks the whole widget dirty, so a table whose
one number moved rewrites every row. A widget built on `RepaintsChanges` declares its
content reactives with `repaint=False` and calls `repaint_changes()` from their
watchers instead: once the current batch of changes is in (several reactives set
together cost one diff), it renders its content again, compares it line by line with
what is on screen, and marks dirty only the span of each line between its first and
last changed cell; nothing when nothing changed. Whatever else repaints a widget
(resizing, styles, the theme) keeps Textual's whole-widget refresh. `TextLine` is such
a widget for a line of text that changes (a headline, a score), in place of a Static,
whose `update` repaints it whole."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.style import Style
from textual.content import Content
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.widget import _RenderCache

Cell = tuple[str, str]
"""One cell of a rendered line: its character ("" for the right half of a wide one)
and how its style looks (`look_of`)."""


@lru_cache(maxsize=1024)
def look_of(style: Style | None) -> str:
    """How a style shows on the terminal: its escape codes in full colour. Styles that
    differ only in meta (the mouse offsets Textual keeps there, which shift with the
    text before them) look the same."""
    return "" if style is None else style.render("x", color_system=ColorSystem.TRUECOLOR)


def cells(strip: Strip) -> list[Cell]:
    """A rendered line as cells, so two lines compare cell by cell."""
    line: list[Cell] = []
    for text, style, control in strip:
        if control:
            continue
        look = look_of(style)
        for character in text:
            line.append((character, look))
            line.extend(("", look) for _ in range(cell_len(character) - 1))
    return line


def changed_span(before: Strip, after: Strip) -> tuple[int, int] | None:
    """The cells `[start, end)` between the first and the last that differ; None for
    two lines that show the same."""
    if before == after:
        return None
    old, new = cells(before), cells(after)
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    if len(old) != len(new):  # cells are compared in place: no common end to trim
        return _whole_characters(old, new, start, max(len(old), len(new)))
    end = len(new)
    while end > start and old[end - 1] == new[end - 1]:
        end -= 1
    return _whole_characters(old, new, start, end)


def _whole_characters(old: list[Cell], new: list[Cell], start: int, end: int) -> tuple[int, int]:
    """`[start, end)` widened so that neither end cuts a wide character of either line
    in two (Textual would blank a half it was asked to write)."""

    def second_half(line: list[Cell], x: int) -> bool:
        return 0 <= x < len(line) and line[x][0] == ""

    while start > 0 and (second_half(old, start) or second_half(new, start)):
        start -= 1
    while second_half(old, end) or second_half(new, end):
        end += 1
    return start, end


def changed_regions(before: Sequence[Strip], after: Sequence[Strip]) -> list[Region]:
    """One region a line, of the cells that differ between two renders of equal height."""
    regions: list[Region] = []
    for y, (old, new) in enumerate(zip(before, after, strict=True)):
        span = changed_span(old, new)
        if span is not None:
            start, end = span
            regions.append(Region(start, y, end - start, 1))
    return regions


class RepaintsChanges(Widget):
    """A widget whose content changes repaint only the cells that changed."""

    _changes_pending = False
    """A diff is scheduled: further changes before it runs join it."""

    _shown: _RenderCache | None = None
    """The widget's lines as rendered when the pending batch began: what the terminal
    shows of every row not already marked dirty. Read later, the render cache could
    hold a newer render that the screen drew only in part (another batch's rows)."""

    def repaint_changes(self) -> None:
        """Repaint what a content change altered (call it from the content's watchers;
        a change of size needs `refresh(layout=True)` instead)."""
        if self._changes_pending:
            return
        self._changes_pending = True
        self._shown = self._render_cache
        self.call_later(self._repaint_changed_cells)

    def _repaint_changed_cells(self) -> None:
        self._changes_pending = False
        shown = self._render_cache if self._shown is None else self._shown
        self._shown = None
        width, height = self.size
        if not self.is_mounted or not width or shown.size != self.size:
            self.refresh()  # nothing on screen to compare with: paint it whole
            return
        # Textual keeps the last visual until a refresh; this change made it stale
        # (without this, every change after the first would diff the old text).
        self._layout_cache.clear()
        fresh = Visual.to_strips(self, self._render(), width, height, self.visual_style)
        if len(fresh) != len(shown.lines):
            self.refresh()
            return
        regions = changed_regions(shown.lines, fresh)
        if regions:
            self.refresh(*regions)


class TextLine(RepaintsChanges):
    """Text that changes in place (a Static repaints whole on `update`); it keeps its
    height, so text that would need more or fewer lines lays the screen out again."""

    DEFAULT_CSS = """
    TextLine { height: auto; }
    """

    text: reactive[Content] = reactive(Content(""), repaint=False)
    """The text on show."""

    def __init__(
        self,
        text: str | Content = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(TextLine.text, Content(text) if isinstance(text, str) else text)

    def update(self, text: str | Content) -> None:
        """Show `text` (as Static.update does, repainting only what changed)."""
        self.text = Content(text) if isinstance(text, str) else text

    def watch_text(self) -> None:
        width, height = self.size
        auto_width = self.styles.width is not None and self.styles.width.is_auto
        self.clear_cached_dimensions()  # they were measured for the old text
        if (
            not width
            or auto_width
            or self.get_content_height(self.size, self.size, width) != height
        ):
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    def render(self) -> Content:
        return self.text
