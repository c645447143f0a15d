"""The command palette's Regime commands (ctrl+p): switch the thesis view, cycle the
theme, refresh now, and show the help. Each runs the same app action as its key, so
the palette and the keys never disagree."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Switch thesis view", "toggle_thesis", "Show the bull or the bear checklist"),
    ("Cycle theme", "cycle_theme", "regime-dark → regime-light → regime-ansi"),
    ("Refresh now", "refresh_now", "Fetch and recompute without waiting for the cadence"),
    ("Help", "help", "Keys and what each panel shows"),
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
