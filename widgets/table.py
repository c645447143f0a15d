"""A small width-aware table for panel readings: one flexible text column that gives
way (cut with an ellipsis) when space is short, fixed columns for numbers that are
never cut mid-number, and optional columns (a rule's text, a secondary number) shown
whole or not at all. Lighter than a DataTable (no focus, no cursor, no scrolling) and
it knows its own height, so panels can size to their content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from widgets.repaint import RepaintsChanges

Cell = str | Content
"""A table cell: plain text, or Content styled with theme variables."""
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    """How one column of a ValueTable lays out."""

    header: str = ""
    justify: Literal["left", "right"] = "left"
    flex: bool = False
    """Take the width the other columns leave, cut with an ellipsis when too narrow (at
    a space when there is one, so a number in a name is never cut)."""
    optional: bool = False
    """Shown whole or not at all: dropped (the rightmost first) when showing it would
    squeeze a flex column under its `min_width` or overflow the table."""
    min_width: int = 10
    """For a flex column: the width it keeps before optional columns give way."""


def _content(cell: Cell) -> Content:
    return cell if isinstance(cell, Content) else Content(cell)


def fit(cell: Content, width: int, *, words: bool = False) -> Content:
    """`cell` cut to `width` cells with an ellipsis; with `words`, cut at the last space
    that leaves room for the ellipsis, so words and numbers stay whole."""
    if cell.cell_length <= width:
        return cell
    if words and width > 1:
        space = cell.plain.rfind(" ", 0, width - 1)
        if space > 0:
            return cell[:space].rstrip() + Content("…")
    return cell.truncate(width, ellipsis=True)


class ValueTable(RepaintsChanges):
    """Rows of cells under optional headers; the flex column absorbs the width."""

    DEFAULT_CSS = """
    ValueTable {
        height: auto;
        width: 1fr;
    }
    """

    rows: reactive[tuple[Row, ...]] = reactive((), repaint=False)
    """The rows on show, each with one cell per column (new rows repaint only the cells
    that changed, and lay the screen out again only when the table's size changes)."""

    def __init__(
        self,
        *columns: Column,
        show_header: bool = True,
        column_gap: int = 1,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = columns
        self.show_header = show_header
        self.column_gap = column_gap

    def watch_rows(self, old: tuple[Row, ...], new: tuple[Row, ...]) -> None:
        if len(old) != len(new) or self._content_width(old) != self._content_width(new):
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    def _content_width(self, rows: tuple[Row, ...]) -> int:
        """The width the table asks for with `rows` (see get_content_width)."""
        widths = self._natural_widths(self._grid(rows))
        return sum(widths) + self.column_gap * max(0, len(widths) - 1)

    def _grid(self, rows: tuple[Row, ...] | None = None) -> list[tuple[Content, ...]]:
        grid: list[tuple[Content, ...]] = []
        if self.show_header:
            grid.append(tuple(Content.styled(column.header, "bold") for column in self.columns))
        shown = self.rows if rows is None else rows
        grid.extend(tuple(_content(cell) for cell in row) for row in shown)
        return grid

    def _natural_widths(self, grid: list[tuple[Content, ...]]) -> list[int]:
        widths = [0] * len(self.columns)
        for row in grid:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell.cell_length)
        return widths

    def _visible(self, widths: list[int], width: int) -> list[int]:
        """Indices of the columns that fit in `width` cells: optional columns are
        dropped, the rightmost first, until the rest fit."""
        visible = list(range(len(self.columns)))

        def needed(indices: list[int]) -> int:
            cells = sum(
                max(self.columns[i].min_width, 1) if self.columns[i].flex else widths[i]
                for i in indices
            )
            return cells + self.column_gap * max(0, len(indices) - 1)

        for index in reversed(range(len(self.columns))):
            if needed(visible) <= width:
                break
            if self.columns[index].optional:
                visible.remove(index)
        return visible

    def _widths(self, grid: list[tuple[Content, ...]], width: int) -> list[int]:
        """Column widths for `width` cells: fixed columns at their natural width, flex
        columns sharing what is left, dropped optional columns at 0."""
        natural = self._natural_widths(grid)
        visible = self._visible(natural, width)
        while True:
            widths = self._fill(natural, visible, width)
            starved = [
                index
                for index in visible
                if self.columns[index].optional
                and self.columns[index].flex
                and widths[index] < self.columns[index].min_width
            ]
            if not starved:
                return widths
            visible.remove(starved[-1])

    def _fill(self, natural: list[int], visible: list[int], width: int) -> list[int]:
        """Share the spare width among the visible flex columns: the required ones
        first (up to their natural width, leaving the other required ones their
        minimum), then the optional ones; the last served takes whatever remains."""
        widths = [natural[i] if i in visible else 0 for i in range(len(self.columns))]
        flex = [i for i in visible if self.columns[i].flex]
        if not flex:
            return widths
        fixed = sum(w for i, w in enumerate(widths) if i not in flex)
        spare = width - fixed - self.column_gap * (len(visible) - 1)
        order = sorted(flex, key=lambda i: (self.columns[i].optional, natural[i]))
        for position, index in enumerate(order):
            rest = order[position + 1 :]
            if not rest:
                widths[index] = max(1, spare)
                break
            reserve = sum(
                min(self.columns[j].min_width, natural[j])
                for j in rest
                if not self.columns[j].optional
            )
            widths[index] = max(1, min(natural[index], spare - reserve))
            spare -= widths[index]
        return widths

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._content_width(self.rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows) + (1 if self.show_header else 0)

    def render(self) -> Content:
        grid = self._grid()
        widths = self._widths(grid, self.content_region.width or self.size.width)
        gap = " " * self.column_gap
        lines: list[Content] = []
        for row in grid:
            cells: list[Content] = []
            for cell, column, width in zip(row, self.columns, widths, strict=False):
                if width == 0 and column.optional:
                    continue
                fitted = fit(cell, width, words=column.flex)
                padding = width - fitted.cell_length
                cells.append(
                    fitted.pad_left(padding)
                    if column.justify == "right"
                    else fitted.pad_right(padding)
                )
            lines.append(Content(gap).join(cells))
        return Content("\n").join(lines)
