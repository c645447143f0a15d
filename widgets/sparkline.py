"""A one-line text sparkline (▁▂▃▄▅▆▇█) of a recent daily series, each bar coloured by
the band its value falls in (weak / neutral / strong). Unlike Textual's Sparkline it
takes gaps (a missing session, or a value that is not a number or is too large to
draw, is a blank, never a zero), scales to the window's own
range so a few points of change are visible, colours by band rather than by blending
(blends are lost in 16 colours), and fills its width: a longer series is sampled
evenly (the newest always last), a shorter one is stretched. Pure rendering."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from widgets.chart_slot import plottable
from widgets.gauge import Band, band_of
from widgets.repaint import RepaintsChanges

BARS = "▁▂▃▄▅▆▇█"


def sample(values: Sequence[float | None], width: int) -> list[float | None]:
    """Exactly `width` values: evenly spaced through a longer series (the last one
    last), each repeated across the cells of a wider sparkline."""
    count = len(values)
    if count == 0 or width <= 0:
        return []
    if count <= width:
        return [values[index * count // width] for index in range(width)]
    if width == 1:
        return [values[-1]]
    last = count - 1
    return [values[round(last * index / (width - 1))] for index in range(width)]


def bar_of(value: float, low: float, high: float) -> str:
    """The block character for a value within low…high."""
    if high <= low:
        return BARS[len(BARS) // 2]
    share = (value - low) / (high - low)
    return BARS[min(len(BARS) - 1, max(0, round(share * (len(BARS) - 1))))]


class TextSparkline(RepaintsChanges):
    """The recent values of a series as one line of block characters."""

    DEFAULT_CSS = """
    TextSparkline {
        height: 1;
        width: 1fr;
    }
    """

    values: reactive[tuple[float | None, ...]] = reactive((), repaint=False)
    """The series to draw, oldest first; None for a missing session."""

    def watch_values(self, old: tuple[float | None, ...], new: tuple[float | None, ...]) -> None:
        if len(old) != len(new):  # its width follows the series' length
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    def __init__(
        self,
        bands: Sequence[Band] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`bands`: colour each bar by the band its value falls in."""
        super().__init__(name=name, id=id, classes=classes)
        self.bands = tuple(bands)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(1, len(self.values))

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        shown = [value if plottable(value) else None for value in sample(self.values, width)]
        known = [value for value in shown if value is not None]
        if not known:
            return Content.styled("no history", "$text-muted italic")
        low, high = min(known), max(known)
        parts: list[tuple[str, str]] = []
        for value in shown:
            if value is None:
                parts.append((" ", ""))
                continue
            band = band_of(value, self.bands)
            parts.append(
                (bar_of(value, low, high), f"$text-{band.color}" if band else "$text-primary")
            )
        return Content.assemble(*parts)
