"""What the terminal Regime runs in can show, decided from plain values so the rules are
testable without one: `theme_for_terminal` gives a terminal of fewer than 256 colours
(TERM=xterm, a console, many SSH setups) the ANSI theme, whose meaning colours are the
terminal's own 16 (a 24-bit theme squeezed into 16 colours turns green, red and yellow
into the same white); `locale_is_utf8` reads the locale the user's environment declares
(LC_ALL, else LC_CTYPE, else LANG, as the C library does), undoing Python's own coercion
of a C locale to C.UTF-8 (PEP 538), which would otherwise hide `LANG=C`. The app
applies both at mount, and only to a real terminal: headless runs (tests, snapshots)
keep what they ask for."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

ANSI_THEME = "regime-ansi"
"""The theme for terminals of 16 colours."""

FULL_COLOR_SYSTEMS = frozenset({"256", "truecolor"})
"""rich's names of the colour systems with 256 colours or more ("standard" and
"windows" have 16; None is no colour at all)."""

LOCALE_VARIABLES = ("LC_ALL", "LC_CTYPE", "LANG")
"""The variables that name the character set, strongest first."""

COERCED_CTYPES = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})
"""What Python writes into LC_CTYPE when it coerces a C locale (PEP 538)."""


def theme_for_terminal(
    requested: str, color_system: str | None, *, ansi_requested: bool, headless: bool
) -> str:
    """The theme to use: `requested`, unless a real terminal of fewer than 256 colours
    would map its meaning colours onto each other, then the ANSI theme. A requested
    theme that is already ANSI (`ansi_requested`) stays."""
    if headless or ansi_requested or color_system in FULL_COLOR_SYSTEMS:
        return requested
    return ANSI_THEME


def locale_is_utf8(environ: Mapping[str, str], *, coerced: bool) -> bool:
    """Whether the locale `environ` declares is UTF-8. `coerced`: Python replaced a C
    locale's LC_CTYPE with C.UTF-8 at start, so an LC_CTYPE of that value is not the
    user's. No variable set at all is the C locale: not UTF-8."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if name == "LC_CTYPE" and coerced and value in COERCED_CTYPES:
            continue
        if value:
            # `en_US.UTF-8`, `C.utf8`, `de_DE.utf-8@euro`.
            codeset = value.partition(".")[2].partition("@")[0].lower().replace("-", "")
            return codeset == "utf8"
    return False


def python_coerced_locale() -> bool:
    """Whether this Python turned on UTF-8 mode by itself, which it does only when it
    started in the C or POSIX locale (PEP 540), and so may have coerced LC_CTYPE."""
    requested = "PYTHONUTF8" in os.environ or "utf8" in sys._xoptions
    return bool(sys.flags.utf8_mode) and not requested


def terminal_is_utf8() -> bool:
    """Whether this process's terminal takes UTF-8, as its locale declares."""
    return locale_is_utf8(os.environ, coerced=python_coerced_locale())
