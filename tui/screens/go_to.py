"""Replay stepping's go to (`g`): a small modal with one input for a date, YYYY-MM-DD.
A date within the span's first and last sessions closes it with that date (the app
shows the last session on or before it); anything else (not a date, or outside the
span) gets one line under the input saying why, and nothing else happens. Escape
cancels. `parse_target` holds the rule, so the tests pin it without a screen."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.app import ComposeResult


def parse_target(text: str, sessions: Sequence[date]) -> date | str:
    """The date `text` names if it lies within `sessions` (oldest first); else the
    one line saying why not."""
    span = f"{sessions[0]:%Y-%m-%d} to {sessions[-1]:%Y-%m-%d}"
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return f"Not a date: type YYYY-MM-DD ({span})."
    if day < sessions[0] or day > sessions[-1]:
        return f"{day:%Y-%m-%d} is outside the replay's sessions, {span}."
    return day


class GoToScreen(ModalScreen[date | None]):
    """Ask for a date to step to; dismissed with it, or None when cancelled."""

    DEFAULT_CSS = """
    GoToScreen {
        align: center middle;
        & > Vertical {
            width: 56;
            height: auto;
            border: round $accent;
            padding: 0 1;
            background: $surface;
        }
        & .go-to--error { color: $error; height: auto; }
        & .go-to--span { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="go_to.cancel", tooltip="Cancel."),
    ]

    def __init__(self, sessions: Sequence[date], shown: date) -> None:
        super().__init__(id="go-to")
        self.sessions = sessions
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Go to a session"
            yield Static(
                f"Sessions {self.sessions[0]:%Y-%m-%d} to {self.sessions[-1]:%Y-%m-%d}; "
                f"showing {self.shown:%Y-%m-%d}.",
                classes="go-to--span",
                markup=False,
            )
            yield Input(placeholder="YYYY-MM-DD", id="go-to-date")
            yield Static("", classes="go-to--error", markup=False)

    @property
    def error_line(self) -> Static:
        """The line saying why a date was refused."""
        return self.query_one(".go-to--error", Static)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        target = parse_target(event.value, self.sessions)
        if isinstance(target, str):
            self.error_line.update(target)
            return
        self.dismiss(target)

    def action_dismiss_none(self) -> None:
        """Close without going anywhere."""
        self.dismiss(None)
