"""How readings look on the terminal, beyond their text (which core.format writes for
every layer): the theme style of a signed reading, the CSS class of each freshness
state, the colour of each kind of price level, and what a panel says before its first
Snapshot — things only the screen has. Also the plain-ASCII look for a terminal whose
locale is not UTF-8: `ASCII_CLASS` on the app marks it (charts draw with ASCII
markers), and `AsciiOnly`, a line filter over everything the app paints, gives every
glyph its plain counterpart of the same width (▲ ^, ▼ v, ✓ +, ✗ x, · ., … ., box
lines - | + and =, blocks and braille as dots) and any other character `?`, so not one
byte outside ASCII reaches the terminal, whichever widget (Textual's own included)
drew it."""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from textual.filter import LineFilter

from core.format import finite

if TYPE_CHECKING:
    from textual.color import Color
    from textual.dom import DOMNode

    from core.snapshot import Freshness

WAITING = "waiting for first data…"
"""What every panel says before the first Snapshot arrives."""

STATE_CLASSES: dict[Freshness, str] = {
    "LIVE": "-live",
    "DELAYED": "-delayed",
    "STALE": "-stale",
    "CLOSED": "-closed",
    "OFFLINE": "-offline",
    "SIMULATED": "-simulated",
    "REPLAY": "-replay",
    "ERROR": "-error",
}
"""CSS class a widget carries for each freshness state (styled in the .tcss)."""

LEVEL_COLORS: dict[str, str] = {
    "bull": "success",
    "bear": "error",
    "milestone": "warning",
    "ema": "primary",
    "sma": "primary",
    "user": "accent",
    "range": "secondary",
    "gamma": "accent",
}
"""Theme colour of a level's line and name: by its thesis when it has one, else by kind."""


def level_color(kind: str, thesis: str | None) -> str:
    """The theme colour name (`success`, `primary`...) a level is drawn in."""
    return LEVEL_COLORS.get(thesis or kind, "secondary")


def tone(value: float | None) -> str:
    """The text style of a signed reading: success when above zero, error below, none
    when zero or not a number (a NaN is unknown, not a fall)."""
    known = finite(value)
    if not known:
        return ""
    return "$text-success" if known > 0 else "$text-error"


ASCII_CLASS = "-ascii"
"""The app's class when the terminal takes ASCII only (its locale is not UTF-8)."""

ASCII_GLYPHS: dict[str, str] = {
    "▲": "^",
    "▼": "v",
    "▶": ">",
    "◀": "<",
    "‖": "|",
    "✓": "+",
    "✗": "x",
    "●": "o",
    "•": "*",
    "·": ".",
    "…": ".",
    "–": "-",
    "—": "-",
    "−": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "⚠": "!",
    "⏎": "<",
    "→": ">",
    "←": "<",
    "≥": ">",
    "≤": "<",
    "░": ":",
    "▒": "%",
    "▓": "#",
    # A sparkline's eight heights, lowest first, as an ASCII ramp.
    **dict(zip("▁▂▃▄▅▆▇█", "_.,-=+*#", strict=True)),
}
"""The plain counterpart of each glyph Regime (or Textual) draws, one cell for one."""


def ascii_only(node: DOMNode) -> bool:
    """Whether the app `node` is in draws with ASCII only."""
    return node.app.has_class(ASCII_CLASS)


@cache
def ascii_glyph(char: str) -> str:
    """The ASCII a character is drawn as: itself if ASCII, its counterpart in
    ASCII_GLYPHS, a box line's shape, a block or braille cell's dots, else `?` for each
    cell it takes (a combining mark, which takes none, is dropped)."""
    if char.isascii():
        return char
    if char in ASCII_GLYPHS:
        return ASCII_GLYPHS[char]
    code = ord(char)
    if 0x2500 <= code <= 0x257F:
        return _box_glyph(unicodedata.name(char, ""))
    if 0x2580 <= code <= 0x259F:
        return (
            "|"
            if "LEFT" in unicodedata.name(char, "") or "RIGHT" in unicodedata.name(char, "")
            else "#"
        )
    if 0x2800 <= code <= 0x28FF:
        return _braille_glyph(code - 0x2800)
    return "?" * cell_len(char)


def _box_glyph(name: str) -> str:
    """A box-drawing character by its shape: a line across, a line down, or a joint;
    a heavy or double line across (a gauge's filled part) is `=`."""
    across = "HORIZONTAL" in name
    down = "VERTICAL" in name
    if across and not down and not any(way in name for way in ("UP", "DOWN", "LEFT", "RIGHT")):
        heavy = ("HEAVY" in name or "DOUBLE HORIZONTAL" in name) and "DASH" not in name
        return "=" if heavy else "-"
    if down and not across and not any(way in name for way in ("UP", "DOWN", "LEFT", "RIGHT")):
        return "|"
    return "+"


def _braille_glyph(dots: int) -> str:
    """A braille cell as the dots it sets: top half `'`, bottom half `.`, both `:`."""
    if not dots:
        return " "
    top = dots & 0b0001_1011  # dots 1, 2, 4, 5
    bottom = dots & 0b1110_0100  # dots 3, 6, 7, 8
    return ":" if top and bottom else "'" if top else "."


def to_ascii(text: str) -> str:
    """`text` with every character drawn as ASCII, cell for cell."""
    if text.isascii():
        return text
    return "".join(ascii_glyph(char) for char in text)


class AsciiOnly(LineFilter):
    """Draw every line in ASCII: each segment's text through `to_ascii`."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(to_ascii(text), style, control)
            if not control
            else Segment(text, style, control)
            for text, style, control in segments
        ]
