"""Regime's Textual themes and the stylesheets that lay the app out. Three themes ship:
`regime-dark` (the default), `regime-light`, and `regime-ansi`, which uses only the
terminal's own 16 ANSI colours so it reads correctly over SSH and in low-colour
terminals. Widgets and the .tcss files refer to theme variables only (`$success`,
`$error`, `$text-muted`...), never to colours, so any Textual theme works too.
Each theme also names the two thesis accents, `$thesis-bull` and `$thesis-bear`,
the colour of the bull and the bear view (`thesis_variable_defaults` derives them from
any other theme's success and error colours). `register_themes` makes the three known
to an app; `THEME_CYCLE` is the order the cycle-theme key walks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

THEMES_DIR = Path(__file__).parent
"""Where the .tcss files live."""
APP_CSS = THEMES_DIR / "regime.tcss"
"""The app's layout stylesheet."""

DEFAULT_THEME = "regime-dark"

REGIME_DARK = Theme(
    name="regime-dark",
    primary="#58A6FF",
    secondary="#8B9EB7",
    accent="#E3B341",
    warning="#E3B341",
    error="#F47067",
    success="#57AB5A",
    foreground="#D1D7E0",
    background="#0E1116",
    surface="#151B23",
    panel="#1F2630",
    dark=True,
    variables={
        "thesis-bull": "#57AB5A",
        "thesis-bear": "#F47067",
        "border-blurred": "#3D4450",
        "footer-key-foreground": "#58A6FF",
    },
)
"""Dark, muted surfaces with saturated signal colours: for long sessions."""

REGIME_LIGHT = Theme(
    name="regime-light",
    primary="#0969DA",
    secondary="#57606A",
    accent="#9A6700",
    warning="#9A6700",
    error="#CF222E",
    success="#1A7F37",
    foreground="#1F2328",
    background="#FFFFFF",
    surface="#F6F8FA",
    panel="#EAEEF2",
    dark=False,
    variables={
        "thesis-bull": "#1A7F37",
        "thesis-bear": "#CF222E",
        "border-blurred": "#C7CED6",
        "footer-key-foreground": "#0969DA",
    },
)
"""Light paper with dark ink; signal colours dark enough to read on white."""

REGIME_ANSI = Theme(
    name="regime-ansi",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_yellow",
    warning="ansi_yellow",
    error="ansi_bright_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "thesis-bull": "ansi_green",
        "thesis-bear": "ansi_red",
        # Textual's own widgets style ANSI themes with these two.
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border": "ansi_blue",
        "border-blurred": "ansi_bright_black",
        "footer-key-foreground": "ansi_cyan",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "input-cursor-background": "ansi_black",
        "input-cursor-foreground": "ansi_bright_white",
        "input-selection-background": "ansi_bright_blue",
        "input-selection-foreground": "ansi_black",
        "screen-selection-background": "ansi_bright_blue",
        "screen-selection-foreground": "ansi_black",
    },
)
"""The terminal's own palette and background: 16 colours, nothing else."""

THEMES: dict[str, Theme] = {theme.name: theme for theme in (REGIME_DARK, REGIME_LIGHT, REGIME_ANSI)}
"""Every theme Regime ships, by name."""

THEME_CYCLE: tuple[str, ...] = tuple(THEMES)
"""The order the cycle-theme key walks through."""


def thesis_variable_defaults(theme: Theme) -> dict[str, str]:
    """The thesis accents of a theme that does not name them (any Textual theme picked
    from the palette): its success colour for bull, its error colour for bear."""
    colors = theme.to_color_system().generate()
    return {"thesis-bull": colors["success"], "thesis-bear": colors["error"]}


def register_themes(app: App[Any]) -> None:
    """Make Regime's themes available to `app` (they can then be set by name)."""
    for theme in THEMES.values():
        app.register_theme(theme)


def next_theme(current: str) -> str:
    """The theme after `current` in the cycle; the first one if `current` is not in it."""
    if current not in THEME_CYCLE:
        return THEME_CYCLE[0]
    return THEME_CYCLE[(THEME_CYCLE.index(current) + 1) % len(THEME_CYCLE)]
