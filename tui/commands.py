"""The command palette's Regime commands (ctrl+p): switch to the bull or the bear view,
open any panel full screen, cycle the theme, refresh now, and show the help. Each runs
the same app action as its key, so the palette and the keys never disagree."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.screens.panels import panels

COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "Switch to bull view",
        "set_thesis('bull')",
        "Bull checklist first; price vs levels, breadth and CTA trend emphasised (t)",
    ),
    (
        "Switch to bear view",
        "set_thesis('bear')",
        "Bear checklist first; RSI divergence, VIX and breadth emphasised (t)",
    ),
    *(
        (
            f"Open {view.name} detail",
            f"open_detail('{view.id}')",
            f"The {view.title} panel full screen, with the numbers behind it ({view.key})",
        )
        for view in panels()
    ),
    ("Cycle theme", "cycle_theme", "regime-dark → regime-light → regime-ansi (c)"),
    ("Refresh now", "refresh_now", "Fetch and recompute without waiting for the cadence (r)"),
    ("Help", "help", "Keys and what each panel's readings mean (?)"),
)
"""Palette name, app action and help text of each command."""


class RegimeCommands(Provider):
    """Regime's own commands for the command palette."""

    async def discover(self) -> Hits:
        for name, action, help_text in COMMANDS:
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    text=name,
                    help=help_text,
                )
