"""The Edge detail view's list of studies: one line a study (its setup, and beside it
`today` when its condition holds on the session or the date of its last event when it
is within its cool-down), the chosen one marked (▶, reversed while the list has the
focus). Up and down, Tab and Shift+Tab move the choice (wrapping at the ends), a click
chooses a line; each change posts `StudyChooser.Changed` with the study's id. It knows
its own height (one line a study), so the view around it lays out without measuring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive

from widgets.repaint import RepaintsChanges
from widgets.table import fit


@dataclass(frozen=True)
class StudyOption:
    """One line of the list."""

    id: str
    title: str
    tag: str = ""
    """`today`, or the last event's date within the cool-down; empty when inactive."""
    tag_style: str = ""


class StudyChooser(RepaintsChanges):
    """Which study the Edge detail view shows."""

    DEFAULT_CSS = """
    StudyChooser {
        height: auto;
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab",
            "move(1)",
            "Next study",
            id="edge.next_study",
            tooltip="Show the next study (Shift+Tab, ↑ and ↓ move too).",
        ),
        Binding("shift+tab", "move(-1)", "Previous study", show=False),
        Binding("down", "move(1)", "Next study", show=False),
        Binding("up", "move(-1)", "Previous study", show=False),
    ]

    can_focus = True

    @dataclass
    class Changed(Message):
        """Another study was chosen."""

        chooser: StudyChooser
        study_id: str

    options: reactive[tuple[StudyOption, ...]] = reactive((), repaint=False)
    """The studies, in the order listed (active ones first)."""

    chosen: reactive[str | None] = reactive(None, repaint=False)
    """The id of the study shown; None until there are options."""

    def watch_options(self, old: tuple[StudyOption, ...], new: tuple[StudyOption, ...]) -> None:
        ids = [option.id for option in new]
        if ids and self.chosen not in ids:
            self.chosen = ids[0]
        if len(old) != len(new):
            self.refresh(layout=True)
        else:
            self.repaint_changes()

    def watch_chosen(self, chosen: str | None) -> None:
        self.repaint_changes()
        if chosen is not None:
            self.post_message(self.Changed(self, chosen))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        """Choose the study `step` lines away, wrapping at the ends."""
        ids = [option.id for option in self.options]
        if not ids:
            return
        place = ids.index(self.chosen) if self.chosen in ids else 0
        self.chosen = ids[(place + step) % len(ids)]

    def on_click(self, event: events.Click) -> None:
        line = event.y
        if 0 <= line < len(self.options):
            self.chosen = self.options[line].id

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.options))

    def render(self) -> Content:
        width = self.content_region.width or self.size.width
        if not self.options:
            return Content.styled("no studies", "$text-muted italic")
        lines: list[Content] = []
        for option in self.options:
            chosen = option.id == self.chosen
            mark = Content.styled("▶ ", "bold $text-accent") if chosen else Content("  ")
            tag = Content.styled(option.tag, option.tag_style) if option.tag else Content("")
            room = max(1, width - 2 - (tag.cell_length + 1 if option.tag else 0))
            title = fit(Content(option.title), room, words=True)
            gap = " " * max(1, width - 2 - title.cell_length - tag.cell_length)
            line = Content.assemble(mark, title, gap, tag) if option.tag else mark + title
            line = line.pad_right(max(0, width - line.cell_length))
            if chosen:
                line = line.stylize("bold reverse" if self.has_focus else "bold")
            lines.append(line)
        return Content("\n").join(lines)
