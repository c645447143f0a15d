"""A text gauge: a horizontal scale drawn in box-drawing characters, coloured by band
(weak / neutral / strong, short / long...), with a ▲ marker under the reading and the
reading itself beside the marker. The bar is heavy (━) from the scale's origin to the
reading and dashed (╌) beyond it, band edges are ticks (┿), and the scale's ends and band
edges are numbered where they do not collide with the reading — so the gauge reads
right in 16 colours and with NO_COLOR, where only the shapes and numbers remain. Pure
rendering: the widget places a value the Snapshot holds on a scale; it computes no
reading. A value that is not a number (NaN, ±inf) reads `unknown`, like None; one
beyond the scale sits at its end. Colours are theme variables only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive

from core import format as fmt
from core.format import finite
from widgets.repaint import RepaintsChanges


@dataclass(frozen=True)
class Band:
    """One stretch of a gauge's scale: its range, its word and its theme colour."""

    low: float
    high: float
    name: str
    """The band's word, as panels quote it: `weak`, `neutral`, `strong`."""
    color: str
    """Theme colour name of the bar in this band: `error`, `warning`, `success`..."""


def band_of(value: float | None, bands: Sequence[Band]) -> Band | None:
    """The band a value falls in. Bands are in scale order; an edge two bands share
    belongs to the inner one (so with `< 30 weak, > 70 strong`, 30 and 70 are neutral);
    values beyond the scale belong to the end bands; NaN and ±inf to none."""
    value = finite(value)
    if value is None or not bands:
        return None
    inner = bands[1:-1]
    for band in (*inner, bands[0], bands[-1]):
        if band.low <= value <= band.high:
            return band
    return bands[0] if value < bands[0].low else bands[-1]


class Gauge(RepaintsChanges):
    """A banded horizontal scale with a marker at the reading (two lines)."""

    DEFAULT_CSS = """
    Gauge {
        height: 2;
        width: 1fr;
        min-width: 12;
    }
    """

    value: reactive[float | None] = reactive(None, repaint=False)
    """The reading the marker points at; None draws the bare scale and `unknown`."""

    def watch_value(self) -> None:
        self.repaint_changes()

    def __init__(
        self,
        low: float,
        high: float,
        bands: Sequence[Band],
        *,
        origin: float | None = None,
        label: Callable[[float | None], str] = fmt.pct,
        signed_scale: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`origin`: where the heavy part of the bar starts (the scale's low end by
        default; 0 for a gauge of exposure from −100 to +100). `label` formats the
        reading beside the marker (`58.4% neutral`; its first word alone where the
        whole does not fit). `signed_scale` numbers the ends `-100` / `+100`."""
        super().__init__(name=name, id=id, classes=classes)
        self.low = low
        self.high = high
        self.bands = tuple(bands)
        self.origin = low if origin is None else origin
        self.label = label
        self.signed_scale = signed_scale

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 2

    def column_of(self, value: float, width: int) -> int:
        """The cell (0 … width − 1) a value falls on."""
        if width <= 1 or self.high <= self.low:
            return 0
        share = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        return min(width - 1, max(0, round(share * (width - 1))))

    def _bar(self, width: int) -> Content:
        value = finite(self.value)
        edges = {self.column_of(band.low, width) for band in self.bands[1:]}
        lit_from, lit_to = -1, -2
        if value is not None:
            start, end = self.column_of(self.origin, width), self.column_of(value, width)
            lit_from, lit_to = min(start, end), max(start, end)
        parts: list[tuple[str, str]] = []
        for column in range(width):
            at = self.low + (self.high - self.low) * column / max(1, width - 1)
            band = band_of(at, self.bands)
            color = f"${band.color}" if band is not None else "$text-muted"
            lit = lit_from <= column <= lit_to
            shapes = ("╋", "┼") if column in edges else ("━", "╌")
            char = shapes[0] if lit else shapes[1]
            parts.append((char, color if lit else f"{color} 60%"))
        return Content.assemble(*parts)

    def _scale(self, width: int) -> Content:
        """The marker and reading, with the scale's numbers where they fit."""
        value = finite(self.value)
        line: list[tuple[str, str] | None] = [None] * width
        taken = [False] * width

        def place(text: str, start: int, style: str, *, gap: int = 1) -> bool:
            start = max(0, min(start, width - len(text)))
            end = start + len(text)
            if end > width or any(taken[max(0, start - gap) : min(width, end + gap)]):
                return False
            for offset, char in enumerate(text):
                line[start + offset] = (char, style)
                taken[start + offset] = True
            return True

        if value is None:
            place(fmt.UNKNOWN, (width - len(fmt.UNKNOWN)) // 2, "$text-muted italic", gap=0)
        else:
            column = self.column_of(value, width)
            band = band_of(value, self.bands)
            style = f"bold $text-{band.color}" if band is not None else "bold"
            label = self.label(value)
            # The reading sits right of the marker, or left of it near the end; when
            # the whole label fits neither way, its first word (the number) does.
            for text in dict.fromkeys((label, label.split(" ")[0])):
                if column + 2 + len(text) <= width:
                    place(f"▲ {text}", column, style, gap=0)
                    break
                if column - len(text) - 1 >= 0:
                    place(f"{text} ▲", column - len(text) - 1, style, gap=0)
                    break
            else:
                place("▲", column, style, gap=0)
        ends = (self.low, self.high)
        for number in (*ends, *(band.low for band in self.bands[1:])):
            signed = self.signed_scale and number > 0
            text = fmt.signed_number(number, 0) if signed else fmt.number(number, 0)
            column = self.column_of(number, width)
            if number == self.low:
                start = 0
            elif number == self.high:
                start = width - len(text)
            else:
                start = column - len(text) // 2
            place(text, start, "$text-muted")
        return Content.assemble(*((cell or (" ", "")) for cell in line))

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        if width <= 0:
            return Content("")
        return Content("\n").join([self._bar(width), self._scale(width)])
