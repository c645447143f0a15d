"""The dashboard's panels as the screens know them: every panel class under `widgets/`
(a `*_panel.py` module whose class declares `SECTION`), in dashboard order, each with
its key (1–9), DOM id (its section's key), and what the help and the palette say of
it; which panels each thesis view emphasises; and `show_header`, which hands the
status line and the verdict their parts of a Snapshot. Nothing here names a section:
a new panel is found by its module's name and declares the rest itself."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import widgets
from widgets.panel import PANEL_CLASSES

if TYPE_CHECKING:
    from core.snapshot import Snapshot, Thesis
    from widgets.panel import Panel
    from widgets.status_line import StatusLine
    from widgets.verdict import Verdict

PANEL_MODULE_SUFFIX = "_panel"
"""A module of `widgets/` named `*_panel.py` holds one dashboard panel."""


@dataclass(frozen=True)
class PanelView:
    """One dashboard panel: how to reach it and what it means."""

    key: str
    """The key that opens its detail screen (1–9; empty beyond nine panels)."""
    widget: type[Panel]
    """The panel's class; the detail screen builds a `detailed=True` instance."""

    @property
    def id(self) -> str:
        """Its DOM id on the dashboard and on its detail screen: its section's key."""
        return self.widget.SECTION

    @property
    def name(self) -> str:
        """Its short name, as the palette says it: `Open price detail`."""
        return self.widget.PANEL_NAME or self.widget.SECTION

    @property
    def title(self) -> str:
        """The panel's name, as its top border shows it."""
        return self.widget.PANEL_TITLE

    @property
    def meaning(self) -> str:
        """One line, in the market's words, on what its readings say."""
        return self.widget.MEANING

    def build(self, *, detailed: bool = False) -> Panel:
        """A new instance of the panel."""
        return self.widget(id=self.id, detailed=detailed)


@cache
def _discover() -> None:
    """Import every panel module of `widgets/` (defining a panel class registers it)."""
    for module in pkgutil.iter_modules(widgets.__path__):
        if module.name.endswith(PANEL_MODULE_SUFFIX):
            importlib.import_module(f"{widgets.__name__}.{module.name}")


def panels() -> tuple[PanelView, ...]:
    """Every registered panel, in dashboard order (its POSITION, then its section)."""
    _discover()
    ordered = sorted(PANEL_CLASSES.values(), key=lambda panel: (panel.POSITION, panel.SECTION))
    return tuple(
        PanelView(str(place) if place <= 9 else "", panel)
        for place, panel in enumerate(ordered, start=1)
    )


def panel_view(panel_id: str) -> PanelView | None:
    """The panel whose DOM id (section) is `panel_id`, if any."""
    return next((view for view in panels() if view.id == panel_id), None)


def emphasised(thesis: Thesis) -> frozenset[str]:
    """The panels (by id) the view of `thesis` emphasises: what its thesis rests on."""
    return frozenset(view.id for view in panels() if thesis in view.widget.EMPHASISED_IN)


VIEW_NAMES: dict[Thesis, str] = {"bull": "Bull", "bear": "Bear"}
"""Each thesis view's name, as the verdict and the palette say it."""


def other_thesis(thesis: Thesis) -> Thesis:
    """The view the thesis key switches to."""
    return "bear" if thesis == "bull" else "bull"


def show_header(status: StatusLine, verdict: Verdict, snapshot: Snapshot) -> None:
    """Hand the status line and the verdict their parts of `snapshot` (both screens
    show them, so freshness and the scores are never hidden)."""
    status.source = snapshot.source
    status.market = snapshot.market
    status.as_of = snapshot.as_of
    verdict.section = snapshot.checklist
