"""The VIX term-structure mini chart: one row per tenor (9-day, 30-day, 3-month), each
with its level and a bar drawn from zero, so the slope of the curve reads at a glance
(bars lengthening down the rows: contango; shortening: backwardation), and a muted
reference row under them (the index's realised vol, to read the VIX against). Levels
are printed whole beside their bars and never cut; a missing tenor (or one that is not
a number) reads "unknown" with no bar. Pure rendering of the levels the Snapshot holds."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from core import format as fmt
from widgets.repaint import RepaintsChanges

Tenor = tuple[str, float | None]
"""A tenor's name (`9D`) and its level, None when unknown."""


class TermChart(RepaintsChanges):
    """VIX levels by tenor as horizontal bars from zero."""

    DEFAULT_CSS = """
    TermChart {
        height: auto;
        width: 1fr;
    }
    """

    tenors: reactive[tuple[Tenor, ...]] = reactive((), repaint=False)
    """The tenors to draw, shortest first (one row each)."""

    def watch_tenors(self, old: tuple[Tenor, ...], new: tuple[Tenor, ...]) -> None:
        if len(old) != len(new):
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    highlight: reactive[str] = reactive("30D")
    """The tenor drawn emphasised (the VIX itself)."""

    reference: reactive[str] = reactive("RV20")
    """The row drawn muted, as a reference rather than a tenor (realised vol)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.tenors)

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        tenors = self.tenors
        if not tenors:
            return Content("")
        names = [name for name, _ in tenors]
        values = [fmt.number(level) for _, level in tenors]
        name_width = max(len(name) for name in names)
        value_width = max(len(value) for value in values)
        bar_width = max(0, width - name_width - value_width - 2)
        known = [fmt.finite(level) for _, level in tenors]
        top = max((level for level in known if level is not None), default=None)
        lines: list[Content] = []
        for (name, shown), value in zip(tenors, values, strict=True):
            level = fmt.finite(shown)
            strong = name == self.highlight
            bar_style = "$accent" if strong else "$primary"
            if name == self.reference:
                bar_style = "$text-muted"
            parts: list[tuple[str, str]] = [
                (name.ljust(name_width), "bold" if strong else "$text-muted"),
                (" ", ""),
            ]
            if level is None or top is None or top <= 0:
                parts.append((value.rjust(value_width), "$text-muted italic"))
            else:
                parts.append((value.rjust(value_width), "bold" if strong else ""))
                cells = round(max(0.0, level) / top * bar_width)
                if cells:
                    parts += [
                        (" ", ""),
                        ("━" * cells if name != self.reference else "╌" * cells, bar_style),
                    ]
            lines.append(Content.assemble(*parts))
        return Content("\n").join(lines)
