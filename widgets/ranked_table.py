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
        self.drop_order = drop_order

    def _visible(self, widths: list[int], width: int) -> list[int]:
        visible = list(range(len(self.columns)))

        def needed(indices: list[int]) -> int:
            cells = sum(
                max(self.columns[i].min_width, 1) if self.columns[i].flex else widths[i]
                for i in indices
            )
            return cells + self.column_gap * max(0, len(indices) - 1)

        # The order is taken against the columns of now (a table may be given others).
        count = len(self.columns)
        named = [index for index in self.drop_order if 0 <= index < count]
        rest = [index for index in reversed(range(count)) if index not in named]
        for index in (*named, *rest):
            if needed(visible) <= width:
                break
            if self.columns[index].optional:
                visible.remove(index)
        return visible
