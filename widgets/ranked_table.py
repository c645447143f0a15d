"""A `ValueTable` whose optional columns give way in an order of its own rather than the
rightmost first: the Edge detail's horizons table keeps a study's worst fall and its
share of deep falls (what a TD study is about) longer than the median and the
baseline's hit rate, while reading left to right in the usual order. Columns not
named in the order give way after those named, the rightmost first."""

from __future__ import annotations

from widgets.table import Column, ValueTable


class RankedTable(ValueTable):
    """A ValueTable that drops its optional columns in `drop_order`."""

    def __init__(
        self,
        *columns: Column,
        drop_order: tuple[int, ...] = (),
        show_header: bool = True,
        column_gap: int = 1,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`drop_order`: indices of optional columns, the first to give way first."""
        super().__init__(
            *columns,
            show_header=show_header,
            column_gap=column_gap,
            name=name,
            id=id,
            classes=classes,
        )
        rest = [index for index in reversed(range(len(columns))) if index not in drop_order]
        self.drop_order = (*drop_order, *rest)

    def _visible(self, widths: list[int], width: int) -> list[int]:
        visible = list(range(len(self.columns)))

        def needed(indices: list[int]) -> int:
            cells = sum(
                max(self.columns[i].min_width, 1) if self.columns[i].flex else widths[i]
                for i in indices
            )
            return cells + self.column_gap * max(0, len(indices) - 1)

        for index in self.drop_order:
            if needed(visible) <= width:
                break
            if self.columns[index].optional:
                visible.remove(index)
        return visible
