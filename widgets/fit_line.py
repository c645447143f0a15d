"""Lines that fit their width without cutting a number: `FitLine` shows the longest of
its variants that fits on one line (`BEARISH DIVERGENCE · confirmed 2026-01-22`, else
`BEARISH DIVERGENCE · 2026-01-22`), wrapping the shortest between words when none
does; `BadgeLine` shows a row of short readings and leaves off whole readings, the
last first, when they do not all fit. Both are one line wherever they can be, so a
panel's height does not depend on how its flags happen to wrap."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from widgets.repaint import RepaintsChanges

BADGE_GAP = "  "
"""Space between the readings of a BadgeLine."""


class FitLine(RepaintsChanges):
    """The longest variant of a line that fits the width."""

    DEFAULT_CSS = """
    FitLine { height: auto; width: 1fr; }
    """

    variants: reactive[tuple[Content, ...]] = reactive((), repaint=False)
    """The line's variants, longest first; the last wraps when none fits."""

    def watch_variants(self) -> None:
        width, height = self.size
        if not width or self.get_content_height(self.size, self.size, width) != height:
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    def _choice(self, width: int) -> Content:
        for variant in self.variants:
            if variant.cell_length <= width:
                return variant
        return self.variants[-1] if self.variants else Content("")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._choice(width).wrap(max(1, width))))

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        return Content("\n").join(self._choice(width).wrap(max(1, width)))


class BadgeLine(RepaintsChanges):
    """One line of short readings; those that do not fit the width are left off
    whole (the last first), so the line never wraps and no number is cut."""

    DEFAULT_CSS = """
    BadgeLine { height: 1; width: 1fr; }
    """

    parts: reactive[tuple[Content, ...]] = reactive((), repaint=False)
    """The readings, most important first."""

    def watch_parts(self) -> None:
        self.repaint_changes()

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        shown: list[Content] = []
        used = 0
        for part in self.parts:
            needed = part.cell_length + (len(BADGE_GAP) if shown else 0)
            if used + needed > width:
                break
            shown.append(part)
            used += needed
        return Content(BADGE_GAP).join(shown)
