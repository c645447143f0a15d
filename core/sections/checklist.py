"""The checklist section: every thesis (bull, bear and any the user adds) scored
against the rest of the Snapshot — each item pass, fail or unknown with the reading
behind it. It comes last, because its rules read the other sections. The theses and
their rule language are `core.thesis` and `core.rules`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from core import format as fmt
from core.section import Inputs, Section
from core.snapshot import Frozen, PanelStatus, SectionModel

if TYPE_CHECKING:
    from core.config import Settings

ItemStatus = Literal["pass", "fail", "unknown"]


class ChecklistItem(Frozen):
    """One claim of a thesis, judged against the data."""

    ITEM_KEY: ClassVar[str] = "id"
    """Items are named in a history by id: `checklist.bull.items[above_7000].status`."""

    id: str
    label: str
    status: ItemStatus
    value: str | None = None
    """The reading behind the judgement, formatted for display."""
    rule: str | None = None
    """The rule's source text, e.g. 'price.last > level("6,992 pivot").value'."""
    reason: str | None = None
    """Why the item is unknown (what data is missing); None when it passed or failed."""
    why: str | None = None
    """One line on what the claim means."""


class ThesisScore(Frozen):
    """A thesis's checklist: items that pass out of all items."""

    score: int = 0
    total: int = 0
    items: tuple[ChecklistItem, ...] = ()
    title: str | None = None
    """The thesis's title, e.g. "Bull: liquidity regime, momentum"."""


class ChecklistSection(SectionModel):
    """Both theses, scored, and any theses the user added."""

    bull: ThesisScore = Field(default_factory=ThesisScore)
    bear: ThesisScore = Field(default_factory=ThesisScore)
    extra: dict[str, ThesisScore] = Field(default_factory=dict)
    """Theses added in the config (`[theses.NAME]`), by name."""


def compute(inputs: Inputs) -> ChecklistSection:
    """Every thesis scored on the Snapshot of the other sections."""
    from core.thesis import checklist_section, load_theses

    theses = inputs.theses if inputs.theses is not None else load_theses(inputs.settings.theses)
    snapshot = inputs.snapshot("checklist not evaluated")
    return checklist_section(theses, snapshot, inputs.cycle.state, inputs.cycle.detail)


def fallback(status: PanelStatus, settings: Settings) -> ChecklistSection:
    """No thesis scored."""
    if status.state == "ERROR" and status.detail and status.detail.startswith("could not compute"):
        detail = status.detail.replace("could not compute", "could not score the theses", 1)
        status = status.model_copy(update={"detail": detail})
    return ChecklistSection(status=status)


def text(checklist: ChecklistSection) -> list[str]:
    """Both scores, then every item with its status and reading."""
    lines = [
        f"Checklist: bull {checklist.bull.score}/{checklist.bull.total}"
        f" · bear {checklist.bear.score}/{checklist.bear.total}"
        f"  {fmt.status_text(checklist.status)}"
    ]
    for name, thesis in (("bull", checklist.bull), ("bear", checklist.bear)):
        for item in thesis.items:
            lines.append(f"  {name} {item.status:<7} {item.label}: {item.value or fmt.UNKNOWN}")
    return lines


SECTION = Section(
    key="checklist",
    model=ChecklistSection,
    order=100,
    compute=compute,
    fallback=fallback,
    text=text,
    reads_sections=True,
)
