"""The checklist section: every thesis (bull, bear and any the user adds) scored
against the rest of the Snapshot — each item pass, fail or unknown with the reading
behind it. It comes last, because its rules read the other sections. `compute` judges
today's Snapshot (values, reasons, labels); `readings` judges every session of a
history at once, from the other sections' readings joined on the index's sessions:
`checklist.bull.score`, `checklist.bull.total`, `checklist.bull.items[ID].status`, the
same for bear, and `checklist.extra[NAME].score`, `.total`, `.items[ID].status` for an
added thesis. Both go through the one column evaluator of `core.rules` (a Snapshot is
a one-row table). A rule reading a column no section produced for past sessions is
unknown there, never a fail. The theses and their rule language are `core.thesis` and
`core.rules`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from core import format as fmt
from core.section import Inputs, Section, on_sessions
from core.snapshot import Frozen, PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings

KEY = "checklist"
NAMED = ("bull", "bear")
"""The theses with a field of their own; the others are under `extra[NAME]`."""

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


def readings(inputs: Inputs) -> pd.DataFrame:
    """Every thesis's score, total and item statuses ("pass", "fail", "unknown") for
    every session of `inputs.frames["sessions"]`, judged on the earlier sections'
    readings on those sessions as a replay as of each sees them (`on_sessions`: a
    section's last row on or before the session). Bull and bear always have their
    columns, as the Snapshot always has their scores (0 of 0 without the thesis)."""
    import numpy as np
    import pandas as pd

    from core.rules import Table
    from core.thesis import evaluate_rows, load_theses

    theses = inputs.theses if inputs.theses is not None else load_theses(inputs.settings.theses)
    sessions = inputs.frames["sessions"].index
    frames = [
        on_sessions(frame, sessions) for key, frame in inputs.frames.items() if key != "sessions"
    ]
    table = Table.joined(frames, sessions)
    rows = len(sessions)
    columns: dict[str, Any] = {}
    extra = [name for name in theses if name not in NAMED]
    for name in (*NAMED, *extra):
        prefix = f"{KEY}.{name}" if name in NAMED else f"{KEY}.extra[{name}]"
        if name not in theses:
            columns[f"{prefix}.score"] = np.zeros(rows, dtype=np.int64)
            columns[f"{prefix}.total"] = np.zeros(rows, dtype=np.int64)
            continue
        judged = evaluate_rows(theses[name], table)
        columns[f"{prefix}.score"] = judged.score
        columns[f"{prefix}.total"] = np.full(rows, judged.total, dtype=np.int64)
        for item_id, statuses in judged.statuses.items():
            columns[f"{prefix}.items[{item_id}].status"] = pd.Series(
                statuses, index=sessions, dtype=object, copy=False
            )
    return pd.DataFrame(columns, index=sessions, copy=False)


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
    key=KEY,
    model=ChecklistSection,
    order=100,
    compute=compute,
    fallback=fallback,
    text=text,
    readings=readings,
    reads_sections=True,
)
