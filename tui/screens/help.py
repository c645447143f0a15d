"""The help overlay: every key the app answers to with what it does, what the two
thesis views emphasise, and one line per panel on what its readings mean in the
market's words. Opened with ? (or h), closed with Escape. The key list is built from
the app's bindings, so it cannot drift from what the keys really do; the keys that
belong to a screen or a panel (Tab, Enter, Escape) and the palette follow; a group of
keys is one row (1–8; replay stepping's [ ] { } g p)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.screens.panels import emphasised, panels

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult

    from core.snapshot import Thesis

KeyRow = tuple[Content, str]
"""A key (as the footer shows it) and what it does."""

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "Move between the panels (the focused one's name is reversed)."),
    ("enter", "Open the focused panel full screen."),
    ("escape", "Back to the dashboard (from a panel's detail or this help)."),
    ("up / down / pageup / pagedown", "Scroll a panel's detail when it is longer than the screen."),
    ("up / down / tab", "In the historical edge's detail: choose a study."),
    (
        "i",
        "In the price panel: the session's 5-minute bars or the daily chart (the bars "
        "by default while a session is on).",
    ),
)
"""Keys of the screens and panels themselves, not bindings of the app."""

OTHER_LINES: tuple[tuple[str, str], ...] = (
    (
        "Verdict",
        "Both theses' scores from the checklist, the view in focus reversed in its "
        "colour, with how many items the data cannot judge yet.",
    ),
    (
        "Status line",
        "Data source (LIVE, OFFLINE with its age, SIMULATED, REPLAY), market phase with a "
        "countdown to the next open or close, data age; while stepping through a replay, "
        "the session shown in the badge and ‖ or ▶ with the speed beside it. Each panel's "
        "bottom border shows its own freshness and as-of time (New York).",
    ),
)
"""One line on each of the other parts of the screen."""


VIEW_ACCENTS: tuple[tuple[Thesis, str], ...] = (("bull", "$thesis-bull"), ("bear", "$thesis-bear"))
"""Each view and the theme variable of its accent."""


def emphasis_line(thesis: Thesis) -> str:
    """The panels a view emphasises, by name: `price, breadth, CTA trend` (the panel
    that shows the thesis itself goes without saying)."""
    return ", ".join(
        view.name
        for view in panels()
        if view.id in emphasised(thesis) and not view.widget.FOLLOWS_THESIS
    )


class HelpScreen(ModalScreen[None]):
    """Keys, views and panels, explained."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close", tooltip="Close the help."),
    ]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__(id="help")
        self.bindings = bindings

    def _keys(self, binding: Binding) -> str:
        return " / ".join(
            self.app.get_key_display(replace(binding, key=key.strip(), key_display=None))
            for key in binding.key.split(",")
        )

    def _key_cell(self, keys: str) -> Content:
        return Content.styled(keys, "bold $text-accent")

    def key_rows(self) -> tuple[KeyRow, ...]:
        """One row per key: the app's bindings (a group of them as one row), then
        the navigation keys and the palette."""
        rows: list[KeyRow] = []
        seen: set[Binding.Group] = set()
        for binding in self.bindings:
            group = binding.group
            if group is None:
                rows.append(
                    (self._key_cell(self._keys(binding)), binding.tooltip or binding.description)
                )
            elif group not in seen:
                seen.add(group)
                members = [member for member in self.bindings if member.group == group]
                if all(member.key.isdigit() for member in members):
                    keys = f"{self._keys(members[0])}–{self._keys(members[-1])}"
                else:  # not a range: [ ] { } g p
                    keys = " ".join(self._keys(member) for member in members)
                what = ", ".join(f"{self._keys(member)} {member.description}" for member in members)
                rows.append((self._key_cell(keys), f"{group.description}: {what}."))
        for keys, what in NAVIGATION:
            display = " / ".join(
                self.app.get_key_display(Binding(key, "")) for key in keys.split(" / ")
            )
            rows.append((self._key_cell(display), what))
        palette = self.app.get_key_display(Binding("ctrl+p", "command_palette"))
        rows.append(
            (self._key_cell(palette), "Command palette: switch view, open a panel, theme, help.")
        )
        return tuple(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("Keys", classes="help--heading")
            with Grid(id="help-keys"):
                for keys, what in self.key_rows():
                    yield Static(keys, classes="help--key")
                    yield Static(what, classes="help--what")
            yield Static("Views", classes="help--heading")
            for thesis, accent in VIEW_ACCENTS:
                yield Static(
                    Content.assemble(
                        (thesis.capitalize(), f"bold {accent}"),
                        "  ",
                        (
                            f"emphasises {emphasis_line(thesis)} (accent border); "
                            f"the checklist shows the {thesis} thesis.",
                            "$text-muted",
                        ),
                    ),
                    classes="help--panel",
                )
            yield Static("Panels", classes="help--heading")
            for view in panels():
                yield Static(
                    Content.assemble(
                        (f"{view.key} {view.title}", "bold"),
                        "  ",
                        (view.meaning, "$text-muted"),
                    ),
                    classes="help--panel",
                )
            for name, line in OTHER_LINES:
                yield Static(
                    Content.assemble((name, "bold"), "  ", (line, "$text-muted")),
                    classes="help--panel",
                )
            yield Static("Escape closes this help.", classes="help--footnote")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Regime · help"
