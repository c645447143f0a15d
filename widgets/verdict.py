"""The verdict: one line under the status line with both theses' scores, `Bull 3/6
(1 unknown) · Bear 2/5 (1 unknown)`, the view in focus first-class: bold and reversed
in its accent colour (`$thesis-bull` / `$thesis-bear`), so it reads without colour
too. Scores come straight from the Snapshot's checklist; the only thing counted here
is how many items each thesis could not judge. Theses the user added follow, muted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive

from widgets import look
from widgets.repaint import RepaintsChanges

if TYPE_CHECKING:
    from core.sections.checklist import ChecklistSection, ThesisScore
    from core.snapshot import Thesis

ACCENTS: dict[Thesis, str] = {"bull": "$thesis-bull", "bear": "$thesis-bear"}
"""The theme variable of each view's accent colour."""

THESES: tuple[Thesis, ...] = ("bull", "bear")
"""The two theses, always in this order so neither score moves when the view flips."""

SEPARATOR = ("  ·  ", "$text-muted")


def unknown_count(card: ThesisScore) -> int:
    """How many of a thesis's items the data cannot judge yet."""
    return sum(1 for item in card.items if item.status == "unknown")


def score_text(name: str, card: ThesisScore) -> str:
    """`Bull 3/6`, or `Bull: no items` for an empty thesis."""
    return f"{name} {card.score}/{card.total}" if card.total else f"{name}: no items"


def verdict_line(section: ChecklistSection | None, thesis: Thesis) -> Content:
    """Both scores, the view in focus emphasised; unknown counts after each."""
    if section is None:
        return Content.styled(f"Bull ? · Bear ? · {look.WAITING}", "$text-muted")
    parts: list[str | tuple[str, str]] = []
    for name in THESES:
        card: ThesisScore = getattr(section, name)
        if parts:
            parts.append(SEPARATOR)
        text = score_text(name.capitalize(), card)
        if name == thesis:
            parts.append((f" {text} ", f"bold reverse {ACCENTS[name]}"))
        else:
            parts.append((text, ACCENTS[name]))
        unknown = unknown_count(card)
        if unknown:
            parts.append((f" ({unknown} unknown)", "$text-muted"))
    for extra_name, extra_card in section.extra.items():
        parts += [SEPARATOR, (score_text(extra_name, extra_card), "$text-muted")]
    return Content.assemble(*parts)


class Verdict(RepaintsChanges):
    """One line: both theses' scores, the view in focus emphasised."""

    DEFAULT_CSS = """
    Verdict {
        height: 1;
        width: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    section: reactive[ChecklistSection | None] = reactive(None, repaint=False)
    """The checklist section of the Snapshot on show; None until the first one."""

    thesis: reactive[Thesis] = reactive("bull", repaint=False)
    """The view in focus: its score comes first-class."""

    def watch_section(self) -> None:
        self.repaint_changes()

    def watch_thesis(self) -> None:
        self.repaint_changes()

    def render(self) -> Content:
        return verdict_line(self.section, self.thesis)
