"""A small width-aware table for panel readings: one flexible text column that gives
way (cut with an ellipsis) when space is short, and fixed columns for numbers that are
never cut mid-number. Lighter than a DataTable (no focus, no cursor, no scrolling) and
it knows its own height, so panels can size to their content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

Cell = str | Content
"""A table cell: plain text, or Content styled with theme variables."""
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    """How one column of a ValueTable lays out."""

    header: str = ""
    justify: Literal["left", "right"] = "left"
    flex: bool = False
    """Take the width the other columns leave, cut with an ellipsis when too narrow."""


def _content(cell: Cell) -> Content:
    return cell if isinstance(cell, Content) else Content(cell)


class ValueTable(Widget):
    """Rows of cells under optional headers; the flex column absorbs the width."""

    DEFAULT_CSS = """
    ValueTable {
        height: auto;
        width: 1fr;
    }
    """

    rows: reactive[tuple[Row, ...]] = reactive((), layout=True)
    """The rows on show, each with one cell per column."""

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

    def _grid(self) -> list[tuple[Content, ...]]:
        grid: list[tuple[Content, ...]] = []
        if self.show_header:
            grid.append(tuple(Content.styled(column.header, "bold") for column in self.columns))
        grid.extend(tuple(_content(cell) for cell in row) for row in self.rows)
        return grid

    def _natural_widths(self, grid: list[tuple[Content, ...]]) -> list[int]:
        widths = [0] * len(self.columns)
        for row in grid:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell.cell_length)
        return widths

    def _widths(self, grid: list[tuple[Content, ...]], width: int) -> list[int]:
        """Column widths for `width` cells: fixed columns at their natural width."""
        widths = self._natural_widths(grid)
        flex = [index for index, column in enumerate(self.columns) if column.flex]
        if flex:
            fixed = sum(w for i, w in enumerate(widths) if i not in flex)
            spare = width - fixed - self.column_gap * (len(widths) - 1)
            share = max(1, spare // len(flex))
            for index in flex:
                widths[index] = share
        return widths

    def get_content_width(self, container: Size, viewport: Size) -> int:
        widths = self._natural_widths(self._grid())
        return sum(widths) + self.column_gap * max(0, len(widths) - 1)

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
                fitted = cell.truncate(width, ellipsis=True)
                padding = width - fitted.cell_length
                cells.append(
                    fitted.pad_left(padding)
                    if column.justify == "right"
                    else fitted.pad_right(padding)
                )
            lines.append(Content(gap).join(cells))
        return Content("\n").join(lines)
